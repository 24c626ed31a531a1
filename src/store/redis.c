#include "naap/redis.h"
#include "naap/alloc.h"
#include "naap/clock.h"
#include "naap/errors.h"
#include "naap/log.h"
#include "naap/metrics.h"
#include "naap/redis_prefetch.h"
#include "naap/thread_registry.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACKOFF_START_MS 100
#define BACKOFF_MAX_MS 5000
/* one log line per thread per outage would still be a flood with many threads; this
 * bounds it process-wide */
#define LOG_EVERY_MS 5000

struct redis_conn {
    naap_thread_node node; /* first: the registry hands nodes back */
    redisContext *ctx;
    int64_t retry_after_ms;
    int backoff_ms;
    bool connected_before; /* a later connect is a reconnect (for /metrics) */
};

static const naap_config *config;
static naap_redis_target target;
static bool enabled;
static naap_thread_registry registry = NAAP_THREAD_REGISTRY_INIT;
static _Thread_local struct redis_conn *tls_conn;
static _Atomic int64_t last_log_ms;
static naap_redis_connect_hook connect_hook;

static int url_unescape_copy(char *dst, size_t cap, const char *src, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '%' && i + 2 < len) {
            char hex[3] = {src[i + 1], src[i + 2], 0};
            char *end;
            long v = strtol(hex, &end, 16);
            if (*end || v == 0)
                return NAAP_EINVAL;
            c = (char)v;
            i += 2;
        }
        if (o + 1 >= cap)
            return NAAP_EINVAL;
        dst[o++] = c;
    }
    dst[o] = '\0';
    return NAAP_OK;
}

int naap_redis_url_parse(const char *url, naap_redis_target *out)
{
    memset(out, 0, sizeof(*out));
    out->port = 6379;
    if (strncmp(url, "unix://", 7) == 0) {
        const char *path = url + 7, *q = strchr(path, '?');
        size_t len = q ? (size_t)(q - path) : strlen(path);
        if (len == 0 || len >= sizeof(out->unix_path) || path[0] != '/')
            return NAAP_EINVAL;
        memcpy(out->unix_path, path, len);
        if (q) {
            char *end;
            if (strncmp(q, "?db=", 4) != 0)
                return NAAP_EINVAL;
            out->db = (int)strtol(q + 4, &end, 10);
            if (end == q + 4 || *end || out->db < 0)
                return NAAP_EINVAL;
        }
        return NAAP_OK;
    }
    if (strncmp(url, "redis://", 8) != 0)
        return NAAP_EINVAL;
    const char *p = url + 8, *at = strrchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *user_end = colon ? colon : at;
        if (url_unescape_copy(out->username, sizeof(out->username), p, (size_t)(user_end - p)) ||
            (colon && url_unescape_copy(out->password, sizeof(out->password), colon + 1,
                                        (size_t)(at - colon - 1))))
            return NAAP_EINVAL;
        p = at + 1;
    }
    const char *slash = strchr(p, '/');
    const char *host_end = slash ? slash : p + strlen(p);
    const char *colon = NULL;
    if (*p == '[') { /* [::1]:6379 */
        const char *close = memchr(p, ']', (size_t)(host_end - p));
        if (!close)
            return NAAP_EINVAL;
        if ((size_t)(close - p - 1) >= sizeof(out->host))
            return NAAP_EINVAL;
        memcpy(out->host, p + 1, (size_t)(close - p - 1));
        colon = close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = memchr(p, ':', (size_t)(host_end - p));
        size_t hlen = (size_t)((colon ? colon : host_end) - p);
        if (hlen >= sizeof(out->host))
            return NAAP_EINVAL;
        memcpy(out->host, p, hlen);
    }
    if (out->host[0] == '\0')
        strcpy(out->host, "localhost");
    if (colon) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || end != host_end || port < 1 || port > 65535)
            return NAAP_EINVAL;
        out->port = (int)port;
    }
    if (slash && slash[1]) {
        char *end;
        long db = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || db < 0 || db > 1000000)
            return NAAP_EINVAL;
        out->db = (int)db;
    }
    return NAAP_OK;
}

