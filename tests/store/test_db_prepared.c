/* PG_PREPARED_STATEMENTS (db.c): with it on, a statement run outside a transaction is
 * prepared on its connection the first time its text runs and executed by name after that;
 * the connection keeps at most 256 of them; a reconnect, a DISCARD ALL and an ALTER that
 * changes a returned column's type are survived, and a connection that keeps losing its
 * statements stops preparing; off, and inside transactions, nothing is prepared. Checked through
 * pg_prepared_statements of the backend that ran them, on the PostgreSQL of the `stores` fixture
 * ($NAAPD_TEST_STATE/env.json). */

#include "../unit/check.h"
#include "store_env.h"
#include "naap/arena.h"
#include "naap/db.h"
#include "naap/errors.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static naap_config cfg;
static char table[64];
static naap_arena *sqla; /* the statements' text, for the whole run */

#define SQL(lit) naap_arena_printf(sqla, lit, table)

static const char probe_sql[] = "SELECT $1::int + 1 AS v";

/* How many statements of this backend have exactly this text, and under which name
 * (the last one, in arena). Asked unnamed, so that asking does not add a statement. */
static long long prepared_count(naap_arena *a, const char *text, const char **name)
{
    naap_db_rows *rows = NULL;
    bool on = cfg.pg_prepared_statements;
    cfg.pg_prepared_statements = false;
    int rc = naap_db_fetch(a,
                           "SELECT name, generic_plans + custom_plans AS runs "
                           "FROM pg_prepared_statements WHERE $1::text IS NULL OR statement = $1",
                           NAAP_PARAMS(text), &rows);
    cfg.pg_prepared_statements = on;
    CHECK(rc == NAAP_OK);
    if (rc != NAAP_OK)
        return -1;
    int n = naap_db_rows_count(rows);
    if (name)
        *name = n ? naap_db_text(rows, n - 1, "name") : NULL;
    return n;
}

/* Runs sql unnamed whatever the setting (what a test does to the session behind naapd's
 * back). */
static int exec_unnamed(const char *sql)
{
    bool on = cfg.pg_prepared_statements;
    cfg.pg_prepared_statements = false;
    int rc = naap_db_exec(sql, NAAP_NO_PARAMS, NULL);
    cfg.pg_prepared_statements = on;
    return rc;
}

static long long probe(naap_arena *a, const char *arg)
{
    const char *v = NULL;
    int rc = naap_db_value_of(a, probe_sql, NAAP_PARAMS(arg), &v);
    return rc == NAAP_OK && v ? atoll(v) : -1;
}

static const char *backend_pid(naap_arena *a)
{
    const char *pid = NULL;
    CHECK(naap_db_value_of(a, "SELECT pg_backend_pid()", NAAP_NO_PARAMS, &pid) == NAAP_OK);
    return pid ? pid : "?";
}

static void test_off_prepares_nothing(void)
{
    naap_arena *a = naap_arena_new();
    cfg.pg_prepared_statements = false;
    naap_db_close_all();
    CHECK(probe(a, "41") == 42);
    CHECK(probe(a, "1") == 2);
    CHECK(prepared_count(a, NULL, NULL) == 0);
    naap_arena_free(a);
}

static void test_on_prepares_once_and_runs_by_name(void)
{
    naap_arena *a = naap_arena_new();
    const char *name = NULL;
    naap_db_rows *rows = NULL;

    cfg.pg_prepared_statements = true;
    naap_db_close_all();
    CHECK(probe(a, "41") == 42);
    CHECK(probe(a, "1") == 2);
    CHECK(probe(a, NULL) == -1); /* SQL NULL in, NULL out */
    CHECK(prepared_count(a, probe_sql, &name) == 1);
    CHECK(name && strncmp(name, "naap_", 5) == 0);
    /* prepared once, executed three times by that name */
    CHECK(naap_db_fetch(a,
                        "SELECT generic_plans + custom_plans AS runs FROM pg_prepared_statements "
                        "WHERE name = $1",
                        NAAP_PARAMS(name), &rows) == NAAP_OK);
    CHECK(rows && naap_db_rows_count(rows) == 1 && naap_db_int(rows, 0, "runs") == 3);
    naap_arena_free(a);
}

