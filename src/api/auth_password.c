#include "naap/api.h"
#include "naap/audit.h"
#include "naap/auth_api.h"
#include "naap/clock.h"
#include "naap/config.h"
#include "naap/db.h"
#include "naap/envelope.h"
#include "naap/errors.h"
#include "naap/input.h"
#include "naap/lockout.h"
#include "naap/onetime_token.h"
#include "naap/password.h"
#include "naap/user.h"

#include <string.h>

/* POST /auth/forgot-password and /auth/reset-password (api.md 3.8, 3.9). Tokens stay in
 * upstream's PasswordResetToken table, so tokens base-svc issued before the switch work. */

#define RESET_TTL_MS (3600LL * 1000)

/* upstream tests these fields for truthiness: "" is missing too */
static const naap_field forgot_fields[] = {
    {"email", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, .message = "Email is required"},
    {0},
};

#define RESET_REQUIRED "Token and password are required"
static const naap_field reset_fields[] = {
    {"token", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, .message = RESET_REQUIRED},
    {"password", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, .message = RESET_REQUIRED},
    {0},
};
enum { F_TOKEN, F_PASSWORD };

typedef struct forgot {
    naap_request *req;
    const char *email;
    const char *user_id; /* NULL: no such account */
    int64_t now;
    char token[NAAP_HEX64_SIZE]; /* out */
} forgot;

static int forgot_tx(void *arg)
{
    forgot *f = arg;
    int rc;

    if (f->user_id &&
        (rc = naap_onetime_token_issue_tx(NAAP_ONETIME_PASSWORD_RESET, f->user_id, NULL, f->now,
                                          RESET_TTL_MS, f->token)) != NAAP_OK)
        return rc;
    json_t *details = json_pack("{s:s}", "email", f->email);
    naap_audit audit = {.action = "auth.password_reset_request",
                        .resource = "user",
                        .resource_id = f->user_id,
                        .user_id = f->user_id,
                        .details = details};
    rc = naap_audit_write(f->req, &audit);
    json_decref(details);
    return rc;
}

/* The same answer whether or not the account exists. */
void naap_api_auth_forgot_password(naap_request *req)
{
    naap_value in[1];
    forgot f = {.req = req, .now = naap_clock_epoch_ms()};
    int rc = NAAP_ENOTFOUND;

    if (naap_input_body(req, forgot_fields, in) != NAAP_OK)
        return;
    f.email = in[0].str;
    if (strlen(f.email) <= NAAP_AUTH_EMAIL_MAX) /* a longer one cannot be an account */
        rc = naap_user_id_by_email(req->arena, f.email, &f.user_id);
    if ((rc != NAAP_OK && rc != NAAP_ENOTFOUND) || (rc = naap_db_tx(forgot_tx, &f, 0)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    if (f.user_id)
        naap_auth_log_token(req, "password reset token issued", f.user_id, f.token);
    naap_respond_message(req, "If an account exists, a reset link has been sent.");
}

typedef struct reset {
    naap_request *req;
    naap_onetime_token t;
    const char *hash;
    int64_t now;
    naap_session s; /* out */
    char **sids;    /* out: the user's former sessions, malloc'd by naap_session_delete_user */
    int nsids;
} reset;

/* Everything a reset changes, in one transaction (decisions.md 3): the token is spent
 * (only if still unspent, so two resets with one token cannot both win), the hash
 * replaced, every session of the user deleted, the user's lockouts cleared, a new session
 * made. Returns NAAP_ECONFLICT when the token was spent meanwhile, NAAP_ENOTFOUND when
 * its user is gone. */
static int reset_tx(void *arg)
{
    reset *r = arg;
    const char *email;
    int rc;

    if ((rc = naap_onetime_token_spend_tx(NAAP_ONETIME_PASSWORD_RESET, r->t.id, r->now)) !=
            NAAP_OK ||
        (rc = naap_user_set_password_tx(r->req->arena, r->t.user_id, r->hash, r->now, &email)) !=
            NAAP_OK ||
        (email && (rc = naap_lockout_clear(email, NULL)) != NAAP_OK) ||
        (rc = naap_session_delete_user(r->t.user_id, &r->sids, &r->nsids)) != NAAP_OK ||
        (rc = naap_session_create(r->t.user_id, r->now, &r->s)) != NAAP_OK)
        return rc;
    return naap_audit_user(r->req, "auth.password_reset", r->t.user_id, NULL);
}

static const naap_onetime_messages reset_messages = {"Invalid or expired reset token",
                                                     "Reset token has expired",
                                                     "Reset token has already been used"};

void naap_api_auth_reset_password(naap_request *req)
{
    naap_value in[sizeof(reset_fields) / sizeof(reset_fields[0])];
    char hash[NAAP_PASSWORD_HASH_MAX];
    reset r = {.req = req, .hash = hash, .now = naap_clock_epoch_ms()};
    json_t *user;
    int rc;

    if (naap_input_body(req, reset_fields, in) != NAAP_OK)
        return;
    if (naap_password_js_length(in[F_PASSWORD].str) < NAAP_AUTH_PASSWORD_MIN) {
        naap_respond_error(req, 400, "Password must be at least 8 characters");
        return;
    }
    if (!naap_auth_onetime_load(req, NAAP_ONETIME_PASSWORD_RESET, in[F_TOKEN].str, &reset_messages,
                                r.now, &r.t))
        return;
    naap_password_hash(in[F_PASSWORD].str, req->cfg->password_iterations, hash);
    rc = naap_db_tx(reset_tx, &r, 0);
    /* only once the deletions are visible: a cache refill cannot resurrect them */
    for (int i = 0; rc == NAAP_OK && i < r.nsids; i++)
        naap_session_forget(r.sids[i]);
    naap_session_sids_free(r.sids, r.nsids);
    if (rc != NAAP_OK) {
        naap_auth_onetime_fail(req, &reset_messages, rc);
        return;
    }
    if ((rc = naap_user_auth_json(req->arena, r.t.user_id, &user)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_auth_respond_session(req, &r.s, user, false, r.now);
}
