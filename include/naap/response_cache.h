#ifndef NAAP_RESPONSE_CACHE_H
#define NAAP_RESPONSE_CACHE_H

#include <stdbool.h>

#include "naap/cache.h"
#include "naap/http.h"

/* Response cache middleware: a route row names a policy; a GET answered 2xx is stored in
 * Redis (with its gzip form, so a hit is never recompressed) under a key built from the
 * parts the policy lists, inside the namespaces it lists. Writes invalidate namespaces
 * (naap_cache_invalidate) before they answer, so no reader sees data older than a write
 * that has been answered. Answers of cached routes carry X-Cache: HIT or MISS. */

enum naap_cache_part {
    NAAP_CACHE_PART_PATH = 1 << 0,    /* the path as requested */
    NAAP_CACHE_PART_QUERY = 1 << 1,   /* the query parameters, in order */
    NAAP_CACHE_PART_PARAM = 1 << 2,   /* the route :param the policy names */
    NAAP_CACHE_PART_USER = 1 << 3,    /* the authenticated user (strict Bearer) */
    NAAP_CACHE_PART_SESSION = 1 << 4, /* the session (Bearer or bare token, api.md 1.4 v3)
                                         and its expiry as this request resolved it */
    /* with SESSION: the answer shows the session's CSRF token, so it is served only while
     * Redis holds that token (checked in the hit's round trip; csrf_store.h) */
    NAAP_CACHE_PART_CSRF = 1 << 5,
};

/* A namespace template may name "{user}", "{session}" or a route :param by its name
 * ("{name}"), e.g. "package:{name}", "user:{user}", "session:{session}", "marketplace"
 * (the templates live in naap/cache_ns.h). */
typedef struct naap_cache_policy {
    int ttl; /* seconds, or NAAP_CACHE_TTL_SHORT/MEDIUM/LONG */
    unsigned parts;
    const char *param; /* with NAAP_CACHE_PART_PARAM: the :param that keys the entry */
    const char *namespaces[NAAP_CACHE_MAX_NAMESPACES];
} naap_cache_policy;

/**
 * Before the handler: answers from the cache when the route has a policy and the entry
 * exists (X-Cache: HIT) and returns NAAP_DONE. Otherwise returns NAAP_OK, and may leave a
 * ticket on the request for naap_response_cache_store. A caller the policy cannot
 * identify (no valid session for a per-user key) is never served from the cache.
 */
int naap_response_cache_lookup(naap_request *req);
/**
 * The first commands naap_response_cache_lookup will send for req if its caller is user
 * (NULL: anonymous), for a read-ahead (naap/redis_prefetch.h); false when none can be
 * predicted (no policy, a per-session policy, no guess of the generations).
 */
bool naap_response_cache_plan(naap_request *req, const char *user, naap_cache_plan *plan);
/** After the handler: stores a 2xx answer under the ticket, or gives the ticket up. */
void naap_response_cache_store(naap_request *req);

#endif
