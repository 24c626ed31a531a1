#include "naap/ratelimit.h"
#include "naap/auth.h"
#include "naap/clock.h"
#include "naap/errors.h"
#include "naap/metrics.h"
#include "naap/limiter.h"

#include <stdio.h>

_Static_assert(NAAP_TIER_STANDARD == 1 && NAAP_TIER_RELAXED == 2 && NAAP_TIER_STRICT == 3,
               "config.c indexes rl_points by naap_tier");

static const naap_config *config;
#define RATELIMIT_KEY_MAX 160

static const char *const tier_names[] = {"none", "standard", "relaxed", "strict"};

void naap_ratelimit_init(const naap_config *cfg)
{
    config = cfg;
}

static void set_header_int(naap_request *req, const char *name, long long value)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%lld", value);
    naap_response_header(req, name, buf);
}

/* The bucket this request counts in under its route's tier; false when it is not limited. */
static bool bucket(naap_request *req, naap_tier *tier, naap_limit_rule *rule, char *key, size_t cap)
{
    *tier = req->match.route ? req->match.route->tier : NAAP_TIER_NONE;
    if (!config || !config->rate_limit_enabled || *tier == NAAP_TIER_NONE)
        return false;
    *rule = (naap_limit_rule){config->rl_points[*tier], config->rl_duration_ms[*tier],
                              config->rl_block_ms[*tier]};
    /* The strict tier is one bucket for the four auth paths keyed by address, as upstream
     * (api.md 1.6); the others count a caller signed in with a JWT as one client wherever
     * it comes from, and anyone else (opaque legacy tokens included) by address, before
     * their token costs a lookup. */
    const char *user = *tier == NAAP_TIER_STRICT ? NULL : naap_auth_user_id_signed(req);
    if (user)
        snprintf(key, cap, "rl:%s:user:%s", tier_names[*tier], user);
    else
        snprintf(key, cap, "rl:%s:ip:%s", tier_names[*tier], req->client_key);
    return true;
}

bool naap_ratelimit_plan(naap_request *req, naap_limiter_call *call)
{
    naap_tier tier;
    naap_limit_rule rule;
    char *key = naap_arena_alloc(req->arena, RATELIMIT_KEY_MAX);
    return bucket(req, &tier, &rule, key, RATELIMIT_KEY_MAX) && naap_limiter_plan(key, &rule, call);
}

int naap_ratelimit_admit(naap_request *req)
{
    naap_tier tier;
    naap_limit_rule rule;
    naap_limit_result res;
    char key[RATELIMIT_KEY_MAX];

    if (!bucket(req, &tier, &rule, key, sizeof(key)))
        return NAAP_OK;
    naap_limiter_hit(key, &rule, config->workers, &res);

    /* api.md 1.6: Reset is a Unix time in seconds, Retry-After whole seconds rounded up */
    int64_t reset_s = (naap_clock_epoch_ms() + res.reset_ms + 999) / 1000;
    int remaining = res.limit - res.consumed;
    set_header_int(req, "X-RateLimit-Limit", res.limit);
    set_header_int(req, "X-RateLimit-Remaining", remaining > 0 ? remaining : 0);
    set_header_int(req, "X-RateLimit-Reset", reset_s);
    if (res.allowed)
        return NAAP_OK;

    naap_metrics_ratelimit_rejected(tier);
    long long retry_after = (res.reset_ms + 999) / 1000;
    if (retry_after < 1)
        retry_after = 1;
    set_header_int(req, "Retry-After", retry_after);
    naap_respond_json(req, 429,
                      json_pack("{s:s,s:I}", "error", "Too many requests, please try again later",
                                "retryAfter", (json_int_t)retry_after));
    return NAAP_DONE;
}
