#include "naap/preference.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/db.h"
#include "naap/errors.h"

/* ---- rows ------------------------------------------------------------------------------ */

/* api.md 7 plus the bundle columns migration 0001 adds (the frontend reads them). */
#define PLUGIN_COLS                                                                                \
    "w.id, w.name, w.\"displayName\", w.version, w.\"remoteUrl\", "                                \
    "to_jsonb(COALESCE(w.routes, '{}'::text[])) AS routes, w.enabled, w.\"order\", w.icon, "       \
    "w.metadata, w.\"bundleUrl\", w.\"stylesUrl\", w.\"bundleHash\", w.\"bundleSize\", "           \
    "w.\"globalName\", w.\"deploymentType\", w.\"createdAt\", w.\"updatedAt\""

#define PLUGIN_FIELDS(enabled_col, order_col)                                                      \
    {"id", NAAP_DB_TEXT, NULL}, {"name", NAAP_DB_TEXT, NULL}, {"displayName", NAAP_DB_TEXT, NULL}, \
        {"version", NAAP_DB_TEXT, NULL}, {"remoteUrl", NAAP_DB_TEXT, NULL},                        \
        {"routes", NAAP_DB_JSON, NULL}, {"enabled", NAAP_DB_BOOL, enabled_col},                    \
        {"order", NAAP_DB_INT, order_col}, {"icon", NAAP_DB_TEXT, NULL},                           \
        {"metadata", NAAP_DB_JSON, NULL}, {"bundleUrl", NAAP_DB_TEXT, NULL},                       \
        {"stylesUrl", NAAP_DB_TEXT, NULL}, {"bundleHash", NAAP_DB_TEXT, NULL},                     \
        {"bundleSize", NAAP_DB_INT, NULL}, {"globalName", NAAP_DB_TEXT, NULL},                     \
        {"deploymentType", NAAP_DB_TEXT, NULL}, {"createdAt", NAAP_DB_TIME, NULL},                 \
    {                                                                                              \
        "updatedAt", NAAP_DB_TIME, NULL                                                            \
    }

static const naap_db_field plugin_fields[] = {PLUGIN_FIELDS(NULL, NULL), {NULL, 0, NULL}};

/* api.md 7.4: the preference's enabled/order/pinned replace the row's */
static const naap_db_field personal_fields[] = {
    PLUGIN_FIELDS("pEnabled", "pOrder"), {"pinned", NAAP_DB_BOOL, "pPinned"}, {NULL, 0, NULL}};

#define PREFERENCE_COLS                                                                            \
    "id, \"userId\", \"pluginName\", enabled, \"order\", pinned, \"createdAt\", \"updatedAt\""

static const naap_db_field preference_fields[] = {
    {"id", NAAP_DB_TEXT, NULL},
    {"userId", NAAP_DB_TEXT, NULL},
    {"pluginName", NAAP_DB_TEXT, NULL},
    {"enabled", NAAP_DB_BOOL, NULL},
    {"order", NAAP_DB_INT, NULL},
    {"pinned", NAAP_DB_BOOL, NULL},
    {"createdAt", NAAP_DB_TIME, NULL},
    {"updatedAt", NAAP_DB_TIME, NULL},
    {NULL, 0, NULL},
};

/* ---- WorkflowPlugin -------------------------------------------------------------------- */

int naap_workflow_list(naap_arena *arena, bool include_disabled, json_t **plugins)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch(arena,
                           "SELECT " PLUGIN_COLS " FROM \"WorkflowPlugin\" w "
                           "WHERE $1::boolean OR w.enabled ORDER BY w.\"order\", w.name",
                           NAAP_PARAMS(include_disabled ? "true" : "false"), &rows);
    *plugins = rc == NAAP_OK ? naap_db_rows_json(rows, plugin_fields) : NULL;
    return rc;
}

struct put_tx {
    naap_arena *arena;
    const naap_workflow_plugin *in;
    naap_db_rows *row;
    const char *msg;
};

/* api.md 7.2, with the columns that exist: absent fields stay as they are on an update;
 * a create takes the DB defaults (deploymentType 'cdn'). */
