#ifndef NAAP_REDIS_H
#define NAAP_REDIS_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "naap/config.h"

/* Redis access for the store and middleware modules (handlers use the cache module).
 * One context per thread, connected lazily with connect *and* command timeouts. After
 * any error the context is freed and a new one is made later, with backoff: hiredis
 * 0.14's redisReconnect forgets the command timeout. While Redis is down a caller
 * waits at most one timeout, and during the backoff not at all. */

typedef struct naap_redis_target {
    char host[256];
    int port;
    char unix_path[256]; /* non-empty for unix:// */
    char username[128];
    char password[256];
    int db;
} naap_redis_target;

/** Parses redis://[user:pass@]host[:port][/db] or unix:///path[?db=N]. */
int naap_redis_url_parse(const char *url, naap_redis_target *out);

/** Sets the configuration for this process; an empty REDIS_URL disables Redis. */
void naap_redis_init(const naap_config *cfg);
/** True when REDIS_URL is set (Redis may still be down). */
bool naap_redis_configured(void);
/**
 * Sends one command (argv form, binary safe). Returns the reply (free with
 * freeReplyObject) or NULL when Redis is disabled, down or timed out; an error reply
 * from Redis (REDIS_REPLY_ERROR) is returned as a reply.
 */
redisReply *naap_redis_command(int argc, const char **argv, const size_t *lens);
/** One command of a pipeline (argv form; lens NULL when every argv is NUL-terminated). */
typedef struct naap_redis_cmd {
    int argc;
    const char **argv;
    const size_t *lens;
} naap_redis_cmd;

/**
 * Sends n commands in one round trip and reads their n replies into replies (free each
 * with freeReplyObject; error replies are replies). Returns 0, or NAAP_EUNAVAILABLE with
 * every replies[i] NULL when Redis is disabled, down or timed out, under the same
 * reconnect and backoff rules as naap_redis_command.
 */
int naap_redis_pipeline(size_t n, const naap_redis_cmd *cmds, redisReply **replies);
/**
 * Runs on every new connection, after AUTH and SELECT and before any other command.
 * Returns 0 to use the connection, anything else to drop it as a failed connect.
 */
typedef int (*naap_redis_connect_hook)(redisContext *ctx);
/** Installs the connect hook (NULL: none); call before any thread connects. */
void naap_redis_set_connect_hook(naap_redis_connect_hook hook);

/** True if a PING succeeds now. */
bool naap_redis_ping(void);
/** Closes every context this process opened (after the HTTP threads are gone). */
void naap_redis_close_all(void);

#endif
