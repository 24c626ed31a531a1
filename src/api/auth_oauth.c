#include "naap/api.h"
#include "naap/audit.h"
#include "naap/auth_api.h"
#include "naap/clock.h"
#include "naap/config.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/http_client.h"
#include "naap/input.h"
#include "naap/session.h"
#include "naap/user.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

/* GET /auth/oauth/:provider and POST /auth/callback/:provider (api.md 3.12, 3.13). The
 * provider endpoints come from the configuration (defaults: Google's and GitHub's own),
 * so tests can stand in a local fake provider. */

#define USER_INFO_FAILED "Failed to get user info from OAuth provider"

typedef struct provider {
    const char *name; /* "google" | "github" */
    const char *label;
    const char *client_id;
    const char *client_secret;
    const char *auth_url;
    const char *token_url;
} provider;

typedef struct profile {
    const char *id; /* provider's account id, as text */
    const char *email;
    const char *name;
    const char *avatar;
} profile;

static int find_provider(naap_request *req, provider *p)
{
    const naap_config *cfg = req->cfg;
    const char *name = naap_request_param(req, "provider");

    if (name && strcmp(name, "google") == 0)
        *p = (provider){"google",
                        "Google",
                        cfg->google_client_id,
                        cfg->google_client_secret,
                        cfg->google_auth_url,
                        cfg->google_token_url};
    else if (name && strcmp(name, "github") == 0)
        *p = (provider){"github",
                        "GitHub",
                        cfg->github_client_id,
                        cfg->github_client_secret,
                        cfg->github_auth_url,
                        cfg->github_token_url};
    else
        return NAAP_EINVAL;
    return NAAP_OK;
}

static const char *redirect_uri(naap_request *req, const provider *p)
{
    return naap_arena_printf(req->arena, "%s/auth/callback/%s", req->cfg->frontend_url, p->name);
}

/* state = standard base64, padded, of {"redirect":...,"timestamp":<ms>}; the callback
 * never checks it (as upstream): it is the frontend's. */
