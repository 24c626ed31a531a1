#include "naap/metrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static naap_metrics private_block;
static naap_metrics *block = &private_block;

static const double bucket_bounds[NAAP_METRICS_BUCKETS] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                           0.5,   1,    2.5,   5,    10};

void naap_metrics_attach(naap_metrics *b)
{
    block = b;
}

naap_metrics *naap_metrics_block(void)
{
    return block;
}

/* Relaxed: counters order nothing, and a scrape that sees one of two increments made
 * together is as good as one a moment earlier or later. */
static inline void add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline uint64_t get(const _Atomic uint64_t *c)
{
    return atomic_load_explicit((_Atomic uint64_t *)c, memory_order_relaxed);
}

void naap_metrics_inc(naap_metric m)
{
    if ((unsigned)m < NAAP_M__COUNT)
        add(&block->counters[m], 1);
}

void naap_metrics_ratelimit_rejected(int tier)
{
    if (tier >= 0 && tier < NAAP_METRICS_TIERS)
        add(&block->ratelimit_rejected[tier], 1);
}

void naap_metrics_request(int route, int status, int64_t duration_us)
{
    if (route < 0 || route > NAAP_METRICS_NO_ROUTE)
        route = NAAP_METRICS_NO_ROUTE;
    if (duration_us < 0)
        duration_us = 0;
    naap_metrics_route *r = &block->routes[route];
    int cls = status / 100 - 1;
    if (cls >= 0 && cls < 5)
        add(&r->status[cls], 1);
    int b = 0;
    while (b < NAAP_METRICS_BUCKETS && (double)duration_us > bucket_bounds[b] * 1e6)
        b++;
    add(&r->bucket[b], 1);
    add(&r->sum_us, (uint64_t)duration_us);
}

