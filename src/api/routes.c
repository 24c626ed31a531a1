#include "naap/api.h"
#include "naap/cache_ns.h"
#include "naap/response_cache.h"

/* decisions.md "Added": auth answers are never stored; the server adds Pragma: no-cache. */
#define AUTH_CC "no-store, no-cache, must-revalidate"

/* Response-cache policies (decisions.md "Added"): per session, so one session's csrfToken
 * and expiry never reach another; invalidated when the session or the user changes. */
static const naap_cache_policy me_policy = {.ttl = NAAP_CACHE_TTL_MEDIUM,
                                            .parts = NAAP_CACHE_PART_SESSION | NAAP_CACHE_PART_CSRF,
                                            .namespaces = {NAAP_NS_T_SESSION, NAAP_NS_T_USER}};

/* decisions.md "Added": team reads are private to the caller, 60 s */
#define TEAM_CC "private, max-age=60"

/* GET /teams lists every member of each of the caller's teams: it is dropped whenever a
 * membership of any of those teams changes (naap_team_invalidate). */
static const naap_cache_policy my_teams_policy = {.ttl = NAAP_CACHE_TTL_SHORT,
                                                  .parts = NAAP_CACHE_PART_USER,
                                                  .namespaces = {NAAP_NS_T_MEMBERSHIPS}};
/* per caller: the answer carries their own role */
static const naap_cache_policy team_policy = {.ttl = NAAP_CACHE_TTL_SHORT,
                                              .parts = NAAP_CACHE_PART_PATH | NAAP_CACHE_PART_USER,
                                              .namespaces = {NAAP_NS_T_TEAM}};

/* decisions.md "Added": public marketplace lists 600 s, package detail 300 s; publish,
 * deprecate and review writes invalidate both namespaces before answering. */
#define MARKET_CC "public, max-age=600"
#define PACKAGE_CC "public, max-age=300"
static const naap_cache_policy market_policy = {.ttl = NAAP_CACHE_TTL_LONG,
                                                .parts = NAAP_CACHE_PART_QUERY,
                                                .namespaces = {NAAP_NS_MARKETPLACE}};
static const naap_cache_policy package_policy = {
    .ttl = NAAP_CACHE_TTL_MEDIUM,
    .parts = NAAP_CACHE_PART_PATH,
    .namespaces = {NAAP_NS_T_PACKAGE, NAAP_NS_MARKETPLACE}};

/* my-plugins (decisions.md "Added"): 60 s per team + user; dropped by any change to the
 * team's plugins (team-plugins) or to the caller's own access and configs (my-plugins). */
static const naap_cache_policy my_plugins_policy = {
    .ttl = NAAP_CACHE_TTL_SHORT,
    .parts = NAAP_CACHE_PART_PATH | NAAP_CACHE_PART_USER,
    .namespaces = {NAAP_NS_T_TEAM_PLUGINS, NAAP_NS_T_MY_PLUGINS}};

