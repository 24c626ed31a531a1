#ifndef NAAP_STORE_SCHEMA_DRIFT_WANT_H
#define NAAP_STORE_SCHEMA_DRIFT_WANT_H

#include <stdbool.h>
#include <stddef.h>

/* What naapd needs of the database, for schema_drift.c: the tables, columns, constraints
 * and indexes that migrations 0001-0005 leave (generated from a freshly migrated database,
 * so a fresh `naapd migrate` always passes). schema is "public" or NAAP_OWN_SCHEMA. */

struct naap_want_column {
    const char *schema, *table, *column;
    const char *type; /* format_type(), e.g. "timestamp(3) without time zone" */
    bool not_null;
};

struct naap_want_constraint {
    const char *schema, *table, *name;
    const char *def; /* pg_get_constraintdef() with an empty search_path */
};

struct naap_want_index {
    const char *schema, *table, *name;
    const char *def; /* ["UNIQUE "]"btree (...)" [WHERE ...]: pg_get_indexdef() after USING */
};

/* Tables come from the column list: a table is wanted when one of its columns is. Tables
 * whose columns another module owns list only the tables themselves. */
extern const struct naap_want_column naap_want_columns[];
extern const size_t naap_want_columns_count;
extern const char *const naap_want_own_tables[]; /* NULL-terminated, in NAAP_OWN_SCHEMA */
extern const struct naap_want_constraint naap_want_constraints[];
extern const size_t naap_want_constraints_count;
extern const struct naap_want_index naap_want_indexes[];
extern const size_t naap_want_indexes_count;

#endif
