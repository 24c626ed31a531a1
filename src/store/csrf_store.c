#include "naap/csrf_store.h"
#include "naap/alloc.h"
#include "naap/cache.h"
#include "naap/cache_ns.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/errors.h"
#include "naap/redis.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The per-process fallback is bounded: it only has to carry tokens minted while Redis is
 * down, and a flood of sessions must not grow a worker without limit. */
#define MEM_BUCKETS 1024
#define MEM_MAX_ENTRIES 20000
#define MEM_PURGE_EVERY_MS (10 * 60 * 1000) /* as upstream's sweep */

struct mem_entry {
    char key[65];
    char token[NAAP_CSRF_LEN + 1];
    int64_t expires_ms;
    struct mem_entry *next;
};

static pthread_mutex_t mem_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mem_entry *buckets[MEM_BUCKETS];
static size_t mem_count;
static int64_t next_purge_ms;

/* Keys are a digest of the sid: a legacy sid is itself a bearer credential and has no
 * business in Redis's keyspace or in a core dump of this map. */
static void digest_of(const char *sid, char out[65])
{
    naap_sha256_hex(sid, strlen(sid), out);
}

static struct mem_entry **bucket_of(const char *digest)
{
    char head[9];
    memcpy(head, digest, 8);
    head[8] = '\0';
    return &buckets[strtoul(head, NULL, 16) % MEM_BUCKETS];
}

static void mem_purge(int64_t now)
{
    for (size_t i = 0; i < MEM_BUCKETS; i++)
        for (struct mem_entry **p = &buckets[i]; *p;) {
            if ((*p)->expires_ms <= now) {
                struct mem_entry *dead = *p;
                *p = dead->next;
                free(dead);
                mem_count--;
            } else {
                p = &(*p)->next;
            }
        }
    next_purge_ms = now + MEM_PURGE_EVERY_MS;
}

/* Finds the live entry for digest; with create, keeps out as its token if absent (and
 * room allows). Returns 0 and copies the token into out when there is one, else
 * NAAP_ENOTFOUND. Call with mem_lock held. */
static int mem_find(const char *digest, bool create, char out[NAAP_CSRF_LEN + 1])
{
    int64_t now = naap_clock_epoch_ms();
    if (now >= next_purge_ms || (create && mem_count >= MEM_MAX_ENTRIES))
        mem_purge(now);
    struct mem_entry **head = bucket_of(digest);
    for (struct mem_entry *e = *head; e; e = e->next)
        if (strcmp(e->key, digest) == 0 && e->expires_ms > now) {
            memcpy(out, e->token, NAAP_CSRF_LEN + 1);
            return NAAP_OK;
        }
    if (!create || mem_count >= MEM_MAX_ENTRIES)
        return NAAP_ENOTFOUND;
    struct mem_entry *e = naap_xcalloc(1, sizeof(*e));
    memcpy(e->key, digest, 65);
    memcpy(e->token, out, NAAP_CSRF_LEN + 1);
    e->expires_ms = now + NAAP_CSRF_TTL_S * 1000LL;
    e->next = *head;
    *head = e;
    mem_count++;
    return NAAP_OK;
}

static void mem_remove(const char *digest)
{
    pthread_mutex_lock(&mem_lock);
    for (struct mem_entry **p = bucket_of(digest); *p; p = &(*p)->next)
        if (strcmp((*p)->key, digest) == 0) {
            struct mem_entry *dead = *p;
            *p = dead->next;
            free(dead);
            mem_count--;
            break;
        }
    pthread_mutex_unlock(&mem_lock);
}

static bool is_token(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_STRING && r->len == NAAP_CSRF_LEN;
}

/* Returns 0 with the token, NAAP_ENOTFOUND if Redis has none, NAAP_EUNAVAILABLE if Redis
 * cannot answer. */
static int redis_get(const char *key, char out[NAAP_CSRF_LEN + 1])
{
    const char *argv[] = {"GET", key};
    redisReply *r = naap_redis_command(2, argv, NULL);
    int rc = NAAP_EUNAVAILABLE;
    if (is_token(r)) {
        memcpy(out, r->str, NAAP_CSRF_LEN + 1);
        rc = NAAP_OK;
    } else if (r && r->type == REDIS_REPLY_NIL) {
        rc = NAAP_ENOTFOUND;
    }
    freeReplyObject(r);
    return rc;
}

static void mint(char out[NAAP_CSRF_LEN + 1])
{
    unsigned char raw[NAAP_CSRF_LEN / 2];
    naap_random_bytes(raw, sizeof(raw));
    naap_hex_encode(raw, sizeof(raw), out);
}

static int mem_get(const char *digest, char out[NAAP_CSRF_LEN + 1])
{
    pthread_mutex_lock(&mem_lock);
    int rc = mem_find(digest, false, out);
    pthread_mutex_unlock(&mem_lock);
    return rc;
}

