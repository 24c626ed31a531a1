#include "naap/auth.h"
#include "naap/clock.h"
#include "naap/config.h"
#include "naap/errors.h"
#include "naap/jwt.h"
#include "naap/session_hint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One resolution per request: the rate limiter, the handler and anything in between ask
 * for the same caller, and only the first asks the stores. Likewise one signature check
 * of a JWT bearer, which the limiter, the read-ahead and the resolution all need. */
struct naap_auth_memo {
    const char *token; /* resolved (NULL: not yet) */
    int rc;
    naap_session session;
    const char *jwt;               /* checked (NULL: not yet) */
    const naap_jwt_claims *claims; /* its claims if its signature and expiry hold */
};

static struct naap_auth_memo *memo_of(naap_request *req)
{
    if (!req->auth) {
        req->auth = naap_arena_alloc(req->arena, sizeof(struct naap_auth_memo));
        memset(req->auth, 0, sizeof(struct naap_auth_memo));
    }
    return req->auth;
}

/* The claims of a JWT bearer whose signature and expiry hold; NULL for anything else. */
static const naap_jwt_claims *signed_claims(naap_request *req, const char *token)
{
    const naap_config *cfg = req->cfg;
    struct naap_auth_memo *m = memo_of(req);

    if (m->jwt && strcmp(m->jwt, token) == 0)
        return m->claims;
    naap_jwt_claims *claims = naap_arena_alloc(req->arena, sizeof(*claims));
    bool ok = token[0] && strlen(token) <= NAAP_JWT_MAX_LEN && naap_jwt_shaped(token) &&
              naap_jwt_verify(cfg->jwt_secret, strlen(cfg->jwt_secret), token,
                              naap_clock_epoch_ms() / 1000, true, claims) == NAAP_OK;
    m->jwt = naap_arena_strdup(req->arena, token);
    m->claims = ok ? claims : NULL;
    return m->claims;
}

const char *naap_auth_token(naap_request *req, enum naap_auth_extract how)
{
    static const char prefix[] = "Bearer ";
    const size_t plen = sizeof(prefix) - 1;
    const char *h = naap_request_header(req, "Authorization");

    if (!h)
        return NULL;
    if (how == NAAP_AUTH_BEARER)
        return strncmp(h, prefix, plen) == 0 ? h + plen : NULL;
    /* upstream: authorization.replace('Bearer ', '') — the first occurrence, anywhere */
    const char *at = strstr(h, prefix);
    if (!at)
        return h[0] ? h : NULL;
    size_t before = (size_t)(at - h), after = strlen(at + plen);
    if (before + after == 0)
        return NULL;
    char *t = naap_arena_alloc(req->arena, before + after + 1);
    memcpy(t, h, before);
    memcpy(t + before, at + plen, after + 1);
    return t;
}

/* A legacy bearer is looked up as is, unless it is one of naapd's own sids: those are only
 * valid inside their signed JWT (see naap_session_sid_is_ours). */
static bool legacy_acceptable(const naap_config *cfg, const char *token)
{
    size_t len = strlen(token);
    /* PostgreSQL refuses non-UTF-8 text: such a token cannot be in Session.token anyway */
    return cfg->legacy_sessions && len <= NAAP_JWT_CLAIM_MAX && naap_utf8_valid(token, len) &&
           !naap_session_sid_is_ours(token);
}

static int resolve(naap_request *req, const char *token, naap_session *out)
{
    const naap_config *cfg = req->cfg;
    int64_t now = naap_clock_epoch_ms();
    int rc;

    if (!token[0] || strlen(token) > NAAP_JWT_MAX_LEN)
        return NAAP_EINVAL;
    if (naap_jwt_shaped(token)) {
        const naap_jwt_claims *claims = signed_claims(req, token);
        if (!claims)
            return NAAP_EINVAL; /* decided without a query */
        rc = naap_session_check(claims->sid, now, cfg->session_cache_ttl_ms, out);
        if (rc == NAAP_OK && strcmp(out->user_id, claims->sub) != 0)
            rc = NAAP_ENOTFOUND;
        out->legacy = false;
    } else {
        if (!legacy_acceptable(cfg, token))
            return NAAP_EINVAL;
        rc = naap_session_check(token, now, cfg->session_cache_ttl_ms, out);
        out->legacy = true;
        if (rc == NAAP_OK)
            naap_session_hint_put(token, out->user_id);
    }
    return rc == NAAP_ENOTFOUND ? NAAP_EINVAL : rc;
}

