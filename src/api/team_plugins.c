#include "naap/alloc.h"
#include "naap/api.h"
#include "naap/audit.h"
#include "naap/cache.h"
#include "naap/cache_ns.h"
#include "naap/db.h"
#include "naap/envelope.h"
#include "naap/errors.h"
#include "naap/input.h"
#include "naap/manifest.h"
#include "naap/team_api.h"
#include "naap/team_plugin.h"

#include <stdlib.h>
#include <string.h>

/* A team's plugin installs (api.md 5.1-5.5, 5.12-5.14). Every install id in a path must be
 * an install of the URL's team (404 otherwise: decisions.md 5). */

static const naap_team_rule member = {NAAP_TEAM_MEMBER, NAAP_TEAM_NO_CAP, NULL};
static const naap_team_rule installer = {NAAP_TEAM_MEMBER, NAAP_CAP_PLUGINS_INSTALL,
                                         "Permission denied: cannot install plugins"};
static const naap_team_rule uninstaller = {NAAP_TEAM_MEMBER, NAAP_CAP_PLUGINS_UNINSTALL,
                                           "Permission denied: cannot uninstall plugins"};
static const naap_team_rule owner = {NAAP_TEAM_OWNER, NAAP_TEAM_NO_CAP, NULL};
static const naap_team_rule configurer = {NAAP_TEAM_MEMBER, NAAP_CAP_PLUGINS_CONFIGURE,
                                          "Permission denied: cannot configure plugins"};
static const naap_team_rule pinner = {NAAP_TEAM_MEMBER, NAAP_CAP_PLUGINS_CONFIGURE,
                                      "Permission denied: only admins can pin versions"};
static const naap_team_rule unpinner = {NAAP_TEAM_MEMBER, NAAP_CAP_PLUGINS_CONFIGURE,
                                        "Permission denied: only admins can unpin versions"};

/* Guard, then the path's install in the URL's team; answers itself unless 0. */
static int enter_install(naap_request *req, const naap_team_rule *rule, naap_team_caller *c,
                         naap_plugin_install *install)
{
    if (naap_team_enter(req, rule, c) != NAAP_OK)
        return NAAP_DONE;
    int rc = naap_plugin_install_get(req->arena, c->team.team_id,
                                     naap_request_param(req, "installId"), install);
    if (rc == NAAP_OK)
        return NAAP_OK;
    naap_respond_outcome(req, rc, "Plugin installation not found");
    return NAAP_DONE;
}

/* What any member's my-plugins of the team shows has changed. */
static void invalidate_plugins(naap_request *req, const char *team_id)
{
    NAAP_INVALIDATE(naap_ns_team_plugins(req->arena, team_id));
}

/* ---- GET /teams/:teamId/plugins (api.md 5.1) ---------------------------------------- */

