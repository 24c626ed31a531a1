#include "db_result.h"
#include "naap/clock.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/log.h"

#include <stdlib.h>
#include <string.h>

static void free_rows(void *rows)
{
    naap_db_rows_free(rows);
}

int naap_db_fetch(naap_arena *arena, const char *sql, int nparams, const char *const *params,
                  naap_db_rows **rows)
{
    int rc = naap_db_query(sql, nparams, params, rows);
    if (rc == NAAP_OK)
        naap_arena_defer(arena, free_rows, *rows);
    return rc;
}

int naap_db_fetch_one(naap_arena *arena, const char *sql, int nparams, const char *const *params,
                      naap_db_rows **rows)
{
    int rc = naap_db_fetch(arena, sql, nparams, params, rows);
    if (rc == NAAP_OK && naap_db_rows_count(*rows) == 0)
        rc = NAAP_ENOTFOUND;
    return rc;
}

int naap_db_exec(const char *sql, int nparams, const char *const *params, long *affected)
{
    naap_db_rows *rows = NULL;
    int rc = naap_db_query(sql, nparams, params, affected ? &rows : NULL);
    if (affected)
        *affected = rc == NAAP_OK ? naap_db_rows_affected(rows) : 0;
    naap_db_rows_free(rows);
    return rc;
}

int naap_db_exists(const char *sql, int nparams, const char *const *params)
{
    naap_db_rows *rows = NULL;
    int rc = naap_db_query(sql, nparams, params, &rows);
    if (rc == NAAP_OK && naap_db_rows_count(rows) == 0)
        rc = NAAP_ENOTFOUND;
    naap_db_rows_free(rows);
    return rc;
}

int naap_db_value_of(naap_arena *arena, const char *sql, int nparams, const char *const *params,
                     const char **out)
{
    naap_db_rows *rows = NULL;
    int rc = naap_db_query(sql, nparams, params, &rows);

    *out = NULL;
    if (rc == NAAP_OK && naap_db_rows_count(rows) == 0)
        rc = NAAP_ENOTFOUND;
    if (rc == NAAP_OK && !PQgetisnull(rows->res, 0, 0))
        *out = naap_arena_strdup(arena, PQgetvalue(rows->res, 0, 0));
    naap_db_rows_free(rows);
    return rc;
}

/* A column the SQL does not select is a programming error, not a runtime condition:
 * failing loudly at the first test beats a silent null in every answer. */
static int column(const naap_db_rows *rows, const char *col)
{
    int i = PQfnumber(rows->res, col);
    if (i < 0) {
        naap_log_error("BUG: result has no column \"%s\"", col);
        abort();
    }
    return i;
}

/* PQfnumber folds unquoted names to lower case; our columns are camelCase, so every
 * name is looked up quoted. */
static const char *value(const naap_db_rows *rows, int row, const char *col)
{
    char q[128];
    size_t n = strlen(col);
    int i;

    if (n + 3 > sizeof(q))
        i = column(rows, col); /* too long to be one of ours: reported missing */
    else {
        q[0] = '"';
        memcpy(q + 1, col, n);
        q[n + 1] = '"';
        q[n + 2] = '\0';
        i = column(rows, q);
    }
    return PQgetisnull(rows->res, row, i) ? NULL : PQgetvalue(rows->res, row, i);
}

const char *naap_db_text(const naap_db_rows *rows, int row, const char *col)
{
    return value(rows, row, col);
}

bool naap_db_bool(const naap_db_rows *rows, int row, const char *col)
{
    const char *v = value(rows, row, col);
    return v && v[0] == 't';
}

long long naap_db_int(const naap_db_rows *rows, int row, const char *col)
{
    const char *v = value(rows, row, col);
    return v ? strtoll(v, NULL, 10) : 0;
}

const char *naap_db_time(naap_arena *arena, const naap_db_rows *rows, int row, const char *col)
{
    const char *v = value(rows, row, col);
    char iso[NAAP_ISO8601_SIZE];

    if (!v)
        return NULL;
    if (naap_clock_pg_to_iso8601(v, iso) != NAAP_OK) {
        naap_log_error("column %s is not a timestamp(3): %s", col, v);
        return NULL;
    }
    return naap_arena_strdup(arena, iso);
}

json_t *naap_db_json(const naap_db_rows *rows, int row, const char *col)
{
    const char *v = value(rows, row, col);
    json_t *j = v ? json_loads(v, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL) : NULL;
    return j ? j : json_null();
}

static json_t *field_json(const naap_db_rows *rows, int row, const naap_db_field *f)
{
    const char *col = f->column ? f->column : f->key;
    const char *v;
    char iso[NAAP_ISO8601_SIZE];

    if (f->type == NAAP_DB_JSON)
        return naap_db_json(rows, row, col);
    if (!(v = value(rows, row, col)))
        return json_null();
    switch (f->type) {
    case NAAP_DB_BOOL:
        return json_boolean(v[0] == 't');
    case NAAP_DB_INT:
        return json_integer(strtoll(v, NULL, 10));
    case NAAP_DB_FLOAT:
        return json_real(strtod(v, NULL));
    case NAAP_DB_TIME:
        return naap_clock_pg_to_iso8601(v, iso) == NAAP_OK ? json_string(iso) : json_null();
    default: {
        json_t *s = json_string(v);
        return s ? s : json_null(); /* not UTF-8: never in a UTF8 database */
    }
    }
}

json_t *naap_db_row_json(const naap_db_rows *rows, int row, const naap_db_field *fields)
{
    json_t *obj = json_object();
    for (const naap_db_field *f = fields; f->key; f++)
        json_object_set_new(obj, f->key, field_json(rows, row, f));
    return obj;
}

json_t *naap_db_rows_json(const naap_db_rows *rows, const naap_db_field *fields)
{
    json_t *arr = json_array();
    for (int i = 0; i < naap_db_rows_count(rows); i++)
        json_array_append_new(arr, naap_db_row_json(rows, i, fields));
    return arr;
}
