#include "naap/api.h"
#include "naap/audit.h"
#include "naap/auth_api.h"
#include "naap/clock.h"
#include "naap/config.h"
#include "naap/crypto.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/lockout.h"
#include "naap/password.h"

#include <stdio.h>
#include <string.h>

/* POST /auth/login (api.md 3.4) with the lockout of decisions.md 4: failures are counted
 * per (email, client address), the failure that reaches the limit already answers 423,
 * and an unknown email is treated exactly like a wrong password (same messages, same
 * lock, same PBKDF2 time), so neither answer nor timing tells whether an account exists. */

#define INVALID "Invalid email or password"

typedef struct login {
    const char *email;
    const char *password;
    int64_t now;
    char user_id[NAAP_AUTH_ID_MAX];
    char *stored_hash; /* User.passwordHash, arena */
    bool user_known;
} login;

static int load_user(naap_request *req, login *l)
{
    naap_db_rows *rows = NULL;
    const char *params[] = {l->email};
    int rc = naap_db_query("SELECT id, \"passwordHash\" FROM \"User\" WHERE email = $1", 1, params,
                           &rows);
    if (rc == NAAP_OK && naap_db_rows_count(rows) > 0 &&
        strlen(naap_db_value(rows, 0, 0)) < sizeof(l->user_id)) {
        l->user_known = true;
        snprintf(l->user_id, sizeof(l->user_id), "%s", naap_db_value(rows, 0, 0));
        const char *hash = naap_db_value(rows, 0, 1);
        l->stored_hash = hash ? naap_arena_strdup(req->arena, hash) : NULL;
    }
    naap_db_rows_free(rows);
    return rc;
}

static int record_attempt(naap_request *req, const login *l, bool success)
{
    char id[37], now[25];
    naap_uuid_v4(id);
    naap_clock_iso8601(l->now, now);
    const char *params[] = {
        id, l->email, req->client_ip, success ? "true" : "false", l->user_known ? l->user_id : NULL,
        now};
    return naap_db_query("INSERT INTO \"LoginAttempt\" (id, email, \"ipAddress\", success, "
                         "\"userId\", \"createdAt\") VALUES ($1, $2, $3, $4, $5, $6)",
                         6, params, NULL);
}

static int audit_failure(naap_request *req, const login *l, const char *msg, int64_t locked_ms)
{
    char until[25];
    json_t *details = json_pack("{s:s}", "email", l->email);
    if (locked_ms) {
        naap_clock_iso8601(locked_ms, until);
        json_object_set_new(details, "lockedUntil", json_string(until));
    }
    naap_audit audit = {.action = "auth.login",
                        .resource = "user",
                        .resource_id = l->user_known ? l->user_id : NULL,
                        .user_id = l->user_known ? l->user_id : NULL,
                        .details = details,
                        .error_msg = msg};
    int rc = naap_audit_write(req, &audit);
    json_decref(details);
    return rc;
}

static void respond_locked(naap_request *req, int64_t locked_ms, int64_t now)
{
    char until[25];
    long long minutes = (locked_ms - now + 59999) / 60000;
    naap_clock_iso8601(locked_ms, until);
    char *msg = naap_arena_printf(
        req->arena, "Account is temporarily locked. Try again in %lld minutes.", minutes);
    naap_respond_json(
        req, 423,
        json_pack("{s:s,s:s,s:s}", "error", msg, "code", "ACCOUNT_LOCKED", "lockedUntil", until));
}

static void fail(naap_request *req, login *l)
{
    int failures = 0, rc;
    int64_t locked = 0;

    if ((rc = naap_db_begin()) != NAAP_OK || (rc = record_attempt(req, l, false)) != NAAP_OK ||
        (rc = naap_lockout_fail(l->email, req->client_ip, l->now, &failures, &locked)) != NAAP_OK) {
        naap_db_rollback();
        naap_respond_store_error(req, rc);
        return;
    }
    const char *msg = INVALID;
    int remaining = NAAP_LOCKOUT_MAX_FAILURES - failures;
    if (locked)
        msg = naap_arena_printf(req->arena,
                                "Account is temporarily locked. Try again in %lld minutes.",
                                (long long)((locked - l->now + 59999) / 60000));
    else if (remaining == 2)
        msg = INVALID ". 2 attempts remaining before account lockout.";
    else if (remaining == 1)
        msg = INVALID ". 1 attempt remaining before account lockout.";
    if ((rc = audit_failure(req, l, msg, locked)) != NAAP_OK ||
        (rc = naap_db_commit()) != NAAP_OK) {
        naap_db_rollback();
        naap_respond_store_error(req, rc);
        return;
    }
    if (locked)
        respond_locked(req, locked, l->now);
    else
        naap_respond_error(req, 401, msg);
}

