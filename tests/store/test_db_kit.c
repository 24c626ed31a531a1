/* The handler kit of db.h (statements, typed readers, row serialization, transactions)
 * against the real PostgreSQL of the `stores` fixture ($NAAPD_TEST_STATE/env.json), in a
 * scratch table of its own that it drops at the end. */

#include "../unit/check.h"
#include "store_env.h"
#include "naap/arena.h"
#include "naap/db.h"
#include "naap/errors.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static naap_config cfg;
static char table[64];
static naap_arena *sqla; /* the statements' text, for the whole run */

/* A statement about the scratch table: the %s in lit is its name. */
#define SQL(lit) naap_arena_printf(sqla, lit, table)

static int setup(void)
{
    if (!(cfg.database_url = store_env("admin_url")))
        return -1;
    cfg.pg_statement_timeout_ms = 10000;
    cfg.pg_connect_timeout_s = 5;
    naap_db_init(&cfg);

    sqla = naap_arena_new();
    snprintf(table, sizeof(table), "naap_kit_test_%d_%ld", (int)getpid(), (long)time(NULL));
    int rc = naap_db_exec(SQL("CREATE TABLE %s (id int PRIMARY KEY, \"displayName\" text,"
                              " \"isActive\" boolean, \"createdAt\" timestamp(3), meta jsonb,"
                              " doc json, n bigint, score double precision)"),
                          NAAP_NO_PARAMS, NULL);
    if (rc != NAAP_OK) {
        fprintf(stderr, "cannot create %s at %s: %s\n", table, cfg.database_url, naap_strerror(rc));
        return -1;
    }
    long affected = -1;
    rc = naap_db_exec(
        SQL("INSERT INTO %s VALUES"
            " (1, 'Ada', true, '2024-01-02 03:04:05', '{\"a\": 1, \"b\": [true, null]}',"
            "  '[1,2]', 42, 2.5),"
            " (2, NULL, false, '2024-01-02 03:04:05.1', NULL, NULL, -7, NULL),"
            " (3, 'Bob', NULL, '2024-01-02 03:04:05.12', '\"str\"', 'null', NULL, 0),"
            " (4, 'Cy', true, '2024-12-31 23:59:59.123', '{}', '{}', 9223372036854775807,"
            "  -1.25),"
            " (5, 'D\xc3\xa9', NULL, NULL, '[]', NULL, 0, NULL)"),
        NAAP_NO_PARAMS, &affected);
    CHECK(rc == NAAP_OK);
    CHECK(affected == 5);
    return rc == NAAP_OK ? 0 : -1;
}

static void teardown(void)
{
    CHECK(naap_db_exec(SQL("DROP TABLE %s"), NAAP_NO_PARAMS, NULL) == NAAP_OK);
    naap_db_close_all();
    naap_arena_free(sqla);
    free(cfg.database_url);
}

static long long count_rows(const char *where)
{
    naap_arena *a = naap_arena_new();
    const char *v = NULL;
    char *sql = naap_arena_printf(a, "SELECT count(*) FROM %s WHERE %s", table, where);
    int rc = naap_db_value_of(a, sql, NAAP_NO_PARAMS, &v);
    long long n = rc == NAAP_OK && v ? atoll(v) : -1;
    naap_arena_free(a);
    return n;
}

static char *dump(json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(j);
    return s;
}

#define CHECK_JSON(j, expected)                                                                    \
    do {                                                                                           \
        char *s_ = dump(j);                                                                        \
        CHECK_STR(s_, expected);                                                                   \
        free(s_);                                                                                  \
    } while (0)

/* ---- statements ---------------------------------------------------------------------- */

static int nparams_of(int n, const char *const *params)
{
    (void)params;
    return n;
}

static const char *param_at(int n, const char *const *params, int i)
{
    return i < n ? params[i] : "(out of range)";
}

