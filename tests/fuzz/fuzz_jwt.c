/* Bearer JWT verification (issue 16). Each input is verified as it is (forgeries), and its first
 * two segments re-signed with the server's key, so that header and claim parsing behind the
 * signature check are reached too. A token that verifies must carry claims that fit and
 * must not have expired. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "naap/jwt.h"

static const char secret[] = "fuzz-secret-0123456789abcdef0123456789abcdef";

static void b64url(const unsigned char *in, size_t len, char *out)
{
    int n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    for (int i = 0; i < n; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    while (n > 0 && out[n - 1] == '=')
        n--;
    out[n] = '\0';
}

static void check(const char *token)
{
    naap_jwt_claims c;
    (void)naap_jwt_shaped(token);
    if (naap_jwt_verify(secret, sizeof(secret) - 1, token, 1700000000, true, &c) == 0) {
        if (strlen(c.sub) > NAAP_JWT_CLAIM_MAX || strlen(c.sid) > NAAP_JWT_CLAIM_MAX)
            abort();
        if (c.exp <= 1700000000)
            abort(); /* expired tokens never verify */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *tok = malloc(size + 1);
    if (!tok)
        abort();
    memcpy(tok, data, size);
    tok[size] = '\0';
    naap_jwt_claims c;
    (void)naap_jwt_verify(secret, sizeof(secret) - 1, tok, 1700000000, false, &c);

    /* header.payload re-signed: everything up to the second '.' (or all of it) */
    char *dot = strchr(tok, '.');
    dot = dot ? strchr(dot + 1, '.') : NULL;
    size_t signed_len = dot ? (size_t)(dot - tok) : strlen(tok);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    HMAC(EVP_sha256(), secret, sizeof(secret) - 1, (const unsigned char *)tok, signed_len, mac,
         &maclen);
    char *resigned = malloc(signed_len + 2 + 4 * maclen / 3 + 4);
    if (!resigned)
        abort();
    memcpy(resigned, tok, signed_len);
    resigned[signed_len] = '.';
    b64url(mac, maclen, resigned + signed_len + 1);
    check(resigned);
    check(tok);
    free(resigned);
    free(tok);
    return 0;
}
