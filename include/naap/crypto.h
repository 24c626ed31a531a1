#ifndef NAAP_CRYPTO_H
#define NAAP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes of a hyphenated UUID (36 characters) and NUL. */
#define NAAP_UUID_SIZE 37
/* Bytes of 64 hex digits (a SHA-256 digest, a 32-byte random token) and NUL. */
#define NAAP_HEX64_SIZE 65

/** Fills buf with len bytes from the kernel CSPRNG; aborts if it cannot (never weakens). */
void naap_random_bytes(void *buf, size_t len);
/** Value of one hex digit (either case), or -1. */
int naap_hex_digit(int c);
/** Writes len bytes as 2*len lowercase hex digits plus NUL into out. */
void naap_hex_encode(const unsigned char *in, size_t len, char *out);
/** Writes a lowercase, hyphenated UUID v4 (36 chars + NUL). */
void naap_uuid_v4(char out[NAAP_UUID_SIZE]);
/**
 * Decodes hex the way Node's Buffer.from(s, "hex") does (api.md 1.5): pairs of either
 * case up to the first pair that is not hex, an odd last digit ignored. Writes at most
 * cap bytes and returns how many were written.
 */
size_t naap_hex_decode_prefix(const char *hex, unsigned char *out, size_t cap);
/** True if the len bytes at a and b are equal, in time that depends only on len. */
bool naap_ct_equal(const void *a, const void *b, size_t len);
#define NAAP_SHA256_LEN 32
/** SHA-256 of len bytes at data. */
void naap_sha256(const void *data, size_t len, unsigned char out[NAAP_SHA256_LEN]);
/** SHA-256 of len bytes at data as 64 lowercase hex digits plus NUL. */
void naap_sha256_hex(const void *data, size_t len, char out[NAAP_HEX64_SIZE]);

#endif
