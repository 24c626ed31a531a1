#ifndef NAAP_MIGRATE_H
#define NAAP_MIGRATE_H

#include <stddef.h>

#include "naap/config.h"

/* `naapd migrate`: applies migrations/NNNN_*.sql in name order, once each, recording them
 * in naapd_migrations in naapd's own schema (NAAPD_SCHEMA; moved there from public, where
 * an older naapd kept it). A file whose first line is exactly "-- naapd:no-transaction"
 * runs statement by statement outside a transaction (CREATE INDEX CONCURRENTLY needs
 * that); every other file runs as one transaction. In every file, {naapd} (own_schema.h)
 * stands for that schema, quoted; the checksum is taken before the replacement. */

/** The directory migrations are read from: MIGRATIONS_DIR, ./migrations, the share dir. */
const char *naap_migrate_dir(const naap_config *cfg);
/** Applies what is pending; returns 0, or NAAP_ERR with the reason logged. */
int naap_migrate_run(const naap_config *cfg);
/** `naapd migrate --dry-run`: prints on stdout what would run, changing nothing. */
int naap_migrate_dry_run(const naap_config *cfg);

/**
 * Splits SQL text into statements at top-level semicolons, honouring quotes, quoted
 * identifiers, dollar quoting and comments. Calls fn for each non-blank statement
 * (without its semicolon); stops and returns fn's result when it is non-zero.
 */
int naap_sql_split(const char *sql, int (*fn)(const char *stmt, size_t len, void *ctx), void *ctx);

#endif
