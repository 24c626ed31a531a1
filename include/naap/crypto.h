#ifndef NAAP_CRYPTO_H
#define NAAP_CRYPTO_H

#include <stddef.h>

/** Fills buf with len bytes from the kernel CSPRNG; aborts if it cannot (never weakens). */
void naap_random_bytes(void *buf, size_t len);
/** Writes len bytes as 2*len lowercase hex digits plus NUL into out. */
void naap_hex_encode(const unsigned char *in, size_t len, char *out);
/** Writes a lowercase, hyphenated UUID v4 (36 chars + NUL). */
void naap_uuid_v4(char out[37]);

#endif
