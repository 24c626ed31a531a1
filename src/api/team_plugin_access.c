#include "naap/alloc.h"
#include "naap/api.h"
#include "naap/audit.h"
#include "naap/auth.h"
#include "naap/cache_ns.h"
#include "naap/db.h"
#include "naap/deep_merge.h"
#include "naap/envelope.h"
#include "naap/errors.h"
#include "naap/input.h"
#include "naap/team_api.h"
#include "naap/team_plugin.h"

#include <stdlib.h>
#include <string.h>

/* What members see and may do with a team's plugins (api.md 5.6-5.11): access rows,
 * visibility, personal configs, the merged config and my-plugins. */

static const naap_team_rule member = {NAAP_TEAM_MEMBER, NAAP_TEAM_NO_CAP, NULL};
static const naap_team_rule access_manager = {NAAP_TEAM_MEMBER, NAAP_CAP_ACCESS_MANAGE,
                                              "Permission denied: cannot manage access"};

static int install_in_team(naap_request *req, const naap_team_caller *c, const char *param,
                           naap_plugin_install *install)
{
    int rc = naap_plugin_install_get(req->arena, c->team.team_id, naap_request_param(req, param),
                                     install);
    if (rc == NAAP_OK)
        return NAAP_OK;
    naap_respond_outcome(req, rc, "Plugin installation not found");
    return NAAP_DONE;
}

static int member_in_team(naap_request *req, const naap_team_caller *c, naap_team_member *m)
{
    int rc =
        naap_team_member_get(req->arena, c->team.team_id, naap_request_param(req, "memberId"), m);
    if (rc == NAAP_OK)
        return NAAP_OK;
    naap_respond_outcome(req, rc, "Team member not found");
    return NAAP_DONE;
}

/* ---- GET /teams/:teamId/members/:memberId/access (api.md 5.6) ----------------------- */