static void test_params(void)
{
    naap_arena *a = naap_arena_new();
    naap_db_rows *rows = NULL;
    const char *v = NULL;

    CHECK(nparams_of(NAAP_PARAMS("x")) == 1);
    CHECK(nparams_of(NAAP_PARAMS("a", "b", "c")) == 3);
    CHECK(nparams_of(NAAP_PARAMS(NULL)) == 1);
    CHECK(nparams_of(NAAP_NO_PARAMS) == 0);
    CHECK_STR(param_at(NAAP_PARAMS("a", "b", "c"), 2), "c");

    CHECK(naap_db_value_of(a, "SELECT $1::text", NAAP_PARAMS("one"), &v) == NAAP_OK);
    CHECK_STR(v, "one");
    CHECK(naap_db_value_of(a, "SELECT $1::text || '/' || $2::text || '/' || $3::text",
                           NAAP_PARAMS("a", "b", "c"), &v) == NAAP_OK);
    CHECK_STR(v, "a/b/c");
    /* a NULL entry is SQL NULL */
    CHECK(naap_db_fetch_one(a, "SELECT $1::text IS NULL AS \"isNull\", $2::text AS \"s\"",
                            NAAP_PARAMS(NULL, "x"), &rows) == NAAP_OK);
    CHECK(naap_db_bool(rows, 0, "isNull") == true);
    CHECK_STR(naap_db_text(rows, 0, "s"), "x");
    /* parameters are values, never SQL */
    CHECK(naap_db_value_of(a, SQL("SELECT count(*) FROM %s WHERE \"displayName\" = $1"),
                           NAAP_PARAMS("x' OR '1'='1"), &v) == NAAP_OK);
    CHECK_STR(v, "0");
    /* a statement with the wrong number of parameters is a plain error */
    CHECK(naap_db_value_of(a, "SELECT $1::text || $2::text", NAAP_PARAMS("a"), &v) == NAAP_ERR);
    CHECK(v == NULL);
    naap_arena_free(a);
}

static void test_fetch(void)
{
    naap_arena *a = naap_arena_new();
    naap_db_rows *rows = NULL;

    CHECK(naap_db_fetch(a, SQL("SELECT id FROM %s ORDER BY id"), NAAP_NO_PARAMS, &rows) == NAAP_OK);
    CHECK(naap_db_rows_count(rows) == 5);
    CHECK(naap_db_int(rows, 0, "id") == 1);
    CHECK(naap_db_int(rows, 4, "id") == 5);

    rows = NULL;
    CHECK(naap_db_fetch(a, SQL("SELECT id FROM %s WHERE id > $1"), NAAP_PARAMS("100"), &rows) ==
          NAAP_OK);
    CHECK(rows != NULL);
    CHECK(naap_db_rows_count(rows) == 0);

    CHECK(naap_db_fetch_one(a, SQL("SELECT \"displayName\" FROM %s WHERE id = $1"),
                            NAAP_PARAMS("4"), &rows) == NAAP_OK);
    CHECK(naap_db_rows_count(rows) == 1);
    CHECK_STR(naap_db_text(rows, 0, "displayName"), "Cy");
    CHECK(naap_db_fetch_one(a, SQL("SELECT \"displayName\" FROM %s WHERE id = $1"),
                            NAAP_PARAMS("99"), &rows) == NAAP_ENOTFOUND);
    /* several rows are fine for fetch_one: the first is the one */
    CHECK(naap_db_fetch_one(a, SQL("SELECT id FROM %s ORDER BY id DESC"), NAAP_NO_PARAMS, &rows) ==
          NAAP_OK);
    CHECK(naap_db_int(rows, 0, "id") == 5);

    /* errors: no rows handed out */
    rows = (naap_db_rows *)1;
    CHECK(naap_db_fetch(a, "SELEC 1", NAAP_NO_PARAMS, &rows) == NAAP_ERR);
    CHECK(rows == NULL);
    rows = (naap_db_rows *)1;
    CHECK(naap_db_fetch_one(a, SQL("SELECT nope FROM %s"), NAAP_NO_PARAMS, &rows) == NAAP_ERR);
    CHECK(rows == NULL);
    naap_arena_free(a);
}

