#include "naap/auth.h"
#include "naap/clock.h"
#include "naap/config.h"
#include "naap/errors.h"
#include "naap/jwt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One resolution per request: the rate limiter, the handler and anything in between ask
 * for the same caller, and only the first asks the stores. */
struct naap_auth_memo {
    const char *token;
    int rc;
    naap_session session;
};

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
    naap_jwt_claims claims;
    int rc;

    if (!token[0] || strlen(token) > NAAP_JWT_MAX_LEN)
        return NAAP_EINVAL;
    if (naap_jwt_shaped(token)) {
        if (naap_jwt_verify(cfg->jwt_secret, strlen(cfg->jwt_secret), token, now / 1000, true,
                            &claims) != NAAP_OK)
            return NAAP_EINVAL; /* decided without a query */
        rc = naap_session_check(claims.sid, now, cfg->session_cache_ttl_ms, out);
        if (rc == NAAP_OK && strcmp(out->user_id, claims.sub) != 0)
            rc = NAAP_ENOTFOUND;
        out->legacy = false;
    } else {
        if (!legacy_acceptable(cfg, token))
            return NAAP_EINVAL;
        rc = naap_session_check(token, now, cfg->session_cache_ttl_ms, out);
        out->legacy = true;
    }
    return rc == NAAP_ENOTFOUND ? NAAP_EINVAL : rc;
}

int naap_auth_session(naap_request *req, enum naap_auth_extract how, const naap_session **out)
{
    const char *token = naap_auth_token(req, how);
    struct naap_auth_memo *m = req->auth;

    *out = NULL;
    if (!token)
        return NAAP_ENOTFOUND;
    if (!m || strcmp(m->token, token) != 0) {
        if (!m)
            m = req->auth = naap_arena_alloc(req->arena, sizeof(*m));
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

/* Resolving an opaque token costs a Redis GET and, on a miss, a PostgreSQL query; a JWT
 * is refused without either unless its signature holds. So only a JWT is resolved before
 * counting; anything else is counted (and blocked) by address first. */
const char *naap_auth_user_id_signed(naap_request *req)
{
    const char *token = naap_auth_token(req, NAAP_AUTH_BEARER);
    return token && naap_jwt_shaped(token) ? naap_auth_user_id(req) : NULL;
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
