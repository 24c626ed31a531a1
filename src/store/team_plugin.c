#include "naap/team_plugin.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/db.h"
#include "naap/deep_merge.h"
#include "naap/errors.h"

#include <string.h>

/* api.md 5's row shapes, as columns of the statements below (prefixed where joined) */
static const naap_db_field install_fields[] = {
    {"id", NAAP_DB_TEXT, "i.id"},
    {"teamId", NAAP_DB_TEXT, "i.teamId"},
    {"deploymentId", NAAP_DB_TEXT, "i.deploymentId"},
    {"installedBy", NAAP_DB_TEXT, "i.installedBy"},
    {"status", NAAP_DB_TEXT, "i.status"},
    {"enabled", NAAP_DB_BOOL, "i.enabled"},
    {"pinnedVersionId", NAAP_DB_TEXT, "i.pinnedVersionId"},
    {"sharedConfig", NAAP_DB_JSON, "i.sharedConfig"},
    {"createdAt", NAAP_DB_TIME, "i.createdAt"},
    {"updatedAt", NAAP_DB_TIME, "i.updatedAt"},
    {NULL, 0, NULL},
};

static const naap_db_field deployment_fields[] = {
    {"id", NAAP_DB_TEXT, "d.id"},
    {"packageId", NAAP_DB_TEXT, "d.packageId"},
    {"versionId", NAAP_DB_TEXT, "d.versionId"},
    {"status", NAAP_DB_TEXT, "d.status"},
    {"frontendUrl", NAAP_DB_TEXT, "d.frontendUrl"},
    {"backendUrl", NAAP_DB_TEXT, "d.backendUrl"},
    {"containerPort", NAAP_DB_INT, "d.containerPort"},
    {"databaseSchema", NAAP_DB_TEXT, "d.databaseSchema"},
    {"activeInstalls", NAAP_DB_INT, "d.activeInstalls"},
    {"deployedAt", NAAP_DB_TIME, "d.deployedAt"},
    {"lastHealthCheck", NAAP_DB_TIME, "d.lastHealthCheck"},
    {"healthStatus", NAAP_DB_TEXT, "d.healthStatus"},
    {"createdAt", NAAP_DB_TIME, "d.createdAt"},
    {"updatedAt", NAAP_DB_TIME, "d.updatedAt"},
    {NULL, 0, NULL},
};

static const naap_db_field access_fields[] = {
    {"id", NAAP_DB_TEXT, "a.id"},
    {"memberId", NAAP_DB_TEXT, "a.memberId"},
    {"pluginInstallId", NAAP_DB_TEXT, "a.pluginInstallId"},
    {"visible", NAAP_DB_BOOL, "a.visible"},
    {"canUse", NAAP_DB_BOOL, "a.canUse"},
    {"canConfigure", NAAP_DB_BOOL, "a.canConfigure"},
    {"pluginRole", NAAP_DB_TEXT, "a.pluginRole"},
    {"createdAt", NAAP_DB_TIME, "a.createdAt"},
    {"updatedAt", NAAP_DB_TIME, "a.updatedAt"},
    {NULL, 0, NULL},
};

static const naap_db_field config_fields[] = {
    {"id", NAAP_DB_TEXT, NULL},
    {"memberId", NAAP_DB_TEXT, NULL},
    {"pluginInstallId", NAAP_DB_TEXT, NULL},
    {"personalConfig", NAAP_DB_JSON, NULL},
    {"createdAt", NAAP_DB_TIME, NULL},
    {"updatedAt", NAAP_DB_TIME, NULL},
    {NULL, 0, NULL},
};

#define INSTALL_COLUMNS                                                                            \
    "i.id AS \"i.id\", i.\"teamId\" AS \"i.teamId\", i.\"deploymentId\" AS \"i.deploymentId\", "   \
    "i.\"installedBy\" AS \"i.installedBy\", i.status AS \"i.status\", i.enabled AS "              \
    "\"i.enabled\", i.\"pinnedVersionId\" AS \"i.pinnedVersionId\", i.\"sharedConfig\" AS "        \
    "\"i.sharedConfig\", i.\"createdAt\" AS \"i.createdAt\", i.\"updatedAt\" AS \"i.updatedAt\" "
