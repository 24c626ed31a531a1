#include "naap/api.h"
#include "naap/audit.h"
#include "naap/auth.h"
#include "naap/auth_api.h"
#include "naap/clock.h"
#include "naap/db.h"
#include "naap/envelope.h"
#include "naap/errors.h"
#include "naap/input.h"
#include "naap/onetime_token.h"
#include "naap/user.h"

/* POST /auth/send-verification and /auth/verify-email (api.md 3.10, 3.11), tokens in
 * upstream's EmailVerificationToken table. */

#define VERIFY_TTL_MS (24LL * 3600 * 1000)

typedef struct verification {
    naap_request *req;
    const char *user_id;
    const char *email;
    int64_t now;
    char token[NAAP_HEX64_SIZE]; /* issued (out) */
    naap_onetime_token t;        /* redeemed */
} verification;

static int issue_tx(void *arg)
{
    verification *v = arg;
    return naap_onetime_token_issue_tx(NAAP_ONETIME_EMAIL_VERIFICATION, v->user_id, v->email,
                                       v->now, VERIFY_TTL_MS, v->token);
}

/* The caller is the session's user: upstream also trusted x-user-id here (decisions.md 5). */
void naap_api_auth_send_verification(naap_request *req)
{
    const naap_session *s = naap_auth_require(req);
    verification v = {.req = req, .now = naap_clock_epoch_ms()};
    bool verified;
    int rc;

    if (!s)
        return;
    v.user_id = s->user_id;
    rc = naap_user_email_state(req->arena, s->user_id, &v.email, &verified);
    if (rc == NAAP_ENOTFOUND || (rc == NAAP_OK && !v.email)) {
        naap_respond_error(req, 400, "User not found or no email");
        return;
    }
    if (rc == NAAP_OK && !verified && (rc = naap_db_tx(issue_tx, &v, 0)) == NAAP_OK)
        naap_auth_log_token(req, "email verification token issued", s->user_id, v.token);
    if (rc != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_json(req, 200, json_pack("{s:b}", "success", 1));
}

/* Spends the token (only if unspent: NAAP_ECONFLICT otherwise) and marks the user
 * verified (NAAP_ENOTFOUND if the user is gone), with the audit row. As upstream, the
 * token's email is not compared with the user's current one. */
static int verify_tx(void *arg)
{
    verification *v = arg;
    int rc;

    if ((rc = naap_onetime_token_spend_tx(NAAP_ONETIME_EMAIL_VERIFICATION, v->t.id, v->now)) !=
            NAAP_OK ||
        (rc = naap_user_mark_verified_tx(v->t.user_id, v->now)) != NAAP_OK)
        return rc;
    return naap_audit_user(v->req, "auth.email_verified", v->t.user_id, NULL);
}

static const naap_onetime_messages verify_messages = {"Invalid verification token",
                                                      "Verification token has expired",
                                                      "Verification token has already been used"};

/* upstream tests the token for truthiness: "" is missing too */
static const naap_field verify_fields[] = {
    {"token", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, .message = "Token is required"},
    {0},
};

void naap_api_auth_verify_email(naap_request *req)
{
    naap_value in[1];
    verification v = {.req = req, .now = naap_clock_epoch_ms()};
    json_t *user;
    int rc;

    if (naap_input_body(req, verify_fields, in) != NAAP_OK)
        return;
    if (!naap_auth_onetime_load(req, NAAP_ONETIME_EMAIL_VERIFICATION, in[0].str, &verify_messages,
                                v.now, &v.t))
        return;
    if ((rc = naap_db_tx(verify_tx, &v, 0)) != NAAP_OK) {
        naap_auth_onetime_fail(req, &verify_messages, rc);
        return;
    }
    if ((rc = naap_user_auth_json(req->arena, v.t.user_id, &user)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_success(req, 200, "user", user);
}
