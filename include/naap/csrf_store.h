#ifndef NAAP_CSRF_STORE_H
#define NAAP_CSRF_STORE_H

/* CSRF tokens (api.md 1.5 as amended by decisions.md 6). A token is 64 lowercase hex
 * digits bound to a session (its sid, so it survives a refresh that re-signs the JWT)
 * for 24 h from issue. They live in Redis, shared by every worker and host; while Redis
 * cannot be reached a per-process map stands in. */

#include <stddef.h>

#define NAAP_CSRF_TTL_S (24 * 3600)
#define NAAP_CSRF_LEN 64
#define NAAP_CSRF_KEY_MAX 80 /* naap:csrf:<sha256 hex>, with its NUL */

/**
 * The token bound to sid, minting one if none is (or it expired), and renews its 24 h in
 * Redis. Writes it into out. Never fails: without Redis the token is kept in this
 * process's memory, and then the answer being computed is not cached (naap_cache_taint).
 * A token newly put in Redis drops the session's cached answers, which showed another.
 */
void naap_csrf_issue(const char *sid, char out[NAAP_CSRF_LEN + 1]);

/** The Redis key of sid's token (NAAP_CSRF_KEY_MAX bytes), for answers that show it. */
void naap_csrf_key(const char *sid, char out[NAAP_CSRF_KEY_MAX]);

/**
 * Checks a client's token against the one bound to sid (hex-decoded as Node does, upper
 * case accepted, compared in constant time). Returns 0 if it matches Redis's token or
 * one this process minted while Redis was away; NAAP_EINVAL if it matches neither or
 * none is bound; NAAP_EUNAVAILABLE if Redis cannot say and this process holds none.
 */
int naap_csrf_verify(const char *sid, const char *sent);

/** Unbinds sid's token (logout, revocation) in Redis and in this process. */
void naap_csrf_revoke(const char *sid);

#endif