#define DEPLOYMENT_COLUMNS                                                                         \
    "d.id AS \"d.id\", d.\"packageId\" AS \"d.packageId\", d.\"versionId\" AS \"d.versionId\", "   \
    "d.status AS \"d.status\", d.\"frontendUrl\" AS \"d.frontendUrl\", d.\"backendUrl\" AS "       \
    "\"d.backendUrl\", d.\"containerPort\" AS \"d.containerPort\", d.\"databaseSchema\" AS "       \
    "\"d.databaseSchema\", d.\"activeInstalls\" AS \"d.activeInstalls\", d.\"deployedAt\" AS "     \
    "\"d.deployedAt\", d.\"lastHealthCheck\" AS \"d.lastHealthCheck\", d.\"healthStatus\" AS "     \
    "\"d.healthStatus\", d.\"createdAt\" AS \"d.createdAt\", d.\"updatedAt\" AS \"d.updatedAt\" "
#define ACCESS_COLUMNS                                                                             \
    "a.id AS \"a.id\", a.\"memberId\" AS \"a.memberId\", a.\"pluginInstallId\" AS "                \
    "\"a.pluginInstallId\", a.visible AS \"a.visible\", a.\"canUse\" AS \"a.canUse\", "            \
    "a.\"canConfigure\" AS \"a.canConfigure\", a.\"pluginRole\" AS \"a.pluginRole\", "             \
    "a.\"createdAt\" AS \"a.createdAt\", a.\"updatedAt\" AS \"a.updatedAt\" "
#define CONFIG_COLUMNS                                                                             \
    "id, \"memberId\", \"pluginInstallId\", \"personalConfig\", \"createdAt\", \"updatedAt\" "

static void now_iso(char out[NAAP_ISO8601_SIZE])
{
    naap_clock_iso8601(naap_clock_epoch_ms(), out);
}

static void decref(void *json)
{
    json_decref(json);
}

/* A single-row statement whose row is described by fields. */
static int one_row(naap_arena *arena, const char *sql, int n, const char *const *params,
                   const naap_db_field *fields, json_t **out)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch_one(arena, sql, n, params, &rows);
    if (rc == NAAP_OK)
        *out = naap_db_row_json(rows, 0, fields);
    return rc;
}

int naap_plugin_list(naap_arena *arena, const char *team_id, json_t **plugins)
{
    static const naap_db_field package_brief[] = {
        {"id", NAAP_DB_TEXT, "p.id"},
        {"name", NAAP_DB_TEXT, "p.name"},
        {"displayName", NAAP_DB_TEXT, "p.displayName"},
        {"description", NAAP_DB_TEXT, "p.description"},
        {"icon", NAAP_DB_TEXT, "p.icon"},
        {"isCore", NAAP_DB_BOOL, "p.isCore"},
        {NULL, 0, NULL},
    };
    static const naap_db_field version_brief[] = {
        {"id", NAAP_DB_TEXT, "v.id"},
        {"version", NAAP_DB_TEXT, "v.version"},
        {NULL, 0, NULL},
    };
    naap_db_rows *rows;
    int rc = naap_db_fetch(
        arena,
        "SELECT " INSTALL_COLUMNS ", " DEPLOYMENT_COLUMNS
        ", p.id AS \"p.id\", p.name AS \"p.name\", p.\"displayName\" AS \"p.displayName\", "
        "p.description AS \"p.description\", p.icon AS \"p.icon\", p.\"isCore\" AS \"p.isCore\", "
        "v.id AS \"v.id\", v.version AS \"v.version\", "
        "(SELECT count(*) FROM \"TeamMemberPluginAccess\" c WHERE c.\"pluginInstallId\" = i.id) "
        "AS \"accessCount\" FROM \"TeamPluginInstall\" i "
        "JOIN \"PluginDeployment\" d ON d.id = i.\"deploymentId\" "
        "JOIN \"PluginPackage\" p ON p.id = d.\"packageId\" "
        "LEFT JOIN \"PluginVersion\" v ON v.id = d.\"versionId\" "
        "WHERE i.\"teamId\" = $1 ORDER BY i.\"createdAt\", i.id",
        NAAP_PARAMS(team_id), &rows);
    if (rc != NAAP_OK)
        return rc;
    *plugins = json_array();
    for (int i = 0; i < naap_db_rows_count(rows); i++) {
        json_t *install = naap_db_row_json(rows, i, install_fields);
        json_t *d = naap_db_row_json(rows, i, deployment_fields);
        json_object_set_new(d, "package", naap_db_row_json(rows, i, package_brief));
        json_object_set_new(d, "version", naap_db_row_json(rows, i, version_brief));
        json_object_set_new(install, "deployment", d);
        json_object_set_new(
            install, "_count",
            json_pack("{s:I}", "memberAccess", (json_int_t)naap_db_int(rows, i, "accessCount")));
        json_array_append_new(*plugins, install);
    }
    return NAAP_OK;
}

