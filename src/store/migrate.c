#include "naap/migrate.h"
#include "naap/alloc.h"
#include "naap/buf.h"
#include "naap/errors.h"
#include "naap/log.h"
#include "naap/own_schema.h"

#include <dirent.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef NAAPD_SHARE_DIR
#define NAAPD_SHARE_DIR "/usr/local/share/naapd"
#endif

#define NO_TRANSACTION_MARK "-- naapd:no-transaction"
/* Any constant works; it only has to be the same for every naapd migrate run. */
#define MIGRATE_LOCK_KEY "7011223344"

/* The history lives in naapd's schema. An older naapd kept it in public: it is moved
 * over (or, if a newer run already made the new one, merged and dropped), so upgrading
 * is one `naapd migrate`. One transaction, so a failure leaves the old layout intact. */
static const char *const history_sql =
    "BEGIN;"
    "CREATE SCHEMA IF NOT EXISTS " NAAP_OWN_SCHEMA ";"
    "DO $$ BEGIN"
    " IF to_regclass('public.naapd_migrations') IS NOT NULL THEN"
    "  IF to_regclass('" NAAP_OWN_SCHEMA ".naapd_migrations') IS NULL THEN"
    "   ALTER TABLE public.naapd_migrations SET SCHEMA " NAAP_OWN_SCHEMA ";"
    "  ELSE"
    "   INSERT INTO " NAAP_OWN_SCHEMA ".naapd_migrations (name, checksum, \"appliedAt\")"
    "    SELECT name, checksum, \"appliedAt\" FROM public.naapd_migrations"
    "    ON CONFLICT (name) DO NOTHING;"
    "   DROP TABLE public.naapd_migrations;"
    "  END IF;"
    " END IF;"
    "END $$;"
    "CREATE TABLE IF NOT EXISTS " NAAP_OWN_SCHEMA ".naapd_migrations ("
    " name TEXT PRIMARY KEY,"
    " checksum TEXT NOT NULL,"
    " \"appliedAt\" TIMESTAMP(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'));"
    "COMMIT";

/* What --dry-run reads: the history wherever it is, touching nothing. */
static const char *const history_read_sql =
    "SELECT to_regclass('" NAAP_OWN_SCHEMA ".naapd_migrations') IS NOT NULL,"
    " to_regclass('public.naapd_migrations') IS NOT NULL";

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* <bindir>/../share/naapd/migrations of the running binary, so an install under any
 * prefix or DESTDIR finds its own migrations; "" when /proc cannot say. */
static const char *beside_binary(void)
{
    static char dir[PATH_MAX];
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return "";
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return "";
    *slash = '\0';
    if (snprintf(dir, sizeof(dir), "%s/../share/naapd/migrations", exe) >= (int)sizeof(dir))
        return "";
    return dir;
}

const char *naap_migrate_dir(const naap_config *cfg)
{
    if (cfg->migrations_dir[0])
        return cfg->migrations_dir;
    if (is_dir("migrations"))
        return "migrations";
    const char *installed = beside_binary();
    if (installed[0] && is_dir(installed))
        return installed;
    return NAAPD_SHARE_DIR "/migrations";
}

static int is_migration_name(const char *name)
{
    size_t len = strlen(name);
    return len > 4 && strcmp(name + len - 4, ".sql") == 0 && name[0] >= '0' && name[0] <= '9';
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* FNV-1a: enough to notice that an applied file was edited afterwards. */
static void checksum(const char *data, size_t len, char out[17])
{
    unsigned long long h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)data[i];
        h *= 1099511628211ULL;
    }
    snprintf(out, 17, "%016llx", h);
}

static int read_file(const char *path, naap_buf *out)
{
    FILE *f = fopen(path, "rb");
    char chunk[8192];
    size_t n;

    if (!f) {
        naap_log_error("cannot read %s: %s", path, strerror(errno));
        return NAAP_ERR;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        naap_buf_append(out, chunk, n);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        naap_log_error("cannot read %s", path);
        return NAAP_ERR;
    }
    if (!out->data)
        naap_buf_append(out, "", 0);
    return NAAP_OK;
}

/* The schema every SQL text run here names as NAAP_OWN_SCHEMA; set once per run. */
static const char *own_schema = "naapd";

static int exec_ok(PGconn *pg, const char *sql, const char *what)
{
    char *own = naap_own_schema_expand(sql, own_schema);
    PGresult *r = PQexec(pg, own ? own : sql);
    free(own);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
        msg[strcspn(msg, "\n")] = '\0';
        naap_log_error("%s failed: %s", what, msg);
    }
    PQclear(r);
    return ok ? NAAP_OK : NAAP_ERR;
}

