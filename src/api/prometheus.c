#include "naap/api.h"
#include "naap/cidr.h"
#include "naap/clock.h"
#include "naap/config.h"
#include "naap/errors.h"
#include "naap/http.h"
#include "naap/metrics.h"
#include "naap/status.h"

#include <stdlib.h>

/* decisions.md "Added": never public by default. The client address is the one
 * TRUST_PROXY resolves, so a request relayed by nginx from outside is judged by its
 * real origin, not by nginx's loopback peer. Anyone else sees the same 404 as for a path
 * that does not exist. */
static bool allowed(naap_request *req)
{
    naap_cidr_list *list = NULL;
    bool ok = false;

    if (naap_cidr_list_parse(req->cfg->metrics_allow, &list) == NAAP_OK)
        ok = naap_cidr_list_contains(list, req->client_ip);
    naap_cidr_list_free(list);
    return ok;
}

/* Prometheus text exposition of the counters every worker adds to in shared memory, so
 * any worker's answer is the sum over all of them. */
void naap_api_metrics(naap_request *req)
{
    naap_metrics_label *labels;
    naap_status *status;
    naap_buf out = {0};

    if (!allowed(req)) {
        naap_respond_error(req, 404,
                           naap_arena_printf(req->arena, "Cannot %s %s", req->method, req->path));
        return;
    }
    labels = naap_arena_alloc(req->arena, naap_routes_count * sizeof(*labels));
    for (size_t i = 0; i < naap_routes_count; i++)
        labels[i] = (naap_metrics_label){naap_routes[i].method, naap_routes[i].pattern};
    status = naap_arena_alloc(req->arena, sizeof(*status)); /* a few kB: not on the stack */
    naap_status_get(status);
    naap_metrics_render(&out, naap_metrics_block(), labels, naap_routes_count, status,
                        naap_clock_epoch_ms());
    naap_respond_body(req, 200, out.data, out.len, "text/plain; version=0.0.4; charset=utf-8");
}
