#define ZLIB_CONST
#include "naap/compress.h"
#include "naap/alloc.h"
#include "naap/errors.h"
#include "naap/log.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* ---- negotiation ---------------------------------------------------------------------- */

/* Weights in thousandths; -1 marks a coding the client did not list. */
struct weights {
    int gzip, deflate, identity, star;
};

static const char *skip_ows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

static const char *trim_ows(const char *start, const char *end)
{
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return end;
}

/* RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). A value
 * outside that grammar refuses the coding, as negotiator's NaN weight does. */
static int parse_q(const char *p, const char *end)
{
    int q = 0, scale = 100;
    if (p == end || (*p != '0' && *p != '1'))
        return 0;
    q = (*p++ - '0') * 1000;
    if (p == end)
        return q;
    if (*p++ != '.' || end - p > 3)
        return 0;
    for (; p < end; p++, scale /= 10) {
        if (*p < '0' || *p > '9')
            return 0;
        q += (*p - '0') * scale;
    }
    return q <= 1000 ? q : 0;
}

static int token_is(const char *p, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(p, name, n) == 0;
}

/* One list member: coding *( OWS ";" OWS parameter ). Parameters other than q are
 * ignored; a coding listed twice keeps its best weight. */
static void parse_member(const char *p, const char *end, struct weights *w)
{
    p = skip_ows(p, end);
    const char *tok = p;
    while (p < end && *p != ';' && *p != ' ' && *p != '\t')
        p++;
    size_t toklen = (size_t)(p - tok);
    int q = 1000;

    while (p < end) {
        const char *param = p = skip_ows(p, end);
        if (p < end && *p == ';')
            param = p = skip_ows(p + 1, end);
        while (p < end && *p != ';')
            p++;
        const char *pend = trim_ows(param, p);
        if (pend - param >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
            q = parse_q(param + 2, pend);
    }
    int *slot = token_is(tok, toklen, "gzip")       ? &w->gzip
                : token_is(tok, toklen, "deflate")  ? &w->deflate
                : token_is(tok, toklen, "identity") ? &w->identity
                : token_is(tok, toklen, "*")        ? &w->star
                                                    : NULL;
    if (slot && q > *slot)
        *slot = q;
}

enum naap_encoding naap_compress_negotiate(const char *accept_encoding)
{
    struct weights w = {-1, -1, -1, -1};

    /* compression@1.8: no header (or an empty one) means identity */
    if (!accept_encoding)
        return NAAP_ENCODING_IDENTITY;
    for (const char *p = accept_encoding; *p;) {
        size_t n = strcspn(p, ",");
        parse_member(p, p + n, &w);
        p += n;
        if (*p == ',')
            p++;
    }
    int star = w.star >= 0 ? w.star : 0;
    int gzip = w.gzip >= 0 ? w.gzip : star;
    int deflate = w.deflate >= 0 ? w.deflate : star;
    /* identity the client did not name ranks below every coding it did (negotiator gives
     * it the lowest listed weight and breaks ties toward the compressing codings) */
    int identity = w.identity >= 0 ? w.identity : star;
    if (w.identity < 0 && w.star < 0)
        identity = 0;
    int best = gzip >= deflate ? gzip : deflate;
    if (best == 0 || best < identity)
        return NAAP_ENCODING_IDENTITY;
    return gzip >= deflate ? NAAP_ENCODING_GZIP : NAAP_ENCODING_DEFLATE;
}

/* ---- what to compress ----------------------------------------------------------------- */

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    return n >= m && strncasecmp(s + n - m, suffix, m) == 0;
}

bool naap_compress_type_ok(const char *content_type)
{
    static const char *const types[] = {"application/json", "application/javascript",
                                        "application/x-javascript", "application/ecmascript",
                                        "application/xml"};
    if (!content_type)
        return false;
    size_t n =
        (size_t)(trim_ows(content_type, content_type + strcspn(content_type, ";")) - content_type);
    if (n > 5 && strncasecmp(content_type, "text/", 5) == 0)
        return true;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (token_is(content_type, n, types[i]))
            return true;
    return ends_with(content_type, n, "+json") || ends_with(content_type, n, "+xml") ||
           ends_with(content_type, n, "+text");
}

bool naap_compress_eligible(const char *content_type, size_t len)
{
    return len >= NAAP_COMPRESS_THRESHOLD && naap_compress_type_ok(content_type);
}

/* True if the comma-separated list holds token (case-insensitive), as the directive
 * lists of Cache-Control and Vary are compared. */
static bool list_has(const char *list, const char *token)
{
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        const char *start = skip_ows(p, p + n), *end = trim_ows(start, p + n);
        if (token_is(start, (size_t)(end - start), token))
            return true;
        p += n;
        if (*p == ',')
            p++;
    }
    return false;
}

