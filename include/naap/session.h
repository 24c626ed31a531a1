#ifndef NAAP_SESSION_H
#define NAAP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "naap/config.h"
#include "naap/crypto.h"
#include "naap/jwt.h"

/* Session rows (table "Session", api.md 3.1) and their Redis cache. A row's token is the
 * JWT's sid (or, for a base-svc session, the opaque bearer itself). Validation reads the
 * row through Redis with a lifetime of at most SESSION_CACHE_TTL (<= 5 s), so a row
 * deleted by anyone stops working within 5 s; naapd's own revocations also leave a
 * tombstone in Redis so they take effect at once on every worker and host. Without
 * Redis every check goes to PostgreSQL. */

#define NAAP_SESSION_TTL_MS (24LL * 3600 * 1000)
#define NAAP_SESSION_SID_LEN 64

typedef struct naap_session {
    char user_id[NAAP_JWT_CLAIM_MAX + 1];
    char sid[NAAP_JWT_CLAIM_MAX + 1]; /* Session.token */
    int64_t expires_ms;
    bool legacy; /* presented as an opaque token, not a JWT */
} naap_session;

/**
 * Derives the logout tombstone's lifetime from cfg's PostgreSQL and Redis timeouts (the
 * longest a session check can take to write back what it read); 30 s before the call.
 */
void naap_session_init(const naap_config *cfg);

/** Writes a new sid: 64 hex digits whose last 16 mark it as naapd's (see session.c). */
void naap_session_new_sid(char out[NAAP_SESSION_SID_LEN + 1]);
/** True if sid was made by naap_session_new_sid (it must then arrive inside a JWT). */
bool naap_session_sid_is_ours(const char *sid);

/**
 * Inserts a Session row for user_id valid for 24 h from now_ms, in the current
 * transaction if one is open. Fills *out. Store errors as naap_db_query.
 */
int naap_session_create(const char *user_id, int64_t now_ms, naap_session *out);

/** The one Redis command naap_session_check(sid, ...) sends first on a cached path. */
typedef struct naap_session_call {
    char key[128];
    const char *argv[2];
} naap_session_call;

/**
 * Fills call with the command naap_session_check(sid, now_ms, cache_ttl_ms, ...) will
 * send first, for a read-ahead (naap/redis_prefetch.h); false when it sends none (no
 * session cache, or sid known to have no row).
 */
bool naap_session_plan(const char *sid, int64_t now_ms, int cache_ttl_ms, naap_session_call *call);

/**
 * Checks the row of sid at now_ms, through the Redis cache when cache_ttl_ms > 0 (the
 * longest an entry may live). Returns 0 with user id and expiry in *out; NAAP_ENOTFOUND
 * if there is none or it expired (an expired row is deleted); store errors otherwise.
 * Bumps lastUsedAt at most once a minute.
 */
int naap_session_check(const char *sid, int64_t now_ms, int cache_ttl_ms, naap_session *out);

/**
 * Moves the expiry of sid's row to now_ms + 24 h (refresh). Returns 0 with the new
 * expiry in *out and the row's id in row_id, NAAP_ENOTFOUND if the row is gone.
 */
int naap_session_extend(const char *sid, int64_t now_ms, naap_session *out,
                        char row_id[NAAP_UUID_SIZE]);

/**
 * Drops sid's cached row after a committed change to it (refresh), so the next check
 * reads the new expiry instead of the old one for up to 5 s more.
 */
void naap_session_uncache(const char *sid);

/** Deletes the rows of sid (logout), then forgets it everywhere (cache and CSRF). */
int naap_session_delete(const char *sid);

/**
 * Deletes every row of user_id in the current transaction; *sids (malloc'd array of
 * malloc'd strings, free with naap_session_sids_free) receives their tokens, to pass to
 * naap_session_forget once the transaction has committed.
 */
int naap_session_delete_user(const char *user_id, char ***sids, int *count);
/** Frees what naap_session_delete_user returned. */
void naap_session_sids_free(char **sids, int count);

/** Makes a deleted sid fail at once on every worker: tombstone in Redis, CSRF token gone. */
void naap_session_forget(const char *sid);

#endif
