#include "naap/api.h"
#include "naap/audit.h"
#include "naap/auth_api.h"
#include "naap/clock.h"
#include "naap/config.h"
#include "naap/crypto.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/input.h"
#include "naap/limiter.h"
#include "naap/lockout.h"
#include "naap/password.h"
#include "naap/user.h"

#include <stdio.h>
#include <string.h>

/* POST /auth/login (api.md 3.4) with the lockout of decisions.md 4: failures are counted
 * per (email, client address), the failure that reaches the limit already answers 423,
 * and an unknown email is treated exactly like a wrong password (same messages, same
 * lock, same PBKDF2 time), so neither answer nor timing tells whether an account exists. */

#define INVALID "Invalid email or password"
#define REQUIRED "Email and password are required"

/* upstream answers a missing (or "") email or password with 401, not 400 */
static const naap_field fields[] = {
    {"email", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, .message = REQUIRED},
    {"password", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, .message = REQUIRED},
    {0},
};
enum { F_EMAIL, F_PASSWORD };

typedef struct login {
    naap_request *req;
    const char *email;
    int64_t now;
    const char *user_id;     /* NULL: no such user */
    const char *stored_hash; /* User.passwordHash */
    const char *new_hash;    /* success: the upgraded hash, or NULL */
    const char *msg;         /* failure: the answer's message (out) */
    int64_t locked;          /* failure: the lock's end when this failure locked (out) */
    naap_session s;          /* success: the new session (out) */
} login;

static int audit(login *l, const char *msg, int64_t locked_ms)
{
    char until[NAAP_ISO8601_SIZE];
    json_t *details = json_pack("{s:s}", "email", l->email);
    if (locked_ms) {
        naap_clock_iso8601(locked_ms, until);
        json_object_set_new(details, "lockedUntil", json_string(until));
    }
    naap_audit audit = {.action = "auth.login",
                        .resource = "user",
                        .resource_id = l->user_id,
                        .user_id = l->user_id,
                        .details = details,
                        .error_msg = msg};
    int rc = naap_audit_write(l->req, &audit);
    json_decref(details);
    return rc;
}

static const char *locked_message(naap_request *req, int64_t locked_ms, int64_t now)
{
    return naap_arena_printf(req->arena,
                             "Account is temporarily locked. Try again in %lld minutes.",
                             (long long)((locked_ms - now + 59999) / 60000));
}

static void respond_locked(naap_request *req, int64_t locked_ms, int64_t now)
{
    char until[NAAP_ISO8601_SIZE];
    naap_clock_iso8601(locked_ms, until);
    naap_respond_json(req, 423,
                      json_pack("{s:s,s:s,s:s}", "error", locked_message(req, locked_ms, now),
                                "code", "ACCOUNT_LOCKED", "lockedUntil", until));
}

/* The backstop behind the per-address lock and strict tier, which guesses spread over
 * many addresses escape: every attempt on one email counts in one window across all
 * addresses (unknown emails too, so the answer tells nothing). It has no block, so once
 * an attacker stops the owner waits at most the window. Redis sees a digest of the email,
 * never the email. Answers 429 and returns true when the account's budget is spent. */
static bool over_account_budget(naap_request *req, const char *email)
{
    const naap_config *cfg = req->cfg;
    char digest[65], key[96], retry[24];
    naap_limit_result res;

    if (!cfg->rate_limit_enabled)
        return false;
    naap_sha256_hex(email, strlen(email), digest);
    snprintf(key, sizeof(key), "rl:login-email:%s", digest);
    naap_limit_rule rule = {cfg->login_email_points, cfg->login_email_duration_ms, 0};
    naap_limiter_hit(key, &rule, cfg->workers, &res);
    if (res.allowed)
        return false;
    long long retry_after = res.reset_ms > 0 ? (res.reset_ms + 999) / 1000 : 1;
    snprintf(retry, sizeof(retry), "%lld", retry_after);
    naap_response_header(req, "Retry-After", retry);
    naap_respond_json(req, 429,
                      json_pack("{s:s,s:I}", "error", "Too many requests, please try again later",
                                "retryAfter", (json_int_t)retry_after));
    return true;
}

