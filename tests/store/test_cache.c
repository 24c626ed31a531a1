/* The cache-aside module against the real Redis of the `stores` fixture
 * ($NAAPD_TEST_STATE/env.json), in a Redis logical database of its own. */

#include "../unit/check.h"
#include "store_redis.h"
#include "naap/arena.h"
#include "naap/cache.h"
#include "naap/compress.h"
#include "naap/clock.h"
#include "naap/errors.h"
#include "naap/redis.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STAMPEDE_THREADS 50

static naap_config cfg;
static char redis_url[256];

static redisReply *cmd(const char *a, const char *b, const char *c)
{
    const char *argv[] = {a, b, c};
    return naap_redis_command(c ? 3 : b ? 2 : 1, argv, NULL);
}

static long long cmd_int(const char *a, const char *b, const char *c)
{
    redisReply *r = cmd(a, b, c);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    freeReplyObject(r);
    return v;
}

/* "" when the key is missing, "(error)" when Redis failed */
static const char *cmd_str(const char *a, const char *b, const char *c, char *out, size_t cap)
{
    redisReply *r = cmd(a, b, c);
    snprintf(out, cap, "%s",
             !r                                                               ? "(error)"
             : r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ? r->str
                                                                              : "");
    freeReplyObject(r);
    return out;
}

static void use_redis(const char *url)
{
    naap_redis_close_all(); /* contexts (and their backoff) belong to the old target */
    snprintf(redis_url, sizeof(redis_url), "%s", url);
    cfg.redis_url = redis_url;
    naap_redis_init(&cfg);
}

static int setup(void)
{
    cfg.redis_timeout_ms = 1000;
    cfg.cache_ttl_short = 60;
    cfg.cache_ttl_medium = 300;
    cfg.cache_ttl_long = 600;
    naap_cache_init(&cfg);
    if (store_redis_pick(&cfg, redis_url, sizeof(redis_url)) != 0)
        return -1;
    /* FLUSHDB took naap:run-id too: connect again so that the threads the tests start do
     * not each see a "new" Redis (cache.c, check_identity) */
    naap_redis_close_all();
    naap_redis_init(&cfg);
    return 0;
}

/* ---- compute callbacks --------------------------------------------------------------- */

struct counter {
    atomic_int calls;
    int sleep_ms;
};

static int compute_count(void *arg, json_t **out)
{
    struct counter *c = arg;
    int n = atomic_fetch_add(&c->calls, 1) + 1;
    if (c->sleep_ms) {
        struct timespec ts = {0, c->sleep_ms * 1000000L};
        nanosleep(&ts, NULL);
    }
    *out = json_pack("{s:i}", "n", n);
    return NAAP_OK;
}

static int compute_fails(void *arg, json_t **out)
{
    (void)arg;
    *out = NULL;
    return NAAP_EUNAVAILABLE;
}

static int get_n(const naap_cache_key *k, struct counter *c, enum naap_cache_outcome *how)
{
    json_t *v = NULL;
    int rc = naap_cache_get_or_set(k, compute_count, c, &v, how);
    int n = rc == NAAP_OK ? (int)json_integer_value(json_object_get(v, "n")) : -1;
    json_decref(v);
    return n;
}

/* ---- tests --------------------------------------------------------------------------- */

static void test_miss_then_hit(void)
{
    struct counter c = {0};
    enum naap_cache_outcome how;
    naap_cache_key k = {"test", "miss-hit", {"team:1"}, NAAP_CACHE_TTL_SHORT, NULL};

    CHECK(get_n(&k, &c, &how) == 1 && how == NAAP_CACHE_MISS);
    CHECK(get_n(&k, &c, &how) == 1 && how == NAAP_CACHE_HIT);
    CHECK(get_n(&k, &c, &how) == 1 && how == NAAP_CACHE_HIT);
    CHECK(atomic_load(&c.calls) == 1);

    /* a failing compute is passed through and stores nothing, and its lock is freed */
    json_t *v = (json_t *)1;
    naap_cache_key f = {"test", "fails", {"team:1"}, 30, NULL};
    CHECK(naap_cache_get_or_set(&f, compute_fails, NULL, &v, NULL) == NAAP_EUNAVAILABLE);
    CHECK(v == NULL);
    CHECK(get_n(&f, &c, &how) == 2 && how == NAAP_CACHE_MISS);
}