void naap_api_team_access_list(naap_request *req)
{
    naap_team_caller c;
    naap_team_member target;
    json_t *access;
    int rc;

    if (naap_team_enter(req, &member, &c) != NAAP_OK || member_in_team(req, &c, &target) != NAAP_OK)
        return;
    if ((rc = naap_plugin_member_access(req->arena, target.id, &access)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_success(req, 200, "access", access);
}

/* ---- PUT /teams/:teamId/members/:memberId/access/:pluginInstallId (api.md 5.7) ------ */

enum { X_VISIBLE, X_CAN_USE, X_CAN_CONFIGURE, X_ROLE, ACCESS_FIELDS };
static const naap_field access_fields[] = {
    [X_VISIBLE] = {"visible", NAAP_T_BOOL, 0, 0, 0, NULL, NULL, NULL},
    [X_CAN_USE] = {"canUse", NAAP_T_BOOL, 0, 0, 0, NULL, NULL, NULL},
    [X_CAN_CONFIGURE] = {"canConfigure", NAAP_T_BOOL, 0, 0, 0, NULL, NULL, NULL},
    [X_ROLE] = {"pluginRole", NAAP_T_STRING, NAAP_F_NULLABLE, 0, 100, NULL, NULL, NULL},
    [ACCESS_FIELDS] = {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

struct access_op {
    naap_request *req;
    naap_team_caller *c;
    naap_team_member *target;
    naap_plugin_install *install;
    naap_value *v;
    json_t *access;
};

static int access_tx(void *arg)
{
    struct access_op *op = arg;
    int rc = naap_plugin_access_upsert_tx(op->req->arena, op->target->id, op->install->id,
                                          &op->v[X_VISIBLE], &op->v[X_CAN_USE],
                                          &op->v[X_CAN_CONFIGURE], &op->v[X_ROLE], &op->access);
    if (rc != NAAP_OK)
        return rc;
    json_t *access = json_object();
    for (int i = 0; i < ACCESS_FIELDS; i++)
        if (op->v[i].state != NAAP_V_ABSENT)
            json_object_set(access, access_fields[i].name, op->v[i].json);
    return naap_audit_record(op->req, "team.member.access.update", "teamMemberPluginAccess",
                             json_string_value(json_object_get(op->access, "id")), op->c->user_id,
                             json_pack("{s:s,s:s,s:o}", "memberId", op->target->id,
                                       "pluginInstallId", op->install->id, "access", access));
}

void naap_api_team_access_set(naap_request *req)
{
    naap_team_caller c;
    naap_team_member target;
    naap_plugin_install install;
    naap_value v[ACCESS_FIELDS];
    int rc;

    if (naap_team_enter(req, &access_manager, &c) != NAAP_OK ||
        member_in_team(req, &c, &target) != NAAP_OK ||
        install_in_team(req, &c, "pluginInstallId", &install) != NAAP_OK ||
        naap_input_body(req, access_fields, v) != NAAP_OK)
        return;
    if (strcmp(target.role, "owner") == 0) {
        /* the owner's own row is a rule (400); an admin reaching for it lacks the right */
        naap_respond_error(req, strcmp(c.team.role, "owner") == 0 ? 400 : 403,
                           "Cannot modify owner access");
        return;
    }
    struct access_op op = {req, &c, &target, &install, v, NULL};
    if ((rc = naap_db_tx(access_tx, &op, 1)) == NAAP_OK)
        NAAP_INVALIDATE(naap_ns_my_plugins(req->arena, target.user_id));
    naap_respond_result(req, rc, 200, "access", op.access, "Team member not found");
}

/* ---- GET /teams/:teamId/my-plugins (api.md 5.8, decisions.md "Details settled") ----- */

/* The guard's membership query is folded into the one statement of the store (the
 * hottest read: one round trip on a miss), so this handler authenticates by itself and
 * answers "not a member" as naap_team_enter would. */
void naap_api_team_my_plugins(naap_request *req)
{
    const naap_session *s = naap_auth_require(req);
    json_t *plugins;
    int rc;

    if (!s)
        return;
    rc =
        naap_plugin_my_plugins(req->arena, naap_request_param(req, "teamId"), s->user_id, &plugins);
    if (rc == NAAP_ENOTFOUND) {
        naap_respond_error(req, 403, "Team context required");
        return;
    }
    if (rc != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_success(req, 200, "plugins", plugins);
}

/* ---- PUT /teams/:teamId/members/me/plugins/:installId (api.md 5.9) ------------------ */

void naap_api_team_my_visibility(naap_request *req)
{
    naap_team_caller c;
    naap_plugin_install install;
    json_t *access;
    int rc;

    if (naap_team_enter(req, &member, &c) != NAAP_OK ||
        install_in_team(req, &c, "installId", &install) != NAAP_OK)
        return;
    /* upstream: anything but JSON false shows the plugin */
    bool visible = !json_is_false(json_object_get(req->json, "visible"));
    rc = naap_plugin_set_visible(req->arena, c.team.member_id, install.id, visible, &access);
    if (rc != NAAP_OK) {
        naap_respond_outcome(req, rc, "Plugin access not found");
        return;
    }
    NAAP_INVALIDATE(naap_ns_my_plugins(req->arena, c.user_id));
    naap_respond_success(req, 200, "access", access);
}

/* ---- PUT /teams/:teamId/plugins/:installId/my-config (api.md 5.10) ------------------ */

static const naap_field my_config_fields[] = {
    {"config", NAAP_T_OBJECT, NAAP_F_NULLABLE, 0, 0, NULL, NULL, "config must be a JSON object"},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

struct my_config_op {
    naap_request *req;
    naap_team_caller *c;
    const char *install_id;
    const char *config;
    json_t *row;
};

static int my_config_tx(void *arg)
{
    struct my_config_op *op = arg;
    int rc = naap_plugin_personal_config_upsert_tx(op->req->arena, op->c->team.member_id,
                                                   op->install_id, op->config, &op->row);
    if (rc != NAAP_OK)
        return rc;
    return naap_audit_record(op->req, "team.member.config.update", "teamMemberPluginConfig",
                             json_string_value(json_object_get(op->row, "id")), op->c->user_id,
                             json_pack("{s:s,s:s}", "memberId", op->c->team.member_id,
                                       "pluginInstallId", op->install_id));
}

void naap_api_team_my_config(naap_request *req)
{
    naap_team_caller c;
    naap_plugin_install install;
    naap_value v[1];
    bool can_configure;
    int rc;

    if (naap_team_enter(req, &member, &c) != NAAP_OK ||
        install_in_team(req, &c, "installId", &install) != NAAP_OK ||
        naap_input_body(req, my_config_fields, v) != NAAP_OK)
        return;
    rc = naap_plugin_can_configure(req->arena, c.team.member_id, install.id, &can_configure);
    if (rc != NAAP_OK && rc != NAAP_ENOTFOUND) {
        naap_respond_store_error(req, rc);
        return;
    }
    if (!can_configure) {
        naap_respond_error(req, 403, "Permission denied: cannot configure this plugin");
        return;
    }
    char *config = v[0].state == NAAP_V_SET
                       ? json_dumps(v[0].json, JSON_COMPACT | JSON_PRESERVE_ORDER)
                       : naap_xstrdup("{}");
    struct my_config_op op = {req, &c, install.id, config, NULL};
    rc = config ? naap_db_tx(my_config_tx, &op, 1) : NAAP_ERR;
    free(config);
    if (rc == NAAP_OK)
        NAAP_INVALIDATE(naap_ns_my_plugins(req->arena, c.user_id));
    naap_respond_result(req, rc, 200, "config", op.row, "Plugin installation not found");
}

/* ---- GET /teams/:teamId/plugins/:installId/merged-config (api.md 5.11) -------------- */

void naap_api_team_merged_config(naap_request *req)
{
    naap_team_caller c;
    naap_plugin_install install;
    json_t *personal;
    int rc;

    if (naap_team_enter(req, &member, &c) != NAAP_OK ||
        install_in_team(req, &c, "installId", &install) != NAAP_OK)
        return;
    if ((rc = naap_plugin_personal_config(req->arena, c.team.member_id, install.id, &personal)) !=
        NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    json_t *merged = naap_merge_config(install.shared_config, personal);
    json_decref(personal);
    naap_respond_success(req, 200, "config", merged);
}
