#ifndef NAAP_INPUT_H
#define NAAP_INPUT_H

#include "naap/http.h"
#include "naap/schema.h"

/* Request input for handlers: the body against a field table (naap/schema.h), query
 * counts per api.md 1.7. Each returns NAAP_OK, or NAAP_DONE after answering 400 in the
 * request's family with a message that names the field. */

/** Checks the JSON body against fields; out[i] gets fields[i]'s value. */
int naap_input_body(naap_request *req, const naap_field *fields, naap_value *out);
/** As naap_input_body, answering status instead of 400 (upstream's login says 401). */
int naap_input_body_status(naap_request *req, int status, const naap_field *fields,
                           naap_value *out);

/**
 * Query parameter name as a count: def when absent or empty, at most max; anything but
 * decimal digits (a sign, a fraction, a word) answers 400 "<name> must be a non-negative
 * integer" (decisions.md "Bad input": upstream answered 500).
 */
int naap_input_count(naap_request *req, const char *name, long long def, long long max,
                     long long *out);

#endif