static void test_invalidation(void)
{
    struct counter c = {0};
    enum naap_cache_outcome how;
    naap_cache_key t1 = {"test", "inv", {"team:1"}, 60, NULL};
    naap_cache_key t2 = {"test", "inv", {"team:2"}, 60, NULL};
    naap_cache_key both = {"test", "inv", {"team:1", "user:9"}, 60, NULL};

    get_n(&t1, &c, NULL);
    get_n(&t2, &c, NULL);
    get_n(&both, &c, NULL);
    CHECK(atomic_load(&c.calls) == 3);
    CHECK(naap_cache_invalidate("team:1") == NAAP_OK);
    CHECK(get_n(&t1, &c, &how) == 4 && how == NAAP_CACHE_MISS);
    CHECK(get_n(&t2, &c, &how) == 2 && how == NAAP_CACHE_HIT);
    CHECK(get_n(&both, &c, &how) == 5 && how == NAAP_CACHE_MISS);
    /* any one namespace of a key invalidates it */
    CHECK(naap_cache_invalidate("user:9") == NAAP_OK);
    CHECK(get_n(&both, &c, &how) == 6 && how == NAAP_CACHE_MISS);
    CHECK(get_n(&t1, &c, &how) == 4 && how == NAAP_CACHE_HIT);
    /* and the global generation all of them */
    CHECK(naap_cache_invalidate_all() == NAAP_OK);
    CHECK(get_n(&t1, &c, &how) == 7 && how == NAAP_CACHE_MISS);
    CHECK(get_n(&t2, &c, &how) == 8 && how == NAAP_CACHE_MISS);

    CHECK(naap_cache_invalidate("bad|ns") == NAAP_EINVAL);
    CHECK(naap_cache_invalidate("*") == NAAP_EINVAL);
}

/* A generation that vanished (expiry, eviction, FLUSHDB) restarts at a random value, so
 * entries written under its old values can never come back. */
static void test_lost_generation(void)
{
    struct counter c = {0};
    enum naap_cache_outcome how;
    char buf[64];
    naap_cache_key k = {"test", "lost-gen", {"team:5"}, 60, NULL};

    get_n(&k, &c, NULL);
    CHECK(cmd_int("DEL", "naap:gen:team:5", NULL) == 1);
    CHECK(get_n(&k, &c, &how) == 2 && how == NAAP_CACHE_MISS);
    CHECK(strtoull(cmd_str("GET", "naap:gen:team:5", NULL, buf, sizeof(buf)), NULL, 10) >
          4294967295ULL);

    /* so does an invalidation of a missing generation: never INCR's 1 */
    CHECK(naap_cache_invalidate("team:77") == NAAP_OK);
    CHECK(strtoull(cmd_str("GET", "naap:gen:team:77", NULL, buf, sizeof(buf)), NULL, 10) >
          4294967296ULL);
    CHECK(cmd_int("PTTL", "naap:gen:team:77", NULL) > 0);
}

