#ifndef NAAP_API_H
#define NAAP_API_H

#include <stddef.h>

#include "naap/router.h"

/* The route table (src/api/routes.c): the whole HTTP API at a glance. */
extern const naap_route naap_routes[];
extern const size_t naap_routes_count;

/* Handlers, one file per resource. */
void naap_api_health(naap_request *req);
/* GET /metrics, Prometheus text format, to METRICS_ALLOW only: src/api/prometheus.c */
void naap_api_metrics(naap_request *req);

/* /auth (api.md 3): src/api/auth_*.c */
void naap_api_auth_providers(naap_request *req);
void naap_api_auth_register(naap_request *req);
void naap_api_auth_login(naap_request *req);
void naap_api_auth_me(naap_request *req);
void naap_api_auth_refresh(naap_request *req);
void naap_api_auth_logout(naap_request *req);
void naap_api_auth_forgot_password(naap_request *req);
void naap_api_auth_reset_password(naap_request *req);
void naap_api_auth_send_verification(naap_request *req);
void naap_api_auth_verify_email(naap_request *req);
void naap_api_auth_oauth(naap_request *req);
void naap_api_auth_callback(naap_request *req);

/* /teams (api.md 4): src/api/teams.c, team_members.c */
void naap_api_teams_create(naap_request *req);
void naap_api_teams_list(naap_request *req);
void naap_api_teams_role_permissions(naap_request *req);
void naap_api_teams_get(naap_request *req);
void naap_api_teams_update(naap_request *req);
void naap_api_teams_delete_impact(naap_request *req);
void naap_api_teams_delete(naap_request *req);
void naap_api_teams_transfer(naap_request *req);
void naap_api_team_members_list(naap_request *req);
void naap_api_team_members_add(naap_request *req);
void naap_api_team_members_set_role(naap_request *req);
void naap_api_team_members_remove(naap_request *req);

/* team plugins (api.md 5): src/api/team_plugins.c, team_plugin_access.c */
void naap_api_team_plugins_list(naap_request *req);
void naap_api_team_plugins_install(naap_request *req);
void naap_api_team_plugins_uninstall(naap_request *req);
void naap_api_team_plugins_shared_config(naap_request *req);
void naap_api_team_plugins_toggle(naap_request *req);
void naap_api_team_plugins_versions(naap_request *req);
void naap_api_team_plugins_pin(naap_request *req);
void naap_api_team_plugins_unpin(naap_request *req);
void naap_api_team_access_list(naap_request *req);
void naap_api_team_access_set(naap_request *req);
void naap_api_team_my_plugins(naap_request *req);
void naap_api_team_my_visibility(naap_request *req);
void naap_api_team_my_config(naap_request *req);
void naap_api_team_merged_config(naap_request *req);

/* /registry and the guide's aliases (api.md 6): src/api/registry.c, src/api/reviews.c */
void naap_api_registry_list(naap_request *req);
void naap_api_marketplace_list(naap_request *req);
void naap_api_registry_package(naap_request *req);
void naap_api_registry_version(naap_request *req);
void naap_api_registry_publish(naap_request *req);
void naap_api_registry_deprecate(naap_request *req);
void naap_api_reviews_list(naap_request *req);
void naap_api_reviews_put(naap_request *req);
void naap_api_reviews_delete(naap_request *req);

/* /base (api.md 7): src/api/base_plugins.c */
void naap_api_base_plugins_list(naap_request *req);
void naap_api_base_plugins_put(naap_request *req);
void naap_api_base_plugins_delete(naap_request *req);
void naap_api_base_plugins_personalized(naap_request *req);
void naap_api_base_preferences_get(naap_request *req);
void naap_api_base_preferences_put(naap_request *req);

#endif
