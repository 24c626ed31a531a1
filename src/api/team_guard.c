#include "naap/auth.h"
#include "naap/cache.h"
#include "naap/cache_ns.h"
#include "naap/errors.h"
#include "naap/log.h"
#include "naap/team_api.h"

#include <string.h>

int naap_team_enter(naap_request *req, const naap_team_rule *rule, naap_team_caller *out)
{
    const naap_session *s = naap_auth_require(req);
    const char *team_id = naap_request_param(req, "teamId");
    int rc;

    memset(out, 0, sizeof(*out));
    if (!s)
        return NAAP_DONE;
    out->user_id = s->user_id;
    if (rule->guard == NAAP_TEAM_AUTH)
        return NAAP_OK;
    rc = naap_team_context(req->arena, team_id, s->user_id, &out->team);
    if (rc != NAAP_OK && rc != NAAP_ENOTFOUND) {
        naap_respond_store_error(req, rc);
        return NAAP_DONE;
    }
    if (rule->guard == NAAP_TEAM_VIEW && rc == NAAP_ENOTFOUND) {
        naap_respond_error(req, 404, "Team not found");
        return NAAP_DONE;
    }
    if (!out->team.member_id) {
        /* upstream's teamContext: one answer for "no such team" and "not a member", so
         * team ids cannot be probed */
        naap_respond_error(req, 403,
                           rule->guard == NAAP_TEAM_VIEW ? "Not a member of this team"
                                                         : "Team context required");
        return NAAP_DONE;
    }
    if (rule->guard == NAAP_TEAM_OWNER && strcmp(out->team.role, "owner") != 0) {
        naap_respond_error(req, 403, "Only team owner can perform this action");
        return NAAP_DONE;
    }
    if (rule->cap != NAAP_TEAM_NO_CAP &&
        !naap_team_role_can(out->team.role, (naap_team_cap)rule->cap)) {
        naap_respond_error(req, 403, rule->denied);
        return NAAP_DONE;
    }
    return NAAP_OK;
}

void naap_team_invalidate(naap_request *req, const char *team_id, const char *const *also)
{
    const char **members = NULL;

    naap_cache_invalidate(naap_ns_team(req->arena, team_id));
    naap_cache_invalidate(naap_ns_team_plugins(req->arena, team_id));
    for (; also && *also; also++)
        naap_cache_invalidate(naap_ns_memberships(req->arena, *also));
    /* a deleted team has no members left to ask about; the caller passed them in also */
    if (naap_team_member_user_ids(req->arena, team_id, &members) != NAAP_OK) {
        naap_log_warn("team %s: members unknown, their team lists may stay stale", team_id);
        naap_cache_invalidate_all();
        return;
    }
    for (; *members; members++)
        naap_cache_invalidate(naap_ns_memberships(req->arena, *members));
}
