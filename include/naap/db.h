#ifndef NAAP_DB_H
#define NAAP_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "naap/arena.h"
#include "naap/config.h"

/* PostgreSQL access for handlers and middleware. Each thread gets its own connection,
 * opened lazily on first use and reopened after a failure; nothing here is shared
 * between threads or survives a fork. Statements are unnamed (PQexecParams) unless
 * PG_PREPARED_STATEMENTS is on: then each connection prepares a statement outside
 * transactions the first time its text runs, which PgBouncer before 1.21 in transaction
 * pooling cannot carry. */

typedef struct naap_db_rows naap_db_rows;

/** Sets the configuration every thread's connection uses; call once per process. */
void naap_db_init(const naap_config *cfg);

/**
 * Runs one parameterized statement ($1..$n, text parameters; NULL entries are SQL NULL).
 * On success returns 0 and, if rows is not NULL, the result (free with naap_db_rows_free).
 * Errors: NAAP_EUNAVAILABLE (no connection), NAAP_ETIMEDOUT (statement timeout or no
 * answer in time), NAAP_ECONFLICT (unique or foreign-key violation), NAAP_ERR (logged).
 */
int naap_db_query(const char *sql, int nparams, const char *const *params, naap_db_rows **rows);
/** As naap_db_query, but gives up after timeout_ms instead of the statement timeout. */
int naap_db_query_timeout(const char *sql, int nparams, const char *const *params,
                          naap_db_rows **rows, int timeout_ms);

/**
 * Starts a transaction on this thread's connection (with its statement timeout).
 * Beginning while one is open is a bug: it returns NAAP_ERR (logged) and changes nothing.
 * Handlers use naap_db_tx instead.
 */
int naap_db_begin(void);
/** True while this thread has a transaction open. */
bool naap_db_in_tx(void);
/** Commits the open transaction. */
int naap_db_commit(void);
/** Rolls back the open transaction; safe to call when none is open. */
void naap_db_rollback(void);

/** Number of rows in a result. */
int naap_db_rows_count(const naap_db_rows *rows);
/** Number of rows a command changed. */
long naap_db_rows_affected(const naap_db_rows *rows);
/** Text value of a cell, or NULL for SQL NULL. */
const char *naap_db_value(const naap_db_rows *rows, int row, int col);
/** Frees a result; NULL is ignored. */
void naap_db_rows_free(naap_db_rows *rows);

/* ---- the handler kit: statements, rows and transactions -------------------------------
 *
 * Results fetched with an arena belong to it (freed with the request); columns are read
 * by name; a statement's parameters are written once with NAAP_PARAMS, which counts them.
 * Functions whose name ends in _tx must run inside an open transaction (naap_db_tx). */

/** The count and array of a statement's text parameters: NAAP_PARAMS(id, email). */
#define NAAP_PARAMS(...)                                                                           \
    (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)), (const char *const[])     \
    {                                                                                              \
        __VA_ARGS__                                                                                \
    }
/** A statement without parameters. */
#define NAAP_NO_PARAMS 0, NULL

/** Runs a statement; its rows (possibly none) belong to arena. Errors as naap_db_query. */
int naap_db_fetch(naap_arena *arena, const char *sql, int nparams, const char *const *params,
                  naap_db_rows **rows);
/** As naap_db_fetch, but NAAP_ENOTFOUND when the statement returned no row. */
int naap_db_fetch_one(naap_arena *arena, const char *sql, int nparams, const char *const *params,
                      naap_db_rows **rows);
/** Runs a statement whose rows are not wanted; *affected (may be NULL) gets the count. */
int naap_db_exec(const char *sql, int nparams, const char *const *params, long *affected);
/** 0 when the statement returns at least one row, NAAP_ENOTFOUND when none. */
int naap_db_exists(const char *sql, int nparams, const char *const *params);
/**
 * The first column of the first row, copied into arena (*out NULL for SQL NULL);
 * NAAP_ENOTFOUND when there is no row.
 */
int naap_db_value_of(naap_arena *arena, const char *sql, int nparams, const char *const *params,
                     const char **out);

/* Typed readers of a column by name. Naming a column the result does not have is a bug
 * in the caller's SQL: it is logged and the process aborts (the tests find it). */

/** Text of a column, or NULL for SQL NULL. */
const char *naap_db_text(const naap_db_rows *rows, int row, const char *col);
/** A boolean column; SQL NULL reads as false. */
bool naap_db_bool(const naap_db_rows *rows, int row, const char *col);
/** An integer column; SQL NULL reads as 0. */
long long naap_db_int(const naap_db_rows *rows, int row, const char *col);
/** A timestamp(3) column holding UTC as ISO-8601 with milliseconds (in arena), or NULL. */
const char *naap_db_time(naap_arena *arena, const naap_db_rows *rows, int row, const char *col);
/** A json/jsonb column as a new reference; SQL NULL (or unparsable text) is JSON null. */
json_t *naap_db_json(const naap_db_rows *rows, int row, const char *col);

/* Row to JSON by a descriptor table (api.md 1.3's serialization of rows). */
typedef enum naap_db_type {
    NAAP_DB_TEXT,  /* string, or null */
    NAAP_DB_BOOL,  /* true/false, or null */
    NAAP_DB_INT,   /* integer, or null */
    NAAP_DB_FLOAT, /* number, or null */
    NAAP_DB_TIME,  /* ISO-8601 string, or null */
    NAAP_DB_JSON,  /* the stored JSON (String[] columns: select them as to_jsonb(col)) */
} naap_db_type;

typedef struct naap_db_field {
    const char *key; /* JSON key; NULL ends the table */
    naap_db_type type;
    const char *column; /* result column; NULL: the same as key */
} naap_db_field;

/** One row as a new JSON object with the table's keys. */
json_t *naap_db_row_json(const naap_db_rows *rows, int row, const naap_db_field *fields);
/** Every row as a new JSON array of such objects. */
json_t *naap_db_rows_json(const naap_db_rows *rows, const naap_db_field *fields);

/** The work of one transaction: 0 to commit, anything else to roll back and return it. */
typedef int (*naap_db_tx_fn)(void *arg);

/**
 * Runs fn(arg) in a transaction: commits when it returns 0, rolls back otherwise, and
 * returns fn's code or the store's. With retries > 0 the whole transaction is run again
 * (at most retries more times) when it fails with NAAP_ECONFLICT (unique violation,
 * serialization failure, deadlock), so fn must not keep state across attempts other
 * than through arg. Never call it inside an open transaction (NAAP_ERR, logged).
 */
int naap_db_tx(naap_db_tx_fn fn, void *arg, int retries);

/** Closes every connection this process opened (after the HTTP threads are gone). */
void naap_db_close_all(void);

#endif
