#include "naap/package.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/role.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rows ------------------------------------------------------------------------------ */

/* api.md 6: every scalar column; keywords (TEXT[], may hold NULL) read as a JSON array. */
#define PACKAGE_COLS                                                                               \
    "p.id, p.name, p.\"displayName\", p.description, p.category, p.author, p.\"authorEmail\", "    \
    "p.repository, p.\"githubRepo\", p.license, "                                                  \
    "to_jsonb(COALESCE(p.keywords, '{}'::text[])) AS keywords, p.icon, p.downloads, p.rating, "    \
    "p.deprecated, p.\"isCore\", p.\"publishStatus\", p.\"publisherId\", p.\"createdAt\", "        \
    "p.\"updatedAt\""

static const naap_db_field package_fields[] = {
    {"id", NAAP_DB_TEXT, NULL},
    {"name", NAAP_DB_TEXT, NULL},
    {"displayName", NAAP_DB_TEXT, NULL},
    {"description", NAAP_DB_TEXT, NULL},
    {"category", NAAP_DB_TEXT, NULL},
    {"author", NAAP_DB_TEXT, NULL},
    {"authorEmail", NAAP_DB_TEXT, NULL},
    {"repository", NAAP_DB_TEXT, NULL},
    {"githubRepo", NAAP_DB_TEXT, NULL},
    {"license", NAAP_DB_TEXT, NULL},
    {"keywords", NAAP_DB_JSON, NULL},
    {"icon", NAAP_DB_TEXT, NULL},
    {"downloads", NAAP_DB_INT, NULL},
    {"rating", NAAP_DB_FLOAT, NULL},
    {"deprecated", NAAP_DB_BOOL, NULL},
    {"isCore", NAAP_DB_BOOL, NULL},
    {"publishStatus", NAAP_DB_TEXT, NULL},
    {"publisherId", NAAP_DB_TEXT, NULL},
    {"createdAt", NAAP_DB_TIME, NULL},
    {"updatedAt", NAAP_DB_TIME, NULL},
    {NULL, 0, NULL},
};

/* Version columns carry a "v_" prefix so they can sit next to a package's in one row. */
#define VERSION_COLS(t)                                                                            \
    t ".id AS \"v_id\", " t ".\"packageId\" AS \"v_packageId\", " t                                \
      ".version AS \"v_version\", " t ".manifest AS \"v_manifest\", " t                            \
      ".\"frontendUrl\" AS \"v_frontendUrl\", " t ".\"backendImage\" AS \"v_backendImage\", " t    \
      ".\"releaseNotes\" AS \"v_releaseNotes\", " t ".deprecated AS \"v_deprecated\", " t          \
      ".\"deprecationMsg\" AS \"v_deprecationMsg\", " t ".downloads AS \"v_downloads\", " t        \
      ".\"publishedAt\" AS \"v_publishedAt\""

static const naap_db_field version_fields[] = {
    {"id", NAAP_DB_TEXT, "v_id"},
    {"packageId", NAAP_DB_TEXT, "v_packageId"},
    {"version", NAAP_DB_TEXT, "v_version"},
    {"manifest", NAAP_DB_JSON, "v_manifest"},
    {"frontendUrl", NAAP_DB_TEXT, "v_frontendUrl"},
    {"backendImage", NAAP_DB_TEXT, "v_backendImage"},
    {"releaseNotes", NAAP_DB_TEXT, "v_releaseNotes"},
    {"deprecated", NAAP_DB_BOOL, "v_deprecated"},
    {"deprecationMsg", NAAP_DB_TEXT, "v_deprecationMsg"},
    {"downloads", NAAP_DB_INT, "v_downloads"},
    {"publishedAt", NAAP_DB_TIME, "v_publishedAt"},
    {NULL, 0, NULL},
};

static const naap_db_field installation_fields[] = {
    {"id", NAAP_DB_TEXT, NULL},
    {"status", NAAP_DB_TEXT, NULL},
    {NULL, 0, NULL},
};

