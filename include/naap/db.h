#ifndef NAAP_DB_H
#define NAAP_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "naap/config.h"

/* PostgreSQL access for handlers and middleware. Each thread gets its own connection,
 * opened lazily on first use and reopened after a failure; nothing here is shared
 * between threads or survives a fork. Only unnamed statements (PQexecParams) are used:
 * named prepared statements break under PgBouncer's transaction pooling. */

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

/** Starts a transaction on this thread's connection (with its statement timeout). */
int naap_db_begin(void);
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

/** Closes every connection this process opened (after the HTTP threads are gone). */
void naap_db_close_all(void);

#endif
