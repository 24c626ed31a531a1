#include "naap/team.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/db.h"
#include "naap/errors.h"

#include <stdio.h>
#include <string.h>

/* api.md 4.0's JSON objects, as columns of the statements below */
static const naap_db_field team_fields[] = {
    {"id", NAAP_DB_TEXT, NULL},
    {"name", NAAP_DB_TEXT, NULL},
    {"slug", NAAP_DB_TEXT, NULL},
    {"description", NAAP_DB_TEXT, NULL},
    {"avatarUrl", NAAP_DB_TEXT, NULL},
    {"ownerId", NAAP_DB_TEXT, NULL},
    {"createdAt", NAAP_DB_TIME, NULL},
    {"updatedAt", NAAP_DB_TIME, NULL},
    {NULL, 0, NULL},
};

static const naap_db_field member_fields[] = {
    {"id", NAAP_DB_TEXT, NULL},
    {"teamId", NAAP_DB_TEXT, NULL},
    {"userId", NAAP_DB_TEXT, NULL},
    {"role", NAAP_DB_TEXT, NULL},
    {"invitedBy", NAAP_DB_TEXT, NULL},
    {"joinedAt", NAAP_DB_TIME, NULL},
    {NULL, 0, NULL},
};

static const naap_db_field user_fields[] = {
    {"id", NAAP_DB_TEXT, "u.id"},
    {"email", NAAP_DB_TEXT, "u.email"},
    {"displayName", NAAP_DB_TEXT, "u.displayName"},
    {"avatarUrl", NAAP_DB_TEXT, "u.avatarUrl"},
    {NULL, 0, NULL},
};

#define TEAM_COLUMNS                                                                               \
    "t.id, t.name, t.slug, t.description, t.\"avatarUrl\", t.\"ownerId\", t.\"createdAt\", "       \
    "t.\"updatedAt\" "
#define MEMBER_COLUMNS "m.id, m.\"teamId\", m.\"userId\", m.role, m.\"invitedBy\", m.\"joinedAt\" "
#define USER_COLUMNS                                                                               \
    "u.id AS \"u.id\", u.email AS \"u.email\", u.\"displayName\" AS \"u.displayName\", "           \
    "u.\"avatarUrl\" AS \"u.avatarUrl\" "
#define COUNT_COLUMNS                                                                              \
    "(SELECT count(*) FROM \"TeamMember\" c WHERE c.\"teamId\" = t.id) AS \"memberCount\", "       \
    "(SELECT count(*) FROM \"TeamPluginInstall\" c WHERE c.\"teamId\" = t.id) AS "                 \
    "\"installCount\" "

static void now_iso(char out[NAAP_ISO8601_SIZE])
{
    naap_clock_iso8601(naap_clock_epoch_ms(), out);
}

static json_t *member_with_user(const naap_db_rows *rows, int i)
{
    json_t *m = naap_db_row_json(rows, i, member_fields);
    json_object_set_new(m, "user", naap_db_row_json(rows, i, user_fields));
    return m;
}

static json_t *team_with_counts(const naap_db_rows *rows, int i, json_t *members)
{
    json_t *t = naap_db_row_json(rows, i, team_fields);
    json_object_set_new(t, "members", members);
    json_object_set_new(t, "_count",
                        json_pack("{s:I,s:I}", "members",
                                  (json_int_t)naap_db_int(rows, i, "memberCount"), "pluginInstalls",
                                  (json_int_t)naap_db_int(rows, i, "installCount")));
    return t;
}

int naap_team_context(naap_arena *arena, const char *team_id, const char *user_id,
                      naap_team_ctx *out)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch_one(
        arena,
        "SELECT t.id, t.\"ownerId\", m.id AS \"memberId\", m.role FROM \"Team\" t "
        "LEFT JOIN \"TeamMember\" m ON m.\"teamId\" = t.id AND m.\"userId\" = $2 WHERE t.id = $1",
        NAAP_PARAMS(team_id, user_id), &rows);

    memset(out, 0, sizeof(*out));
    if (rc != NAAP_OK)
        return rc;
    out->team_id = naap_db_text(rows, 0, "id");
    out->owner_id = naap_db_text(rows, 0, "ownerId");
    out->member_id = naap_db_text(rows, 0, "memberId");
    out->role = naap_db_text(rows, 0, "role");
    return NAAP_OK;
}

