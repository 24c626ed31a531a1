#ifndef NAAP_AUTH_H
#define NAAP_AUTH_H

#include <stdbool.h>

#include "naap/http.h"
#include "naap/session.h"

/* Authentication middleware: turns the Authorization header into a user and a session,
 * once per request (the result is memoized on the request), for any handler and for the
 * rate limiter. x-user-id is never trusted (decisions.md 5). A JWT is verified (alg,
 * signature, exp) before any store is asked, so forged tokens cost no query. */

/* How the token is taken from the Authorization header (api.md 1.4). */
enum naap_auth_extract {
    NAAP_AUTH_BEARER,       /* exactly "Bearer <token>"; everything but the three below */
    NAAP_AUTH_BEARER_LOOSE, /* /auth/me, /auth/refresh, /auth/logout: the first "Bearer "
                               anywhere is removed, so a bare token works too */
};

/** The token the header carries under how, in the request arena; NULL if none or empty. */
const char *naap_auth_token(naap_request *req, enum naap_auth_extract how);

/**
 * Resolves the caller's session. Returns 0 with *out (owned by the request);
 * NAAP_ENOTFOUND when no token was sent; NAAP_EINVAL when the token is forged, expired,
 * or its session is gone; NAAP_EUNAVAILABLE / NAAP_ETIMEDOUT / NAAP_ERR when the stores
 * could not say. Memoized: the second call with the same token costs nothing. Call it
 * before opening a transaction: it may write (lastUsedAt, expired rows) on its own.
 */
int naap_auth_session(naap_request *req, enum naap_auth_extract how, const naap_session **out);

/**
 * The authenticated user's id (strict Bearer), or NULL for anonymous, invalid or
 * undecidable callers. Never answers the request; memoized. For the rate limiter.
 */
const char *naap_auth_user_id(naap_request *req);

/**
 * The user a JWT bearer was signed for, once its signature and expiry hold, without
 * asking a store (a revoked session's token still names its user); NULL for any other
 * token. For the rate limiter, which counts before anything costs a query.
 */
const char *naap_auth_user_id_signed(naap_request *req);

/** What the strict Bearer of a request will be checked as, before it is. */
typedef struct naap_auth_guess {
    const char *sid;  /* the session naap_auth_session will check */
    const char *user; /* whose it will turn out to be if valid (a JWT's sub, or the user the
                         opaque token last belonged to in this process), or NULL */
} naap_auth_guess;

/**
 * Predicts the session check of the request's strict Bearer for a read-ahead
 * (naap/redis_prefetch.h): false when there is none to predict (no token, a JWT that
 * does not verify, a token never looked up, or one this request has resolved already).
 */
bool naap_auth_predict(naap_request *req, naap_auth_guess *out);

/**
 * For handlers that need a signed-in caller (strict Bearer): returns the session, or
 * answers in the request's family and returns NULL — 401 "Authorization required" /
 * "Invalid or expired session" under /teams, 401 "Authentication required" elsewhere,
 * 503 when the stores are down. Like naap_auth_session, before any transaction.
 */
const naap_session *naap_auth_require(naap_request *req);

/**
 * The sid a bearer token names, without asking any store: a JWT's verified sid claim
 * (expired ones too), or the token itself when it is an acceptable legacy token. Returns
 * NULL when the token names no session. Used by CSRF and logout.
 */
const char *naap_auth_sid_of(naap_request *req, const char *token);

/**
 * Signs a JWT for session (sub, sid, iat = now, exp = its expiry) into the request
 * arena. NULL on failure (logged).
 */
const char *naap_auth_sign(naap_request *req, const naap_session *session, int64_t now_ms);

#endif
