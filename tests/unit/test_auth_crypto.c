/* Pure auth code: password formats, JWT signing and verification, hex and constant-time
 * helpers, session ids, form encoding. */
#include "check.h"
#include "naap/arena.h"
#include "naap/crypto.h"
#include "naap/errors.h"
#include "naap/http_client.h"
#include "naap/jwt.h"
#include "naap/password.h"
#include "naap/session.h"

#include <jwt.h>
#include <stdlib.h>

static const char secret[] = "0123456789abcdef0123456789abcdef";
#define NOW 1770576339LL

/* ---- passwords ----------------------------------------------------------------------- */

/* Computed with Python: hashlib.pbkdf2_hmac('sha512', pw, salt_hex.encode(), 10000, 64) */
static const char legacy_hash[] =
    "0123456789abcdef0123456789abcdef:"
    "645bf7e70a421dff2ae56e28c50ae4f9c5f5b76a9d47f5e1da06e9c96e95e0d706e6ff9e37e87f6b76109e722c"
    "880f43cbfab3cce3e4f3637b73d0acf7414e31";
static const char legacy_utf8[] =
    "00112233445566778899aabbccddeeff:"
    "78c8e982d57da2abfeee9f87a4b5de18446bfd6d608ee2b54064d211dfded7227488fca8f5c7f0f9c0d0f62c0d"
    "ab9ab54fe2c558c063122a7a315aaf6a59e061";
/* pbkdf2_hmac('sha512', b'secret-pw', bytes.fromhex(salt), 1000, 64): the salt decoded */
static const char current_hash[] =
    "pbkdf2-sha512$1000$000102030405060708090a0b0c0d0e0f$"
    "6edde4a8cda675980cd68c1946660ee56e8180b23d1dd10553e63d5ee70d69f10e5e68635a2163775fbe58e24b"
    "ad9aaea6e7487492ad46eee1edfe65d58c40d6";

static void test_password_legacy(void)
{
    bool rehash = false;
    CHECK(naap_password_verify("password1", legacy_hash, 210000, &rehash));
    CHECK(rehash); /* every legacy hash is upgraded on a successful login */
    CHECK(!naap_password_verify("password2", legacy_hash, 210000, &rehash));
    CHECK(!rehash);
    CHECK(naap_password_verify("p\xc3\xa4ssw\xc3\xb6rd", legacy_utf8, 210000, &rehash));

    /* upstream splits on ':' and uses the first two parts */
    char extra[sizeof(legacy_hash) + 8];
    snprintf(extra, sizeof(extra), "%s:junk", legacy_hash);
    CHECK(naap_password_verify("password1", extra, 210000, &rehash));

    /* anything else never matches and never crashes */
    const char *bad[] = {"",
                         ":",
                         "abc:",
                         ":abc",
                         "0123456789abcdef0123456789abcdef",
                         "0123456789abcdef0123456789abcdef:645bf7",
                         "pbkdf2-sha512$",
                         "pbkdf2-sha512$abc$00$00",
                         "pbkdf2-sha512$0$00$00",
                         "pbkdf2-sha512$99999999999$00$00",
                         "pbkdf2-sha512$1000$$00",
                         "pbkdf2-sha512$1000$zz$00",
                         "pbkdf2-sha512$1000$001$00",
                         "pbkdf2-sha512$1000$0011",
                         NULL};
    for (int i = 0; bad[i]; i++)
        CHECK(!naap_password_verify("password1", bad[i], 1000, &rehash));
    CHECK(!naap_password_verify("password1", NULL, 1000, &rehash));
    /* upper-case key hex: upstream compared lowercase text, so it never matched */
    char upper[sizeof(legacy_hash)];
    memcpy(upper, legacy_hash, sizeof(legacy_hash));
    for (char *p = upper + 33; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 32);
    CHECK(!naap_password_verify("password1", upper, 1000, &rehash));
}

static void test_password_current(void)
{
    char hash[NAAP_PASSWORD_HASH_MAX], other[NAAP_PASSWORD_HASH_MAX];
    bool rehash = true;

    CHECK(naap_password_verify("secret-pw", current_hash, 1000, &rehash));
    CHECK(!rehash);
    CHECK(naap_password_verify("secret-pw", current_hash, 2000, &rehash));
    CHECK(rehash); /* fewer rounds than configured now */
    CHECK(!naap_password_verify("secret-pw!", current_hash, 1000, &rehash));

    CHECK(naap_password_hash("hunter22", 1000, hash) == NAAP_OK);
    CHECK(strncmp(hash, "pbkdf2-sha512$1000$", 19) == 0);
    CHECK(strlen(hash) == 19 + 32 + 1 + 128);
    CHECK(naap_password_verify("hunter22", hash, 1000, &rehash) && !rehash);
    CHECK(!naap_password_verify("hunter23", hash, 1000, &rehash));
    CHECK(naap_password_hash("hunter22", 1000, other) == NAAP_OK);
    CHECK(strcmp(hash, other) != 0); /* fresh salt each time */
    CHECK(naap_password_hash("x", 0, hash) == NAAP_EINVAL);
    CHECK(naap_password_hash("x", NAAP_PASSWORD_MAX_ITERATIONS + 1, hash) == NAAP_EINVAL);

    CHECK(naap_password_js_length("12345678") == 8);
    CHECK(naap_password_js_length("\xc3\xa4\xc3\xa4\xc3\xa4") == 3);         /* äää */
    CHECK(naap_password_js_length("\xf0\x9f\x98\x80\xf0\x9f\x98\x80") == 4); /* 2 emoji */
    CHECK(naap_password_js_length("") == 0);
}

