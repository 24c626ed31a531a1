#include "naap/session_miss.h"
#include "naap/crypto.h"

#include <pthread.h>
#include <string.h>

#define SLOTS 4096 /* 4096 * 40 bytes per worker, whatever is thrown at it */

struct slot {
    unsigned char digest[NAAP_SHA256_LEN];
    int64_t until_ms;
};

static struct slot slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

uint32_t naap_session_sid_slot(const char *sid, unsigned char digest[NAAP_SHA256_LEN],
                               uint32_t count)
{
    naap_sha256(sid, strlen(sid), digest);
    uint32_t h;
    memcpy(&h, digest, sizeof(h));
    return h % count;
}

static struct slot *slot_of(const char *sid, unsigned char digest[NAAP_SHA256_LEN])
{
    return &slots[naap_session_sid_slot(sid, digest, SLOTS)];
}

void naap_session_miss_put(const char *sid, int64_t now_ms, int64_t ttl_ms)
{
    unsigned char digest[NAAP_SHA256_LEN];
    struct slot *s = slot_of(sid, digest);

    if (ttl_ms <= 0)
        return;
    pthread_mutex_lock(&lock);
    memcpy(s->digest, digest, sizeof(digest));
    s->until_ms = now_ms + ttl_ms;
    pthread_mutex_unlock(&lock);
}

bool naap_session_miss_has(const char *sid, int64_t now_ms)
{
    unsigned char digest[NAAP_SHA256_LEN];
    struct slot *s = slot_of(sid, digest);

    pthread_mutex_lock(&lock);
    bool hit = s->until_ms > now_ms && memcmp(s->digest, digest, sizeof(digest)) == 0;
    pthread_mutex_unlock(&lock);
    return hit;
}
