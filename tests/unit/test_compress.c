#define ZLIB_CONST
#include "check.h"
#include "naap/compress.h"
#include "naap/errors.h"

#include <stdlib.h>
#include <zlib.h>

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

int main(void)
{
    test_negotiate();
    test_types();
    test_decide();
    test_zlib();
    return check_report("compress");
}
