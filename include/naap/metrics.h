#ifndef NAAP_METRICS_H
#define NAAP_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "naap/buf.h"
#include "naap/status.h"

/* Counters behind GET /metrics (Prometheus text format). Every worker adds to the same
 * block, which the cluster places in the shared memory it maps before forking, so one
 * scrape of any worker sees the sum over all of them (and over workers that have since
 * been replaced: counters only grow while the master lives). Outside a cluster (tests of
 * single modules) the block is private to the process. Counting is one relaxed atomic
 * add, cheap enough for every request. */

/* Rows of the route table that get their own series; one more slot counts requests that
 * matched no route (404, 405, bad input answered before routing). */
#define NAAP_METRICS_MAX_ROUTES 96
#define NAAP_METRICS_NO_ROUTE NAAP_METRICS_MAX_ROUTES
/* Upper bounds of the latency histogram, in seconds, as the Prometheus client libraries'
 * defaults (the last bucket, +Inf, is implicit). */
#define NAAP_METRICS_BUCKETS 11
#define NAAP_METRICS_TIERS 4 /* indexed by naap_tier */

typedef enum naap_metric {
    NAAP_M_CACHE_HIT,
    NAAP_M_CACHE_MISS,
    NAAP_M_CACHE_ERROR,
    NAAP_M_PG_ERROR,
    NAAP_M_PG_TIMEOUT,
    NAAP_M_PG_RECONNECT,
    NAAP_M_REDIS_ERROR,
    NAAP_M_REDIS_TIMEOUT,
    NAAP_M_REDIS_RECONNECT,
    NAAP_M_RESTART_CRASH,         /* a worker died unexpectedly */
    NAAP_M_RESTART_START_TIMEOUT, /* a new worker missed LISTEN_TIMEOUT */
    NAAP_M_RESTART_MEMORY,        /* replaced for MAX_MEMORY_RESTART */
    NAAP_M_RESTART_RELOAD,        /* replaced by a rolling reload */
    NAAP_M__COUNT
} naap_metric;

typedef struct naap_metrics_route {
    _Atomic uint64_t status[5];                        /* 1xx..5xx */
    _Atomic uint64_t bucket[NAAP_METRICS_BUCKETS + 1]; /* not cumulative; last is +Inf */
    _Atomic uint64_t sum_us;
} naap_metrics_route;

typedef struct naap_metrics {
    _Atomic uint64_t counters[NAAP_M__COUNT];
    _Atomic uint64_t ratelimit_rejected[NAAP_METRICS_TIERS];
    naap_metrics_route routes[NAAP_METRICS_MAX_ROUTES + 1];
} naap_metrics;

/** Makes every later count go to block (zeroed by the caller), e.g. shared memory. */
void naap_metrics_attach(naap_metrics *block);
/** The block counts go to (a process-private one until naap_metrics_attach). */
naap_metrics *naap_metrics_block(void);

/** Adds one to a counter. */
void naap_metrics_inc(naap_metric m);
/** Counts a request refused by the rate limiter of tier (naap_tier). */
void naap_metrics_ratelimit_rejected(int tier);
/**
 * Counts one answered request: route is its row in the route table, or
 * NAAP_METRICS_NO_ROUTE; status the HTTP status sent; duration_us its time in naapd.
 */
void naap_metrics_request(int route, int status, int64_t duration_us);

/* Label of route row i, for rendering. */
typedef struct naap_metrics_label {
    const char *method;
    const char *pattern;
} naap_metrics_label;

/**
 * Appends the Prometheus text exposition (version 0.0.4) of the block to out: requests
 * by route and status class, latency histograms, cache, rate-limit, PostgreSQL, Redis
 * and restart counters, and from st the worker RSS gauges and the uptime. Routes that
 * were never requested are left out.
 */
void naap_metrics_render(naap_buf *out, const naap_metrics *m, const naap_metrics_label *routes,
                         size_t nroutes, const naap_status *st, int64_t now_epoch_ms);

/** Resident set size of process pid in bytes (from /proc), or -1. */
int64_t naap_metrics_rss_bytes(int pid);

#endif
