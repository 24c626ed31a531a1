#ifndef NAAP_LIMITER_H
#define NAAP_LIMITER_H

#include <stdbool.h>
#include <stdint.h>

/* The counting behind rate limiting, as rate-limiter-flexible's RateLimiterRedis does
 * it: a fixed window opened by a key's first hit, `points` hits per `duration`, and on
 * the first hit over the limit the key is held for `block` instead. In Redis when it
 * answers (shared by every worker and host), else in this process's memory. */

typedef struct naap_limit_rule {
    int points;
    int duration_ms;
    int block_ms; /* 0: stay over the limit only until the window ends */
} naap_limit_rule;

typedef struct naap_limit_result {
    int limit;        /* the budget that applied (smaller when memory decided) */
    int consumed;     /* hits counted in the current window, this one included */
    int64_t reset_ms; /* milliseconds until the window (or block) ends */
    bool allowed;
    bool from_memory; /* Redis did not answer: the per-process fallback decided */
} naap_limit_result;

/**
 * Counts one hit for key under rule. Falls back to memory when Redis is disabled or
 * fails, with the budget divided by memory_divisor (the number of workers, so one host
 * stays near the configured limit). Never fails.
 */
void naap_limiter_hit(const char *key, const naap_limit_rule *rule, int memory_divisor,
                      naap_limit_result *out);

/** The limiter's Redis command for one hit, as naap_limiter_hit would send it. */
#define NAAP_LIMITER_ARGC 7
typedef struct naap_limiter_call {
    char duration[16], points[16], block[16];
    const char *argv[NAAP_LIMITER_ARGC];
} naap_limiter_call;

/**
 * Fills call with the command naap_limiter_hit(key, rule, ...) will send next on this
 * thread (call->argv points at key: keep it alive), for a read-ahead (naap/redis_prefetch.h); false
 * when it cannot be known (no Redis, the script not loaded yet, a key too long).
 */
bool naap_limiter_plan(const char *key, const naap_limit_rule *rule, naap_limiter_call *call);

/**
 * The in-memory algorithm alone, at time now_ms: a bounded table (older entries are
 * evicted when full), safe across threads.
 */
void naap_limiter_memory_hit(const char *key, const naap_limit_rule *rule, int64_t now_ms,
                             naap_limit_result *out);
/** Number of live entries in the memory table (for tests and metrics). */
int naap_limiter_memory_entries(int64_t now_ms);

#endif
