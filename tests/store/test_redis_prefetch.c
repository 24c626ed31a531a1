/* Read-ahead (naap/redis_prefetch.h) against the real Redis of the `stores` fixture, in
 * a logical database of its own. "Another client" is a second thread: it has its own
 * connection, so what it writes shows whether a reply came from the read-ahead (the
 * value before its write) or from Redis (the value after). */

#include "../unit/check.h"
#include "store_redis.h"
#include "naap/errors.h"
#include "naap/redis.h"
#include "naap/redis_prefetch.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static naap_config cfg;
static char redis_url[300];

static redisReply *cmd2(const char *a, const char *b)
{
    const char *argv[] = {a, b};
    return naap_redis_command(2, argv, NULL);
}

static redisReply *cmd3(const char *a, const char *b, const char *c)
{
    const char *argv[] = {a, b, c};
    return naap_redis_command(3, argv, NULL);
}

/* The string or integer a reply holds, as text; "(nil)" or "(none)" otherwise. */
static const char *text(redisReply *r, char *out, size_t cap)
{
    if (!r)
        snprintf(out, cap, "(none)");
    else if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)
        snprintf(out, cap, "%s", r->str);
    else if (r->type == REDIS_REPLY_INTEGER)
        snprintf(out, cap, "%lld", r->integer);
    else
        snprintf(out, cap, "(nil)");
    freeReplyObject(r);
    return out;
}

struct write {
    const char *key, *value;
};

static void *other_client(void *arg)
{
    struct write *w = arg;
    freeReplyObject(cmd3("SET", w->key, w->value));
    return NULL;
}

/* SET key value from another connection, and wait until it is done. */
static void set_elsewhere(const char *key, const char *value)
{
    struct write w = {key, value};
    pthread_t t;
    pthread_create(&t, NULL, other_client, &w);
    pthread_join(t, NULL);
}

static void *incr_elsewhere(void *arg)
{
    char buf[64];
    *(char **)arg = strdup(text(cmd2("INCR", "hits2"), buf, sizeof(buf)));
    naap_redis_prefetch_drop();
    return NULL;
}

static int setup(void)
{
    cfg.redis_timeout_ms = 1000;
    return store_redis_pick(&cfg, redis_url, sizeof(redis_url));
}

/* Sets a and b, then reads [GET a, GET b] ahead. */
static void read_ahead_a_b(const char *a, const char *b)
{
    const char *get_a[] = {"GET", "a"}, *get_b[] = {"GET", "b"};
    naap_redis_cmd cmds[] = {{2, get_a, NULL}, {2, get_b, NULL}};

    freeReplyObject(cmd3("SET", "a", a));
    freeReplyObject(cmd3("SET", "b", b));
    CHECK(naap_redis_prefetch(2, cmds, NULL) == NAAP_OK);
}

static void test_reply_read_ahead_is_served(void)
{
    char buf[64];

    read_ahead_a_b("a1", "b1");
    set_elsewhere("a", "a2");
    set_elsewhere("b", "b2");
    /* out of order is fine: each reply is taken by its own command */
    CHECK_STR(text(cmd2("GET", "b"), buf, sizeof(buf)), "b1");
    CHECK_STR(text(cmd2("GET", "a"), buf, sizeof(buf)), "a1");
    /* taken once: the next GET asks Redis */
    CHECK_STR(text(cmd2("GET", "a"), buf, sizeof(buf)), "a2");
}

static void test_a_command_sent_for_real_ends_the_read_ahead(void)
{
    char buf[64];

    read_ahead_a_b("a1", "b1");
    /* this request writes b itself: the b1 read ahead must not be served after it */
    freeReplyObject(cmd3("SET", "b", "b3"));
    CHECK_STR(text(cmd2("GET", "b"), buf, sizeof(buf)), "b3");
    set_elsewhere("a", "a4");
    CHECK_STR(text(cmd2("GET", "a"), buf, sizeof(buf)), "a4");
    /* byte for byte: another argument is another command */
    read_ahead_a_b("a1", "b1");
    set_elsewhere("a", "a5");
    CHECK_STR(text(cmd2("GET", "a "), buf, sizeof(buf)), "(nil)");
    CHECK_STR(text(cmd2("GET", "a"), buf, sizeof(buf)), "a5");
}

static void test_kept_write_is_counted_once(void)
{
    char buf[64];
    const char *incr[] = {"INCR", "hits"}, *get_a[] = {"GET", "a"};
    naap_redis_cmd cmds[] = {{2, incr, NULL}, {2, get_a, NULL}};
    bool keep[] = {true, false};

    freeReplyObject(cmd2("DEL", "hits"));
    CHECK(naap_redis_prefetch(2, cmds, keep) == NAAP_OK);
    freeReplyObject(cmd3("SET", "other", "x")); /* sent for real: the GET is dropped */
    set_elsewhere("a", "a6");
    CHECK_STR(text(cmd2("GET", "a"), buf, sizeof(buf)), "a6");
    /* the count happened in the pipeline; its own command takes its reply, once */
    CHECK_STR(text(cmd2("INCR", "hits"), buf, sizeof(buf)), "1");
    CHECK_STR(text(cmd2("GET", "hits"), buf, sizeof(buf)), "1");
    naap_redis_prefetch_drop();
}

