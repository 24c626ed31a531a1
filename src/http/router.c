#include "naap/router.h"

#include <string.h>
#include <strings.h>

/* Compares one segment of the path against one segment of the pattern. */
static int segment_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && strncasecmp(a, b, alen) == 0;
}

static size_t segment_len(const char *s)
{
    const char *slash = strchr(s, '/');
    return slash ? (size_t)(slash - s) : strlen(s);
}

/* Walks pattern and path segment by segment; on success fills params (values still
 * encoded: decoding is done once, for the winning route only). */
static int pattern_match(const char *pattern, const char *path, size_t pathlen, naap_param *params,
                         size_t *nparams, const char **raw, size_t *rawlen)
{
    const char *p = pattern, *u = path, *uend = path + pathlen;
    size_t n = 0;

    while (*p && u < uend) {
        if (*p != '/' || *u != '/')
            return 0;
        p++;
        u++;
        size_t plen = segment_len(p);
        const char *slash = memchr(u, '/', (size_t)(uend - u));
        size_t ulen = slash ? (size_t)(slash - u) : (size_t)(uend - u);
        if (*p == ':') {
            if (ulen == 0 || n == NAAP_MAX_PARAMS)
                return 0;
            params[n].name = p + 1;
            raw[n] = u;
            rawlen[n] = ulen;
            n++;
        } else if (!segment_equal(p, plen, u, ulen)) {
            return 0;
        }
        p += plen;
        u += ulen;
    }
    if (*p || u != uend)
        return 0;
    *nparams = n;
    return 1;
}

static int method_matches(const char *route_method, const char *method)
{
    return strcmp(route_method, method) == 0 ||
           (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

static void allow_add(char *allow, size_t cap, const char *method)
{
    size_t mlen = strlen(method);
    for (const char *s = allow; (s = strstr(s, method)); s += mlen)
        if ((s == allow || s[-1] == ' ') && (s[mlen] == ',' || s[mlen] == '\0'))
            return;
    size_t len = strlen(allow);
    if (len + mlen + 3 > cap)
        return;
    if (len) {
        memcpy(allow + len, ", ", 2);
        len += 2;
    }
    memcpy(allow + len, method, mlen + 1);
}

enum naap_match_result naap_router_match(const naap_route *routes, size_t nroutes,
                                         const char *method, const char *path, naap_arena *arena,
                                         naap_match *out)
{
    size_t pathlen = strlen(path);
    const char *raw[NAAP_MAX_PARAMS];
    size_t rawlen[NAAP_MAX_PARAMS];
    int path_exists = 0;

    memset(out, 0, sizeof(*out));
    if (pathlen > 1 && path[pathlen - 1] == '/')
        pathlen--; /* Express's non-strict routing: "/teams/" is "/teams" */
    for (size_t i = 0; i < nroutes; i++) {
        naap_param params[NAAP_MAX_PARAMS];
        size_t nparams = 0;
        if (!pattern_match(routes[i].pattern, path, pathlen, params, &nparams, raw, rawlen))
            continue;
        if (!method_matches(routes[i].method, method)) {
            path_exists = 1;
            allow_add(out->allow, sizeof(out->allow), routes[i].method);
            if (strcmp(routes[i].method, "GET") == 0)
                allow_add(out->allow, sizeof(out->allow), "HEAD");
            continue;
        }
        for (size_t k = 0; k < nparams; k++) {
            char *value = naap_arena_alloc(arena, rawlen[k] + 1);
            if (naap_url_decode(raw[k], rawlen[k], value, 0) < 0)
                return NAAP_ROUTE_BAD_PARAM;
            out->params[k].name = params[k].name;
            out->params[k].value = value;
        }
        out->nparams = nparams;
        out->route = &routes[i];
        out->allow[0] = '\0';
        return NAAP_ROUTE_FOUND;
    }
    if (path_exists)
        allow_add(out->allow, sizeof(out->allow), "OPTIONS");
    return path_exists ? NAAP_ROUTE_WRONG_METHOD : NAAP_ROUTE_NOT_FOUND;
}
