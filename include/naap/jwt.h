#ifndef NAAP_JWT_H
#define NAAP_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Session tokens (decisions.md 2): compact HS256 JWTs carrying sub (user id), sid (the
 * Session row's token), iat and exp. Pure code: verifying never touches a store, so a
 * forged or expired token costs no query. */

#define NAAP_JWT_MAX_LEN 4096
#define NAAP_JWT_CLAIM_MAX 1024

typedef struct naap_jwt_claims {
    char sub[NAAP_JWT_CLAIM_MAX + 1];
    char sid[NAAP_JWT_CLAIM_MAX + 1];
    int64_t iat; /* seconds since the epoch */
    int64_t exp;
} naap_jwt_claims;

/**
 * Signs the claims with HS256 under secret (secret_len bytes). Returns a new malloc'd
 * token (free with free()), or NULL on failure (logged).
 */
char *naap_jwt_sign(const char *secret, size_t secret_len, const naap_jwt_claims *claims);

/**
 * Verifies token: compact form, header alg exactly HS256, signature under secret, claims
 * of the right types, iat not in the future, and (when check_exp) now_s < exp. Returns 0
 * with the claims in *out, or NAAP_EINVAL.
 */
int naap_jwt_verify(const char *secret, size_t secret_len, const char *token, int64_t now_s,
                    bool check_exp, naap_jwt_claims *out);

/**
 * True if token has the shape of a compact JWS (it contains a '.'). Such a token is only
 * ever verified as a JWT, never looked up as an opaque legacy session token: base-svc's
 * tokens (64 hex digits, "jwt-<address>-<ms>") have no dots.
 */
bool naap_jwt_shaped(const char *token);

#endif