/* ---- list ------------------------------------------------------------------------------ */

/* The filters of api.md 6.1, shared by the page and its count. A NULL parameter switches
 * its filter off; the planner sees the values (unnamed statements are planned per call),
 * so the switched-off branches cost nothing. */
#define LIST_WHERE                                                                                 \
    " WHERE NOT p.deprecated AND ($1::text IS NULL OR p.category = $1) "                           \
    "AND ($2::text IS NULL OR p.name ILIKE $3 ESCAPE '\\' OR p.\"displayName\" ILIKE $3 "          \
    "ESCAPE '\\' OR p.description ILIKE $3 ESCAPE '\\' OR p.keywords @> ARRAY[$2::text]) "         \
    "AND ($4::text IS NULL OR p.\"publisherId\" = $4) "                                            \
    "AND ($5::text IS NULL OR p.\"publishStatus\" = $5) "

/* Fixed ORDER BY choices (api.md 6.1); anything else pages by id, so pages stay stable. */
static const char *order_by(const char *sort)
{
    if (!sort || strcmp(sort, "downloads") == 0)
        return " ORDER BY p.downloads DESC, p.id";
    if (strcmp(sort, "rating") == 0)
        return " ORDER BY p.rating DESC, p.id"; /* NULLs first, as upstream */
    if (strcmp(sort, "newest") == 0)
        return " ORDER BY p.\"createdAt\" DESC, p.id";
    if (strcmp(sort, "name") == 0)
        return " ORDER BY p.name, p.id";
    return " ORDER BY p.id";
}

/* decisions.md "Registry errors": % and _ in a search match themselves. */
static const char *like_pattern(naap_arena *arena, const char *s)
{
    char *out = naap_arena_alloc(arena, 2 * strlen(s) + 3), *o = out;
    *o++ = '%';
    for (; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            *o++ = '\\';
        *o++ = *s;
    }
    *o++ = '%';
    *o = '\0';
    return out;
}

static json_t *list_item(naap_arena *arena, const naap_db_rows *rows, int i)
{
    json_t *pkg = naap_db_row_json(rows, i, package_fields);
    json_t *versions = json_array();
    long long installed = naap_db_int(rows, i, "installedCount");
    const char *latest = naap_db_text(rows, i, "v_version");

    (void)arena;
    if (naap_db_text(rows, i, "v_id"))
        json_array_append_new(versions, naap_db_row_json(rows, i, version_fields));
    json_object_set_new(pkg, "versions", versions);
    json_object_set_new(pkg, "_count", json_pack("{s:I}", "installations", (json_int_t)installed));
    if (latest)
        json_object_set_new(pkg, "latestVersion", json_string(latest));
    json_object_set_new(pkg, "installedCount", json_integer(installed));
    return pkg;
}

/* The page query of a list and its parameters: naap_package_list runs it, and
 * naap_package_list_plan explains exactly it. */
struct list_stmt {
    const char *sql, *pattern, *status;
    char limit[24], offset[24];
};

static void list_stmt(naap_arena *arena, const naap_package_query *q, struct list_stmt *st)
{
    st->pattern = q->search ? like_pattern(arena, q->search) : NULL;
    st->status = q->published_only ? "published" : NULL;
    snprintf(st->limit, sizeof(st->limit), "%lld", q->limit);
    snprintf(st->offset, sizeof(st->offset), "%lld", q->offset);
    /* the latest version by publishedAt rides along in the same row (LATERAL ... LIMIT 1 on
     * PluginVersion_packageId_publishedAt_idx), so a page is one query whatever its size */
    st->sql = naap_arena_printf(
        arena,
        "SELECT " PACKAGE_COLS ", " VERSION_COLS(
            "lv") ", "
                  "(SELECT count(*) FROM \"PluginInstallation\" i WHERE i.\"packageId\" = p.id) "
                  "AS \"installedCount\" FROM \"PluginPackage\" p LEFT JOIN LATERAL (SELECT * FROM "
                  "\"PluginVersion\" v WHERE v.\"packageId\" = p.id ORDER BY v.\"publishedAt\" "
                  "DESC, v.id "
                  "DESC LIMIT 1) lv ON true" LIST_WHERE "%s LIMIT $6 OFFSET $7",
        order_by(q->sort));
}

