#ifndef NAAP_ERRORS_H
#define NAAP_ERRORS_H

/* Every fallible naapd function returns 0 on success or one of these negative codes.
 * The HTTP status for a code is decided once, in the API layer, never in the stores. */
enum naap_err {
    NAAP_DONE = 1, /* not a failure: the request has been answered, stop (nginx's NGX_DONE) */
    NAAP_OK = 0,
    NAAP_ERR = -1,          /* unexpected failure; logged where it happened */
    NAAP_EINVAL = -2,       /* bad input from the caller */
    NAAP_ENOTFOUND = -3,    /* the thing asked for does not exist */
    NAAP_EUNAVAILABLE = -4, /* a backing service (PostgreSQL, Redis) cannot be reached */
    NAAP_ETIMEDOUT = -5,    /* a backing service did not answer in time */
    NAAP_ECONFLICT = -6,    /* a uniqueness or state rule refused the write */
    NAAP_ETOOLARGE = -7,    /* input over a configured bound */
};

/** Short constant name of an error code, for logs. */
const char *naap_strerror(int err);

#endif