static void test_exec_exists_value(void)
{
    naap_arena *a = naap_arena_new();
    long affected = -1;
    const char *v = "untouched";

    CHECK(naap_db_exec(SQL("UPDATE %s SET n = n WHERE id <= $1"), NAAP_PARAMS("3"), &affected) ==
          NAAP_OK);
    CHECK(affected == 3);
    CHECK(naap_db_exec(SQL("DELETE FROM %s WHERE id = $1"), NAAP_PARAMS("99"), &affected) ==
          NAAP_OK);
    CHECK(affected == 0);
    CHECK(naap_db_exec(SQL("INSERT INTO %s (id) VALUES ($1)"), NAAP_PARAMS("50"), &affected) ==
          NAAP_OK);
    CHECK(affected == 1);
    CHECK(naap_db_exec(SQL("DELETE FROM %s WHERE id = 50"), NAAP_NO_PARAMS, NULL) == NAAP_OK);
    CHECK(count_rows("id = 50") == 0);
    /* a unique violation is a conflict; affected is 0 on any error */
    affected = -1;
    CHECK(naap_db_exec(SQL("INSERT INTO %s (id) VALUES (1)"), NAAP_NO_PARAMS, &affected) ==
          NAAP_ECONFLICT);
    CHECK(affected == 0);
    affected = -1;
    CHECK(naap_db_exec("SELECT 1/0", NAAP_NO_PARAMS, &affected) == NAAP_ERR);
    CHECK(affected == 0);

    CHECK(naap_db_exists(SQL("SELECT 1 FROM %s WHERE id = $1"), NAAP_PARAMS("1")) == NAAP_OK);
    CHECK(naap_db_exists(SQL("SELECT 1 FROM %s WHERE id = $1"), NAAP_PARAMS("99")) ==
          NAAP_ENOTFOUND);
    CHECK(naap_db_exists(SQL("SELECT id FROM %s"), NAAP_NO_PARAMS) == NAAP_OK); /* many */
    CHECK(naap_db_exists("SELEC 1", NAAP_NO_PARAMS) == NAAP_ERR);

    CHECK(naap_db_value_of(a, SQL("SELECT \"displayName\" FROM %s WHERE id = $1"), NAAP_PARAMS("1"),
                           &v) == NAAP_OK);
    CHECK_STR(v, "Ada");
    const char *ada = v;
    v = "untouched";
    CHECK(naap_db_value_of(a, SQL("SELECT \"displayName\" FROM %s WHERE id = $1"), NAAP_PARAMS("2"),
                           &v) == NAAP_OK);
    CHECK(v == NULL); /* SQL NULL: found, no value */
    v = "untouched";
    CHECK(naap_db_value_of(a, SQL("SELECT \"displayName\" FROM %s WHERE id = $1"),
                           NAAP_PARAMS("99"), &v) == NAAP_ENOTFOUND);
    CHECK(v == NULL); /* no row */
    v = "untouched";
    CHECK(naap_db_value_of(a, "SELEC 1", NAAP_NO_PARAMS, &v) == NAAP_ERR);
    CHECK(v == NULL);
    CHECK(naap_db_value_of(a, SQL("SELECT \"displayName\", id FROM %s WHERE id = 5"),
                           NAAP_NO_PARAMS, &v) == NAAP_OK);
    CHECK_STR(v, "D\xc3\xa9"); /* the first column */
    CHECK_STR(ada, "Ada");     /* a copy in the arena, not the freed result's */
    naap_arena_free(a);
}

/* ---- typed readers ------------------------------------------------------------------- */

