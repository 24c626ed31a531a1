#include "naap/schema_drift.h"
#include "schema_drift_want.h"
#include "naap/arena.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/log.h"
#include "naap/own_schema.h"

#include <stdbool.h>
#include <string.h>

/* The live catalog of public and naapd's schema. Read in one transaction with an empty
 * search_path, so pg_get_constraintdef() qualifies every referenced table the same way
 * whatever the role's search_path is. */
struct live {
    naap_arena *arena;
    const char *own; /* NAAPD_SCHEMA */
    naap_db_rows *tables, *columns, *constraints, *indexes;
};

#define IN_SCHEMAS "n.nspname IN ('public', $1)"

static int read_live(void *arg)
{
    struct live *l = arg;
    int rc;

    if ((rc = naap_db_exec("SET LOCAL search_path = pg_catalog", NAAP_NO_PARAMS, NULL)) != 0)
        return rc;
    if ((rc = naap_db_fetch(l->arena,
                            "SELECT n.nspname AS s, c.relname AS t FROM pg_class c"
                            " JOIN pg_namespace n ON n.oid = c.relnamespace"
                            " WHERE c.relkind IN ('r', 'p') AND " IN_SCHEMAS,
                            NAAP_PARAMS(l->own), &l->tables)) != 0)
        return rc;
    if ((rc = naap_db_fetch(l->arena,
                            "SELECT n.nspname AS s, c.relname AS t, a.attname AS c,"
                            " format_type(a.atttypid, a.atttypmod) AS type,"
                            " a.attnotnull AS not_null FROM pg_attribute a"
                            " JOIN pg_class c ON c.oid = a.attrelid"
                            " JOIN pg_namespace n ON n.oid = c.relnamespace"
                            " WHERE c.relkind IN ('r', 'p') AND a.attnum > 0"
                            " AND NOT a.attisdropped AND " IN_SCHEMAS,
                            NAAP_PARAMS(l->own), &l->columns)) != 0)
        return rc;
    if ((rc = naap_db_fetch(l->arena,
                            "SELECT n.nspname AS s, t.relname AS t, k.conname AS name,"
                            " pg_get_constraintdef(k.oid) AS def FROM pg_constraint k"
                            " JOIN pg_class t ON t.oid = k.conrelid"
                            " JOIN pg_namespace n ON n.oid = t.relnamespace"
                            " WHERE k.contype IN ('p', 'f', 'u') AND " IN_SCHEMAS,
                            NAAP_PARAMS(l->own), &l->constraints)) != 0)
        return rc;
    /* the definition after USING: the same text whatever the table's schema */
    return naap_db_fetch(l->arena,
                         "SELECT n.nspname AS s, t.relname AS t, i.relname AS name,"
                         " CASE WHEN x.indisunique THEN 'UNIQUE ' ELSE '' END ||"
                         " regexp_replace(pg_get_indexdef(x.indexrelid), '^.*? USING ', '')"
                         " AS def, x.indisvalid AS valid FROM pg_index x"
                         " JOIN pg_class i ON i.oid = x.indexrelid"
                         " JOIN pg_class t ON t.oid = x.indrelid"
                         " JOIN pg_namespace n ON n.oid = t.relnamespace WHERE " IN_SCHEMAS,
                         NAAP_PARAMS(l->own), &l->indexes);
}

/* The row of rows whose column a equals va and column b equals vb (and c equals vc
 * unless c is NULL), or -1. */
static int find(const naap_db_rows *rows, const char *va, const char *b, const char *vb,
                const char *c, const char *vc)
{
    for (int i = 0, n = naap_db_rows_count(rows); i < n; i++)
        if (strcmp(naap_db_text(rows, i, "s"), va) == 0 &&
            strcmp(naap_db_text(rows, i, b), vb) == 0 &&
            (!c || strcmp(naap_db_text(rows, i, c), vc) == 0))
            return i;
    return -1;
}

static const char *schema_of(const struct live *l, const char *want_schema)
{
    return strcmp(want_schema, NAAP_OWN_SCHEMA) == 0 ? l->own : want_schema;
}

static bool table_present(const struct live *l, const char *schema, const char *table)
{
    return find(l->tables, schema, "t", table, NULL, NULL) >= 0;
}

