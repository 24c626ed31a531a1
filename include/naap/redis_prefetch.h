#ifndef NAAP_REDIS_PREFETCH_H
#define NAAP_REDIS_PREFETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "naap/redis.h"

/* Read-ahead for one request (issue 15). The rate limiter, the session check and the
 * response cache each make their own round trip, one after the other, though on a warm
 * hit all three are known before the first is sent. naap_redis_prefetch sends what a
 * request is predicted to ask, in one pipeline, and keeps the replies on the thread;
 * naap_redis_command and naap_redis_pipeline then answer a command that is byte for byte
 * one of them from there instead of from Redis.
 *
 * Why that is the same as asking later: Redis runs a connection's commands in order, so
 * a reply read ahead is what the command would have read had nothing of this request
 * come in between. So the first command the request sends for real ends every read-ahead
 * reply (it may have changed what they read): only a kept one (a write that has already
 * happened, such as the limiter's count) survives it, to be taken by its own command.
 * A wrong prediction costs nothing but the round trip it would have taken anyway. */

/**
 * Sends cmds in one round trip and keeps their replies for this thread's next commands;
 * keep[i] (keep may be NULL) marks a reply that survives a command sent for real. Drops
 * whatever an earlier call kept. Returns 0, or NAAP_EUNAVAILABLE (nothing kept).
 */
int naap_redis_prefetch(size_t n, const naap_redis_cmd *cmds, const bool *keep);
/** Ends the read-ahead: call when the request that made it is done. */
void naap_redis_prefetch_drop(void);

/* For redis.c. */
/** The kept reply to exactly this command (taken: the caller frees it), or NULL; on NULL
 * every reply not kept is dropped, since the command is about to be sent for real. */
redisReply *naap_redis_prefetched(int argc, const char **argv, const size_t *lens);
/** True with every reply filled when all n commands were read ahead, else as above. */
bool naap_redis_prefetched_all(size_t n, const naap_redis_cmd *cmds, redisReply **replies);

#endif