static void test_readers(void)
{
    naap_arena *a = naap_arena_new();
    naap_db_rows *rows = NULL;

    CHECK(naap_db_fetch(a, SQL("SELECT * FROM %s ORDER BY id"), NAAP_NO_PARAMS, &rows) == NAAP_OK);
    CHECK(naap_db_rows_count(rows) == 5);
    if (naap_db_rows_count(rows) != 5) {
        naap_arena_free(a);
        return;
    }

    CHECK_STR(naap_db_text(rows, 0, "displayName"), "Ada");
    CHECK(naap_db_text(rows, 1, "displayName") == NULL);
    CHECK_STR(naap_db_text(rows, 4, "displayName"), "D\xc3\xa9");
    CHECK_STR(naap_db_text(rows, 0, "isActive"), "t");

    CHECK(naap_db_bool(rows, 0, "isActive") == true);
    CHECK(naap_db_bool(rows, 1, "isActive") == false);
    CHECK(naap_db_bool(rows, 2, "isActive") == false); /* NULL */
    CHECK(naap_db_bool(rows, 3, "isActive") == true);

    CHECK(naap_db_int(rows, 0, "n") == 42);
    CHECK(naap_db_int(rows, 1, "n") == -7);
    CHECK(naap_db_int(rows, 2, "n") == 0); /* NULL */
    CHECK(naap_db_int(rows, 3, "n") == LLONG_MAX);
    CHECK(naap_db_int(rows, 4, "n") == 0);
    CHECK(naap_db_int(rows, 3, "id") == 4);

    /* timestamp(3) with 0, 1, 2 and 3 fraction digits in PostgreSQL's text */
    CHECK_STR(naap_db_time(a, rows, 0, "createdAt"), "2024-01-02T03:04:05.000Z");
    CHECK_STR(naap_db_time(a, rows, 1, "createdAt"), "2024-01-02T03:04:05.100Z");
    CHECK_STR(naap_db_time(a, rows, 2, "createdAt"), "2024-01-02T03:04:05.120Z");
    CHECK_STR(naap_db_time(a, rows, 3, "createdAt"), "2024-12-31T23:59:59.123Z");
    CHECK(naap_db_time(a, rows, 4, "createdAt") == NULL);

    CHECK_JSON(naap_db_json(rows, 0, "meta"), "{\"a\":1,\"b\":[true,null]}");
    CHECK_JSON(naap_db_json(rows, 1, "meta"), "null"); /* SQL NULL */
    CHECK_JSON(naap_db_json(rows, 2, "meta"), "\"str\"");
    CHECK_JSON(naap_db_json(rows, 3, "meta"), "{}");
    CHECK_JSON(naap_db_json(rows, 4, "meta"), "[]");
    CHECK_JSON(naap_db_json(rows, 0, "doc"), "[1,2]");
    CHECK_JSON(naap_db_json(rows, 2, "doc"), "null"); /* JSON null */
    CHECK_JSON(naap_db_json(rows, 1, "doc"), "null"); /* SQL NULL */
    json_t *obj = naap_db_json(rows, 3, "doc");
    CHECK(json_is_object(obj));
    json_decref(obj);

    /* more timestamps: rounding to milliseconds, a plain timestamp, non-timestamps */
    CHECK(naap_db_fetch_one(a,
                            "SELECT '2024-01-02 03:04:05.1239'::timestamp(3) AS \"r\","
                            " '2024-01-02 03:04:05.123456'::timestamp AS \"u\","
                            " '2024-02-29 00:00:00.001'::timestamp(3) AS \"leap\","
                            " 'garbage'::text AS \"g\", 1 AS plain, 2 AS \"MixedCase\"",
                            NAAP_NO_PARAMS, &rows) == NAAP_OK);
    CHECK_STR(naap_db_time(a, rows, 0, "r"), "2024-01-02T03:04:05.124Z");
    CHECK_STR(naap_db_time(a, rows, 0, "u"), "2024-01-02T03:04:05.123Z");
    CHECK_STR(naap_db_time(a, rows, 0, "leap"), "2024-02-29T00:00:00.001Z");
    CHECK(naap_db_time(a, rows, 0, "g") == NULL);
    CHECK_JSON(naap_db_json(rows, 0, "g"), "null"); /* unparsable: JSON null */
    /* an unquoted alias is folded to lower case; lower-case names are found as well */
    CHECK(naap_db_int(rows, 0, "plain") == 1);
    CHECK(naap_db_int(rows, 0, "MixedCase") == 2);
    naap_arena_free(a);
}

/* Naming a column the result lacks aborts (the caller's SQL is wrong). */
static void expect_abort(const char *col)
{
    naap_arena *a = naap_arena_new();
    naap_db_rows *rows = NULL;
    CHECK(naap_db_fetch_one(a, "SELECT 1 AS \"camelCase\"", NAAP_NO_PARAMS, &rows) == NAAP_OK);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        (void)naap_db_text(rows, 0, col);
        _exit(0);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
    if (!WIFSIGNALED(status))
        fprintf(stderr, "  reading column \"%s\" did not abort\n", col);
    CHECK(naap_db_text(rows, 0, "camelCase") != NULL); /* the parent's result is intact */
    naap_arena_free(a);
}

static void test_missing_column(void)
{
    expect_abort("nope");
    expect_abort("camelcase"); /* case matters */
    expect_abort("");
}

