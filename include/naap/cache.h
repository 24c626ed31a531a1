#ifndef NAAP_CACHE_H
#define NAAP_CACHE_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "naap/arena.h"
#include "naap/config.h"
#include "naap/redis.h"

/* Cache-aside over Redis: the scaling guide's section 1.3 without its flaws.
 *
 * - Every key belongs to up to NAAP_CACHE_MAX_NAMESPACES namespaces ("team:<id>",
 *   "user:<id>", "session:<id>", "marketplace", "package:<name>"). Each namespace has a
 *   generation number, and the key embeds the current generation of each of its
 *   namespaces, so invalidating a namespace is one INCR: no KEYS or SCAN, ever. Entries
 *   left behind under old generations simply expire.
 * - A hit costs one round trip: [MGET generations, GET the key they name] when the
 *   worker guessed the generations (the hit counts only if Redis confirms them), else a
 *   Lua script that reads both.
 * - Concurrent misses of one key compute once: the first caller takes a short lock with
 *   a random owner token; the others poll for its value for up to NAAP_CACHE_WAIT_MS,
 *   then compute without caching. TTLs are jittered so keys filled together do not all
 *   expire together.
 * - Fail-open: when Redis is down or answers an error, a lookup is a miss and nothing is
 *   stored. An invalidation that cannot reach Redis is recorded host-wide (see
 *   naap_cache_host): no worker of the host serves a hit until one of them has bumped
 *   the global generation (see README "Caching").
 * - A Redis that may have lost acknowledged writes (restarted from a snapshot, a replica
 *   promoted) is recognised on every new connection by its run_id, which naapd records in
 *   Redis itself; the first connection to see a new one bumps the global generation.
 *
 * Two interfaces share this machinery: naap_cache_get_or_set for JSON values built by a
 * callback, and lookup/fill/release of a naap_cache_blob (an HTTP body with its type and
 * gzip form) for the response cache, which computes between the two calls. */

#define NAAP_CACHE_MAX_NAMESPACES 4
#define NAAP_CACHE_NS_MAX 255          /* bytes in one namespace name */
#define NAAP_CACHE_ID_MAX 256          /* longer ids are replaced by their SHA-256 */
#define NAAP_CACHE_KEY_MAX 1536        /* a built key, with its NUL */
#define NAAP_CACHE_HASHED_ID_SIZE 66   /* '#', 64 hex digits, NUL */
#define NAAP_CACHE_LOCK_MS 5000        /* a dead owner's lock frees itself after this */
#define NAAP_CACHE_WAIT_MS 1500        /* how long a miss waits for another's value */
#define NAAP_CACHE_VALUE_MAX (1 << 20) /* larger values are served but not stored */

/* TTL classes, resolved from CACHE_TTL_SHORT/MEDIUM/LONG; a positive ttl is seconds. */
enum {
    NAAP_CACHE_TTL_SHORT = -1,
    NAAP_CACHE_TTL_MEDIUM = -2,
    NAAP_CACHE_TTL_LONG = -3,
};

/** Where a value lives: what it is (prefix), which one (id), what invalidates it. */
typedef struct naap_cache_key {
    const char *prefix; /* [a-z0-9_.-]{1,32}: "teams", "resp", ... */
    const char *id;     /* any text; must include the user for per-user data */
    const char *namespaces[NAAP_CACHE_MAX_NAMESPACES]; /* NULL after the last one */
    int ttl;                                           /* seconds, or NAAP_CACHE_TTL_* */
    /* NULL, or a Redis key the value depends on: the entry is served only while it exists
     * (checked in the same round trip as the value), e.g. the CSRF token an answer shows */
    const char *guard;
} naap_cache_key;

enum naap_cache_outcome {
    NAAP_CACHE_HIT,    /* read from Redis, possibly after waiting for another's compute */
    NAAP_CACHE_MISS,   /* computed here and stored */
    NAAP_CACHE_BYPASS, /* computed here and not stored (Redis down, wait ran out, ...) */
};

