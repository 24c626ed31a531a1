#include "naap/cors.h"
#include "naap/arena.h"
#include "naap/config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Every method a route answers; the shell sends all but HEAD cross-origin. */
static const char *const methods = "GET,HEAD,PUT,PATCH,POST,DELETE";

/* What a page may read beyond the CORS-safelisted response headers: the request id for
 * support, the limiter's state to back off, and the cache validators. */
static const char *const exposed =
    "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After, "
    "X-Cache, ETag";

static bool any_origin(const naap_request *req)
{
    return strcmp(req->cfg->cors_origins, "*") == 0;
}

/* Origin as the browser sent it, if CORS_ORIGINS lists it. Entries are compared exactly
 * (origins are case-sensitive after the browser's own normalisation), except that a
 * trailing "/" on an entry is ignored: "http://localhost:3000/" is an easy typo for an
 * origin, which never has a path, and would otherwise block the shell silently. */
static const char *listed_origin(naap_request *req)
{
    const char *origin = naap_request_header(req, "Origin");
    if (!origin)
        return NULL;
    size_t olen = strlen(origin);
    for (const char *p = req->cfg->cors_origins; *p;) {
        p += strspn(p, ", ");
        size_t n = strcspn(p, ", ");
        size_t m = n > 0 && p[n - 1] == '/' ? n - 1 : n;
        if (m > 0 && m == olen && strncmp(p, origin, m) == 0)
            return origin;
        p += n;
    }
    return NULL;
}

/* The "Vary comes as two separate lines": caches and some proxies read only one,
 * so every token goes into a single header (RFC 9110 5.3 allows the list form). */
static void vary_add(naap_request *req, const char *token)
{
    for (naap_header *h = req->res.headers; h; h = h->next) {
        if (strcasecmp(h->name, "Vary") != 0)
            continue;
        h->value = naap_arena_printf(req->arena, "%s, %s", h->value, token);
        return;
    }
    naap_response_header(req, "Vary", token);
}

void naap_cors_headers(naap_request *req)
{
    const char *origin;

    if (any_origin(req)) {
        /* browsers refuse "*" together with credentials, so "*" never sends them */
        naap_response_header(req, "Access-Control-Allow-Origin", "*");
    } else {
        /* the answer depends on Origin even when it carries no CORS headers */
        vary_add(req, "Origin");
        origin = listed_origin(req);
        if (!origin)
            return; /* answered normally; the browser keeps it from the page */
        naap_response_header(req, "Access-Control-Allow-Origin", origin);
        naap_response_header(req, "Access-Control-Allow-Credentials", "true");
    }
    if (strcmp(req->method, "OPTIONS") != 0)
        naap_response_header(req, "Access-Control-Expose-Headers", exposed);
}

void naap_cors_preflight(naap_request *req)
{
    const char *asked = naap_request_header(req, "Access-Control-Request-Headers");
    char max_age[16];

    /* an unlisted origin learns nothing; its browser fails the preflight */
    if (any_origin(req) || listed_origin(req)) {
        naap_response_header(req, "Access-Control-Allow-Methods", methods);
        /* mirrored, as cors() does: with credentials a "*" here would not be honoured */
        if (asked)
            naap_response_header(req, "Access-Control-Allow-Headers", asked);
        snprintf(max_age, sizeof(max_age), "%d", req->cfg->cors_max_age_s);
        naap_response_header(req, "Access-Control-Max-Age", max_age);
    }
    vary_add(req, "Access-Control-Request-Headers");
    naap_respond_empty(req, 204);
}