/* ---- rows as JSON -------------------------------------------------------------------- */

static void test_row_json(void)
{
    naap_arena *a = naap_arena_new();
    naap_db_rows *rows = NULL;
    static const naap_db_field fields[] = {
        {"id", NAAP_DB_INT, NULL},        {"name", NAAP_DB_TEXT, "displayName"},
        {"isActive", NAAP_DB_BOOL, NULL}, {"createdAt", NAAP_DB_TIME, NULL},
        {"meta", NAAP_DB_JSON, NULL},     {"score", NAAP_DB_FLOAT, NULL},
        {"count", NAAP_DB_INT, "n"},      {NULL, 0, NULL},
    };
    static const naap_db_field short_fields[] = {
        {"id", NAAP_DB_INT, NULL}, {"name", NAAP_DB_TEXT, "displayName"}, {NULL, 0, NULL}};

    CHECK(naap_db_fetch(a, SQL("SELECT * FROM %s ORDER BY id"), NAAP_NO_PARAMS, &rows) == NAAP_OK);
    if (naap_db_rows_count(rows) != 5) {
        fprintf(stderr, "expected five rows\n");
        check_failures++;
        naap_arena_free(a);
        return;
    }
    CHECK_JSON(naap_db_row_json(rows, 0, fields),
               "{\"count\":42,\"createdAt\":\"2024-01-02T03:04:05.000Z\",\"id\":1,"
               "\"isActive\":true,\"meta\":{\"a\":1,\"b\":[true,null]},\"name\":\"Ada\","
               "\"score\":2.5}");
    CHECK_JSON(naap_db_row_json(rows, 1, fields),
               "{\"count\":-7,\"createdAt\":\"2024-01-02T03:04:05.100Z\",\"id\":2,"
               "\"isActive\":false,\"meta\":null,\"name\":null,\"score\":null}");
    CHECK_JSON(naap_db_row_json(rows, 2, fields),
               "{\"count\":null,\"createdAt\":\"2024-01-02T03:04:05.120Z\",\"id\":3,"
               "\"isActive\":null,\"meta\":\"str\",\"name\":\"Bob\",\"score\":0.0}");
    CHECK_JSON(naap_db_row_json(rows, 3, fields),
               "{\"count\":9223372036854775807,\"createdAt\":\"2024-12-31T23:59:59.123Z\","
               "\"id\":4,\"isActive\":true,\"meta\":{},\"name\":\"Cy\",\"score\":-1.25}");
    CHECK_JSON(naap_db_row_json(rows, 4, fields),
               "{\"count\":0,\"createdAt\":null,\"id\":5,\"isActive\":null,\"meta\":[],"
               "\"name\":\"D\xc3\xa9\",\"score\":null}");

    /* keys in the table's order, and only the table's keys */
    json_t *row = naap_db_row_json(rows, 0, fields);
    const char *order[] = {"id", "name", "isActive", "createdAt", "meta", "score", "count"};
    size_t i = 0;
    const char *key;
    json_t *val;
    json_object_foreach(row, key, val)
    {
        (void)val;
        CHECK(i < 7 && strcmp(key, order[i]) == 0);
        i++;
    }
    CHECK(i == 7);
    CHECK(json_object_get(row, "displayName") == NULL);
    json_decref(row);

    CHECK_JSON(naap_db_rows_json(rows, short_fields),
               "[{\"id\":1,\"name\":\"Ada\"},{\"id\":2,\"name\":null},{\"id\":3,\"name\":\"Bob\"},"
               "{\"id\":4,\"name\":\"Cy\"},{\"id\":5,\"name\":\"D\xc3\xa9\"}]");
    CHECK(naap_db_fetch(a, SQL("SELECT * FROM %s WHERE false"), NAAP_NO_PARAMS, &rows) == NAAP_OK);
    CHECK_JSON(naap_db_rows_json(rows, fields), "[]");
    naap_arena_free(a);
}