void naap_api_team_plugins_list(naap_request *req)
{
    naap_team_caller c;
    json_t *plugins;
    int rc;

    if (naap_team_enter(req, &member, &c) != NAAP_OK)
        return;
    if ((rc = naap_plugin_list(req->arena, c.team.team_id, &plugins)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_success(req, 200, "plugins", plugins);
}

/* ---- POST /teams/:teamId/plugins (api.md 5.2) --------------------------------------- */

static const naap_field install_fields[] = {
    {"packageName", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, 0, 214, NULL, NULL,
     "Package name is required"},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

struct install_op {
    naap_request *req;
    naap_team_caller *c;
    naap_plugin_package *package;
    const char *name;
    json_t *install;
};

static int install_tx(void *arg)
{
    struct install_op *op = arg;
    int rc = naap_plugin_install_tx(op->req->arena, op->c->team.team_id, op->package->id,
                                    op->package->version_id, op->c->user_id, &op->install);
    if (rc != NAAP_OK)
        return rc;
    return naap_audit_record(
        op->req, "team.plugin.install", "teamPluginInstall",
        json_string_value(json_object_get(op->install, "id")), op->c->user_id,
        json_pack("{s:s,s:s}", "teamId", op->c->team.team_id, "packageName", op->name));
}

void naap_api_team_plugins_install(naap_request *req)
{
    naap_team_caller c;
    naap_value v[1];
    naap_plugin_package package;
    char err[1100];
    int rc;

    if (naap_team_enter(req, &installer, &c) != NAAP_OK ||
        naap_input_body(req, install_fields, v) != NAAP_OK)
        return;
    if ((rc = naap_plugin_package_latest(req->arena, v[0].str, &package)) != NAAP_OK) {
        naap_respond_outcome(req, rc == NAAP_ENOTFOUND ? NAAP_EINVAL : rc,
                             "Plugin package not found");
        return;
    }
    rc = !package.version_id ? NAAP_ENOTFOUND
                             : naap_manifest_check(package.manifest, err, sizeof(err));
    json_decref(package.manifest);
    if (rc != NAAP_OK) {
        naap_respond_error(req, 400, rc == NAAP_ENOTFOUND ? "No published version available" : err);
        return;
    }
    struct install_op op = {req, &c, &package, v[0].str, NULL};
    if ((rc = naap_db_tx(install_tx, &op, 1)) != NAAP_OK) {
        json_decref(op.install);
        /* the team has it already, or a concurrent install of it won */
        naap_respond_outcome(req, rc == NAAP_ECONFLICT ? NAAP_EINVAL : rc,
                             "Plugin already installed for this team");
        return;
    }
    naap_team_invalidate(req, c.team.team_id, NULL);
    naap_respond_success(req, 201, "install", op.install);
}

/* ---- DELETE /teams/:teamId/plugins/:installId (api.md 5.3) -------------------------- */

struct uninstall_op {
    naap_request *req;
    naap_team_caller *c;
    naap_plugin_install *install;
};

static int uninstall_tx(void *arg)
{
    struct uninstall_op *op = arg;
    int rc = naap_plugin_uninstall_tx(op->install->id);
    if (rc != NAAP_OK)
        return rc;
    return naap_audit_record(op->req, "team.plugin.uninstall", "teamPluginInstall", op->install->id,
                             op->c->user_id,
                             json_pack("{s:s,s:s}", "teamId", op->c->team.team_id, "packageName",
                                       op->install->package_name));
}

void naap_api_team_plugins_uninstall(naap_request *req)
{
    naap_team_caller c;
    naap_plugin_install install;
    int rc;

    if (enter_install(req, &uninstaller, &c, &install) != NAAP_OK)
        return;
    if (install.is_core) {
        naap_respond_error(req, 400,
                           "Cannot uninstall core plugins. Core plugins are always available and "
                           "required for team functionality.");
        return;
    }
    struct uninstall_op op = {req, &c, &install};
    if ((rc = naap_db_tx(uninstall_tx, &op, 1)) != NAAP_OK) {
        naap_respond_outcome(req, rc, "Plugin installation not found");
        return;
    }
    naap_team_invalidate(req, c.team.team_id, NULL);
    naap_respond_message(req, "Plugin uninstalled");
}

/* ---- PUT /teams/:teamId/plugins/:installId/config (api.md 5.4) ---------------------- */

/* decisions.md "Bad input": a config that is not a JSON object is refused; absent or null
 * stores {} as upstream does for falsy values */
static const naap_field config_fields[] = {
    {"config", NAAP_T_OBJECT, NAAP_F_NULLABLE, 0, 0, NULL, NULL, "config must be a JSON object"},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

static char *config_text(const naap_value *v)
{
    return v->state == NAAP_V_SET ? json_dumps(v->json, JSON_COMPACT | JSON_PRESERVE_ORDER)
                                  : naap_xstrdup("{}");
}

struct shared_op {
    naap_request *req;
    naap_team_caller *c;
    const char *install_id;
    const char *config;
    json_t *install;
};

static int shared_tx(void *arg)
{
    struct shared_op *op = arg;
    int rc =
        naap_plugin_set_shared_config_tx(op->req->arena, op->install_id, op->config, &op->install);
    if (rc != NAAP_OK)
        return rc;
    return naap_audit_record(op->req, "team.plugin.config.shared.update", "teamPluginInstall",
                             op->install_id, op->c->user_id,
                             json_pack("{s:s}", "teamId", op->c->team.team_id));
}

void naap_api_team_plugins_shared_config(naap_request *req)
{
    naap_team_caller c;
    naap_plugin_install install;
    naap_value v[1];

    if (enter_install(req, &owner, &c, &install) != NAAP_OK ||
        naap_input_body(req, config_fields, v) != NAAP_OK)
        return;
    char *config = config_text(&v[0]);
    struct shared_op op = {req, &c, install.id, config, NULL};
    int rc = config ? naap_db_tx(shared_tx, &op, 0) : NAAP_ERR;
    free(config);
    if (rc == NAAP_OK)
        invalidate_plugins(req, c.team.team_id);
    naap_respond_result(req, rc, 200, "install", op.install, "Plugin installation not found");
}

/* ---- PATCH /teams/:teamId/plugins/:installId/toggle (api.md 5.5) -------------------- */

static const naap_field toggle_fields[] = {
    {"enabled", NAAP_T_BOOL, NAAP_F_REQUIRED, 0, 0, NULL, NULL, "Enabled must be a boolean"},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

void naap_api_team_plugins_toggle(naap_request *req)
{
    naap_team_caller c;
    naap_plugin_install install;
    naap_value v[1];
    json_t *row;
    int rc;

    if (enter_install(req, &configurer, &c, &install) != NAAP_OK ||
        naap_input_body(req, toggle_fields, v) != NAAP_OK)
        return;
    if ((rc = naap_plugin_set_enabled(req->arena, install.id, v[0].flag, &row)) != NAAP_OK) {
        naap_respond_outcome(req, rc, "Plugin installation not found");
        return;
    }
    invalidate_plugins(req, c.team.team_id);
    naap_respond_success(req, 200, "install", row);
}

/* ---- versions, pin, unpin (api.md 5.12-5.14) ---------------------------------------- */

void naap_api_team_plugins_versions(naap_request *req)
{
    naap_team_caller c;
    naap_plugin_install install;
    json_t *versions;
    int rc;

    if (enter_install(req, &member, &c, &install) != NAAP_OK)
        return;
    if ((rc = naap_plugin_versions(req->arena, install.id, &versions)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_success(req, 200, "versions", versions);
}

static const naap_field pin_fields[] = {
    {"versionId", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, 0, 0, NULL, NULL,
     "versionId is required"},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

struct pin_op {
    naap_request *req;
    naap_team_caller *c;
    naap_plugin_install *install;
    const char *version_id; /* NULL: unpin */
    const char *version;
};

static int pin_tx(void *arg)
{
    struct pin_op *op = arg;
    int rc = naap_plugin_pin_tx(op->install->id, op->version_id);
    if (rc != NAAP_OK)
        return rc;
    if (!op->version_id)
        return naap_audit_record(op->req, "team.plugin.version.unpin", "teamPluginInstall",
                                 op->install->id, op->c->user_id,
                                 json_pack("{s:s,s:s}", "teamId", op->c->team.team_id,
                                           "packageName", op->install->package_name));
    return naap_audit_record(
        op->req, "team.plugin.version.pin", "teamPluginInstall", op->install->id, op->c->user_id,
        json_pack("{s:s,s:s,s:s,s:s}", "teamId", op->c->team.team_id, "versionId", op->version_id,
                  "version", op->version, "packageName", op->install->package_name));
}

static void pin(naap_request *req, bool on)
{
    naap_team_caller c;
    naap_plugin_install install;
    naap_value v[1];
    struct pin_op op = {req, &c, &install, NULL, NULL};
    int rc;

    if (enter_install(req, on ? &pinner : &unpinner, &c, &install) != NAAP_OK)
        return;
    if (on) {
        if (naap_input_body(req, pin_fields, v) != NAAP_OK)
            return;
        op.version_id = v[0].str;
        /* upstream pinned any version of any package (api.md 5.13 NOTE) */
        rc = naap_plugin_version_of(req->arena, install.package_id, op.version_id, &op.version);
        if (rc != NAAP_OK) {
            naap_respond_outcome(req, rc == NAAP_ENOTFOUND ? NAAP_EINVAL : rc,
                                 "Plugin version not found");
            return;
        }
    }
    if ((rc = naap_db_tx(pin_tx, &op, 0)) != NAAP_OK) {
        naap_respond_outcome(req, rc, "Plugin installation not found");
        return;
    }
    invalidate_plugins(req, c.team.team_id);
    naap_respond_message(req, on ? "Version pinned successfully" : "Version unpinned successfully");
}

void naap_api_team_plugins_pin(naap_request *req)
{
    pin(req, true);
}

void naap_api_team_plugins_unpin(naap_request *req)
{
    pin(req, false);
}
