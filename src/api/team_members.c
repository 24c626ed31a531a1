#include "naap/api.h"
#include "naap/audit.h"
#include "naap/db.h"
#include "naap/envelope.h"
#include "naap/errors.h"
#include "naap/input.h"
#include "naap/team_api.h"

#include <string.h>

/* Team members (api.md 4.7-4.11). A member id in the path must be a member of the URL's
 * team (404 otherwise: decisions.md 5); a role that lacks the capability gets 403, a rule
 * that fails for a caller who has it gets 400 (decisions.md "Details settled"). */

#define TAKE_DEFAULT 50
#define TAKE_MAX 100
#define SKIP_MAX 1000000000LL
#define EMAIL_MAX_CHARS 320

static const naap_team_rule member = {NAAP_TEAM_MEMBER, NAAP_TEAM_NO_CAP, NULL};
static const naap_team_rule inviter = {NAAP_TEAM_MEMBER, NAAP_CAP_MEMBERS_INVITE,
                                       "Permission denied: cannot invite members"};
static const naap_team_rule owner = {NAAP_TEAM_OWNER, NAAP_TEAM_NO_CAP, NULL};

static const char *const assignable_roles[] = {"admin", "member", "viewer", NULL};

/* The path's member, in the path's team; answers 404 (or 5xx) itself. */
static int target_member(naap_request *req, const naap_team_caller *c, naap_team_member *out)
{
    int rc =
        naap_team_member_get(req->arena, c->team.team_id, naap_request_param(req, "memberId"), out);
    if (rc == NAAP_OK)
        return NAAP_OK;
    naap_respond_outcome(req, rc, "Team member not found");
    return NAAP_DONE;
}

/* ---- GET /teams/:teamId/members (api.md 4.7) ---------------------------------------- */

