#include "naap/audit.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/db.h"
#include "naap/errors.h"

#include <stdlib.h>
#include <string.h>

#define USER_AGENT_MAX 512

/* The header is client bytes: PostgreSQL refuses text that is not UTF-8, and an audit row
 * does not need a novel. */
static const char *user_agent(naap_request *req)
{
    const char *ua = naap_request_header(req, "User-Agent");
    if (!ua || !naap_utf8_valid(ua, strlen(ua)))
        return NULL;
    size_t len = strlen(ua);
    if (len <= USER_AGENT_MAX)
        return ua;
    while (len > USER_AGENT_MAX || ((unsigned char)ua[len] & 0xc0) == 0x80)
        len--; /* cut on a character boundary */
    return naap_arena_strndup(req->arena, ua, len);
}

int naap_audit_write(naap_request *req, const naap_audit *a)
{
    char id[37], now[25];
    char *details = a->details ? json_dumps(a->details, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

    naap_uuid_v4(id);
    naap_clock_iso8601(naap_clock_epoch_ms(), now);
    const char *params[] = {id,
                            a->action,
                            a->resource,
                            a->resource_id,
                            a->user_id,
                            req->client_ip,
                            user_agent(req),
                            details,
                            a->error_msg ? "failure" : "success",
                            a->error_msg,
                            now};
    int rc = naap_db_query("INSERT INTO \"AuditLog\" (id, action, resource, \"resourceId\", "
                           "\"userId\", \"ipAddress\", \"userAgent\", details, status, "
                           "\"errorMsg\", \"createdAt\") "
                           "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)",
                           11, params, NULL);
    free(details);
    return rc;
}

int naap_audit_user(naap_request *req, const char *action, const char *user_id, json_t *details)
{
    naap_audit audit = {.action = action,
                        .resource = "user",
                        .resource_id = user_id,
                        .user_id = user_id,
                        .details = details};
    int rc = naap_audit_write(req, &audit);
    json_decref(details);
    return rc;
}