/* ---- JWT ----------------------------------------------------------------------------- */

static char *sign_with(jwt_alg_t alg, const char *key, const char *exp_text, long exp)
{
    jwt_t *j = NULL;
    jwt_new(&j);
    jwt_set_alg(j, alg, (const unsigned char *)key, key ? (int)strlen(key) : 0);
    jwt_add_grant(j, "sub", "user-1");
    jwt_add_grant(j, "sid", "sid-1");
    jwt_add_grant_int(j, "iat", NOW - 10);
    if (exp_text)
        jwt_add_grant(j, "exp", exp_text);
    else
        jwt_add_grant_int(j, "exp", exp);
    char *t = jwt_encode_str(j);
    jwt_free(j);
    return t;
}

static void test_jwt(void)
{
    naap_jwt_claims c = {0}, out;
    snprintf(c.sub, sizeof(c.sub), "user-1");
    snprintf(c.sid, sizeof(c.sid), "sid-1");
    c.iat = NOW;
    c.exp = NOW + 3600;

    char *t = naap_jwt_sign(secret, strlen(secret), &c);
    CHECK(t != NULL);
    CHECK(naap_jwt_shaped(t));
    CHECK(naap_jwt_verify(secret, strlen(secret), t, NOW + 1, true, &out) == NAAP_OK);
    CHECK_STR(out.sub, "user-1");
    CHECK_STR(out.sid, "sid-1");
    CHECK(out.iat == NOW && out.exp == NOW + 3600);

    /* exp checked here, libjwt does not: at exp the token is dead */
    CHECK(naap_jwt_verify(secret, strlen(secret), t, NOW + 3600, true, &out) == NAAP_EINVAL);
    CHECK(naap_jwt_verify(secret, strlen(secret), t, NOW + 3600, false, &out) == NAAP_OK);
    /* issued in the future (beyond skew) */
    CHECK(naap_jwt_verify(secret, strlen(secret), t, NOW - 3600, true, &out) == NAAP_EINVAL);
    /* wrong key */
    CHECK(naap_jwt_verify("another-secret-another-secret-xx", 32, t, NOW, true, &out) ==
          NAAP_EINVAL);

    /* truncated anywhere, tampered, extra segments, garbage */
    size_t len = strlen(t);
    char buf[NAAP_JWT_MAX_LEN + 16];
    for (size_t cut = 0; cut < len; cut += 7) {
        memcpy(buf, t, cut);
        buf[cut] = '\0';
        CHECK(naap_jwt_verify(secret, strlen(secret), buf, NOW, true, &out) == NAAP_EINVAL);
    }
    memcpy(buf, t, len + 1);
    char *payload = strchr(buf, '.') + 1;
    payload[3] = payload[3] == 'A' ? 'B' : 'A';
    CHECK(naap_jwt_verify(secret, strlen(secret), buf, NOW, true, &out) == NAAP_EINVAL);
    snprintf(buf, sizeof(buf), "%s.x", t);
    CHECK(naap_jwt_verify(secret, strlen(secret), buf, NOW, true, &out) == NAAP_EINVAL);
    const char *garbage[] = {"", ".", "..", "a.b.c", "not a token", "eyJ.eyJ.", "\xff.\xfe.\xfd"};
    for (size_t i = 0; i < sizeof(garbage) / sizeof(*garbage); i++)
        CHECK(naap_jwt_verify(secret, strlen(secret), garbage[i], NOW, true, &out) == NAAP_EINVAL);
    memset(buf, 'a', NAAP_JWT_MAX_LEN + 8);
    buf[10] = buf[20] = '.';
    buf[NAAP_JWT_MAX_LEN + 8] = '\0';
    CHECK(naap_jwt_verify(secret, strlen(secret), buf, NOW, true, &out) == NAAP_EINVAL);
    free(t);

    /* alg none, and other HMAC algorithms under the same key */
    t = sign_with(JWT_ALG_NONE, NULL, NULL, NOW + 3600);
    CHECK(t && naap_jwt_verify(secret, strlen(secret), t, NOW, true, &out) == NAAP_EINVAL);
    free(t);
    t = sign_with(JWT_ALG_HS512, secret, NULL, NOW + 3600);
    CHECK(t && naap_jwt_verify(secret, strlen(secret), t, NOW, true, &out) == NAAP_EINVAL);
    free(t);
    t = sign_with(JWT_ALG_HS384, secret, NULL, NOW + 3600);
    CHECK(t && naap_jwt_verify(secret, strlen(secret), t, NOW, true, &out) == NAAP_EINVAL);
    free(t);
    /* HS256 by libjwt itself verifies; a claim of the wrong type does not */
    t = sign_with(JWT_ALG_HS256, secret, NULL, NOW + 3600);
    CHECK(t && naap_jwt_verify(secret, strlen(secret), t, NOW, true, &out) == NAAP_OK);
    free(t);
    t = sign_with(JWT_ALG_HS256, secret, "9999999999", 0);
    CHECK(t && naap_jwt_verify(secret, strlen(secret), t, NOW, true, &out) == NAAP_EINVAL);
    free(t);

    CHECK(!naap_jwt_shaped("0123abcd"));
    CHECK(!naap_jwt_shaped("jwt-0x12345678-1700000000000"));
}