#define LIST_PARAMS(q, st)                                                                         \
    NAAP_PARAMS((q)->category, (q)->search, (st).pattern, (q)->publisher_id, (st).status,          \
                (st).limit, (st).offset)

int naap_package_list(naap_arena *arena, const naap_package_query *q, json_t **packages,
                      long long *total)
{
    struct list_stmt st;
    naap_db_rows *rows = NULL;
    const char *count;
    int rc;

    *packages = NULL;
    *total = 0;
    list_stmt(arena, q, &st);
    rc = naap_db_fetch(arena, st.sql, LIST_PARAMS(q, st), &rows);
    if (rc == NAAP_OK)
        rc = naap_db_value_of(
            arena, "SELECT count(*) FROM \"PluginPackage\" p" LIST_WHERE,
            NAAP_PARAMS(q->category, q->search, st.pattern, q->publisher_id, st.status), &count);
    if (rc != NAAP_OK)
        return rc;
    *total = strtoll(count, NULL, 10);
    *packages = json_array();
    for (int i = 0; i < naap_db_rows_count(rows); i++)
        json_array_append_new(*packages, list_item(arena, rows, i));
    return NAAP_OK;
}

int naap_package_list_plan(naap_arena *arena, const naap_package_query *q, json_t **plan)
{
    struct list_stmt st;
    const char *text;
    int rc;

    *plan = NULL;
    list_stmt(arena, q, &st);
    rc = naap_db_value_of(arena, naap_arena_printf(arena, "EXPLAIN (FORMAT JSON) %s", st.sql),
                          LIST_PARAMS(q, st), &text);
    if (rc != NAAP_OK)
        return rc;
    *plan = json_loads(text, 0, NULL);
    return *plan ? NAAP_OK : NAAP_ERR;
}

int naap_package_publisher_of(naap_arena *arena, const char *user_id, const char **publisher_id)
{
    return naap_db_value_of(arena,
                            "SELECT pub.id FROM \"Publisher\" pub JOIN \"User\" u "
                            "ON u.email = pub.email WHERE u.id = $1 "
                            "ORDER BY pub.\"createdAt\", pub.id LIMIT 1",
                            NAAP_PARAMS(user_id), publisher_id);
}

/* ---- detail ---------------------------------------------------------------------------- */

static int package_row(naap_arena *arena, const char *name, naap_db_rows **rows, const char **msg)
{
    int rc = naap_db_fetch_one(arena,
                               "SELECT " PACKAGE_COLS " FROM \"PluginPackage\" p "
                               "WHERE p.name = $1",
                               NAAP_PARAMS(name), rows);
    if (rc == NAAP_ENOTFOUND)
        *msg = "Package not found";
    return rc;
}

int naap_package_detail(naap_arena *arena, const char *name, json_t **package, const char **msg)
{
    naap_db_rows *pkg, *versions, *installs;
    int rc;

    *package = NULL;
    *msg = NULL;
    if ((rc = package_row(arena, name, &pkg, msg)) != NAAP_OK)
        return rc;
    const char *id = naap_db_text(pkg, 0, "id");
    if ((rc = naap_db_fetch(
             arena,
             "SELECT " VERSION_COLS(
                 "v") " FROM \"PluginVersion\" v "
                      "WHERE v.\"packageId\" = $1 ORDER BY v.\"publishedAt\" DESC, v.id DESC",
             NAAP_PARAMS(id), &versions)) != NAAP_OK ||
        (rc = naap_db_fetch(arena,
                            "SELECT id, status FROM \"PluginInstallation\" "
                            "WHERE \"packageId\" = $1 ORDER BY \"createdAt\", id",
                            NAAP_PARAMS(id), &installs)) != NAAP_OK)
        return rc;
    *package = naap_db_row_json(pkg, 0, package_fields);
    json_object_set_new(*package, "versions", naap_db_rows_json(versions, version_fields));
    json_object_set_new(*package, "installations",
                        naap_db_rows_json(installs, installation_fields));
    return NAAP_OK;
}

