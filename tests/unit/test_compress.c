#define ZLIB_CONST
#include "check.h"
#include "naap/compress.h"
#include "naap/errors.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <strings.h>
#include <zlib.h>

static const char *accept_encoding;

/* Overrides libmicrohttpd's (the executable's definition wins over the shared library's),
 * so the filter runs on a real request object: Accept-Encoding is accept_encoding. */
const char *MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                                        const char *key)
{
    (void)connection;
    if (kind == MHD_HEADER_KIND && strcasecmp(key, "Accept-Encoding") == 0)
        return accept_encoding;
    return NULL;
}

static const char *JSON = "application/json; charset=utf-8";

static void test_negotiate(void)
{
    CHECK(naap_compress_negotiate(NULL) == NAAP_ENCODING_IDENTITY);
    CHECK(naap_compress_negotiate("") == NAAP_ENCODING_IDENTITY);
    CHECK(naap_compress_negotiate("gzip") == NAAP_ENCODING_GZIP);
    CHECK(naap_compress_negotiate("deflate") == NAAP_ENCODING_DEFLATE);
    CHECK(naap_compress_negotiate("GZip") == NAAP_ENCODING_GZIP);
    /* equal weights prefer gzip, whatever the order */
    CHECK(naap_compress_negotiate("deflate, gzip") == NAAP_ENCODING_GZIP);
    CHECK(naap_compress_negotiate("gzip, deflate, br") == NAAP_ENCODING_GZIP);
    CHECK(naap_compress_negotiate("br") == NAAP_ENCODING_IDENTITY);
    /* q-values */
    CHECK(naap_compress_negotiate("gzip;q=0.5, deflate") == NAAP_ENCODING_DEFLATE);
    CHECK(naap_compress_negotiate("gzip;q=0.8, deflate;q=0.9") == NAAP_ENCODING_DEFLATE);
    CHECK(naap_compress_negotiate("gzip ; q=1.0 , deflate;q=0.999") == NAAP_ENCODING_GZIP);
    CHECK(naap_compress_negotiate("gzip;Q=0.001") == NAAP_ENCODING_GZIP);
    CHECK(naap_compress_negotiate("gzip;level=1;q=0.5") == NAAP_ENCODING_GZIP);
    /* q=0 refuses */
    CHECK(naap_compress_negotiate("gzip;q=0") == NAAP_ENCODING_IDENTITY);
    CHECK(naap_compress_negotiate("gzip;q=0.000, deflate") == NAAP_ENCODING_DEFLATE);
    CHECK(naap_compress_negotiate("gzip;q=0, deflate;q=0") == NAAP_ENCODING_IDENTITY);
    /* a malformed weight refuses the coding */
    CHECK(naap_compress_negotiate("gzip;q=abc") == NAAP_ENCODING_IDENTITY);
    CHECK(naap_compress_negotiate("gzip;q=1.5") == NAAP_ENCODING_IDENTITY);
    CHECK(naap_compress_negotiate("gzip;q=0.1234") == NAAP_ENCODING_IDENTITY);
    CHECK(naap_compress_negotiate("gzip;q=") == NAAP_ENCODING_IDENTITY);
    /* a coding listed twice keeps its best weight */
    CHECK(naap_compress_negotiate("gzip;q=0, gzip;q=0.5") == NAAP_ENCODING_GZIP);
    /* the wildcard */
    CHECK(naap_compress_negotiate("*") == NAAP_ENCODING_GZIP);
    CHECK(naap_compress_negotiate("*;q=0") == NAAP_ENCODING_IDENTITY);
    CHECK(naap_compress_negotiate("*;q=0, deflate") == NAAP_ENCODING_DEFLATE);
    CHECK(naap_compress_negotiate("gzip;q=0, *") == NAAP_ENCODING_DEFLATE);
    /* identity preferred over the codings on offer */
    CHECK(naap_compress_negotiate("identity") == NAAP_ENCODING_IDENTITY);
    CHECK(naap_compress_negotiate("gzip;q=0.5, identity") == NAAP_ENCODING_IDENTITY);
    CHECK(naap_compress_negotiate("gzip;q=0.5, identity;q=0.5") == NAAP_ENCODING_GZIP);
    CHECK(naap_compress_negotiate("gzip, identity;q=0") == NAAP_ENCODING_GZIP);
    CHECK(naap_compress_negotiate("gzip;q=0.4, identity;q=0.5") == NAAP_ENCODING_IDENTITY);
    /* deflate inherits the wildcard's weight and ties with identity, so it wins */
    CHECK(naap_compress_negotiate("*;q=0.5, gzip;q=0.4") == NAAP_ENCODING_DEFLATE);
    CHECK(naap_compress_negotiate(" , ,gzip,") == NAAP_ENCODING_GZIP);
    CHECK(naap_compress_negotiate("gzipx, xgzip") == NAAP_ENCODING_IDENTITY);
}

