#include "check.h"
#include "naap/arena.h"
#include "naap/cache.h"
#include "naap/errors.h"

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

static void test_blob(void)
{
    naap_arena *arena = naap_arena_new();
    naap_cache_blob in = {200, "application/json; charset=utf-8", "{\"a\":1}", 7, "\x1f\x8b\0z", 4};
    naap_cache_blob out;
    size_t len;
    char *data = naap_cache_blob_encode(&in, &len);

    CHECK(data != NULL);
    CHECK(naap_cache_blob_decode(data, len, arena, &out) == NAAP_OK);
    CHECK(out.status == 200);
    CHECK_STR(out.content_type, "application/json; charset=utf-8");
    CHECK(out.body_len == 7 && memcmp(out.body, "{\"a\":1}", 7) == 0);
    CHECK(out.gzip_len == 4 && memcmp(out.gzip, "\x1f\x8b\0z", 4) == 0);
    /* truncated, padded or foreign values are refused, never half-read */
    CHECK(naap_cache_blob_decode(data, len - 1, arena, &out) == NAAP_EINVAL);
    CHECK(naap_cache_blob_decode("{\"a\":1}", 7, arena, &out) == NAAP_EINVAL);
    char *padded = malloc(len + 1);
    memcpy(padded, data, len);
    padded[len] = 'x';
    CHECK(naap_cache_blob_decode(padded, len + 1, arena, &out) == NAAP_EINVAL);
    free(padded);
    free(data);

    naap_cache_blob plain = {201, "text/plain", "", 0, NULL, 0};
    data = naap_cache_blob_encode(&plain, &len);
    CHECK(naap_cache_blob_decode(data, len, arena, &out) == NAAP_OK);
    CHECK(out.status == 201 && out.body_len == 0 && out.gzip == NULL);
    free(data);

    naap_cache_blob bad = {200, "text/plain\nX: y", "", 0, NULL, 0};
    CHECK(naap_cache_blob_encode(&bad, &len) == NULL);
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