int naap_plugin_install_get(naap_arena *arena, const char *team_id, const char *install_id,
                            naap_plugin_install *out)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch_one(arena,
                               "SELECT i.id, p.id AS \"packageId\", p.name, p.\"isCore\", "
                               "i.\"sharedConfig\" FROM \"TeamPluginInstall\" i "
                               "JOIN \"PluginDeployment\" d ON d.id = i.\"deploymentId\" "
                               "JOIN \"PluginPackage\" p ON p.id = d.\"packageId\" "
                               "WHERE i.\"teamId\" = $1 AND i.id = $2",
                               NAAP_PARAMS(team_id, install_id), &rows);
    memset(out, 0, sizeof(*out));
    if (rc != NAAP_OK)
        return rc;
    out->id = naap_db_text(rows, 0, "id");
    out->package_id = naap_db_text(rows, 0, "packageId");
    out->package_name = naap_db_text(rows, 0, "name");
    out->is_core = naap_db_bool(rows, 0, "isCore");
    out->shared_config = naap_db_json(rows, 0, "sharedConfig");
    naap_arena_defer(arena, decref, out->shared_config);
    return NAAP_OK;
}

int naap_plugin_package_latest(naap_arena *arena, const char *name, naap_plugin_package *out)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch_one(arena,
                               "SELECT p.id, v.id AS \"versionId\", v.manifest "
                               "FROM \"PluginPackage\" p LEFT JOIN LATERAL (SELECT id, manifest "
                               "FROM \"PluginVersion\" WHERE \"packageId\" = p.id "
                               "ORDER BY \"publishedAt\" DESC, id DESC LIMIT 1) v ON true "
                               "WHERE p.name = $1",
                               NAAP_PARAMS(name), &rows);
    memset(out, 0, sizeof(*out));
    if (rc != NAAP_OK)
        return rc;
    out->id = naap_db_text(rows, 0, "id");
    out->version_id = naap_db_text(rows, 0, "versionId");
    out->manifest = out->version_id ? naap_db_json(rows, 0, "manifest") : NULL;
    return NAAP_OK;
}

int naap_plugin_install_tx(naap_arena *arena, const char *team_id, const char *package_id,
                           const char *version_id, const char *user_id, json_t **install)
{
    char id[NAAP_UUID_SIZE], now[NAAP_ISO8601_SIZE];
    const char *deployment;
    int rc;

    naap_uuid_v4(id);
    now_iso(now);
    /* get-or-create, then lock: installs and uninstalls of one package serialize on its
     * deployment row, so activeInstalls always equals the installs that exist */
    if ((rc = naap_db_exec("INSERT INTO \"PluginDeployment\" (id, \"packageId\", \"versionId\", "
                           "status, \"activeInstalls\", \"createdAt\", \"updatedAt\") VALUES "
                           "(gen_random_uuid()::text, $1, $2, 'pending', 0, $3, $3) "
                           "ON CONFLICT (\"packageId\") DO NOTHING",
                           NAAP_PARAMS(package_id, version_id, now), NULL)) != NAAP_OK ||
        (rc = naap_db_value_of(arena,
                               "SELECT id FROM \"PluginDeployment\" WHERE \"packageId\" = $1 "
                               "FOR UPDATE",
                               NAAP_PARAMS(package_id), &deployment)) != NAAP_OK)
        return rc;
    if (naap_db_exists("SELECT 1 FROM \"TeamPluginInstall\" WHERE \"teamId\" = $1 AND "
                       "\"deploymentId\" = $2",
                       NAAP_PARAMS(team_id, deployment)) == NAAP_OK)
        return NAAP_ECONFLICT;
    if ((rc = one_row(arena,
                      "INSERT INTO \"TeamPluginInstall\" AS i (id, \"teamId\", \"deploymentId\", "
                      "\"installedBy\", status, enabled, \"createdAt\", \"updatedAt\") "
                      "VALUES ($1, $2, $3, $4, 'active', true, $5, $5) RETURNING " INSTALL_COLUMNS,
                      NAAP_PARAMS(id, team_id, deployment, user_id, now), install_fields,
                      install)) != NAAP_OK ||
        (rc = naap_db_exec("UPDATE \"PluginDeployment\" SET \"activeInstalls\" = "
                           "\"activeInstalls\" + 1, \"updatedAt\" = $2 WHERE id = $1",
                           NAAP_PARAMS(deployment, now), NULL)) != NAAP_OK)
        return rc;
    return naap_db_exec("INSERT INTO \"TeamMemberPluginAccess\" (id, \"memberId\", "
                        "\"pluginInstallId\", visible, \"canUse\", \"canConfigure\", "
                        "\"createdAt\", \"updatedAt\") SELECT gen_random_uuid()::text, m.id, $1, "
                        "true, true, m.role IN ('owner', 'admin'), $3, $3 FROM \"TeamMember\" m "
                        "WHERE m.\"teamId\" = $2",
                        NAAP_PARAMS(id, team_id, now), NULL);
}

