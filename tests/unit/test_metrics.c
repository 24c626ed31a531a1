/* The Prometheus rendering of naap/metrics.h: counts land in the right series, the
 * histogram is cumulative, routes never requested are left out. */
#include "check.h"
#include "naap/metrics.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static naap_metrics block;

int main(void)
{
    static const naap_metrics_label routes[] = {{"GET", "/healthz"}, {"GET", "/api/v1/teams"}};
    static naap_status st = {.live_workers = 2, .started_epoch_ms = 1000};
    naap_buf out = {0};

    naap_metrics_attach(&block);
    CHECK(naap_metrics_block() == &block);
    naap_metrics_request(1, 200, 3000);     /* 3 ms: first bucket */
    naap_metrics_request(1, 503, 300000);   /* 300 ms: le=0.5 */
    naap_metrics_request(-1, 404, 100);     /* no route */
    naap_metrics_request(1, 200, 60000000); /* 60 s: only +Inf */
    naap_metrics_inc(NAAP_M_CACHE_HIT);
    naap_metrics_inc(NAAP_M_RESTART_RELOAD);
    naap_metrics_ratelimit_rejected(3);
    naap_metrics_render(&out, &block, routes, 2, &st, 3500);

    CHECK(strstr(out.data, "naapd_http_requests_total{method=\"GET\",route=\"/api/v1/teams\","
                           "status=\"2xx\"} 2\n"));
    CHECK(strstr(out.data, "naapd_http_requests_total{method=\"GET\",route=\"/api/v1/teams\","
                           "status=\"5xx\"} 1\n"));
    CHECK(strstr(out.data, "route=\"(unmatched)\",status=\"4xx\"} 1\n"));
    CHECK(!strstr(out.data, "/healthz")); /* never requested */
    CHECK(strstr(out.data, "_bucket{method=\"GET\",route=\"/api/v1/teams\",le=\"0.005\"} 1\n"));
    CHECK(strstr(out.data, "_bucket{method=\"GET\",route=\"/api/v1/teams\",le=\"0.25\"} 1\n"));
    CHECK(strstr(out.data, "_bucket{method=\"GET\",route=\"/api/v1/teams\",le=\"0.5\"} 2\n"));
    CHECK(strstr(out.data, "_bucket{method=\"GET\",route=\"/api/v1/teams\",le=\"10\"} 2\n"));
    CHECK(strstr(out.data, "_bucket{method=\"GET\",route=\"/api/v1/teams\",le=\"+Inf\"} 3\n"));
    CHECK(strstr(out.data, "_sum{method=\"GET\",route=\"/api/v1/teams\"} 60.303000\n"));
    CHECK(strstr(out.data, "naapd_cache_hits_total 1\n"));
    CHECK(strstr(out.data, "naapd_ratelimit_rejected_total{tier=\"strict\"} 1\n"));
    CHECK(strstr(out.data, "naapd_worker_restarts_total{cause=\"reload\"} 1\n"));
    CHECK(strstr(out.data, "naapd_workers 2\n"));
    CHECK(strstr(out.data, "naapd_uptime_seconds 2.500\n"));
    CHECK(strstr(out.data, "# TYPE naapd_http_request_duration_seconds histogram\n"));
    CHECK(naap_metrics_rss_bytes(getpid()) > 0);
    naap_buf_reset(&out);
    return check_report("metrics");
}
