#include "naap/response_cache.h"
#include "naap/auth.h"
#include "naap/buf.h"
#include "naap/cache_ns.h"
#include "naap/compress.h"
#include "naap/crypto.h"
#include "naap/csrf_store.h"
#include "naap/errors.h"
#include "naap/etag.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Expands a template such as "package:{name}" with the caller's identity and the route's params;
 * NULL when a value is missing (then nothing may be cached). */
static const char *expand(naap_request *req, const char *tmpl, const char *user,
                          const char *session)
{
    const char *open = strchr(tmpl, '{'), *close = open ? strchr(open, '}') : NULL;
    if (!open || !close)
        return tmpl;
    char *name = naap_arena_strndup(req->arena, open + 1, (size_t)(close - open - 1));
    const char *value = strcmp(name, "user") == 0      ? user
                        : strcmp(name, "session") == 0 ? session
                                                       : naap_request_param(req, name);
    if (!value)
        return NULL;
    return naap_arena_printf(req->arena, "%.*s%s%s", (int)(open - tmpl), tmpl, value, close + 1);
}

/* What varies between two requests of one route that share a policy: the parts its
 * policy keys on, NULL where it does not. */
struct id_parts {
    const char *route;       /* the route's pattern, whatever the path's case */
    const char *path;        /* NAAP_CACHE_PART_PATH: the path as requested */
    const char *query;       /* NAAP_CACHE_PART_QUERY: naap_request_query_string */
    const char *param_name;  /* NAAP_CACHE_PART_PARAM */
    const char *param_value; /* its decoded value */
    const char *user;
    const char *session; /* a digest of the sid: key names never hold a bearer */
    const char *sid;     /* the sid itself, for the CSRF guard; not part of the key */
    /* the session's expiry as this request resolved it (0: none). /auth/me shows it, and
     * it was read before the generations: a refresh committing in between would
     * otherwise leave the old expiry cached under the new generation (issue 20, hole 4) */
    int64_t expires_ms;
};

/* Appends one part as "<tag><length>:<bytes>", or nothing when it is absent. Every part
 * carries its own length, so no value, whatever bytes it holds (a decoded param may hold
 * any separator), can run into the next part or pose as another: two ids are equal only
 * if every part is. */
static void put_part(naap_buf *id, char tag, const char *value)
{
    char head[32];

    if (!value)
        return;
    size_t len = strlen(value);
    int n = snprintf(head, sizeof(head), "%c%zu:", tag, len);
    naap_buf_append(id, head, (size_t)n);
    naap_buf_append(id, value, len);
}

/* The key's id: every part the policy keys on, length-prefixed (cache_key.c then hashes
 * it with SHA-256 when it is long). */
static char *build_id(naap_arena *arena, const struct id_parts *p)
{
    naap_buf id = {0};
    char expiry[24];

    put_part(&id, 'r', p->route);
    put_part(&id, 'p', p->path);
    put_part(&id, 'q', p->query);
    put_part(&id, 'n', p->param_name);
    put_part(&id, 'v', p->param_value);
    put_part(&id, 'u', p->user);
    put_part(&id, 's', p->session);
    if (p->expires_ms) {
        snprintf(expiry, sizeof(expiry), "%" PRId64, p->expires_ms);
        put_part(&id, 'e', expiry);
    }
    char *out = naap_arena_strndup(arena, id.data, id.len);
    naap_buf_reset(&id);
    return out;
}

/* The caller's identity as the policy needs it; false when the caller has none that
 * counts (then the handler answers, typically 401, and nothing is cached). A session
 * part validates the session first, so a revoked one is never served from the cache. */
static bool identify(naap_request *req, unsigned parts, struct id_parts *id)
{
    if (parts & NAAP_CACHE_PART_SESSION) {
        const naap_session *s = NULL;
        if (naap_auth_session(req, NAAP_AUTH_BEARER_LOOSE, &s) != NAAP_OK)
            return false;
        id->user = s->user_id;
        id->session = naap_ns_session_id(req->arena, s->sid); /* a digest: see cache_ns.h */
        id->sid = s->sid;
        id->expires_ms = s->expires_ms;
    } else if (parts & NAAP_CACHE_PART_USER) {
        id->user = naap_auth_user_id(req);
        if (!id->user)
            return false;
    }
    return true;
}

