#ifndef NAAP_API_H
#define NAAP_API_H

#include <stddef.h>

#include "naap/router.h"

/* The route table (src/api/routes.c): the whole HTTP API at a glance. */
extern const naap_route naap_routes[];
extern const size_t naap_routes_count;

/* Handlers, one file per resource. */
void naap_api_health(naap_request *req);

#endif
