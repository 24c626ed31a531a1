#include "naap/server.h"
#include "naap/alloc.h"
#include "naap/clock.h"
#include "naap/compress.h"
#include "naap/cors.h"
#include "naap/crypto.h"
#include "naap/csrf.h"
#include "naap/errors.h"
#include "naap/etag.h"
#include "naap/http.h"
#include "naap/json.h"
#include "naap/log.h"
#include "naap/metrics.h"
#include "naap/prefetch.h"
#include "naap/ratelimit.h"
#include "naap/response_cache.h"
#include "naap/trust_proxy.h"

#include <ctype.h>
#include <malloc.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Bounds that answer in JSON before libmicrohttpd's own (plain-text) limits are reached
 * (decisions.md "Bad input": past its connection memory it answers 414/431 itself).
 * HEADERS_MAX counts the whole request head, request line included. libmicrohttpd zeroes
 * a connection's whole pool after every request, so each open connection keeps
 * CONNECTION_MEMORY_LIMIT resident: 32 KB, its default, holds any head naapd accepts
 * plus the header index and the response header, and halves what 64 KB cost (issue 15). */
#define URL_MAX 8192
#define HEADERS_MAX (24 * 1024)
#define CONNECTION_MEMORY_LIMIT (32 * 1024)
#define DISCARD_MAX (1024 * 1024)

struct naap_server {
    struct MHD_Daemon *daemon;
    const naap_config *cfg;
    const naap_route *routes;
    size_t nroutes;
    naap_cidr_list *trust_proxy;
    atomic_int inflight;
    atomic_bool draining;
    atomic_uint conns;     /* open connections */
    atomic_uint conn_peak; /* the most open at once since the last trim (naap_server_trim) */
};

/* ---- request lifecycle ------------------------------------------------------------ */

/* X-Request-Id from a client or proxy is echoed only if it is short and plain, so it can
 * go into logs and headers as is; anything else is replaced by a fresh id. */
static int request_id_acceptable(const char *id)
{
    size_t len = strlen(id);
    if (len == 0 || len > 128)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)id[i]) && !strchr("-_.:/+=", id[i]))
            return 0;
    return 1;
}

static naap_request *request_new(naap_server *srv, struct MHD_Connection *conn, const char *url,
                                 const char *method)
{
    naap_arena *arena = naap_arena_new();
    naap_request *req = naap_arena_alloc(arena, sizeof(*req));
    memset(req, 0, sizeof(*req));
    req->arena = arena;
    req->conn = conn;
    req->cfg = srv->cfg;
    req->start_ms = naap_clock_mono_ms();
    req->start_us = naap_clock_mono_us();
    req->method = naap_arena_strdup(arena, method);
    req->path = naap_arena_strdup(arena, url);
    req->family = naap_http_family(url);

    const char *id = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
    if (id && request_id_acceptable(id)) {
        req->request_id = naap_arena_strdup(arena, id);
    } else {
        char *uuid = naap_arena_alloc(arena, 37);
        naap_uuid_v4(uuid);
        req->request_id = uuid;
    }

    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    naap_trust_proxy_client_ip(srv->trust_proxy, ci ? ci->client_addr : NULL,
                               naap_request_header_joined(req, "X-Forwarded-For"), req->client_ip,
                               sizeof(req->client_ip));
    naap_cidr_client_key(req->client_ip, srv->cfg->client_ipv6_prefix, req->client_key,
                         sizeof(req->client_key));
    atomic_fetch_add(&srv->inflight, 1);
    return req;
}

static void request_free(naap_request *req)
{
    naap_response_drop_body(&req->res); /* set when libmicrohttpd never took it */
    naap_buf_reset(&req->body);
    json_decref(req->json);
    naap_arena_free(req->arena);
}

/* The access log line is formatted straight into a buffer (naap_log_line): building a
 * jansson object for it was ~8 % of a worker's time on a cached hit (tests/bench). */
