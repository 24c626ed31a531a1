#include "naap/cache.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/errors.h"
#include "naap/log.h"
#include "naap/metrics.h"
#include "naap/redis.h"
#include "naap/sha1.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A generation nobody bumped or read for a week is forgotten; readers then start it
 * afresh (a miss for that namespace, never a stale hit: see random_generation). */
#define GEN_TTL_MS "604800000"
#define POLL_MS 20
#define LOG_EVERY_MS 5000
#define LOCK_PREFIX "naap:lock:"
#define LOCK_KEY_MAX (sizeof(LOCK_PREFIX) + NAAP_CACHE_KEY_MAX)
#define GEN_NAME_MAX NAAP_CACHE_GEN_NAME_MAX

static int ttl_short = 60, ttl_medium = 300, ttl_long = 600;

/* Compare-and-delete in one step: an owner whose lock expired while it computed must not
 * delete the lock the next owner took since. */
static const char release_script[] =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end "
    "return 0";
static char release_sha[2 * NAAP_SHA1_LEN + 1];

/* A lookup in one round trip (issue 15): read the generations (creating missing ones at
 * their random start, as create_generations does), build the data key from them exactly
 * as naap_cache_key_build does, read the value and its guard, and on a miss take the
 * key's lock (as lock_or_wait's first step does), all inside Redis and atomically. Three
 * to six sequential round trips used to be most of a cached answer's time.
 * KEYS: the n generation keys (global first), then the guard if any. ARGV: n, the key's
 * head, the n - 1 namespace names, the id, the generations' expiry, the lock's prefix,
 * token and expiry, then n start values. Answers {key, value or nil, guarded, owner,
 * generations...}. The data and lock keys are not among KEYS (they depend on what the
 * script reads): fine on a single Redis, which is all naapd supports. */
static const char lookup_script[] =
    "local n = tonumber(ARGV[1]) "
    "local a = n + 3 "
    "local gens = redis.call('MGET', unpack(KEYS, 1, n)) "
    "for i = 1, n do if not gens[i] then "
    "redis.call('SET', KEYS[i], ARGV[a + 3 + i], 'NX', 'PX', ARGV[a]) "
    "gens[i] = redis.call('GET', KEYS[i]) end end "
    "local key = ARGV[2] .. gens[1] .. '|' "
    "for i = 2, n do key = key .. ARGV[i + 1] .. '=' .. gens[i] .. '|' end "
    "key = key .. ARGV[n + 2] "
    "local guarded = 1 "
    "if #KEYS > n then guarded = redis.call('EXISTS', KEYS[n + 1]) end "
    "local value = redis.call('GET', key) "
    "local owner = 0 "
    "if not value or guarded ~= 1 then "
    "if redis.call('SET', ARGV[a + 1] .. key, ARGV[a + 2], 'NX', 'PX', ARGV[a + 3]) then "
    "owner = 1 end end "
    "return {key, value or false, guarded, owner, unpack(gens)}";
static char lookup_sha[2 * NAAP_SHA1_LEN + 1];
static pthread_once_t release_once = PTHREAD_ONCE_INIT;

/* Invalidations that could not reach Redis, and how many of them a bump of the global
 * generation has made good since. While they differ no process of the host serves hits:
 * the record lives in the cluster's shared memory (naap_cache_use_host_state), because a
 * worker that lost an invalidation may die before it can repay it, and its siblings hold
 * the same stale entries. */
static _Thread_local unsigned taints; /* naap_cache_taint calls on this thread */
static naap_cache_host own_host;
static naap_cache_host *host = &own_host;
static _Atomic int64_t last_log_ms;

/* Redis's run_id as naapd last saw it, kept in Redis itself so that every host and every
 * restart of naapd compares against the same record (see check_identity). */
#define RUN_ID_KEY "naap:run-id"
#define RUN_ID_LEN 40

/* One step on a new connection: if the run_id recorded in Redis is not this server's, the
 * data may predate writes naapd saw acknowledged (a restart from an RDB/AOF snapshot, a
 * promoted replica), so generations may have gone back to values old entries were
 * written under: bump the global one, then record the run_id. Atomic, so of many
 * connections racing after a restart exactly one bumps. */
