#include "naap/api.h"
#include "naap/clock.h"
#include "naap/errors.h"
#include "naap/http.h"
#include "naap/probe.h"
#include "naap/redis.h"
#include "naap/status.h"
#include "naap/version.h"

/* A load balancer must get its answer quickly even while PostgreSQL hangs, so the probe
 * has its own short deadline instead of the statement timeout. */
#define PROBE_TIMEOUT_MS 1500

/* decisions.md 9: same JSON as upstream plus redisConnected, workers and uptimeSeconds;
 * 503 when the database probe fails so curl -f and balancers see it. */
void naap_api_health(naap_request *req)
{
    char ts[NAAP_ISO8601_SIZE];
    naap_status status;
    int64_t now = naap_clock_epoch_ms();
    naap_status_get(&status);
    bool db_ok = naap_probe_db(PROBE_TIMEOUT_MS) == NAAP_OK;
    bool redis_ok = naap_redis_configured() && naap_redis_ping();

    naap_clock_iso8601(now, ts);
    json_t *body = json_object();
    json_object_set_new(body, "status", json_string(db_ok ? "healthy" : "degraded"));
    json_object_set_new(body, "service", json_string("naapd"));
    json_object_set_new(body, "version", json_string(naap_version));
    json_object_set_new(body, "timestamp", json_string(ts));
    json_object_set_new(body, "database",
                        json_pack("{s:s}", "status", db_ok ? "healthy" : "unhealthy"));
    json_object_set_new(body, "cache",
                        json_pack("{s:s,s:b,s:i}", "backend", redis_ok ? "redis" : "memory",
                                  "redisConnected", redis_ok, "memoryEntries", 0));
    json_object_set_new(body, "workers", json_integer(status.live_workers));
    json_object_set_new(
        body, "uptimeSeconds",
        json_integer(status.started_epoch_ms ? (now - status.started_epoch_ms) / 1000 : 0));
    naap_respond_json(req, db_ok ? 200 : 503, body);
}