int naap_package_version(naap_arena *arena, const char *name, const char *version, json_t **package,
                         json_t **version_row, const char **msg)
{
    naap_db_rows *pkg, *ver;
    int rc;

    *package = *version_row = NULL;
    *msg = NULL;
    if ((rc = package_row(arena, name, &pkg, msg)) != NAAP_OK)
        return rc;
    rc = naap_db_fetch_one(
        arena,
        "SELECT " VERSION_COLS("v") " FROM \"PluginVersion\" v "
                                    "WHERE v.\"packageId\" = $1 AND v.version = $2",
        NAAP_PARAMS(naap_db_text(pkg, 0, "id"), version), &ver);
    if (rc == NAAP_ENOTFOUND)
        *msg = "Version not found";
    if (rc != NAAP_OK)
        return rc;
    *package = naap_db_row_json(pkg, 0, package_fields);
    *version_row = naap_db_row_json(ver, 0, version_fields);
    return NAAP_OK;
}

/* ---- writes ---------------------------------------------------------------------------- */

int naap_package_lock_tx(naap_arena *arena, const char *name, const char **id, const char **msg)
{
    int rc = naap_db_value_of(arena, "SELECT id FROM \"PluginPackage\" WHERE name = $1 FOR UPDATE",
                              NAAP_PARAMS(name), id);
    if (rc == NAAP_ENOTFOUND)
        *msg = "Package not found";
    return rc;
}

/* decisions.md 5 and "Publishers": the package's publisher is the caller when its email is
 * the caller's; a package without a publisher belongs to system:admin alone. */
static int may_change_tx(const char *user_id, const char *package_id, const char **msg)
{
    bool admin;
    int rc = naap_db_exists("SELECT 1 FROM \"PluginPackage\" p JOIN \"Publisher\" pub "
                            "ON pub.id = p.\"publisherId\" JOIN \"User\" u ON u.email = pub.email "
                            "WHERE p.id = $1 AND u.id = $2",
                            NAAP_PARAMS(package_id, user_id));
    if (rc != NAAP_ENOTFOUND)
        return rc;
    if ((rc = naap_role_is_admin(user_id, &admin)) != NAAP_OK)
        return rc;
    if (admin)
        return NAAP_OK;
    *msg = "Only the package's publisher or a system:admin may change it";
    return NAAP_EFORBIDDEN;
}

/* The caller's Publisher, created on their first publish (name = their email, which the
 * unique Publisher_name_key may already hold for someone else: then a suffix). */
static int publisher_tx(naap_arena *arena, const char *user_id, const char *now, const char **id,
                        const char **msg)
{
    naap_db_rows *user;
    char new_id[NAAP_UUID_SIZE];
    int rc = naap_package_publisher_of(arena, user_id, id);

    if (rc != NAAP_ENOTFOUND)
        return rc;
    if ((rc = naap_db_fetch_one(arena, "SELECT email, \"displayName\" FROM \"User\" WHERE id = $1",
                                NAAP_PARAMS(user_id), &user)) != NAAP_OK)
        return rc;
    const char *email = naap_db_text(user, 0, "email");
    if (!email) {
        *msg = "Publishing needs an account with an email address";
        return NAAP_EFORBIDDEN;
    }
    naap_uuid_v4(new_id);
    rc = naap_db_exec("INSERT INTO \"Publisher\" (id, name, \"displayName\", email, "
                      "\"createdAt\", \"updatedAt\") VALUES ($1, CASE WHEN EXISTS (SELECT 1 FROM "
                      "\"Publisher\" WHERE name = $2) THEN $2 || '-' || $1 ELSE $2 END, $3, $2, "
                      "$4, $4)",
                      NAAP_PARAMS(new_id, email, naap_db_text(user, 0, "displayName"), now), NULL);
    *id = naap_arena_strdup(arena, new_id);
    return rc;
}

