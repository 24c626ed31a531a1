#include "naap/api.h"

/* Order matters: as in Express, the first row that matches wins (api.md 1.1). */
const naap_route naap_routes[] = {
    /* method, path, handler, rate-limit tier, response cache, Cache-Control */
    {"GET", "/healthz", naap_api_health, NAAP_TIER_NONE, NULL,
     "no-store, no-cache, must-revalidate"},
};

const size_t naap_routes_count = sizeof(naap_routes) / sizeof(naap_routes[0]);
