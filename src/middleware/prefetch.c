#include "naap/prefetch.h"
#include "naap/auth.h"
#include "naap/clock.h"
#include "naap/errors.h"
#include "naap/ratelimit.h"
#include "naap/redis_prefetch.h"
#include "naap/response_cache.h"
#include "naap/session.h"

/* limiter, session, and the cache's MGET + GET + EXISTS */
#define PLANNED_MAX 5

int naap_prefetch(naap_request *req)
{
    naap_redis_cmd cmds[PLANNED_MAX];
    bool keep[PLANNED_MAX] = {false};
    naap_limiter_call limiter;
    naap_session_call session;
    naap_auth_guess guess = {NULL, NULL};
    size_t n = 0;

    if (!req->match.route)
        return NAAP_OK;
    /* the order the middleware and the handler will send them in */
    if (naap_ratelimit_plan(req, &limiter)) {
        /* the count has happened once sent: it must reach the limiter, whatever else
         * the request sends first */
        keep[n] = true;
        cmds[n++] = (naap_redis_cmd){NAAP_LIMITER_ARGC, limiter.argv, NULL};
    }
    if (naap_auth_predict(req, &guess) &&
        naap_session_plan(guess.sid, naap_clock_epoch_ms(), req->cfg->session_cache_ttl_ms,
                          &session))
        cmds[n++] = (naap_redis_cmd){2, session.argv, NULL};
    naap_cache_plan plan;
    if (naap_response_cache_plan(req, guess.user, &plan))
        for (size_t i = 0; i < plan.ncmds; i++)
            cmds[n++] = plan.cmds[i];
    /* one command gains nothing by going early */
    if (n >= 2)
        naap_redis_prefetch(n, cmds, keep);
    return NAAP_OK;
}

void naap_prefetch_end(void)
{
    naap_redis_prefetch_drop();
}
