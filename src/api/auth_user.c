#include "naap/auth.h"
#include "naap/auth_api.h"
#include "naap/clock.h"
#include "naap/config.h"
#include "naap/csrf_store.h"
#include "naap/errors.h"
#include "naap/log.h"

void naap_auth_respond_session(naap_request *req, const naap_session *s, json_t *user, bool csrf,
                               int64_t now_ms)
{
    char expires[NAAP_ISO8601_SIZE], csrf_token[NAAP_CSRF_LEN + 1];
    const char *jwt = naap_auth_sign(req, s, now_ms);

    if (!jwt) {
        json_decref(user);
        naap_respond_store_error(req, NAAP_ERR);
        return;
    }
    naap_clock_iso8601(s->expires_ms, expires);
    json_t *body = json_object();
    json_object_set_new(body, "success", json_true());
    json_object_set_new(body, "token", json_string(jwt));
    if (csrf) {
        naap_csrf_issue(s->sid, csrf_token);
        json_object_set_new(body, "csrfToken", json_string(csrf_token));
    }
    json_object_set_new(body, "user", user);
    json_object_set_new(body, "expiresAt", json_string(expires));
    naap_respond_json(req, 200, body);
}

void naap_auth_log_token(naap_request *req, const char *what, const char *user_id,
                         const char *token)
{
    if (req->cfg->production)
        return;
    naap_log_fields(NAAP_LOG_INFO, what,
                    json_pack("{s:s,s:s,s:s}", "userId", user_id, "token", token, "requestId",
                              req->request_id));
}