int naap_plugin_uninstall_tx(const char *install_id)
{
    char now[NAAP_ISO8601_SIZE];
    long n;
    int rc;

    now_iso(now);
    /* lock the deployment first, in the same order as install */
    if ((rc = naap_db_exec("SELECT 1 FROM \"PluginDeployment\" d JOIN \"TeamPluginInstall\" i "
                           "ON i.\"deploymentId\" = d.id WHERE i.id = $1 FOR UPDATE OF d",
                           NAAP_PARAMS(install_id), NULL)) != NAAP_OK ||
        (rc = naap_db_exec("WITH gone AS (DELETE FROM \"TeamPluginInstall\" WHERE id = $1 "
                           "RETURNING \"deploymentId\") UPDATE \"PluginDeployment\" d SET "
                           "\"activeInstalls\" = greatest(d.\"activeInstalls\" - 1, 0), "
                           "\"updatedAt\" = $2 FROM gone WHERE d.id = gone.\"deploymentId\"",
                           NAAP_PARAMS(install_id, now), &n)) != NAAP_OK)
        return rc;
    return n == 0 ? NAAP_ENOTFOUND : NAAP_OK;
}

int naap_plugin_set_shared_config_tx(naap_arena *arena, const char *install_id, const char *config,
                                     json_t **install)
{
    char now[NAAP_ISO8601_SIZE];
    now_iso(now);
    return one_row(arena,
                   "UPDATE \"TeamPluginInstall\" AS i SET \"sharedConfig\" = $2::jsonb, "
                   "\"updatedAt\" = $3 WHERE id = $1 RETURNING " INSTALL_COLUMNS,
                   NAAP_PARAMS(install_id, config, now), install_fields, install);
}

int naap_plugin_set_enabled(naap_arena *arena, const char *install_id, bool enabled,
                            json_t **install)
{
    char now[NAAP_ISO8601_SIZE];
    now_iso(now);
    return one_row(arena,
                   "UPDATE \"TeamPluginInstall\" AS i SET enabled = $2::boolean, "
                   "\"updatedAt\" = $3 WHERE id = $1 RETURNING " INSTALL_COLUMNS,
                   NAAP_PARAMS(install_id, enabled ? "true" : "false", now), install_fields,
                   install);
}

int naap_plugin_member_access(naap_arena *arena, const char *member_id, json_t **access)
{
    static const naap_db_field package_brief[] = {
        {"name", NAAP_DB_TEXT, "p.name"},
        {"displayName", NAAP_DB_TEXT, "p.displayName"},
        {"icon", NAAP_DB_TEXT, "p.icon"},
        {"isCore", NAAP_DB_BOOL, "p.isCore"},
        {NULL, 0, NULL},
    };
    naap_db_rows *rows;
    int rc = naap_db_fetch(arena,
                           "SELECT " ACCESS_COLUMNS ", " INSTALL_COLUMNS ", " DEPLOYMENT_COLUMNS
                           ", p.name AS \"p.name\", p.\"displayName\" AS \"p.displayName\", "
                           "p.icon AS \"p.icon\", p.\"isCore\" AS \"p.isCore\" "
                           "FROM \"TeamMemberPluginAccess\" a "
                           "JOIN \"TeamPluginInstall\" i ON i.id = a.\"pluginInstallId\" "
                           "JOIN \"PluginDeployment\" d ON d.id = i.\"deploymentId\" "
                           "JOIN \"PluginPackage\" p ON p.id = d.\"packageId\" "
                           "WHERE a.\"memberId\" = $1 ORDER BY a.\"createdAt\", a.id",
                           NAAP_PARAMS(member_id), &rows);
    if (rc != NAAP_OK)
        return rc;
    *access = json_array();
    for (int i = 0; i < naap_db_rows_count(rows); i++) {
        json_t *a = naap_db_row_json(rows, i, access_fields);
        json_t *install = naap_db_row_json(rows, i, install_fields);
        json_t *d = naap_db_row_json(rows, i, deployment_fields);
        json_object_set_new(d, "package", naap_db_row_json(rows, i, package_brief));
        json_object_set_new(install, "deployment", d);
        json_object_set_new(a, "pluginInstall", install);
        json_array_append_new(*access, a);
    }
    return NAAP_OK;
}

