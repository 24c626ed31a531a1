#include "naap/jwt.h"
#include "naap/crypto.h"
#include "naap/errors.h"
#include "naap/log.h"

#include <jansson.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

/* Clock skew tolerated on iat/nbf between the hosts of one deployment. */
#define SKEW_S 60
#define SIG_B64_LEN 43 /* 32 bytes of HMAC-SHA256 in unpadded base64url */

char *naap_jwt_sign(const char *secret, size_t secret_len, const naap_jwt_claims *claims)
{
    jwt_t *jwt = NULL;
    char *token = NULL;

    if (jwt_new(&jwt) != 0)
        goto out;
    if (jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)secret, (int)secret_len) != 0 ||
        jwt_add_grant(jwt, "sub", claims->sub) != 0 ||
        jwt_add_grant(jwt, "sid", claims->sid) != 0 ||
        jwt_add_grant_int(jwt, "iat", (long)claims->iat) != 0 ||
        jwt_add_grant_int(jwt, "exp", (long)claims->exp) != 0)
        goto out;
    token = jwt_encode_str(jwt);
out:
    if (!token)
        naap_log_error("jwt: cannot sign a session token");
    jwt_free(jwt);
    return token;
}

bool naap_jwt_shaped(const char *token)
{
    return strchr(token, '.') != NULL;
}

/* Our own HS256 check in constant time, before libjwt sees the token: libjwt 1.10 before
 * Debian's CVE-2024-25189 fix compared signatures with strcmp, and this way a token
 * signed with any other algorithm (its signature has another length) or key never gets
 * further. */
static bool signature_ok(const char *secret, size_t secret_len, const char *token,
                         size_t signed_len, const char *sig)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    char b64[64];

    if (strlen(sig) != SIG_B64_LEN)
        return false;
    if (!HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)token, signed_len, mac,
              &mac_len) ||
        mac_len != 32)
        return false;
    int n = EVP_EncodeBlock((unsigned char *)b64, mac, (int)mac_len);
    for (int i = 0; i < n; i++) /* base64 -> base64url, padding dropped below */
        b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
    return n >= SIG_B64_LEN && naap_ct_equal(b64, sig, SIG_B64_LEN);
}

static int copy_claim(json_t *claims, const char *name, char *out)
{
    const char *s = json_string_value(json_object_get(claims, name));
    size_t len = s ? strlen(s) : 0;
    if (len == 0 || len > NAAP_JWT_CLAIM_MAX)
        return NAAP_EINVAL;
    memcpy(out, s, len + 1);
    return NAAP_OK;
}

/* libjwt 1.10 validates no claim at all (NOTES-LIBRARIES.md): types and times here. */
static int check_claims(jwt_t *jwt, int64_t now_s, bool check_exp, naap_jwt_claims *out)
{
    char *text = jwt_get_grants_json(jwt, NULL);
    json_t *claims = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
    int rc = NAAP_EINVAL;

    free(text);
    if (!json_is_object(claims))
        goto out;
    json_t *iat = json_object_get(claims, "iat"), *exp = json_object_get(claims, "exp");
    json_t *nbf = json_object_get(claims, "nbf");
    if (!json_is_integer(iat) || !json_is_integer(exp) || (nbf && !json_is_integer(nbf)))
        goto out;
    out->iat = json_integer_value(iat);
    out->exp = json_integer_value(exp);
    if (out->iat > now_s + SKEW_S || out->exp <= out->iat)
        goto out;
    if (check_exp && now_s >= out->exp)
        goto out;
    if (nbf && json_integer_value(nbf) > now_s + SKEW_S)
        goto out;
    if (copy_claim(claims, "sub", out->sub) != NAAP_OK ||
        copy_claim(claims, "sid", out->sid) != NAAP_OK)
        goto out;
    rc = NAAP_OK;
out:
    json_decref(claims);
    return rc;
}

int naap_jwt_verify(const char *secret, size_t secret_len, const char *token, int64_t now_s,
                    bool check_exp, naap_jwt_claims *out)
{
    jwt_t *jwt = NULL;
    int rc = NAAP_EINVAL;

    size_t len = strnlen(token, NAAP_JWT_MAX_LEN + 1);
    const char *dot1 = memchr(token, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
    if (len > NAAP_JWT_MAX_LEN || !dot1 || !dot2 || dot1 == token || dot2 == dot1 + 1 ||
        strchr(dot2 + 1, '.'))
        return NAAP_EINVAL;
    if (!signature_ok(secret, secret_len, token, (size_t)(dot2 - token), dot2 + 1))
        return NAAP_EINVAL;
    /* the header's alg decides what libjwt checks: anything but HS256 is refused even
     * though the signature above already matched */
    if (jwt_decode(&jwt, token, (const unsigned char *)secret, (int)secret_len) != 0 || !jwt ||
        jwt_get_alg(jwt) != JWT_ALG_HS256)
        goto out;
    rc = check_claims(jwt, now_s, check_exp, out);
out:
    jwt_free(jwt);
    return rc;
}