static void test_blob_and_ttl(void)
{
    naap_arena *arena = naap_arena_new();
    naap_cache_ticket t;
    char *gz = NULL;
    size_t gzlen = 0;
    CHECK(naap_compress_gzip("{\"x\":1}", 7, &gz, &gzlen) == NAAP_OK);
    naap_cache_blob out, in = {.status = 200,
                               .content_type = "application/json; charset=utf-8",
                               .body = "{\"x\":1}",
                               .body_len = 7,
                               .gzip = gz,
                               .gzip_len = gzlen,
                               .etag = "W/\"7-tag\""};
    naap_cache_key k = {"resp", "/api/v1/teams?x=1", {"user:1", "team:3"}, 100, NULL};

    CHECK(naap_cache_lookup(&k, arena, &out, &t) == NAAP_ENOTFOUND);
    CHECK(t.token[0] != '\0');
    CHECK(strstr(t.key, "naap:c:resp:2|") == t.key);
    naap_cache_fill(&t, &in);
    CHECK(t.token[0] == '\0');
    /* the TTL is jittered downwards by at most 10% */
    long long pttl = cmd_int("PTTL", t.key, NULL);
    CHECK(pttl > 89000 && pttl <= 100000);
    char lock[NAAP_CACHE_KEY_MAX + 16];
    snprintf(lock, sizeof(lock), "naap:lock:%s", t.key);
    CHECK(cmd_int("EXISTS", lock, NULL) == 0);

    CHECK(naap_cache_lookup(&k, arena, &out, &t) == NAAP_OK);
    CHECK(out.status == 200);
    CHECK_STR(out.content_type, "application/json; charset=utf-8");
    CHECK(out.body_len == 7 && memcmp(out.body, "{\"x\":1}", 7) == 0);
    CHECK(out.gzip_len == gzlen && memcmp(out.gzip, in.gzip, gzlen) == 0);
    CHECK_STR(out.etag, "W/\"7-tag\"");
    /* body and gzip are read in the reply they came in, which the caller now holds */
    redisReply *held = out.hold;
    CHECK(held && held->type == REDIS_REPLY_STRING);
    CHECK(held && out.body > held->str && out.gzip + gzlen == held->str + held->len);
    naap_cache_hold_release(out.hold);
    naap_cache_release(&t); /* harmless after a hit */
    free(gz);

    /* a value that is not a blob is a miss, never garbage served */
    naap_cache_key j = {"resp", "json-not-blob", {NULL}, 100, NULL};
    struct counter c = {0};
    get_n(&j, &c, NULL);
    CHECK(naap_cache_lookup(&j, arena, &out, &t) == NAAP_ENOTFOUND);
    naap_cache_release(&t);
    naap_arena_free(arena);
}

/* The lock is released only by its owner, and EVALSHA survives Redis forgetting the
 * script (a restart or failover). */
static void test_lock_ownership(void)
{
    naap_arena *arena = naap_arena_new();
    naap_cache_ticket t;
    naap_cache_blob out,
        in = {.status = 200, .content_type = "text/plain", .body = "v", .body_len = 1};
    naap_cache_key k = {"test", "lock-owner", {NULL}, 60, NULL};
    char lock[NAAP_CACHE_KEY_MAX + 16], buf[64];

    CHECK(naap_cache_lookup(&k, arena, &out, &t) == NAAP_ENOTFOUND && t.token[0]);
    snprintf(lock, sizeof(lock), "naap:lock:%s", t.key);
    CHECK(cmd_int("PTTL", lock, NULL) > 0);
    /* our lock expired and someone else took it: releasing must leave theirs alone */
    freeReplyObject(cmd("SET", lock, "someone-else"));
    naap_cache_release(&t);
    CHECK_STR(cmd_str("GET", lock, NULL, buf, sizeof(buf)), "someone-else");
    CHECK(cmd_int("DEL", lock, NULL) == 1);

    CHECK(naap_cache_lookup(&k, arena, &out, &t) == NAAP_ENOTFOUND && t.token[0]);
    freeReplyObject(cmd("SCRIPT", "FLUSH", NULL));
    naap_cache_fill(&t, &in);
    CHECK(cmd_int("EXISTS", lock, NULL) == 0);
    CHECK(naap_cache_lookup(&k, arena, &out, &t) == NAAP_OK);
    naap_cache_hold_release(out.hold);
    naap_arena_free(arena);
}

/* A hit is one script call that builds the data key inside Redis (issue 15): it must
 * build exactly the key naap_cache_key_build does, hashed ids and several namespaces
 * included, and survive Redis forgetting the script. */