int naap_team_slug_exists(const char *slug)
{
    return naap_db_exists("SELECT 1 FROM \"Team\" WHERE slug = $1", NAAP_PARAMS(slug));
}

int naap_team_insert_tx(naap_arena *arena, const char *user_id, const char *name, const char *slug,
                        const char *description, const char *avatar_url, json_t **team,
                        const char **member_id)
{
    char id[NAAP_UUID_SIZE], mid[NAAP_UUID_SIZE], now[NAAP_ISO8601_SIZE];
    naap_db_rows *rows;
    int rc;

    naap_uuid_v4(id);
    naap_uuid_v4(mid);
    now_iso(now);
    rc = naap_db_fetch_one(arena,
                           "INSERT INTO \"Team\" AS t (id, name, slug, description, \"avatarUrl\", "
                           "\"ownerId\", \"createdAt\", \"updatedAt\") "
                           "VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING " TEAM_COLUMNS,
                           NAAP_PARAMS(id, name, slug, description, avatar_url, user_id, now),
                           &rows);
    if (rc != NAAP_OK)
        return rc;
    rc = naap_db_exec("INSERT INTO \"TeamMember\" (id, \"teamId\", \"userId\", role, "
                      "\"invitedBy\", \"joinedAt\") VALUES ($1, $2, $3, 'owner', $3, $4)",
                      NAAP_PARAMS(mid, id, user_id, now), NULL);
    if (rc != NAAP_OK)
        return rc;
    *team = naap_db_row_json(rows, 0, team_fields);
    *member_id = naap_arena_strdup(arena, mid);
    return NAAP_OK;
}

/* Set-based, so the cost does not grow with round trips per core package. Unlike
 * upstream the deployment is made inside the transaction and the install is counted in
 * activeInstalls, which team deletion decrements (decisions.md 8). */
int naap_team_install_core_tx(const char *team_id, const char *user_id, const char *member_id)
{
    char now[NAAP_ISO8601_SIZE];
    int rc;

    now_iso(now);
    rc = naap_db_exec(
        "INSERT INTO \"PluginDeployment\" (id, \"packageId\", \"versionId\", status, "
        "\"activeInstalls\", \"createdAt\", \"updatedAt\") "
        "SELECT gen_random_uuid()::text, p.id, v.id, 'pending', 0, $1, $1 "
        "FROM \"PluginPackage\" p JOIN LATERAL (SELECT id FROM \"PluginVersion\" "
        "WHERE \"packageId\" = p.id ORDER BY \"publishedAt\" DESC, id LIMIT 1) v ON true "
        "WHERE p.\"isCore\" ON CONFLICT (\"packageId\") DO NOTHING",
        NAAP_PARAMS(now), NULL);
    if (rc != NAAP_OK)
        return rc;
    return naap_db_exec(
        "WITH ins AS (INSERT INTO \"TeamPluginInstall\" (id, \"teamId\", \"deploymentId\", "
        "\"installedBy\", status, enabled, \"createdAt\", \"updatedAt\") "
        "SELECT gen_random_uuid()::text, $1, d.id, $2, 'active', true, $4, $4 "
        "FROM \"PluginDeployment\" d JOIN \"PluginPackage\" p ON p.id = d.\"packageId\" "
        "WHERE p.\"isCore\" AND EXISTS (SELECT 1 FROM \"PluginVersion\" v "
        "WHERE v.\"packageId\" = p.id) "
        "ON CONFLICT (\"teamId\", \"deploymentId\") DO NOTHING RETURNING id, \"deploymentId\"), "
        "counted AS (UPDATE \"PluginDeployment\" SET \"activeInstalls\" = \"activeInstalls\" + 1, "
        "\"updatedAt\" = $4 WHERE id IN (SELECT \"deploymentId\" FROM ins)) "
        "INSERT INTO \"TeamMemberPluginAccess\" (id, \"memberId\", \"pluginInstallId\", visible, "
        "\"canUse\", \"canConfigure\", \"createdAt\", \"updatedAt\") "
        "SELECT gen_random_uuid()::text, $3, ins.id, true, true, true, $4, $4 FROM ins",
        NAAP_PARAMS(team_id, user_id, member_id, now), NULL);
}