/* "CREATE [UNIQUE] INDEX CONCURRENTLY ..." for an index definition as read_live gives it. */
static void print_create_index(FILE *out, const char *s, const char *t, const char *name,
                               const char *def)
{
    bool unique = strncmp(def, "UNIQUE ", 7) == 0;
    fprintf(out, "CREATE %sINDEX CONCURRENTLY \"%s\" ON \"%s\".\"%s\" USING %s;",
            unique ? "UNIQUE " : "", name, s, t, unique ? def + 7 : def);
}

static int check_tables(const struct live *l, FILE *out)
{
    int found = 0;
    const char *last = "";

    for (size_t i = 0; i < naap_want_columns_count; i++) {
        const struct naap_want_column *w = &naap_want_columns[i];
        const char *s = w->schema;
        if (strcmp(s, "public") != 0 || strcmp(w->table, last) == 0 ||
            table_present(l, s, w->table))
            continue; /* naapd's own tables: the loop below */
        last = w->table;
        if (strcmp(s, "public") == 0)
            fprintf(out,
                    "table \"%s\".\"%s\": missing; fix: add its model from "
                    "deploy/prisma/naapd.prisma to schema.prisma and run prisma db push "
                    "(or naapd migrate, on a database it has not migrated yet)\n",
                    s, w->table);
        else
            fprintf(out, "table \"%s\".\"%s\": missing; fix: naapd migrate\n", s, w->table);
        found++;
    }
    for (const char *const *t = naap_want_own_tables; *t; t++) {
        bool own = table_present(l, l->own, *t), in_public = table_present(l, "public", *t);
        if (!own && !in_public)
            fprintf(out, "table \"%s\".\"%s\": missing; fix: naapd migrate\n", l->own, *t);
        else if (in_public && !own)
            fprintf(out,
                    "table \"public\".\"%s\": naapd's own, in Prisma's schema; "
                    "fix: naapd migrate (moves it to schema %s)\n",
                    *t, l->own);
        else if (in_public)
            fprintf(out,
                    "table \"public\".\"%s\": a leftover copy of \"%s\".\"%s\"; "
                    "fix: DROP TABLE \"public\".\"%s\";\n",
                    *t, l->own, *t, *t);
        found += !own || in_public;
    }
    return found;
}

static int check_columns(const struct live *l, FILE *out)
{
    int found = 0;

    for (size_t i = 0; i < naap_want_columns_count; i++) {
        const struct naap_want_column *w = &naap_want_columns[i];
        const char *s = schema_of(l, w->schema);
        if (!table_present(l, s, w->table))
            continue; /* reported as a table */
        int r = find(l->columns, s, "t", w->table, "c", w->column);
        if (r < 0) {
            fprintf(out,
                    "column \"%s\".\"%s\".\"%s\": missing; fix: ALTER TABLE \"%s\".\"%s\" "
                    "ADD COLUMN \"%s\" %s%s;\n",
                    s, w->table, w->column, s, w->table, w->column, w->type,
                    w->not_null ? " NOT NULL" : "");
            found++;
            continue;
        }
        const char *type = naap_db_text(l->columns, r, "type");
        if (strcmp(type, w->type) != 0) {
            fprintf(out,
                    "column \"%s\".\"%s\".\"%s\": is %s, naapd needs %s; fix: ALTER TABLE "
                    "\"%s\".\"%s\" ALTER COLUMN \"%s\" TYPE %s;\n",
                    s, w->table, w->column, type, w->type, s, w->table, w->column, w->type);
            found++;
        }
        if (naap_db_bool(l->columns, r, "not_null") != w->not_null) {
            fprintf(out,
                    "column \"%s\".\"%s\".\"%s\": is %s, naapd needs %s; fix: ALTER TABLE "
                    "\"%s\".\"%s\" ALTER COLUMN \"%s\" %s NOT NULL;\n",
                    s, w->table, w->column, w->not_null ? "nullable" : "NOT NULL",
                    w->not_null ? "NOT NULL" : "nullable", s, w->table, w->column,
                    w->not_null ? "SET" : "DROP");
            found++;
        }
    }
    return found;
}