/** A cached HTTP answer: what the response cache stores per key. */
typedef struct naap_cache_blob {
    int status;
    const char *content_type;
    const char *body;
    size_t body_len;
    const char *gzip; /* the gzip of body, or NULL */
    size_t gzip_len;
    const char *etag; /* the ETag of the answer, or NULL: stored so a hit need not hash */
    /* After a hit: what body and gzip point into (the Redis reply they came in), released
     * by naap_cache_hold_release, once, by whoever holds it last. NULL otherwise. */
    void *hold;
} naap_cache_blob;

/**
 * What a miss leaves with its caller. A caller that gets one must end it with exactly
 * one naap_cache_fill or naap_cache_release (both are no-ops when it holds no lock).
 */
typedef struct naap_cache_ticket {
    char key[NAAP_CACHE_KEY_MAX]; /* the key under the generations read before the miss */
    char token[33];               /* lock owner token; "" when this caller may not store */
    int ttl_s;
    unsigned taint; /* naap_cache_taint calls on this thread before the lookup */
} naap_cache_ticket;

/** Computes a value on a miss: 0 and a new reference in *out, or a NAAP_E* code. */
typedef int (*naap_cache_compute)(void *arg, json_t **out);

#define NAAP_CACHE_GEN_NAME_MAX (NAAP_CACHE_NS_MAX + 16)

/** A hit's commands as this worker guesses them: [MGET generations, GET key, EXISTS guard]. */
typedef struct naap_cache_plan {
    char names[NAAP_CACHE_MAX_NAMESPACES + 1][NAAP_CACHE_GEN_NAME_MAX];
    const char *mget[NAAP_CACHE_MAX_NAMESPACES + 2];
    const char *get[2];
    const char *exists[2];
    char key[NAAP_CACHE_KEY_MAX];
    int64_t guess[NAAP_CACHE_MAX_NAMESPACES + 1];
    naap_redis_cmd cmds[3];
    size_t ncmds;
} naap_cache_plan;

/**
 * What every process of a host knows about invalidations that did not reach Redis. It
 * lives in the cluster's shared memory (naap_cache_use_host_state before the first fork),
 * so a record outlives the worker that made it and binds its siblings at once.
 */
typedef struct naap_cache_host {
    _Atomic uint64_t lost;         /* invalidations that could not be delivered */
    _Atomic uint64_t covered;      /* how many of them a global bump has made good */
    _Atomic int64_t lost_since_ms; /* epoch ms of the oldest one not yet covered; 0: none */
} naap_cache_host;

/**
 * Keeps the host-wide record in *host, as it is (a new block is zeroed by its maker; a
 * master re-executed for an upgrade keeps the record it had), shared by every process that
 * inherits it. Without a call a process keeps a record of its own.
 */
void naap_cache_use_host_state(naap_cache_host *host);

/**
 * Takes the TTL classes from cfg (before it, 60/300/600 s, the configuration defaults)
 * and makes every new Redis connection check that Redis is the one it was (run_id).
 */
void naap_cache_init(const naap_config *cfg);
/** Seconds for a ttl (class or seconds); 0 for a value that is neither. */
int naap_cache_ttl_seconds(int ttl);

/**
 * Cache-aside of a JSON value: returns the cached value or runs compute and stores its
 * result. On 0, *out is a new reference; compute's error code is returned as is, with
 * nothing stored. outcome (may be NULL) says which path was taken.
 */
int naap_cache_get_or_set(const naap_cache_key *key, naap_cache_compute compute, void *arg,
                          json_t **out, enum naap_cache_outcome *outcome);

/**
 * Fills plan with the commands naap_cache_lookup(key, ...) sends first when this worker
 * can guess the generations, for a read-ahead (naap/redis_prefetch.h); false when it
 * cannot (then the lookup goes another way, which is not predicted).
 */
bool naap_cache_plan_lookup(const naap_cache_key *key, naap_cache_plan *plan);

