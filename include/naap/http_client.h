#ifndef NAAP_HTTP_CLIENT_H
#define NAAP_HTTP_CLIENT_H

#include <stddef.h>

#include "naap/arena.h"

/* Outbound HTTP(S) for the OAuth code exchange (api.md 3.13), on libcurl: blocking, one
 * request at a time per caller, bounded in time and size, no redirects followed. */

#define NAAP_HTTP_REPLY_MAX (1024 * 1024)

typedef struct naap_http_reply {
    long status;
    char *body; /* NUL-terminated, malloc'd */
    size_t len;
} naap_http_reply;

/**
 * Sends method to url with the given "Name: value" headers (NULL-terminated array, may
 * be NULL) and body (may be NULL), waiting at most timeout_ms. Returns 0 with the reply
 * for any HTTP status (free with naap_http_reply_free); NAAP_EUNAVAILABLE when no answer
 * came (connection, TLS, timeout); NAAP_ETOOLARGE past NAAP_HTTP_REPLY_MAX.
 */
int naap_http_fetch(const char *method, const char *url, const char *const *headers,
                    const char *body, int timeout_ms, naap_http_reply *out);
/** Frees a reply's body. */
void naap_http_reply_free(naap_http_reply *r);

/**
 * s encoded as application/x-www-form-urlencoded does it (URLSearchParams): letters,
 * digits and "*-._" as they are, space as "+", every other byte as %XX. In the arena.
 */
char *naap_form_encode(naap_arena *arena, const char *s);

#endif