static const char *flag(const naap_value *v)
{
    return v->state == NAAP_V_SET ? (v->flag ? "true" : "false") : NULL;
}

int naap_plugin_access_upsert_tx(naap_arena *arena, const char *member_id, const char *install_id,
                                 const naap_value *visible, const naap_value *can_use,
                                 const naap_value *can_configure, const naap_value *plugin_role,
                                 json_t **access)
{
    char id[NAAP_UUID_SIZE], now[NAAP_ISO8601_SIZE];

    naap_uuid_v4(id);
    now_iso(now);
    /* $n IS NULL: the key was absent and the column keeps its value (or its default on
     * create); pluginRole distinguishes absent ($8 = '0') from an explicit null */
    return one_row(
        arena,
        "INSERT INTO \"TeamMemberPluginAccess\" AS a (id, \"memberId\", \"pluginInstallId\", "
        "visible, \"canUse\", \"canConfigure\", \"pluginRole\", \"createdAt\", \"updatedAt\") "
        "VALUES ($1, $2, $3, coalesce($4::boolean, true), coalesce($5::boolean, true), "
        "coalesce($6::boolean, false), $7, $9, $9) "
        "ON CONFLICT (\"memberId\", \"pluginInstallId\") DO UPDATE SET "
        "visible = coalesce($4::boolean, a.visible), "
        "\"canUse\" = coalesce($5::boolean, a.\"canUse\"), "
        "\"canConfigure\" = coalesce($6::boolean, a.\"canConfigure\"), "
        "\"pluginRole\" = CASE WHEN $8 = '1' THEN $7 ELSE a.\"pluginRole\" END, "
        "\"updatedAt\" = $9 RETURNING " ACCESS_COLUMNS,
        NAAP_PARAMS(id, member_id, install_id, flag(visible), flag(can_use), flag(can_configure),
                    plugin_role->str, plugin_role->state ? "1" : "0", now),
        access_fields, access);
}

/* The hottest read of the API (api.md 5.8): membership, the caller's visible and usable
 * installs with their personal configs, and the core packages not installed in the team,
 * in one round trip. Rows of kind 0 only say "is a member". The statement is planned on
 * every call (no named prepared statements: PgBouncer), and planning used to cost several
 * times its execution (issue 15): the lookups by unique key (personal config, versions) are
 * scalar subqueries rather than joins, which leaves the planner five relations to order
 * instead of eight and halves the planning time; the rows are the same. */