/**
 * Looks a blob up. 0: a hit, *out filled: its type and ETag copied into arena, its body
 * and gzip pointing into out->hold, which the caller must release with
 * naap_cache_hold_release (or hand on to whatever sends the body). NAAP_ENOTFOUND: a
 * miss (Redis down and malformed keys included), nothing to release; compute the answer,
 * then naap_cache_fill(t, ...) if it may be cached, else naap_cache_release(t).
 */
int naap_cache_lookup(const naap_cache_key *key, naap_arena *arena, naap_cache_blob *out,
                      naap_cache_ticket *t);
/** Releases a hit's hold (naap_cache_blob.hold); NULL is ignored. */
void naap_cache_hold_release(void *hold);
/** Stores blob under the ticket's key (if this caller holds the lock) and unlocks. */
void naap_cache_fill(naap_cache_ticket *t, const naap_cache_blob *blob);
/** Gives the ticket's lock up without storing anything (the answer was not cacheable). */
void naap_cache_release(naap_cache_ticket *t);
/**
 * Says that what this thread is computing carries state Redis does not hold (a CSRF
 * token kept in process memory while Redis failed): no ticket this thread opened before
 * the call will store its value. Store modules call it; callers of the cache need not.
 */
void naap_cache_taint(void);

/**
 * Invalidates every key in namespace ns (one INCR). Returns 0, NAAP_EINVAL for a bad
 * name, or NAAP_EUNAVAILABLE when Redis could not be reached (then no process of this
 * host serves a hit until one of them has invalidated everything).
 */
int naap_cache_invalidate(const char *ns);
/** Invalidates every key of every namespace (one INCR of the global generation). */
int naap_cache_invalidate_all(void);

/* ---- key layout (src/store/cache_key.c), pure -------------------------------------- */

/** True if ns can name a namespace: 1-255 bytes, no control characters, '|' or '=', not "*". */
bool naap_cache_ns_valid(const char *ns);
/** Number of namespaces of key, or NAAP_EINVAL if key or one of them is malformed. */
int naap_cache_key_check(const naap_cache_key *key);
/** Writes the generation key of namespace ns ("naap:gen:<ns>"; NULL: the global one). */
void naap_cache_gen_key(const char *ns, char *out, size_t cap);
/**
 * The id as naap_cache_key_build writes it: key->id itself, or "#<sha256 hex>" in hashed
 * when it is long or starts with '#'.
 */
const char *naap_cache_key_id(const naap_cache_key *key, char hashed[NAAP_CACHE_HASHED_ID_SIZE]);
/**
 * Writes what naap_cache_key_build writes before the generations, "naap:c:<prefix>:<n>|",
 * for a key with n namespaces. Returns its length or NAAP_ETOOLARGE.
 */
int naap_cache_key_head(const naap_cache_key *key, int n, char *out, size_t cap);
/**
 * Writes the data key of key under the global generation epoch and gens[i] for its
 * i-th namespace: "naap:c:<prefix>:<n>|<epoch>|<ns>=<gen>|...|<id>", the id replaced by
 * "#<sha256 hex>" when long or starting with '#'. Returns its length or NAAP_ETOOLARGE.
 */
int naap_cache_key_build(const naap_cache_key *key, int64_t epoch, const int64_t *gens, char *out,
                         size_t cap);

/* ---- blob encoding (src/store/cache_blob.c), pure ---------------------------------- */

/**
 * Serializes blob into a new malloc'd buffer (*len bytes); NULL if its type has a newline
 * or its ETag is not a plain token (printable ASCII, no space).
 */
char *naap_cache_blob_encode(const naap_cache_blob *blob, size_t *len);
/**
 * Parses what encode wrote (or its version 1, without an ETag): type and ETag as
 * NUL-terminated copies in arena, body and gzip pointing into data (not NUL-terminated),
 * hold NULL. Returns 0, or NAAP_EINVAL for anything else, a gzip whose framing does not
 * fit the body included.
 */
int naap_cache_blob_decode(const char *data, size_t len, naap_arena *arena, naap_cache_blob *out);

#endif