static int fail_tx(void *arg)
{
    login *l = arg;
    int failures = 0, rc;

    if ((rc = naap_lockout_record_attempt(l->email, l->req->client_ip, false, l->user_id,
                                          l->now)) != NAAP_OK ||
        (rc = naap_lockout_fail(l->email, l->req->client_key, l->now, &failures, &l->locked)) !=
            NAAP_OK)
        return rc;
    int remaining = NAAP_LOCKOUT_MAX_FAILURES - failures;
    l->msg = INVALID;
    if (l->locked)
        l->msg = locked_message(l->req, l->locked, l->now);
    else if (remaining == 2)
        l->msg = INVALID ". 2 attempts remaining before account lockout.";
    else if (remaining == 1)
        l->msg = INVALID ". 1 attempt remaining before account lockout.";
    return audit(l, l->msg, l->locked);
}

static void fail(login *l)
{
    int rc = naap_db_tx(fail_tx, l, 0);

    if (rc != NAAP_OK)
        naap_respond_store_error(l->req, rc);
    else if (l->locked)
        respond_locked(l->req, l->locked, l->now);
    else
        naap_respond_error(l->req, 401, l->msg);
}

/* The hash was verified outside any transaction (PBKDF2 takes a while): a password reset
 * committed meanwhile must win, or this login would hand out a session the reset was meant
 * to end. The row lock makes a reset that is still running wait, and then delete the
 * session created here along with the others. */
static int succeed_tx(void *arg)
{
    login *l = arg;
    const char *current;
    int rc;

    if ((rc = naap_user_lock_hash_tx(l->req->arena, l->user_id, &current)) != NAAP_OK)
        return rc;
    if (!current || strcmp(current, l->stored_hash) != 0)
        return NAAP_ECONFLICT;
    if ((rc = naap_lockout_record_attempt(l->email, l->req->client_ip, true, l->user_id, l->now)) !=
            NAAP_OK ||
        (rc = naap_lockout_clear(l->email, l->req->client_key)) != NAAP_OK ||
        (rc = naap_user_login_update_tx(l->user_id, l->new_hash, l->stored_hash, l->now)) !=
            NAAP_OK ||
        (rc = naap_session_create(l->user_id, l->now, &l->s)) != NAAP_OK)
        return rc;
    return audit(l, NULL, 0);
}

void naap_api_auth_login(naap_request *req)
{
    naap_value in[sizeof(fields) / sizeof(fields[0])];
    char new_hash[NAAP_PASSWORD_HASH_MAX];
    int iterations = req->cfg->password_iterations;
    login l = {.req = req, .now = naap_clock_epoch_ms()};
    int64_t locked = 0;
    bool rehash = false;
    json_t *user;
    int rc;

    if (naap_input_body_status(req, 401, fields, in) != NAAP_OK)
        return;
    l.email = in[F_EMAIL].str;
    const char *password = in[F_PASSWORD].str;
    if (strlen(l.email) > NAAP_AUTH_EMAIL_MAX) { /* no such account can exist */
        naap_respond_error(req, 401, INVALID);
        return;
    }
    if ((rc = naap_lockout_check(l.email, req->client_key, l.now, &locked)) != NAAP_OK ||
        ((rc = naap_user_credentials(req->arena, l.email, &l.user_id, &l.stored_hash)) != NAAP_OK &&
         rc != NAAP_ENOTFOUND)) {
        naap_respond_store_error(req, rc);
        return;
    }
    if (locked) { /* no LoginAttempt row while locked, as upstream; the audit is best effort */
        audit(&l, "Account is temporarily locked", locked);
        respond_locked(req, locked, l.now);
        return;
    }
    if (over_account_budget(req, l.email)) /* a locked pair above has spent none of it */
        return;
    if (!l.stored_hash) {
        naap_password_burn(password, iterations);
        fail(&l);
        return;
    }
    if (!naap_password_verify(password, l.stored_hash, iterations, &rehash)) {
        fail(&l);
        return;
    }
    if (rehash) { /* decisions.md 3: legacy salt:hash (or too few rounds) upgraded now */
        naap_password_hash(password, iterations, new_hash);
        l.new_hash = new_hash;
    }
    rc = naap_db_tx(succeed_tx, &l, 0);
    if (rc == NAAP_ECONFLICT || rc == NAAP_ENOTFOUND) { /* reset (or deleted) meanwhile */
        naap_respond_error(req, 401, INVALID);
        return;
    }
    if (rc != NAAP_OK || (rc = naap_user_auth_json(req->arena, l.user_id, &user)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_auth_respond_session(req, &l.s, user, true, l.now);
}
