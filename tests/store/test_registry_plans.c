/* The package list's plans (issue 13 item 5): at a registry of 20 000 packages, EXPLAIN of
 * the exact page query naap_package_list sends (naap_package_list_plan: same text, same
 * parameters) shows each sort walking an index and stopping at the page, and search and
 * category answered from an index instead of a scan of every package. Runs in a database
 * of its own, made by `naapd migrate` (so with migration 0006's indexes) on the PostgreSQL
 * of the `stores` fixture ($NAAPD_TEST_STATE/env.json), dropped at the end. */

#include "../unit/check.h"
#include "store_db.h"
#include "naap/arena.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/migrate.h"
#include "naap/package.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PACKAGES 20000

static naap_config cfg;
static store_db db;

/* 20 000 packages in 20 categories (and 50 in a rare one, "ai"), 1 in 20 a draft and 1 in
 * 20 unlisted, 1 in 33 deprecated, 1 in 10 unrated; 10 mention "quasar" in their
 * description, 40 more carry it as a keyword; one version each. */
static const char *const seed_sql[] = {
    "INSERT INTO \"Publisher\" (id, name, email, \"updatedAt\")"
    " SELECT 'pub' || g, 'Publisher ' || g, 'p' || g || '@example.com', now()"
    " FROM generate_series(1, 50) g",
    "INSERT INTO \"PluginPackage\" (id, name, \"displayName\", description, category, keywords,"
    " downloads, rating, deprecated, \"publishStatus\", \"publisherId\", \"createdAt\","
    " \"updatedAt\")"
    " SELECT 'pkg' || g, 'plugin-' || g, 'Plugin ' || g,"
    "  CASE WHEN g % 2000 = 7 THEN 'A quasar telemetry panel'"
    "       ELSE 'Monitoring dashboard number ' || g END,"
    "  CASE WHEN g % 400 = 5 THEN 'ai' ELSE 'cat' || (g % 20) END,"
    "  CASE WHEN g % 500 = 11 THEN ARRAY['quasar', 'common']"
    "       ELSE ARRAY['tag' || (g % 500), 'common'] END,"
    "  (g * 7919) % 100000,"
    "  CASE WHEN g % 10 = 0 THEN NULL ELSE ((g * 31) % 50) / 10.0 END,"
    "  g % 33 = 0,"
    "  CASE g % 20 WHEN 1 THEN 'draft' WHEN 2 THEN 'unlisted' ELSE 'published' END,"
    "  'pub' || (g % 50 + 1), timestamp '2024-01-01' + g * interval '17 minutes', now()"
    " FROM generate_series(1, 20000) g",
    "INSERT INTO \"PluginVersion\" (id, \"packageId\", version, manifest, \"publishedAt\")"
    " SELECT 'ver' || g, 'pkg' || g, '1.0.' || g, '{}',"
    "  timestamp '2024-01-01' + g * interval '1 hour' FROM generate_series(1, 20000) g",
    /* what autovacuum does to a table in use: statistics, and the GIN indexes' pending
     * lists merged (the planner prices those lists as a scan of every pending page) */
    "VACUUM (ANALYZE) \"PluginPackage\"",
    "VACUUM (ANALYZE) \"PluginVersion\"",
    "VACUUM (ANALYZE) \"PluginInstallation\"",
    NULL,
};

static int setup(void)
{
    cfg.pg_statement_timeout_ms = 20000;
    cfg.pg_connect_timeout_s = 5;
    cfg.migrations_dir = NAAPD_SOURCE_DIR "/migrations";
    cfg.naapd_schema = "naapd";
    if (store_db_create(&db, &cfg, "naap_plans") != 0)
        return -1;
    store_db_use(&cfg, db.url);
    if (naap_migrate_run(&cfg) != NAAP_OK) {
        fprintf(stderr, "naapd migrate failed on %s\n", db.url);
        return -1;
    }
    for (const char *const *s = seed_sql; *s; s++)
        if (store_db_exec(*s) != NAAP_OK)
            return -1;
    return 0;
}

static void teardown(void)
{
    CHECK(store_db_drop(&db, &cfg) == NAAP_OK);
}

/* ---- reading a plan ------------------------------------------------------------------ */

/* Calls fn on every node of a plan tree (EXPLAIN (FORMAT JSON)'s "Plan" and "Plans"). */
static void walk(json_t *node, void (*fn)(json_t *node, void *arg), void *arg)
{
    size_t i;
    json_t *child;

    fn(node, arg);
    json_array_foreach(json_object_get(node, "Plans"), i, child) walk(child, fn, arg);
}

static const char *field(json_t *node, const char *name)
{
    return json_string_value(json_object_get(node, name));
}

struct find {
    const char *index; /* an index scan of any kind on this index */
    const char *cond;  /* or: an index scan whose Index Cond mentions this */
    int found;
    int package_sorts; /* Sort nodes (full sorts) ordering packages: a page not walked */
};

static void visit(json_t *node, void *arg)
{
    struct find *f = arg;
    const char *type = field(node, "Node Type"), *index = field(node, "Index Name");
    const char *cond = field(node, "Index Cond");

    if (index && f->index && strcmp(index, f->index) == 0)
        f->found++;
    if (index && cond && f->cond && strstr(cond, f->cond))
        f->found++;
    if (type && strcmp(type, "Sort") == 0) {
        json_t *keys = json_object_get(node, "Sort Key");
        int packages = 0;
        for (size_t i = 0; i < json_array_size(keys); i++)
            packages += strncmp(json_string_value(json_array_get(keys, i)), "p.", 2) == 0;
        f->package_sorts += packages > 0;
    }
}