static int put_tx(void *arg)
{
    struct put_tx *t = arg;
    const naap_workflow_plugin *in = t->in;
    char now[25], id[37];
    int rc;

    t->msg = NULL;
    naap_clock_iso8601(naap_clock_epoch_ms(), now);
    rc = naap_db_exists("SELECT 1 FROM \"WorkflowPlugin\" WHERE name = $1 FOR UPDATE",
                        NAAP_PARAMS(in->name));
    if (rc == NAAP_OK)
        return naap_db_fetch_one(
            t->arena,
            "UPDATE \"WorkflowPlugin\" w SET \"displayName\" = COALESCE($2, \"displayName\"), "
            "version = COALESCE($3, version), \"remoteUrl\" = COALESCE($4, \"remoteUrl\"), "
            "routes = CASE WHEN $5::jsonb IS NULL THEN routes "
            "ELSE ARRAY(SELECT jsonb_array_elements_text($5::jsonb)) END, "
            "enabled = COALESCE($6::boolean, enabled), \"order\" = COALESCE($7::int, \"order\"), "
            "icon = COALESCE($8, icon), \"bundleUrl\" = COALESCE($9, \"bundleUrl\"), "
            "\"stylesUrl\" = COALESCE($10, \"stylesUrl\"), "
            "\"bundleHash\" = COALESCE($11, \"bundleHash\"), "
            "\"bundleSize\" = COALESCE($12::int, \"bundleSize\"), "
            "\"globalName\" = COALESCE($13, \"globalName\"), "
            "\"deploymentType\" = COALESCE($14, \"deploymentType\"), \"updatedAt\" = $15 "
            "WHERE name = $1 RETURNING " PLUGIN_COLS,
            NAAP_PARAMS(in->name, in->display_name, in->version, in->remote_url, in->routes_json,
                        in->enabled, in->order, in->icon, in->bundle_url, in->styles_url,
                        in->bundle_hash, in->bundle_size, in->global_name, in->deployment_type,
                        now),
            &t->row);
    if (rc != NAAP_ENOTFOUND)
        return rc;
    if (!in->display_name || !in->version || !in->remote_url) {
        t->msg = !in->display_name ? "displayName is required"
                 : !in->version    ? "version is required"
                                   : "remoteUrl is required";
        return NAAP_EINVAL;
    }
    naap_uuid_v4(id);
    return naap_db_fetch_one(
        t->arena,
        "INSERT INTO \"WorkflowPlugin\" AS w (id, name, \"displayName\", version, \"remoteUrl\", "
        "routes, enabled, \"order\", icon, \"bundleUrl\", \"stylesUrl\", \"bundleHash\", "
        "\"bundleSize\", \"globalName\", \"deploymentType\", \"createdAt\", \"updatedAt\") "
        "VALUES ($1, $2, $3, $4, $5, ARRAY(SELECT jsonb_array_elements_text(COALESCE($6::jsonb, "
        "'[]'))), COALESCE($7::boolean, true), COALESCE($8::int, 0), $9, $10, $11, $12, "
        "$13::int, $14, COALESCE($15, 'cdn'), $16, $16) RETURNING " PLUGIN_COLS,
        NAAP_PARAMS(id, in->name, in->display_name, in->version, in->remote_url, in->routes_json,
                    in->enabled, in->order, in->icon, in->bundle_url, in->styles_url,
                    in->bundle_hash, in->bundle_size, in->global_name, in->deployment_type, now),
        &t->row);
}

int naap_workflow_put(naap_arena *arena, const naap_workflow_plugin *in, json_t **plugin,
                      const char **msg)
{
    struct put_tx t = {arena, in, NULL, NULL};
    int rc = naap_db_tx(put_tx, &t, 1); /* two creates of one name race on its unique key */

    *plugin = rc == NAAP_OK ? naap_db_row_json(t.row, 0, plugin_fields) : NULL;
    *msg = t.msg;
    return rc;
}

int naap_workflow_delete(const char *name, const char **msg)
{
    long affected;
    int rc = naap_db_exec("DELETE FROM \"WorkflowPlugin\" WHERE name = $1", NAAP_PARAMS(name),
                          &affected);

    *msg = NULL;
    if (rc == NAAP_OK &&
        affected == 0) { /* decisions.md "Details settled": upstream answered 500 */
        *msg = "Plugin not found";
        rc = NAAP_ENOTFOUND;
    }
    return rc;
}

