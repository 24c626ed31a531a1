#ifndef NAAP_AUDIT_H
#define NAAP_AUDIT_H

#include <jansson.h>

#include "naap/http.h"

/* AuditLog rows (api.md 1.8, schema.md 6), written by handlers in the transaction of the
 * change they record, so a change is never committed without its audit row. */

typedef struct naap_audit {
    const char *action;      /* "auth.login" */
    const char *resource;    /* "user", "session" */
    const char *resource_id; /* may be NULL */
    const char *user_id;     /* may be NULL */
    json_t *details;         /* borrowed; NULL for none */
    const char *error_msg;   /* non-NULL makes the row a "failure" */
} naap_audit;

/** Inserts the row, with the caller's client address and User-Agent. Store errors. */
int naap_audit_write(naap_request *req, const naap_audit *a);

/**
 * The statement behind naap_audit_write (src/store/audit_store.c): inserts the row now,
 * from ip and user_agent (either may be NULL). Store errors.
 */
int naap_audit_insert(const naap_audit *a, const char *ip, const char *user_agent);

/**
 * The common row: user_id acted on their own user record (register, reset, verify,
 * OAuth sign-in). Steals the reference to details (may be NULL). Store errors.
 */
int naap_audit_user(naap_request *req, const char *action, const char *user_id, json_t *details);

#endif