static void test_types(void)
{
    CHECK(naap_compress_type_ok("application/json"));
    CHECK(naap_compress_type_ok(JSON));
    CHECK(naap_compress_type_ok("Application/JSON ; charset=utf-8"));
    CHECK(naap_compress_type_ok("application/problem+json"));
    CHECK(naap_compress_type_ok("text/html"));
    CHECK(naap_compress_type_ok("text/plain; charset=utf-8"));
    CHECK(naap_compress_type_ok("application/javascript"));
    CHECK(naap_compress_type_ok("application/xml"));
    CHECK(naap_compress_type_ok("image/svg+xml"));
    CHECK(!naap_compress_type_ok(NULL));
    CHECK(!naap_compress_type_ok(""));
    CHECK(!naap_compress_type_ok("text/"));
    CHECK(!naap_compress_type_ok("image/png"));
    CHECK(!naap_compress_type_ok("application/octet-stream"));
    CHECK(!naap_compress_type_ok("application/jsonx"));
    CHECK(!naap_compress_type_ok("application/gzip"));

    CHECK(naap_compress_eligible(JSON, 1024));
    CHECK(!naap_compress_eligible(JSON, 1023));
    CHECK(!naap_compress_eligible("image/png", 4096));
}

static void test_decide(void)
{
    naap_compress_plan p;

    p = naap_compress_decide(JSON, 2000, NULL, NULL, "gzip", NULL);
    CHECK(p.vary && p.encoding == NAAP_ENCODING_GZIP);
    p = naap_compress_decide(JSON, 1024, "public, max-age=600", NULL, "deflate", NULL);
    CHECK(p.vary && p.encoding == NAAP_ENCODING_DEFLATE);
    /* under the threshold: identity, but the answer still varies on Accept-Encoding */
    p = naap_compress_decide(JSON, 1023, NULL, NULL, "gzip", NULL);
    CHECK(p.vary && p.encoding == NAAP_ENCODING_IDENTITY);
    /* x-no-compression, any value */
    p = naap_compress_decide(JSON, 5000, NULL, NULL, "gzip", "");
    CHECK(p.vary && p.encoding == NAAP_ENCODING_IDENTITY);
    p = naap_compress_decide(JSON, 5000, NULL, NULL, "gzip", "1");
    CHECK(p.encoding == NAAP_ENCODING_IDENTITY);
    /* already encoded */
    p = naap_compress_decide(JSON, 5000, NULL, "br", "gzip", NULL);
    CHECK(p.vary && p.encoding == NAAP_ENCODING_IDENTITY);
    p = naap_compress_decide(JSON, 5000, NULL, "identity", "gzip", NULL);
    CHECK(p.encoding == NAAP_ENCODING_GZIP);
    /* no-transform: untouched and no Vary */
    p = naap_compress_decide(JSON, 5000, "private, No-Transform", NULL, "gzip", NULL);
    CHECK(!p.vary && p.encoding == NAAP_ENCODING_IDENTITY);
    p = naap_compress_decide(JSON, 5000, "no-transformer", NULL, "gzip", NULL);
    CHECK(p.encoding == NAAP_ENCODING_GZIP);
    /* incompressible or untyped bodies */
    p = naap_compress_decide("image/png", 5000, NULL, NULL, "gzip", NULL);
    CHECK(!p.vary && p.encoding == NAAP_ENCODING_IDENTITY);
    p = naap_compress_decide(NULL, 0, NULL, NULL, "gzip", NULL);
    CHECK(!p.vary && p.encoding == NAAP_ENCODING_IDENTITY);
}