void naap_redis_set_connect_hook(naap_redis_connect_hook hook)
{
    connect_hook = hook;
}

void naap_redis_init(const naap_config *cfg)
{
    config = cfg;
    enabled = cfg->redis_url[0] != '\0' && naap_redis_url_parse(cfg->redis_url, &target) == 0;
}

bool naap_redis_configured(void)
{
    return enabled;
}

static void log_throttled(const char *what, const char *detail)
{
    int64_t now = naap_clock_mono_ms(), last = last_log_ms;
    if (now - last < LOG_EVERY_MS && last != 0)
        return;
    last_log_ms = now;
    naap_log_warn("redis %s: %s (cache and rate limits fall back; retrying)", what, detail);
}

static struct redis_conn *thread_conn(void)
{
    if (!tls_conn) {
        tls_conn = naap_xcalloc(1, sizeof(*tls_conn));
        naap_thread_registry_add(&registry, &tls_conn->node);
    }
    return tls_conn;
}

static void fail(struct redis_conn *c, const char *what, const char *detail)
{
    /* hiredis reports its read/write timeout as an I/O error with EAGAIN */
    bool timeout =
        c->ctx && c->ctx->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK);
    naap_metrics_inc(timeout ? NAAP_M_REDIS_TIMEOUT : NAAP_M_REDIS_ERROR);
    log_throttled(what, detail);
    if (c->ctx)
        redisFree(c->ctx);
    c->ctx = NULL;
    c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_START_MS;
    if (c->backoff_ms > BACKOFF_MAX_MS)
        c->backoff_ms = BACKOFF_MAX_MS;
    c->retry_after_ms = naap_clock_mono_ms() + c->backoff_ms;
}

static int handshake(struct redis_conn *c)
{
    redisReply *r;
    if (target.password[0]) {
        r = target.username[0]
                ? redisCommand(c->ctx, "AUTH %s %s", target.username, target.password)
                : redisCommand(c->ctx, "AUTH %s", target.password);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            fail(c, "auth failed", r ? r->str : c->ctx->errstr);
            freeReplyObject(r);
            return NAAP_EUNAVAILABLE;
        }
        freeReplyObject(r);
    }
    if (target.db) {
        r = redisCommand(c->ctx, "SELECT %d", target.db);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            fail(c, "select failed", r ? r->str : c->ctx->errstr);
            freeReplyObject(r);
            return NAAP_EUNAVAILABLE;
        }
        freeReplyObject(r);
    }
    return NAAP_OK;
}

static redisContext *context(void)
{
    struct redis_conn *c = thread_conn();
    if (c->ctx)
        return c->ctx;
    if (naap_clock_mono_ms() < c->retry_after_ms)
        return NULL;
    struct timeval tv = {config->redis_timeout_ms / 1000, (config->redis_timeout_ms % 1000) * 1000};
    c->ctx = target.unix_path[0] ? redisConnectUnixWithTimeout(target.unix_path, tv)
                                 : redisConnectWithTimeout(target.host, target.port, tv);
    if (!c->ctx || c->ctx->err) {
        fail(c, "connect failed", c->ctx ? c->ctx->errstr : "out of memory");
        return NULL;
    }
    /* connect-only timeout is not enough: without this a stalled Redis blocks forever */
    if (redisSetTimeout(c->ctx, tv) != REDIS_OK) {
        fail(c, "set timeout failed", c->ctx->errstr);
        return NULL;
    }
    if (handshake(c) != NAAP_OK)
        return NULL;
    /* before this connection answers anything: the cache must learn first whether this
     * Redis is the one its generations were read from (cache.c, check_identity) */
    if (connect_hook && connect_hook(c->ctx) != NAAP_OK) {
        fail(c, "identity check failed", c->ctx->err ? c->ctx->errstr : "error reply");
        return NULL;
    }
    if (c->backoff_ms)
        naap_log_info("redis connection restored");
    if (c->connected_before)
        naap_metrics_inc(NAAP_M_REDIS_RECONNECT);
    c->connected_before = true;
    c->backoff_ms = 0;
    return c->ctx;
}

