#include "naap/migrate.h"
#include "naap/alloc.h"
#include "naap/buf.h"
#include "naap/errors.h"
#include "naap/log.h"

#include <dirent.h>
#include <errno.h>
#include <libpq-fe.h>
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

static const char *const create_table_sql =
    "CREATE TABLE IF NOT EXISTS naapd_migrations ("
    " name TEXT PRIMARY KEY,"
    " checksum TEXT NOT NULL,"
    " \"appliedAt\" TIMESTAMP(3) NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'))";

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

static int exec_ok(PGconn *pg, const char *sql, const char *what)
{
    PGresult *r = PQexec(pg, sql);
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
    PGresult *r = PQexecParams(pg, "INSERT INTO naapd_migrations (name, checksum) VALUES ($1, $2)",
                               2, NULL, params, NULL, NULL, 0);
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

/* Returns the recorded checksum of name (malloc'd), or NULL when it is not applied. */
static char *applied_checksum(PGconn *pg, const char *name, int *err)
{
    const char *params[] = {name};
    PGresult *r = PQexecParams(pg, "SELECT checksum FROM naapd_migrations WHERE name = $1", 1, NULL,
                               params, NULL, NULL, 0);
    char *sum = NULL;
    *err = PQresultStatus(r) != PGRES_TUPLES_OK;
    if (*err)
        naap_log_error("reading naapd_migrations failed: %s", PQresultErrorMessage(r));
    else if (PQntuples(r) == 1)
        sum = naap_xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return sum;
}

static int run_files(PGconn *pg, const char *dir, char **names, size_t count)
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
        char *recorded = applied_checksum(pg, names[i], &err);
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
        naap_log_info("applying %s", names[i]);
        rc = apply(pg, names[i], sql.data, sum);
        naap_buf_reset(&sql);
        if (rc != NAAP_OK)
            return rc;
        applied++;
    }
    naap_log_info("migrations: %d applied, %zu up to date", applied, count - (size_t)applied);
    return NAAP_OK;
}

int naap_migrate_run(const naap_config *cfg)
{
    const char *dir = naap_migrate_dir(cfg);
    char **names = NULL;
    size_t count = 0;
    int rc = NAAP_ERR;
    PGconn *pg = NULL;

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
    /* a session-level advisory lock serializes concurrent `naapd migrate` runs (so this
     * command needs a direct connection, not PgBouncer transaction pooling) */
    if (exec_ok(pg, "SET client_min_messages = warning", "setup") != NAAP_OK ||
        exec_ok(pg, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", "lock") != NAAP_OK ||
        exec_ok(pg, create_table_sql, "creating naapd_migrations") != NAAP_OK)
        goto out;
    naap_log_info("migrating from %s (%zu files)", dir, count);
    rc = run_files(pg, dir, names, count);
    exec_ok(pg, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", "unlock");
out:
    if (pg)
        PQfinish(pg);
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return rc;
}
