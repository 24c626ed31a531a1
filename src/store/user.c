#include "naap/user.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/db.h"
#include "naap/errors.h"

/* One statement per question asked of the user tables; columns are read by name. */

int naap_user_create_tx(naap_arena *a, const naap_user_new *u, int64_t now_ms, const char **id)
{
    char user_id[NAAP_UUID_SIZE], config_id[NAAP_UUID_SIZE], now[NAAP_ISO8601_SIZE];
    int rc;

    naap_uuid_v4(user_id);
    naap_uuid_v4(config_id);
    naap_clock_iso8601(now_ms, now);
    if ((rc = naap_db_exec("INSERT INTO \"User\" (id, email, \"passwordHash\", \"displayName\", "
                           "\"avatarUrl\", \"emailVerified\", \"createdAt\", \"updatedAt\") "
                           "VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                           NAAP_PARAMS(user_id, u->email, u->password_hash, u->display_name,
                                       u->avatar_url, u->email_verified ? now : NULL, now),
                           NULL)) != NAAP_OK ||
        (rc = naap_db_exec("INSERT INTO \"UserConfig\" (id, \"userId\", theme, \"createdAt\", "
                           "\"updatedAt\") VALUES ($1, $2, 'dark', $3, $3)",
                           NAAP_PARAMS(config_id, user_id, now), NULL)) != NAAP_OK)
        return rc;
    *id = naap_arena_strdup(a, user_id);
    return NAAP_OK;
}

int naap_user_id_by_email(naap_arena *a, const char *email, const char **id)
{
    return naap_db_value_of(a, "SELECT id FROM \"User\" WHERE email = $1", NAAP_PARAMS(email), id);
}

int naap_user_credentials(naap_arena *a, const char *email, const char **id, const char **hash)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch_one(a, "SELECT id, \"passwordHash\" FROM \"User\" WHERE email = $1",
                               NAAP_PARAMS(email), &rows);
    if (rc != NAAP_OK)
        return rc;
    *id = naap_db_text(rows, 0, "id");
    *hash = naap_db_text(rows, 0, "passwordHash");
    return NAAP_OK;
}

int naap_user_lock_hash_tx(naap_arena *a, const char *id, const char **hash)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch_one(a, "SELECT \"passwordHash\" FROM \"User\" WHERE id = $1 FOR UPDATE",
                               NAAP_PARAMS(id), &rows);
    if (rc == NAAP_OK)
        *hash = naap_db_text(rows, 0, "passwordHash");
    return rc;
}

int naap_user_login_update_tx(const char *id, const char *new_hash, const char *verified_hash,
                              int64_t now_ms)
{
    char now[NAAP_ISO8601_SIZE];

    naap_clock_iso8601(now_ms, now);
    return naap_db_exec(
        "UPDATE \"User\" SET \"passwordHash\" = CASE WHEN $2::text IS NOT NULL AND "
        "\"passwordHash\" = $4 THEN $2 ELSE \"passwordHash\" END, \"lockedUntil\" = NULL, "
        "\"updatedAt\" = $3 WHERE id = $1 AND (($2::text IS NOT NULL AND "
        "\"passwordHash\" = $4) OR \"lockedUntil\" IS NOT NULL)",
        NAAP_PARAMS(id, new_hash, now, verified_hash), NULL);
}

int naap_user_set_password_tx(naap_arena *a, const char *id, const char *hash, int64_t now_ms,
                              const char **email)
{
    char now[NAAP_ISO8601_SIZE];
    naap_db_rows *rows;
    int rc;

    naap_clock_iso8601(now_ms, now);
    rc = naap_db_fetch_one(a,
                           "UPDATE \"User\" SET \"passwordHash\" = $2, \"lockedUntil\" = NULL, "
                           "\"updatedAt\" = $3 WHERE id = $1 RETURNING email",
                           NAAP_PARAMS(id, hash, now), &rows);
    if (rc == NAAP_OK)
        *email = naap_db_text(rows, 0, "email");
    return rc;
}

int naap_user_mark_verified_tx(const char *id, int64_t now_ms)
{
    char now[NAAP_ISO8601_SIZE];
    long changed;

    naap_clock_iso8601(now_ms, now);
    int rc = naap_db_exec("UPDATE \"User\" SET \"emailVerified\" = $2, \"updatedAt\" = $2 "
                          "WHERE id = $1",
                          NAAP_PARAMS(id, now), &changed);
    return rc == NAAP_OK && changed == 0 ? NAAP_ENOTFOUND : rc;
}

