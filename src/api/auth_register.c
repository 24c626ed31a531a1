#include "naap/api.h"
#include "naap/audit.h"
#include "naap/auth_api.h"
#include "naap/clock.h"
#include "naap/config.h"
#include "naap/crypto.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/password.h"

#include <string.h>

#define PASSWORD_MIN 8

/* upstream: displayName || email.split('@')[0]. A truthy value that is not a string made
 * Prisma throw (400); a falsy one falls back to the email's local part. */
static int display_name(naap_request *req, const char *email, const char **out)
{
    json_t *v = json_object_get(req->json, "displayName");
    const char *s = json_string_value(v);

    if (s && s[0]) {
        *out = s;
        return NAAP_OK;
    }
    if (json_is_true(v) || json_is_object(v) || json_is_array(v) ||
        (json_is_number(v) && json_number_value(v) != 0))
        return NAAP_EINVAL;
    *out = naap_arena_strndup(req->arena, email, strcspn(email, "@"));
    return NAAP_OK;
}

static int email_taken(const char *email, bool *taken)
{
    naap_db_rows *rows = NULL;
    const char *params[] = {email};
    int rc = naap_db_query("SELECT 1 FROM \"User\" WHERE email = $1", 1, params, &rows);
    *taken = rc == NAAP_OK && naap_db_rows_count(rows) > 0;
    naap_db_rows_free(rows);
    return rc;
}

static int insert_user(naap_request *req, const char *id, const char *email, const char *hash,
                       const char *name, int64_t now_ms, naap_session *s)
{
    char now[25], config_id[37];
    int rc;

    naap_clock_iso8601(now_ms, now);
    naap_uuid_v4(config_id);
    const char *user[] = {id, email, hash, name, now};
    const char *config[] = {config_id, id, now};
    if ((rc = naap_db_query("INSERT INTO \"User\" (id, email, \"passwordHash\", \"displayName\", "
                            "\"createdAt\", \"updatedAt\") VALUES ($1, $2, $3, $4, $5, $5)",
                            5, user, NULL)) != NAAP_OK ||
        (rc = naap_db_query("INSERT INTO \"UserConfig\" (id, \"userId\", theme, \"createdAt\", "
                            "\"updatedAt\") VALUES ($1, $2, 'dark', $3, $3)",
                            3, config, NULL)) != NAAP_OK ||
        (rc = naap_session_create(id, now_ms, s)) != NAAP_OK)
        return rc;
    return naap_audit_user(req, "auth.register", id, json_pack("{s:s}", "email", email));
}

/* POST /auth/register (api.md 3.3): 200, not 201, as upstream. */
void naap_api_auth_register(naap_request *req)
{
    const char *email = naap_auth_body_str(req, "email");
    const char *password = naap_auth_body_str(req, "password");
    const char *name;
    char id[37], hash[NAAP_PASSWORD_HASH_MAX];
    naap_session s;
    bool taken;
    int64_t now = naap_clock_epoch_ms();
    int rc;

    if (!email || !password) {
        naap_respond_error(req, 400, "Email and password are required");
        return;
    }
    if (strlen(email) > NAAP_AUTH_EMAIL_MAX) {
        naap_respond_error(req, 400, "Email is too long");
        return;
    }
    if (naap_password_js_length(password) < PASSWORD_MIN) {
        naap_respond_error(req, 400, "Password must be at least 8 characters");
        return;
    }
    if (display_name(req, email, &name) != NAAP_OK) {
        naap_respond_error(req, 400, "displayName must be a string");
        return;
    }
    if ((rc = email_taken(email, &taken)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    if (taken) {
        naap_respond_error(req, 400, "Email already registered");
        return;
    }
    naap_password_hash(password, req->cfg->password_iterations, hash);
    naap_uuid_v4(id);
    if ((rc = naap_db_begin()) != NAAP_OK ||
        (rc = insert_user(req, id, email, hash, name, now, &s)) != NAAP_OK ||
        (rc = naap_db_commit()) != NAAP_OK) {
        naap_db_rollback();
        if (rc == NAAP_ECONFLICT) /* a concurrent registration of the same email won */
            naap_respond_error(req, 400, "Email already registered");
        else
            naap_respond_store_error(req, rc);
        return;
    }
    json_t *user = json_pack("{s:s,s:s,s:s,s:n,s:n,s:[],s:[]}", "id", id, "email", email,
                             "displayName", name, "avatarUrl", "address", "roles", "permissions");
    naap_auth_respond_session(req, &s, user, true, now);
}
