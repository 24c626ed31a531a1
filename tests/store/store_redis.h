#ifndef NAAP_TEST_STORE_REDIS_H
#define NAAP_TEST_STORE_REDIS_H

/* A Redis logical database of a store test's own, on the Redis of the ctest `stores`
 * fixture, picked as naaptest.DataStores.redis_db() picks them. */

#include "store_env.h"
#include "naap/config.h"
#include "naap/redis.h"

#include <stdio.h>
#include <stdlib.h>

/**
 * Points cfg and this process's Redis connections at a database no other test uses, and
 * empties it. url (cap bytes) receives its URL; cfg->redis_url points at it. 0 or -1.
 */
static inline int store_redis_pick(naap_config *cfg, char *url, size_t cap)
{
    char *base = store_env("redis_url");
    const char *incr[] = {"INCR", "naaptest:next_db"};
    const char *databases[] = {"CONFIG", "GET", "databases"};
    const char *flush[] = {"FLUSHDB"};

    if (!base)
        return -1;
    snprintf(url, cap, "%s", base);
    cfg->redis_url = url;
    naap_redis_close_all();
    naap_redis_init(cfg);
    redisReply *r = naap_redis_command(2, incr, NULL);
    long long n = r && r->type == REDIS_REPLY_INTEGER ? r->integer : 0;
    freeReplyObject(r);
    r = naap_redis_command(3, databases, NULL);
    long long count = r && r->elements == 2 ? atoll(r->element[1]->str) : 0;
    freeReplyObject(r);
    if (n < 1 || count < 2) {
        fprintf(stderr, "cannot pick a Redis database at %s\n", base);
        free(base);
        return -1;
    }
    snprintf(url, cap, "%s/%lld", base, 1 + (n - 1) % (count - 1));
    free(base);
    naap_redis_close_all(); /* contexts (and their backoff) belong to the old target */
    naap_redis_init(cfg);
    freeReplyObject(naap_redis_command(1, flush, NULL));
    return 0;
}

#endif