static void test_errors_are_unchanged(void)
{
    naap_arena *a = naap_arena_new();
    long n = -1;

    cfg.pg_prepared_statements = true;
    /* a Parse error is the statement's error, every time, and nothing stays prepared */
    for (int i = 0; i < 2; i++)
        CHECK(naap_db_exec("SELEC 1", NAAP_NO_PARAMS, NULL) == NAAP_ERR);
    CHECK(prepared_count(a, "SELEC 1", NULL) == 0);
    /* an error at execution: a unique violation is a conflict, prepared or not */
    const char *ins = SQL("INSERT INTO %s (id, v) VALUES ($1::int, 'x')");
    CHECK(naap_db_exec(ins, NAAP_PARAMS("7"), &n) == NAAP_OK && n == 1);
    CHECK(naap_db_exec(ins, NAAP_PARAMS("7"), NULL) == NAAP_ECONFLICT);
    CHECK(prepared_count(a, ins, NULL) == 1);
    /* a prepared statement that runs past the statement timeout is cancelled by the
     * server (set at connect, hence the new connection) */
    naap_db_close_all();
    cfg.pg_statement_timeout_ms = 200;
    for (int i = 0; i < 2; i++)
        CHECK(naap_db_exec("SELECT pg_sleep(1)", NAAP_NO_PARAMS, NULL) == NAAP_ETIMEDOUT);
    CHECK(prepared_count(a, "SELECT pg_sleep(1)", NULL) == 1);
    cfg.pg_statement_timeout_ms = 10000;
    naap_db_close_all();
    naap_arena_free(a);
}

static void test_transactions_stay_unnamed(void)
{
    naap_arena *a = naap_arena_new();
    static const char in_tx[] = "SELECT 'in a transaction' AS t";

    cfg.pg_prepared_statements = true;
    CHECK(naap_db_begin() == NAAP_OK);
    CHECK(naap_db_exec(in_tx, NAAP_NO_PARAMS, NULL) == NAAP_OK);
    CHECK(naap_db_commit() == NAAP_OK);
    CHECK(prepared_count(a, in_tx, NULL) == 0);
    naap_arena_free(a);
}

struct killer {
    const char *pid;
    int rc;
};

/* Another thread, so another connection: ends the main thread's backend. */
static void *kill_backend(void *arg)
{
    struct killer *k = arg;
    naap_db_rows *rows = NULL;
    k->rc = naap_db_query("SELECT pg_terminate_backend($1::int)", 1, (const char *const[]){k->pid},
                          &rows);
    naap_db_rows_free(rows);
    return NULL;
}

static void test_survives_a_reconnect(void)
{
    naap_arena *a = naap_arena_new();
    pthread_t t;

    cfg.pg_prepared_statements = true;
    CHECK(probe(a, "1") == 2);
    struct killer k = {naap_arena_strdup(a, backend_pid(a)), -1};
    CHECK(pthread_create(&t, NULL, kill_backend, &k) == 0);
    pthread_join(t, NULL);
    CHECK(k.rc == NAAP_OK);
    usleep(100 * 1000); /* the goodbye reaches the idle socket */
    /* the idle connection is found dead, a new one opens and prepares it again */
    CHECK(probe(a, "2") == 3);
    CHECK(strcmp(backend_pid(a), k.pid) != 0);
    CHECK(prepared_count(a, probe_sql, NULL) == 1);
    CHECK(probe(a, "3") == 4);
    naap_arena_free(a);
}

static void test_survives_discard_all(void)
{
    naap_arena *a = naap_arena_new();
    const char *before = NULL, *after = NULL;

    cfg.pg_prepared_statements = true;
    CHECK(probe(a, "1") == 2);
    CHECK(prepared_count(a, probe_sql, &before) == 1);
    CHECK(exec_unnamed("DISCARD ALL") == NAAP_OK);
    CHECK(prepared_count(a, NULL, NULL) == 0);
    CHECK(probe(a, "5") == 6); /* 26000 answered, run unnamed */
    CHECK(probe(a, "6") == 7); /* prepared again */
    CHECK(prepared_count(a, probe_sql, &after) == 1);
    CHECK(before && after && strcmp(before, after) != 0);
    naap_arena_free(a);
}

/* A connection whose statements keep vanishing (a transaction pooler between naapd and the
 * server) stops preparing rather than leave one more behind at each call. */
