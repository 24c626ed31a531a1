#ifndef NAAP_TEAM_API_H
#define NAAP_TEAM_API_H

#include "naap/http.h"
#include "naap/team.h"
#include "naap/team_roles.h"

/* The one guard every /teams endpoint goes through (api.md 4.0 as amended by decisions.md
 * 5 and "Details settled"): authenticate, place the caller in the URL's team, check the
 * route's capability. Shared by src/api/team*.c. */

typedef enum naap_team_guard {
    NAAP_TEAM_AUTH,   /* a signed-in caller; no team */
    NAAP_TEAM_VIEW,   /* GET /teams/:teamId: 404 Team not found / 403 Not a member */
    NAAP_TEAM_MEMBER, /* any member of :teamId, else 403 Team context required */
    NAAP_TEAM_OWNER,  /* the owner member of :teamId, else 403 */
} naap_team_guard;

#define NAAP_TEAM_NO_CAP (-1)

/** What a route requires; denied is the 403 message when the role lacks cap. */
typedef struct naap_team_rule {
    naap_team_guard guard;
    int cap; /* a naap_team_cap, or NAAP_TEAM_NO_CAP */
    const char *denied;
} naap_team_rule;

/** The caller of a team route. */
typedef struct naap_team_caller {
    const char *user_id;
    naap_team_ctx team; /* zeroed for NAAP_TEAM_AUTH */
} naap_team_caller;

/** Applies rule to the request: 0 to go on, or NAAP_DONE after answering 401/403/404/5xx. */
int naap_team_enter(naap_request *req, const naap_team_rule *rule, naap_team_caller *out);

/**
 * After a committed change to team_id: drops what any member sees of it (GET
 * /teams/:teamId and my-plugins for everyone, GET /teams of each current member and of
 * the users in also, NULL-terminated or NULL).
 */
void naap_team_invalidate(naap_request *req, const char *team_id, const char *const *also);

#endif
