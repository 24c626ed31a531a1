#include "naap/response_cache.h"
#include "naap/alloc.h"
#include "naap/auth.h"
#include "naap/buf.h"
#include "naap/cache_ns.h"
#include "naap/compress.h"
#include "naap/errors.h"

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

/* The caller's identity as the policy needs it; false when the caller has none that
 * counts (then the handler answers, typically 401, and nothing is cached). A session
 * part validates the session first, so a revoked one is never served from the cache. */
static bool identify(naap_request *req, unsigned parts, const char **user, const char **session)
{
    *user = *session = NULL;
    if (parts & NAAP_CACHE_PART_SESSION) {
        const naap_session *s = NULL;
        if (naap_auth_session(req, NAAP_AUTH_BEARER_LOOSE, &s) != NAAP_OK)
            return false;
        *user = s->user_id;
        *session = naap_ns_session_id(req->arena, s->sid); /* a digest: see cache_ns.h */
    } else if (parts & NAAP_CACHE_PART_USER) {
        *user = naap_auth_user_id(req);
        if (!*user)
            return false;
    }
    return true;
}

static bool build_key(naap_request *req, const naap_cache_policy *p, naap_cache_key *key)
{
    const char *user, *session;
    naap_buf id = {0};

    if (!identify(req, p->parts, &user, &session))
        return false;
    memset(key, 0, sizeof(*key));
    key->prefix = "resp";
    key->ttl = p->ttl;
    for (int i = 0; i < NAAP_CACHE_MAX_NAMESPACES && p->namespaces[i]; i++)
        if (!(key->namespaces[i] = expand(req, p->namespaces[i], user, session)))
            return false;
    naap_buf_puts(&id, req->match.route->pattern); /* the route, whatever the path's case */
    if (p->parts & NAAP_CACHE_PART_PATH) {
        naap_buf_puts(&id, " ");
        naap_buf_puts(&id, req->path);
    }
    if (p->parts & NAAP_CACHE_PART_QUERY)
        naap_buf_puts(&id, naap_request_query_string(req));
    const char *value =
        (p->parts & NAAP_CACHE_PART_PARAM) && p->param ? naap_request_param(req, p->param) : NULL;
    if (value) {
        naap_buf_puts(&id, "|");
        naap_buf_puts(&id, p->param);
        naap_buf_puts(&id, "=");
        naap_buf_puts(&id, value);
    }
    if (user) {
        naap_buf_puts(&id, "|u=");
        naap_buf_puts(&id, user);
    }
    if (session) {
        naap_buf_puts(&id, "|s=");
        naap_buf_puts(&id, session);
    }
    key->id = naap_arena_strndup(req->arena, id.data, id.len);
    naap_buf_reset(&id);
    return true;
}

int naap_response_cache_lookup(naap_request *req)
{
    const naap_cache_policy *policy = req->match.route ? req->match.route->cache : NULL;
    naap_cache_key key;
    naap_cache_blob blob;

    if (!policy || (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0))
        return NAAP_OK;
    if (!build_key(req, policy, &key))
        return NAAP_OK;
    naap_cache_ticket *ticket = naap_arena_alloc(req->arena, sizeof(*ticket));
    if (naap_cache_lookup(&key, req->arena, &blob, ticket) == NAAP_OK) {
        char *body = naap_xmalloc(blob.body_len + 1);
        memcpy(body, blob.body, blob.body_len);
        body[blob.body_len] = '\0';
        free(req->res.body);
        req->res.status = blob.status;
        req->res.body = body;
        req->res.body_len = blob.body_len;
        req->res.content_type = blob.content_type;
        req->res.gzip_body = blob.gzip; /* in the arena; the compressor checks it matches */
        req->res.gzip_len = blob.gzip_len;
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
    naap_cache_blob blob = {res->status, res->content_type, res->body, res->body_len, NULL, 0};
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
