#include "naap/session.h"
#include "naap/cache.h"
#include "naap/cache_ns.h"
#include "naap/alloc.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/csrf_store.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/redis.h"
#include "naap/session_miss.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOUCH_EVERY_MS 60000
#define TOMBSTONE_MIN_MS 30000
#define TOMBSTONE "revoked"
#define SID_RANDOM_BYTES 24
#define SID_TAG_HEX 16

/* Expiry and last use come back as epoch milliseconds: the columns hold UTC without a
 * zone, and extract(epoch) reads them as such whatever the session TimeZone is. */
#define SESSION_COLUMNS                                                                            \
    "\"userId\", floor(extract(epoch FROM \"expiresAt\") * 1000)::bigint, "                        \
    "floor(extract(epoch FROM \"lastUsedAt\") * 1000)::bigint"

static int64_t tombstone_ms = TOMBSTONE_MIN_MS;

/* A tombstone must outlive every session check that read the row before it was deleted
 * and may still write a positive entry after it (issue 20, hole 6). After its SELECT
 * started, a check_row may spend: the SELECT itself and one more statement (the expiry
 * DELETE or the lastUsedAt touch), each up to the statement timeout plus the client's
 * 1 s grace (db.c), a reconnect before the second one (the connect timeout), and the
 * SET NX of its entry (the Redis timeout). Twice the Redis timeout and 5 s of slack cover
 * clock steps and scheduling; never less than the 30 s of old. */
void naap_session_init(const naap_config *cfg)
{
    int64_t ms = 2 * ((int64_t)cfg->pg_statement_timeout_ms + 1000) +
                 (int64_t)cfg->pg_connect_timeout_s * 1000 + 2 * (int64_t)cfg->redis_timeout_ms +
                 5000;
    tombstone_ms = ms > TOMBSTONE_MIN_MS ? ms : TOMBSTONE_MIN_MS;
}

/* ---- sid ---------------------------------------------------------------------------- */

/* A naapd sid ends in a tag derived from its random part. base-svc's opaque tokens are
 * also 64 hex digits, and both live in Session.token; the tag tells them apart, so a sid
 * read out of a JWT's (unencrypted) payload cannot be replayed as a legacy bearer, which
 * would bypass the JWT's signature and exp. The tag needs no secret: forging one only
 * gets a token refused. */
static void sid_tag(const char *random_hex, char tag[SID_TAG_HEX + 1])
{
    char buf[64 + 2 * SID_RANDOM_BYTES], digest[65];
    int n = snprintf(buf, sizeof(buf), "naapd-sid:%s", random_hex);
    naap_sha256_hex(buf, (size_t)n, digest);
    memcpy(tag, digest, SID_TAG_HEX);
    tag[SID_TAG_HEX] = '\0';
}

void naap_session_new_sid(char out[NAAP_SESSION_SID_LEN + 1])
{
    unsigned char raw[SID_RANDOM_BYTES];
    naap_random_bytes(raw, sizeof(raw));
    naap_hex_encode(raw, sizeof(raw), out);
    sid_tag(out, out + 2 * SID_RANDOM_BYTES);
}

bool naap_session_sid_is_ours(const char *sid)
{
    char random_hex[2 * SID_RANDOM_BYTES + 1], tag[SID_TAG_HEX + 1];
    if (strlen(sid) != NAAP_SESSION_SID_LEN)
        return false;
    memcpy(random_hex, sid, 2 * SID_RANDOM_BYTES);
    random_hex[2 * SID_RANDOM_BYTES] = '\0';
    sid_tag(random_hex, tag);
    return memcmp(tag, sid + 2 * SID_RANDOM_BYTES, SID_TAG_HEX) == 0;
}

/* ---- Redis cache -------------------------------------------------------------------- */

static void cache_key(const char *prefix, const char *sid, char *out, size_t outlen)
{
    char digest[65];
    naap_sha256_hex(sid, strlen(sid), digest); /* the sid itself is a credential */
    snprintf(out, outlen, "%s%s", prefix, digest);
}