/* Results belong to the arena: many of them, none freed by hand (ASan reports a leak). */
static void test_arena_ownership(void)
{
    naap_arena *a = naap_arena_new();
    naap_db_rows *first = NULL, *rows = NULL;

    CHECK(naap_db_fetch(a, SQL("SELECT \"displayName\" FROM %s WHERE id = 1"), NAAP_NO_PARAMS,
                        &first) == NAAP_OK);
    for (int i = 0; i < 200; i++) {
        char id[16];
        snprintf(id, sizeof(id), "%d", i % 7);
        int rc =
            naap_db_fetch_one(a, SQL("SELECT * FROM %s WHERE id = $1"), NAAP_PARAMS(id), &rows);
        CHECK(rc == (i % 7 >= 1 && i % 7 <= 5 ? NAAP_OK : NAAP_ENOTFOUND));
    }
    /* the first result is still alive after all the others */
    CHECK_STR(naap_db_text(first, 0, "displayName"), "Ada");
    naap_arena_free(a);
}

/* ---- transactions -------------------------------------------------------------------- */

struct tx_arg {
    int attempts;
    int fail_times; /* fn_conflict: the first attempts that hit a unique violation */
    const char *id; /* the row each attempt inserts */
    int rc;         /* fn_fail: what fn returns */
    int inner_calls;
};

static int insert(const char *id)
{
    return naap_db_exec(SQL("INSERT INTO %s (id, \"displayName\") VALUES ($1, 'tx')"),
                        NAAP_PARAMS(id), NULL);
}

static int fn_insert(void *p)
{
    struct tx_arg *arg = p;
    arg->attempts++;
    CHECK(naap_db_in_tx());
    return insert(arg->id);
}

static int fn_conflict(void *p)
{
    struct tx_arg *arg = p;
    int rc;
    arg->attempts++;
    if ((rc = insert(arg->id)) != NAAP_OK)
        return rc;
    if (arg->attempts <= arg->fail_times)
        return insert("1"); /* exists: 23505 */
    return NAAP_OK;
}

static int fn_fail(void *p)
{
    struct tx_arg *arg = p;
    arg->attempts++;
    int rc = insert(arg->id);
    CHECK(rc == NAAP_OK);
    return arg->rc;
}

/* fn ignores a failed statement and asks to commit: PostgreSQL rolls back instead */
static int fn_swallow(void *p)
{
    struct tx_arg *arg = p;
    arg->attempts++;
    CHECK(insert(arg->id) == NAAP_OK);
    CHECK(naap_db_exec("SELECT 1/0", NAAP_NO_PARAMS, NULL) == NAAP_ERR);
    return NAAP_OK;
}

static int fn_inner(void *p)
{
    struct tx_arg *arg = p;
    arg->inner_calls++;
    return NAAP_OK;
}

/* nested transactions are refused and leave the outer one as it was */
static int fn_nested(void *p)
{
    struct tx_arg *arg = p;
    char id2[32];
    arg->attempts++;
    CHECK(insert(arg->id) == NAAP_OK);
    CHECK(naap_db_tx(fn_inner, arg, 3) == NAAP_ERR);
    CHECK(arg->inner_calls == 0);
    CHECK(naap_db_in_tx());
    CHECK(naap_db_begin() == NAAP_ERR);
    CHECK(naap_db_in_tx());
    snprintf(id2, sizeof(id2), "%d", atoi(arg->id) + 1);
    CHECK(insert(id2) == NAAP_OK);
    return arg->rc;
}

