#include "naap/api.h"
#include "naap/audit.h"
#include "naap/auth_api.h"
#include "naap/clock.h"
#include "naap/config.h"
#include "naap/db.h"
#include "naap/envelope.h"
#include "naap/errors.h"
#include "naap/input.h"
#include "naap/password.h"
#include "naap/user.h"

#include <string.h>

#define REQUIRED "Email and password are required"

/* upstream tests email and password for truthiness: "" is missing too */
static const naap_field fields[] = {
    {"email", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, .message = REQUIRED},
    {"password", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, .message = REQUIRED},
    {"displayName", NAAP_T_ANY, .flags = NAAP_F_NULLABLE},
    {0},
};
enum { F_EMAIL, F_PASSWORD, F_DISPLAY_NAME };

/* upstream: displayName || email.split('@')[0]. A truthy value that is not a string made
 * Prisma throw (400); a falsy one falls back to the email's local part. */
static int display_name(naap_request *req, json_t *v, const char *email, const char **out)
{
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

typedef struct signup {
    naap_request *req;
    naap_user_new user;
    int64_t now;
    const char *id; /* out */
    naap_session s; /* out */
} signup;

static int register_tx(void *arg)
{
    signup *r = arg;
    int rc;

    if ((rc = naap_user_create_tx(r->req->arena, &r->user, r->now, &r->id)) != NAAP_OK ||
        (rc = naap_session_create(r->id, r->now, &r->s)) != NAAP_OK)
        return rc;
    return naap_audit_user(r->req, "auth.register", r->id,
                           json_pack("{s:s}", "email", r->user.email));
}

/* POST /auth/register (api.md 3.3): 200, not 201, as upstream. */
void naap_api_auth_register(naap_request *req)
{
    naap_value in[sizeof(fields) / sizeof(fields[0])];
    char hash[NAAP_PASSWORD_HASH_MAX];
    signup r = {.req = req, .now = naap_clock_epoch_ms()};
    const char *taken;
    int rc;

    if (naap_input_body(req, fields, in) != NAAP_OK)
        return;
    r.user.email = in[F_EMAIL].str;
    if (strlen(r.user.email) > NAAP_AUTH_EMAIL_MAX) {
        naap_respond_error(req, 400, "Email is too long");
        return;
    }
    if (naap_password_js_length(in[F_PASSWORD].str) < NAAP_AUTH_PASSWORD_MIN) {
        naap_respond_error(req, 400, "Password must be at least 8 characters");
        return;
    }
    if (display_name(req, in[F_DISPLAY_NAME].json, r.user.email, &r.user.display_name) != NAAP_OK) {
        naap_respond_error(req, 400, "displayName must be a string");
        return;
    }
    if ((rc = naap_user_id_by_email(req->arena, r.user.email, &taken)) != NAAP_ENOTFOUND) {
        naap_respond_outcome(req, rc == NAAP_OK ? NAAP_EINVAL : rc, "Email already registered");
        return;
    }
    naap_password_hash(in[F_PASSWORD].str, req->cfg->password_iterations, hash);
    r.user.password_hash = hash;
    /* a concurrent registration of the same email that won is a unique violation */
    if ((rc = naap_db_tx(register_tx, &r, 0)) != NAAP_OK) {
        naap_respond_outcome(req, rc == NAAP_ECONFLICT ? NAAP_EINVAL : rc,
                             "Email already registered");
        return;
    }
    json_t *user = json_pack("{s:s,s:s,s:s,s:n,s:n,s:[],s:[]}", "id", r.id, "email", r.user.email,
                             "displayName", r.user.display_name, "avatarUrl", "address", "roles",
                             "permissions");
    naap_auth_respond_session(req, &r.s, user, true, r.now);
}
