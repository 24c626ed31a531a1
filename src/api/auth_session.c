#include "naap/api.h"
#include "naap/audit.h"
#include "naap/auth.h"
#include "naap/auth_api.h"
#include "naap/clock.h"
#include "naap/config.h"
#include "naap/crypto.h"
#include "naap/csrf_store.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/user.h"

/* GET /auth/providers, GET /auth/me, POST /auth/refresh, POST /auth/logout (api.md 3.2,
 * 3.5-3.7). The last three take the token the loose way: a bare token works too. */

void naap_api_auth_providers(naap_request *req)
{
    json_t *list = json_array();
    if (req->cfg->google_client_id[0])
        json_array_append_new(list, json_string("google"));
    if (req->cfg->github_client_id[0])
        json_array_append_new(list, json_string("github"));
    naap_respond_json(req, 200, json_pack("{s:o,s:b}", "providers", list, "emailPassword", 1));
}

/* Answers 401 or 503 for a session that did not resolve; api.md 3.5's two messages. */
static const naap_session *session_or_answer(naap_request *req)
{
    const naap_session *s;
    int rc = naap_auth_session(req, NAAP_AUTH_BEARER_LOOSE, &s);

    if (rc == NAAP_OK)
        return s;
    if (rc == NAAP_ENOTFOUND)
        naap_respond_error(req, 401, "No token provided");
    else if (rc == NAAP_EINVAL)
        naap_respond_error(req, 401, "Invalid or expired session");
    else
        naap_respond_store_error(req, rc);
    return NULL;
}

void naap_api_auth_me(naap_request *req)
{
    char expires[NAAP_ISO8601_SIZE], csrf[NAAP_CSRF_LEN + 1];
    json_t *user;
    const naap_session *s = session_or_answer(req);

    if (!s)
        return;
    int rc = naap_user_auth_json(req->arena, s->user_id, &user);
    if (rc == NAAP_ENOTFOUND) {
        naap_respond_error(req, 401, "Invalid or expired session");
        return;
    }
    if (rc != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_csrf_issue(s->sid, csrf);
    naap_clock_iso8601(s->expires_ms, expires);
    naap_respond_json(
        req, 200,
        json_pack("{s:o,s:s,s:s}", "user", user, "csrfToken", csrf, "expiresAt", expires));
}

typedef struct refresh {
    naap_request *req;
    const char *sid;
    int64_t now;
    naap_session extended; /* out */
} refresh;

static int refresh_tx(void *arg)
{
    refresh *r = arg;
    char row_id[NAAP_UUID_SIZE];
    int rc;

    if ((rc = naap_session_extend(r->sid, r->now, &r->extended, row_id)) != NAAP_OK)
        return rc;
    naap_audit audit = {
        .action = "auth.session_refresh", .resource = "session", .resource_id = row_id};
    return naap_audit_write(r->req, &audit);
}

/* decisions.md 2: refresh extends the row and signs a new JWT (returned as "token", which
 * the frontend already reads when present); the old JWT still ends at its own exp. A
 * legacy opaque session gets its first JWT this way. */
void naap_api_auth_refresh(naap_request *req)
{
    char expires[NAAP_ISO8601_SIZE], csrf[NAAP_CSRF_LEN + 1];
    const naap_session *s = session_or_answer(req);
    int rc;

    if (!s)
        return;
    refresh r = {.req = req, .sid = s->sid, .now = naap_clock_epoch_ms()};
    if ((rc = naap_db_tx(refresh_tx, &r, 0)) != NAAP_OK) {
        if (rc == NAAP_ENOTFOUND)
            naap_respond_error(req, 401, "Invalid or expired session");
        else
            naap_respond_store_error(req, rc);
        return;
    }
    naap_session_uncache(s->sid);
    const char *jwt = naap_auth_sign(req, &r.extended, r.now);
    if (!jwt) {
        naap_respond_store_error(req, NAAP_ERR);
        return;
    }
    naap_csrf_issue(s->sid, csrf);
    naap_clock_iso8601(r.extended.expires_ms, expires);
    naap_respond_json(req, 200,
                      json_pack("{s:b,s:s,s:s,s:s}", "success", 1, "token", jwt, "csrfToken", csrf,
                                "expiresAt", expires));
}

/* Always 200, with or without a (valid) token. A JWT whose exp has passed still names its
 * session, and deleting that row is harmless, so expiry is not checked here. */
void naap_api_auth_logout(naap_request *req)
{
    const char *token = naap_auth_token(req, NAAP_AUTH_BEARER_LOOSE);
    const char *sid = token ? naap_auth_sid_of(req, token) : NULL;

    if (sid) {
        int rc = naap_session_delete(sid);
        if (rc != NAAP_OK) {
            naap_respond_store_error(req, rc);
            return;
        }
    }
    naap_respond_json(req, 200, json_pack("{s:b}", "success", 1));
}
