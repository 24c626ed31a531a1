#ifndef NAAP_TEST_STORE_DB_H
#define NAAP_TEST_STORE_DB_H

/* A PostgreSQL database of a store test's own, on the server of the ctest `stores`
 * fixture: for tests that need a schema (naapd's migrations, or tables shaped like them)
 * rather than a scratch table in the shared database. */

#include "store_env.h"
#include "naap/config.h"
#include "naap/db.h"
#include "naap/errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct store_db {
    char admin_url[512]; /* the fixture's database, where CREATE/DROP DATABASE run */
    char url[512];       /* the test's own database */
    char name[64];
} store_db;

/** Runs sql without parameters on this thread's connection; says so on stderr if it fails. */
static inline int store_db_exec(const char *sql)
{
    int rc = naap_db_exec(sql, NAAP_NO_PARAMS, NULL);
    if (rc != NAAP_OK)
        fprintf(stderr, "failed (%s): %.120s\n", naap_strerror(rc), sql);
    return rc;
}

/** Connects this process's store to url from now on. */
static inline void store_db_use(naap_config *cfg, const char *url)
{
    naap_db_close_all();
    cfg->database_url = (char *)url;
    naap_db_init(cfg);
}

/**
 * Creates a database named <prefix>_<pid>_<time> and leaves cfg connected to the fixture's
 * database (for settings on the new one); store_db_use(cfg, db->url) moves to it.
 */
static inline int store_db_create(store_db *db, naap_config *cfg, const char *prefix)
{
    char sql[256];
    char *url = store_env("admin_url");
    const char *slash = url ? strrchr(url, '/') : NULL;

    if (!slash) {
        free(url);
        return -1;
    }
    snprintf(db->admin_url, sizeof(db->admin_url), "%s", url);
    snprintf(db->name, sizeof(db->name), "%s_%d_%ld", prefix, (int)getpid(), (long)time(NULL));
    snprintf(db->url, sizeof(db->url), "%.*s/%s", (int)(slash - url), url, db->name);
    free(url);
    store_db_use(cfg, db->admin_url);
    snprintf(sql, sizeof(sql), "CREATE DATABASE \"%s\"", db->name);
    return store_db_exec(sql) == NAAP_OK ? 0 : -1;
}

/** Drops the database (whoever is still connected) and closes every connection. */
static inline int store_db_drop(store_db *db, naap_config *cfg)
{
    char sql[256];
    store_db_use(cfg, db->admin_url);
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", db->name);
    int rc = store_db_exec(sql);
    naap_db_close_all();
    return rc;
}

#endif
