#include "naap/password.h"
#include "naap/crypto.h"
#include "naap/errors.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_LEN 64
#define SALT_LEN 16
#define PREFIX "pbkdf2-sha512$"

/* PBKDF2 rounds run by this thread, so tests can check every login costs the same work
 * without timing anything. */
static _Thread_local long long rounds_spent;

static void derive(const char *password, const unsigned char *salt, size_t salt_len, int iterations,
                   unsigned char key[KEY_LEN])
{
    rounds_spent += iterations;
    if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len, iterations,
                          EVP_sha512(), KEY_LEN, key) != 1)
        abort(); /* only allocation failure gets here: never answer "matches" or "differs" */
}

int naap_password_hash(const char *password, int iterations, char out[NAAP_PASSWORD_HASH_MAX])
{
    unsigned char salt[SALT_LEN], key[KEY_LEN];
    char salt_hex[2 * SALT_LEN + 1], key_hex[2 * KEY_LEN + 1];

    if (iterations < 1 || iterations > NAAP_PASSWORD_MAX_ITERATIONS)
        return NAAP_EINVAL;
    naap_random_bytes(salt, sizeof(salt));
    derive(password, salt, sizeof(salt), iterations, key);
    naap_hex_encode(salt, sizeof(salt), salt_hex);
    naap_hex_encode(key, sizeof(key), key_hex);
    snprintf(out, NAAP_PASSWORD_HASH_MAX, PREFIX "%d$%s$%s", iterations, salt_hex, key_hex);
    OPENSSL_cleanse(key, sizeof(key));
    return NAAP_OK;
}

/* The stored key is compared as hex text of a fixed length: a length mismatch says
 * nothing about the password, so failing early on it leaks nothing. */
static bool key_matches(const unsigned char key[KEY_LEN], const char *stored_hex, size_t len)
{
    char hex[2 * KEY_LEN + 1];
    if (len != 2 * KEY_LEN)
        return false;
    naap_hex_encode(key, KEY_LEN, hex);
    return naap_ct_equal(hex, stored_hex, len);
}

/* base-svc: split on ':' and use the first two parts; the salt is used as the ASCII text
 * of its hex, not decoded (api.md 3.1). */
static bool verify_legacy(const char *password, const char *stored)
{
    unsigned char key[KEY_LEN];
    const char *colon = strchr(stored, ':');
    if (!colon || colon == stored)
        return false;
    const char *hash = colon + 1;
    size_t hash_len = strcspn(hash, ":");
    if (hash_len == 0)
        return false;
    derive(password, (const unsigned char *)stored, (size_t)(colon - stored),
           NAAP_PASSWORD_LEGACY_ITERATIONS, key);
    bool ok = key_matches(key, hash, hash_len);
    OPENSSL_cleanse(key, sizeof(key));
    return ok;
}

static bool verify_current(const char *password, const char *stored, int *iterations)
{
    unsigned char salt[64], key[KEY_LEN];
    const char *p = stored + strlen(PREFIX);
    long rounds = 0;

    /* rounds: plain digits, bounded, so a tampered row cannot stall a worker */
    if (!isdigit((unsigned char)*p))
        return false;
    while (isdigit((unsigned char)*p)) {
        rounds = rounds * 10 + (*p++ - '0');
        if (rounds > NAAP_PASSWORD_MAX_ITERATIONS)
            return false;
    }
    if (rounds < 1 || *p++ != '$')
        return false;
    const char *salt_hex = p, *dollar = strchr(p, '$');
    if (!dollar)
        return false;
    size_t salt_hex_len = (size_t)(dollar - salt_hex);
    if (salt_hex_len == 0 || salt_hex_len % 2 || salt_hex_len > 2 * sizeof(salt) ||
        naap_hex_decode_prefix(salt_hex, salt, salt_hex_len / 2) != salt_hex_len / 2)
        return false;
    derive(password, salt, salt_hex_len / 2, (int)rounds, key);
    bool ok = key_matches(key, dollar + 1, strlen(dollar + 1));
    OPENSSL_cleanse(key, sizeof(key));
    *iterations = (int)rounds;
    return ok;
}

/* Every call costs at least want_iterations rounds whatever is stored: a legacy salt:hash
 * (10 000 rounds), a hash with fewer rounds, a malformed value or none would otherwise
 * answer up to 20 times faster and tell an attacker which accounts still hold a weak hash
 * (issue 10 item 7). Only a hash with more rounds than configured costs more. */
bool naap_password_verify(const char *password, const char *stored, int want_iterations,
                          bool *rehash)
{
    long long before = rounds_spent;
    int iterations = 0;
    bool ok = false;

    *rehash = false;
    if (password && stored && strncmp(stored, PREFIX, strlen(PREFIX)) == 0) {
        ok = verify_current(password, stored, &iterations);
        *rehash = ok && iterations < want_iterations;
    } else if (password && stored) {
        ok = verify_legacy(password, stored);
        *rehash = ok;
    }
    long long spent = rounds_spent - before;
    if (password && spent < want_iterations)
        naap_password_burn(password, (int)(want_iterations - spent));
    return ok;
}

void naap_password_burn(const char *password, int iterations)
{
    unsigned char salt[SALT_LEN] = {0}, key[KEY_LEN];
    derive(password, salt, sizeof(salt), iterations, key);
    OPENSSL_cleanse(key, sizeof(key));
}

long long naap_password_rounds(void)
{
    return rounds_spent;
}

size_t naap_password_js_length(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xc0) == 0x80)
            continue;              /* continuation byte */
        n += (*p >= 0xf0) ? 2 : 1; /* four-byte sequences are surrogate pairs in UTF-16 */
    }
    return n;
}
