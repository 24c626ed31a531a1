#include "naap/team_roles.h"

#include <string.h>

enum { OWNER = 1 << 0, ADMIN = 1 << 1, MEMBER = 1 << 2, VIEWER = 1 << 3 };

static const char *const role_names[] = {"owner", "admin", "member", "viewer"};

/* api.md 4.0, the table under "actually enforced", in its order */
static const struct {
    const char *name;
    unsigned roles;
} caps[NAAP_CAP_COUNT] = {
    [NAAP_CAP_TEAM_MANAGE] = {"team.manage", OWNER},
    [NAAP_CAP_TEAM_DELETE] = {"team.delete", OWNER},
    [NAAP_CAP_MEMBERS_MANAGE] = {"members.manage", OWNER | ADMIN},
    [NAAP_CAP_MEMBERS_INVITE] = {"members.invite", OWNER | ADMIN},
    [NAAP_CAP_PLUGINS_INSTALL] = {"plugins.install", OWNER},
    [NAAP_CAP_PLUGINS_UNINSTALL] = {"plugins.uninstall", OWNER},
    [NAAP_CAP_PLUGINS_CONFIGURE] = {"plugins.configure", OWNER | ADMIN},
    [NAAP_CAP_ACCESS_MANAGE] = {"access.manage", OWNER | ADMIN},
    [NAAP_CAP_PLUGINS_USE] = {"plugins.use", MEMBER},
    [NAAP_CAP_PLUGINS_CONFIGURE_PERSONAL] = {"plugins.configure.personal", MEMBER},
    [NAAP_CAP_PLUGINS_VIEW] = {"plugins.view", VIEWER},
};

static unsigned role_bit(const char *role)
{
    for (unsigned i = 0; role && i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (strcmp(role, role_names[i]) == 0)
            return 1u << i;
    return 0;
}

bool naap_team_role_can(const char *role, naap_team_cap cap)
{
    return cap < NAAP_CAP_COUNT && (caps[cap].roles & role_bit(role)) != 0;
}

bool naap_team_role_assignable(const char *role)
{
    return (role_bit(role) & (ADMIN | MEMBER | VIEWER)) != 0;
}

json_t *naap_team_role_permissions(void)
{
    json_t *out = json_object();
    for (unsigned r = 0; r < sizeof(role_names) / sizeof(role_names[0]); r++) {
        json_t *list = json_array();
        for (unsigned c = 0; c < NAAP_CAP_COUNT; c++)
            if (caps[c].roles & (1u << r))
                json_array_append_new(list, json_string(caps[c].name));
        json_object_set_new(out, role_names[r], list);
    }
    return out;
}
