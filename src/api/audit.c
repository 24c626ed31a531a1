#include "naap/audit.h"
#include "naap/crypto.h"
#include "naap/errors.h"

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
    return naap_audit_insert(a, req->client_ip, user_agent(req));
}

int naap_audit_record(naap_request *req, const char *action, const char *resource,
                      const char *resource_id, const char *user_id, json_t *details)
{
    naap_audit audit = {.action = action,
                        .resource = resource,
                        .resource_id = resource_id,
                        .user_id = user_id,
                        .details = details};
    int rc = naap_audit_write(req, &audit);
    json_decref(details);
    return rc;
}

int naap_audit_user(naap_request *req, const char *action, const char *user_id, json_t *details)
{
    return naap_audit_record(req, action, "user", user_id, user_id, details);
}
