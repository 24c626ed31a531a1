#ifndef NAAP_AUDIT_STORE_H
#define NAAP_AUDIT_STORE_H

#include <jansson.h>

/* AuditLog rows (api.md 1.8, schema.md 6), written in the transaction of the change they
 * record, so a change is never committed without its audit row. */

typedef struct naap_audit {
    const char *action;      /* "auth.login" */
    const char *resource;    /* "user", "session" */
    const char *resource_id; /* may be NULL */
    const char *user_id;     /* may be NULL */
    json_t *details;         /* borrowed; NULL for none */
    const char *error_msg;   /* non-NULL makes the row a "failure" */
} naap_audit;

/** Inserts the row now, with ip and user_agent (either may be NULL). Store errors. */
int naap_audit_insert(const naap_audit *a, const char *ip, const char *user_agent);

#endif
