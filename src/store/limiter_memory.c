#include "naap/limiter.h"

#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

/* A fixed-size, 4-way set-associative table: memory is bounded by construction whatever
 * the number of distinct clients (a Redis outage during a flood from many addresses must
 * not grow a worker without end). A full set evicts the entry whose window ends first;
 * keys longer than KEY_MAX share the entry of their truncation, which only errs towards
 * counting two clients together. */
#define SETS 8192
#define WAYS 4
#define KEY_MAX 96
#define STRIPES 64

struct entry {
    char key[KEY_MAX];
    int consumed;
    int64_t expires_ms; /* 0: empty */
};

static struct entry table[SETS][WAYS];
static pthread_mutex_t stripes[STRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;

static void init_stripes(void)
{
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&stripes[i], NULL);
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

void naap_limiter_memory_hit(const char *key, const naap_limit_rule *rule, int64_t now_ms,
                             naap_limit_result *out)
{
    char k[KEY_MAX];
    size_t set = hash(key) % SETS;
    struct entry *hit = NULL, *victim = NULL;

    pthread_once(&stripes_once, init_stripes);
    snprintf(k, sizeof(k), "%s", key);
    pthread_mutex_lock(&stripes[set % STRIPES]);
    for (int w = 0; w < WAYS; w++) {
        struct entry *e = &table[set][w];
        if (e->expires_ms > now_ms && strcmp(e->key, k) == 0) {
            hit = e;
            break;
        }
        if (!victim || e->expires_ms < victim->expires_ms)
            victim = e; /* empty or expired entries have the smallest expiry */
    }
    if (!hit) {
        hit = victim;
        memcpy(hit->key, k, sizeof(k));
        hit->consumed = 0;
        hit->expires_ms = now_ms + rule->duration_ms;
    }
    hit->consumed++;
    if (hit->consumed == rule->points + 1 && rule->block_ms > 0)
        hit->expires_ms = now_ms + rule->block_ms; /* the block starts at the first excess */
    out->limit = rule->points;
    out->consumed = hit->consumed;
    out->reset_ms = hit->expires_ms - now_ms;
    out->allowed = hit->consumed <= rule->points;
    out->from_memory = true;
    pthread_mutex_unlock(&stripes[set % STRIPES]);
}

int naap_limiter_memory_entries(int64_t now_ms)
{
    int n = 0;
    pthread_once(&stripes_once, init_stripes);
    for (size_t set = 0; set < SETS; set++) {
        pthread_mutex_lock(&stripes[set % STRIPES]);
        for (int w = 0; w < WAYS; w++)
            n += table[set][w].expires_ms > now_ms;
        pthread_mutex_unlock(&stripes[set % STRIPES]);
    }
    return n;
}
