/* The lastUsedAt touch of a session check (session.c), made by the same statement that reads
 * the row, commits without waiting for its WAL flush (issue 15), and only that transaction
 * does: a trigger on "Session" records the synchronous_commit each UPDATE ran under. Runs in a
 * database of its own on the PostgreSQL of the `stores` fixture ($NAAPD_TEST_STATE/env.json),
 * dropped at the end. */

#include "../unit/check.h"
#include "store_db.h"
#include "naap/arena.h"
#include "naap/clock.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static naap_config cfg;
static store_db db;

static const char *const schema_sql[] = {
    /* the columns session.c reads and writes, as migrations/0001_schema.sql has them */
    "CREATE TABLE \"Session\" (id text PRIMARY KEY, \"userId\" text NOT NULL, token text NOT "
    "NULL UNIQUE, \"expiresAt\" timestamp(3) NOT NULL, \"createdAt\" timestamp(3) NOT NULL "
    "DEFAULT CURRENT_TIMESTAMP, \"lastUsedAt\" timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    "CREATE TABLE touch_log (n serial, sync text)",
    "CREATE FUNCTION log_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO touch_log (sync) VALUES (current_setting('synchronous_commit')); "
    "RETURN NEW; END $$",
    "CREATE TRIGGER log_sync BEFORE UPDATE ON \"Session\" FOR EACH ROW EXECUTE FUNCTION "
    "log_sync()",
    "INSERT INTO \"Session\" (id, \"userId\", token, \"expiresAt\", \"lastUsedAt\") VALUES "
    "('s1', 'u1', 'tok-touch', now() + interval '1 day', '2020-01-01')",
    NULL,
};

static int setup(void)
{
    char sql[256];

    cfg.pg_statement_timeout_ms = 10000;
    cfg.pg_connect_timeout_s = 5;
    cfg.naapd_schema = "naapd";
    if (store_db_create(&db, &cfg, "naap_touch") != 0)
        return -1;
    /* the fixture's server may run without synchronous commits (fast tests): this
     * database has them, as production does */
    snprintf(sql, sizeof(sql), "ALTER DATABASE \"%s\" SET synchronous_commit = on", db.name);
    if (store_db_exec(sql) != NAAP_OK)
        return -1;
    store_db_use(&cfg, db.url);
    for (const char *const *s = schema_sql; *s; s++)
        if (store_db_exec(*s) != NAAP_OK)
            return -1;
    return 0;
}

static void teardown(void)
{
    CHECK(store_db_drop(&db, &cfg) == NAAP_OK);
}

/* The synchronous_commit of the n-th logged UPDATE (1-based), in arena; NULL if none. */
static const char *logged(naap_arena *a, const char *n)
{
    const char *v = NULL;
    naap_db_value_of(a, "SELECT sync FROM touch_log ORDER BY n OFFSET $1::int - 1 LIMIT 1",
                     NAAP_PARAMS(n), &v);
    return v;
}

static void test_touch_does_not_wait_for_the_flush(bool prepared)
{
    naap_arena *a = naap_arena_new();
    naap_session s;
    const char *last = NULL;
    int64_t now = naap_clock_epoch_ms();

    cfg.pg_prepared_statements = prepared;
    CHECK(store_db_exec("TRUNCATE touch_log") == NAAP_OK);
    CHECK(store_db_exec("UPDATE \"Session\" SET \"lastUsedAt\" = '2020-01-01'") == NAAP_OK);
    CHECK(store_db_exec("TRUNCATE touch_log") == NAAP_OK);
    /* no cache: the check reads the row, finds it unused for a minute, and touches it */
    CHECK(naap_session_check("tok-touch", now, 0, &s) == NAAP_OK);
    CHECK_STR(s.user_id, "u1");
    CHECK(naap_db_value_of(a,
                           "SELECT \"lastUsedAt\" > now() - interval '1 hour' FROM \"Session\" "
                           "WHERE token = 'tok-touch'",
                           NAAP_NO_PARAMS, &last) == NAAP_OK);
    CHECK_STR(last, "t");
    CHECK_STR(logged(a, "1"), "off");
    /* touched a moment ago: no second write */
    CHECK(naap_session_check("tok-touch", now + 1000, 0, &s) == NAAP_OK);
    CHECK(logged(a, "2") == NULL);
    /* the setting was the touch's transaction's alone */
    CHECK(store_db_exec("UPDATE \"Session\" SET \"lastUsedAt\" = '2020-01-01'") == NAAP_OK);
    CHECK_STR(logged(a, "2"), "on");
    naap_arena_free(a);
}

/* An expired row is deleted when looked up (api.md 3.1), never touched first. */
static void test_expired_row_is_deleted_untouched(void)
{
    naap_arena *a = naap_arena_new();
    naap_session s;
    const char *n = NULL;

    cfg.pg_prepared_statements = false;
    CHECK(store_db_exec("TRUNCATE touch_log") == NAAP_OK);
    CHECK(store_db_exec(
              "INSERT INTO \"Session\" (id, \"userId\", token, \"expiresAt\", \"lastUsedAt\") "
              "VALUES ('s2', 'u2', 'tok-expired', now() - interval '1 hour', '2020-01-01')") ==
          NAAP_OK);
    CHECK(naap_session_check("tok-expired", naap_clock_epoch_ms(), 0, &s) == NAAP_ENOTFOUND);
    CHECK(logged(a, "1") == NULL);
    CHECK(naap_db_value_of(a, "SELECT count(*) FROM \"Session\" WHERE token = 'tok-expired'",
                           NAAP_NO_PARAMS, &n) == NAAP_OK);
    CHECK_STR(n, "0");
    naap_arena_free(a);
}

int main(void)
{
    if (setup() != 0) {
        teardown();
        return 1;
    }
    test_touch_does_not_wait_for_the_flush(false);
    test_touch_does_not_wait_for_the_flush(true);
    test_expired_row_is_deleted_untouched();
    teardown();
    return check_report("test_session_touch");
}