int naap_plugin_my_plugins(naap_arena *arena, const char *team_id, const char *user_id,
                           json_t **plugins)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch(
        arena,
        "WITH me AS (SELECT id FROM \"TeamMember\" WHERE \"teamId\" = $1 AND \"userId\" = $2) "
        "SELECT 0 AS kind, NULL AS \"installId\", NULL::boolean AS visible, NULL::boolean AS "
        "\"canUse\", NULL::boolean AS \"canConfigure\", NULL AS \"pluginRole\", NULL::jsonb AS "
        "shared, NULL::jsonb AS personal, NULL AS \"deploymentId\", NULL AS \"frontendUrl\", "
        "NULL AS \"backendUrl\", NULL AS name, NULL AS \"displayName\", NULL AS icon, "
        "NULL::boolean AS \"isCore\", NULL AS version, NULL::timestamp AS o1, NULL AS o2 FROM me "
        "UNION ALL "
        "SELECT 1, i.id, a.visible, a.\"canUse\", a.\"canConfigure\", a.\"pluginRole\", "
        "i.\"sharedConfig\", (SELECT c.\"personalConfig\" FROM \"TeamMemberPluginConfig\" c "
        "WHERE c.\"memberId\" = me.id AND c.\"pluginInstallId\" = i.id), "
        "d.id, d.\"frontendUrl\", d.\"backendUrl\", p.name, p.\"displayName\", p.icon, "
        "p.\"isCore\", "
        "coalesce((SELECT v.version FROM \"PluginVersion\" v WHERE v.id = i.\"pinnedVersionId\"), "
        "(SELECT v.version FROM \"PluginVersion\" v WHERE v.id = d.\"versionId\")), "
        "i.\"createdAt\", i.id FROM me "
        "JOIN \"TeamMemberPluginAccess\" a ON a.\"memberId\" = me.id "
        "JOIN \"TeamPluginInstall\" i ON i.id = a.\"pluginInstallId\" AND i.\"teamId\" = $1 "
        "JOIN \"PluginDeployment\" d ON d.id = i.\"deploymentId\" "
        "JOIN \"PluginPackage\" p ON p.id = d.\"packageId\" "
        "WHERE a.visible AND a.\"canUse\" AND i.enabled "
        "UNION ALL "
        "SELECT 2, 'core-' || p.name, true, true, false, NULL, NULL, NULL, d.id, "
        "d.\"frontendUrl\", d.\"backendUrl\", p.name, p.\"displayName\", p.icon, true, "
        "(SELECT v.version FROM \"PluginVersion\" v WHERE v.id = d.\"versionId\"), "
        "p.\"createdAt\", p.id FROM me CROSS JOIN \"PluginPackage\" p "
        "JOIN \"PluginDeployment\" d ON d.\"packageId\" = p.id "
        "WHERE p.\"isCore\" AND NOT EXISTS (SELECT 1 FROM \"TeamPluginInstall\" x "
        "WHERE x.\"teamId\" = $1 AND x.\"deploymentId\" = d.id) "
        "ORDER BY kind, o1, o2",
        NAAP_PARAMS(team_id, user_id), &rows);
    if (rc != NAAP_OK)
        return rc;
    int n = naap_db_rows_count(rows);
    if (n == 0)
        return NAAP_ENOTFOUND;
    *plugins = json_array();
    for (int i = 1; i < n; i++) {
        const char *name = naap_db_text(rows, i, "name");
        json_t *shared = naap_db_json(rows, i, "shared");
        json_t *personal = naap_db_json(rows, i, "personal");
        json_t *package =
            json_pack("{s:s,s:s?,s:s?,s:b,s:s?,s:[s+]}", "name", name, "displayName",
                      naap_db_text(rows, i, "displayName"), "icon", naap_db_text(rows, i, "icon"),
                      "isCore", naap_db_bool(rows, i, "isCore"), "version",
                      naap_db_text(rows, i, "version"), "routes", "/", name);
        json_t *deployment =
            json_pack("{s:s,s:s?,s:s?,s:o}", "id", naap_db_text(rows, i, "deploymentId"),
                      "frontendUrl", naap_db_text(rows, i, "frontendUrl"), "backendUrl",
                      naap_db_text(rows, i, "backendUrl"), "package", package);
        json_t *item = json_pack(
            "{s:s,s:b,s:b,s:b,s:s?,s:o,s:o}", "installId", naap_db_text(rows, i, "installId"),
            "visible", naap_db_bool(rows, i, "visible"), "canUse", naap_db_bool(rows, i, "canUse"),
            "canConfigure", naap_db_bool(rows, i, "canConfigure"), "pluginRole",
            naap_db_text(rows, i, "pluginRole"), "mergedConfig",
            naap_merge_config(shared, personal), "deployment", deployment);
        json_decref(shared);
        json_decref(personal);
        json_array_append_new(*plugins, item);
    }
    return NAAP_OK;
}

int naap_plugin_set_visible(naap_arena *arena, const char *member_id, const char *install_id,
                            bool visible, json_t **access)
{
    char now[NAAP_ISO8601_SIZE];
    now_iso(now);
    return one_row(arena,
                   "UPDATE \"TeamMemberPluginAccess\" AS a SET visible = $3::boolean, "
                   "\"updatedAt\" = $4 WHERE \"memberId\" = $1 AND \"pluginInstallId\" = $2 "
                   "RETURNING " ACCESS_COLUMNS,
                   NAAP_PARAMS(member_id, install_id, visible ? "true" : "false", now),
                   access_fields, access);
}