redisReply *naap_redis_command(int argc, const char **argv, const size_t *lens)
{
    if (!enabled)
        return NULL;
    redisReply *ahead = naap_redis_prefetched(argc, argv, lens);
    if (ahead)
        return ahead;
    for (int attempt = 0; attempt < 2; attempt++) {
        redisContext *ctx = context();
        if (!ctx)
            return NULL;
        redisReply *r = redisCommandArgv(ctx, argc, argv, lens);
        if (r)
            return r;
        /* a connection Redis closed while it sat idle (restart, failover, timeout) fails
         * at once with EOF: one fresh connection is worth trying before giving up. A
         * timeout is not retried, so a hung Redis still costs one timeout at most. */
        int stale = ctx->err == REDIS_ERR_EOF && attempt == 0;
        struct redis_conn *c = thread_conn();
        if (stale) {
            redisFree(c->ctx);
            c->ctx = NULL;
            continue;
        }
        fail(c, "command failed", ctx->errstr);
        return NULL;
    }
    return NULL;
}

/* Appends every command, then reads the replies in order. Returns how many replies
 * were read: n on success, fewer when the connection failed (the replies read so far
 * are left in replies for the caller to free). */
static size_t pipeline_once(redisContext *ctx, size_t n, const naap_redis_cmd *cmds,
                            redisReply **replies)
{
    size_t got = 0;
    for (size_t i = 0; i < n; i++)
        if (redisAppendCommandArgv(ctx, cmds[i].argc, cmds[i].argv, cmds[i].lens) != REDIS_OK)
            return 0;
    for (; got < n; got++) {
        void *r = NULL;
        if (redisGetReply(ctx, &r) != REDIS_OK || !r)
            break;
        replies[got] = r;
    }
    return got;
}

int naap_redis_pipeline(size_t n, const naap_redis_cmd *cmds, redisReply **replies)
{
    for (size_t i = 0; i < n; i++)
        replies[i] = NULL;
    if (!enabled)
        return NAAP_EUNAVAILABLE;
    if (naap_redis_prefetched_all(n, cmds, replies))
        return NAAP_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        redisContext *ctx = context();
        if (!ctx)
            return NAAP_EUNAVAILABLE;
        size_t got = pipeline_once(ctx, n, cmds, replies);
        if (got == n)
            return NAAP_OK;
        for (size_t i = 0; i < got; i++) {
            freeReplyObject(replies[i]);
            replies[i] = NULL;
        }
        /* as in naap_redis_command: an idle connection Redis closed is replaced once,
         * but only if nothing was answered on it (a half-read pipeline was executed) */
        int stale = ctx->err == REDIS_ERR_EOF && attempt == 0 && got == 0;
        struct redis_conn *c = thread_conn();
        if (stale) {
            redisFree(c->ctx);
            c->ctx = NULL;
            continue;
        }
        fail(c, "pipeline failed", ctx->errstr[0] ? ctx->errstr : "out of memory");
        return NAAP_EUNAVAILABLE;
    }
    return NAAP_EUNAVAILABLE;
}

bool naap_redis_ping(void)
{
    const char *argv[] = {"PING"};
    redisReply *r = naap_redis_command(1, argv, NULL);
    bool ok = r && r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    return ok;
}

void naap_redis_close_all(void)
{
    naap_thread_node *n = naap_thread_registry_take_all(&registry);
    while (n) {
        struct redis_conn *c = (struct redis_conn *)n;
        n = n->next;
        if (c->ctx)
            redisFree(c->ctx);
        free(c);
    }
    tls_conn = NULL;
}