/* ---- preferences ----------------------------------------------------------------------- */

int naap_preference_personalized(naap_arena *arena, const char *user_id, const char *team_id,
                                 json_t **plugins)
{
    naap_db_rows *rows;
    int rc;

    *plugins = NULL;
    if (!user_id)
        return naap_workflow_list(arena, false, plugins);
    /* the sort is api.md 7.4's stable one: pinned, then the effective order, ties in the
     * plugins' own order */
    rc = naap_db_fetch(
        arena,
        "SELECT " PLUGIN_COLS ", COALESCE(up.enabled, w.enabled) AS \"pEnabled\", "
        "COALESCE(up.\"order\", w.\"order\") AS \"pOrder\", COALESCE(up.pinned, false) AS "
        "\"pPinned\" FROM \"WorkflowPlugin\" w LEFT JOIN \"UserPluginPreference\" up "
        "ON up.\"userId\" = $1 AND up.\"pluginName\" = w.name "
        "WHERE w.enabled AND COALESCE(up.enabled, true) AND NOT EXISTS (SELECT 1 FROM "
        "\"TeamMember\" tm JOIN \"TeamMemberPluginAccess\" a ON a.\"memberId\" = tm.id "
        "JOIN \"TeamPluginInstall\" i ON i.id = a.\"pluginInstallId\" AND i.\"teamId\" = "
        "tm.\"teamId\" "
        "JOIN \"PluginDeployment\" d ON d.id = i.\"deploymentId\" "
        "JOIN \"PluginPackage\" p ON p.id = d.\"packageId\" WHERE tm.\"teamId\" = $2 "
        "AND tm.\"userId\" = $1 AND p.name = w.name AND (NOT a.visible OR NOT i.enabled)) "
        "ORDER BY \"pPinned\" DESC, \"pOrder\", w.\"order\", w.name",
        NAAP_PARAMS(user_id, team_id), &rows);
    if (rc == NAAP_OK)
        *plugins = naap_db_rows_json(rows, personal_fields);
    return rc;
}

int naap_preference_list(naap_arena *arena, const char *user_id, json_t **preferences)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch(arena,
                           "SELECT " PREFERENCE_COLS " FROM \"UserPluginPreference\" "
                           "WHERE \"userId\" = $1 ORDER BY \"createdAt\", id",
                           NAAP_PARAMS(user_id), &rows);
    *preferences = rc == NAAP_OK ? naap_db_rows_json(rows, preference_fields) : NULL;
    return rc;
}

/* api.md 7.6: a create takes the DB defaults for absent fields, an update keeps them; an
 * explicit "order": null clears the order. One statement, so no transaction is needed. */
int naap_preference_put(naap_arena *arena, const char *user_id, const char *plugin_name,
                        const char *enabled, const char *order, bool order_set, const char *pinned,
                        json_t **preference)
{
    naap_db_rows *row;
    char now[25], id[37];
    int rc;

    naap_clock_iso8601(naap_clock_epoch_ms(), now);
    naap_uuid_v4(id);
    rc = naap_db_fetch_one(
        arena,
        "INSERT INTO \"UserPluginPreference\" AS up (id, \"userId\", \"pluginName\", enabled, "
        "\"order\", pinned, \"createdAt\", \"updatedAt\") VALUES ($1, $2, $3, "
        "COALESCE($4::boolean, true), $5::int, COALESCE($6::boolean, false), $7, $7) "
        "ON CONFLICT (\"userId\", \"pluginName\") DO UPDATE SET "
        "enabled = COALESCE($4::boolean, up.enabled), \"order\" = CASE WHEN $8::boolean "
        "THEN $5::int ELSE up.\"order\" END, pinned = COALESCE($6::boolean, up.pinned), "
        "\"updatedAt\" = $7 RETURNING " PREFERENCE_COLS,
        NAAP_PARAMS(id, user_id, plugin_name, enabled, order, pinned, now,
                    order_set ? "true" : "false"),
        &row);
    *preference = rc == NAAP_OK ? naap_db_row_json(row, 0, preference_fields) : NULL;
    return rc;
}
