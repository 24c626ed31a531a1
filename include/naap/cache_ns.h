#ifndef NAAP_CACHE_NS_H
#define NAAP_CACHE_NS_H

#include <stddef.h>

#include "naap/arena.h"

/* Cache namespaces, named in one place. A cached answer lives in the namespaces its route
 * lists (as templates, expanded by the response cache); a write invalidates the concrete
 * namespaces it changed. Both sides take their names from here, so a route and the write
 * that must refresh it can never disagree on spelling. */

/* Templates for route policies: "{user}", "{session}" and ":param" names are expanded
 * per request by the response cache (include/naap/response_cache.h). */
#define NAAP_NS_T_USER "user:{user}"
#define NAAP_NS_T_SESSION "session:{session}"
#define NAAP_NS_T_TEAM "team:{teamId}"
#define NAAP_NS_T_MEMBERSHIPS "memberships:{user}"
#define NAAP_NS_T_TEAM_PLUGINS "team-plugins:{teamId}"
#define NAAP_NS_T_MY_PLUGINS "my-plugins:{user}"
#define NAAP_NS_T_PACKAGE "package:{name}"
#define NAAP_NS_MARKETPLACE "marketplace"

/** "user:<id>": everything cached for one user (their teams, /auth/me). */
const char *naap_ns_user(naap_arena *arena, const char *user_id);
/**
 * What stands for a session in cache names and keys: the SHA-256 hex of its sid, never the
 * sid (for a legacy session, the bearer token). In the arena. The {session} template value.
 */
const char *naap_ns_session_id(naap_arena *arena, const char *sid);
/** "session:<naap_ns_session_id>": what is cached for one session. */
const char *naap_ns_session(naap_arena *arena, const char *sid);
/**
 * naap_ns_session written into out (outlen bytes), for callers without an arena.
 * Returns 0, or NAAP_ETOOLARGE when it does not fit (out then holds no name).
 */
int naap_ns_session_buf(char *out, size_t outlen, const char *sid);
/** "team:<id>": what any member sees of one team. */
const char *naap_ns_team(naap_arena *arena, const char *team_id);
/** "memberships:<user id>": the list of a user's teams (GET /teams), which shows every
 * member of each team, so any membership change invalidates it for every member. */
const char *naap_ns_memberships(naap_arena *arena, const char *user_id);
/** "team-plugins:<team id>": every member's my-plugins of one team (installs, configs,
 * enabled flags, pins and memberships change it). */
const char *naap_ns_team_plugins(naap_arena *arena, const char *team_id);
/** "my-plugins:<user id>": one user's my-plugins in every team (their own access
 * rows, visibility and personal configs change it). */
const char *naap_ns_my_plugins(naap_arena *arena, const char *user_id);
/** "package:<name>": one registry package's detail. */
const char *naap_ns_package(naap_arena *arena, const char *name);

/**
 * Invalidates every namespace of the NULL-terminated list, all of them even when one
 * fails. Call after the write has committed and before answering. Returns 0, or the
 * first failure (then no worker of this host serves a hit until one has recovered).
 */
int naap_cache_invalidate_list(const char *const *namespaces);

/** naap_cache_invalidate_list of the arguments: NAAP_INVALIDATE(ns_a, ns_b). */
#define NAAP_INVALIDATE(...) naap_cache_invalidate_list((const char *const[]){__VA_ARGS__, NULL})

#endif
