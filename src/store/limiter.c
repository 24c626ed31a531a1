#include "naap/limiter.h"
#include "naap/clock.h"
#include "naap/redis.h"

#include <stdio.h>
#include <string.h>

/* One round trip, atomic: open the window on the first hit, count, read what is left of
 * it, restore an expiry that was lost, and on the first hit past the limit hold the key
 * for the block duration instead. Returns {consumed, pttl}. */
static const char script[] = "local consumed = redis.call('incr', KEYS[1])\n"
                             "local ttl = redis.call('pttl', KEYS[1])\n"
                             "if ttl < 0 then\n"
                             "  redis.call('pexpire', KEYS[1], ARGV[1])\n"
                             "  ttl = tonumber(ARGV[1])\n"
                             "end\n"
                             "if consumed == tonumber(ARGV[2]) + 1 and tonumber(ARGV[3]) > 0 then\n"
                             "  redis.call('pexpire', KEYS[1], ARGV[3])\n"
                             "  ttl = tonumber(ARGV[3])\n"
                             "end\n"
                             "return {consumed, ttl}\n";

/* The script's SHA1 as Redis reports it from SCRIPT LOAD; loaded once per process and
 * again after Redis forgets it (restart, failover: NOSCRIPT). */
static _Thread_local char script_sha[41];

static void format_call(const char *key, const naap_limit_rule *rule, naap_limiter_call *call)
{
    snprintf(call->duration, sizeof(call->duration), "%d", rule->duration_ms);
    snprintf(call->points, sizeof(call->points), "%d", rule->points);
    snprintf(call->block, sizeof(call->block), "%d", rule->block_ms);
    const char *argv[] = {"EVALSHA",      script_sha,   "1",        key,
                          call->duration, call->points, call->block};
    memcpy(call->argv, argv, sizeof(argv));
}

bool naap_limiter_plan(const char *key, const naap_limit_rule *rule, naap_limiter_call *call)
{
    /* before the script is known the hit goes EVAL's way, which cannot be predicted */
    if (!naap_redis_configured() || !script_sha[0])
        return false;
    format_call(key, rule, call);
    return true;
}

static redisReply *run_script(naap_limiter_call *call)
{
    if (!script_sha[0]) {
        const char *argv[] = {"SCRIPT", "LOAD", script};
        redisReply *r = naap_redis_command(3, argv, NULL);
        if (!r || r->type != REDIS_REPLY_STRING || r->len != 40) {
            freeReplyObject(r);
            return NULL;
        }
        memcpy(script_sha, r->str, 41);
        freeReplyObject(r);
    }
    redisReply *r = naap_redis_command(NAAP_LIMITER_ARGC, call->argv, NULL);
    if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(r);
        const char *again[NAAP_LIMITER_ARGC];
        memcpy(again, call->argv, sizeof(again));
        again[0] = "EVAL";
        again[1] = script; /* EVAL also puts it back in the script cache */
        r = naap_redis_command(NAAP_LIMITER_ARGC, again, NULL);
    }
    return r;
}

void naap_limiter_hit(const char *key, const naap_limit_rule *rule, int memory_divisor,
                      naap_limit_result *out)
{
    naap_limiter_call call;
    redisReply *r = NULL;

    if (naap_redis_configured()) {
        format_call(key, rule, &call);
        r = run_script(&call);
    }
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_INTEGER && r->element[1]->type == REDIS_REPLY_INTEGER) {
        out->limit = rule->points;
        out->consumed = (int)r->element[0]->integer;
        out->reset_ms = r->element[1]->integer;
        out->allowed = out->consumed <= rule->points;
        out->from_memory = false;
        freeReplyObject(r);
        return;
    }
    freeReplyObject(r);
    /* per-process budget: with N workers each counting alone, N times the budget would
     * otherwise pass during an outage */
    naap_limit_rule local = *rule;
    if (memory_divisor > 1)
        local.points = (rule->points + memory_divisor - 1) / memory_divisor;
    naap_limiter_memory_hit(key, &local, naap_clock_mono_ms(), out);
}
