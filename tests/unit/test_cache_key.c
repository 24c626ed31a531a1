#include "check.h"
#include "naap/arena.h"
#include "naap/cache.h"
#include "naap/compress.h"
#include "naap/errors.h"

#include <stdbool.h>
#include <stdlib.h>

static void test_namespaces(void)
{
    CHECK(naap_cache_ns_valid("team:8b1f"));
    CHECK(naap_cache_ns_valid("package:@scope/x"));
    CHECK(naap_cache_ns_valid("marketplace"));
    CHECK(!naap_cache_ns_valid(""));
    CHECK(!naap_cache_ns_valid("*"));
    CHECK(!naap_cache_ns_valid("team:a|b"));
    CHECK(!naap_cache_ns_valid("team:a=b"));
    CHECK(!naap_cache_ns_valid("team:\n"));
    char long_ns[NAAP_CACHE_NS_MAX + 2];
    memset(long_ns, 'x', sizeof(long_ns) - 1);
    long_ns[sizeof(long_ns) - 1] = '\0';
    CHECK(!naap_cache_ns_valid(long_ns));
    long_ns[NAAP_CACHE_NS_MAX] = '\0';
    CHECK(naap_cache_ns_valid(long_ns));

    naap_cache_key k = {"teams", "list", {"user:1", "team:2"}, 60, NULL};
    CHECK(naap_cache_key_check(&k) == 2);
    k.prefix = "Teams";
    CHECK(naap_cache_key_check(&k) == NAAP_EINVAL);
    k.prefix = "";
    CHECK(naap_cache_key_check(&k) == NAAP_EINVAL);
    k.prefix = "teams";
    k.id = NULL;
    CHECK(naap_cache_key_check(&k) == NAAP_EINVAL);
    k.id = "list";
    k.namespaces[1] = "bad|ns";
    CHECK(naap_cache_key_check(&k) == NAAP_EINVAL);
    naap_cache_key none = {"resp", "/x", {NULL}, 60, NULL};
    CHECK(naap_cache_key_check(&none) == 0);

    char gen[64];
    naap_cache_gen_key("team:2", gen, sizeof(gen));
    CHECK_STR(gen, "naap:gen:team:2");
    naap_cache_gen_key(NULL, gen, sizeof(gen));
    CHECK_STR(gen, "naap:gen:*");
}

static void test_build(void)
{
    char a[NAAP_CACHE_KEY_MAX], b[NAAP_CACHE_KEY_MAX];
    int64_t gens[] = {7, 42};
    naap_cache_key k = {"teams", "list?x=1", {"user:u1", "team:t1"}, NAAP_CACHE_TTL_SHORT, NULL};

    CHECK(naap_cache_key_build(&k, 3, gens, a, sizeof(a)) > 0);
    CHECK_STR(a, "naap:c:teams:2|3|user:u1=7|team:t1=42|list?x=1");

    /* every generation is part of the key: bumping any one moves the key */
    gens[1] = 43;
    CHECK(naap_cache_key_build(&k, 3, gens, b, sizeof(b)) > 0);
    CHECK(strcmp(a, b) != 0);
    gens[1] = 42;
    CHECK(naap_cache_key_build(&k, 4, gens, b, sizeof(b)) > 0);
    CHECK(strcmp(a, b) != 0);

    /* the namespace count keeps a namespace-looking id apart from a real namespace */
    naap_cache_key k1 = {"p", "b", {"a"}, 1, NULL};
    naap_cache_key k2 = {"p", "a=7|b", {NULL}, 1, NULL};
    int64_t g7[] = {7};
    CHECK(naap_cache_key_build(&k1, 1, g7, a, sizeof(a)) > 0);
    CHECK(naap_cache_key_build(&k2, 1, g7, b, sizeof(b)) > 0);
    CHECK(strcmp(a, b) != 0);

    /* long ids become their hash, and so do ids that look like one */
    char id[600];
    memset(id, 'q', sizeof(id) - 1);
    id[sizeof(id) - 1] = '\0';
    naap_cache_key lk = {"resp", id, {NULL}, 1, NULL};
    int n = naap_cache_key_build(&lk, 1, NULL, a, sizeof(a));
    CHECK(n > 0 && n < 100);
    const char *hash = strchr(a, '#');
    CHECK(hash && strlen(hash) == 65); /* '#' and a SHA-256 in hex */
    naap_cache_key fake = {"resp", hash, {NULL}, 1, NULL};
    CHECK(naap_cache_key_build(&fake, 1, NULL, b, sizeof(b)) > 0);
    CHECK(strcmp(a, b) != 0);
    naap_cache_key exact = {"resp", "/api/v1/x", {NULL}, 1, NULL};
    CHECK(naap_cache_key_build(&exact, 1, NULL, b, sizeof(b)) > 0);
    CHECK_STR(b, "naap:c:resp:0|1|/api/v1/x");

    CHECK(naap_cache_key_build(&k, 3, gens, a, 20) == NAAP_ETOOLARGE);
    k.prefix = "BAD";
    CHECK(naap_cache_key_build(&k, 3, gens, a, sizeof(a)) == NAAP_EINVAL);
}

static void test_ttl(void)
{
    CHECK(naap_cache_ttl_seconds(NAAP_CACHE_TTL_SHORT) == 60);
    CHECK(naap_cache_ttl_seconds(NAAP_CACHE_TTL_MEDIUM) == 300);
    CHECK(naap_cache_ttl_seconds(NAAP_CACHE_TTL_LONG) == 600);
    CHECK(naap_cache_ttl_seconds(17) == 17);
    CHECK(naap_cache_ttl_seconds(0) == 0);
    CHECK(naap_cache_ttl_seconds(-9) == 0);
    naap_config cfg = {0};
    cfg.cache_ttl_short = 5;
    cfg.cache_ttl_medium = 6;
    cfg.cache_ttl_long = 7;
    naap_cache_init(&cfg);
    CHECK(naap_cache_ttl_seconds(NAAP_CACHE_TTL_SHORT) == 5);
    CHECK(naap_cache_ttl_seconds(NAAP_CACHE_TTL_LONG) == 7);
}