static void test_pipeline_served_whole_or_not_at_all(void)
{
    char buf[64];
    const char *mget[] = {"MGET", "a", "b"}, *get_c[] = {"GET", "c"}, *get_d[] = {"GET", "d"};
    naap_redis_cmd ahead[] = {{3, mget, NULL}, {2, get_c, NULL}};
    naap_redis_cmd partial[] = {{3, mget, NULL}, {2, get_d, NULL}};
    redisReply *r[2];

    freeReplyObject(cmd3("SET", "c", "c1"));
    CHECK(naap_redis_prefetch(2, ahead, NULL) == NAAP_OK);
    set_elsewhere("c", "c2");
    CHECK(naap_redis_pipeline(2, ahead, r) == NAAP_OK);
    CHECK(r[0] && r[0]->type == REDIS_REPLY_ARRAY && r[0]->elements == 2);
    freeReplyObject(r[0]);
    CHECK_STR(text(r[1], buf, sizeof(buf)), "c1");

    CHECK(naap_redis_prefetch(2, ahead, NULL) == NAAP_OK);
    set_elsewhere("c", "c3");
    /* half of it was read ahead: all of it goes to Redis, and the rest is dropped */
    CHECK(naap_redis_pipeline(2, partial, r) == NAAP_OK);
    freeReplyObject(r[0]);
    freeReplyObject(r[1]);
    CHECK_STR(text(cmd2("GET", "c"), buf, sizeof(buf)), "c3");
}

static void test_drop_ends_everything(void)
{
    char buf[64];
    const char *incr[] = {"INCR", "hits2"}, *get_a[] = {"GET", "a"};
    naap_redis_cmd cmds[] = {{2, incr, NULL}, {2, get_a, NULL}};
    bool keep[] = {true, false};

    CHECK(naap_redis_prefetch(2, cmds, keep) == NAAP_OK);
    set_elsewhere("a", "a7");
    naap_redis_prefetch_drop(); /* the request ended */
    CHECK_STR(text(cmd2("GET", "a"), buf, sizeof(buf)), "a7");
    CHECK_STR(text(cmd2("INCR", "hits2"), buf, sizeof(buf)), "2");
    /* a read-ahead belongs to its thread: the same command from another goes to Redis */
    CHECK(naap_redis_prefetch(2, cmds, keep) == NAAP_OK); /* hits2 = 3 */
    pthread_t t;
    char *elsewhere = NULL;
    pthread_create(&t, NULL, incr_elsewhere, &elsewhere);
    pthread_join(t, NULL);
    CHECK_STR(elsewhere, "4");
    free(elsewhere);
    CHECK_STR(text(cmd2("INCR", "hits2"), buf, sizeof(buf)), "3");
    naap_redis_prefetch_drop();
}

static void test_nothing_kept_when_it_cannot_be_read_ahead(void)
{
    char buf[64];
    const char *get_a[] = {"GET", "a"};
    naap_redis_cmd many[9];

    for (size_t i = 0; i < sizeof(many) / sizeof(*many); i++)
        many[i] = (naap_redis_cmd){2, get_a, NULL};
    CHECK(naap_redis_prefetch(sizeof(many) / sizeof(*many), many, NULL) == NAAP_EINVAL);

    /* Redis unreachable: the read-ahead fails and leaves no reply behind */
    naap_redis_close_all();
    cfg.redis_url = "redis://127.0.0.1:1"; /* nothing listens on port 1 */
    naap_redis_init(&cfg);
    CHECK(naap_redis_prefetch(1, many, NULL) == NAAP_EUNAVAILABLE);
    naap_redis_close_all();
    cfg.redis_url = redis_url;
    naap_redis_init(&cfg);
    set_elsewhere("a", "a8");
    CHECK_STR(text(cmd2("GET", "a"), buf, sizeof(buf)), "a8");
}

int main(void)
{
    if (setup() != 0)
        return 1;
    test_reply_read_ahead_is_served();
    test_a_command_sent_for_real_ends_the_read_ahead();
    test_kept_write_is_counted_once();
    test_pipeline_served_whole_or_not_at_all();
    test_drop_ends_everything();
    test_nothing_kept_when_it_cannot_be_read_ahead();
    const char *flush[] = {"FLUSHDB"};
    freeReplyObject(naap_redis_command(1, flush, NULL));
    naap_redis_close_all();
    return check_report("store.redis_prefetch");
}
