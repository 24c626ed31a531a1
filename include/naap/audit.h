#ifndef NAAP_AUDIT_H
#define NAAP_AUDIT_H

#include <jansson.h>

#include "naap/audit_store.h"
#include "naap/http.h"

/* The request side of AuditLog rows: the caller's address and User-Agent added to a row
 * (include/naap/audit_store.h), written in the transaction of the change it records. */

/** Inserts the row, with the caller's client address and User-Agent. Store errors. */
int naap_audit_write(naap_request *req, const naap_audit *a);

/**
 * A success row of action on resource (resource_id) by user_id; steals the reference to
 * details (may be NULL). Store errors.
 */
int naap_audit_record(naap_request *req, const char *action, const char *resource,
                      const char *resource_id, const char *user_id, json_t *details);

/**
 * The common row: user_id acted on their own user record (register, reset, verify,
 * OAuth sign-in). Steals the reference to details (may be NULL). Store errors.
 */
int naap_audit_user(naap_request *req, const char *action, const char *user_id, json_t *details);

#endif
