#ifndef NAAP_ROUTER_H
#define NAAP_ROUTER_H

#include <stddef.h>

#include "naap/arena.h"

typedef struct naap_request naap_request;

/** A handler answers one request by calling one of the naap_respond_* functions. */
typedef void (*naap_handler)(naap_request *req);

/* Rate-limit tier of a route (decisions.md "Added"); the numbers come from the config. */
typedef enum naap_tier {
    NAAP_TIER_NONE = 0, /* /healthz, /metrics: never limited */
    NAAP_TIER_STANDARD,
    NAAP_TIER_RELAXED,
    NAAP_TIER_STRICT,
} naap_tier;

/* Declared by the response cache (include/naap/response_cache.h). */
struct naap_cache_policy;

/* One row of the route table (src/api/routes.c). Express semantics (api.md 1.1): the
 * first row whose method and pattern match wins; literal segments compare
 * case-insensitively; ":name" matches one non-empty segment. */
typedef struct naap_route {
    const char *method; /* "GET" also answers HEAD */
    const char *pattern;
    naap_handler handler;
    naap_tier tier;
    const struct naap_cache_policy *cache; /* NULL: responses are not cached */
    const char *cache_control;             /* NULL: no Cache-Control header */
} naap_route;

#define NAAP_MAX_PARAMS 8

typedef struct naap_param {
    const char *name;  /* points into the pattern */
    const char *value; /* percent-decoded, in the request arena */
} naap_param;

enum naap_match_result {
    NAAP_ROUTE_FOUND,
    NAAP_ROUTE_NOT_FOUND,
    NAAP_ROUTE_WRONG_METHOD, /* the path exists; allow lists the methods it takes */
    NAAP_ROUTE_BAD_PARAM,    /* a param did not percent-decode to valid UTF-8 */
};

typedef struct naap_match {
    const naap_route *route;
    naap_param params[NAAP_MAX_PARAMS];
    size_t nparams;
    char allow[64]; /* "GET, HEAD, PUT" for NAAP_ROUTE_WRONG_METHOD */
} naap_match;

/**
 * Matches method and the raw (still percent-encoded) path against the table.
 * One trailing slash is ignored; param values are decoded into arena.
 */
enum naap_match_result naap_router_match(const naap_route *routes, size_t nroutes,
                                         const char *method, const char *path, naap_arena *arena,
                                         naap_match *out);

/**
 * Percent-decodes len bytes of in into out (at least len + 1 bytes), NUL-terminated.
 * plus_as_space decodes '+' as a space (query strings). Returns the decoded length, or -1
 * when an escape is malformed, decodes to NUL, or the result is not valid UTF-8.
 */
long naap_url_decode(const char *in, size_t len, char *out, int plus_as_space);

/** Returns 1 if the len bytes at s are well-formed UTF-8. */
int naap_utf8_valid(const char *s, size_t len);

#endif