int naap_auth_session(naap_request *req, enum naap_auth_extract how, const naap_session **out)
{
    const char *token = naap_auth_token(req, how);

    *out = NULL;
    if (!token)
        return NAAP_ENOTFOUND;
    struct naap_auth_memo *m = memo_of(req);
    if (!m->token || strcmp(m->token, token) != 0) {
        m->token = naap_arena_strdup(req->arena, token);
        m->rc = resolve(req, token, &m->session);
    }
    if (m->rc == NAAP_OK)
        *out = &m->session;
    return m->rc;
}

const char *naap_auth_user_id(naap_request *req)
{
    const naap_session *s;
    return naap_auth_session(req, NAAP_AUTH_BEARER, &s) == NAAP_OK ? s->user_id : NULL;
}

/* The user a JWT was signed for, once its signature and expiry hold: no store is asked,
 * so the limiter counts before anything costs a lookup. A token whose session was revoked
 * since still counts against the user it was issued to, which keeps a flood of them in
 * that user's bucket; an opaque token proves nothing and is counted by address. */
const char *naap_auth_user_id_signed(naap_request *req)
{
    const char *token = naap_auth_token(req, NAAP_AUTH_BEARER);
    const naap_jwt_claims *claims = token ? signed_claims(req, token) : NULL;
    return claims ? claims->sub : NULL;
}

bool naap_auth_predict(naap_request *req, naap_auth_guess *out)
{
    const naap_config *cfg = req->cfg;
    const char *token = naap_auth_token(req, NAAP_AUTH_BEARER);

    memset(out, 0, sizeof(*out));
    if (!token)
        return false;
    const char *resolved = memo_of(req)->token;
    if (resolved && strcmp(resolved, token) == 0)
        return false; /* already checked */
    const naap_jwt_claims *claims = signed_claims(req, token);
    if (claims) {
        out->sid = claims->sid;
        out->user = claims->sub;
        return true;
    }
    if (naap_jwt_shaped(token) || !legacy_acceptable(cfg, token) ||
        strlen(token) > NAAP_JWT_MAX_LEN)
        return false;
    out->sid = token;
    char user[NAAP_SESSION_HINT_USER_MAX + 1];
    if (naap_session_hint_get(token, user, sizeof(user)))
        out->user = naap_arena_strdup(req->arena, user);
    return true;
}

const naap_session *naap_auth_require(naap_request *req)
{
    const naap_session *s;
    bool teams = req->family == NAAP_FAMILY_TEAMS;
    int rc = naap_auth_session(req, NAAP_AUTH_BEARER, &s);

    switch (rc) {
    case NAAP_OK:
        return s;
    case NAAP_ENOTFOUND: /* api.md 4.0 for /teams, 3.10 and 6.7 elsewhere */
        naap_respond_error(req, 401, teams ? "Authorization required" : "Authentication required");
        return NULL;
    case NAAP_EINVAL:
        naap_respond_error(req, 401,
                           teams ? "Invalid or expired session" : "Authentication required");
        return NULL;
    default:
        naap_respond_store_error(req, rc);
        return NULL;
    }
}

const char *naap_auth_sid_of(naap_request *req, const char *token)
{
    const naap_config *cfg = req->cfg;
    naap_jwt_claims claims;

    if (!token[0] || strlen(token) > NAAP_JWT_MAX_LEN)
        return NULL;
    if (naap_jwt_shaped(token))
        return naap_jwt_verify(cfg->jwt_secret, strlen(cfg->jwt_secret), token,
                               naap_clock_epoch_ms() / 1000, false, &claims) == NAAP_OK
                   ? naap_arena_strdup(req->arena, claims.sid)
                   : NULL;
    return legacy_acceptable(cfg, token) ? token : NULL;
}

const char *naap_auth_sign(naap_request *req, const naap_session *session, int64_t now_ms)
{
    const naap_config *cfg = req->cfg;
    naap_jwt_claims claims;

    snprintf(claims.sub, sizeof(claims.sub), "%s", session->user_id);
    snprintf(claims.sid, sizeof(claims.sid), "%s", session->sid);
    claims.iat = now_ms / 1000;
    claims.exp = session->expires_ms / 1000;
    char *jwt = naap_jwt_sign(cfg->jwt_secret, strlen(cfg->jwt_secret), &claims);
    if (!jwt)
        return NULL;
    const char *copy = naap_arena_strdup(req->arena, jwt);
    free(jwt);
    return copy;
}