/* Returns 1 and fills *out on a positive entry, 0 on a tombstone, -1 on a miss (or no
 * Redis: the caller then asks PostgreSQL). */
static int cache_get(const char *key, naap_session *out, int64_t *last_used_ms)
{
    const char *argv[] = {"GET", key};
    redisReply *r = naap_redis_command(2, argv, NULL);
    int rc = -1;

    if (!r || r->type != REDIS_REPLY_STRING)
        goto out;
    if (strcmp(r->str, TOMBSTONE) == 0) {
        rc = 0;
        goto out;
    }
    json_t *v = json_loads(r->str, 0, NULL);
    const char *user = json_string_value(json_object_get(v, "u"));
    json_t *e = json_object_get(v, "e"), *l = json_object_get(v, "l");
    if (user && strlen(user) < sizeof(out->user_id) && json_is_integer(e) && json_is_integer(l)) {
        strcpy(out->user_id, user);
        out->expires_ms = json_integer_value(e);
        *last_used_ms = json_integer_value(l);
        rc = 1;
    }
    json_decref(v);
out:
    freeReplyObject(r);
    return rc;
}

static void cache_put(const char *key, const naap_session *s, int64_t last_used_ms, int64_t ttl_ms)
{
    char ttl[24];
    json_t *v = json_pack("{s:s,s:I,s:I}", "u", s->user_id, "e", (json_int_t)s->expires_ms, "l",
                          (json_int_t)last_used_ms);
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;

    json_decref(v);
    if (!text)
        return;
    snprintf(ttl, sizeof(ttl), "%lld", (long long)ttl_ms);
    /* NX: never overwrite a tombstone left by a revocation that raced with this read */
    const char *argv[] = {"SET", key, text, "PX", ttl, "NX"};
    freeReplyObject(naap_redis_command(6, argv, NULL));
    free(text);
}

/* A tombstone from a racing logout must survive, hence the compare in one Lua call. */
/* Answers cached per session (GET /auth/me) show its expiry and CSRF token: any change
 * to the session ends them, before the change is answered (decisions.md "Added"). */
static void invalidate_responses(const char *sid)
{
    char ns[NAAP_CACHE_NS_MAX + 1];
    if (naap_ns_session_buf(ns, sizeof(ns), sid) == NAAP_OK)
        NAAP_INVALIDATE(ns);
}

void naap_session_uncache(const char *sid)
{
    static const char script[] =
        "if redis.call('GET', KEYS[1]) ~= ARGV[1] then redis.call('DEL', KEYS[1]) end";
    char key[128];
    cache_key("naap:session:", sid, key, sizeof(key));
    const char *argv[] = {"EVAL", script, "1", key, TOMBSTONE};
    freeReplyObject(naap_redis_command(5, argv, NULL));
    invalidate_responses(sid);
}

/* ---- lastUsedAt --------------------------------------------------------------------- */

/* $1 token, $2 now, $3 a minute ago. Conditional, so workers racing on the same session
 * write once. The commit does not wait for its WAL flush (issue 15: under a cold pass these
 * waits held half of the busy backends): a crash can lose the last second of touches,
 * which only makes a lastUsedAt up to a minute older, and nothing decides anything by it.
 * set_config with is_local is this statement's own transaction only, so PgBouncer's
 * transaction pooling never carries it to another client; it sits in the WHERE clause so
 * that it has run whenever a row is written. */
#define TOUCH_SQL                                                                                  \
    "UPDATE \"Session\" SET \"lastUsedAt\" = $2 WHERE token = $1 AND \"lastUsedAt\" < $3 "         \
    "AND \"expiresAt\" >= $2 AND set_config('synchronous_commit', 'off', true) = 'off'"

static void touch(const char *sid, int64_t now_ms)
{
    char now[25], cutoff[25];
    naap_clock_iso8601(now_ms, now);
    naap_clock_iso8601(now_ms - TOUCH_EVERY_MS, cutoff);
    naap_db_exec(TOUCH_SQL, NAAP_PARAMS(sid, now, cutoff), NULL);
}

/* A cached entry that says the row was last used over a minute ago: one worker wins a
 * short Redis marker and writes; the others skip. */
