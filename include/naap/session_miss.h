#ifndef NAAP_SESSION_MISS_H
#define NAAP_SESSION_MISS_H

#include <stdbool.h>
#include <stdint.h>

#include "naap/crypto.h"

/* Negative lookups of session tokens, remembered briefly in this process: a client that
 * keeps presenting a token with no Session row (an old legacy token, or random ones)
 * costs one PostgreSQL query per token and lifetime, not one per request. Kept in memory,
 * not Redis, so a flood of random tokens cannot grow Redis; the table is fixed-size (a
 * newer miss overwrites an older one in its slot) and stores digests, never tokens. */

/** SHA-256 of sid into digest, and a slot index below count taken from it. */
uint32_t naap_session_sid_slot(const char *sid, unsigned char digest[NAAP_SHA256_LEN],
                               uint32_t count);

/** Remembers that sid had no row at now_ms, for ttl_ms. */
void naap_session_miss_put(const char *sid, int64_t now_ms, int64_t ttl_ms);
/** True if sid is remembered as having no row at now_ms. */
bool naap_session_miss_has(const char *sid, int64_t now_ms);

#endif