static void test_keeps_losing_them_stops_preparing(void)
{
    naap_arena *a = naap_arena_new();

    cfg.pg_prepared_statements = true;
    naap_db_close_all();
    for (int i = 0; i < 8; i++) {
        CHECK(probe(a, "1") == 2); /* prepared (again) */
        CHECK(exec_unnamed("DISCARD ALL") == NAAP_OK);
        CHECK(probe(a, "2") == 3); /* lost, run unnamed */
    }
    CHECK(probe(a, "3") == 4);
    CHECK(prepared_count(a, NULL, NULL) == 0);
    /* a new connection starts trusting its server again */
    naap_db_close_all();
    CHECK(probe(a, "4") == 5);
    CHECK(prepared_count(a, probe_sql, NULL) == 1);
    naap_arena_free(a);
}

static void test_survives_a_changed_result_type(void)
{
    naap_arena *a = naap_arena_new();
    const char *sel = SQL("SELECT v FROM %s WHERE id = $1::int"), *v = NULL;

    cfg.pg_prepared_statements = true;
    CHECK(naap_db_exec(SQL("DELETE FROM %s"), NAAP_NO_PARAMS, NULL) == NAAP_OK);
    CHECK(naap_db_exec(SQL("INSERT INTO %s (id, v) VALUES (8, '12')"), NAAP_NO_PARAMS, NULL) ==
          NAAP_OK);
    CHECK(naap_db_value_of(a, sel, NAAP_PARAMS("8"), &v) == NAAP_OK && v && !strcmp(v, "12"));
    CHECK(prepared_count(a, sel, NULL) == 1);
    /* the column the statement returns changes type: the server refuses the old plan
     * ("cached plan must not change result type", 0A000) */
    CHECK(naap_db_exec(SQL("ALTER TABLE %s ALTER COLUMN v TYPE int USING v::int"), NAAP_NO_PARAMS,
                       NULL) == NAAP_OK);
    v = NULL;
    CHECK(naap_db_value_of(a, sel, NAAP_PARAMS("8"), &v) == NAAP_OK && v && !strcmp(v, "12"));
    CHECK(prepared_count(a, sel, NULL) == 0); /* the old one was freed on the server */
    v = NULL;
    CHECK(naap_db_value_of(a, sel, NAAP_PARAMS("8"), &v) == NAAP_OK && v && !strcmp(v, "12"));
    CHECK(prepared_count(a, sel, NULL) == 1);
    naap_arena_free(a);
}

static void test_cache_is_bounded(void)
{
    naap_arena *a = naap_arena_new();

    cfg.pg_prepared_statements = true;
    naap_db_close_all();
    for (int i = 0; i < 300; i++) {
        const char *v = NULL;
        char *sql = naap_arena_printf(a, "SELECT %d AS n", i);
        CHECK(naap_db_value_of(a, sql, NAAP_NO_PARAMS, &v) == NAAP_OK && v && atoi(v) == i);
    }
    CHECK(prepared_count(a, NULL, NULL) == 256);
    /* past the bound statements still run, unnamed */
    CHECK(probe(a, "9") == 10);
    CHECK(prepared_count(a, probe_sql, NULL) == 0);
    naap_arena_free(a);
}

int main(void)
{
    if (!(cfg.database_url = store_env("admin_url")))
        return 1;
    cfg.pg_statement_timeout_ms = 10000;
    cfg.pg_connect_timeout_s = 5;
    naap_db_init(&cfg);
    sqla = naap_arena_new();
    snprintf(table, sizeof(table), "naap_prepared_test_%d_%ld", (int)getpid(), (long)time(NULL));
    if (naap_db_exec(SQL("CREATE TABLE %s (id int PRIMARY KEY, v text)"), NAAP_NO_PARAMS, NULL) !=
        NAAP_OK) {
        fprintf(stderr, "cannot create %s at %s\n", table, cfg.database_url);
        return 1;
    }

    test_off_prepares_nothing();
    test_on_prepares_once_and_runs_by_name();
    test_errors_are_unchanged();
    test_transactions_stay_unnamed();
    test_survives_a_reconnect();
    test_survives_discard_all();
    test_keeps_losing_them_stops_preparing();
    test_survives_a_changed_result_type();
    test_cache_is_bounded();

    cfg.pg_prepared_statements = false;
    CHECK(naap_db_exec(SQL("DROP TABLE %s"), NAAP_NO_PARAMS, NULL) == NAAP_OK);
    naap_db_close_all();
    naap_arena_free(sqla);
    free(cfg.database_url);
    return check_report("test_db_prepared");
}