static void touch_once(const char *sid, int64_t now_ms)
{
    char key[128], ttl[16];
    cache_key("naap:session-touch:", sid, key, sizeof(key));
    snprintf(ttl, sizeof(ttl), "%d", TOUCH_EVERY_MS);
    const char *argv[] = {"SET", key, "1", "PX", ttl, "NX"};
    redisReply *r = naap_redis_command(6, argv, NULL);
    bool won = r && r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    if (won)
        touch(sid, now_ms);
}

/* ---- rows --------------------------------------------------------------------------- */

int naap_session_create(const char *user_id, int64_t now_ms, naap_session *out)
{
    char id[37], now[25], expires[25];

    if (strlen(user_id) >= sizeof(out->user_id))
        return NAAP_EINVAL;
    naap_uuid_v4(id);
    naap_session_new_sid(out->sid);
    strcpy(out->user_id, user_id);
    out->expires_ms = now_ms + NAAP_SESSION_TTL_MS;
    out->legacy = false;
    naap_clock_iso8601(now_ms, now);
    naap_clock_iso8601(out->expires_ms, expires);
    const char *params[] = {id, user_id, out->sid, expires, now};
    return naap_db_query("INSERT INTO \"Session\" (id, \"userId\", token, \"expiresAt\", "
                         "\"createdAt\", \"lastUsedAt\") VALUES ($1, $2, $3, $4, $5, $5)",
                         5, params, NULL);
}

static int check_row(const char *sid, int64_t now_ms, int cache_ttl_ms, const char *key,
                     naap_session *out)
{
    naap_db_rows *rows = NULL;
    char now[25], cutoff[25];
    naap_clock_iso8601(now_ms, now);
    naap_clock_iso8601(now_ms - TOUCH_EVERY_MS, cutoff);
    const char *params[] = {sid, now, cutoff};
    /* The read and the touch in one round trip (issue 15: a cold pass touched on every
     * request, one more statement and transaction each). A WITH's UPDATE always runs, and
     * the SELECT reads the row as it was before it (a statement does not see its own
     * writes). */
    int rc = naap_db_query("WITH touched AS (" TOUCH_SQL ") SELECT " SESSION_COLUMNS
                           " FROM \"Session\" WHERE token = $1",
                           3, params, &rows);
    if (rc != NAAP_OK)
        goto out;
    if (naap_db_rows_count(rows) == 0) {
        naap_session_miss_put(sid, now_ms, cache_ttl_ms);
        rc = NAAP_ENOTFOUND;
        goto out;
    }
    snprintf(out->user_id, sizeof(out->user_id), "%s", naap_db_value(rows, 0, 0));
    out->expires_ms = strtoll(naap_db_value(rows, 0, 1), NULL, 10);
    int64_t last_used = strtoll(naap_db_value(rows, 0, 2), NULL, 10);
    if (out->expires_ms < now_ms) {
        /* api.md 3.1: an expired row is deleted when looked up */
        const char *del[] = {sid, now};
        naap_db_query("DELETE FROM \"Session\" WHERE token = $1 AND \"expiresAt\" < $2", 2, del,
                      NULL);
        rc = NAAP_ENOTFOUND;
        goto out;
    }
    if (last_used < now_ms - TOUCH_EVERY_MS)
        last_used = now_ms; /* touched by the statement above (or by a racing worker) */
    int64_t ttl = out->expires_ms - now_ms;
    if (ttl > cache_ttl_ms)
        ttl = cache_ttl_ms;
    if (key && ttl > 0)
        cache_put(key, out, last_used, ttl);
out:
    naap_db_rows_free(rows);
    return rc;
}

bool naap_session_plan(const char *sid, int64_t now_ms, int cache_ttl_ms, naap_session_call *call)
{
    if (cache_ttl_ms <= 0 || naap_session_miss_has(sid, now_ms))
        return false;
    cache_key("naap:session:", sid, call->key, sizeof(call->key));
    call->argv[0] = "GET";
    call->argv[1] = call->key;
    return true;
}

