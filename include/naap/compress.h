#ifndef NAAP_COMPRESS_H
#define NAAP_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "naap/http.h"

/* Response compression (scaling guide section 4, compression@1.8 semantics): gzip or
 * deflate at level 6, chosen by Accept-Encoding, for bodies of at least 1 KiB whose type
 * is worth compressing. */

#define NAAP_COMPRESS_THRESHOLD 1024
#define NAAP_COMPRESS_LEVEL 6

enum naap_encoding {
    NAAP_ENCODING_IDENTITY,
    NAAP_ENCODING_GZIP,
    NAAP_ENCODING_DEFLATE,
};

/** What the filter does with one response. */
typedef struct naap_compress_plan {
    bool vary;                   /* add Vary: Accept-Encoding */
    enum naap_encoding encoding; /* IDENTITY: send the body as it is */
} naap_compress_plan;

/**
 * The coding an Accept-Encoding value (NULL when absent) asks for: the highest q among
 * gzip and deflate (a tie prefers gzip), unless identity is preferred; q=0 refuses.
 */
enum naap_encoding naap_compress_negotiate(const char *accept_encoding);
/** True for media types that compress well: text/ anything, JSON, JavaScript, XML (+json, +xml). */
bool naap_compress_type_ok(const char *content_type);
/** True when a body of this type and length would be compressed for a willing client. */
bool naap_compress_eligible(const char *content_type, size_t len);
/**
 * Decides for one response from its Content-Type, body length, Cache-Control and
 * Content-Encoding, and the request's Accept-Encoding and x-no-compression (NULL: absent).
 */
naap_compress_plan naap_compress_decide(const char *content_type, size_t len,
                                        const char *cache_control, const char *content_encoding,
                                        const char *accept_encoding, const char *no_compression);
/** gzip (RFC 1952) of len bytes at level 6 into a new malloc'd *out. Returns 0 or NAAP_ERR. */
int naap_compress_gzip(const void *in, size_t len, char **out, size_t *outlen);
/** HTTP "deflate" (zlib, RFC 1950) at level 6 into a new malloc'd *out. Returns 0 or NAAP_ERR. */
int naap_compress_deflate(const void *in, size_t len, char **out, size_t *outlen);
/** True if gzip (len bytes) is a gzip whose trailer matches body (CRC-32 and length). */
bool naap_compress_gzip_matches(const char *gzip, size_t len, const char *body, size_t body_len);
/**
 * The response filter (server.c, after the ETag filter): compresses req->res in place,
 * or sends res.gzip_body when it is trusted or its trailer proves it is the gzip of the
 * body, adding Content-Encoding and Vary and weakening a strong ETag.
 */
void naap_compress_filter(naap_request *req);

#endif
