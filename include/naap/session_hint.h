#ifndef NAAP_SESSION_HINT_H
#define NAAP_SESSION_HINT_H

#include <stdbool.h>
#include <stddef.h>

/* Which user a session token belonged to when this process last checked it. A Session
 * row's userId never changes, so this predicts whose answer a request with an opaque
 * token will ask the response cache for, before the session check has said so: a guess
 * for a read-ahead (naap/redis_prefetch.h), never an answer. Being wrong (a slot taken
 * by another token, a row deleted since) only costs the round trip it would have saved.
 * Fixed-size, digests only, never tokens. */

#define NAAP_SESSION_HINT_USER_MAX 48 /* longer ids are simply not remembered */

/** Remembers that sid belongs to user_id. */
void naap_session_hint_put(const char *sid, const char *user_id);
/** Copies the user sid was last seen with into user (cap bytes); false if unknown. */
bool naap_session_hint_get(const char *sid, char *user, size_t cap);

#endif
