#include "naap/audit_store.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/db.h"

#include <stdlib.h>

int naap_audit_insert(const naap_audit *a, const char *ip, const char *user_agent)
{
    char id[NAAP_UUID_SIZE], now[NAAP_ISO8601_SIZE];
    char *details = a->details ? json_dumps(a->details, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

    naap_uuid_v4(id);
    naap_clock_iso8601(naap_clock_epoch_ms(), now);
    int rc = naap_db_exec("INSERT INTO \"AuditLog\" (id, action, resource, \"resourceId\", "
                          "\"userId\", \"ipAddress\", \"userAgent\", details, status, "
                          "\"errorMsg\", \"createdAt\") "
                          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)",
                          NAAP_PARAMS(id, a->action, a->resource, a->resource_id, a->user_id, ip,
                                      user_agent, details, a->error_msg ? "failure" : "success",
                                      a->error_msg, now),
                          NULL);
    free(details);
    return rc;
}