/* ---- helpers ------------------------------------------------------------------------- */

static void test_hex_and_compare(void)
{
    unsigned char out[8];
    CHECK(naap_hex_decode_prefix("00ABff", out, sizeof(out)) == 3);
    CHECK(out[0] == 0 && out[1] == 0xab && out[2] == 0xff);
    CHECK(naap_hex_decode_prefix("abzz12", out, sizeof(out)) == 1); /* stops at "zz" */
    CHECK(naap_hex_decode_prefix("abc", out, sizeof(out)) == 1);    /* odd digit ignored */
    CHECK(naap_hex_decode_prefix("", out, sizeof(out)) == 0);
    CHECK(naap_hex_decode_prefix("0011223344556677889900", out, 4) == 4);

    CHECK(naap_ct_equal("abc", "abc", 3));
    CHECK(!naap_ct_equal("abc", "abd", 3));
    CHECK(naap_ct_equal("", "", 0));

    char digest[NAAP_HEX64_SIZE];
    naap_sha256_hex("abc", 3, digest);
    CHECK_STR(digest, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_sids(void)
{
    char a[NAAP_SESSION_SID_LEN + 1], b[NAAP_SESSION_SID_LEN + 1];
    naap_session_new_sid(a);
    naap_session_new_sid(b);
    CHECK(strlen(a) == 64 && strcmp(a, b) != 0);
    CHECK(strspn(a, "0123456789abcdef") == 64);
    CHECK(naap_session_sid_is_ours(a) && naap_session_sid_is_ours(b));
    a[0] = a[0] == '0' ? '1' : '0'; /* the tag no longer fits */
    CHECK(!naap_session_sid_is_ours(a));
    /* base-svc's tokens: random hex, wallet tokens */
    CHECK(!naap_session_sid_is_ours(
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
    CHECK(!naap_session_sid_is_ours("jwt-0x12345678-1700000000000"));
    CHECK(!naap_session_sid_is_ours(""));
}

static void test_form_encode(void)
{
    naap_arena *a = naap_arena_new();
    CHECK_STR(naap_form_encode(a, "openid email profile"), "openid+email+profile");
    CHECK_STR(naap_form_encode(a, "user:email"), "user%3Aemail");
    CHECK_STR(naap_form_encode(a, "http://x/a?b=c&d"), "http%3A%2F%2Fx%2Fa%3Fb%3Dc%26d");
    CHECK_STR(naap_form_encode(a, "aZ09*-._~"), "aZ09*-._%7E");
    CHECK_STR(naap_form_encode(a, "eyJ+/="), "eyJ%2B%2F%3D");
    CHECK_STR(naap_form_encode(a, "\xc3\xa4"), "%C3%A4");
    naap_arena_free(a);
}

/* issue 10 item 7: a login costs the same PBKDF2 work whatever is stored (a legacy hash
 * verified in 10 000 rounds, 20 times faster than an unknown email's burn) */
static long long cost(const char *password, const char *stored, int want)
{
    bool rehash;
    long long before = naap_password_rounds();
    naap_password_verify(password, stored, want, &rehash);
    return naap_password_rounds() - before;
}

static void test_password_equal_cost(void)
{
    char hash[NAAP_PASSWORD_HASH_MAX];
    long long before = naap_password_rounds();
    naap_password_burn("password1", 50000); /* an unknown email */
    CHECK(naap_password_rounds() - before == 50000);
    CHECK(cost("password1", legacy_hash, 50000) == 50000);
    CHECK(cost("wrong", legacy_hash, 50000) == 50000);
    CHECK(cost("secret-pw", current_hash, 50000) == 50000);
    CHECK(cost("wrong", current_hash, 50000) == 50000);
    CHECK(cost("wrong", "not a hash", 50000) == 50000);
    CHECK(cost("wrong", "pbkdf2-sha512$x$00$00", 50000) == 50000);
    CHECK(cost("wrong", NULL, 50000) == 50000);
    CHECK(naap_password_hash("pw", 60000, hash) == NAAP_OK);
    CHECK(cost("wrong", hash, 50000) == 60000); /* more rounds than configured: its own */
}

int main(void)
{
    test_password_equal_cost();
    test_password_legacy();
    test_password_current();
    test_jwt();
    test_hex_and_compare();
    test_sids();
    test_form_encode();
    return check_report("test_auth_crypto");
}
