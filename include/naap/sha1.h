#ifndef NAAP_SHA1_H
#define NAAP_SHA1_H

#include <stddef.h>

/* SHA-1 for identifiers, never for security: ETags (the hash Express's `etag` uses, so
 * naapd's validators have the same shape as base-svc's), Lua script digests for EVALSHA
 * and short names for long cache keys. */

#define NAAP_SHA1_LEN 20

/** Writes the SHA-1 digest of len bytes at data into out. */
void naap_sha1(const void *data, size_t len, unsigned char out[NAAP_SHA1_LEN]);

#endif