static void test_one_trip_hit(void)
{
    struct counter c = {0};
    enum naap_cache_outcome how;
    char long_id[400];

    memset(long_id, 'x', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    naap_cache_key keys[] = {
        {"test", long_id, {"team:1", "user:2"}, 60, NULL},
        {"test", "#looks-hashed", {"team:1"}, 60, NULL},
        {"test", "no-namespace", {NULL}, 60, NULL},
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        int first = get_n(&keys[i], &c, &how);
        CHECK(how == NAAP_CACHE_MISS);
        CHECK(get_n(&keys[i], &c, &how) == first && how == NAAP_CACHE_HIT);
        freeReplyObject(cmd("SCRIPT", "FLUSH", NULL));
        CHECK(get_n(&keys[i], &c, &how) == first && how == NAAP_CACHE_HIT);
    }
    CHECK(atomic_load(&c.calls) == 3);
}

struct waiter {
    const naap_cache_key *key;
    int rc;
    bool owner;
    int64_t waited_ms;
};

static void *wait_lookup(void *arg)
{
    struct waiter *w = arg;
    naap_arena *arena = naap_arena_new();
    naap_cache_ticket t;
    naap_cache_blob out;
    int64_t t0 = naap_clock_mono_ms();

    w->rc = naap_cache_lookup(w->key, arena, &out, &t);
    w->waited_ms = naap_clock_mono_ms() - t0;
    w->owner = t.token[0] != '\0';
    if (w->rc == NAAP_OK)
        naap_cache_hold_release(out.hold);
    naap_cache_release(&t);
    naap_arena_free(arena);
    return NULL;
}

/* Waiters stop waiting as soon as the owner gives up, and at the latest after
 * NAAP_CACHE_WAIT_MS; either way they compute without caching. */
static void test_waiters(void)
{
    naap_arena *arena = naap_arena_new();
    naap_cache_ticket t;
    naap_cache_blob out;
    naap_cache_key k = {"test", "waiters", {NULL}, 60, NULL};
    struct waiter w = {&k, 0, false, 0};
    pthread_t th;

    CHECK(naap_cache_lookup(&k, arena, &out, &t) == NAAP_ENOTFOUND && t.token[0]);
    pthread_create(&th, NULL, wait_lookup, &w);
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    naap_cache_release(&t);
    pthread_join(th, NULL);
    CHECK(w.rc == NAAP_ENOTFOUND && !w.owner);
    CHECK(w.waited_ms < 1000); /* noticed the release, did not sit out NAAP_CACHE_WAIT_MS */

    CHECK(naap_cache_lookup(&k, arena, &out, &t) == NAAP_ENOTFOUND && t.token[0]);
    pthread_create(&th, NULL, wait_lookup, &w);
    pthread_join(th, NULL);
    CHECK(w.rc == NAAP_ENOTFOUND && !w.owner);
    CHECK(w.waited_ms >= NAAP_CACHE_WAIT_MS && w.waited_ms < NAAP_CACHE_WAIT_MS + 1000);
    naap_cache_release(&t);
    naap_arena_free(arena);
}

struct racer {
    pthread_barrier_t *start;
    struct counter *counter;
    const naap_cache_key *key;
    int n;
    enum naap_cache_outcome how;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    pthread_barrier_wait(r->start);
    r->n = get_n(r->key, r->counter, &r->how);
    return NULL;
}

static void test_stampede(void)
{
    pthread_t th[STAMPEDE_THREADS];
    struct racer racers[STAMPEDE_THREADS];
    pthread_barrier_t start;
    struct counter c = {0, 300};
    naap_cache_key k = {"test", "stampede", {"marketplace"}, 60, NULL};
    int hits = 0, misses = 0, same = 0;

    pthread_barrier_init(&start, NULL, STAMPEDE_THREADS);
    for (int i = 0; i < STAMPEDE_THREADS; i++) {
        racers[i] = (struct racer){&start, &c, &k, 0, NAAP_CACHE_BYPASS};
        pthread_create(&th[i], NULL, race, &racers[i]);
    }
    for (int i = 0; i < STAMPEDE_THREADS; i++) {
        pthread_join(th[i], NULL);
        hits += racers[i].how == NAAP_CACHE_HIT;
        misses += racers[i].how == NAAP_CACHE_MISS;
        same += racers[i].n == 1;
    }
    pthread_barrier_destroy(&start);
    CHECK(atomic_load(&c.calls) == 1);
    CHECK(misses == 1 && hits == STAMPEDE_THREADS - 1);
    CHECK(same == STAMPEDE_THREADS);
    if (atomic_load(&c.calls) != 1)
        fprintf(stderr, "stampede: %d computes, %d hits, %d misses\n", atomic_load(&c.calls), hits,
                misses);
}

/* Redis unreachable: every call computes and answers, nothing is stored, and an
 * invalidation that could not be made drops the whole cache once Redis is back. */
static void test_fail_open(void)
{
    struct counter c = {0};
    enum naap_cache_outcome how;
    naap_arena *arena = naap_arena_new();
    naap_cache_ticket t;
    naap_cache_blob out;
    char real[256];
    naap_cache_key k = {"test", "fail-open", {"team:9"}, 60, NULL};
    naap_cache_key other = {"test", "fail-open", {"team:10"}, 60, NULL};

    snprintf(real, sizeof(real), "%s", redis_url);
    CHECK(get_n(&k, &c, &how) == 1 && how == NAAP_CACHE_MISS);
    CHECK(get_n(&other, &c, &how) == 2 && how == NAAP_CACHE_MISS);
    CHECK(get_n(&k, &c, &how) == 1 && how == NAAP_CACHE_HIT);

    use_redis("redis://127.0.0.1:1"); /* nothing listens on port 1 */
    int64_t t0 = naap_clock_mono_ms();
    CHECK(get_n(&k, &c, &how) == 3 && how == NAAP_CACHE_BYPASS);
    CHECK(get_n(&k, &c, &how) == 4 && how == NAAP_CACHE_BYPASS);
    CHECK(naap_cache_lookup(&k, arena, &out, &t) == NAAP_ENOTFOUND && !t.token[0]);
    naap_cache_fill(&t, &out);
    CHECK(naap_cache_invalidate("team:9") == NAAP_EUNAVAILABLE);
    CHECK(naap_clock_mono_ms() - t0 < 2000);

    /* back: the lost invalidation of team:9 costs every entry (other namespaces too) */
    use_redis(real);
    CHECK(get_n(&other, &c, &how) == 5 && how == NAAP_CACHE_MISS);
    CHECK(get_n(&k, &c, &how) == 6 && how == NAAP_CACHE_MISS);
    CHECK(get_n(&k, &c, &how) == 6 && how == NAAP_CACHE_HIT);

    /* Redis disabled altogether: a plain compute, and nothing to invalidate */
    use_redis("");
    CHECK(get_n(&k, &c, &how) == 7 && how == NAAP_CACHE_BYPASS);
    CHECK(naap_cache_invalidate("team:9") == NAAP_OK);
    use_redis(real);
    naap_arena_free(arena);
}

/* Issue 20, hole 1: an invalidation one process could not deliver binds every process
 * sharing the host record, even after the one that lost it has exited. */
static void test_lost_invalidation_is_host_wide(void)
{
    struct counter c = {0};
    enum naap_cache_outcome how;
    char real[256];
    naap_cache_key k = {"test", "host-wide", {"team:31"}, 60, NULL};
    naap_cache_host *shared =
        mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    CHECK(shared != MAP_FAILED);
    if (shared == MAP_FAILED)
        return;
    naap_cache_use_host_state(shared);
    snprintf(real, sizeof(real), "%s", redis_url);
    CHECK(get_n(&k, &c, &how) == 1 && how == NAAP_CACHE_MISS);
    CHECK(get_n(&k, &c, &how) == 1 && how == NAAP_CACHE_HIT);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) { /* a sibling worker: its write's invalidation is lost, then it dies */
        use_redis("redis://127.0.0.1:1");
        _exit(naap_cache_invalidate("team:31") == NAAP_EUNAVAILABLE ? 0 : 1);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(atomic_load(&shared->lost) == 1 && atomic_load(&shared->lost_since_ms) > 0);
    /* this process never saw the failure, and still serves nothing written before it */
    use_redis(real);
    CHECK(get_n(&k, &c, &how) == 2 && how == NAAP_CACHE_MISS);
    CHECK(get_n(&k, &c, &how) == 2 && how == NAAP_CACHE_HIT);
    CHECK(atomic_load(&shared->covered) == 1 && atomic_load(&shared->lost_since_ms) == 0);
}

/* Issue 20, hole 2: a connection to a Redis whose run_id is not the one recorded drops
 * every entry once; a reconnect to the same Redis (a worker restart, a reload) drops
 * nothing. */
static void test_identity_on_connect(void)
{
    struct counter c = {0};
    enum naap_cache_outcome how;
    char real[256], buf[64];
    naap_cache_key k = {"test", "identity", {"team:41"}, 60, NULL};

    snprintf(real, sizeof(real), "%s", redis_url);
    CHECK(get_n(&k, &c, &how) == 1 && how == NAAP_CACHE_MISS);
    CHECK(strlen(cmd_str("GET", "naap:run-id", NULL, buf, sizeof(buf))) == 40);
    use_redis(real); /* same server, new connection */
    CHECK(get_n(&k, &c, &how) == 1 && how == NAAP_CACHE_HIT);
    /* as after a restart from a snapshot taken under another server */
    freeReplyObject(cmd("SET", "naap:run-id", "0000000000000000000000000000000000000000"));
    CHECK(get_n(&k, &c, &how) == 1 && how == NAAP_CACHE_HIT); /* connections are checked */
    use_redis(real);
    CHECK(get_n(&k, &c, &how) == 2 && how == NAAP_CACHE_MISS);
    CHECK(get_n(&k, &c, &how) == 2 && how == NAAP_CACHE_HIT);
    CHECK(strcmp(cmd_str("GET", "naap:run-id", NULL, buf, sizeof(buf)),
                 "0000000000000000000000000000000000000000") != 0);
}

/* Issue 20, hole 5: an entry is served only while its guard key exists, and a value
 * computed after naap_cache_taint is never stored. */
static void test_guard_and_taint(void)
{
    naap_arena *arena = naap_arena_new();
    naap_cache_ticket t;
    naap_cache_blob out,
        a = {.status = 200, .content_type = "text/plain", .body = "a", .body_len = 1},
        b = {.status = 200, .content_type = "text/plain", .body = "b", .body_len = 1};
    naap_cache_key k = {"test", "guarded", {"session:g1"}, 60, "test:guard"};

    freeReplyObject(cmd("SET", "test:guard", "1"));
    CHECK(naap_cache_lookup(&k, arena, &out, &t) == NAAP_ENOTFOUND && t.token[0]);
    naap_cache_fill(&t, &a);
    CHECK(naap_cache_lookup(&k, arena, &out, &t) == NAAP_OK && out.body[0] == 'a');
    naap_cache_hold_release(out.hold);
    CHECK(cmd_int("DEL", "test:guard", NULL) == 1);
    /* the value is still there, but without its guard it is a miss the caller replaces */
    CHECK(naap_cache_lookup(&k, arena, &out, &t) == NAAP_ENOTFOUND && t.token[0]);
    naap_cache_fill(&t, &b);
    freeReplyObject(cmd("SET", "test:guard", "1"));
    CHECK(naap_cache_lookup(&k, arena, &out, &t) == NAAP_OK && out.body[0] == 'b');
    naap_cache_hold_release(out.hold);

    naap_cache_key k2 = {"test", "tainted", {NULL}, 60, NULL};
    CHECK(naap_cache_lookup(&k2, arena, &out, &t) == NAAP_ENOTFOUND && t.token[0]);
    naap_cache_taint();
    naap_cache_fill(&t, &a);
    CHECK(naap_cache_lookup(&k2, arena, &out, &t) == NAAP_ENOTFOUND && t.token[0]);
    naap_cache_fill(&t, &a); /* a ticket opened after the taint stores again */
    CHECK(naap_cache_lookup(&k2, arena, &out, &t) == NAAP_OK);
    naap_cache_hold_release(out.hold);
    naap_arena_free(arena);
}

int main(void)
{
    if (setup() != 0)
        return 1;
    test_miss_then_hit();
    test_invalidation();
    test_lost_generation();
    test_blob_and_ttl();
    test_lock_ownership();
    test_one_trip_hit();
    test_waiters();
    test_stampede();
    test_fail_open();
    test_identity_on_connect();
    test_guard_and_taint();
    test_lost_invalidation_is_host_wide();
    freeReplyObject(cmd("FLUSHDB", NULL, NULL));
    naap_redis_close_all();
    return check_report("store.cache");
}