/* The plan of q, printed, and what find looks for in it. */
static struct find plan_of(const char *what, const naap_package_query *q, const char *index,
                           const char *cond)
{
    naap_arena *a = naap_arena_new();
    json_t *plan = NULL;
    struct find f = {index, cond, 0, 0};

    int rc = naap_package_list_plan(a, q, &plan);
    CHECK(rc == NAAP_OK);
    json_t *root = json_object_get(json_array_get(plan, 0), "Plan");
    CHECK(root != NULL);
    if (root)
        walk(root, visit, &f);
    if (!f.found || getenv("NAAPD_TEST_VERBOSE")) {
        char *s = json_dumps(root, JSON_INDENT(1));
        fprintf(stderr, "--- %s: plan\n%s\n", what, s ? s : "(none)");
        free(s);
    }
    printf("%-40s %s: %d, full sorts of packages: %d\n", what, index ? index : cond, f.found,
           f.package_sorts);
    json_decref(plan);
    naap_arena_free(a);
    return f;
}

/* ---- the paths ----------------------------------------------------------------------- */

static void test_sorts_walk_an_index(void)
{
    static const struct {
        const char *sort, *index;
    } sorts[] = {
        {NULL, "idx_packages_downloads"}, /* the default: downloads */
        {"downloads", "idx_packages_downloads"}, {"rating", "idx_packages_rating"},
        {"newest", "idx_packages_created"},      {"name", "PluginPackage_name_key"},
    };
    for (int published = 0; published <= 1; published++)
        for (size_t i = 0; i < sizeof(sorts) / sizeof(*sorts); i++) {
            naap_package_query q = {
                .sort = sorts[i].sort, .published_only = published, .limit = 20};
            char what[80];
            snprintf(what, sizeof(what), "%s sort=%s", published ? "marketplace" : "registry",
                     sorts[i].sort ? sorts[i].sort : "(default)");
            struct find f = plan_of(what, &q, sorts[i].index, NULL);
            CHECK(f.found == 1);
            CHECK(f.package_sorts == 0); /* LIMIT 20 stops the walk: no sort of every row */
        }
    /* a later page walks the same index */
    naap_package_query q = {.sort = "rating", .published_only = true, .limit = 20, .offset = 100};
    struct find f = plan_of("marketplace sort=rating offset=100", &q, "idx_packages_rating", NULL);
    CHECK(f.found == 1 && f.package_sorts == 0);
}

static void test_search_uses_the_trigram_and_keyword_indexes(void)
{
    const char *have = NULL;
    naap_arena *a = naap_arena_new();
    CHECK(naap_db_value_of(a, "SELECT to_regclass('public.idx_packages_search_trgm') IS NOT NULL",
                           NAAP_NO_PARAMS, &have) == NAAP_OK);
    CHECK_STR(have, "t"); /* the stores' role may create pg_trgm, so 0006 built it */
    naap_arena_free(a);

    for (int published = 0; published <= 1; published++) {
        naap_package_query q = {.search = "quasar", .published_only = published, .limit = 20};
        const char *what = published ? "marketplace search=quasar" : "registry search=quasar";
        CHECK(plan_of(what, &q, "idx_packages_search_trgm", NULL).found == 3); /* 3 columns */
        CHECK(plan_of(what, &q, "idx_packages_keywords", NULL).found == 1);
    }
    naap_package_query q = {.search = "quasar", .sort = "name", .limit = 20};
    CHECK(plan_of("registry search=quasar sort=name", &q, "idx_packages_search_trgm", NULL).found ==
          3);

    /* and what it finds is right: 10 by description, 40 by keyword, 1 of them deprecated */
    a = naap_arena_new();
    json_t *packages = NULL;
    long long total = -1;
    q = (naap_package_query){.search = "quasar", .limit = 100};
    CHECK(naap_package_list(a, &q, &packages, &total) == NAAP_OK);
    CHECK(total == 49);
    CHECK(json_array_size(packages) == 49);
    json_decref(packages);
    naap_arena_free(a);
}

static void test_category_filter(void)
{
    /* a rare category: its rows come from an index on category, then sort */
    for (int published = 0; published <= 1; published++) {
        naap_package_query q = {.category = "ai", .published_only = published, .limit = 20};
        const char *what = published ? "marketplace category=ai" : "registry category=ai";
        CHECK(plan_of(what, &q, NULL, "category = 'ai'").found == 1);
    }
    /* a common one (1 package in 20): walking the sort index finds a page sooner */
    naap_package_query q = {.category = "cat3", .published_only = true, .limit = 20};
    struct find f = plan_of("marketplace category=cat3", &q, "idx_packages_downloads", NULL);
    CHECK(f.found == 1 && f.package_sorts == 0);
}

int main(void)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (setup() != 0) {
        CHECK(!"setup");
        teardown();
        return check_report("test_registry_plans");
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("migrated and seeded %d packages in %.1f s\n", PACKAGES,
           (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    test_sorts_walk_an_index();
    test_search_uses_the_trigram_and_keyword_indexes();
    test_category_filter();
    teardown();
    return check_report("test_registry_plans");
}