/* Two statements whatever the number of teams: the teams, then all of their members,
 * joined here by team id. */
int naap_team_list_for_user(naap_arena *arena, const char *user_id, json_t **teams)
{
    naap_db_rows *trows, *mrows;
    int rc;

    *teams = NULL;
    rc = naap_db_fetch(arena,
                       "SELECT " TEAM_COLUMNS ", " COUNT_COLUMNS
                       "FROM \"TeamMember\" me JOIN \"Team\" t ON t.id = me.\"teamId\" "
                       "WHERE me.\"userId\" = $1 ORDER BY me.\"joinedAt\", me.id",
                       NAAP_PARAMS(user_id), &trows);
    if (rc != NAAP_OK)
        return rc;
    rc = naap_db_fetch(arena,
                       "SELECT " MEMBER_COLUMNS ", " USER_COLUMNS
                       "FROM \"TeamMember\" m JOIN \"User\" u ON u.id = m.\"userId\" "
                       "WHERE m.\"teamId\" IN (SELECT \"teamId\" FROM \"TeamMember\" "
                       "WHERE \"userId\" = $1) ORDER BY m.\"joinedAt\", m.id",
                       NAAP_PARAMS(user_id), &mrows);
    if (rc != NAAP_OK)
        return rc;
    json_t *by_team = json_object();
    for (int i = 0; i < naap_db_rows_count(mrows); i++) {
        const char *team = naap_db_text(mrows, i, "teamId");
        json_t *list = json_object_get(by_team, team);
        if (!list)
            json_object_set_new(by_team, team, list = json_array());
        json_array_append_new(list, member_with_user(mrows, i));
    }
    *teams = json_array();
    for (int i = 0; i < naap_db_rows_count(trows); i++) {
        json_t *members = json_object_get(by_team, naap_db_text(trows, i, "id"));
        json_array_append_new(
            *teams, team_with_counts(trows, i, members ? json_incref(members) : json_array()));
    }
    json_decref(by_team);
    return NAAP_OK;
}

int naap_team_get(naap_arena *arena, const char *team_id, json_t **team)
{
    naap_db_rows *trows, *mrows;
    int rc;

    *team = NULL;
    rc = naap_db_fetch_one(
        arena, "SELECT " TEAM_COLUMNS ", " COUNT_COLUMNS "FROM \"Team\" t WHERE t.id = $1",
        NAAP_PARAMS(team_id), &trows);
    if (rc != NAAP_OK)
        return rc;
    rc =
        naap_db_fetch(arena,
                      "SELECT " MEMBER_COLUMNS ", " USER_COLUMNS
                      "FROM \"TeamMember\" m JOIN \"User\" u ON u.id = m.\"userId\" "
                      "WHERE m.\"teamId\" = $1 ORDER BY m.role COLLATE \"C\", m.\"joinedAt\", m.id",
                      NAAP_PARAMS(team_id), &mrows);
    if (rc != NAAP_OK)
        return rc;
    json_t *members = json_array();
    for (int i = 0; i < naap_db_rows_count(mrows); i++)
        json_array_append_new(members, member_with_user(mrows, i));
    *team = team_with_counts(trows, 0, members);
    return NAAP_OK;
}