int naap_user_email_state(naap_arena *a, const char *id, const char **email, bool *verified)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch_one(a,
                               "SELECT email, \"emailVerified\" IS NOT NULL AS verified "
                               "FROM \"User\" WHERE id = $1",
                               NAAP_PARAMS(id), &rows);
    if (rc != NAAP_OK)
        return rc;
    *email = naap_db_text(rows, 0, "email");
    *verified = naap_db_bool(rows, 0, "verified");
    return NAAP_OK;
}

static const naap_db_field auth_user_fields[] = {
    {"id", NAAP_DB_TEXT, NULL},          {"email", NAAP_DB_TEXT, NULL},
    {"displayName", NAAP_DB_TEXT, NULL}, {"avatarUrl", NAAP_DB_TEXT, NULL},
    {"address", NAAP_DB_TEXT, NULL},     {NULL, NAAP_DB_TEXT, NULL},
};

/* api.md 3.1: roles in database order; permissions are each role's JSON value when it
 * is an array, elements copied as stored (strings or objects alike). */
static int add_roles(naap_arena *a, const char *id, json_t *user)
{
    naap_db_rows *rows;
    json_t *roles = json_array(), *perms = json_array();

    int rc = naap_db_fetch(a,
                           "SELECT r.name, r.permissions FROM \"UserRole\" ur "
                           "JOIN \"Role\" r ON r.id = ur.\"roleId\" WHERE ur.\"userId\" = $1 "
                           "ORDER BY ur.\"grantedAt\", ur.id",
                           NAAP_PARAMS(id), &rows);
    for (int i = 0; rc == NAAP_OK && i < naap_db_rows_count(rows); i++) {
        json_array_append_new(roles, json_string(naap_db_text(rows, i, "name")));
        json_t *p = naap_db_json(rows, i, "permissions");
        if (json_is_array(p))
            json_array_extend(perms, p);
        json_decref(p);
    }
    json_object_set_new(user, "roles", roles);
    json_object_set_new(user, "permissions", perms);
    return rc;
}

int naap_user_auth_json(naap_arena *a, const char *id, json_t **out)
{
    naap_db_rows *rows;
    int rc;

    *out = NULL;
    rc = naap_db_fetch_one(a,
                           "SELECT id, email, \"displayName\", \"avatarUrl\", address "
                           "FROM \"User\" WHERE id = $1",
                           NAAP_PARAMS(id), &rows);
    if (rc != NAAP_OK)
        return rc;
    json_t *user = naap_db_row_json(rows, 0, auth_user_fields);
    if ((rc = add_roles(a, id, user)) != NAAP_OK) {
        json_decref(user);
        return rc;
    }
    *out = user;
    return NAAP_OK;
}

int naap_user_by_oauth(naap_arena *a, const char *provider, const char *account_id, const char **id)
{
    return naap_db_value_of(a,
                            "SELECT \"userId\" FROM \"OAuthAccount\" WHERE provider = $1 AND "
                            "\"providerAccountId\" = $2",
                            NAAP_PARAMS(provider, account_id), id);
}

int naap_user_claim_email_tx(const char *id, int64_t now_ms, bool *cleared)
{
    char now[NAAP_ISO8601_SIZE];
    long changed = 0;

    naap_clock_iso8601(now_ms, now);
    int rc = naap_db_exec("UPDATE \"User\" SET \"passwordHash\" = NULL, \"emailVerified\" = $2, "
                          "\"lockedUntil\" = NULL, \"updatedAt\" = $2 WHERE id = $1 AND "
                          "\"passwordHash\" IS NOT NULL AND \"emailVerified\" IS NULL",
                          NAAP_PARAMS(id, now), &changed);
    *cleared = rc == NAAP_OK && changed > 0;
    return rc;
}

int naap_user_link_oauth_tx(const char *id, const char *provider, const char *account_id,
                            int64_t now_ms)
{
    char link_id[NAAP_UUID_SIZE], now[NAAP_ISO8601_SIZE];

    naap_uuid_v4(link_id);
    naap_clock_iso8601(now_ms, now);
    return naap_db_exec("INSERT INTO \"OAuthAccount\" (id, \"userId\", provider, "
                        "\"providerAccountId\", \"createdAt\") VALUES ($1, $2, $3, $4, $5)",
                        NAAP_PARAMS(link_id, id, provider, account_id, now), NULL);
}