static void test_tx(void)
{
    struct tx_arg arg;

    CHECK(!naap_db_in_tx());
    naap_db_rollback(); /* none open: harmless */
    CHECK(!naap_db_in_tx());

    /* commit on 0 */
    arg = (struct tx_arg){.id = "100"};
    CHECK(naap_db_tx(fn_insert, &arg, 0) == NAAP_OK);
    CHECK(arg.attempts == 1);
    CHECK(!naap_db_in_tx());
    CHECK(count_rows("id = 100") == 1);

    /* fn's own error: rolled back, returned as is, never retried */
    arg = (struct tx_arg){.id = "101", .rc = NAAP_EINVAL};
    CHECK(naap_db_tx(fn_fail, &arg, 5) == NAAP_EINVAL);
    CHECK(arg.attempts == 1);
    CHECK(!naap_db_in_tx());
    CHECK(count_rows("id = 101") == 0);
    arg = (struct tx_arg){.id = "101", .rc = NAAP_ENOTFOUND};
    CHECK(naap_db_tx(fn_fail, &arg, 5) == NAAP_ENOTFOUND);
    CHECK(arg.attempts == 1);
    CHECK(count_rows("id = 101") == 0);

    /* a store error inside fn (the row exists): conflict, rolled back */
    arg = (struct tx_arg){.id = "100"};
    CHECK(naap_db_tx(fn_insert, &arg, 0) == NAAP_ECONFLICT);
    CHECK(arg.attempts == 1);
    CHECK(count_rows("id = 100") == 1);

    /* a failed statement makes COMMIT a rollback: reported, nothing written */
    arg = (struct tx_arg){.id = "102"};
    CHECK(naap_db_tx(fn_swallow, &arg, 3) == NAAP_ERR);
    CHECK(arg.attempts == 1);
    CHECK(!naap_db_in_tx());
    CHECK(count_rows("id = 102") == 0);

    /* conflicts retried: two failures, then success on the third attempt */
    arg = (struct tx_arg){.id = "103", .fail_times = 2};
    CHECK(naap_db_tx(fn_conflict, &arg, 3) == NAAP_OK);
    CHECK(arg.attempts == 3);
    CHECK(count_rows("id = 103") == 1);
    arg = (struct tx_arg){.id = "104", .fail_times = 2};
    CHECK(naap_db_tx(fn_conflict, &arg, 2) == NAAP_OK); /* exactly enough retries */
    CHECK(arg.attempts == 3);
    CHECK(count_rows("id = 104") == 1);

    /* retries exhausted: the conflict is returned and no attempt left a row */
    arg = (struct tx_arg){.id = "105", .fail_times = 3};
    CHECK(naap_db_tx(fn_conflict, &arg, 2) == NAAP_ECONFLICT);
    CHECK(arg.attempts == 3);
    CHECK(!naap_db_in_tx());
    CHECK(count_rows("id = 105") == 0);
    arg = (struct tx_arg){.id = "105", .fail_times = 1};
    CHECK(naap_db_tx(fn_conflict, &arg, 0) == NAAP_ECONFLICT); /* no retries */
    CHECK(arg.attempts == 1);
    CHECK(count_rows("id = 105") == 0);
    arg = (struct tx_arg){.id = "105", .rc = NAAP_ECONFLICT};
    CHECK(naap_db_tx(fn_fail, &arg, 4) == NAAP_ECONFLICT); /* fn's own conflict */
    CHECK(arg.attempts == 5);
    CHECK(count_rows("id = 105") == 0);

    /* nested naap_db_tx / naap_db_begin: refused; the outer transaction commits both rows */
    arg = (struct tx_arg){.id = "110"};
    CHECK(naap_db_tx(fn_nested, &arg, 0) == NAAP_OK);
    CHECK(arg.attempts == 1);
    CHECK(arg.inner_calls == 0);
    CHECK(!naap_db_in_tx());
    CHECK(count_rows("id IN (110, 111)") == 2);
    /* ... and still rolls back both: the refused begin did not end it */
    arg = (struct tx_arg){.id = "112", .rc = NAAP_EINVAL};
    CHECK(naap_db_tx(fn_nested, &arg, 0) == NAAP_EINVAL);
    CHECK(count_rows("id IN (112, 113)") == 0);

    /* naap_db_begin on its own, and the same refusal */
    CHECK(naap_db_begin() == NAAP_OK);
    CHECK(naap_db_in_tx());
    CHECK(naap_db_begin() == NAAP_ERR);
    CHECK(insert("120") == NAAP_OK);
    arg = (struct tx_arg){0};
    CHECK(naap_db_tx(fn_inner, &arg, 0) == NAAP_ERR);
    CHECK(arg.inner_calls == 0);
    CHECK(naap_db_in_tx());
    naap_db_rollback();
    CHECK(!naap_db_in_tx());
    CHECK(count_rows("id = 120") == 0);
    CHECK(naap_db_begin() == NAAP_OK);
    CHECK(insert("121") == NAAP_OK);
    CHECK(naap_db_commit() == NAAP_OK);
    CHECK(!naap_db_in_tx());
    CHECK(count_rows("id = 121") == 1);

    /* the connection is usable after all that, outside transactions */
    CHECK(naap_db_exists("SELECT 1", NAAP_NO_PARAMS) == NAAP_OK);
    CHECK(naap_db_exec(SQL("DELETE FROM %s WHERE id >= 100"), NAAP_NO_PARAMS, NULL) == NAAP_OK);
}