/* A column is written only when the body named it; $n::int flags say which. */
int naap_team_update_tx(naap_arena *arena, const char *team_id, const naap_value *name,
                        const naap_value *description, const naap_value *avatar_url, json_t **team)
{
    char now[NAAP_ISO8601_SIZE];
    naap_db_rows *rows;
    int rc;

    now_iso(now);
    rc = naap_db_fetch_one(arena,
                           "UPDATE \"Team\" AS t SET "
                           "name = CASE WHEN $2 = '1' THEN $3 ELSE name END, "
                           "description = CASE WHEN $4 = '1' THEN $5 ELSE description END, "
                           "\"avatarUrl\" = CASE WHEN $6 = '1' THEN $7 ELSE \"avatarUrl\" END, "
                           "\"updatedAt\" = $8 WHERE id = $1 RETURNING " TEAM_COLUMNS,
                           NAAP_PARAMS(team_id, name->state ? "1" : "0", name->str,
                                       description->state ? "1" : "0", description->str,
                                       avatar_url->state ? "1" : "0", avatar_url->str, now),
                           &rows);
    if (rc == NAAP_OK)
        *team = naap_db_row_json(rows, 0, team_fields);
    return rc;
}

int naap_team_impact(naap_arena *arena, const char *team_id, json_t **impact)
{
    naap_db_rows *mrows, *prows;
    int rc;

    rc = naap_db_fetch(arena,
                       "SELECT u.id, u.\"displayName\", u.email FROM \"TeamMember\" m "
                       "JOIN \"User\" u ON u.id = m.\"userId\" WHERE m.\"teamId\" = $1 "
                       "ORDER BY m.\"joinedAt\", m.id",
                       NAAP_PARAMS(team_id), &mrows);
    if (rc != NAAP_OK)
        return rc;
    rc = naap_db_fetch(arena,
                       "SELECT p.name, p.\"displayName\" FROM \"TeamPluginInstall\" i "
                       "JOIN \"PluginDeployment\" d ON d.id = i.\"deploymentId\" "
                       "JOIN \"PluginPackage\" p ON p.id = d.\"packageId\" "
                       "WHERE i.\"teamId\" = $1 ORDER BY i.\"createdAt\", i.id",
                       NAAP_PARAMS(team_id), &prows);
    if (rc != NAAP_OK)
        return rc;
    static const naap_db_field member_impact[] = {
        {"id", NAAP_DB_TEXT, NULL},
        {"displayName", NAAP_DB_TEXT, NULL},
        {"email", NAAP_DB_TEXT, NULL},
        {NULL, 0, NULL},
    };
    static const naap_db_field plugin_impact[] = {
        {"name", NAAP_DB_TEXT, NULL},
        {"displayName", NAAP_DB_TEXT, NULL},
        {NULL, 0, NULL},
    };
    *impact =
        json_pack("{s:i,s:i,s:o,s:o}", "memberCount", naap_db_rows_count(mrows), "pluginCount",
                  naap_db_rows_count(prows), "members", naap_db_rows_json(mrows, member_impact),
                  "plugins", naap_db_rows_json(prows, plugin_impact));
    return NAAP_OK;
}

int naap_team_delete_tx(naap_arena *arena, const char *team_id, json_t **details)
{
    naap_db_rows *rows;
    char now[NAAP_ISO8601_SIZE];
    int rc;

    now_iso(now);
    /* the counts and names first: the cascade takes the rows they come from */
    rc = naap_db_fetch_one(
        arena,
        "SELECT t.name, (SELECT count(*) FROM \"TeamMember\" m WHERE m.\"teamId\" = t.id) AS "
        "\"memberCount\", (SELECT coalesce(jsonb_agg(p.name ORDER BY i.\"createdAt\", i.id), "
        "'[]') FROM \"TeamPluginInstall\" i JOIN \"PluginDeployment\" d ON d.id = "
        "i.\"deploymentId\" JOIN \"PluginPackage\" p ON p.id = d.\"packageId\" "
        "WHERE i.\"teamId\" = t.id) AS plugins FROM \"Team\" t WHERE t.id = $1 FOR UPDATE",
        NAAP_PARAMS(team_id), &rows);
    if (rc != NAAP_OK)
        return rc;
    json_t *plugins = naap_db_json(rows, 0, "plugins");
    *details = json_pack("{s:s,s:I,s:I,s:o}", "name", naap_db_text(rows, 0, "name"), "memberCount",
                         (json_int_t)naap_db_int(rows, 0, "memberCount"), "pluginCount",
                         (json_int_t)json_array_size(plugins), "uninstalledPlugins", plugins);
    if ((rc = naap_db_exec("UPDATE \"PluginDeployment\" d SET \"activeInstalls\" = "
                           "greatest(d.\"activeInstalls\" - n.c, 0), \"updatedAt\" = $2 "
                           "FROM (SELECT \"deploymentId\", count(*) AS c FROM "
                           "\"TeamPluginInstall\" WHERE \"teamId\" = $1 GROUP BY 1) n "
                           "WHERE d.id = n.\"deploymentId\"",
                           NAAP_PARAMS(team_id, now), NULL)) != NAAP_OK ||
        (rc = naap_db_exec("DELETE FROM \"Team\" WHERE id = $1", NAAP_PARAMS(team_id), NULL)) !=
            NAAP_OK) {
        json_decref(*details);
        *details = NULL;
    }
    return rc;
}

