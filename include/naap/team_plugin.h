#ifndef NAAP_TEAM_PLUGIN_H
#define NAAP_TEAM_PLUGIN_H

#include <jansson.h>
#include <stdbool.h>

#include "naap/arena.h"
#include "naap/schema.h"

/* Team plugin installs, member access, personal configs and versions (api.md 5): all of
 * their SQL. JSON comes out in api.md 5's row shapes. Functions ending in _tx run inside
 * the caller's transaction (naap_db_tx). Every install id is looked up inside a team, so
 * an id from another team reads as absent (decisions.md 5). */

/** An install as the guards need it. */
typedef struct naap_plugin_install {
    const char *id;
    const char *package_id;
    const char *package_name;
    bool is_core;
    json_t *shared_config; /* borrowed from the arena-owned result; JSON null when unset */
} naap_plugin_install;

/** A package and its latest version, for installing. */
typedef struct naap_plugin_package {
    const char *id;
    const char *version_id; /* NULL when the package has no version */
    json_t *manifest;       /* that version's manifest; new reference, or NULL */
} naap_plugin_package;

/** The team's installs with deployment, package, version and _count (api.md 5.1). */
int naap_plugin_list(naap_arena *arena, const char *team_id, json_t **plugins);

/** The install install_id of team_id. NAAP_ENOTFOUND when it is not in that team. */
int naap_plugin_install_get(naap_arena *arena, const char *team_id, const char *install_id,
                            naap_plugin_install *out);

/** The package called name with its latest version. NAAP_ENOTFOUND when none. */
int naap_plugin_package_latest(naap_arena *arena, const char *name, naap_plugin_package *out);

/**
 * Installs the package into the team (api.md 5.2): deployment made if missing (locked,
 * so an uninstall racing this install sees one consistent count), the install, the
 * deployment's activeInstalls + 1 and an access row per member. NAAP_ECONFLICT when the
 * team already has it. *install gets the row.
 */
int naap_plugin_install_tx(naap_arena *arena, const char *team_id, const char *package_id,
                           const char *version_id, const char *user_id, json_t **install);

/** Deletes the install (access and config rows go with it), activeInstalls - 1. */
int naap_plugin_uninstall_tx(const char *install_id);

/** Replaces the shared config (JSON text); *install gets the row. */
int naap_plugin_set_shared_config_tx(naap_arena *arena, const char *install_id, const char *config,
                                     json_t **install);

/** Sets enabled; *install gets the row. */
int naap_plugin_set_enabled(naap_arena *arena, const char *install_id, bool enabled,
                            json_t **install);

/** Every access row of a member with install, deployment and package (api.md 5.6). */
int naap_plugin_member_access(naap_arena *arena, const char *member_id, json_t **access);

/**
 * Creates or updates a member's access to an install: visible, canUse, canConfigure
 * (booleans) and pluginRole (text or null) are written where set; on create, absent
 * booleans default to true, true, false. *access gets the row.
 */
int naap_plugin_access_upsert_tx(naap_arena *arena, const char *member_id, const char *install_id,
                                 const naap_value *visible, const naap_value *can_use,
                                 const naap_value *can_configure, const naap_value *plugin_role,
                                 json_t **access);

/**
 * What the caller sees of the team's plugins (api.md 5.8 as amended by decisions.md
 * "Details settled") in one statement, membership check included. NAAP_ENOTFOUND when
 * user_id is not a member of team_id.
 */
int naap_plugin_my_plugins(naap_arena *arena, const char *team_id, const char *user_id,
                           json_t **plugins);

/** Sets visible on the member's access row. NAAP_ENOTFOUND when there is none. */
int naap_plugin_set_visible(naap_arena *arena, const char *member_id, const char *install_id,
                            bool visible, json_t **access);

/** Whether the member may configure the install. NAAP_ENOTFOUND without an access row. */
int naap_plugin_can_configure(naap_arena *arena, const char *member_id, const char *install_id,
                              bool *can_configure);

/** Replaces the member's personal config (JSON text); *config gets the row. */
int naap_plugin_personal_config_upsert_tx(naap_arena *arena, const char *member_id,
                                          const char *install_id, const char *config, json_t **row);

/** The member's personal config of the install (new reference; JSON null when none). */
int naap_plugin_personal_config(naap_arena *arena, const char *member_id, const char *install_id,
                                json_t **config);

/** Non-deprecated versions of the install's package, newest first (api.md 5.12). */
int naap_plugin_versions(naap_arena *arena, const char *install_id, json_t **versions);

/**
 * The version version_id of package_id: its version string (in arena).
 * NAAP_ENOTFOUND when it does not exist or belongs to another package.
 */
int naap_plugin_version_of(naap_arena *arena, const char *package_id, const char *version_id,
                           const char **version);

/** Pins the install to version_id, or unpins it when version_id is NULL. */
int naap_plugin_pin_tx(const char *install_id, const char *version_id);

#endif