/* The key for the caller id names (identify() fills it, or a prediction does). */
static bool build_key_for(naap_request *req, const naap_cache_policy *p, struct id_parts *id,
                          naap_cache_key *key)
{
    memset(key, 0, sizeof(*key));
    key->prefix = "resp";
    key->ttl = p->ttl;
    for (int i = 0; i < NAAP_CACHE_MAX_NAMESPACES && p->namespaces[i]; i++)
        if (!(key->namespaces[i] = expand(req, p->namespaces[i], id->user, id->session)))
            return false;
    if (p->parts & NAAP_CACHE_PART_PATH)
        id->path = req->path;
    if (p->parts & NAAP_CACHE_PART_QUERY)
        id->query = naap_request_query_string(req);
    if ((p->parts & NAAP_CACHE_PART_PARAM) && p->param) {
        id->param_name = p->param;
        id->param_value = naap_request_param(req, p->param);
    }
    key->id = build_id(req->arena, id);
    if ((p->parts & NAAP_CACHE_PART_CSRF) && id->sid) {
        char *guard = naap_arena_alloc(req->arena, NAAP_CSRF_KEY_MAX);
        naap_csrf_key(id->sid, guard);
        key->guard = guard;
    }
    return true;
}

static bool build_key(naap_request *req, const naap_cache_policy *p, naap_cache_key *key)
{
    struct id_parts id = {.route = req->match.route->pattern};
    return identify(req, p->parts, &id) && build_key_for(req, p, &id, key);
}

/* The route's policy if req may be answered from the cache. */
static const naap_cache_policy *cacheable(const naap_request *req)
{
    const naap_cache_policy *policy = req->match.route ? req->match.route->cache : NULL;
    if (!policy || (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0))
        return NULL;
    return policy;
}

bool naap_response_cache_plan(naap_request *req, const char *user, naap_cache_plan *plan)
{
    const naap_cache_policy *policy = cacheable(req);
    struct id_parts id = {.route = req->match.route ? req->match.route->pattern : NULL};
    naap_cache_key key;

    /* a session's answers also key on what its check reads (the expiry): not predicted */
    if (!policy || (policy->parts & NAAP_CACHE_PART_SESSION))
        return false;
    if (policy->parts & NAAP_CACHE_PART_USER) {
        if (!user)
            return false;
        id.user = user;
    }
    return build_key_for(req, policy, &id, &key) && naap_cache_plan_lookup(&key, plan);
}

int naap_response_cache_lookup(naap_request *req)
{
    const naap_cache_policy *policy = cacheable(req);
    naap_cache_key key;
    naap_cache_blob blob;

    if (!policy)
        return NAAP_OK;
    if (!build_key(req, policy, &key))
        return NAAP_OK;
    naap_cache_ticket *ticket = naap_arena_alloc(req->arena, sizeof(*ticket));
    if (naap_cache_lookup(&key, req->arena, &blob, ticket) == NAAP_OK) {
        /* the body goes out from the Redis reply it came in, which the response now
         * holds; so does the gzip written with it, sent unchecked (compress.h) */
        naap_response_set_body(&req->res, blob.body, blob.body_len, naap_cache_hold_release,
                               blob.hold);
        req->res.status = blob.status;
        req->res.content_type = blob.content_type;
        req->res.gzip_body = blob.gzip;
        req->res.gzip_len = blob.gzip_len;
        req->res.gzip_trusted = blob.gzip != NULL;
        /* the tag stored with the body is the filter's own, so the hit does not hash */
        if (blob.etag)
            naap_response_header(req, "ETag", blob.etag);
        naap_response_header(req, "X-Cache", "HIT");
        return NAAP_DONE;
    }
    req->cache_ticket = ticket;
    naap_response_header(req, "X-Cache", "MISS");
    return NAAP_OK;
}

void naap_response_cache_store(naap_request *req)
{
    naap_cache_ticket *ticket = req->cache_ticket;
    naap_response *res = &req->res;

    if (!ticket)
        return;
    req->cache_ticket = NULL;
    if (res->status < 200 || res->status > 299 || !res->body || !res->content_type) {
        naap_cache_release(ticket);
        return;
    }
    naap_cache_blob blob = {
        .status = res->status,
        .content_type = res->content_type,
        .body = res->body,
        .body_len = res->body_len,
        .etag = naap_etag_of(req), /* also set on this answer: the filter finds it */
    };
    char *gz = NULL;
    size_t gzlen = 0;
    /* compressed once here, then served from the cache to every client that takes gzip */
    if (naap_compress_eligible(res->content_type, res->body_len) &&
        naap_compress_gzip(res->body, res->body_len, &gz, &gzlen) == NAAP_OK) {
        blob.gzip = gz;
        blob.gzip_len = gzlen;
    }
    naap_cache_fill(ticket, &blob);
    if (gz) {
        char *copy = naap_arena_alloc(req->arena, gzlen);
        memcpy(copy, gz, gzlen);
        res->gzip_body = copy;
        res->gzip_len = gzlen;
        free(gz);
    }
}
