#ifndef NAAP_ETAG_H
#define NAAP_ETAG_H

#include <stdbool.h>
#include <stddef.h>

#include "naap/http.h"

/* Weak ETags on JSON bodies and If-None-Match -> 304, as Express's res.json does
 * (api.md 1.3, decisions.md "Kept exactly"). */

/* W/" + up to 16 hex digits + - + 27 base64 characters + " */
#define NAAP_ETAG_MAX 52

/** Writes Express's weak ETag of a body, W/"<length in hex>-<27 chars of base64 SHA-1>". */
void naap_etag_make(const void *body, size_t len, char out[NAAP_ETAG_MAX]);
/**
 * True if an If-None-Match value selects etag: "*", or a comma-separated list holding
 * it under weak comparison (W/ ignored on both sides).
 */
bool naap_etag_matches(const char *if_none_match, const char *etag);
/**
 * The ETag req's response goes out with: the handler's (or a cache hit's) ETag header,
 * else Express's tag of a JSON body, which it then adds as the header; NULL for a
 * response that gets none. The filter uses it; so does the response cache, to store it.
 */
const char *naap_etag_of(naap_request *req);
/**
 * The response filter (server.c, before compression): gives every JSON body an ETag
 * unless the handler set one, and turns a fresh GET/HEAD 2xx into a 304, which is sent
 * like a HEAD (the 200's headers, no body).
 */
void naap_etag_filter(naap_request *req);

#endif