/* ---- a real serialization failure ---------------------------------------------------
 *
 * The worker thread's transaction (SERIALIZABLE) reads row 500, taking its snapshot; the
 * main thread, on its own connection, then updates that row and commits; the worker's
 * update of the same row fails with 40001. The first attempt waits for the main thread;
 * later ones do not, so the retry passes. */

struct serial {
    sem_t snapshot_taken, other_committed;
    int retries;
    int attempts;
    int rc;
    char seen[4][32]; /* the value each attempt read */
};

static int sem_wait_s(sem_t *s, int seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += seconds;
    int rc;
    while ((rc = sem_timedwait(s, &ts)) != 0 && errno == EINTR)
        ;
    return rc;
}

static int fn_serial(void *p)
{
    struct serial *s = p;
    naap_arena *a = naap_arena_new();
    const char *v = NULL;
    int attempt = s->attempts++;
    int rc = naap_db_exec("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", NAAP_NO_PARAMS, NULL);
    if (rc == NAAP_OK)
        rc = naap_db_value_of(a, SQL("SELECT n FROM %s WHERE id = 500"), NAAP_NO_PARAMS, &v);
    if (attempt < 4)
        snprintf(s->seen[attempt], sizeof(s->seen[attempt]), "%s", v ? v : "(none)");
    if (attempt == 0) {
        sem_post(&s->snapshot_taken);
        if (sem_wait_s(&s->other_committed, 30) != 0)
            rc = NAAP_ERR;
    }
    if (rc == NAAP_OK)
        rc = naap_db_exec(SQL("UPDATE %s SET n = n + 10 WHERE id = 500"), NAAP_NO_PARAMS, NULL);
    naap_arena_free(a);
    return rc;
}

static void *serial_thread(void *p)
{
    struct serial *s = p;
    s->rc = naap_db_tx(fn_serial, s, s->retries);
    return NULL;
}

static void run_serial(int retries, struct serial *s)
{
    pthread_t t;

    memset(s, 0, sizeof(*s));
    s->retries = retries;
    sem_init(&s->snapshot_taken, 0, 0);
    sem_init(&s->other_committed, 0, 0);
    CHECK(naap_db_exec(SQL("DELETE FROM %s WHERE id = 500"), NAAP_NO_PARAMS, NULL) == NAAP_OK);
    CHECK(naap_db_exec(SQL("INSERT INTO %s (id, n) VALUES (500, 0)"), NAAP_NO_PARAMS, NULL) ==
          NAAP_OK);
    CHECK(pthread_create(&t, NULL, serial_thread, s) == 0);
    CHECK(sem_wait_s(&s->snapshot_taken, 30) == 0);
    long affected = 0;
    CHECK(naap_db_exec(SQL("UPDATE %s SET n = n + 1 WHERE id = 500"), NAAP_NO_PARAMS, &affected) ==
          NAAP_OK);
    CHECK(affected == 1);
    sem_post(&s->other_committed);
    pthread_join(t, NULL);
    sem_destroy(&s->snapshot_taken);
    sem_destroy(&s->other_committed);
}

static void test_serialization_failure(void)
{
    struct serial s;

    run_serial(3, &s);
    CHECK(s.rc == NAAP_OK);
    CHECK(s.attempts == 2);
    CHECK_STR(s.seen[0], "0"); /* the snapshot before the other commit */
    CHECK_STR(s.seen[1], "1"); /* the retry sees it */
    CHECK(count_rows("id = 500 AND n = 11") == 1);

    run_serial(0, &s);
    CHECK(s.rc == NAAP_ECONFLICT);
    CHECK(s.attempts == 1);
    CHECK(count_rows("id = 500 AND n = 1") == 1); /* only the other transaction's write */
}

int main(void)
{
    if (setup() != 0) {
        naap_db_close_all();
        return 1;
    }
    test_params();
    test_fetch();
    test_exec_exists_value();
    test_readers();
    test_missing_column();
    test_row_json();
    test_arena_ownership();
    test_tx();
    test_serialization_failure();
    teardown();
    return check_report("store.db_kit");
}