static char *inflate_all(const char *in, size_t len, int window_bits, size_t *outlen)
{
    z_stream zs;
    size_t cap = 1 << 20;
    char *out = malloc(cap);
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, window_bits) != Z_OK)
        return NULL;
    zs.next_in = (const unsigned char *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = (unsigned char *)out;
    zs.avail_out = (uInt)cap;
    int rc = inflate(&zs, Z_FINISH);
    *outlen = zs.total_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

static void test_zlib(void)
{
    char body[4000], *z = NULL, *back;
    size_t zlen = 0, blen = 0;

    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = "{\"name\":\"plugin\",\"version\":1}"[i % 29];
    CHECK(naap_compress_gzip(body, sizeof(body), &z, &zlen) == NAAP_OK);
    CHECK(zlen > 18 && zlen < sizeof(body) / 4);
    CHECK((unsigned char)z[0] == 0x1f && (unsigned char)z[1] == 0x8b);
    back = inflate_all(z, zlen, 15 + 16, &blen);
    CHECK(back && blen == sizeof(body) && memcmp(back, body, blen) == 0);
    free(back);

    /* the trailer check that lets the filter trust a cached gzip */
    CHECK(naap_compress_gzip_matches(z, zlen, body, sizeof(body)));
    CHECK(!naap_compress_gzip_matches(z, zlen, body, sizeof(body) - 1));
    body[100] ^= 1;
    CHECK(!naap_compress_gzip_matches(z, zlen, body, sizeof(body)));
    body[100] ^= 1;
    CHECK(!naap_compress_gzip_matches(NULL, 0, body, sizeof(body)));
    CHECK(!naap_compress_gzip_matches(z + 1, zlen - 1, body, sizeof(body)));
    free(z);

    /* HTTP deflate is the zlib format (RFC 1950), as Node's zlib.createDeflate sends */
    CHECK(naap_compress_deflate(body, sizeof(body), &z, &zlen) == NAAP_OK);
    CHECK((unsigned char)z[0] == 0x78);
    back = inflate_all(z, zlen, 15, &blen);
    CHECK(back && blen == sizeof(body) && memcmp(back, body, blen) == 0);
    free(back);
    free(z);

    CHECK(naap_compress_gzip("", 0, &z, &zlen) == NAAP_OK);
    CHECK(naap_compress_gzip_matches(z, zlen, "", 0));
    free(z);
}

static int releases;

static void count_release(void *hold)
{
    releases++;
    free(hold);
}

static const char *header(naap_request *req, const char *name)
{
    for (naap_header *h = req->res.headers; h; h = h->next)
        if (strcasecmp(h->name, name) == 0)
            return h->value;
    return NULL;
}

/* A request answered with body, and gzip attached: the body and the gzip in one held
 * buffer, as a cache hit has them. */
static naap_request *answered(const char *body, size_t len, const char *gz, size_t gzlen,
                              bool trusted)
{
    naap_arena *arena = naap_arena_new();
    naap_request *req = naap_arena_alloc(arena, sizeof(*req));
    memset(req, 0, sizeof(*req));
    req->arena = arena;
    req->method = "GET";
    char *hold = malloc(len + gzlen);
    memcpy(hold, body, len);
    memcpy(hold + len, gz, gzlen);
    naap_response_set_body(&req->res, hold, len, count_release, hold);
    req->res.status = 200;
    req->res.content_type = JSON;
    req->res.gzip_body = hold + len;
    req->res.gzip_len = gzlen;
    req->res.gzip_trusted = trusted;
    return req;
}

static void done(naap_request *req)
{
    naap_response_drop_body(&req->res);
    naap_arena_free(req->arena);
}

/* What the filter does with an attached gzip (issue 15): a trusted one (a cache hit's) is
 * sent in place, never copied or checked; any other only if its trailer proves it is the
 * body's; a mismatching one is never sent. */
static void test_filter(void)
{
    char body[4000], other[4000], *gz = NULL, *ogz = NULL, *back;
    size_t gzlen = 0, ogzlen = 0, blen = 0;
    for (size_t i = 0; i < sizeof(body); i++) {
        body[i] = "{\"name\":\"plugin\",\"version\":1}"[i % 29];
        other[i] = "{\"name\":\"other\",\"version\":22}"[i % 29];
    }
    CHECK(naap_compress_gzip(body, sizeof(body), &gz, &gzlen) == NAAP_OK);
    CHECK(naap_compress_gzip(other, sizeof(other), &ogz, &ogzlen) == NAAP_OK);

    /* trusted: the response sends the gzip from the very buffer it holds */
    accept_encoding = "gzip";
    releases = 0;
    naap_request *req = answered(body, sizeof(body), gz, gzlen, true);
    const char *held = req->res.hold;
    naap_compress_filter(req);
    CHECK(req->res.body == held + sizeof(body) && req->res.body_len == gzlen);
    CHECK(req->res.hold == held && releases == 0);
    CHECK_STR(header(req, "Content-Encoding"), "gzip");
    done(req);
    CHECK(releases == 1);

    /* untrusted and matching: sent as a copy of its own */
    releases = 0;
    req = answered(body, sizeof(body), gz, gzlen, false);
    naap_compress_filter(req);
    CHECK(req->res.body_len == gzlen && memcmp(req->res.body, gz, gzlen) == 0);
    CHECK(releases == 1 && req->res.hold == req->res.body);
    done(req);

    /* untrusted and of another body (same length): never sent; the body is compressed */
    releases = 0;
    req = answered(body, sizeof(body), ogz, ogzlen, false);
    naap_compress_filter(req);
    CHECK_STR(header(req, "Content-Encoding"), "gzip");
    back = inflate_all(req->res.body, req->res.body_len, 15 + 16, &blen);
    CHECK(back && blen == sizeof(body) && memcmp(back, body, blen) == 0);
    free(back);
    CHECK(releases == 1);
    done(req);

    /* a trusted gzip goes with its body: an answer that replaces the body drops it */
    releases = 0;
    req = answered(body, sizeof(body), ogz, ogzlen, true);
    char *again = malloc(sizeof(body));
    memcpy(again, body, sizeof(body));
    naap_response_set_body(&req->res, again, sizeof(body), free, again);
    CHECK(releases == 1 && req->res.gzip_body == NULL && !req->res.gzip_trusted);
    naap_compress_filter(req);
    back = inflate_all(req->res.body, req->res.body_len, 15 + 16, &blen);
    CHECK(back && blen == sizeof(body) && memcmp(back, body, blen) == 0);
    free(back);
    done(req);

    /* a client that takes no gzip gets the identity body, from where it was */
    for (int i = 0; i < 2; i++) {
        accept_encoding = i ? "identity" : NULL;
        releases = 0;
        req = answered(body, sizeof(body), gz, gzlen, true);
        held = req->res.hold;
        naap_compress_filter(req);
        CHECK(req->res.body == held && req->res.body_len == sizeof(body));
        CHECK(header(req, "Content-Encoding") == NULL && releases == 0);
        CHECK_STR(header(req, "Vary"), "Accept-Encoding");
        done(req);
        CHECK(releases == 1);
    }

    /* deflate from a hit is compressed afresh, and the hit's buffer released once */
    accept_encoding = "deflate";
    releases = 0;
    req = answered(body, sizeof(body), gz, gzlen, true);
    naap_compress_filter(req);
    CHECK_STR(header(req, "Content-Encoding"), "deflate");
    CHECK(releases == 1);
    back = inflate_all(req->res.body, req->res.body_len, 15, &blen);
    CHECK(back && blen == sizeof(body) && memcmp(back, body, blen) == 0);
    free(back);
    done(req);
    CHECK(releases == 1);
    free(gz);
    free(ogz);
}

int main(void)
{
    test_negotiate();
    test_types();
    test_decide();
    test_zlib();
    test_filter();
    return check_report("compress");
}