naap_compress_plan naap_compress_decide(const char *content_type, size_t len,
                                        const char *cache_control, const char *content_encoding,
                                        const char *accept_encoding, const char *no_compression)
{
    naap_compress_plan plan = {false, NAAP_ENCODING_IDENTITY};

    if (!naap_compress_type_ok(content_type))
        return plan;
    /* RFC 9111 5.2.2.6: no intermediary, and so no origin filter, may change the body */
    if (cache_control && list_has(cache_control, "no-transform"))
        return plan;
    /* The representation depends on Accept-Encoding whenever its type is compressible,
     * small bodies and x-no-compression requests included: that is what lets a shared
     * cache store a small identity answer and a later, larger gzip one under one URL. */
    plan.vary = true;
    if (content_encoding && strcasecmp(content_encoding, "identity") != 0)
        return plan;
    if (no_compression || len < NAAP_COMPRESS_THRESHOLD)
        return plan;
    plan.encoding = naap_compress_negotiate(accept_encoding);
    return plan;
}

/* ---- zlib ----------------------------------------------------------------------------- */

static int deflate_with(const void *in, size_t len, int window_bits, char **out, size_t *outlen)
{
    z_stream zs;
    unsigned char *buf = NULL;
    int rc = NAAP_ERR;

    if (len > UINT_MAX)
        return NAAP_ERR;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, NAAP_COMPRESS_LEVEL, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return NAAP_ERR;
    uLong cap = deflateBound(&zs, (uLong)len);
    buf = naap_xmalloc(cap);
    zs.next_in = in;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        goto out;
    *out = (char *)buf;
    *outlen = zs.total_out;
    buf = NULL;
    rc = NAAP_OK;
out:
    deflateEnd(&zs);
    free(buf);
    return rc;
}

int naap_compress_gzip(const void *in, size_t len, char **out, size_t *outlen)
{
    return deflate_with(in, len, 15 + 16, out, outlen); /* +16: gzip wrapper */
}

int naap_compress_deflate(const void *in, size_t len, char **out, size_t *outlen)
{
    return deflate_with(in, len, 15, out, outlen);
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool naap_compress_gzip_matches(const char *gzip, size_t len, const char *body, size_t body_len)
{
    const unsigned char *g = (const unsigned char *)gzip;
    if (!gzip || len < 20 || g[0] != 0x1f || g[1] != 0x8b)
        return false;
    return le32(g + len - 4) == (uint32_t)body_len &&
           le32(g + len - 8) == (uint32_t)crc32_z(0, (const unsigned char *)body, body_len);
}

/* ---- the filter ----------------------------------------------------------------------- */

static naap_header *find_header(naap_response *res, const char *name)
{
    for (naap_header *h = res->headers; h; h = h->next)
        if (strcasecmp(h->name, name) == 0)
            return h;
    return NULL;
}

/* The Cache-Control the response will carry: the handler's own, else its route's. */
static const char *cache_control(naap_request *req)
{
    naap_header *h = find_header(&req->res, "Cache-Control");
    if (h)
        return h->value;
    return req->match.route ? req->match.route->cache_control : NULL;
}

static bool varies_on_encoding(naap_response *res)
{
    for (naap_header *h = res->headers; h; h = h->next)
        if (strcasecmp(h->name, "Vary") == 0 &&
            (strcmp(h->value, "*") == 0 || list_has(h->value, "Accept-Encoding")))
            return true;
    return false;
}

void naap_compress_filter(naap_request *req)
{
    naap_response *res = &req->res;
    naap_header *encoding = find_header(res, "Content-Encoding");
    char *out = NULL;
    size_t outlen = 0;

    naap_compress_plan plan = naap_compress_decide(
        res->content_type, res->body ? res->body_len : 0, cache_control(req),
        encoding ? encoding->value : NULL, naap_request_header(req, "Accept-Encoding"),
        naap_request_header(req, "x-no-compression"));
    if (plan.vary && !varies_on_encoding(res))
        naap_response_header(req, "Vary", "Accept-Encoding");
    if (plan.encoding == NAAP_ENCODING_IDENTITY)
        return;
    if (plan.encoding == NAAP_ENCODING_GZIP && res->gzip_body && res->gzip_trusted) {
        /* stored with this body under one cache entry and held with it: sent in place */
        res->body = res->gzip_body;
        res->body_len = res->gzip_len;
        res->gzip_body = NULL;
        res->gzip_len = 0;
        res->gzip_trusted = false;
    } else {
        /* any other gzip is used only if its trailer proves it is this very body */
        if (plan.encoding == NAAP_ENCODING_GZIP &&
            naap_compress_gzip_matches(res->gzip_body, res->gzip_len, res->body, res->body_len)) {
            out = naap_xmalloc(res->gzip_len);
            memcpy(out, res->gzip_body, res->gzip_len);
            outlen = res->gzip_len;
        } else if ((plan.encoding == NAAP_ENCODING_GZIP
                        ? naap_compress_gzip(res->body, res->body_len, &out, &outlen)
                        : naap_compress_deflate(res->body, res->body_len, &out, &outlen)) !=
                   NAAP_OK) {
            naap_log_warn("compression failed; sending the body uncompressed");
            return;
        }
        naap_response_set_body(res, out, outlen, free, out);
    }
    naap_response_header(req, "Content-Encoding",
                         plan.encoding == NAAP_ENCODING_GZIP ? "gzip" : "deflate");
    /* RFC 9110 8.8.1: the encoded bytes differ, so a strong validator no longer holds */
    naap_header *etag = find_header(res, "ETag");
    if (etag && etag->value[0] == '"')
        etag->value = naap_arena_printf(req->arena, "W/%s", etag->value);
}
