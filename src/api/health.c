#include "naap/api.h"
#include "naap/clock.h"
#include "naap/errors.h"
#include "naap/http.h"
#include "naap/probe.h"
#include "naap/redis.h"
#include "naap/status.h"
#include "naap/version.h"

#include <pthread.h>

/* A load balancer must get its answer quickly even while PostgreSQL hangs, so the probe
 * has its own short deadline instead of the statement timeout. */
#define PROBE_TIMEOUT_MS 1500

/* A balancer storm must not become a PostgreSQL storm (issue 15): the threads of a worker
 * share one probe result for this long. Short enough that a store going down or coming
 * back shows in the next answer a person or a test could tell apart; a failed probe is
 * never shared (it is cheap: the reconnect pauses of db.c and redis.c bound it). */
#define PROBE_SHARE_MS 100

static pthread_mutex_t probe_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t probed_ms; /* monotonic time of the shared result; 0: none */
static bool shared_db, shared_redis;

/* The stores' health as of at most PROBE_SHARE_MS ago. When the shared result is stale
 * every thread that asks probes (at most one per thread at a time): a hung store then
 * delays each answer by the probe's deadline, never by a result taken before it hung. */
static void probe(bool *db_ok, bool *redis_ok)
{
    int64_t now = naap_clock_mono_ms();
    bool fresh;

    pthread_mutex_lock(&probe_lock);
    fresh = probed_ms != 0 && now - probed_ms < PROBE_SHARE_MS;
    *db_ok = shared_db;
    *redis_ok = shared_redis;
    pthread_mutex_unlock(&probe_lock);
    if (fresh)
        return;

    *db_ok = naap_probe_db(PROBE_TIMEOUT_MS) == NAAP_OK;
    *redis_ok = naap_redis_configured() && naap_redis_ping();
    pthread_mutex_lock(&probe_lock);
    shared_db = *db_ok;
    shared_redis = *redis_ok;
    probed_ms = *db_ok && *redis_ok == naap_redis_configured() ? naap_clock_mono_ms() : 0;
    pthread_mutex_unlock(&probe_lock);
}

/* decisions.md 9: same JSON as upstream plus redisConnected, workers and uptimeSeconds;
 * 503 when the database probe fails so curl -f and balancers see it. */
void naap_api_health(naap_request *req)
{
    char ts[NAAP_ISO8601_SIZE];
    naap_status status;
    int64_t now = naap_clock_epoch_ms();
    bool db_ok, redis_ok;
    naap_status_get(&status);
    probe(&db_ok, &redis_ok);

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
