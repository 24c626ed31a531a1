/* The response cache's key ids (issue 20, hole 3): two requests that differ in any part
 * must never build the same id. Reaches the middleware's static build_id by including
 * its .c, as h2o's tests do. */

#include "../../src/middleware/response_cache.c"
#include "check.h"

static const char *id_of(naap_arena *a, struct id_parts p)
{
    if (!p.route)
        p.route = "/api/v1/registry/packages/:name";
    return build_id(a, &p);
}

static void test_parts_cannot_run_into_each_other(void)
{
    naap_arena *a = naap_arena_new();

    /* the two query strings: encoded '&' and '=' stay apart from real ones */
    CHECK(strcmp(id_of(a, (struct id_parts){.query = "?search=a%26b%3D1"}),
                 id_of(a, (struct id_parts){.query = "?search=a&b=1"})) != 0);
    /* a decoded param value holding a separator cannot pose as the next part */
    CHECK(strcmp(id_of(a, (struct id_parts){.query = "?x=1|name=a",
                                            .param_name = "name",
                                            .param_value = "b"}),
                 id_of(a, (struct id_parts){.query = "?x=1",
                                            .param_name = "name",
                                            .param_value = "a|name=b"})) != 0);
    CHECK(strcmp(id_of(a, (struct id_parts){.path = "/p/x|u=1", .user = "2"}),
                 id_of(a, (struct id_parts){.path = "/p/x", .user = "1|u=2"})) != 0);
    CHECK(strcmp(id_of(a, (struct id_parts){.path = "/p?x"}),
                 id_of(a, (struct id_parts){.path = "/p", .query = "?x"})) != 0);
    CHECK(strcmp(id_of(a, (struct id_parts){.user = "u", .session = "s"}),
                 id_of(a, (struct id_parts){.user = "u|s=s"})) != 0);
    /* an empty part is not an absent one */
    CHECK(strcmp(id_of(a, (struct id_parts){.query = ""}), id_of(a, (struct id_parts){0})) != 0);
    /* hole 4: the session's expiry as the request resolved it is part of the key */
    CHECK(strcmp(id_of(a, (struct id_parts){.session = "s", .expires_ms = 1000}),
                 id_of(a, (struct id_parts){.session = "s", .expires_ms = 2000})) != 0);
    /* and the same request builds the same id */
    CHECK_STR(id_of(a, (struct id_parts){.path = "/p", .query = "?a=1", .user = "u"}),
              id_of(a, (struct id_parts){.path = "/p", .query = "?a=1", .user = "u"}));
    naap_arena_free(a);
}

int main(void)
{
    test_parts_cannot_run_into_each_other();
    return check_report("unit.response_cache_key");
}