int64_t naap_metrics_rss_bytes(int pid)
{
    char path[64];
    long pages_total, pages_resident;
    snprintf(path, sizeof(path), "/proc/%d/statm", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = fscanf(f, "%ld %ld", &pages_total, &pages_resident);
    fclose(f);
    return n == 2 ? (int64_t)pages_resident * sysconf(_SC_PAGESIZE) : -1;
}

/* ---- rendering ------------------------------------------------------------------------ */

static void printf_to(naap_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void printf_to(naap_buf *out, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0)
        naap_buf_append(out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void header(naap_buf *out, const char *name, const char *type, const char *help)
{
    printf_to(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void counter(naap_buf *out, const char *name, const char *help, uint64_t v)
{
    header(out, name, "counter", help);
    printf_to(out, "%s %" PRIu64 "\n", name, v);
}

/* Route patterns and methods come from naapd's own table (no quotes, backslashes or
 * newlines), so they go into label values as they are. */
static void route_labels(char *dst, size_t cap, const naap_metrics_label *routes, size_t nroutes,
                         size_t i)
{
    if (i < nroutes)
        snprintf(dst, cap, "method=\"%s\",route=\"%s\"", routes[i].method, routes[i].pattern);
    else
        snprintf(dst, cap, "method=\"\",route=\"(unmatched)\"");
}

static uint64_t route_total(const naap_metrics_route *r)
{
    uint64_t n = 0;
    for (int b = 0; b <= NAAP_METRICS_BUCKETS; b++)
        n += get(&r->bucket[b]);
    return n;
}

static void render_requests(naap_buf *out, const naap_metrics *m, const naap_metrics_label *routes,
                            size_t nroutes)
{
    static const char *const classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    char labels[256];
    size_t last = nroutes < NAAP_METRICS_MAX_ROUTES ? nroutes : NAAP_METRICS_MAX_ROUTES;

    header(out, "naapd_http_requests_total", "counter",
           "HTTP requests answered, by route pattern and status class.");
    for (size_t i = 0; i <= NAAP_METRICS_MAX_ROUTES; i++) {
        if (i >= last && i != NAAP_METRICS_NO_ROUTE)
            continue;
        route_labels(labels, sizeof(labels), routes, last, i);
        for (int c = 0; c < 5; c++) {
            uint64_t v = get(&m->routes[i].status[c]);
            if (v)
                printf_to(out, "naapd_http_requests_total{%s,status=\"%s\"} %" PRIu64 "\n", labels,
                          classes[c], v);
        }
    }
    header(out, "naapd_http_request_duration_seconds", "histogram",
           "Time from a request's first byte to its answer, by route pattern.");
    for (size_t i = 0; i <= NAAP_METRICS_MAX_ROUTES; i++) {
        const naap_metrics_route *r = &m->routes[i];
        if ((i >= last && i != NAAP_METRICS_NO_ROUTE) || route_total(r) == 0)
            continue;
        route_labels(labels, sizeof(labels), routes, last, i);
        uint64_t cum = 0;
        for (int b = 0; b < NAAP_METRICS_BUCKETS; b++) {
            cum += get(&r->bucket[b]);
            printf_to(out, "naapd_http_request_duration_seconds_bucket{%s,le=\"%g\"} %" PRIu64 "\n",
                      labels, bucket_bounds[b], cum);
        }
        cum += get(&r->bucket[NAAP_METRICS_BUCKETS]);
        printf_to(out, "naapd_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n",
                  labels, cum);
        printf_to(out, "naapd_http_request_duration_seconds_sum{%s} %.6f\n", labels,
                  (double)get(&r->sum_us) / 1e6);
        printf_to(out, "naapd_http_request_duration_seconds_count{%s} %" PRIu64 "\n", labels, cum);
    }
}

static void render_labeled(naap_buf *out, const naap_metrics *m, const char *name, const char *help,
                           const char *label, const char *const *values, const naap_metric *which,
                           int n)
{
    header(out, name, "counter", help);
    for (int i = 0; i < n; i++)
        printf_to(out, "%s{%s=\"%s\"} %" PRIu64 "\n", name, label, values[i],
                  get(&m->counters[which[i]]));
}

void naap_metrics_render(naap_buf *out, const naap_metrics *m, const naap_metrics_label *routes,
                         size_t nroutes, const naap_status *st, int64_t now_epoch_ms)
{
    static const char *const tiers[] = {"none", "standard", "relaxed", "strict"};
    static const char *const causes[] = {"crash", "start_timeout", "memory", "reload"};
    static const naap_metric restarts[] = {NAAP_M_RESTART_CRASH, NAAP_M_RESTART_START_TIMEOUT,
                                           NAAP_M_RESTART_MEMORY, NAAP_M_RESTART_RELOAD};
    static const char *const kinds[] = {"error", "timeout", "reconnect"};
    static const naap_metric pg[] = {NAAP_M_PG_ERROR, NAAP_M_PG_TIMEOUT, NAAP_M_PG_RECONNECT};
    static const naap_metric redis[] = {NAAP_M_REDIS_ERROR, NAAP_M_REDIS_TIMEOUT,
                                        NAAP_M_REDIS_RECONNECT};

    render_requests(out, m, routes, nroutes);

    counter(out, "naapd_cache_hits_total", "Cache lookups answered from Redis.",
            get(&m->counters[NAAP_M_CACHE_HIT]));
    counter(out, "naapd_cache_misses_total", "Cache lookups that found nothing.",
            get(&m->counters[NAAP_M_CACHE_MISS]));
    counter(out, "naapd_cache_errors_total",
            "Cache operations that failed (Redis down or an error reply); served uncached.",
            get(&m->counters[NAAP_M_CACHE_ERROR]));

    header(out, "naapd_ratelimit_rejected_total", "counter",
           "Requests answered 429 by the rate limiter, by tier.");
    for (int t = 1; t < NAAP_METRICS_TIERS; t++)
        printf_to(out, "naapd_ratelimit_rejected_total{tier=\"%s\"} %" PRIu64 "\n", tiers[t],
                  get(&m->ratelimit_rejected[t]));

    render_labeled(out, m, "naapd_postgres_events_total",
                   "PostgreSQL errors, timeouts and reconnects.", "kind", kinds, pg, 3);
    render_labeled(out, m, "naapd_redis_events_total", "Redis errors, timeouts and reconnects.",
                   "kind", kinds, redis, 3);
    render_labeled(out, m, "naapd_worker_restarts_total", "Workers replaced, by cause.", "cause",
                   causes, restarts, 4);

    header(out, "naapd_workers", "gauge", "Workers serving now.");
    printf_to(out, "naapd_workers %d\n", st->live_workers);
    header(out, "naapd_worker_resident_memory_bytes", "gauge",
           "Resident set size of each worker process.");
    for (int i = 0; i < st->nprocs; i++) {
        int64_t rss = naap_metrics_rss_bytes(st->procs[i].pid);
        if (rss >= 0)
            printf_to(out,
                      "naapd_worker_resident_memory_bytes{worker=\"%d\",pid=\"%d\"} %" PRId64 "\n",
                      st->procs[i].position, st->procs[i].pid, rss);
    }
    header(out, "naapd_uptime_seconds", "gauge", "Seconds since the master started.");
    printf_to(out, "naapd_uptime_seconds %.3f\n",
              st->started_epoch_ms ? (double)(now_epoch_ms - st->started_epoch_ms) / 1000 : 0.0);
}