int naap_team_member_user_ids(naap_arena *arena, const char *team_id, const char ***user_ids)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch(arena, "SELECT \"userId\" FROM \"TeamMember\" WHERE \"teamId\" = $1",
                           NAAP_PARAMS(team_id), &rows);
    if (rc != NAAP_OK)
        return rc;
    int n = naap_db_rows_count(rows);
    const char **ids = naap_arena_alloc(arena, sizeof(*ids) * ((size_t)n + 1));
    for (int i = 0; i < n; i++)
        ids[i] = naap_db_text(rows, i, "userId");
    ids[n] = NULL;
    *user_ids = ids;
    return NAAP_OK;
}

int naap_team_members_list(naap_arena *arena, const char *team_id, long long skip, long long take,
                           json_t **members)
{
    char skip_s[24], take_s[24];
    naap_db_rows *rows;
    static const naap_db_field team_brief[] = {
        {"id", NAAP_DB_TEXT, "t.id"},
        {"name", NAAP_DB_TEXT, "t.name"},
        {"slug", NAAP_DB_TEXT, "t.slug"},
        {NULL, 0, NULL},
    };

    snprintf(skip_s, sizeof(skip_s), "%lld", skip);
    snprintf(take_s, sizeof(take_s), "%lld", take);
    int rc = naap_db_fetch(arena,
                           "SELECT " MEMBER_COLUMNS ", " USER_COLUMNS
                           ", t.id AS \"t.id\", t.name AS \"t.name\", t.slug AS \"t.slug\" "
                           "FROM \"TeamMember\" m JOIN \"User\" u ON u.id = m.\"userId\" "
                           "JOIN \"Team\" t ON t.id = m.\"teamId\" WHERE m.\"teamId\" = $1 "
                           "ORDER BY m.role COLLATE \"C\", m.\"joinedAt\", m.id "
                           "OFFSET $2::bigint LIMIT $3::bigint",
                           NAAP_PARAMS(team_id, skip_s, take_s), &rows);
    if (rc != NAAP_OK)
        return rc;
    *members = json_array();
    for (int i = 0; i < naap_db_rows_count(rows); i++) {
        json_t *m = member_with_user(rows, i);
        json_object_set_new(m, "team", naap_db_row_json(rows, i, team_brief));
        json_array_append_new(*members, m);
    }
    return NAAP_OK;
}

static int member_where(naap_arena *arena, const char *sql, const char *team_id, const char *key,
                        naap_team_member *out)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch_one(arena, sql, NAAP_PARAMS(team_id, key), &rows);

    memset(out, 0, sizeof(*out));
    if (rc != NAAP_OK)
        return rc;
    out->id = naap_db_text(rows, 0, "id");
    out->user_id = naap_db_text(rows, 0, "userId");
    out->role = naap_db_text(rows, 0, "role");
    return NAAP_OK;
}

int naap_team_member_get(naap_arena *arena, const char *team_id, const char *member_id,
                         naap_team_member *out)
{
    return member_where(arena,
                        "SELECT id, \"userId\", role FROM \"TeamMember\" "
                        "WHERE \"teamId\" = $1 AND id = $2",
                        team_id, member_id, out);
}

