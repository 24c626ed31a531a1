#ifndef NAAP_HTTP_H
#define NAAP_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "naap/arena.h"
#include "naap/buf.h"
#include "naap/router.h"

/* The request and response objects handlers see. Handlers never touch libmicrohttpd:
 * they read the request through these accessors and answer with one naap_respond_*
 * call. Everything here lives until the request completes. */

#define NAAP_BODY_LIMIT (100 * 1024) /* express.json()'s "100kb" */
#define NAAP_JSON_MAX_DEPTH 32

/* api.md 1.3: the error envelope differs per endpoint family. */
enum naap_family {
    NAAP_FAMILY_PLAIN, /* {"error":"..."} */
    NAAP_FAMILY_TEAMS, /* {"success":false,"error":"..."} */
};

typedef struct naap_header {
    const char *name;
    const char *value;
    struct naap_header *next;
} naap_header;

typedef struct naap_response {
    int status;       /* 0 until a handler responds */
    const char *body; /* handed to libmicrohttpd, which calls release(hold) when done */
    size_t body_len;
    /* What keeps body alive: free and body itself for a body a handler built; for a
     * response-cache hit, the Redis reply body points into (no copy). NULL: static. */
    void (*release)(void *hold);
    void *hold;
    const char *content_type;
    naap_header *headers;
    /* Optional gzip of exactly body: the compression filter sends it instead of
     * compressing body again. Cleared whenever the body is replaced. */
    const char *gzip_body;
    size_t gzip_len;
    /* false: gzip_body lives in storage that outlives the response (the request arena)
     * and is sent, copied, only if its trailer proves it is the gzip of body. true: it
     * was stored with body in one cache entry and lives in the same hold, so it is sent
     * in place, unchecked (issue 15: a crc32 of the body per hit). */
    bool gzip_trusted;
} naap_response;

struct naap_request {
    naap_arena *arena;
    const char *method; /* as received; HEAD is routed as GET */
    const char *path;   /* raw, still percent-encoded */
    const char *request_id;
    char client_ip[48];
    /* What per-client limits count (rate limits, lockout): client_ip, or for IPv6 its
     * network of CLIENT_IPV6_PREFIX bits ("2001:db8:1:2::/64"), as one host holds a /64. */
    char client_key[56];
    int64_t start_ms; /* monotonic */
    int64_t start_us; /* monotonic, for the latency histogram of /metrics */
    enum naap_family family;
    naap_match match;
    naap_buf body;
    size_t received; /* body bytes seen, including any dropped past the limit */
    json_t *json;    /* parsed JSON body, {} when there was none; owned by the request */
    naap_response res;
    void *conn;                    /* the libmicrohttpd connection, for the http layer only */
    const struct naap_config *cfg; /* the worker's configuration */
    struct naap_auth_memo *auth;   /* the caller's session, resolved once (naap/auth.h) */
    struct naap_cache_ticket *cache_ticket; /* a response-cache miss to fill after the handler */
};

/**
 * A middleware step, run on every routed request before its handler (server.c's
 * dispatch, in api.md 1.2's order). Returns NAAP_OK to go on, or NAAP_DONE after it has
 * answered the request itself (naap_respond_*); nothing after it runs then.
 */
typedef int (*naap_middleware)(naap_request *req);

/** Value of a request header (case-insensitive name), or NULL. */
const char *naap_request_header(naap_request *req, const char *name);
/**
 * Every line of a repeated header, in order, joined with ", " (a list-valued header such
 * as X-Forwarded-For); NULL if absent. In the request arena.
 */
const char *naap_request_header_joined(naap_request *req, const char *name);
/** Decoded value of a query parameter, or NULL if absent. Bad encodings read as absent. */
const char *naap_request_query(naap_request *req, const char *name);
/**
 * The query string as received: its parameters in order, still percent-encoded, joined
 * as "?a=1&b" (a name without '=' has no value), or "" when there are none. In the
 * request arena.
 */
const char *naap_request_query_string(naap_request *req);
/** Decoded value of a :param of the matched route, or NULL. */
const char *naap_request_param(naap_request *req, const char *name);

/** Answers with a JSON body (reference stolen) and the given status. */
void naap_respond_json(naap_request *req, int status, json_t *body);
/** Answers with the family's error envelope (api.md 1.3) carrying message. */
void naap_respond_error(naap_request *req, int status, const char *message);
/**
 * Answers a store failure (errors.h code) in the family's envelope: 503 when PostgreSQL
 * or Redis could not be reached or answered too late, 500 otherwise. Never the store's
 * own message (decisions.md 1).
 */
void naap_respond_store_error(naap_request *req, int err);
/**
 * Answers with body (malloc'd; ownership passes to the response) of len bytes and
 * content_type (a string that outlives the request), e.g. GET /metrics's plain text.
 */
void naap_respond_body(naap_request *req, int status, char *body, size_t len,
                       const char *content_type);
/** Answers with no body. */
void naap_respond_empty(naap_request *req, int status);
/**
 * Replaces the response's body with len bytes at body, kept alive until release(hold)
 * (NULL: static storage), releasing the body it had and forgetting that one's gzip.
 * Status and type are left as they are.
 */
void naap_response_set_body(naap_response *res, const char *body, size_t len,
                            void (*release)(void *), void *hold);
/** Releases the response's body (what an unsent response must do before it is dropped). */
void naap_response_drop_body(naap_response *res);
/** Adds a response header; name and value are copied into the request arena. */
void naap_response_header(naap_request *req, const char *name, const char *value);

/** The endpoint family of a raw request path (decides the error envelope). */
enum naap_family naap_http_family(const char *path);

#endif
