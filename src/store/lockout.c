#include "naap/lockout.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/db.h"
#include "naap/errors.h"

#include <stdio.h>
#include <stdlib.h>

/* Rows idle this long hold nothing worth keeping (the window and any lock are over). */
#define IDLE_MS (60LL * 60 * 1000)
/* One failure in this many also sweeps idle rows, so the table stays the size of the
 * current attack surface without a timer. */
#define PRUNE_ONE_IN 64

int naap_lockout_check(const char *email, const char *ip, int64_t now_ms, int64_t *locked_until_ms)
{
    char now[NAAP_ISO8601_SIZE];
    naap_db_rows *rows = NULL;

    naap_clock_iso8601(now_ms, now);
    const char *params[] = {email, ip, now};
    int rc = naap_db_query("SELECT floor(extract(epoch FROM \"lockedUntil\") * 1000)::bigint "
                           "FROM {naapd}.naapd_login_lockout WHERE email = $1 AND \"ipAddress\" = $2 "
                           "AND \"lockedUntil\" > $3",
                           3, params, &rows);
    *locked_until_ms = 0;
    if (rc == NAAP_OK && naap_db_rows_count(rows) > 0)
        *locked_until_ms = strtoll(naap_db_value(rows, 0, 0), NULL, 10);
    naap_db_rows_free(rows);
    return rc;
}

static int prune(int64_t now_ms)
{
    unsigned char dice;
    char now[NAAP_ISO8601_SIZE], idle[NAAP_ISO8601_SIZE];

    naap_random_bytes(&dice, 1);
    if (dice % PRUNE_ONE_IN != 0)
        return NAAP_OK;
    naap_clock_iso8601(now_ms, now);
    naap_clock_iso8601(now_ms - IDLE_MS, idle);
    const char *params[] = {idle, now};
    /* its error matters: inside the caller's transaction it would abort the rest */
    return naap_db_query("DELETE FROM {naapd}.naapd_login_lockout WHERE \"updatedAt\" < $1 "
                         "AND (\"lockedUntil\" IS NULL OR \"lockedUntil\" < $2)",
                         2, params, NULL);
}

/* One atomic upsert, so concurrent failures of a pair count exactly. A pair that is still
 * locked (a failure that raced the lock) keeps its lock; a window that is over, or a lock
 * that has ended, starts counting again from one. */
int naap_lockout_fail(const char *email, const char *ip, int64_t now_ms, int *failures,
                      int64_t *locked_until_ms)
{
    char now[NAAP_ISO8601_SIZE], window_floor[NAAP_ISO8601_SIZE], lock_end[NAAP_ISO8601_SIZE],
        max[8];
    naap_db_rows *rows = NULL;

    naap_clock_iso8601(now_ms, now);
    naap_clock_iso8601(now_ms - NAAP_LOCKOUT_WINDOW_MS, window_floor);
    naap_clock_iso8601(now_ms + NAAP_LOCKOUT_DURATION_MS, lock_end);
    snprintf(max, sizeof(max), "%d", NAAP_LOCKOUT_MAX_FAILURES);
    const char *params[] = {email, ip, now, window_floor, lock_end, max};
    int rc = naap_db_query(
        "INSERT INTO {naapd}.naapd_login_lockout AS l (email, \"ipAddress\", failures, \"windowStart\", "
        "\"updatedAt\") VALUES ($1, $2, 1, $3, $3) "
        "ON CONFLICT (email, \"ipAddress\") DO UPDATE SET "
        "failures = CASE WHEN l.\"lockedUntil\" > $3 THEN l.failures "
        "  WHEN l.\"windowStart\" < $4 OR l.\"lockedUntil\" IS NOT NULL THEN 1 "
        "  ELSE l.failures + 1 END, "
        "\"windowStart\" = CASE WHEN l.\"lockedUntil\" > $3 THEN l.\"windowStart\" "
        "  WHEN l.\"windowStart\" < $4 OR l.\"lockedUntil\" IS NOT NULL THEN $3 "
        "  ELSE l.\"windowStart\" END, "
        "\"lockedUntil\" = CASE WHEN l.\"lockedUntil\" > $3 THEN l.\"lockedUntil\" "
        "  WHEN l.\"windowStart\" < $4 OR l.\"lockedUntil\" IS NOT NULL THEN NULL "
        "  WHEN l.failures + 1 >= $6::int THEN $5 ELSE NULL END, "
        "\"updatedAt\" = $3 "
        "RETURNING failures, floor(extract(epoch FROM \"lockedUntil\") * 1000)::bigint",
        6, params, &rows);
    *failures = 0;
    *locked_until_ms = 0;
    if (rc == NAAP_OK && naap_db_rows_count(rows) > 0) {
        *failures = atoi(naap_db_value(rows, 0, 0));
        const char *until = naap_db_value(rows, 0, 1);
        *locked_until_ms = until ? strtoll(until, NULL, 10) : 0;
    }
    naap_db_rows_free(rows);
    return rc == NAAP_OK ? prune(now_ms) : rc;
}

int naap_lockout_clear(const char *email, const char *ip)
{
    const char *params[] = {email, ip};
    if (!ip)
        return naap_db_query("DELETE FROM {naapd}.naapd_login_lockout WHERE email = $1", 1, params, NULL);
    return naap_db_query("DELETE FROM {naapd}.naapd_login_lockout WHERE email = $1 AND \"ipAddress\" = $2",
                         2, params, NULL);
}

int naap_lockout_record_attempt(const char *email, const char *ip, bool success,
                                const char *user_id, int64_t now_ms)
{
    char id[NAAP_UUID_SIZE], now[NAAP_ISO8601_SIZE];

    naap_uuid_v4(id);
    naap_clock_iso8601(now_ms, now);
    return naap_db_exec("INSERT INTO \"LoginAttempt\" (id, email, \"ipAddress\", success, "
                        "\"userId\", \"createdAt\") VALUES ($1, $2, $3, $4, $5, $6)",
                        NAAP_PARAMS(id, email, ip, success ? "true" : "false", user_id, now), NULL);
}