int naap_session_check(const char *sid, int64_t now_ms, int cache_ttl_ms, naap_session *out)
{
    char key[128];
    int64_t last_used = 0;

    snprintf(out->sid, sizeof(out->sid), "%s", sid);
    if (cache_ttl_ms <= 0)
        return check_row(sid, now_ms, cache_ttl_ms, NULL, out);
    if (naap_session_miss_has(sid, now_ms))
        return NAAP_ENOTFOUND; /* no row a moment ago: tokens are never reissued */
    cache_key("naap:session:", sid, key, sizeof(key));
    switch (cache_get(key, out, &last_used)) {
    case 0:
        return NAAP_ENOTFOUND;
    case 1:
        if (out->expires_ms < now_ms)
            break; /* let the row check delete it */
        if (last_used < now_ms - TOUCH_EVERY_MS)
            touch_once(sid, now_ms);
        return NAAP_OK;
    default:
        break;
    }
    return check_row(sid, now_ms, cache_ttl_ms, key, out);
}

int naap_session_extend(const char *sid, int64_t now_ms, naap_session *out, char row_id[37])
{
    char now[25], expires[25];
    naap_db_rows *rows = NULL;
    int64_t new_expiry = now_ms + NAAP_SESSION_TTL_MS;

    naap_clock_iso8601(now_ms, now);
    naap_clock_iso8601(new_expiry, expires);
    const char *params[] = {sid, expires, now};
    int rc = naap_db_query("UPDATE \"Session\" SET \"expiresAt\" = $2, \"lastUsedAt\" = $3 "
                           "WHERE token = $1 AND \"expiresAt\" >= $3 RETURNING id, \"userId\"",
                           3, params, &rows);
    if (rc == NAAP_OK && naap_db_rows_count(rows) == 0)
        rc = NAAP_ENOTFOUND;
    if (rc == NAAP_OK) {
        snprintf(row_id, 37, "%s", naap_db_value(rows, 0, 0));
        snprintf(out->user_id, sizeof(out->user_id), "%s", naap_db_value(rows, 0, 1));
        snprintf(out->sid, sizeof(out->sid), "%s", sid);
        out->expires_ms = new_expiry;
    }
    naap_db_rows_free(rows);
    return rc;
}

void naap_session_forget(const char *sid)
{
    char key[128], ttl[24];
    cache_key("naap:session:", sid, key, sizeof(key));
    snprintf(ttl, sizeof(ttl), "%lld", (long long)tombstone_ms);
    const char *argv[] = {"SET", key, TOMBSTONE, "PX", ttl};
    freeReplyObject(naap_redis_command(5, argv, NULL));
    naap_csrf_revoke(sid);
    invalidate_responses(sid);
}

/* Only a deleted row leaves a tombstone and a new generation behind: logging out with
 * made-up tokens must not grow Redis. A row deleted by someone else meanwhile is at most
 * SESSION_CACHE_TTL away from being refused anyway. */
int naap_session_delete(const char *sid)
{
    long deleted = 0;
    int rc = naap_db_exec("DELETE FROM \"Session\" WHERE token = $1", NAAP_PARAMS(sid), &deleted);
    if (rc == NAAP_OK && deleted > 0)
        naap_session_forget(sid);
    return rc;
}

int naap_session_delete_user(const char *user_id, char ***sids, int *count)
{
    naap_db_rows *rows = NULL;
    const char *params[] = {user_id};

    *sids = NULL;
    *count = 0;
    int rc = naap_db_query("DELETE FROM \"Session\" WHERE \"userId\" = $1 RETURNING token", 1,
                           params, &rows);
    if (rc == NAAP_OK && (*count = naap_db_rows_count(rows)) > 0) {
        *sids = naap_xcalloc((size_t)*count, sizeof(char *));
        for (int i = 0; i < *count; i++)
            (*sids)[i] = naap_xstrdup(naap_db_value(rows, i, 0));
    }
    naap_db_rows_free(rows);
    return rc;
}

void naap_session_sids_free(char **sids, int count)
{
    for (int i = 0; i < count; i++)
        free(sids[i]);
    free(sids);
}
