#include "naap/auth.h"
#include "naap/auth_api.h"
#include "naap/clock.h"
#include "naap/config.h"
#include "naap/csrf_store.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/log.h"

#include <string.h>

static json_t *text_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* api.md 3.1: roles in database order; permissions are each role's JSON value when it
 * is an array, elements copied as stored (strings or objects alike). */
static int add_roles(const char *user_id, json_t *user)
{
    naap_db_rows *rows = NULL;
    const char *params[] = {user_id};
    json_t *roles = json_array(), *perms = json_array();

    int rc = naap_db_query("SELECT r.name, r.permissions::text FROM \"UserRole\" ur "
                           "JOIN \"Role\" r ON r.id = ur.\"roleId\" WHERE ur.\"userId\" = $1 "
                           "ORDER BY ur.\"grantedAt\", ur.id",
                           1, params, &rows);
    for (int i = 0; rc == NAAP_OK && i < naap_db_rows_count(rows); i++) {
        json_array_append_new(roles, json_string(naap_db_value(rows, i, 0)));
        json_t *p = json_loads(naap_db_value(rows, i, 1), JSON_DECODE_ANY, NULL);
        if (json_is_array(p))
            json_array_extend(perms, p);
        json_decref(p);
    }
    naap_db_rows_free(rows);
    json_object_set_new(user, "roles", roles);
    json_object_set_new(user, "permissions", perms);
    return rc;
}

int naap_auth_user_json(const char *user_id, json_t **out)
{
    naap_db_rows *rows = NULL;
    const char *params[] = {user_id};
    json_t *user = NULL;

    *out = NULL;
    int rc = naap_db_query("SELECT id, email, \"displayName\", \"avatarUrl\", address "
                           "FROM \"User\" WHERE id = $1",
                           1, params, &rows);
    if (rc == NAAP_OK && naap_db_rows_count(rows) == 0)
        rc = NAAP_ENOTFOUND;
    if (rc != NAAP_OK)
        goto out;
    user = json_object();
    json_object_set_new(user, "id", json_string(naap_db_value(rows, 0, 0)));
    json_object_set_new(user, "email", text_or_null(naap_db_value(rows, 0, 1)));
    json_object_set_new(user, "displayName", text_or_null(naap_db_value(rows, 0, 2)));
    json_object_set_new(user, "avatarUrl", text_or_null(naap_db_value(rows, 0, 3)));
    json_object_set_new(user, "address", text_or_null(naap_db_value(rows, 0, 4)));
    if ((rc = add_roles(user_id, user)) != NAAP_OK) {
        json_decref(user);
        user = NULL;
    }
out:
    naap_db_rows_free(rows);
    *out = user;
    return rc;
}

const char *naap_auth_body_str(naap_request *req, const char *name)
{
    const char *s = json_string_value(json_object_get(req->json, name));
    return s && s[0] ? s : NULL;
}

void naap_auth_respond_session(naap_request *req, const naap_session *s, json_t *user, bool csrf,
                               int64_t now_ms)
{
    char expires[25], csrf_token[NAAP_CSRF_LEN + 1];
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