static const char identity_script[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end "
                                      "redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) "
                                      "redis.call('INCR', KEYS[2]) "
                                      "redis.call('PEXPIRE', KEYS[2], ARGV[3]) "
                                      "redis.call('SET', KEYS[1], ARGV[1]) "
                                      "return 1";

static int check_identity(redisContext *ctx);

void naap_cache_use_host_state(naap_cache_host *shared)
{
    host = shared;
}

void naap_cache_init(const naap_config *cfg)
{
    ttl_short = cfg->cache_ttl_short;
    ttl_medium = cfg->cache_ttl_medium;
    ttl_long = cfg->cache_ttl_long;
    naap_redis_set_connect_hook(check_identity);
}

int naap_cache_ttl_seconds(int ttl)
{
    switch (ttl) {
    case NAAP_CACHE_TTL_SHORT:
        return ttl_short;
    case NAAP_CACHE_TTL_MEDIUM:
        return ttl_medium;
    case NAAP_CACHE_TTL_LONG:
        return ttl_long;
    default:
        return ttl > 0 ? ttl : 0;
    }
}

/* ---- helpers ----------------------------------------------------------------------- */

static int longest_ttl(void)
{
    int m = ttl_short > ttl_medium ? ttl_short : ttl_medium;
    return m > ttl_long ? m : ttl_long;
}

/* Connection failures are logged (throttled) by the Redis module; this is for what it
 * cannot see: error replies and values that do not decode. */
static void log_throttled(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void log_throttled(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    int64_t now = naap_clock_mono_ms(), last = atomic_load(&last_log_ms);

    if (last != 0 && now - last < LOG_EVERY_MS)
        return;
    if (!atomic_compare_exchange_strong(&last_log_ms, &last, now))
        return; /* another thread logs this period */
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    naap_log_warn("cache: %s", msg);
}

/* True if r is no usable answer: NULL (Redis down, already logged) or an error reply. */
static bool failed(redisReply *r, const char *what)
{
    if (!r) {
        naap_metrics_inc(NAAP_M_CACHE_ERROR);
        return true;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        naap_metrics_inc(NAAP_M_CACHE_ERROR);
        log_throttled("redis %s: %s (served without the cache)", what, r->str);
        return true;
    }
    return false;
}

static void script_sha(const char *script, char out[2 * NAAP_SHA1_LEN + 1])
{
    unsigned char d[NAAP_SHA1_LEN];
    naap_sha1(script, strlen(script), d);
    naap_hex_encode(d, sizeof(d), out);
}

static void init_release_sha(void)
{
    script_sha(release_script, release_sha);
    script_sha(lookup_script, lookup_sha);
}

static void new_token(char out[33])
{
    unsigned char b[16];
    naap_random_bytes(b, sizeof(b));
    naap_hex_encode(b, sizeof(b), out);
}

/* A generation starts at a random 2^32..2^48, never where INCR starts (1): a generation
 * key that expired or was evicted and comes back must not reach a value it had before,
 * or entries written under that value would become visible again. */
static void format_generation(uint64_t v, char out[24])
{
    snprintf(out, 24, "%" PRIu64, (v & UINT64_C(0xffffffffffff)) | UINT64_C(0x100000000));
}

static void random_generation(char out[24])
{
    uint64_t v;
    naap_random_bytes(&v, sizeof(v));
    format_generation(v, out);
}

/* The expiry of a stored value: up to 10% short of the TTL, so that keys filled together
 * (after a deploy, an invalidation) do not all expire in the same second. */
static int64_t jittered_ttl_ms(int ttl_s)
{
    uint32_t r;
    int64_t ms = (int64_t)ttl_s * 1000;
    naap_random_bytes(&r, sizeof(r));
    return ms - (int64_t)(r % (uint32_t)(ms / 10 + 1));
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- generations ------------------------------------------------------------------- */

/* Bumps one generation (NULL: the global one) in one round trip: create it at a random
 * value if it is missing, INCR it, renew its expiry. */
static int bump(const char *ns)
{
    char name[GEN_NAME_MAX], start[24];
    const char *set[] = {"SET", name, start, "NX", "PX", GEN_TTL_MS};
    const char *incr[] = {"INCR", name};
    const char *expire[] = {"PEXPIRE", name, GEN_TTL_MS};
    naap_redis_cmd cmds[] = {{6, set, NULL}, {2, incr, NULL}, {3, expire, NULL}};
    redisReply *r[3];

    naap_cache_gen_key(ns, name, sizeof(name));
    random_generation(start);
    int rc = naap_redis_pipeline(3, cmds, r);
    if (rc == NAAP_OK && (failed(r[1], "INCR") || r[1]->type != REDIS_REPLY_INTEGER))
        rc = NAAP_EUNAVAILABLE;
    for (int i = 0; i < 3; i++)
        freeReplyObject(r[i]);
    return rc;
}

/* After an invalidation was lost, entries it should have hidden may still be in Redis:
 * bump the global generation (hiding everything) before trusting any entry again. Any
 * process of the host may do it; it covers every loss recorded before its bump. */
static int cover_lost_invalidations(void)
{
    uint64_t lost = atomic_load(&host->lost);
    uint64_t covered = atomic_load(&host->covered);

    if (lost == covered)
        return NAAP_OK;
    if (bump(NULL) != NAAP_OK)
        return NAAP_EUNAVAILABLE;
    while (covered < lost && !atomic_compare_exchange_weak(&host->covered, &covered, lost))
        ;
    int64_t since = atomic_exchange(&host->lost_since_ms, 0);
    naap_log_info("cache: dropped every entry after invalidations Redis missed (the first at "
                  "%lld ms since the epoch)",
                  (long long)since);
    return NAAP_OK;
}

/* ---- identity of the Redis server -------------------------------------------------- */

/* The run_id out of an INFO server reply; false if it has none. */
static bool parse_run_id(const char *info, char out[RUN_ID_LEN + 1])
{
    const char *p = strstr(info, "run_id:");
    if (!p)
        return false;
    p += 7;
    size_t n = strspn(p, "0123456789abcdef");
    if (n != RUN_ID_LEN)
        return false;
    memcpy(out, p, RUN_ID_LEN);
    out[RUN_ID_LEN] = '\0';
    return true;
}

/* The connect hook (naap_redis_set_connect_hook). Costs two round trips per connection,
 * none per request. A Redis that refuses INFO (renamed, or denied by an ACL) cannot be
 * recognised: that is logged and the connection used anyway, as before this check. */
static int check_identity(redisContext *ctx)
{
    char run_id[RUN_ID_LEN + 1], start[24];
    int rc = NAAP_EUNAVAILABLE;

    redisReply *r = redisCommand(ctx, "INFO server");
    if (!r)
        return NAAP_EUNAVAILABLE;
    if (r->type != REDIS_REPLY_STRING) {
        log_throttled("INFO server refused (%s): a Redis restarted from a snapshot cannot be "
                      "recognised",
                      r->type == REDIS_REPLY_ERROR ? r->str : "no text");
        freeReplyObject(r);
        return NAAP_OK;
    }
    bool known = parse_run_id(r->str, run_id);
    freeReplyObject(r);
    if (!known) {
        log_throttled("INFO server has no run_id: a Redis restarted from a snapshot cannot be "
                      "recognised");
        return NAAP_OK;
    }
    random_generation(start);
    const char *argv[] = {"EVAL",       identity_script, "2",   RUN_ID_KEY,
                          "naap:gen:*", run_id,          start, GEN_TTL_MS};
    r = redisCommandArgv(ctx, 8, argv, NULL);
    if (!r)
        return NAAP_EUNAVAILABLE;
    if (r->type == REDIS_REPLY_INTEGER) {
        if (r->integer == 1)
            naap_log_warn("cache: Redis run_id is now %s (restarted, restored or failed over, "
                          "or first use): every cached entry dropped",
                          run_id);
        rc = NAAP_OK;
    } else {
        log_throttled("identity check: %s", r->type == REDIS_REPLY_ERROR ? r->str : "bad reply");
    }
    freeReplyObject(r);
    return rc;
}

/* Creates the missing generations (SET NX, so a concurrent creator's value wins) and
 * reads them all again, in one round trip. Returns the MGET reply or NULL. */
static redisReply *create_generations(int count, const char **mget, const redisReply *seen)
{
    char starts[NAAP_CACHE_MAX_NAMESPACES + 1][24];
    const char *sets[NAAP_CACHE_MAX_NAMESPACES + 1][6];
    naap_redis_cmd cmds[NAAP_CACHE_MAX_NAMESPACES + 2];
    redisReply *r[NAAP_CACHE_MAX_NAMESPACES + 2];
    int n = 0;

    for (int i = 0; i < count; i++) {
        if (seen->element[i]->type != REDIS_REPLY_NIL)
            continue;
        random_generation(starts[n]);
        const char *argv[] = {"SET", mget[i + 1], starts[n], "NX", "PX", GEN_TTL_MS};
        memcpy(sets[n], argv, sizeof(argv));
        cmds[n] = (naap_redis_cmd){6, sets[n], NULL};
        n++;
    }
    cmds[n] = (naap_redis_cmd){count + 1, mget, NULL};
    if (naap_redis_pipeline((size_t)n + 1, cmds, r) != NAAP_OK)
        return NULL;
    for (int i = 0; i < n; i++)
        freeReplyObject(r[i]);
    return r[n];
}

/* Reads the global generation into gens[0] and namespace i's into gens[i + 1]. */
static int read_generations(const naap_cache_key *key, int n, int64_t *gens)
{
    char names[NAAP_CACHE_MAX_NAMESPACES + 1][GEN_NAME_MAX];
    const char *mget[NAAP_CACHE_MAX_NAMESPACES + 2] = {"MGET"};
    int rc = NAAP_EUNAVAILABLE;

    for (int i = 0; i <= n; i++) {
        naap_cache_gen_key(i == 0 ? NULL : key->namespaces[i - 1], names[i], GEN_NAME_MAX);
        mget[i + 1] = names[i];
    }
    redisReply *r = naap_redis_command(n + 2, mget, NULL);
    if (failed(r, "MGET") || r->type != REDIS_REPLY_ARRAY || r->elements != (size_t)n + 1)
        goto out;
    for (int i = 0; i <= n; i++) {
        if (r->element[i]->type == REDIS_REPLY_NIL) {
            redisReply *again = create_generations(n + 1, mget, r);
            freeReplyObject(r);
            r = again;
            if (failed(r, "MGET") || r->type != REDIS_REPLY_ARRAY || r->elements != (size_t)n + 1)
                goto out;
            break;
        }
    }
    for (int i = 0; i <= n; i++) {
        redisReply *e = r->element[i];
        char *end;
        if (e->type != REDIS_REPLY_STRING)
            goto out;
        gens[i] = strtoll(e->str, &end, 10);
        if (end == e->str || *end) {
            log_throttled("generation %s is not a number", names[i]);
            goto out;
        }
    }
    rc = NAAP_OK;
out:
    freeReplyObject(r);
    return rc;
}

/* ---- lookup, lock, fill ------------------------------------------------------------ */

static void lock_name(const naap_cache_ticket *t, char out[LOCK_KEY_MAX])
{
    snprintf(out, LOCK_KEY_MAX, LOCK_PREFIX "%s", t->key);
}

/* Redis forgets scripts when it restarts: EVALSHA then answers NOSCRIPT and the script
 * is sent whole once, which also loads it again for the next caller. */
static void finish_release(redisReply *r, const char *lock, const char *token)
{
    if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
        const char *argv[] = {"EVAL", release_script, "1", lock, token};
        redisReply *again = naap_redis_command(5, argv, NULL);
        failed(again, "EVAL release");
        freeReplyObject(again);
        return;
    }
    failed(r, "EVALSHA release");
}

/* ---- the hit path without a script ------------------------------------------------ */

/* The generations this worker last read, by a hash of their key: a guess of the data key
 * that lets a hit be one pipeline of plain commands, [MGET generations, GET key (EXISTS
 * guard)]. Redis runs them in order, so when the generations it returns are the guessed
 * ones the GET read exactly the key a lookup reading them first would have read; anything
 * else (no guess, a bump since, a hash collision, a torn slot) only sends the lookup on to
 * the script. Cheaper than the script for big values (the marketplace list), which Lua
 * would copy twice. Shared by the worker's threads, relaxed: a slot read half old, half
 * new is just a wrong guess. 16 bytes a slot, 256 KB a worker. */
#define GEN_MEMO_SLOTS 16384
struct gen_memo {
    _Atomic uint64_t hash; /* 0: empty */
    _Atomic int64_t gen;
};
static struct gen_memo gen_memo[GEN_MEMO_SLOTS];

static uint64_t memo_hash(const char *name)
{
    uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * UINT64_C(1099511628211);
    return h | 1;
}

/* Two slots per hash (2-way): a direct-mapped table of this size sent a third of the
 * my-plugins lookups of 2 000 users past their guess, on collisions alone. */
static struct gen_memo *memo_set(uint64_t h)
{
    return &gen_memo[(h % GEN_MEMO_SLOTS) & ~(uint64_t)1];
}

static bool memo_get(const char *name, int64_t *gen)
{
    uint64_t h = memo_hash(name);
    struct gen_memo *m = memo_set(h);
    for (int i = 0; i < 2; i++) {
        if (atomic_load_explicit(&m[i].hash, memory_order_relaxed) == h) {
            *gen = atomic_load_explicit(&m[i].gen, memory_order_relaxed);
            return true;
        }
    }
    return false;
}

static void memo_put(const char *name, int64_t gen)
{
    uint64_t h = memo_hash(name);
    struct gen_memo *m = memo_set(h);
    uint64_t h0 = atomic_load_explicit(&m[0].hash, memory_order_relaxed);
    uint64_t h1 = atomic_load_explicit(&m[1].hash, memory_order_relaxed);
    /* its own slot, else an empty one, else either (by a bit of the hash) */
    int i = h0 == h ? 0 : h1 == h ? 1 : h0 == 0 ? 0 : h1 == 0 ? 1 : (int)((h >> 32) & 1);
    atomic_store_explicit(&m[i].gen, gen, memory_order_relaxed);
    atomic_store_explicit(&m[i].hash, h, memory_order_relaxed);
}

/* The guessed pipeline for key's n namespaces: false when a generation is not memoed. */
static bool plan_guessed(const naap_cache_key *key, int n, naap_cache_plan *p)
{
    p->mget[0] = "MGET";
    for (int i = 0; i <= n; i++) {
        naap_cache_gen_key(i == 0 ? NULL : key->namespaces[i - 1], p->names[i], GEN_NAME_MAX);
        p->mget[i + 1] = p->names[i];
        if (!memo_get(p->names[i], &p->guess[i]))
            return false;
    }
    if (naap_cache_key_build(key, p->guess[0], p->guess + 1, p->key, sizeof(p->key)) < 0)
        return false;
    p->get[0] = "GET";
    p->get[1] = p->key;
    p->exists[0] = "EXISTS";
    p->exists[1] = key->guard;
    p->cmds[0] = (naap_redis_cmd){n + 2, p->mget, NULL};
    p->cmds[1] = (naap_redis_cmd){2, p->get, NULL};
    p->cmds[2] = (naap_redis_cmd){2, p->exists, NULL};
    p->ncmds = key->guard ? 3 : 2;
    return true;
}

/* What lookup_paths checks before it asks Redis anything; -1 when it would not. */
static int lookable(const naap_cache_key *key)
{
    int n = naap_cache_key_check(key);
    if (n < 0 || naap_cache_ttl_seconds(key->ttl) <= 0 || !naap_redis_configured())
        return -1;
    return n;
}

bool naap_cache_plan_lookup(const naap_cache_key *key, naap_cache_plan *plan)
{
    int n = lookable(key);
    /* a lost invalidation not yet covered makes the lookup bump first: not predicted */
    if (n < 0 || atomic_load(&host->lost) != atomic_load(&host->covered))
        return false;
    return plan_guessed(key, n, plan);
}

/* A hit in one pipeline when the worker's guess of the generations holds: 0 with *hit
 * (a string reply the caller frees), else NAAP_ENOTFOUND and the caller asks the script
 * (t->key is then rebuilt there). */
static int lookup_guessed(const naap_cache_key *key, int n, naap_cache_ticket *t, redisReply **hit)
{
    naap_cache_plan p;
    redisReply *r[3] = {NULL, NULL, NULL};
    bool same = true;
    int rc = NAAP_ENOTFOUND;

    if (!plan_guessed(key, n, &p))
        return NAAP_ENOTFOUND;
    memcpy(t->key, p.key, sizeof(t->key));
    if (naap_redis_pipeline(p.ncmds, p.cmds, r) != NAAP_OK)
        return NAAP_ENOTFOUND;
    if (failed(r[0], "MGET") || r[0]->type != REDIS_REPLY_ARRAY || r[0]->elements != (size_t)n + 1)
        goto out;
    for (int i = 0; i <= n; i++) {
        redisReply *e = r[0]->element[i];
        char *end;
        int64_t gen = e->type == REDIS_REPLY_STRING ? strtoll(e->str, &end, 10) : 0;
        if (e->type != REDIS_REPLY_STRING || end == e->str || *end) {
            same = false;
            continue;
        }
        same = same && gen == p.guess[i];
        memo_put(p.names[i], gen);
    }
    bool guarded = !key->guard || (!failed(r[2], "EXISTS") && r[2]->type == REDIS_REPLY_INTEGER &&
                                   r[2]->integer == 1);
    if (same && guarded && !failed(r[1], "GET") && r[1]->type == REDIS_REPLY_STRING) {
        *hit = r[1];
        r[1] = NULL;
        rc = NAAP_OK;
    }
out:
    for (size_t i = 0; i < p.ncmds; i++)
        freeReplyObject(r[i]);
    return rc;
}

/* Polls a key another caller is computing until its value arrives (0 with *hit), its
 * owner gives up or NAAP_CACHE_WAIT_MS pass (NAAP_ENOTFOUND). */
static int wait_for_value(naap_cache_ticket *t, redisReply **hit)
{
    char lock[LOCK_KEY_MAX];
    const char *exists[] = {"EXISTS", lock};
    const char *get[] = {"GET", t->key};
    /* EXISTS first: the owner stores the value before it unlocks, so "no lock" followed
     * by "no value" means it gave up, not that it is about to finish */
    naap_redis_cmd poll[] = {{2, exists, NULL}, {2, get, NULL}};
    redisReply *r[2];

    lock_name(t, lock);
    for (int64_t deadline = naap_clock_mono_ms() + NAAP_CACHE_WAIT_MS;
         naap_clock_mono_ms() < deadline;) {
        sleep_ms(POLL_MS);
        if (naap_redis_pipeline(2, poll, r) != NAAP_OK)
            return NAAP_ENOTFOUND;
        bool arrived = !failed(r[1], "GET") && r[1]->type == REDIS_REPLY_STRING;
        bool gave_up =
            !failed(r[0], "EXISTS") && r[0]->type == REDIS_REPLY_INTEGER && r[0]->integer == 0;
        freeReplyObject(r[0]);
        if (arrived) {
            *hit = r[1];
            return NAAP_OK;
        }
        freeReplyObject(r[1]);
        if (gave_up)
            break;
    }
    return NAAP_ENOTFOUND;
}

/* A miss: take the key's lock, or wait for whoever holds it to store the value. Returns
 * 0 with *hit when the value arrived, else NAAP_ENOTFOUND (t->token set when this caller
 * took the lock and so may store). With stale, the value under the key lost its guard:
 * it must be replaced, so it never counts as arrived and nobody waits for it. */
static int lock_or_wait(naap_cache_ticket *t, bool stale, redisReply **hit)
{
    char lock[LOCK_KEY_MAX], token[33], px[16];
    const char *set[] = {"SET", lock, token, "NX", "PX", px};
    const char *get[] = {"GET", t->key};
    redisReply *r[2];

    /* The value is read again in the same round trip as the lock is taken: an owner may
     * have stored it and unlocked between our GET and our SET NX, and the lock we then
     * win must not make us compute it a second time. */
    naap_redis_cmd take[] = {{6, set, NULL}, {2, get, NULL}};

    lock_name(t, lock);
    new_token(token);
    snprintf(px, sizeof(px), "%d", NAAP_CACHE_LOCK_MS);
    if (naap_redis_pipeline(2, take, r) != NAAP_OK)
        return NAAP_ENOTFOUND;
    bool failure = failed(r[0], "SET NX lock");
    bool owner = !failure && r[0]->type == REDIS_REPLY_STATUS;
    bool arrived = !stale && !failed(r[1], "GET") && r[1]->type == REDIS_REPLY_STRING;
    freeReplyObject(r[0]);
    if (owner)
        memcpy(t->token, token, sizeof(token));
    if (arrived) {
        naap_cache_release(t); /* a no-op unless we just took the lock */
        *hit = r[1];
        return NAAP_OK;
    }
    freeReplyObject(r[1]);
    if (failure || owner || stale)
        return NAAP_ENOTFOUND;
    return wait_for_value(t, hit);
}

/* The whole lookup in one round trip (lookup_script): 0 with *hit (a string reply the
 * caller frees) on a hit; NAAP_ENOTFOUND on a miss, with t->key set, and t->token when
 * this caller took the lock (else it waited for the owner's value, which may have made it
 * a hit); NAAP_ERR when the script cannot run or answered unexpectedly (the caller
 * takes the separate reads); NAAP_EUNAVAILABLE when Redis cannot answer. */
static int lookup_one_trip(const naap_cache_key *key, int n, naap_cache_ticket *t, redisReply **hit)
{
    char names[NAAP_CACHE_MAX_NAMESPACES + 1][GEN_NAME_MAX], head[64], count[16];
    char hashed[NAAP_CACHE_HASHED_ID_SIZE], numkeys[16], token[33], lock_px[16];
    char starts[NAAP_CACHE_MAX_NAMESPACES + 1][24];
    struct {
        unsigned char token[16];
        uint64_t starts[NAAP_CACHE_MAX_NAMESPACES + 1];
    } rnd;
    const char *argv[3 + 3 * (NAAP_CACHE_MAX_NAMESPACES + 1) + 8];
    int64_t gens[NAAP_CACHE_MAX_NAMESPACES + 1];
    int argc = 0, rc = NAAP_ERR;

    *hit = NULL;
    if (naap_cache_key_head(key, n, head, sizeof(head)) < 0)
        return NAAP_ERR;
    pthread_once(&release_once, init_release_sha);
    /* one getrandom for the lock token and every start value: this runs on every hit */
    naap_random_bytes(&rnd, sizeof(rnd));
    naap_hex_encode(rnd.token, sizeof(rnd.token), token);
    snprintf(lock_px, sizeof(lock_px), "%d", NAAP_CACHE_LOCK_MS);
    snprintf(count, sizeof(count), "%d", n + 1);
    snprintf(numkeys, sizeof(numkeys), "%d", n + 1 + (key->guard ? 1 : 0));
    argv[argc++] = "EVALSHA";
    argv[argc++] = lookup_sha;
    argv[argc++] = numkeys;
    for (int i = 0; i <= n; i++) {
        naap_cache_gen_key(i == 0 ? NULL : key->namespaces[i - 1], names[i], GEN_NAME_MAX);
        argv[argc++] = names[i];
    }
    if (key->guard)
        argv[argc++] = key->guard;
    argv[argc++] = count;
    argv[argc++] = head;
    for (int i = 0; i < n; i++)
        argv[argc++] = key->namespaces[i];
    argv[argc++] = naap_cache_key_id(key, hashed);
    argv[argc++] = GEN_TTL_MS;
    argv[argc++] = LOCK_PREFIX;
    argv[argc++] = token;
    argv[argc++] = lock_px;
    for (int i = 0; i <= n; i++) {
        format_generation(rnd.starts[i], starts[i]);
        argv[argc++] = starts[i];
    }

    redisReply *r = naap_redis_command(argc, argv, NULL);
    if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(r);
        argv[0] = "EVAL";
        argv[1] = lookup_script; /* also loads it again for the next caller */
        r = naap_redis_command(argc, argv, NULL);
    }
    if (!r)
        return NAAP_EUNAVAILABLE;
    if (failed(r, "EVALSHA lookup"))
        goto out; /* scripting refused (an ACL, say): the separate reads */
    if (r->type != REDIS_REPLY_ARRAY || r->elements != (size_t)n + 5 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[2]->type != REDIS_REPLY_INTEGER ||
        r->element[3]->type != REDIS_REPLY_INTEGER)
        goto bad;
    for (int i = 0; i <= n; i++) {
        redisReply *e = r->element[4 + i];
        char *end;
        if (e->type != REDIS_REPLY_STRING)
            goto bad;
        gens[i] = strtoll(e->str, &end, 10);
        if (end == e->str || *end)
            goto bad;
        memo_put(argv[3 + i], gens[i]);
    }
    /* the key the script read must be the one this build writes: anything else (a
     * generation not in canonical form) is served by the separate reads, never trusted;
     * a lock it may have taken under that key then frees itself after NAAP_CACHE_LOCK_MS */
    if (naap_cache_key_build(key, gens[0], gens + 1, t->key, sizeof(t->key)) < 0 ||
        strcmp(t->key, r->element[0]->str) != 0) {
        t->key[0] = '\0';
        goto bad;
    }
    bool present = r->element[1]->type == REDIS_REPLY_STRING;
    bool guarded = r->element[2]->integer == 1;
    bool owner = r->element[3]->integer == 1;
    if (present && guarded) {
        *hit = r->element[1];
        r->element[1] = NULL; /* handed to the caller; freeReplyObject skips it */
        rc = NAAP_OK;
        goto out;
    }
    if (owner)
        memcpy(t->token, token, sizeof(token));
    /* as lock_or_wait: a stale value (its guard gone) must be replaced, so nobody waits
     * for it; an owner computes; anyone else waits for the owner's value */
    rc = owner || present ? NAAP_ENOTFOUND : wait_for_value(t, hit);
    goto out;
bad:
    log_throttled("lookup script answered unexpectedly; using separate reads");
out:
    freeReplyObject(r);
    return rc;
}

/* The shared lookup: 0 with *hit (a string reply, the caller frees it), or
 * NAAP_ENOTFOUND with t ready for fill/release. */
static int lookup_paths(const naap_cache_key *key, naap_cache_ticket *t, redisReply **hit)
{
    int64_t gens[NAAP_CACHE_MAX_NAMESPACES + 1];
    const char *get[] = {"GET", t->key};
    int n = naap_cache_key_check(key);

    *hit = NULL;
    t->key[0] = '\0';
    t->token[0] = '\0';
    t->taint = taints;
    t->ttl_s = n < 0 ? 0 : naap_cache_ttl_seconds(key->ttl);
    if (n < 0 || t->ttl_s <= 0) {
        log_throttled("malformed key (prefix %s)", key && key->prefix ? key->prefix : "null");
        return NAAP_ENOTFOUND;
    }
    if (!naap_redis_configured() || cover_lost_invalidations() != NAAP_OK)
        return NAAP_ENOTFOUND;
    if (lookup_guessed(key, n, t, hit) == NAAP_OK)
        return NAAP_OK;
    switch (lookup_one_trip(key, n, t, hit)) {
    case NAAP_OK:
        return NAAP_OK;
    case NAAP_ERR:
        break; /* the script cannot serve: the separate reads below */
    default:
        return NAAP_ENOTFOUND;
    }
    redisReply *r = NULL;
    bool guarded = true;
    if (read_generations(key, n, gens) != NAAP_OK)
        return NAAP_ENOTFOUND;
    if (naap_cache_key_build(key, gens[0], gens + 1, t->key, sizeof(t->key)) < 0) {
        t->key[0] = '\0';
        log_throttled("key too long (prefix %s)", key->prefix);
        return NAAP_ENOTFOUND;
    }
    if (key->guard) {
        /* still one round trip: the value and the key it depends on */
        const char *exists[] = {"EXISTS", key->guard};
        naap_redis_cmd cmds[] = {{2, get, NULL}, {2, exists, NULL}};
        redisReply *rr[2];
        if (naap_redis_pipeline(2, cmds, rr) != NAAP_OK)
            return NAAP_ENOTFOUND;
        guarded =
            !failed(rr[1], "EXISTS") && rr[1]->type == REDIS_REPLY_INTEGER && rr[1]->integer == 1;
        freeReplyObject(rr[1]);
        r = rr[0];
    } else {
        r = naap_redis_command(2, get, NULL);
    }
    if (failed(r, "GET")) {
        freeReplyObject(r);
        return NAAP_ENOTFOUND;
    }
    bool present = r->type == REDIS_REPLY_STRING;
    if (present && guarded) {
        *hit = r;
        return NAAP_OK;
    }
    freeReplyObject(r);
    return lock_or_wait(t, present, hit);
}

/* Every path of a lookup ends here, so /metrics counts each one once: a hit (also one
 * that waited for another's compute), or a miss of a key it could name in Redis; a lookup
 * that never reached Redis is neither (its errors are counted where they happen). */
static int lookup_raw(const naap_cache_key *key, naap_cache_ticket *t, redisReply **hit)
{
    int rc = lookup_paths(key, t, hit);
    if (rc == NAAP_OK)
        naap_metrics_inc(NAAP_M_CACHE_HIT);
    else if (t->key[0])
        naap_metrics_inc(NAAP_M_CACHE_MISS);
    return rc;
}

/* Stores data under the ticket's key if this caller holds the lock, and unlocks, in one
 * round trip. Returns true if the value was stored. */
static bool fill_raw(naap_cache_ticket *t, const char *data, size_t len)
{
    char lock[LOCK_KEY_MAX], px[24];
    const char *set[] = {"SET", t->key, data, "PX", px};
    size_t set_lens[] = {3, strlen(t->key), len, 2, 0};
    const char *release[] = {"EVALSHA", release_sha, "1", lock, t->token};
    naap_redis_cmd cmds[] = {{5, set, set_lens}, {5, release, NULL}};
    redisReply *r[2];
    bool stored = false;

    if (!t->token[0])
        return false;
    if (len > NAAP_CACHE_VALUE_MAX || t->taint != taints) {
        naap_cache_release(t);
        return false;
    }
    pthread_once(&release_once, init_release_sha);
    lock_name(t, lock);
    snprintf(px, sizeof(px), "%" PRId64, jittered_ttl_ms(t->ttl_s));
    set_lens[4] = strlen(px);
    if (naap_redis_pipeline(2, cmds, r) == NAAP_OK) {
        stored = !failed(r[0], "SET") && r[0]->type == REDIS_REPLY_STATUS;
        finish_release(r[1], lock, t->token);
    }
    freeReplyObject(r[0]);
    freeReplyObject(r[1]);
    t->token[0] = '\0';
    return stored;
}

void naap_cache_taint(void)
{
    taints++;
}

void naap_cache_release(naap_cache_ticket *t)
{
    char lock[LOCK_KEY_MAX];
    const char *argv[] = {"EVALSHA", release_sha, "1", lock, t->token};

    if (!t->token[0])
        return;
    pthread_once(&release_once, init_release_sha);
    lock_name(t, lock);
    redisReply *r = naap_redis_command(5, argv, NULL);
    finish_release(r, lock, t->token);
    freeReplyObject(r);
    t->token[0] = '\0';
}

/* ---- the two interfaces ------------------------------------------------------------ */

int naap_cache_get_or_set(const naap_cache_key *key, naap_cache_compute compute, void *arg,
                          json_t **out, enum naap_cache_outcome *outcome)
{
    naap_cache_ticket t;
    redisReply *hit;
    json_t *value = NULL;
    enum naap_cache_outcome how = NAAP_CACHE_BYPASS;

    *out = NULL;
    if (lookup_raw(key, &t, &hit) == NAAP_OK) {
        value = json_loadb(hit->str, hit->len, JSON_DECODE_ANY, NULL);
        freeReplyObject(hit);
        if (value) {
            how = NAAP_CACHE_HIT;
            goto out;
        }
        log_throttled("value under %s is not JSON; computing it", t.key);
    }
    int rc = compute(arg, &value);
    if (rc != NAAP_OK || !value) {
        naap_cache_release(&t);
        json_decref(value);
        return rc != NAAP_OK ? rc : NAAP_ERR;
    }
    char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (text && fill_raw(&t, text, strlen(text)))
        how = NAAP_CACHE_MISS;
    naap_cache_release(&t);
    free(text);
out:
    *out = value;
    if (outcome)
        *outcome = how;
    return NAAP_OK;
}

int naap_cache_lookup(const naap_cache_key *key, naap_arena *arena, naap_cache_blob *out,
                      naap_cache_ticket *t)
{
    redisReply *hit;

    memset(out, 0, sizeof(*out));
    if (lookup_raw(key, t, &hit) != NAAP_OK)
        return NAAP_ENOTFOUND;
    if (naap_cache_blob_decode(hit->str, hit->len, arena, out) != NAAP_OK) {
        freeReplyObject(hit);
        log_throttled("value under %s is not a cached answer", t->key);
        return NAAP_ENOTFOUND;
    }
    out->hold = hit; /* body and gzip point into it: no copy of a big value */
    return NAAP_OK;
}

void naap_cache_hold_release(void *hold)
{
    freeReplyObject(hold);
}

void naap_cache_fill(naap_cache_ticket *t, const naap_cache_blob *blob)
{
    size_t len;
    char *data = t->token[0] ? naap_cache_blob_encode(blob, &len) : NULL;

    if (data)
        fill_raw(t, data, len);
    naap_cache_release(t);
    free(data);
}

/* ---- invalidation ------------------------------------------------------------------ */

/* A write has committed and its invalidation did not reach Redis: the answer still goes
 * out (the write cannot be undone), so the loss is recorded host-wide and said loudly.
 * Other hosts cannot hear of it until this one reaches Redis again; their bound is the
 * TTL of what they hold (README "What at once means"). */
static int invalidate(const char *ns)
{
    if (!naap_redis_configured())
        return NAAP_OK; /* nothing was cached */
    int rc = bump(ns);
    if (rc != NAAP_OK) {
        int64_t zero = 0;
        atomic_fetch_add(&host->lost, 1);
        atomic_compare_exchange_strong(&host->lost_since_ms, &zero, naap_clock_epoch_ms());
        log_throttled("invalidation of %s did not reach Redis: no worker of this host serves "
                      "cached answers until one has invalidated everything; other hosts may "
                      "serve answers older than this write for up to %d s",
                      ns ? ns : "everything", longest_ttl());
    }
    return rc;
}

int naap_cache_invalidate(const char *ns)
{
    if (!ns || !naap_cache_ns_valid(ns))
        return NAAP_EINVAL;
    return invalidate(ns);
}

int naap_cache_invalidate_all(void)
{
    return invalidate(NULL);
}
