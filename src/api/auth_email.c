#include "naap/api.h"
#include "naap/audit.h"
#include "naap/auth.h"
#include "naap/auth_api.h"
#include "naap/onetime_token.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/db.h"
#include "naap/errors.h"

#include <stdlib.h>
#include <string.h>

/* POST /auth/send-verification and /auth/verify-email (api.md 3.10, 3.11), tokens in
 * upstream's EmailVerificationToken table. */

#define VERIFY_TTL_MS (24LL * 3600 * 1000)

static int issue_verification(const char *user_id, const char *email, int64_t now_ms,
                              char token[65])
{
    char id[37], now[25], expires[25];
    unsigned char raw[32];
    int rc;

    naap_uuid_v4(id);
    naap_random_bytes(raw, sizeof(raw));
    naap_hex_encode(raw, sizeof(raw), token);
    naap_clock_iso8601(now_ms, now);
    naap_clock_iso8601(now_ms + VERIFY_TTL_MS, expires);
    const char *del[] = {user_id};
    const char *ins[] = {id, user_id, email, token, expires, now};
    if ((rc = naap_db_begin()) != NAAP_OK ||
        (rc = naap_db_query("DELETE FROM \"EmailVerificationToken\" WHERE \"userId\" = $1", 1, del,
                            NULL)) != NAAP_OK ||
        (rc = naap_db_query("INSERT INTO \"EmailVerificationToken\" (id, \"userId\", email, "
                            "token, \"expiresAt\", \"createdAt\") "
                            "VALUES ($1, $2, $3, $4, $5, $6)",
                            6, ins, NULL)) != NAAP_OK ||
        (rc = naap_db_commit()) != NAAP_OK)
        naap_db_rollback();
    return rc;
}

/* The caller is the session's user: upstream also trusted x-user-id here (decisions.md 5). */
void naap_api_auth_send_verification(naap_request *req)
{
    const naap_session *s = naap_auth_require(req);
    naap_db_rows *rows = NULL;
    char token[65];
    int rc;

    if (!s)
        return;
    const char *params[] = {s->user_id};
    if ((rc = naap_db_query("SELECT email, \"emailVerified\" IS NOT NULL FROM \"User\" "
                            "WHERE id = $1",
                            1, params, &rows)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        goto out;
    }
    if (naap_db_rows_count(rows) == 0 || !naap_db_value(rows, 0, 0)) {
        naap_respond_error(req, 400, "User not found or no email");
        goto out;
    }
    if (strcmp(naap_db_value(rows, 0, 1), "t") != 0) {
        rc =
            issue_verification(s->user_id, naap_db_value(rows, 0, 0), naap_clock_epoch_ms(), token);
        if (rc != NAAP_OK) {
            naap_respond_store_error(req, rc);
            goto out;
        }
        naap_auth_log_token(req, "email verification token issued", s->user_id, token);
    }
    naap_respond_json(req, 200, json_pack("{s:b}", "success", 1));
out:
    naap_db_rows_free(rows);
}

/* Spends the token (only if unspent: NAAP_ECONFLICT otherwise) and marks the user
 * verified (NAAP_ENOTFOUND if the user is gone), with the audit row. As upstream, the
 * token's email is not compared with the user's current one. */
static int verify_in_tx(naap_request *req, const naap_onetime_token *t, int64_t now_ms)
{
    char now[25];
    naap_db_rows *rows = NULL;
    int rc;

    naap_clock_iso8601(now_ms, now);
    const char *user[] = {t->user_id, now};
    if ((rc = naap_onetime_token_spend(NAAP_ONETIME_EMAIL_VERIFICATION, t->id, now)) != NAAP_OK)
        goto out;
    if ((rc = naap_db_query("UPDATE \"User\" SET \"emailVerified\" = $2, \"updatedAt\" = $2 "
                            "WHERE id = $1 RETURNING id",
                            2, user, &rows)) != NAAP_OK)
        goto out;
    if (naap_db_rows_count(rows) == 0) {
        rc = NAAP_ENOTFOUND;
        goto out;
    }
    rc = naap_audit_user(req, "auth.email_verified", t->user_id, NULL);
out:
    naap_db_rows_free(rows);
    return rc;
}

static const naap_onetime_messages verify_messages = {"Invalid verification token",
                                                      "Verification token has expired",
                                                      "Verification token has already been used"};

void naap_api_auth_verify_email(naap_request *req)
{
    const char *token = naap_auth_body_str(req, "token");
    int64_t now = naap_clock_epoch_ms();
    naap_onetime_token t;
    json_t *user;
    int rc;

    if (!token) {
        naap_respond_error(req, 400, "Token is required");
        return;
    }
    if (!naap_auth_onetime_load(req, NAAP_ONETIME_EMAIL_VERIFICATION, token, &verify_messages, now,
                                &t))
        return;
    if ((rc = naap_db_begin()) != NAAP_OK || (rc = verify_in_tx(req, &t, now)) != NAAP_OK ||
        (rc = naap_db_commit()) != NAAP_OK) {
        naap_db_rollback();
        naap_auth_onetime_fail(req, &verify_messages, rc);
        return;
    }
    if ((rc = naap_auth_user_json(t.user_id, &user)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_json(req, 200, json_pack("{s:b,s:o}", "success", 1, "user", user));
}
