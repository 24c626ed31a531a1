#include "naap/api.h"
#include "naap/auth.h"
#include "naap/envelope.h"
#include "naap/errors.h"
#include "naap/input.h"
#include "naap/preference.h"
#include "naap/role.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* /base (api.md 7 as amended by decisions.md 5 and "Details settled"): plugin-list writes need
 * system:admin; preferences always act on the caller (userId and address are ignored). */

/* GET /base/plugins: includeDisabled=true (exactly) lists disabled plugins too. */
void naap_api_base_plugins_list(naap_request *req)
{
    const char *all = naap_request_query(req, "includeDisabled");
    json_t *plugins;
    int rc = naap_workflow_list(req->arena, all && strcmp(all, "true") == 0, &plugins);

    if (rc != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_json(req, 200, json_pack("{s:o}", "plugins", plugins));
}

/* The signed-in system:admin, or NULL after answering 401/403/503. */
static const naap_session *require_admin(naap_request *req)
{
    const naap_session *s = naap_auth_require(req);
    bool admin = false;
    int rc;

    if (!s)
        return NULL;
    if ((rc = naap_role_is_admin(s->user_id, &admin)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return NULL;
    }
    if (!admin) {
        naap_respond_error(req, 403, "system:admin role required");
        return NULL;
    }
    return s;
}

static const naap_field plugin_fields[] = {
    {.name = "name", .type = NAAP_T_STRING, .flags = NAAP_F_REQUIRED | NAAP_F_NONEMPTY},
    {.name = "displayName", .type = NAAP_T_STRING},
    {.name = "version", .type = NAAP_T_STRING},
    {.name = "remoteUrl", .type = NAAP_T_STRING},
    {.name = "routes", .type = NAAP_T_ARRAY},
    {.name = "enabled", .type = NAAP_T_BOOL},
    {.name = "order", .type = NAAP_T_INT, .min = -2147483647LL, .max = 2147483647LL},
    {.name = "icon", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {.name = "bundleUrl", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {.name = "stylesUrl", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {.name = "bundleHash", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {.name = "bundleSize",
     .type = NAAP_T_INT,
     .flags = NAAP_F_NULLABLE,
     .min = 0,
     .max = 2147483647LL},
    {.name = "globalName", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {.name = "deploymentType", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {0},
};
enum {
    F_NAME,
    F_DISPLAY,
    F_VERSION,
    F_REMOTE,
    F_ROUTES,
    F_ENABLED,
    F_ORDER,
    F_ICON,
    F_BUNDLE_URL,
    F_STYLES_URL,
    F_BUNDLE_HASH,
    F_BUNDLE_SIZE,
    F_GLOBAL_NAME,
    F_DEPLOYMENT_TYPE,
    F_COUNT
};

static const char *int_text(naap_request *req, const naap_value *v)
{
    return v->state == NAAP_V_SET ? naap_arena_printf(req->arena, "%lld", v->num) : NULL;
}

static const char *bool_text(const naap_value *v)
{
    return v->state == NAAP_V_SET ? (v->flag ? "true" : "false") : NULL;
}

/* POST /base/plugins: create or update by name (api.md 7.2, with existing columns only). */
void naap_api_base_plugins_put(naap_request *req)
{
    naap_value v[F_COUNT];
    naap_workflow_plugin in = {0};
    json_t *plugin, *route;
    const char *msg;
    size_t i;
    int rc;

    if (!require_admin(req) || naap_input_body(req, plugin_fields, v) != NAAP_OK)
        return;
    json_array_foreach(v[F_ROUTES].json, i, route)
    {
        if (!json_is_string(route)) {
            naap_respond_error(req, 400, "routes must be an array of strings");
            return;
        }
    }
    in.name = v[F_NAME].str;
    in.display_name = v[F_DISPLAY].str;
    in.version = v[F_VERSION].str;
    in.remote_url = v[F_REMOTE].str;
    if (v[F_ROUTES].state == NAAP_V_SET) {
        char *text = json_dumps(v[F_ROUTES].json, JSON_COMPACT);
        in.routes_json = naap_arena_strdup(req->arena, text ? text : "[]");
        free(text);
    }
    in.enabled = bool_text(&v[F_ENABLED]);
    in.order = int_text(req, &v[F_ORDER]);
    in.icon = v[F_ICON].str;
    in.bundle_url = v[F_BUNDLE_URL].str;
    in.styles_url = v[F_STYLES_URL].str;
    in.bundle_hash = v[F_BUNDLE_HASH].str;
    in.bundle_size = int_text(req, &v[F_BUNDLE_SIZE]);
    in.global_name = v[F_GLOBAL_NAME].str;
    in.deployment_type = v[F_DEPLOYMENT_TYPE].str;
    if ((rc = naap_workflow_put(req->arena, &in, &plugin, &msg)) != NAAP_OK) {
        naap_respond_outcome(req, rc, msg);
        return;
    }
    naap_respond_json(req, 200, json_pack("{s:o}", "plugin", plugin));
}

/* DELETE /base/plugins/:name: an unknown name is 404 (upstream: 500). */
void naap_api_base_plugins_delete(naap_request *req)
{
    const char *msg;
    int rc;

    if (!require_admin(req))
        return;
    if ((rc = naap_workflow_delete(naap_request_param(req, "name"), &msg)) != NAAP_OK) {
        naap_respond_outcome(req, rc, msg);
        return;
    }
    naap_respond_json(req, 200, json_pack("{s:b}", "success", 1));
}

/* GET /base/plugins/personalized: for a signed-in caller their preferences apply (and
 * ?teamId= for a team they are in); anyone else gets the global list, as upstream gave
 * every caller. */
void naap_api_base_plugins_personalized(naap_request *req)
{
    const naap_session *s = NULL;
    const char *team = naap_request_query(req, "teamId");
    json_t *plugins;
    int rc = naap_auth_session(req, NAAP_AUTH_BEARER, &s);

    if (rc == NAAP_EUNAVAILABLE || rc == NAAP_ETIMEDOUT || rc == NAAP_ERR) {
        naap_respond_store_error(req, rc);
        return;
    }
    rc = naap_preference_personalized(req->arena, rc == NAAP_OK ? s->user_id : NULL,
                                      team && team[0] ? team : NULL, &plugins);
    if (rc != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_json(req, 200, json_pack("{s:o}", "plugins", plugins));
}

/* GET /base/user/preferences: the caller's. */
void naap_api_base_preferences_get(naap_request *req)
{
    const naap_session *s = naap_auth_require(req);
    json_t *prefs;
    int rc;

    if (!s)
        return;
    if ((rc = naap_preference_list(req->arena, s->user_id, &prefs)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_json(req, 200, json_pack("{s:o}", "preferences", prefs));
}

static const naap_field preference_fields[] = {
    {.name = "pluginName",
     .type = NAAP_T_STRING,
     .flags = NAAP_F_REQUIRED | NAAP_F_NONEMPTY,
     .message = "pluginName required"},
    {.name = "enabled", .type = NAAP_T_BOOL},
    {.name = "order",
     .type = NAAP_T_INT,
     .flags = NAAP_F_NULLABLE,
     .min = -2147483647LL,
     .max = 2147483647LL},
    {.name = "pinned", .type = NAAP_T_BOOL},
    {0},
};

/* POST /base/user/preferences: upsert the caller's preference for one plugin. */
void naap_api_base_preferences_put(naap_request *req)
{
    naap_value v[4];
    json_t *pref;
    const naap_session *s = naap_auth_require(req);
    int rc;

    if (!s || naap_input_body(req, preference_fields, v) != NAAP_OK)
        return;
    rc = naap_preference_put(req->arena, s->user_id, v[0].str, bool_text(&v[1]),
                             int_text(req, &v[2]), v[2].state != NAAP_V_ABSENT, bool_text(&v[3]),
                             &pref);
    if (rc != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_json(req, 200, json_pack("{s:o}", "preference", pref));
}
