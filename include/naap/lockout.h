#ifndef NAAP_LOCKOUT_H
#define NAAP_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

/* Login lockout per (email, client IP) (decisions.md 4): 5 failures within 15 minutes of
 * the pair's first one lock that pair for 30 minutes; the failure that reaches 5 is itself
 * answered as locked. Kept in naapd's table naapd_login_lockout (migration 0003). Every
 * attempt is also logged, as upstream did, in its "LoginAttempt" table. */

#define NAAP_LOCKOUT_MAX_FAILURES 5
#define NAAP_LOCKOUT_WINDOW_MS (15LL * 60 * 1000)
#define NAAP_LOCKOUT_DURATION_MS (30LL * 60 * 1000)

/**
 * Sets *locked_until_ms to the end of the pair's lock, or 0 when it is not locked at
 * now_ms. Store errors.
 */
int naap_lockout_check(const char *email, const char *ip, int64_t now_ms, int64_t *locked_until_ms);

/**
 * Counts a failed login of the pair at now_ms: *failures in the current window, and
 * *locked_until_ms the lock's end when this failure locked the pair (else 0).
 */
int naap_lockout_fail(const char *email, const char *ip, int64_t now_ms, int *failures,
                      int64_t *locked_until_ms);

/** Forgets the failures of the pair (a success), or of every pair of email if ip is NULL. */
int naap_lockout_clear(const char *email, const char *ip);

/** Logs one login attempt of email from ip (user_id NULL for an unknown email). */
int naap_lockout_record_attempt(const char *email, const char *ip, bool success,
                                const char *user_id, int64_t now_ms);

#endif