int naap_plugin_can_configure(naap_arena *arena, const char *member_id, const char *install_id,
                              bool *can_configure)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch_one(arena,
                               "SELECT \"canConfigure\" FROM \"TeamMemberPluginAccess\" "
                               "WHERE \"memberId\" = $1 AND \"pluginInstallId\" = $2",
                               NAAP_PARAMS(member_id, install_id), &rows);
    *can_configure = rc == NAAP_OK && naap_db_bool(rows, 0, "canConfigure");
    return rc;
}

int naap_plugin_personal_config_upsert_tx(naap_arena *arena, const char *member_id,
                                          const char *install_id, const char *config, json_t **row)
{
    char id[NAAP_UUID_SIZE], now[NAAP_ISO8601_SIZE];

    naap_uuid_v4(id);
    now_iso(now);
    return one_row(arena,
                   "INSERT INTO \"TeamMemberPluginConfig\" (id, \"memberId\", \"pluginInstallId\", "
                   "\"personalConfig\", \"createdAt\", \"updatedAt\") "
                   "VALUES ($1, $2, $3, $4::jsonb, $5, $5) "
                   "ON CONFLICT (\"memberId\", \"pluginInstallId\") DO UPDATE SET "
                   "\"personalConfig\" = EXCLUDED.\"personalConfig\", \"updatedAt\" = $5 "
                   "RETURNING " CONFIG_COLUMNS,
                   NAAP_PARAMS(id, member_id, install_id, config, now), config_fields, row);
}

int naap_plugin_personal_config(naap_arena *arena, const char *member_id, const char *install_id,
                                json_t **config)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch(arena,
                           "SELECT \"personalConfig\" FROM \"TeamMemberPluginConfig\" "
                           "WHERE \"memberId\" = $1 AND \"pluginInstallId\" = $2",
                           NAAP_PARAMS(member_id, install_id), &rows);
    if (rc != NAAP_OK)
        return rc;
    *config = naap_db_rows_count(rows) ? naap_db_json(rows, 0, "personalConfig") : json_null();
    return NAAP_OK;
}

int naap_plugin_versions(naap_arena *arena, const char *install_id, json_t **versions)
{
    static const naap_db_field version_fields[] = {
        {"id", NAAP_DB_TEXT, NULL},
        {"version", NAAP_DB_TEXT, NULL},
        {"publishedAt", NAAP_DB_TIME, NULL},
        {"releaseNotes", NAAP_DB_TEXT, NULL},
        {"isPinned", NAAP_DB_BOOL, NULL},
        {"isCurrent", NAAP_DB_BOOL, NULL},
        {NULL, 0, NULL},
    };
    naap_db_rows *rows;
    int rc = naap_db_fetch(arena,
                           "SELECT v.id, v.version, v.\"publishedAt\", v.\"releaseNotes\", "
                           "v.id IS NOT DISTINCT FROM i.\"pinnedVersionId\" AS \"isPinned\", "
                           "v.id = d.\"versionId\" AS \"isCurrent\" FROM \"TeamPluginInstall\" i "
                           "JOIN \"PluginDeployment\" d ON d.id = i.\"deploymentId\" "
                           "JOIN \"PluginVersion\" v ON v.\"packageId\" = d.\"packageId\" "
                           "WHERE i.id = $1 AND NOT v.deprecated "
                           "ORDER BY v.\"publishedAt\" DESC, v.id",
                           NAAP_PARAMS(install_id), &rows);
    if (rc == NAAP_OK)
        *versions = naap_db_rows_json(rows, version_fields);
    return rc;
}

int naap_plugin_version_of(naap_arena *arena, const char *package_id, const char *version_id,
                           const char **version)
{
    return naap_db_value_of(arena,
                            "SELECT version FROM \"PluginVersion\" WHERE id = $1 AND "
                            "\"packageId\" = $2",
                            NAAP_PARAMS(version_id, package_id), version);
}

int naap_plugin_pin_tx(const char *install_id, const char *version_id)
{
    char now[NAAP_ISO8601_SIZE];
    long n;
    now_iso(now);
    int rc = naap_db_exec("UPDATE \"TeamPluginInstall\" SET \"pinnedVersionId\" = $2, "
                          "\"updatedAt\" = $3 WHERE id = $1",
                          NAAP_PARAMS(install_id, version_id, now), &n);
    return rc == NAAP_OK && n == 0 ? NAAP_ENOTFOUND : rc;
}