/* The stored hash is re-written only if it is still the one that was verified, so a
 * password reset racing this login is never undone. */
static int succeed_in_tx(naap_request *req, login *l, const char *new_hash, naap_session *s)
{
    char now[25];
    int rc;

    naap_clock_iso8601(l->now, now);
    const char *params[] = {l->user_id, new_hash, now, l->stored_hash};
    if ((rc = record_attempt(req, l, true)) != NAAP_OK ||
        (rc = naap_lockout_clear(l->email, req->client_ip)) != NAAP_OK ||
        (rc = naap_db_query(
             "UPDATE \"User\" SET \"passwordHash\" = CASE WHEN $2::text IS NOT NULL AND "
             "\"passwordHash\" = $4 THEN $2 ELSE \"passwordHash\" END, \"lockedUntil\" = NULL, "
             "\"updatedAt\" = $3 WHERE id = $1 AND (($2::text IS NOT NULL AND "
             "\"passwordHash\" = $4) OR \"lockedUntil\" IS NOT NULL)",
             4, params, NULL)) != NAAP_OK ||
        (rc = naap_session_create(l->user_id, l->now, s)) != NAAP_OK)
        return rc;
    json_t *details = json_pack("{s:s}", "email", l->email);
    naap_audit audit = {.action = "auth.login",
                        .resource = "user",
                        .resource_id = l->user_id,
                        .user_id = l->user_id,
                        .details = details};
    rc = naap_audit_write(req, &audit);
    json_decref(details);
    return rc;
}

void naap_api_auth_login(naap_request *req)
{
    login l = {.email = naap_auth_body_str(req, "email"),
               .password = naap_auth_body_str(req, "password"),
               .now = naap_clock_epoch_ms()};
    char new_hash[NAAP_PASSWORD_HASH_MAX];
    int iterations = req->cfg->password_iterations;
    int64_t locked = 0;
    bool rehash = false;
    naap_session s;
    json_t *user;
    int rc;

    if (!l.email || !l.password) {
        naap_respond_error(req, 401, "Email and password are required");
        return;
    }
    if (strlen(l.email) > NAAP_AUTH_EMAIL_MAX) { /* no such account can exist */
        naap_respond_error(req, 401, INVALID);
        return;
    }
    if ((rc = naap_lockout_check(l.email, req->client_ip, l.now, &locked)) != NAAP_OK ||
        (rc = load_user(req, &l)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    if (locked) { /* no LoginAttempt row while locked, as upstream; the audit is best effort */
        audit_failure(req, &l, "Account is temporarily locked", locked);
        respond_locked(req, locked, l.now);
        return;
    }
    if (!l.stored_hash) {
        naap_password_burn(l.password, iterations);
        fail(req, &l);
        return;
    }
    if (!naap_password_verify(l.password, l.stored_hash, iterations, &rehash)) {
        fail(req, &l);
        return;
    }
    if (rehash) /* decisions.md 3: legacy salt:hash (or too few rounds) upgraded now */
        naap_password_hash(l.password, iterations, new_hash);
    if ((rc = naap_db_begin()) != NAAP_OK ||
        (rc = succeed_in_tx(req, &l, rehash ? new_hash : NULL, &s)) != NAAP_OK ||
        (rc = naap_db_commit()) != NAAP_OK ||
        (rc = naap_auth_user_json(l.user_id, &user)) != NAAP_OK) {
        naap_db_rollback();
        naap_respond_store_error(req, rc);
        return;
    }
    naap_auth_respond_session(req, &s, user, true, l.now);
}