static bool inside(const char *p, const char *data, size_t len)
{
    return p >= data && p < data + len;
}

static void test_blob(void)
{
    naap_arena *arena = naap_arena_new();
    const char *body = "{\"a\":1}";
    const char *etag = "W/\"7-AOi0RPfmpdKvWGnMaVbm5yzJm0I\"";
    char *gz = NULL;
    size_t gzlen = 0, len;
    CHECK(naap_compress_gzip(body, 7, &gz, &gzlen) == NAAP_OK);
    naap_cache_blob in = {.status = 200,
                          .content_type = "application/json; charset=utf-8",
                          .body = body,
                          .body_len = 7,
                          .gzip = gz,
                          .gzip_len = gzlen,
                          .etag = etag};
    naap_cache_blob out;
    char *data = naap_cache_blob_encode(&in, &len);

    CHECK(data != NULL && memcmp(data, "naap-blob/2 ", 12) == 0);
    CHECK(naap_cache_blob_decode(data, len, arena, &out) == NAAP_OK);
    CHECK(out.status == 200);
    CHECK_STR(out.content_type, "application/json; charset=utf-8");
    CHECK_STR(out.etag, etag);
    CHECK(out.body_len == 7 && memcmp(out.body, body, 7) == 0);
    CHECK(out.gzip_len == gzlen && memcmp(out.gzip, gz, gzlen) == 0);
    CHECK(out.hold == NULL);
    /* a hit's body and gzip are read where they are, never copied (issue 15) */
    CHECK(inside(out.body, data, len) && inside(out.gzip, data, len));
    /* truncated, padded or foreign values are refused, never half-read */
    CHECK(naap_cache_blob_decode(data, len - 1, arena, &out) == NAAP_EINVAL);
    CHECK(naap_cache_blob_decode("{\"a\":1}", 7, arena, &out) == NAAP_EINVAL);
    char *padded = malloc(len + 1);
    memcpy(padded, data, len);
    padded[len] = 'x';
    CHECK(naap_cache_blob_decode(padded, len + 1, arena, &out) == NAAP_EINVAL);
    /* a version this build does not know is refused */
    memcpy(padded, data, len);
    padded[10] = '3';
    CHECK(naap_cache_blob_decode(padded, len, arena, &out) == NAAP_EINVAL);
    /* the gzip is sent unchecked, so one that is not a gzip of a body this long is refused */
    memcpy(padded, data, len);
    padded[len - gzlen] ^= 1; /* its magic */
    CHECK(naap_cache_blob_decode(padded, len, arena, &out) == NAAP_EINVAL);
    memcpy(padded, data, len);
    padded[len - 4] ^= 1; /* the length in its trailer */
    CHECK(naap_cache_blob_decode(padded, len, arena, &out) == NAAP_EINVAL);
    free(padded);
    free(data);

    /* no ETag: "-", read back as none */
    naap_cache_blob plain = {.status = 201, .content_type = "text/plain", .body = ""};
    data = naap_cache_blob_encode(&plain, &len);
    CHECK(data != NULL && memcmp(data, "naap-blob/2 201 0 0 - text/plain\n", len) == 0);
    CHECK(naap_cache_blob_decode(data, len, arena, &out) == NAAP_OK);
    CHECK(out.status == 201 && out.body_len == 0 && out.gzip == NULL && out.etag == NULL);
    free(data);

    /* an entry written before the ETag was stored (version 1) still reads, without one */
    static const char v1[] = "naap-blob/1 200 7 0 application/json\n{\"a\":1}";
    CHECK(naap_cache_blob_decode(v1, sizeof(v1) - 1, arena, &out) == NAAP_OK);
    CHECK(out.status == 200 && out.etag == NULL && out.gzip == NULL);
    CHECK_STR(out.content_type, "application/json");
    CHECK(out.body_len == 7 && memcmp(out.body, body, 7) == 0);

    /* an ETag is one plain token: what would break the header line is never written,
     * and never read */
    naap_cache_blob bad = {.status = 200, .content_type = "text/plain\nX: y", .body = ""};
    CHECK(naap_cache_blob_encode(&bad, &len) == NULL);
    bad.content_type = "text/plain";
    bad.etag = "W/\"a b\"";
    CHECK(naap_cache_blob_encode(&bad, &len) == NULL);
    bad.etag = "";
    CHECK(naap_cache_blob_encode(&bad, &len) == NULL);
    bad.etag = "\"x\"\r\nSet-Cookie:";
    CHECK(naap_cache_blob_encode(&bad, &len) == NULL);
    static const char ctl[] = "naap-blob/2 200 0 0 \"x\"\x01 text/plain\n";
    CHECK(naap_cache_blob_decode(ctl, sizeof(ctl) - 1, arena, &out) == NAAP_EINVAL);
    static const char none[] = "naap-blob/2 200 0 0 text/plain\n";
    CHECK(naap_cache_blob_decode(none, sizeof(none) - 1, arena, &out) == NAAP_EINVAL);
    free(gz);
    naap_arena_free(arena);
}

int main(void)
{
    test_namespaces();
    test_build();
    test_ttl();
    test_blob();
    return check_report("cache_key");
}