int naap_team_member_of_user(naap_arena *arena, const char *team_id, const char *user_id,
                             naap_team_member *out)
{
    return member_where(arena,
                        "SELECT id, \"userId\", role FROM \"TeamMember\" "
                        "WHERE \"teamId\" = $1 AND \"userId\" = $2",
                        team_id, user_id, out);
}

int naap_team_user_by_email(naap_arena *arena, const char *email, const char **user_id)
{
    return naap_db_value_of(arena, "SELECT id FROM \"User\" WHERE email = $1", NAAP_PARAMS(email),
                            user_id);
}

int naap_team_member_add_tx(naap_arena *arena, const char *team_id, const char *user_id,
                            const char *role, const char *invited_by, json_t **member)
{
    char id[NAAP_UUID_SIZE], now[NAAP_ISO8601_SIZE];
    naap_db_rows *rows;
    int rc;

    naap_uuid_v4(id);
    now_iso(now);
    rc = naap_db_fetch_one(arena,
                           "INSERT INTO \"TeamMember\" AS m (id, \"teamId\", \"userId\", role, "
                           "\"invitedBy\", \"joinedAt\") VALUES ($1, $2, $3, $4, $5, $6) "
                           "RETURNING " MEMBER_COLUMNS,
                           NAAP_PARAMS(id, team_id, user_id, role, invited_by, now), &rows);
    if (rc != NAAP_OK)
        return rc;
    /* upstream left invited members without access rows, so they saw none of the team's
     * plugins (api.md 4.8 NOTE, decisions.md 8) */
    rc = naap_db_exec("INSERT INTO \"TeamMemberPluginAccess\" (id, \"memberId\", "
                      "\"pluginInstallId\", visible, \"canUse\", \"canConfigure\", \"createdAt\", "
                      "\"updatedAt\") SELECT gen_random_uuid()::text, $1, i.id, true, true, $3, "
                      "$4, $4 FROM \"TeamPluginInstall\" i WHERE i.\"teamId\" = $2",
                      NAAP_PARAMS(id, team_id, strcmp(role, "admin") == 0 ? "true" : "false", now),
                      NULL);
    if (rc == NAAP_OK)
        *member = naap_db_row_json(rows, 0, member_fields);
    return rc;
}

int naap_team_member_set_role_tx(naap_arena *arena, const char *member_id, const char *role,
                                 json_t **member)
{
    naap_db_rows *rows;
    int rc = naap_db_fetch_one(arena,
                               "UPDATE \"TeamMember\" AS m SET role = $2 WHERE id = $1 "
                               "RETURNING " MEMBER_COLUMNS,
                               NAAP_PARAMS(member_id, role), &rows);
    if (rc == NAAP_OK)
        *member = naap_db_row_json(rows, 0, member_fields);
    return rc;
}

int naap_team_member_delete_tx(const char *member_id)
{
    long n;
    int rc = naap_db_exec("DELETE FROM \"TeamMember\" WHERE id = $1", NAAP_PARAMS(member_id), &n);
    return rc == NAAP_OK && n == 0 ? NAAP_ENOTFOUND : rc;
}

int naap_team_transfer_tx(const char *team_id, const char *old_owner_id, const char *new_owner_id)
{
    char now[NAAP_ISO8601_SIZE];
    long n;
    int rc;

    now_iso(now);
    if ((rc = naap_db_exec("UPDATE \"Team\" SET \"ownerId\" = $2, \"updatedAt\" = $3 "
                           "WHERE id = $1",
                           NAAP_PARAMS(team_id, new_owner_id, now), NULL)) != NAAP_OK ||
        (rc = naap_db_exec("UPDATE \"TeamMember\" SET role = 'owner' "
                           "WHERE \"teamId\" = $1 AND \"userId\" = $2",
                           NAAP_PARAMS(team_id, new_owner_id), &n)) != NAAP_OK)
        return rc;
    if (n == 0)
        return NAAP_ENOTFOUND;
    return naap_db_exec("UPDATE \"TeamMember\" SET role = 'admin' "
                        "WHERE \"teamId\" = $1 AND \"userId\" = $2",
                        NAAP_PARAMS(team_id, old_owner_id), NULL);
}
