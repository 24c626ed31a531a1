#include "naap/etag.h"
#include "naap/sha1.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The `etag` package Express uses: length in hex, then the base64 SHA-1 cut to 27
 * characters (its padding dropped), so a body identical to base-svc's gets the same tag. */
void naap_etag_make(const void *body, size_t len, char out[NAAP_ETAG_MAX])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char d[NAAP_SHA1_LEN + 1] = {0};
    char hash[29];

    naap_sha1(body, len, d);
    for (int i = 0, o = 0; i < NAAP_SHA1_LEN; i += 3, o += 4) {
        uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
        hash[o] = b64[v >> 18 & 63];
        hash[o + 1] = b64[v >> 12 & 63];
        hash[o + 2] = b64[v >> 6 & 63];
        hash[o + 3] = b64[v & 63];
    }
    hash[27] = '\0';
    snprintf(out, NAAP_ETAG_MAX, "W/\"%" PRIx64 "-%s\"", (uint64_t)len, hash);
}

static const char *opaque(const char *tag, size_t *len)
{
    if (*len >= 2 && tag[0] == 'W' && tag[1] == '/') {
        *len -= 2;
        return tag + 2;
    }
    return tag;
}

bool naap_etag_matches(const char *if_none_match, const char *etag)
{
    size_t elen = strlen(etag);
    const char *e = opaque(etag, &elen);
    const char *p = if_none_match;

    while (*p == ' ' || *p == '\t')
        p++;
    if (p[0] == '*' && p[1 + strspn(p + 1, " \t")] == '\0')
        return true;
    while (*p) {
        size_t n = strcspn(p, ",");
        const char *start = p, *end = p + n;
        while (start < end && (*start == ' ' || *start == '\t'))
            start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        size_t tlen = (size_t)(end - start);
        const char *t = opaque(start, &tlen);
        if (tlen == elen && tlen > 0 && memcmp(t, e, tlen) == 0)
            return true;
        p += n;
        if (*p == ',')
            p++;
    }
    return false;
}

static bool is_json(const char *type)
{
    if (!type)
        return false;
    size_t n = strcspn(type, ";");
    while (n > 0 && type[n - 1] == ' ')
        n--;
    return (n == 16 && strncasecmp(type, "application/json", 16) == 0) ||
           (n > 5 && strncasecmp(type + n - 5, "+json", 5) == 0);
}

/* The `fresh` package: a request that says Cache-Control: no-cache wants the full body
 * (an end-to-end reload), whatever its validators. */
static bool wants_reload(naap_request *req)
{
    const char *cc = naap_request_header(req, "Cache-Control");
    if (!cc)
        return false;
    for (const char *p = cc; *p;) {
        size_t n = strcspn(p, ",");
        size_t skip = strspn(p, " \t");
        size_t len = n > skip ? n - skip : 0;
        while (len > 0 && (p[skip + len - 1] == ' ' || p[skip + len - 1] == '\t'))
            len--;
        if (len == 8 && strncasecmp(p + skip, "no-cache", 8) == 0)
            return true;
        p += n;
        if (*p == ',')
            p++;
    }
    return false;
}

const char *naap_etag_of(naap_request *req)
{
    naap_response *res = &req->res;
    char tag[NAAP_ETAG_MAX];

    if (!res->body || !is_json(res->content_type))
        return NULL;
    for (naap_header *h = res->headers; h; h = h->next)
        if (strcasecmp(h->name, "ETag") == 0)
            return h->value;
    naap_etag_make(res->body, res->body_len, tag);
    naap_response_header(req, "ETag", tag);
    return req->res.headers->value; /* the arena's copy, just added in front */
}

void naap_etag_filter(naap_request *req)
{
    naap_response *res = &req->res;
    const char *etag = naap_etag_of(req);

    if (!etag)
        return;
    /* RFC 9110 13.2.1: preconditions apply only to an answer that would be 2xx, so an
     * error keeps its status even when its ETag matches */
    if (res->status < 200 || res->status > 299)
        return;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return;
    const char *inm = naap_request_header(req, "If-None-Match");
    if (!inm || wants_reload(req) || !naap_etag_matches(inm, etag))
        return;
    /* The body stays: libmicrohttpd sends a 304 as it sends a HEAD, headers only, with
     * the Content-Length the 200 would have had (the one value RFC 9110 8.6 allows), so
     * the 304 carries exactly the 200's headers, compression's included. */
    res->status = 304;
}
