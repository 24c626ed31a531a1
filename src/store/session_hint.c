#include "naap/session_hint.h"
#include "naap/session_miss.h"
#include "naap/crypto.h"

#include <pthread.h>
#include <string.h>

#define SLOTS 4096 /* 4096 * ~88 bytes per worker */

struct slot {
    unsigned char digest[NAAP_SHA256_LEN];
    char user[NAAP_SESSION_HINT_USER_MAX + 1];
};

static struct slot slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct slot *slot_of(const char *sid, unsigned char digest[NAAP_SHA256_LEN])
{
    return &slots[naap_session_sid_slot(sid, digest, SLOTS)];
}

void naap_session_hint_put(const char *sid, const char *user_id)
{
    unsigned char digest[NAAP_SHA256_LEN];
    size_t len = strlen(user_id);

    if (len > NAAP_SESSION_HINT_USER_MAX)
        return;
    struct slot *s = slot_of(sid, digest);
    pthread_mutex_lock(&lock);
    memcpy(s->digest, digest, sizeof(digest));
    memcpy(s->user, user_id, len + 1);
    pthread_mutex_unlock(&lock);
}

bool naap_session_hint_get(const char *sid, char *user, size_t cap)
{
    unsigned char digest[NAAP_SHA256_LEN];
    struct slot *s = slot_of(sid, digest);
    bool hit = false;

    pthread_mutex_lock(&lock);
    if (s->user[0] && memcmp(s->digest, digest, sizeof(digest)) == 0 && strlen(s->user) < cap) {
        strcpy(user, s->user);
        hit = true;
    }
    pthread_mutex_unlock(&lock);
    return hit;
}
