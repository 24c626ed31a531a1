#ifndef NAAP_ENVELOPE_H
#define NAAP_ENVELOPE_H

#include <jansson.h>

#include "naap/http.h"

/* Success envelopes of api.md 1.3 and the one mapping from an operation's outcome code to
 * an HTTP status. Errors keep the request's family (naap_respond_error). */

/** {"success":true,"<key>":value} with status; value is stolen (teams, reviews' "data"). */
void naap_respond_success(naap_request *req, int status, const char *key, json_t *value);
/**
 * Answers a write: on rc 0 naap_respond_success(status, key, value); otherwise value (may
 * be NULL; stolen either way) is dropped and naap_respond_outcome(rc, message) answers.
 */
void naap_respond_result(naap_request *req, int rc, int status, const char *key, json_t *value,
                         const char *message);
/** 200 {"success":true,"message":message}. */
void naap_respond_message(naap_request *req, const char *message);
/**
 * Answers a failed operation in the family's error envelope: NAAP_EINVAL 400,
 * NAAP_EFORBIDDEN 403, NAAP_ENOTFOUND 404, NAAP_ECONFLICT 409, each with message (NULL:
 * a generic one); store failures as naap_respond_store_error (503/500, never a message
 * from the store). NAAP_DONE leaves the answer already given.
 */
void naap_respond_outcome(naap_request *req, int rc, const char *message);

#endif