struct stmt_ctx {
    PGconn *pg;
    const char *file;
    int count;
};

static int exec_statement(const char *stmt, size_t len, void *arg)
{
    struct stmt_ctx *ctx = arg;
    char *sql = naap_xstrndup(stmt, len);
    char what[320];
    snprintf(what, sizeof(what), "%s statement %d", ctx->file, ++ctx->count);
    int rc = exec_ok(ctx->pg, sql, what);
    free(sql);
    return rc;
}

static int record(PGconn *pg, const char *name, const char *sum)
{
    const char *params[] = {name, sum};
    char *sql = naap_own_schema_expand("INSERT INTO " NAAP_OWN_SCHEMA
                                       ".naapd_migrations (name, checksum) VALUES ($1, $2)",
                                       own_schema);
    PGresult *r = PQexecParams(pg, sql, 2, NULL, params, NULL, NULL, 0);
    free(sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        naap_log_error("recording %s failed: %s", name, PQresultErrorMessage(r));
    PQclear(r);
    return ok ? NAAP_OK : NAAP_ERR;
}

/* Applies one file; in a transaction unless it carries the no-transaction mark. */
static int apply(PGconn *pg, const char *name, const char *sql, const char *sum)
{
    if (strncmp(sql, NO_TRANSACTION_MARK, strlen(NO_TRANSACTION_MARK)) == 0) {
        /* each statement commits on its own; a failure leaves earlier ones applied, and the
         * file (written to be re-runnable) is retried as a whole next time */
        struct stmt_ctx ctx = {pg, name, 0};
        if (naap_sql_split(sql, exec_statement, &ctx) != 0)
            return NAAP_ERR;
        return record(pg, name, sum);
    }
    if (exec_ok(pg, "BEGIN", "BEGIN") != NAAP_OK)
        return NAAP_ERR;
    /* PQexec runs the whole multi-statement file in the open transaction */
    if (exec_ok(pg, sql, name) != NAAP_OK || record(pg, name, sum) != NAAP_OK) {
        exec_ok(pg, "ROLLBACK", "ROLLBACK");
        return NAAP_ERR;
    }
    return exec_ok(pg, "COMMIT", "COMMIT");
}

/* Where the history is: naapd's schema after a real run; for a dry run, wherever an older
 * or newer naapd left it (both: a newer run's history plus an older run's leftovers). */
static const char *const history_from[] = {
    NULL, /* nowhere yet: nothing is applied */
    NAAP_OWN_SCHEMA ".naapd_migrations",
    "public.naapd_migrations",
    "(SELECT name, checksum FROM " NAAP_OWN_SCHEMA ".naapd_migrations UNION ALL"
    " SELECT name, checksum FROM public.naapd_migrations) h",
};

/* Returns the recorded checksum of name (malloc'd), or NULL when it is not applied. */
static char *applied_checksum(PGconn *pg, const char *from, const char *name, int *err)
{
    const char *params[] = {name};
    *err = 0;
    if (!from)
        return NULL;
    char *sql = naap_xasprintf("SELECT checksum FROM %s WHERE name = $1 LIMIT 1", from);
    char *own = naap_own_schema_expand(sql, own_schema);
    PGresult *r = PQexecParams(pg, own ? own : sql, 1, NULL, params, NULL, NULL, 0);
    char *sum = NULL;
    free(own);
    free(sql);
    *err = PQresultStatus(r) != PGRES_TUPLES_OK;
    if (*err)
        naap_log_error("reading naapd_migrations failed: %s", PQresultErrorMessage(r));
    else if (PQntuples(r) == 1)
        sum = naap_xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return sum;
}

/* Applies (or, with dry_run, lists on stdout) each file not yet in the history. */
static int run_files(PGconn *pg, const char *from, bool dry_run, const char *dir, char **names,
                     size_t count)
{
    int applied = 0;

    for (size_t i = 0; i < count; i++) {
        char *path = naap_xasprintf("%s/%s", dir, names[i]);
        naap_buf sql = {0};
        char sum[17];
        int err, rc = read_file(path, &sql);
        free(path);
        if (rc != NAAP_OK)
            return rc;
        checksum(sql.data, sql.len, sum);
        char *recorded = applied_checksum(pg, from, names[i], &err);
        if (err) {
            naap_buf_reset(&sql);
            return NAAP_ERR;
        }
        if (recorded) {
            if (strcmp(recorded, sum) != 0)
                naap_log_warn("%s changed after it was applied; not applying it again", names[i]);
            free(recorded);
            naap_buf_reset(&sql);
            continue;
        }
        if (dry_run) {
            printf("would apply %s\n", names[i]);
        } else {
            naap_log_info("applying %s", names[i]);
            rc = apply(pg, names[i], sql.data, sum);
        }
        naap_buf_reset(&sql);
        if (rc != NAAP_OK)
            return rc;
        applied++;
    }
    if (dry_run)
        printf("migrations: %d pending, %zu up to date\n", applied, count - (size_t)applied);
    else
        naap_log_info("migrations: %d applied, %zu up to date", applied, count - (size_t)applied);
    return NAAP_OK;
}

/* For a dry run: which history_from[] entry applies, or -1 on error. */
static int history_location(PGconn *pg)
{
    char *sql = naap_own_schema_expand(history_read_sql, own_schema);
    PGresult *r = PQexec(pg, sql);
    int where = -1;
    free(sql);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        where = (PQgetvalue(r, 0, 0)[0] == 't') + 2 * (PQgetvalue(r, 0, 1)[0] == 't');
    else
        naap_log_error("reading naapd_migrations failed: %s", PQresultErrorMessage(r));
    PQclear(r);
    return where;
}

static int migrate(const naap_config *cfg, bool dry_run)
{
    const char *dir = naap_migrate_dir(cfg);
    char **names = NULL;
    size_t count = 0;
    int rc = NAAP_ERR;
    PGconn *pg = NULL;

    own_schema = cfg->naapd_schema;
    DIR *d = opendir(dir);
    if (!d) {
        naap_log_error("migrations directory %s: %s", dir, strerror(errno));
        return NAAP_ERR;
    }
    for (struct dirent *e; (e = readdir(d));)
        if (is_migration_name(e->d_name)) {
            names = naap_xrealloc(names, (count + 1) * sizeof(*names));
            names[count++] = naap_xstrdup(e->d_name);
        }
    closedir(d);
    qsort(names, count, sizeof(*names), by_name);

    const char *keys[] = {"dbname", "connect_timeout", NULL};
    char timeout[16];
    snprintf(timeout, sizeof(timeout), "%d", cfg->pg_connect_timeout_s);
    const char *vals[] = {cfg->database_url, timeout, NULL};
    pg = PQconnectdbParams(keys, vals, 1);
    if (!pg || PQstatus(pg) != CONNECTION_OK) {
        char msg[256] = "out of memory";
        if (pg)
            snprintf(msg, sizeof(msg), "%s", PQerrorMessage(pg));
        msg[strcspn(msg, "\n")] = '\0';
        naap_log_error("cannot connect to DATABASE_URL: %s", msg);
        goto out;
    }
    /* Unqualified names in migrations written before NAAPD_SCHEMA (0003) meant public;
     * pin that, since a role named like naapd's schema would otherwise resolve "$user"
     * to it. A session SET is fine here: migrate needs a direct connection anyway. */
    if (exec_ok(pg, "SET client_min_messages = warning", "setup") != NAAP_OK ||
        exec_ok(pg, "SET search_path = public", "setup") != NAAP_OK)
        goto out;
    if (dry_run) {
        int where = history_location(pg);
        if (where < 0)
            goto out;
        if (where >= 2)
            printf("would move naapd_migrations from public to schema %s\n", own_schema);
        printf("migrating from %s (%zu files)\n", dir, count);
        rc = run_files(pg, history_from[where], true, dir, names, count);
        goto out;
    }
    /* a session-level advisory lock serializes concurrent `naapd migrate` runs (so this
     * command needs a direct connection, not PgBouncer transaction pooling) */
    if (exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", "lock") != NAAP_OK)
        goto out;
    if (exec_ok(pg, history_sql, "moving or creating naapd_migrations") != NAAP_OK) {
        exec_ok(pg, "ROLLBACK", "ROLLBACK");
    } else {
        naap_log_info("migrating from %s (%zu files) into schema %s", dir, count, own_schema);
        rc = run_files(pg, history_from[1], false, dir, names, count);
    }
    exec_ok(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", "unlock");
out:
    if (pg)
        PQfinish(pg);
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return rc;
}

int naap_migrate_run(const naap_config *cfg)
{
    return migrate(cfg, false);
}

int naap_migrate_dry_run(const naap_config *cfg)
{
    return migrate(cfg, true);
}
