#include "naap/api.h"
#include "naap/audit.h"
#include "naap/auth_api.h"
#include "naap/onetime_token.h"
#include "naap/clock.h"
#include "naap/config.h"
#include "naap/crypto.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/lockout.h"
#include "naap/password.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* POST /auth/forgot-password and /auth/reset-password (api.md 3.8, 3.9). Tokens stay in
 * upstream's PasswordResetToken table, so tokens base-svc issued before the switch work. */

#define RESET_TTL_MS (3600LL * 1000)
#define PASSWORD_MIN 8

static int find_user(const char *email, char id[NAAP_AUTH_ID_MAX], bool *found)
{
    naap_db_rows *rows = NULL;
    const char *params[] = {email};

    *found = false;
    if (strlen(email) > NAAP_AUTH_EMAIL_MAX)
        return NAAP_OK; /* no such account can exist */
    int rc = naap_db_query("SELECT id FROM \"User\" WHERE email = $1", 1, params, &rows);
    *found = rc == NAAP_OK && naap_db_rows_count(rows) > 0 &&
             strlen(naap_db_value(rows, 0, 0)) < NAAP_AUTH_ID_MAX;
    if (*found)
        strcpy(id, naap_db_value(rows, 0, 0));
    naap_db_rows_free(rows);
    return rc;
}

static int issue_reset_token(const char *user_id, int64_t now_ms, char token[65])
{
    char id[37], now[25], expires[25];
    unsigned char raw[32];
    int rc;

    naap_uuid_v4(id);
    naap_random_bytes(raw, sizeof(raw));
    naap_hex_encode(raw, sizeof(raw), token);
    naap_clock_iso8601(now_ms, now);
    naap_clock_iso8601(now_ms + RESET_TTL_MS, expires);
    const char *del[] = {user_id};
    const char *ins[] = {id, user_id, token, expires, now};
    if ((rc = naap_db_query("DELETE FROM \"PasswordResetToken\" WHERE \"userId\" = $1", 1, del,
                            NULL)) != NAAP_OK)
        return rc;
    return naap_db_query("INSERT INTO \"PasswordResetToken\" (id, \"userId\", token, "
                         "\"expiresAt\", \"createdAt\") VALUES ($1, $2, $3, $4, $5)",
                         5, ins, NULL);
}

/* The same answer whether or not the account exists. */
void naap_api_auth_forgot_password(naap_request *req)
{
    const char *email = naap_auth_body_str(req, "email");
    char user_id[NAAP_AUTH_ID_MAX], token[65];
    bool found;
    int64_t now = naap_clock_epoch_ms();
    int rc;

    if (!email) {
        naap_respond_error(req, 400, "Email is required");
        return;
    }
    if ((rc = find_user(email, user_id, &found)) != NAAP_OK || (rc = naap_db_begin()) != NAAP_OK)
        goto fail;
    if (found && (rc = issue_reset_token(user_id, now, token)) != NAAP_OK)
        goto fail;
    json_t *details = json_pack("{s:s}", "email", email);
    naap_audit audit = {.action = "auth.password_reset_request",
                        .resource = "user",
                        .resource_id = found ? user_id : NULL,
                        .user_id = found ? user_id : NULL,
                        .details = details};
    rc = naap_audit_write(req, &audit);
    json_decref(details);
    if (rc != NAAP_OK || (rc = naap_db_commit()) != NAAP_OK)
        goto fail;
    if (found)
        naap_auth_log_token(req, "password reset token issued", user_id, token);
    naap_respond_json(req, 200,
                      json_pack("{s:b,s:s}", "success", 1, "message",
                                "If an account exists, a reset link has been sent."));
    return;
fail:
    naap_db_rollback();
    naap_respond_store_error(req, rc);
}

/* Everything a reset changes, in one transaction (decisions.md 3): the token is spent
 * (only if still unspent, so two resets with one token cannot both win), the hash
 * replaced, every session of the user deleted, the user's lockouts cleared, a new session
 * made. Returns NAAP_ECONFLICT when the token was spent meanwhile, NAAP_ENOTFOUND when
 * its user is gone. */
static int reset_in_tx(naap_request *req, const naap_onetime_token *t, const char *hash,
                       int64_t now_ms, naap_session *s, char ***sids, int *nsids)
{
    char now[25];
    naap_db_rows *rows = NULL;
    int rc;

    naap_clock_iso8601(now_ms, now);
    if ((rc = naap_onetime_token_spend(NAAP_ONETIME_PASSWORD_RESET, t->id, now)) != NAAP_OK)
        goto out;
    const char *user[] = {t->user_id, hash, now};
    if ((rc = naap_db_query("UPDATE \"User\" SET \"passwordHash\" = $2, \"lockedUntil\" = NULL, "
                            "\"updatedAt\" = $3 WHERE id = $1 RETURNING email",
                            3, user, &rows)) != NAAP_OK)
        goto out;
    if (naap_db_rows_count(rows) == 0) {
        rc = NAAP_ENOTFOUND;
        goto out;
    }
    const char *email = naap_db_value(rows, 0, 0);
    if ((email && (rc = naap_lockout_clear(email, NULL)) != NAAP_OK) ||
        (rc = naap_session_delete_user(t->user_id, sids, nsids)) != NAAP_OK ||
        (rc = naap_session_create(t->user_id, now_ms, s)) != NAAP_OK)
        goto out;
    rc = naap_audit_user(req, "auth.password_reset", t->user_id, NULL);
out:
    naap_db_rows_free(rows);
    return rc;
}

static const naap_onetime_messages reset_messages = {"Invalid or expired reset token",
                                                     "Reset token has expired",
                                                     "Reset token has already been used"};

void naap_api_auth_reset_password(naap_request *req)
{
    const char *token = naap_auth_body_str(req, "token");
    const char *password = naap_auth_body_str(req, "password");
    char hash[NAAP_PASSWORD_HASH_MAX];
    char **sids = NULL;
    int nsids = 0, rc;
    naap_onetime_token t;
    naap_session s;
    json_t *user;
    int64_t now = naap_clock_epoch_ms();

    if (!token || !password) {
        naap_respond_error(req, 400, "Token and password are required");
        return;
    }
    if (naap_password_js_length(password) < PASSWORD_MIN) {
        naap_respond_error(req, 400, "Password must be at least 8 characters");
        return;
    }
    if (!naap_auth_onetime_load(req, NAAP_ONETIME_PASSWORD_RESET, token, &reset_messages, now, &t))
        return;
    naap_password_hash(password, req->cfg->password_iterations, hash);
    if ((rc = naap_db_begin()) != NAAP_OK ||
        (rc = reset_in_tx(req, &t, hash, now, &s, &sids, &nsids)) != NAAP_OK ||
        (rc = naap_db_commit()) != NAAP_OK) {
        naap_db_rollback();
        naap_session_sids_free(sids, nsids);
        naap_auth_onetime_fail(req, &reset_messages, rc);
        return;
    }
    /* only now that the deletions are visible: a cache refill cannot resurrect them */
    for (int i = 0; i < nsids; i++)
        naap_session_forget(sids[i]);
    naap_session_sids_free(sids, nsids);
    if ((rc = naap_auth_user_json(t.user_id, &user)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_auth_respond_session(req, &s, user, false, now);
}