void naap_api_team_members_list(naap_request *req)
{
    naap_team_caller c;
    long long skip, take;
    json_t *members;
    int rc;

    if (naap_team_enter(req, &member, &c) != NAAP_OK ||
        naap_input_count(req, "skip", 0, SKIP_MAX, &skip) != NAAP_OK ||
        naap_input_count(req, "take", TAKE_DEFAULT, TAKE_MAX, &take) != NAAP_OK)
        return;
    if (take == 0) /* upstream: 0 means the default */
        take = TAKE_DEFAULT;
    if ((rc = naap_team_members_list(req->arena, c.team.team_id, skip, take, &members)) !=
        NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_success(req, 200, "members", members);
}

/* ---- POST /teams/:teamId/members (api.md 4.8) --------------------------------------- */

enum { A_EMAIL, A_ROLE, ADD_FIELDS };
static const naap_field add_fields[] = {
    [A_EMAIL] = {"email", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, 0, EMAIL_MAX_CHARS,
                 NULL, NULL, "Email is required"},
    [A_ROLE] = {"role", NAAP_T_STRING, NAAP_F_REQUIRED, 0, 0, assignable_roles, NULL,
                "Invalid role"},
    [ADD_FIELDS] = {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

struct add_op {
    naap_request *req;
    naap_team_caller *c;
    const char *user_id;
    naap_value *v;
    json_t *member;
};

static int add_tx(void *arg)
{
    struct add_op *op = arg;
    const char *team_id = op->c->team.team_id;
    int rc = naap_team_member_add_tx(op->req->arena, team_id, op->user_id, op->v[A_ROLE].str,
                                     op->c->user_id, &op->member);
    if (rc != NAAP_OK)
        return rc;
    return naap_audit_record(op->req, "team.member.invite", "teamMember",
                             json_string_value(json_object_get(op->member, "id")), op->c->user_id,
                             json_pack("{s:s,s:s,s:s}", "teamId", team_id, "invitedEmail",
                                       op->v[A_EMAIL].str, "role", op->v[A_ROLE].str));
}

void naap_api_team_members_add(naap_request *req)
{
    naap_team_caller c;
    naap_value v[ADD_FIELDS];
    naap_team_member existing;
    const char *user_id;
    int rc;

    if (naap_team_enter(req, &inviter, &c) != NAAP_OK ||
        naap_input_body(req, add_fields, v) != NAAP_OK)
        return;
    if ((rc = naap_team_user_by_email(req->arena, v[A_EMAIL].str, &user_id)) != NAAP_OK) {
        naap_respond_outcome(req, rc == NAAP_ENOTFOUND ? NAAP_EINVAL : rc,
                             "User not found with this email");
        return;
    }
    if ((rc = naap_team_member_of_user(req->arena, c.team.team_id, user_id, &existing)) !=
        NAAP_ENOTFOUND) {
        naap_respond_outcome(req, rc == NAAP_OK ? NAAP_EINVAL : rc,
                             "User is already a team member");
        return;
    }
    struct add_op op = {req, &c, user_id, v, NULL};
    /* a concurrent add of the same user loses on the unique (teamId, userId): 409 */
    if ((rc = naap_db_tx(add_tx, &op, 0)) == NAAP_OK)
        naap_team_invalidate(req, c.team.team_id, NULL);
    naap_respond_result(req, rc, 201, "member", op.member, "User is already a team member");
}

/* ---- PUT /teams/:teamId/members/:memberId (api.md 4.9) ------------------------------ */

static const naap_field role_fields[] = {
    {"role", NAAP_T_STRING, NAAP_F_REQUIRED, 0, 0, assignable_roles, NULL, "Invalid role"},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

struct role_op {
    naap_request *req;
    naap_team_caller *c;
    naap_team_member *target;
    const char *role;
    json_t *member;
};

static int role_tx(void *arg)
{
    struct role_op *op = arg;
    int rc = naap_team_member_set_role_tx(op->req->arena, op->target->id, op->role, &op->member);
    if (rc != NAAP_OK)
        return rc;
    return naap_audit_record(
        op->req, "team.member.update", "teamMember", op->target->id, op->c->user_id,
        json_pack("{s:s,s:s}", "fromRole", op->target->role, "toRole", op->role));
}

void naap_api_team_members_set_role(naap_request *req)
{
    naap_team_caller c;
    naap_value v[1];
    naap_team_member target;
    int rc;

    if (naap_team_enter(req, &member, &c) != NAAP_OK ||
        naap_input_body(req, role_fields, v) != NAAP_OK ||
        target_member(req, &c, &target) != NAAP_OK)
        return;
    bool admin = strcmp(c.team.role, "admin") == 0;
    if (!naap_team_role_can(c.team.role, NAAP_CAP_MEMBERS_MANAGE)) {
        naap_respond_error(req, 403, "Permission denied: cannot manage members");
        return;
    }
    if (strcmp(target.role, "owner") == 0) {
        naap_respond_error(req, admin ? 403 : 400, "Cannot change owner role");
        return;
    }
    if (admin && strcmp(target.role, "admin") == 0) {
        naap_respond_error(req, 403, "Admin cannot manage other admins");
        return;
    }
    struct role_op op = {req, &c, &target, v[0].str, NULL};
    if ((rc = naap_db_tx(role_tx, &op, 0)) == NAAP_OK)
        naap_team_invalidate(req, c.team.team_id, NULL);
    naap_respond_result(req, rc, 200, "member", op.member, "Team member not found");
}

/* ---- DELETE /teams/:teamId/members/:memberId (api.md 4.10) -------------------------- */

struct remove_op {
    naap_request *req;
    naap_team_caller *c;
    naap_team_member *target;
};

static int remove_tx(void *arg)
{
    struct remove_op *op = arg;
    bool self = strcmp(op->target->user_id, op->c->user_id) == 0;
    int rc = naap_team_member_delete_tx(op->target->id);
    if (rc != NAAP_OK)
        return rc;
    return naap_audit_record(op->req, self ? "team.member.leave" : "team.member.remove",
                             "teamMember", op->target->id, op->c->user_id,
                             json_pack("{s:s,s:s}", "teamId", op->c->team.team_id, "removedUserId",
                                       op->target->user_id));
}

void naap_api_team_members_remove(naap_request *req)
{
    naap_team_caller c;
    naap_team_member target;
    int rc;

    if (naap_team_enter(req, &member, &c) != NAAP_OK || target_member(req, &c, &target) != NAAP_OK)
        return;
    bool owner_caller = strcmp(c.team.role, "owner") == 0;
    if (strcmp(target.role, "owner") == 0) {
        naap_respond_error(req, owner_caller ? 400 : 403, "Cannot remove team owner");
        return;
    }
    if (strcmp(target.user_id, c.user_id) != 0) { /* leaving needs no capability */
        if (!naap_team_role_can(c.team.role, NAAP_CAP_MEMBERS_MANAGE)) {
            naap_respond_error(req, 403, "Permission denied: cannot manage members");
            return;
        }
        if (!owner_caller && strcmp(target.role, "admin") == 0) {
            naap_respond_error(req, 403, "Admin cannot remove other admins");
            return;
        }
    }
    struct remove_op op = {req, &c, &target};
    if ((rc = naap_db_tx(remove_tx, &op, 0)) != NAAP_OK) {
        naap_respond_outcome(req, rc, "Team member not found");
        return;
    }
    naap_team_invalidate(req, c.team.team_id, (const char *const[]){target.user_id, NULL});
    naap_respond_message(req, "Member removed");
}

/* ---- POST /teams/:teamId/transfer-ownership (api.md 4.11) --------------------------- */

static const naap_field transfer_fields[] = {
    {"newOwnerId", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, 0, 0, NULL, NULL,
     "New owner ID is required"},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

struct transfer_op {
    naap_request *req;
    naap_team_caller *c;
    const char *new_owner;
};

static int transfer_tx(void *arg)
{
    struct transfer_op *op = arg;
    const char *team_id = op->c->team.team_id;
    int rc = naap_team_transfer_tx(team_id, op->c->user_id, op->new_owner);
    if (rc != NAAP_OK)
        return rc;
    return naap_audit_record(
        op->req, "team.ownership.transfer", "team", team_id, op->c->user_id,
        json_pack("{s:s,s:s}", "fromUserId", op->c->user_id, "toUserId", op->new_owner));
}

void naap_api_teams_transfer(naap_request *req)
{
    naap_team_caller c;
    naap_value v[1];
    naap_team_member next;
    int rc;

    if (naap_team_enter(req, &owner, &c) != NAAP_OK ||
        naap_input_body(req, transfer_fields, v) != NAAP_OK)
        return;
    if (strcmp(c.team.owner_id, c.user_id) != 0) {
        naap_respond_error(req, 403, "Only the current owner can transfer ownership");
        return;
    }
    /* upstream demoted the only owner to admin here (api.md 4.11 NOTE) */
    if (strcmp(v[0].str, c.user_id) == 0) {
        naap_respond_error(req, 400, "Cannot transfer ownership to yourself");
        return;
    }
    if ((rc = naap_team_member_of_user(req->arena, c.team.team_id, v[0].str, &next)) != NAAP_OK) {
        naap_respond_outcome(req, rc == NAAP_ENOTFOUND ? NAAP_EINVAL : rc,
                             "New owner must be a team member");
        return;
    }
    struct transfer_op op = {req, &c, v[0].str};
    if ((rc = naap_db_tx(transfer_tx, &op, 0)) != NAAP_OK) {
        naap_respond_outcome(req, rc == NAAP_ENOTFOUND ? NAAP_EINVAL : rc,
                             "New owner must be a team member");
        return;
    }
    naap_team_invalidate(req, c.team.team_id, NULL);
    naap_respond_message(req, "Ownership transferred");
}
