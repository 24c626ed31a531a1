#include "naap/api.h"
#include "naap/audit.h"
#include "naap/cache_ns.h"
#include "naap/db.h"
#include "naap/envelope.h"
#include "naap/errors.h"
#include "naap/input.h"
#include "naap/team_api.h"

#include <string.h>

/* Team resources (api.md 4.1-4.6, 4.12). Members live in team_members.c. */

#define NAME_MAX_CHARS 100
#define SLUG_MAX_CHARS 64
#define DESCRIPTION_MAX_CHARS 2000
#define URL_MAX_CHARS 2048

static const naap_team_rule signed_in = {NAAP_TEAM_AUTH, NAAP_TEAM_NO_CAP, NULL};
static const naap_team_rule viewer = {NAAP_TEAM_VIEW, NAAP_TEAM_NO_CAP, NULL};
static const naap_team_rule manager = {NAAP_TEAM_MEMBER, NAAP_CAP_TEAM_MANAGE,
                                       "Permission denied: cannot update team"};
static const naap_team_rule owner = {NAAP_TEAM_OWNER, NAAP_TEAM_NO_CAP, NULL};

static bool slug_valid(const char *s)
{
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(s);
}

/* ---- POST /teams (api.md 4.1) ------------------------------------------------------- */

/* upstream's one message while either required field is missing (api.md 4.1) */
static const naap_field create_required[] = {
    {"name", NAAP_T_ANY, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, 0, 0, NULL, NULL,
     "Name and slug are required"},
    {"slug", NAAP_T_ANY, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, 0, 0, NULL, NULL,
     "Name and slug are required"},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

enum { F_NAME, F_SLUG, F_DESCRIPTION, F_AVATAR, CREATE_FIELDS };
static const naap_field create_fields[] = {
    [F_NAME] = {"name", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, 0, NAME_MAX_CHARS, NULL,
                NULL, NULL},
    [F_SLUG] = {"slug", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, 0, SLUG_MAX_CHARS, NULL,
                slug_valid, "Slug must contain only lowercase letters, numbers, and hyphens"},
    [F_DESCRIPTION] = {"description", NAAP_T_STRING, NAAP_F_NULLABLE, 0, DESCRIPTION_MAX_CHARS,
                       NULL, NULL, NULL},
    [F_AVATAR] = {"avatarUrl", NAAP_T_STRING, NAAP_F_NULLABLE, 0, URL_MAX_CHARS, NULL, NULL, NULL},
    [CREATE_FIELDS] = {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

struct create_op {
    naap_request *req;
    const char *user_id;
    naap_value *v;
    json_t *team;
};

static int create_tx(void *arg)
{
    struct create_op *op = arg;
    const char *member_id;
    int rc;

    json_decref(op->team); /* a retried attempt starts over */
    op->team = NULL;
    if ((rc = naap_team_insert_tx(op->req->arena, op->user_id, op->v[F_NAME].str, op->v[F_SLUG].str,
                                  op->v[F_DESCRIPTION].str, op->v[F_AVATAR].str, &op->team,
                                  &member_id)) != NAAP_OK ||
        (rc = naap_team_install_core_tx(json_string_value(json_object_get(op->team, "id")),
                                        op->user_id, member_id)) != NAAP_OK)
        return rc;
    return naap_audit_record(
        op->req, "team.create", "team", json_string_value(json_object_get(op->team, "id")),
        op->user_id, json_pack("{s:s,s:s}", "name", op->v[F_NAME].str, "slug", op->v[F_SLUG].str));
}

void naap_api_teams_create(naap_request *req)
{
    naap_team_caller c;
    naap_value v[CREATE_FIELDS];
    int rc;

    if (naap_team_enter(req, &signed_in, &c) != NAAP_OK ||
        naap_input_body(req, create_required, v) != NAAP_OK ||
        naap_input_body(req, create_fields, v) != NAAP_OK)
        return;
    if ((rc = naap_team_slug_exists(v[F_SLUG].str)) != NAAP_ENOTFOUND) {
        naap_respond_outcome(req, rc == NAAP_OK ? NAAP_EINVAL : rc, "Team slug already exists");
        return;
    }
    struct create_op op = {req, c.user_id, v, NULL};
    rc = naap_db_tx(create_tx, &op, 0);
    if (rc == NAAP_ECONFLICT) /* a concurrent create took the slug */
        rc = NAAP_EINVAL;
    if (rc == NAAP_OK)
        NAAP_INVALIDATE(naap_ns_memberships(req->arena, c.user_id));
    naap_respond_result(req, rc, 201, "team", op.team, "Team slug already exists");
}

/* ---- GET /teams, GET /teams/:teamId, GET /teams/role-permissions -------------------- */

void naap_api_teams_list(naap_request *req)
{
    naap_team_caller c;
    json_t *teams;
    int rc;

    if (naap_team_enter(req, &signed_in, &c) != NAAP_OK)
        return;
    if ((rc = naap_team_list_for_user(req->arena, c.user_id, &teams)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_success(req, 200, "teams", teams);
}

void naap_api_teams_get(naap_request *req)
{
    naap_team_caller c;
    json_t *team;
    int rc;

    if (naap_team_enter(req, &viewer, &c) != NAAP_OK)
        return;
    if ((rc = naap_team_get(req->arena, c.team.team_id, &team)) != NAAP_OK) {
        naap_respond_outcome(req, rc, "Team not found");
        return;
    }
    json_t *body = json_pack("{s:b,s:o,s:{s:s},s:{s:s}}", "success", 1, "team", team, "membership",
                             "role", c.team.role, "member", "role", c.team.role);
    naap_respond_json(req, 200, body);
}

/* Unreachable upstream (api.md 4.12); exposed here, before /teams/:teamId in the table,
 * since no team id can equal this literal. */
void naap_api_teams_role_permissions(naap_request *req)
{
    naap_team_caller c;

    if (naap_team_enter(req, &signed_in, &c) != NAAP_OK)
        return;
    naap_respond_success(req, 200, "permissions", naap_team_role_permissions());
}

/* ---- PUT /teams/:teamId (api.md 4.4) ------------------------------------------------ */

enum { U_NAME, U_DESCRIPTION, U_AVATAR, UPDATE_FIELDS };
static const naap_field update_fields[] = {
    [U_NAME] = {"name", NAAP_T_STRING, NAAP_F_NONEMPTY, 0, NAME_MAX_CHARS, NULL, NULL, NULL},
    [U_DESCRIPTION] = {"description", NAAP_T_STRING, NAAP_F_NULLABLE, 0, DESCRIPTION_MAX_CHARS,
                       NULL, NULL, NULL},
    [U_AVATAR] = {"avatarUrl", NAAP_T_STRING, NAAP_F_NULLABLE, 0, URL_MAX_CHARS, NULL, NULL, NULL},
    [UPDATE_FIELDS] = {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

struct update_op {
    naap_request *req;
    naap_team_caller *c;
    naap_value *v;
    json_t *team;
};

static int update_tx(void *arg)
{
    struct update_op *op = arg;
    int rc = naap_team_update_tx(op->req->arena, op->c->team.team_id, &op->v[U_NAME],
                                 &op->v[U_DESCRIPTION], &op->v[U_AVATAR], &op->team);
    if (rc != NAAP_OK)
        return rc;
    json_t *details = json_object();
    for (int i = 0; i < UPDATE_FIELDS; i++)
        if (op->v[i].state != NAAP_V_ABSENT)
            json_object_set(details, update_fields[i].name, op->v[i].json);
    return naap_audit_record(op->req, "team.update", "team", op->c->team.team_id, op->c->user_id,
                             details);
}

void naap_api_teams_update(naap_request *req)
{
    naap_team_caller c;
    naap_value v[UPDATE_FIELDS];

    if (naap_team_enter(req, &manager, &c) != NAAP_OK ||
        naap_input_body(req, update_fields, v) != NAAP_OK)
        return;
    struct update_op op = {req, &c, v, NULL};
    int rc = naap_db_tx(update_tx, &op, 0);
    if (rc == NAAP_OK)
        naap_team_invalidate(req, c.team.team_id, NULL);
    naap_respond_result(req, rc, 200, "team", op.team, "Team not found");
}

/* ---- delete-impact, DELETE /teams/:teamId (api.md 4.5, 4.6) ------------------------- */

void naap_api_teams_delete_impact(naap_request *req)
{
    naap_team_caller c;
    json_t *impact;
    int rc;

    if (naap_team_enter(req, &owner, &c) != NAAP_OK)
        return;
    if ((rc = naap_team_impact(req->arena, c.team.team_id, &impact)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    naap_respond_success(req, 200, "impact", impact);
}

struct delete_op {
    naap_request *req;
    naap_team_caller *c;
    const char **members;
};

static int delete_tx(void *arg)
{
    struct delete_op *op = arg;
    const char *team_id = op->c->team.team_id;
    json_t *details = NULL;
    int rc;

    if ((rc = naap_team_member_user_ids(op->req->arena, team_id, &op->members)) != NAAP_OK ||
        (rc = naap_team_delete_tx(op->req->arena, team_id, &details)) != NAAP_OK)
        return rc;
    return naap_audit_record(op->req, "team.delete", "team", team_id, op->c->user_id, details);
}

void naap_api_teams_delete(naap_request *req)
{
    naap_team_caller c;

    if (naap_team_enter(req, &owner, &c) != NAAP_OK)
        return;
    /* api.md 4.0 NOTE: the owner role and Team.ownerId are two sources of truth */
    if (strcmp(c.team.owner_id, c.user_id) != 0) {
        naap_respond_error(req, 403, "Permission denied: only owner can delete team");
        return;
    }
    struct delete_op op = {req, &c, NULL};
    int rc = naap_db_tx(delete_tx, &op, 0);
    if (rc != NAAP_OK) {
        naap_respond_outcome(req, rc, "Team not found");
        return;
    }
    naap_team_invalidate(req, c.team.team_id, op.members);
    naap_respond_message(req, "Team deleted");
}