static int check_constraints(const struct live *l, FILE *out)
{
    int found = 0;

    for (size_t i = 0; i < naap_want_constraints_count; i++) {
        const struct naap_want_constraint *w = &naap_want_constraints[i];
        const char *s = schema_of(l, w->schema);
        if (!table_present(l, s, w->table))
            continue;
        int r = find(l->constraints, s, "t", w->table, "name", w->name);
        const char *def = r < 0 ? NULL : naap_db_text(l->constraints, r, "def");
        if (def && strcmp(def, w->def) == 0)
            continue;
        if (!def)
            fprintf(out,
                    "constraint \"%s\" on \"%s\".\"%s\": missing; fix: ALTER TABLE \"%s\".\"%s\" "
                    "ADD CONSTRAINT \"%s\" %s;\n",
                    w->name, s, w->table, s, w->table, w->name, w->def);
        else
            fprintf(out,
                    "constraint \"%s\" on \"%s\".\"%s\": is %s, naapd needs %s; fix: ALTER TABLE "
                    "\"%s\".\"%s\" DROP CONSTRAINT \"%s\", ADD CONSTRAINT \"%s\" %s;\n",
                    w->name, s, w->table, def, w->def, s, w->table, w->name, w->name, w->def);
        found++;
    }
    return found;
}

static int check_indexes(const struct live *l, FILE *out)
{
    int found = 0;

    for (size_t i = 0; i < naap_want_indexes_count; i++) {
        const struct naap_want_index *w = &naap_want_indexes[i];
        const char *s = schema_of(l, w->schema);
        if (!table_present(l, s, w->table))
            continue;
        int r = find(l->indexes, s, "name", w->name, "t", w->table);
        const char *def = r < 0 ? NULL : naap_db_text(l->indexes, r, "def");
        if (def && (strcmp(def, w->def) == 0 || !naap_db_bool(l->indexes, r, "valid")))
            continue; /* an invalid one is reported below, with every other */
        if (!def) {
            fprintf(out, "index \"%s\".\"%s\" on \"%s\": missing; fix: ", s, w->name, w->table);
        } else {
            fprintf(out, "index \"%s\".\"%s\" on \"%s\": is %s, naapd needs %s; fix: ", s, w->name,
                    w->table, def, w->def);
            fprintf(out, "DROP INDEX CONCURRENTLY \"%s\".\"%s\"; ", s, w->name);
        }
        print_create_index(out, s, w->table, w->name, w->def);
        fputc('\n', out);
        found++;
    }
    /* Any INVALID index: a CREATE INDEX CONCURRENTLY that was interrupted leaves one, which
     * every write still maintains, no query can use, and IF NOT EXISTS then skips forever. */
    for (int r = 0, n = naap_db_rows_count(l->indexes); r < n; r++) {
        if (naap_db_bool(l->indexes, r, "valid"))
            continue;
        const char *s = naap_db_text(l->indexes, r, "s"), *t = naap_db_text(l->indexes, r, "t");
        const char *name = naap_db_text(l->indexes, r, "name");
        const char *def = naap_db_text(l->indexes, r, "def");
        for (size_t i = 0; i < naap_want_indexes_count; i++)
            if (strcmp(naap_want_indexes[i].name, name) == 0 &&
                strcmp(schema_of(l, naap_want_indexes[i].schema), s) == 0)
                def = naap_want_indexes[i].def; /* rebuild it as naapd needs it */
        fprintf(out,
                "index \"%s\".\"%s\" on \"%s\": INVALID (an interrupted CREATE INDEX "
                "CONCURRENTLY); fix: DROP INDEX CONCURRENTLY \"%s\".\"%s\"; ",
                s, name, t, s, name);
        print_create_index(out, s, t, name, def);
        fputc('\n', out);
        found++;
    }
    return found;
}

int naap_schema_drift_check(const naap_config *cfg, FILE *out)
{
    struct live l = {.arena = naap_arena_new(), .own = cfg->naapd_schema};
    int rc;

    naap_db_init(cfg);
    rc = naap_db_tx(read_live, &l, 0);
    if (rc != 0) {
        naap_log_error("check-schema: cannot read the catalog (%s)", naap_strerror(rc));
        rc = NAAP_ERR;
        goto out;
    }
    rc = check_tables(&l, out);
    rc += check_columns(&l, out);
    rc += check_constraints(&l, out);
    rc += check_indexes(&l, out);
out:
    naap_db_close_all();
    naap_arena_free(l.arena);
    return rc;
}