static const char *make_state(naap_request *req)
{
    const char *redirect = naap_request_query(req, "redirect");
    json_t *v = json_pack("{s:s,s:I}", "redirect", redirect && redirect[0] ? redirect : "/",
                          "timestamp", (json_int_t)naap_clock_epoch_ms());
    char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(v);
    if (!text)
        return NULL;
    size_t len = strlen(text);
    char *out = naap_arena_alloc(req->arena, 4 * ((len + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)text, (int)len);
    free(text);
    return out;
}

void naap_api_auth_oauth(naap_request *req)
{
    provider p;
    naap_arena *a = req->arena;

    if (find_provider(req, &p) != NAAP_OK) {
        naap_respond_error(req, 400, "Invalid provider");
        return;
    }
    if (!p.client_id[0]) {
        naap_respond_error(req, 400, naap_arena_printf(a, "%s OAuth not configured", p.name));
        return;
    }
    const char *state = make_state(req);
    if (!state) {
        naap_respond_store_error(req, NAAP_ERR);
        return;
    }
    const char *scope = strcmp(p.name, "google") == 0 ? "openid email profile" : "user:email";
    const char *url = naap_arena_printf(a, "%s?client_id=%s&redirect_uri=%s%s&scope=%s&state=%s",
                                        p.auth_url, naap_form_encode(a, p.client_id),
                                        naap_form_encode(a, redirect_uri(req, &p)),
                                        strcmp(p.name, "google") == 0 ? "&response_type=code" : "",
                                        naap_form_encode(a, scope), naap_form_encode(a, state));
    naap_respond_json(req, 200, json_pack("{s:s}", "url", url));
}

/* ---- code exchange -------------------------------------------------------------------- */

/* GETs or POSTs and parses a JSON answer; NULL unless the provider answered 2xx JSON. */
static json_t *fetch_json(naap_request *req, const char *method, const char *url,
                          const char *const *headers, const char *body)
{
    naap_http_reply r;
    json_t *v = NULL;
    if (naap_http_fetch(method, url, headers, body, req->cfg->oauth_timeout_ms, &r) != NAAP_OK)
        return NULL;
    if (r.status >= 200 && r.status < 300)
        v = json_loadb(r.body, r.len, JSON_DECODE_ANY, NULL);
    naap_http_reply_free(&r);
    return v;
}

/* Keeps a JSON string in the arena, or NULL for anything else, an empty string, or one
 * too long to be an email or id we could store. */
static const char *keep_str(naap_request *req, json_t *v)
{
    const char *s = json_string_value(v);
    return s && s[0] && strlen(s) <= NAAP_AUTH_EMAIL_MAX ? naap_arena_strdup(req->arena, s) : NULL;
}

/* Account ids are strings at Google and numbers at GitHub. */
static const char *keep_id(naap_request *req, json_t *v)
{
    if (json_is_integer(v))
        return naap_arena_printf(req->arena, "%lld", (long long)json_integer_value(v));
    return keep_str(req, v);
}

static const char *access_token(naap_request *req, const provider *p, const char *code)
{
    naap_arena *a = req->arena;
    json_t *reply;

    if (strcmp(p->name, "google") == 0) {
        static const char *const headers[] = {"Content-Type: application/x-www-form-urlencoded",
                                              "Accept: application/json", NULL};
        const char *form = naap_arena_printf(
            a,
            "code=%s&client_id=%s&client_secret=%s&redirect_uri=%s&grant_type=authorization_code",
            naap_form_encode(a, code), naap_form_encode(a, p->client_id),
            naap_form_encode(a, p->client_secret), naap_form_encode(a, redirect_uri(req, p)));
        reply = fetch_json(req, "POST", p->token_url, headers, form);
    } else {
        static const char *const headers[] = {"Content-Type: application/json",
                                              "Accept: application/json", NULL};
        json_t *body =
            json_pack("{s:s,s:s,s:s,s:s}", "client_id", p->client_id, "client_secret",
                      p->client_secret, "code", code, "redirect_uri", redirect_uri(req, p));
        char *text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        reply = text ? fetch_json(req, "POST", p->token_url, headers, text) : NULL;
        free(text);
    }
    const char *token = keep_str(req, json_object_get(reply, "access_token"));
    json_decref(reply);
    return token;
}

/* Only a verified address is used (to link or create an account): upstream linked by
 * GitHub's unverified primary email, which let anyone take over an existing account by
 * adding its address to their GitHub profile. */
static int google_profile(naap_request *req, const char *bearer, profile *out)
{
    const char *headers[] = {bearer, "Accept: application/json", NULL};
    json_t *u = fetch_json(req, "GET", req->cfg->google_userinfo_url, headers, NULL);
    out->id = keep_id(req, json_object_get(u, "id"));
    out->name = keep_str(req, json_object_get(u, "name"));
    out->avatar = keep_str(req, json_object_get(u, "picture"));
    if (json_is_true(json_object_get(u, "verified_email")))
        out->email = keep_str(req, json_object_get(u, "email"));
    json_decref(u);
    return out->id ? NAAP_OK : NAAP_EINVAL;
}

static int github_profile(naap_request *req, const char *bearer, profile *out)
{
    const char *headers[] = {bearer, "Accept: application/vnd.github+json", NULL};
    json_t *u = fetch_json(req, "GET", req->cfg->github_user_url, headers, NULL);
    out->id = keep_id(req, json_object_get(u, "id"));
    out->name = keep_str(req, json_object_get(u, "name"));
    if (!out->name)
        out->name = keep_str(req, json_object_get(u, "login"));
    out->avatar = keep_str(req, json_object_get(u, "avatar_url"));
    json_decref(u);
    if (!out->id)
        return NAAP_EINVAL;
    json_t *emails = fetch_json(req, "GET", req->cfg->github_emails_url, headers, NULL);
    size_t i;
    json_t *e;
    json_array_foreach(emails, i, e)
    {
        if (!json_is_true(json_object_get(e, "primary")))
            continue;
        if (json_is_true(json_object_get(e, "verified")))
            out->email = keep_str(req, json_object_get(e, "email"));
        break; /* the first primary entry, as upstream */
    }
    json_decref(emails);
    return NAAP_OK;
}

/* ---- account resolution ------------------------------------------------------------- */

typedef struct sign_in {
    naap_request *req;
    const provider *p;
    const profile *pr;
    int64_t now;
    const char *user_id; /* out */
    naap_session s;      /* out */
    char **sids;         /* out: sessions ended by a claim, to forget after the commit */
    int nsids;
} sign_in;

/* Pre-hijacking: an attacker registers victim@ with a password first, and would keep that
 * password once the victim signs in with a provider that verified the address. Linking by
 * email is safe as is when the account's email was verified or it has no password; else
 * the provider's verification wins: the password is cleared, the account's sessions end,
 * and AuditLog records it. */
static int claim_by_email(sign_in *si)
{
    bool cleared;
    int rc = naap_user_claim_email_tx(si->user_id, si->now, &cleared);

    if (rc != NAAP_OK || !cleared)
        return rc;
    if ((rc = naap_session_delete_user(si->user_id, &si->sids, &si->nsids)) != NAAP_OK)
        return rc;
    return naap_audit_user(si->req, "auth.oauth_password_cleared", si->user_id,
                           json_pack("{s:s,s:s}", "provider", si->p->name, "reason",
                                     "unverified email claimed by a verified provider account"));
}

/* api.md 3.13: the linked account's user, else the user with that email (now linked),
 * else a new user; then a session and the audit row. */
static int sign_in_tx(void *arg)
{
    sign_in *si = arg;
    const profile *pr = si->pr;
    naap_arena *a = si->req->arena;
    int rc;

    naap_session_sids_free(si->sids, si->nsids); /* a retried attempt starts over */
    si->sids = NULL;
    si->nsids = 0;
    rc = naap_user_by_oauth(a, si->p->name, pr->id, &si->user_id);
    if (rc == NAAP_ENOTFOUND) {
        if (pr->email && (rc = naap_user_id_by_email(a, pr->email, &si->user_id)) == NAAP_OK)
            rc = claim_by_email(si);
        if (rc == NAAP_ENOTFOUND) {
            naap_user_new u = {.email = pr->email,
                               .display_name = pr->name,
                               .avatar_url = pr->avatar,
                               .email_verified = pr->email != NULL};
            rc = naap_user_create_tx(a, &u, si->now, &si->user_id);
        }
        if (rc == NAAP_OK)
            rc = naap_user_link_oauth_tx(si->user_id, si->p->name, pr->id, si->now);
    }
    if (rc != NAAP_OK || (rc = naap_session_create(si->user_id, si->now, &si->s)) != NAAP_OK)
        return rc;
    return naap_audit_user(si->req, "auth.oauth", si->user_id,
                           json_pack("{s:s}", "provider", si->p->name));
}

/* upstream tests the code for truthiness: "" is missing too */
static const naap_field callback_fields[] = {
    {"code", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY,
     .message = "Authorization code required"},
    {0},
};

void naap_api_auth_callback(naap_request *req)
{
    provider p;
    profile pr = {0};
    naap_value in[1];
    json_t *user;
    int rc;

    if (find_provider(req, &p) != NAAP_OK) {
        naap_respond_error(req, 400, "Invalid provider");
        return;
    }
    if (naap_input_body(req, callback_fields, in) != NAAP_OK)
        return;
    if (!p.client_id[0] || !p.client_secret[0]) {
        naap_respond_error(req, 400, USER_INFO_FAILED);
        return;
    }
    const char *token = access_token(req, &p, in[0].str);
    if (!token) {
        naap_respond_error(
            req, 400, naap_arena_printf(req->arena, "Failed to get access token from %s", p.label));
        return;
    }
    const char *bearer = naap_arena_printf(req->arena, "Authorization: Bearer %s", token);
    if ((strcmp(p.name, "google") == 0 ? google_profile(req, bearer, &pr)
                                       : github_profile(req, bearer, &pr)) != NAAP_OK) {
        naap_respond_error(req, 400, USER_INFO_FAILED);
        return;
    }
    sign_in si = {.req = req, .p = &p, .pr = &pr, .now = naap_clock_epoch_ms()};
    /* two first sign-ins of one account at once: the loser's unique violation is retried
     * once and then finds the winner's rows */
    rc = naap_db_tx(sign_in_tx, &si, 1);
    for (int i = 0; rc == NAAP_OK && i < si.nsids; i++)
        naap_session_forget(si.sids[i]);
    naap_session_sids_free(si.sids, si.nsids);
    if (rc != NAAP_OK || (rc = naap_user_auth_json(req->arena, si.user_id, &user)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_auth_respond_session(req, &si.s, user, false, si.now);
}