static void log_request(naap_server *srv, naap_request *req, enum MHD_RequestTerminationCode toe)
{
    enum naap_log_level level = req->res.status >= 500 ? NAAP_LOG_ERROR : NAAP_LOG_INFO;
    (void)srv;

    if (!naap_log_enabled(level))
        return;
    const char *path = req->path;
    if (!naap_utf8_valid(path, strlen(path)))
        path = "(invalid utf-8)";
    naap_log_field f[] = {
        {"method", NAAP_LOG_STR, req->method, 0},
        {"path", NAAP_LOG_STR, path, 0},
        {"status", NAAP_LOG_INT, NULL, req->res.status},
        {"durationMs", NAAP_LOG_INT, NULL, naap_clock_mono_ms() - req->start_ms},
        {"requestId", NAAP_LOG_STR, req->request_id, 0},
        {"ip", NAAP_LOG_STR, req->client_ip, 0},
        {"aborted", NAAP_LOG_BOOL, NULL, 1}, /* last: only written when true */
    };
    size_t n = sizeof(f) / sizeof(*f);
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        n--;
    naap_log_line(level, "request", f, n);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    naap_server *srv = cls;
    naap_request *req = *con_cls;
    (void)conn;
    if (!req)
        return;
    log_request(srv, req, toe);
    naap_metrics_request(req->match.route ? (int)(req->match.route - srv->routes)
                                          : NAAP_METRICS_NO_ROUTE,
                         req->res.status, naap_clock_mono_us() - req->start_us);
    request_free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->inflight, 1);
}

/* ---- response ------------------------------------------------------------------------ */

/* The route's Cache-Control (decisions.md "Added"); "no-store" also gets the legacy
 * Pragma that the guide's noCache middleware sends. A handler's own header wins. */
static void add_cache_control(naap_request *req, struct MHD_Response *r)
{
    const naap_route *route = req->match.route;
    if (!route || !route->cache_control)
        return;
    for (naap_header *h = req->res.headers; h; h = h->next)
        if (strcasecmp(h->name, "Cache-Control") == 0)
            return;
    MHD_add_response_header(r, "Cache-Control", route->cache_control);
    if (strncmp(route->cache_control, "no-store", 8) == 0)
        MHD_add_response_header(r, "Pragma", "no-cache");
}

static enum MHD_Result queue_response(naap_server *srv, naap_request *req)
{
    naap_response *res = &req->res;
    struct MHD_Response *r;

