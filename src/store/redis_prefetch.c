#include "naap/redis_prefetch.h"
#include "naap/errors.h"

#include <stdlib.h>
#include <string.h>

/* A request predicts a handful of commands: the limiter, the session, a cache lookup's
 * two or three. */
#define PREFETCH_MAX 8

struct ahead {
    char *cmd; /* the command as hiredis writes it to the socket: equal bytes, equal command */
    int len;
    redisReply *reply;
    bool keep;
};

static _Thread_local struct ahead ahead[PREFETCH_MAX];
static _Thread_local int live; /* entries holding a reply; 0 makes every lookup free */

static void clear(struct ahead *a)
{
    redisFreeCommand(a->cmd);
    freeReplyObject(a->reply);
    memset(a, 0, sizeof(*a));
    live--;
}

static void drop(bool kept_too)
{
    for (int i = 0; i < PREFETCH_MAX && live > 0; i++)
        if (ahead[i].cmd && (kept_too || !ahead[i].keep))
            clear(&ahead[i]);
}

void naap_redis_prefetch_drop(void)
{
    drop(true);
}

int naap_redis_prefetch(size_t n, const naap_redis_cmd *cmds, const bool *keep)
{
    redisReply *replies[PREFETCH_MAX];

    drop(true);
    if (n == 0 || n > PREFETCH_MAX)
        return NAAP_EINVAL;
    int rc = naap_redis_pipeline(n, cmds, replies);
    if (rc != NAAP_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct ahead *a = &ahead[i];
        a->len = redisFormatCommandArgv(&a->cmd, cmds[i].argc, cmds[i].argv, cmds[i].lens);
        a->reply = replies[i];
        a->keep = keep && keep[i];
        live++;
        if (a->len < 0) /* out of memory: nothing can match it */
            clear(a);
    }
    return NAAP_OK;
}

static struct ahead *find(const char *cmd, int len, const bool *taken)
{
    for (int i = 0; i < PREFETCH_MAX; i++)
        if (ahead[i].cmd && !(taken && taken[i]) && ahead[i].len == len &&
            memcmp(ahead[i].cmd, cmd, (size_t)len) == 0)
            return &ahead[i];
    return NULL;
}

redisReply *naap_redis_prefetched(int argc, const char **argv, const size_t *lens)
{
    char *cmd = NULL;
    redisReply *reply = NULL;

    if (live == 0)
        return NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, lens);
    struct ahead *a = len < 0 ? NULL : find(cmd, len, NULL);
    if (a) {
        reply = a->reply;
        a->reply = NULL;
        clear(a);
    } else {
        drop(false);
    }
    redisFreeCommand(cmd);
    return reply;
}

bool naap_redis_prefetched_all(size_t n, const naap_redis_cmd *cmds, redisReply **replies)
{
    struct ahead *match[PREFETCH_MAX];
    bool taken[PREFETCH_MAX] = {false};
    size_t found = 0;

    if (live == 0)
        return false;
    for (; found < n && found < PREFETCH_MAX; found++) {
        char *cmd = NULL;
        int len =
            redisFormatCommandArgv(&cmd, cmds[found].argc, cmds[found].argv, cmds[found].lens);
        match[found] = len < 0 ? NULL : find(cmd, len, taken);
        redisFreeCommand(cmd);
        if (!match[found])
            break;
        taken[match[found] - ahead] = true;
    }
    if (found != n) {
        drop(false);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        replies[i] = match[i]->reply;
        match[i]->reply = NULL;
        clear(match[i]);
    }
    return true;
}
