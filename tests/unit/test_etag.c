#include "check.h"
#include "naap/etag.h"
#include "naap/sha1.h"

#include <stdlib.h>
#include <string.h>

/* Expected values come from Express's `etag` package (weak: true) for the same bytes. */
static void test_make(void)
{
    char tag[NAAP_ETAG_MAX];
    naap_etag_make("hello world", 11, tag);
    CHECK_STR(tag, "W/\"b-Kq5sNclPz7QV2+lfQIuc6R7oRu0\"");
    naap_etag_make("", 0, tag);
    CHECK_STR(tag, "W/\"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk\"");
    naap_etag_make("{\"error\":\"Cannot GET /x\"}", 25, tag);
    CHECK_STR(tag, "W/\"19-LY5hrxnq5VUmeNCUNu51GchCzx4\"");

    /* several SHA-1 blocks and a length needing more hex digits */
    char *big = malloc(70000);
    memset(big, 'a', 70000);
    naap_etag_make(big, 70000, tag);
    CHECK_STR(tag, "W/\"11170-SdwOkwTKh/IVHeMvbFKRvwnF5lI\"");
    free(big);
}

static void test_matches(void)
{
    const char *tag = "W/\"b-Kq5sNclPz7QV2+lfQIuc6R7oRu0\"";
    const char *strong = "\"b-Kq5sNclPz7QV2+lfQIuc6R7oRu0\"";

    CHECK(naap_etag_matches(tag, tag));
    /* weak comparison: W/ is ignored on either side */
    CHECK(naap_etag_matches(strong, tag));
    CHECK(naap_etag_matches(tag, strong));
    CHECK(naap_etag_matches("\"other\", W/\"b-Kq5sNclPz7QV2+lfQIuc6R7oRu0\"", tag));
    CHECK(naap_etag_matches("\"a\",\"b\" ,\t\"b-Kq5sNclPz7QV2+lfQIuc6R7oRu0\"  ", tag));
    CHECK(naap_etag_matches("*", tag));
    CHECK(naap_etag_matches("  * ", tag));

    CHECK(!naap_etag_matches("\"other\"", tag));
    CHECK(!naap_etag_matches("", tag));
    CHECK(!naap_etag_matches(",,", tag));
    CHECK(!naap_etag_matches("W/", tag));
    /* a prefix or a longer tag is another tag */
    CHECK(!naap_etag_matches("W/\"b-Kq5sNclPz7QV2+lfQIuc6R7oRu\"", tag));
    CHECK(!naap_etag_matches("W/\"b-Kq5sNclPz7QV2+lfQIuc6R7oRu0x\"", tag));
    /* "*" only counts alone, as in Express's `fresh` */
    CHECK(!naap_etag_matches("\"x\", *", tag));
}

static void test_sha1(void)
{
    unsigned char d[NAAP_SHA1_LEN];
    naap_sha1("abc", 3, d);
    CHECK(d[0] == 0xa9 && d[1] == 0x99 && d[19] == 0x9d);
}

/* naap_etag_of is what the response cache stores with an entry and the filter sends: a
 * JSON body's tag is computed once and added as the header; a tag already set (the
 * handler's, or a cache hit's) is the one used, never recomputed. */
static void test_of(void)
{
    naap_request req;
    char tag[NAAP_ETAG_MAX];

    memset(&req, 0, sizeof(req));
    req.arena = naap_arena_new();
    naap_response_set_body(&req.res, "{\"a\":1}", 7, NULL, NULL);
    req.res.content_type = "text/plain";
    CHECK(naap_etag_of(&req) == NULL && req.res.headers == NULL);
    req.res.content_type = "application/json; charset=utf-8";
    naap_etag_make("{\"a\":1}", 7, tag);
    CHECK_STR(naap_etag_of(&req), tag);
    CHECK(req.res.headers && strcmp(req.res.headers->name, "ETag") == 0);
    CHECK_STR(req.res.headers->value, tag);
    CHECK(naap_etag_of(&req) == req.res.headers->value && req.res.headers->next == NULL);

    req.res.headers = NULL;
    naap_response_header(&req, "ETag", "W/\"stored\"");
    CHECK_STR(naap_etag_of(&req), "W/\"stored\"");
    CHECK(req.res.headers->next == NULL);
    naap_arena_free(req.arena);
}

int main(void)
{
    test_make();
    test_matches();
    test_sha1();
    test_of();
    return check_report("etag");
}