    if (res->status == 0)
        naap_respond_error(req, 500, "Internal server error");
    /* response filters rewrite res before libmicrohttpd gets it: ETag/304, then gzip */
    naap_etag_filter(req);
    naap_compress_filter(req);
    if (res->body) {
        /* sent from where it is, and released when libmicrohttpd is done with it (whatever
         * the request's own lifetime): a cache hit's body stays in its Redis reply. The
         * cast is libmicrohttpd's signature; it only reads the buffer. */
        r = MHD_create_response_from_buffer_with_free_callback_cls(res->body_len, (void *)res->body,
                                                                   res->release, res->hold);
        if (r) { /* libmicrohttpd owns it now */
            res->release = NULL;
            naap_response_drop_body(res);
        }
    } else {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    if (res->content_type)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
    add_cache_control(req, r);
    naap_cors_headers(req);
    for (naap_header *h = res->headers; h; h = h->next)
        MHD_add_response_header(r, h->name, h->value);
    MHD_add_response_header(r, "X-Request-Id", req->request_id);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "SAMEORIGIN");
    if (atomic_load(&srv->draining))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(req->conn, (unsigned)res->status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reject(naap_server *srv, naap_request *req, int status, const char *msg)
{
    naap_respond_error(req, status, msg);
    return queue_response(srv, req);
}

/* ---- dispatch -------------------------------------------------------------------------- */

static int is_json_type(const char *type)
{
    size_t n = strcspn(type, ";");
    while (n > 0 && type[n - 1] == ' ')
        n--;
    return n == 16 && strncasecmp(type, "application/json", 16) == 0;
}

/* Run in this order on every routed request before its handler (api.md 1.2): CSRF, then
 * the read-ahead of the next three's Redis commands, then the rate limiter (route->tier, keyed by
 * the caller the auth middleware resolves once), then the response cache (route->cache). Each
 * answers the request itself when it stops it. */
static const naap_middleware middleware[] = {
    naap_csrf_check,
    naap_prefetch,
    naap_ratelimit_admit,
    naap_response_cache_lookup,
};

/* The order follows Express's pipeline (api.md 1.2): CORS preflight, then the JSON body
 * parser (so a malformed body is a 400 even on an unknown path), then routing. */
static void dispatch(naap_server *srv, naap_request *req)
{
    const char *type = naap_request_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);
    bool json_body = type && is_json_type(type);
    char err[160];

    if (strcmp(req->method, "OPTIONS") == 0) {
        naap_cors_preflight(req);
        return;
    }
    if (naap_json_parse_body(json_body ? req->body.data : NULL, json_body ? req->body.len : 0,
                             NAAP_JSON_MAX_DEPTH, &req->json, err, sizeof(err)) != NAAP_OK) {
        naap_respond_error(req, 400, err);
        return;
    }
    switch (naap_router_match(srv->routes, srv->nroutes, req->method, req->path, req->arena,
                              &req->match)) {
    case NAAP_ROUTE_NOT_FOUND:
        naap_respond_error(req, 404,
                           naap_arena_printf(req->arena, "Cannot %s %s", req->method, req->path));
        return;
    case NAAP_ROUTE_WRONG_METHOD:
        naap_response_header(req, "Allow", req->match.allow);
        naap_respond_error(req, 405, "Method not allowed");
        return;
    case NAAP_ROUTE_BAD_PARAM:
        naap_respond_error(req, 400, "Malformed percent-encoding in URL");
        return;
    case NAAP_ROUTE_FOUND:
        break;
    }
    /* decisions.md "Bad input": upstream silently read such a body as {} */
    if (req->body.len > 0 && !json_body) {
        naap_respond_error(req, 415, "Content-Type must be application/json");
        return;
    }
    size_t i = 0;
    while (i < sizeof(middleware) / sizeof(*middleware) && middleware[i](req) == NAAP_OK)
        i++;
    if (i == sizeof(middleware) / sizeof(*middleware)) {
        req->match.route->handler(req);
        naap_response_cache_store(req);
    }
    naap_prefetch_end(); /* nothing read ahead may outlive its request */
}

static size_t headers_size(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    return ci ? ci->header_size : 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    naap_server *srv = cls;
    naap_request *req = *con_cls;
    (void)version;

    if (!req) {
        req = request_new(srv, conn, url, method);
        *con_cls = req;
        if (strlen(url) > URL_MAX)
            return reject(srv, req, 414, "URI too long");
        if (headers_size(conn) > HEADERS_MAX)
            return reject(srv, req, 431, "Request header fields too large");
        const char *cl = naap_request_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > NAAP_BODY_LIMIT)
            return reject(srv, req, 413, "Request body too large");
        return MHD_YES;
    }
    if (req->res.status)
        return MHD_YES; /* answered early; libmicrohttpd discards the rest of the body */
    if (*upload_data_size) {
        /* libmicrohttpd 0.9.75 cannot queue a response in the middle of an upload, so an
         * oversized chunked body is read and dropped until its end to answer 413; past
         * DISCARD_MAX the connection is simply closed */
        req->received += *upload_data_size;
        if (req->received > NAAP_BODY_LIMIT + DISCARD_MAX)
            return MHD_NO;
        if (req->received <= NAAP_BODY_LIMIT)
            naap_buf_append(&req->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (req->received > NAAP_BODY_LIMIT)
        return reject(srv, req, 413, "Request body too large");
    dispatch(srv, req);
    return queue_response(srv, req);
}

/* ---- daemon -------------------------------------------------------------------------- */

/* Paths are matched still encoded (api.md 1.1: params are decoded after matching, so
 * "%2F" inside a package name must not split a segment); query values are decoded on
 * access by naap_request_query. */
static size_t keep_escaped(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return strlen(s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    /* 0.9.75 says this even when the logger is the first option (it re-parses the options
     * for each pool thread); it is noise, not a lost message */
    if (strstr(msg, "EXTERNAL_LOGGER is not the first option"))
        return;
    naap_log_warn("libmicrohttpd: %s", msg);
}

/* Counts connections for naap_server_trim: a burst can open and close between two of its
 * ticks, so the peak is kept here rather than sampled there. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    naap_server *srv = cls;
    (void)conn;
    (void)socket_context;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        atomic_fetch_sub(&srv->conns, 1);
        return;
    }
    unsigned open = atomic_fetch_add(&srv->conns, 1) + 1;
    unsigned peak = atomic_load(&srv->conn_peak);
    while (open > peak && !atomic_compare_exchange_weak(&srv->conn_peak, &peak, open)) {
    }
}

int naap_server_start(int listen_fd, const naap_config *cfg, const naap_route *routes,
                      size_t nroutes, naap_server **out)
{
    naap_server *srv = naap_xcalloc(1, sizeof(*srv));

    srv->cfg = cfg;
    srv->routes = routes;
    srv->nroutes = nroutes;
    if (naap_cidr_list_parse(cfg->trust_proxy, &srv->trust_proxy) != NAAP_OK) {
        free(srv);
        return NAAP_EINVAL; /* config validation already refused this */
    }
    /* epoll with a small pool: handlers block on PostgreSQL, so a few threads per core
     * keep the CPU busy; ITC is what lets MHD_quiesce_daemon wake the pool threads. */
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)cfg->worker_threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->http_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->http_max_connections,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY_LIMIT,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        srv, MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
        NULL, MHD_OPTION_END);
    if (!srv->daemon) {
        naap_log_error("libmicrohttpd refused to start on fd %d", listen_fd);
        naap_cidr_list_free(srv->trust_proxy);
        free(srv);
        return NAAP_ERR;
    }
    *out = srv;
    return NAAP_OK;
}