struct publish_tx {
    naap_arena *arena;
    const naap_package_publish *in;
    naap_db_rows *package, *version;
    const char *msg;
};

/* api.md 6.4, step 1: category, keywords and publishStatus are always written, the other
 * manifest fields only when present; publisherId, isCore and githubRepo never change. */
static int upsert_package_tx(struct publish_tx *t, const char *now)
{
    const naap_package_publish *in = t->in;
    const char *package_id, *publisher_id;
    const char *category = in->category ? in->category : "other";
    const char *keywords = in->keywords_json ? in->keywords_json : "[]";
    char new_id[NAAP_UUID_SIZE];
    int rc = naap_package_lock_tx(t->arena, in->name, &package_id, &t->msg);

    if (rc == NAAP_OK) {
        t->msg = NULL;
        if ((rc = may_change_tx(in->user_id, package_id, &t->msg)) != NAAP_OK)
            return rc;
        return naap_db_fetch_one(
            t->arena,
            "UPDATE \"PluginPackage\" p SET \"displayName\" = COALESCE($2, \"displayName\"), "
            "description = COALESCE($3, description), category = $4, "
            "author = COALESCE($5, author), \"authorEmail\" = COALESCE($6, \"authorEmail\"), "
            "repository = COALESCE($7, repository), license = COALESCE($8, license), "
            "keywords = ARRAY(SELECT jsonb_array_elements_text($9::jsonb)), "
            "icon = COALESCE($10, icon), \"publishStatus\" = 'published', \"updatedAt\" = $11 "
            "WHERE id = $1 RETURNING " PACKAGE_COLS,
            NAAP_PARAMS(package_id, in->display_name, in->description, category, in->author,
                        in->author_email, in->repository, in->license, keywords, in->icon, now),
            &t->package);
    }
    if (rc != NAAP_ENOTFOUND)
        return rc;
    t->msg = NULL;
    if (!in->display_name) {
        t->msg = "manifest.displayName is required for a new package";
        return NAAP_EINVAL;
    }
    if ((rc = publisher_tx(t->arena, in->user_id, now, &publisher_id, &t->msg)) != NAAP_OK)
        return rc;
    naap_uuid_v4(new_id);
    return naap_db_fetch_one(
        t->arena,
        "INSERT INTO \"PluginPackage\" AS p (id, name, \"displayName\", description, category, "
        "author, \"authorEmail\", repository, license, keywords, icon, \"publishStatus\", "
        "\"publisherId\", \"createdAt\", \"updatedAt\") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        "$9, ARRAY(SELECT jsonb_array_elements_text($10::jsonb)), $11, 'published', $12, $13, "
        "$13) RETURNING " PACKAGE_COLS,
        NAAP_PARAMS(new_id, in->name, in->display_name, in->description, category, in->author,
                    in->author_email, in->repository, in->license, keywords, in->icon, publisher_id,
                    now),
        &t->package);
}

