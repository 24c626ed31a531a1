#ifndef NAAP_TEAM_H
#define NAAP_TEAM_H

#include <jansson.h>
#include <stdbool.h>

#include "naap/arena.h"
#include "naap/schema.h"

/* Teams and their members (tables "Team", "TeamMember"; api.md 4): all of their SQL.
 * JSON comes out in api.md 4.0's shapes (Team row, TeamMember row, user projection).
 * Functions ending in _tx run inside the caller's transaction (naap_db_tx). */

/** Who the caller is in one team. */
typedef struct naap_team_ctx {
    const char *team_id;
    const char *owner_id;  /* Team.ownerId */
    const char *member_id; /* the caller's TeamMember.id, NULL when not a member */
    const char *role;      /* their role, NULL when not a member */
} naap_team_ctx;

/** A member row as the guards need it. */
typedef struct naap_team_member {
    const char *id;
    const char *user_id;
    const char *role;
} naap_team_member;

/** The caller's place in team_id. NAAP_ENOTFOUND when the team does not exist. */
int naap_team_context(naap_arena *arena, const char *team_id, const char *user_id,
                      naap_team_ctx *out);

/** 0 when a team has this slug, NAAP_ENOTFOUND when none. */
int naap_team_slug_exists(const char *slug);

/**
 * Inserts the team (owner user_id) and its owner member row; *team gets the Team row
 * (new reference), *member_id the owner's member id (in arena).
 */
int naap_team_insert_tx(naap_arena *arena, const char *user_id, const char *name, const char *slug,
                        const char *description, const char *avatar_url, json_t **team,
                        const char **member_id);

/**
 * Installs every core package that has a version into the team (api.md 4.1): its
 * deployment made if missing, the install counted in activeInstalls, and an access row
 * for the owner member.
 */
int naap_team_install_core_tx(const char *team_id, const char *user_id, const char *member_id);

/** The teams of user_id's memberships (api.md 4.2) as a new JSON array. */
int naap_team_list_for_user(naap_arena *arena, const char *user_id, json_t **teams);

/** The Team row with members (role, joinedAt order) and _count (api.md 4.3). */
int naap_team_get(naap_arena *arena, const char *team_id, json_t **team);

/**
 * Updates name/description/avatarUrl where set (a NAAP_V_NULL value writes NULL) and
 * updatedAt; *team gets the new row. NAAP_ENOTFOUND when the team is gone.
 */
int naap_team_update_tx(naap_arena *arena, const char *team_id, const naap_value *name,
                        const naap_value *description, const naap_value *avatar_url, json_t **team);

/** What deleting the team would remove (api.md 4.5) as a new JSON object. */
int naap_team_impact(naap_arena *arena, const char *team_id, json_t **impact);

/**
 * Deletes the team and everything under it, releasing its installs' deployments;
 * *details gets api.md 4.6's audit details (new reference).
 */
int naap_team_delete_tx(naap_arena *arena, const char *team_id, json_t **details);

/** The user ids of every member of team_id, NULL-terminated, in arena. */
int naap_team_member_user_ids(naap_arena *arena, const char *team_id, const char ***user_ids);

/** Members with user and team projections (api.md 4.7), role then joinedAt order. */
int naap_team_members_list(naap_arena *arena, const char *team_id, long long skip, long long take,
                           json_t **members);

/** The member member_id of team_id. NAAP_ENOTFOUND when it is not in that team. */
int naap_team_member_get(naap_arena *arena, const char *team_id, const char *member_id,
                         naap_team_member *out);

/** The member of team_id whose user is user_id. NAAP_ENOTFOUND when there is none. */
int naap_team_member_of_user(naap_arena *arena, const char *team_id, const char *user_id,
                             naap_team_member *out);

/** The id of the user with this exact email (in arena). NAAP_ENOTFOUND when none. */
int naap_team_user_by_email(naap_arena *arena, const char *email, const char **user_id);

/**
 * Adds user_id to the team with role, with an access row for every install of the team
 * (canConfigure for admins: decisions.md "Details settled"). *member gets the TeamMember
 * row. NAAP_ECONFLICT when the user is already a member (concurrent adds included).
 */
int naap_team_member_add_tx(naap_arena *arena, const char *team_id, const char *user_id,
                            const char *role, const char *invited_by, json_t **member);

/** Sets a member's role; *member gets the updated row. */
int naap_team_member_set_role_tx(naap_arena *arena, const char *member_id, const char *role,
                                 json_t **member);

/** Deletes a member (their access and personal config rows go with it). */
int naap_team_member_delete_tx(const char *member_id);

/**
 * Makes new_owner_id the owner: Team.ownerId, their member row's role, and every
 * membership of old_owner_id in the team demoted to admin, together.
 */
int naap_team_transfer_tx(const char *team_id, const char *old_owner_id, const char *new_owner_id);

#endif