/* Keep-alive connections with nothing in flight get this long to send one more request
 * (answered with Connection: close) before the daemon closes them: clients in a request
 * loop then move to another worker without a failed request, and an idle pool (nginx
 * keepalive) does not hold a stop up until the kill timeout. */
#define IDLE_GRACE_MS 1000

static unsigned open_connections(naap_server *srv)
{
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return info ? info->num_connections : 0;
}

/* Pools of 32 KB or less come from malloc (libmicrohttpd maps only larger ones), and glibc
 * keeps chunks freed inside its thread arenas resident: after a burst of connections has
 * closed, malloc_trim hands their pages back. Waiting for TRIM_MIN_CLOSED fewer connections
 * than the peak keeps it off a steady load, which would fault the same pages back in. */
#define TRIM_MIN_CLOSED 64

void naap_server_trim(naap_server *srv)
{
    unsigned open = atomic_load(&srv->conns);

    if (atomic_load(&srv->conn_peak) >= open + TRIM_MIN_CLOSED) {
        malloc_trim(0);
        atomic_store(&srv->conn_peak, open);
    }
}

int naap_server_drain(naap_server *srv, int timeout_ms)
{
    int64_t now = naap_clock_mono_ms(), deadline = now + timeout_ms, idle_since = -1;
    struct timespec tick = {0, 20 * 1000 * 1000};

    atomic_store(&srv->draining, true);
    MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd); /* our copy only: the master and the other workers keep listening */
    for (; now < deadline; now = naap_clock_mono_ms()) {
        if (atomic_load(&srv->inflight) > 0) {
            idle_since = -1;
        } else {
            if (open_connections(srv) == 0)
                break;
            if (idle_since < 0)
                idle_since = now;
            else if (now - idle_since >= IDLE_GRACE_MS)
                break;
        }
        nanosleep(&tick, NULL);
    }
    int rc = atomic_load(&srv->inflight) > 0 ? NAAP_ETIMEDOUT : NAAP_OK;
    MHD_stop_daemon(srv->daemon);
    naap_cidr_list_free(srv->trust_proxy);
    free(srv);
    return rc;
}
