#include "naap/crypto.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

void naap_random_bytes(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            abort(); /* tokens must never come from a weaker source */
        }
        p += n;
        len -= (size_t)n;
    }
}

void naap_hex_encode(const unsigned char *in, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

void naap_uuid_v4(char out[NAAP_UUID_SIZE])
{
    unsigned char b[16];
    char hex[33];

    naap_random_bytes(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    naap_hex_encode(b, sizeof(b), hex);
    size_t o = 0;
    for (size_t i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[o++] = '-';
        out[o++] = hex[i];
    }
    out[o] = '\0';
}

int naap_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t naap_hex_decode_prefix(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = 0;
    while (n < cap && hex[0] && hex[1]) {
        int hi = naap_hex_digit(hex[0]), lo = naap_hex_digit(hex[1]);
        if (hi < 0 || lo < 0)
            break;
        out[n++] = (unsigned char)(hi << 4 | lo);
        hex += 2;
    }
    return n;
}

bool naap_ct_equal(const void *a, const void *b, size_t len)
{
    return CRYPTO_memcmp(a, b, len) == 0;
}

/* OpenSSL 3 looks an EVP_sha256() up in its provider tables on every use; it runs a few
 * times per request (session and CSRF keys, the per-process session tables), so it is
 * fetched once (issue 15). */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
    if (!(sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL)))
        abort();
}

void naap_sha256(const void *data, size_t len, unsigned char out[NAAP_SHA256_LEN])
{
    unsigned int mdlen = 0;
    pthread_once(&sha256_once, fetch_sha256);
    if (EVP_Digest(data, len, out, &mdlen, sha256_md, NULL) != 1 || mdlen != NAAP_SHA256_LEN)
        abort(); /* only out of memory gets here; a wrong digest would mix up keys */
}

void naap_sha256_hex(const void *data, size_t len, char out[NAAP_HEX64_SIZE])
{
    unsigned char md[NAAP_SHA256_LEN];
    naap_sha256(data, len, md);
    naap_hex_encode(md, sizeof(md), out);
}
