#ifndef NAAP_PREFERENCE_H
#define NAAP_PREFERENCE_H

#include <jansson.h>
#include <stdbool.h>

#include "naap/arena.h"

/* The shell's global plugin list (WorkflowPlugin) and each user's preferences over it
 * (UserPluginPreference), api.md 7 as amended by decisions.md. JSON results are new
 * references; *msg is set (a constant) for NAAP_EINVAL and NAAP_ENOTFOUND. */

/** A WorkflowPlugin write: NULL fields are absent (unchanged on update). */
typedef struct naap_workflow_plugin {
    const char *name, *display_name, *version, *remote_url, *icon;
    const char *routes_json;         /* a JSON array of strings */
    const char *enabled;             /* "true"/"false" */
    const char *order, *bundle_size; /* decimal integers */
    const char *bundle_url, *styles_url, *bundle_hash, *global_name, *deployment_type;
} naap_workflow_plugin;

/** Every plugin (include_disabled) or the enabled ones, by order then name. */
int naap_workflow_list(naap_arena *arena, bool include_disabled, json_t **plugins);

/** Creates or updates the plugin named in->name; a create needs displayName, version and remoteUrl.
 */
int naap_workflow_put(naap_arena *arena, const naap_workflow_plugin *in, json_t **plugin,
                      const char **msg);

/** Deletes the plugin called name; NAAP_ENOTFOUND if there is none. */
int naap_workflow_delete(const char *name, const char **msg);

/**
 * The enabled plugins as user_id sees them (api.md 7.4): their preferences applied, pinned
 * first, then by order. With team_id, plugins that team installed and hid from or disabled
 * for user_id's membership are left out (a team the user is not in changes nothing).
 * user_id NULL: the global list as stored.
 */
int naap_preference_personalized(naap_arena *arena, const char *user_id, const char *team_id,
                                 json_t **plugins);

/** user_id's preference rows. */
int naap_preference_list(naap_arena *arena, const char *user_id, json_t **preferences);

/**
 * Upserts user_id's preference for plugin_name. enabled/pinned: "true"/"false" or NULL
 * (absent); order: a decimal integer or NULL, with order_set telling an explicit null
 * (clears it) from an absent field (unchanged).
 */
int naap_preference_put(naap_arena *arena, const char *user_id, const char *plugin_name,
                        const char *enabled, const char *order, bool order_set, const char *pinned,
                        json_t **preference);

#endif