static int publish_tx(void *arg)
{
    struct publish_tx *t = arg;
    const naap_package_publish *in = t->in;
    char now[NAAP_ISO8601_SIZE], id[NAAP_UUID_SIZE];
    int rc;

    t->msg = NULL;
    naap_clock_iso8601(naap_clock_epoch_ms(), now);
    if ((rc = upsert_package_tx(t, now)) != NAAP_OK)
        return rc;
    const char *package_id = naap_db_text(t->package, 0, "id");
    /* decisions.md "Registry errors": 409, and step 1 is rolled back with it */
    rc = naap_db_exists("SELECT 1 FROM \"PluginVersion\" WHERE \"packageId\" = $1 AND version = $2",
                        NAAP_PARAMS(package_id, in->version));
    if (rc == NAAP_OK) {
        t->msg = "Version already exists";
        return NAAP_ECONFLICT;
    }
    if (rc != NAAP_ENOTFOUND)
        return rc;
    naap_uuid_v4(id);
    return naap_db_fetch_one(
        t->arena,
        "INSERT INTO \"PluginVersion\" AS v (id, \"packageId\", version, manifest, "
        "\"frontendUrl\", \"backendImage\", \"releaseNotes\", \"publishedAt\") VALUES ($1, $2, "
        "$3, $4::jsonb, $5, $6, $7, $8) RETURNING " VERSION_COLS("v"),
        NAAP_PARAMS(id, package_id, in->version, in->manifest_json, in->frontend_url,
                    in->backend_image, in->release_notes, now),
        &t->version);
}

int naap_package_publish_version(naap_arena *arena, const naap_package_publish *in,
                                 json_t **package, json_t **version, const char **msg)
{
    struct publish_tx t = {arena, in, NULL, NULL, NULL};
    /* one retry: two first publishes of one name race on PluginPackage_name_key */
    int rc = naap_db_tx(publish_tx, &t, 1);

    *package = *version = NULL;
    *msg = t.msg;
    if (rc != NAAP_OK)
        return rc;
    *package = naap_db_row_json(t.package, 0, package_fields);
    *version = naap_db_row_json(t.version, 0, version_fields);
    return NAAP_OK;
}

struct deprecate_tx {
    naap_arena *arena;
    const char *user_id, *name, *version, *message;
    long long installations;
    const char *msg;
};

static int deprecate_tx(void *arg)
{
    struct deprecate_tx *t = arg;
    const char *package_id, *count;
    char now[NAAP_ISO8601_SIZE];
    long affected;
    int rc;

    t->msg = NULL;
    if ((rc = naap_package_lock_tx(t->arena, t->name, &package_id, &t->msg)) != NAAP_OK ||
        (rc = may_change_tx(t->user_id, package_id, &t->msg)) != NAAP_OK)
        return rc;
    if ((rc = naap_db_exec("UPDATE \"PluginVersion\" SET deprecated = true, "
                           "\"deprecationMsg\" = COALESCE($3, \"deprecationMsg\") "
                           "WHERE \"packageId\" = $1 AND version = $2",
                           NAAP_PARAMS(package_id, t->version, t->message), &affected)) != NAAP_OK)
        return rc;
    if (affected == 0) { /* decisions.md "Registry errors": upstream answered 200 */
        t->msg = "Version not found";
        return NAAP_ENOTFOUND;
    }
    /* the package changed for every reader of it: keep its updatedAt honest */
    naap_clock_iso8601(naap_clock_epoch_ms(), now);
    if ((rc = naap_db_exec("UPDATE \"PluginPackage\" SET \"updatedAt\" = $2 WHERE id = $1",
                           NAAP_PARAMS(package_id, now), NULL)) != NAAP_OK)
        return rc;
    if ((rc = naap_db_value_of(
             t->arena, "SELECT count(*) FROM \"PluginInstallation\" WHERE \"packageId\" = $1",
             NAAP_PARAMS(package_id), &count)) != NAAP_OK)
        return rc;
    t->installations = strtoll(count, NULL, 10);
    return NAAP_OK;
}

int naap_package_deprecate(naap_arena *arena, const char *user_id, const char *name,
                           const char *version, const char *message, long long *installations,
                           const char **msg)
{
    struct deprecate_tx t = {arena, user_id, name, version, message, 0, NULL};
    int rc = naap_db_tx(deprecate_tx, &t, 0);

    *installations = t.installations;
    *msg = t.msg;
    return rc;
}
