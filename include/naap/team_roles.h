#ifndef NAAP_TEAM_ROLES_H
#define NAAP_TEAM_ROLES_H

#include <jansson.h>
#include <stdbool.h>

/* The team role matrix that base-svc's service layer actually enforces (api.md 4.0; not
 * permissions.ts, not the frontend's copy: decisions.md 5). One table, read by the one
 * guard every team endpoint goes through and by GET /teams/role-permissions. */

typedef enum naap_team_cap {
    NAAP_CAP_TEAM_MANAGE,
    NAAP_CAP_TEAM_DELETE,
    NAAP_CAP_MEMBERS_MANAGE,
    NAAP_CAP_MEMBERS_INVITE,
    NAAP_CAP_PLUGINS_INSTALL,
    NAAP_CAP_PLUGINS_UNINSTALL,
    NAAP_CAP_PLUGINS_CONFIGURE,
    NAAP_CAP_ACCESS_MANAGE,
    NAAP_CAP_PLUGINS_USE,
    NAAP_CAP_PLUGINS_CONFIGURE_PERSONAL,
    NAAP_CAP_PLUGINS_VIEW,
    NAAP_CAP_COUNT
} naap_team_cap;

/** True if a member with role (a TeamMember.role value) holds cap. */
bool naap_team_role_can(const char *role, naap_team_cap cap);
/** True for the roles a member may be given by invitation or role change. */
bool naap_team_role_assignable(const char *role);
/** {"owner":[...],"admin":[...],"member":[...],"viewer":[...]} as a new reference. */
json_t *naap_team_role_permissions(void);

#endif