void naap_csrf_key(const char *sid, char out[NAAP_CSRF_KEY_MAX])
{
    char digest[65];
    digest_of(sid, digest);
    snprintf(out, NAAP_CSRF_KEY_MAX, "naap:csrf:%s", digest);
}

/* Reads the token and renews its lifetime in one round trip: a token in use never
 * expires under an answer that shows it (issue 20, hole 5). Returns as redis_get. */
static int redis_get_renew(const char *key, char out[NAAP_CSRF_LEN + 1])
{
    char ttl[16];
    snprintf(ttl, sizeof(ttl), "%d", NAAP_CSRF_TTL_S);
    const char *get[] = {"GET", key};
    const char *expire[] = {"EXPIRE", key, ttl};
    naap_redis_cmd cmds[] = {{2, get, NULL}, {3, expire, NULL}};
    redisReply *r[2];
    int rc = NAAP_EUNAVAILABLE;

    if (naap_redis_pipeline(2, cmds, r) != NAAP_OK)
        return NAAP_EUNAVAILABLE;
    if (is_token(r[0])) {
        memcpy(out, r[0]->str, NAAP_CSRF_LEN + 1);
        rc = NAAP_OK;
    } else if (r[0]->type == REDIS_REPLY_NIL) {
        rc = NAAP_ENOTFOUND;
    }
    freeReplyObject(r[0]);
    freeReplyObject(r[1]);
    return rc;
}

/* A token Redis did not hold until now: answers cached for the session (GET /auth/me,
 * kept only while its token key exists) may show the one that was there before. */
static void drop_cached_answers(const char *sid)
{
    char ns[NAAP_CACHE_NS_MAX + 1];
    if (naap_ns_session_buf(ns, sizeof(ns), sid) == NAAP_OK)
        naap_cache_invalidate(ns);
}

void naap_csrf_issue(const char *sid, char out[NAAP_CSRF_LEN + 1])
{
    char digest[65], key[NAAP_CSRF_KEY_MAX], ttl[16];

    digest_of(sid, digest);
    naap_csrf_key(sid, key);
    int in_redis = redis_get_renew(key, out);
    if (in_redis == NAAP_OK)
        return;
    /* a token handed out while Redis was away is carried over rather than replaced */
    if (mem_get(digest, out) == NAAP_ENOTFOUND)
        mint(out);
    if (in_redis == NAAP_ENOTFOUND) {
        /* NX: two requests minting at once agree on whichever token landed first */
        snprintf(ttl, sizeof(ttl), "%d", NAAP_CSRF_TTL_S);
        const char *argv[] = {"SET", key, out, "EX", ttl, "NX"};
        redisReply *r = naap_redis_command(6, argv, NULL);
        bool stored = r && r->type == REDIS_REPLY_STATUS;
        bool lost_race = r && r->type == REDIS_REPLY_NIL;
        freeReplyObject(r);
        if (stored)
            drop_cached_answers(sid);
        if (stored || (lost_race && redis_get(key, out) == NAAP_OK))
            return;
    }
    pthread_mutex_lock(&mem_lock);
    mem_find(digest, true, out);
    pthread_mutex_unlock(&mem_lock);
    /* only this process knows the token: an answer showing it must not be shared */
    naap_cache_taint();
}

/* api.md 1.5: both sides hex-decoded, a length mismatch fails. */
static bool tokens_match(const char *sent, const char *bound)
{
    unsigned char a[NAAP_CSRF_LEN / 2], b[NAAP_CSRF_LEN / 2 + 1];
    size_t alen = naap_hex_decode_prefix(bound, a, sizeof(a));
    size_t blen = naap_hex_decode_prefix(sent, b, sizeof(b)); /* one more: longer fails */
    return alen == blen && alen > 0 && naap_ct_equal(a, b, alen);
}

int naap_csrf_verify(const char *sid, const char *sent)
{
    char digest[65], key[NAAP_CSRF_KEY_MAX], bound[NAAP_CSRF_LEN + 1];

    digest_of(sid, digest);
    naap_csrf_key(sid, key);
    int in_redis = redis_get(key, bound);
    if (in_redis == NAAP_OK && tokens_match(sent, bound))
        return NAAP_OK;
    /* a token minted here during a Redis hiccup stays good on this worker */
    if (mem_get(digest, bound) == NAAP_OK)
        return tokens_match(sent, bound) ? NAAP_OK : NAAP_EINVAL;
    return in_redis == NAAP_EUNAVAILABLE ? NAAP_EUNAVAILABLE : NAAP_EINVAL;
}

void naap_csrf_revoke(const char *sid)
{
    char digest[65], key[NAAP_CSRF_KEY_MAX];

    digest_of(sid, digest);
    naap_csrf_key(sid, key);
    const char *argv[] = {"DEL", key};
    freeReplyObject(naap_redis_command(2, argv, NULL));
    mem_remove(digest);
}