/* Order matters: as in Express, the first row that matches wins (api.md 1.1). */
const naap_route naap_routes[] = {
    /* method, path, handler, rate-limit tier, response cache, Cache-Control */
    {"GET", "/healthz", naap_api_health, NAAP_TIER_NONE, NULL,
     "no-store, no-cache, must-revalidate"},
    {"GET", "/metrics", naap_api_metrics, NAAP_TIER_NONE, NULL, "no-store"},

    /* auth (api.md 3); the four strict paths share one bucket (api.md 1.6) */
    {"GET", "/api/v1/auth/providers", naap_api_auth_providers, NAAP_TIER_STANDARD, NULL, AUTH_CC},
    {"POST", "/api/v1/auth/register", naap_api_auth_register, NAAP_TIER_STRICT, NULL, AUTH_CC},
    {"POST", "/api/v1/auth/login", naap_api_auth_login, NAAP_TIER_STRICT, NULL, AUTH_CC},
    {"GET", "/api/v1/auth/me", naap_api_auth_me, NAAP_TIER_STANDARD, &me_policy, AUTH_CC},
    {"POST", "/api/v1/auth/refresh", naap_api_auth_refresh, NAAP_TIER_STANDARD, NULL, AUTH_CC},
    {"POST", "/api/v1/auth/logout", naap_api_auth_logout, NAAP_TIER_STANDARD, NULL, AUTH_CC},
    {"POST", "/api/v1/auth/forgot-password", naap_api_auth_forgot_password, NAAP_TIER_STRICT, NULL,
     AUTH_CC},
    {"POST", "/api/v1/auth/reset-password", naap_api_auth_reset_password, NAAP_TIER_STRICT, NULL,
     AUTH_CC},
    {"POST", "/api/v1/auth/send-verification", naap_api_auth_send_verification, NAAP_TIER_STANDARD,
     NULL, AUTH_CC},
    {"POST", "/api/v1/auth/verify-email", naap_api_auth_verify_email, NAAP_TIER_STANDARD, NULL,
     AUTH_CC},
    {"GET", "/api/v1/auth/oauth/:provider", naap_api_auth_oauth, NAAP_TIER_STANDARD, NULL, AUTH_CC},
    {"POST", "/api/v1/auth/callback/:provider", naap_api_auth_callback, NAAP_TIER_STANDARD, NULL,
     AUTH_CC},

    /* registry (api.md 6); reviews before :version, as upstream registers them (api.md 1.1) */
    {"GET", "/api/v1/registry/packages", naap_api_registry_list, NAAP_TIER_RELAXED, &market_policy,
     MARKET_CC},
    {"POST", "/api/v1/registry/packages", naap_api_registry_publish, NAAP_TIER_STANDARD, NULL,
     NULL},
    {"GET", "/api/v1/registry/packages/:name/reviews", naap_api_reviews_list, NAAP_TIER_RELAXED,
     NULL, NULL},
    {"POST", "/api/v1/registry/packages/:name/reviews", naap_api_reviews_put, NAAP_TIER_STANDARD,
     NULL, NULL},
    {"DELETE", "/api/v1/registry/packages/:name/reviews", naap_api_reviews_delete,
     NAAP_TIER_STANDARD, NULL, NULL},
    {"GET", "/api/v1/registry/packages/:name", naap_api_registry_package, NAAP_TIER_RELAXED,
     &package_policy, PACKAGE_CC},
    {"GET", "/api/v1/registry/packages/:name/:version", naap_api_registry_version,
     NAAP_TIER_RELAXED, &package_policy, PACKAGE_CC},
    {"POST", "/api/v1/registry/packages/:name/:version/deprecate", naap_api_registry_deprecate,
     NAAP_TIER_STANDARD, NULL, NULL},
    /* the guide's frontend hooks (decisions.md "Aliases") */
    {"GET", "/api/v1/marketplace", naap_api_marketplace_list, NAAP_TIER_RELAXED, &market_policy,
     MARKET_CC},
    {"GET", "/api/v1/plugins", naap_api_marketplace_list, NAAP_TIER_RELAXED, &market_policy,
     MARKET_CC},

    /* the shell's plugin list and user preferences (api.md 7) */
    {"GET", "/api/v1/base/plugins", naap_api_base_plugins_list, NAAP_TIER_STANDARD, NULL, NULL},
    {"POST", "/api/v1/base/plugins", naap_api_base_plugins_put, NAAP_TIER_STANDARD, NULL, NULL},
    {"GET", "/api/v1/base/plugins/personalized", naap_api_base_plugins_personalized,
     NAAP_TIER_STANDARD, NULL, NULL},
    {"DELETE", "/api/v1/base/plugins/:name", naap_api_base_plugins_delete, NAAP_TIER_STANDARD, NULL,
     NULL},
    {"GET", "/api/v1/base/user/preferences", naap_api_base_preferences_get, NAAP_TIER_STANDARD,
     NULL, NULL},
    {"POST", "/api/v1/base/user/preferences", naap_api_base_preferences_put, NAAP_TIER_STANDARD,
     NULL, NULL},

    /* teams and members (api.md 4); role-permissions before :teamId (api.md 4.12) */
    {"POST", "/api/v1/teams", naap_api_teams_create, NAAP_TIER_STANDARD, NULL, NULL},
    {"GET", "/api/v1/teams", naap_api_teams_list, NAAP_TIER_STANDARD, &my_teams_policy, TEAM_CC},
    {"GET", "/api/v1/teams/role-permissions", naap_api_teams_role_permissions, NAAP_TIER_STANDARD,
     NULL, TEAM_CC},
    {"GET", "/api/v1/teams/:teamId", naap_api_teams_get, NAAP_TIER_STANDARD, &team_policy, TEAM_CC},
    {"PUT", "/api/v1/teams/:teamId", naap_api_teams_update, NAAP_TIER_STANDARD, NULL, NULL},
    {"GET", "/api/v1/teams/:teamId/delete-impact", naap_api_teams_delete_impact, NAAP_TIER_STANDARD,
     NULL, TEAM_CC},
    {"DELETE", "/api/v1/teams/:teamId", naap_api_teams_delete, NAAP_TIER_STANDARD, NULL, NULL},
    {"GET", "/api/v1/teams/:teamId/members", naap_api_team_members_list, NAAP_TIER_STANDARD, NULL,
     TEAM_CC},
    {"POST", "/api/v1/teams/:teamId/members", naap_api_team_members_add, NAAP_TIER_STANDARD, NULL,
     NULL},
    {"PUT", "/api/v1/teams/:teamId/members/:memberId", naap_api_team_members_set_role,
     NAAP_TIER_STANDARD, NULL, NULL},
    {"DELETE", "/api/v1/teams/:teamId/members/:memberId", naap_api_team_members_remove,
     NAAP_TIER_STANDARD, NULL, NULL},
    {"POST", "/api/v1/teams/:teamId/transfer-ownership", naap_api_teams_transfer,
     NAAP_TIER_STANDARD, NULL, NULL},

    /* team plugins (api.md 5); members/me/... before members/:memberId/... */
    {"GET", "/api/v1/teams/:teamId/plugins", naap_api_team_plugins_list, NAAP_TIER_STANDARD, NULL,
     TEAM_CC},
    {"POST", "/api/v1/teams/:teamId/plugins", naap_api_team_plugins_install, NAAP_TIER_STANDARD,
     NULL, NULL},
    {"DELETE", "/api/v1/teams/:teamId/plugins/:installId", naap_api_team_plugins_uninstall,
     NAAP_TIER_STANDARD, NULL, NULL},
    {"PUT", "/api/v1/teams/:teamId/plugins/:installId/config", naap_api_team_plugins_shared_config,
     NAAP_TIER_STANDARD, NULL, NULL},
    {"PATCH", "/api/v1/teams/:teamId/plugins/:installId/toggle", naap_api_team_plugins_toggle,
     NAAP_TIER_STANDARD, NULL, NULL},
    {"GET", "/api/v1/teams/:teamId/my-plugins", naap_api_team_my_plugins, NAAP_TIER_STANDARD,
     &my_plugins_policy, TEAM_CC},
    {"PUT", "/api/v1/teams/:teamId/members/me/plugins/:installId", naap_api_team_my_visibility,
     NAAP_TIER_STANDARD, NULL, NULL},
    {"GET", "/api/v1/teams/:teamId/members/:memberId/access", naap_api_team_access_list,
     NAAP_TIER_STANDARD, NULL, TEAM_CC},
    {"PUT", "/api/v1/teams/:teamId/members/:memberId/access/:pluginInstallId",
     naap_api_team_access_set, NAAP_TIER_STANDARD, NULL, NULL},
    {"PUT", "/api/v1/teams/:teamId/plugins/:installId/my-config", naap_api_team_my_config,
     NAAP_TIER_STANDARD, NULL, NULL},
    {"GET", "/api/v1/teams/:teamId/plugins/:installId/merged-config", naap_api_team_merged_config,
     NAAP_TIER_STANDARD, NULL, TEAM_CC},
    {"GET", "/api/v1/teams/:teamId/plugins/:installId/versions", naap_api_team_plugins_versions,
     NAAP_TIER_STANDARD, NULL, TEAM_CC},
    {"POST", "/api/v1/teams/:teamId/plugins/:installId/pin-version", naap_api_team_plugins_pin,
     NAAP_TIER_STANDARD, NULL, NULL},
    {"DELETE", "/api/v1/teams/:teamId/plugins/:installId/pin-version", naap_api_team_plugins_unpin,
     NAAP_TIER_STANDARD, NULL, NULL},
};

const size_t naap_routes_count = sizeof(naap_routes) / sizeof(naap_routes[0]);
