#include "check.h"
#include "naap/router.h"

static void h_a(naap_request *r)
{
    (void)r;
}
static void h_b(naap_request *r)
{
    (void)r;
}
static void h_c(naap_request *r)
{
    (void)r;
}

static const naap_route routes[] = {
    {"GET", "/api/v1/teams/:teamId", h_a, NAAP_TIER_NONE, NULL, NULL},
    {"GET", "/api/v1/teams/role-permissions", h_b, NAAP_TIER_NONE, NULL,
     NULL}, /* shadowed, as in Express */
    {"PUT", "/api/v1/teams/:teamId", h_b, NAAP_TIER_NONE, NULL, NULL},
    {"GET", "/api/v1/registry/packages/:name/:version", h_c, NAAP_TIER_NONE, NULL, NULL},
    {"POST", "/api/v1/teams/:teamId/members", h_c, NAAP_TIER_NONE, NULL, NULL},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static void test_match(void)
{
    naap_arena *a = naap_arena_new();
    naap_match m;

    CHECK(naap_router_match(routes, NROUTES, "GET", "/api/v1/teams/t1", a, &m) == NAAP_ROUTE_FOUND);
    CHECK(m.route == &routes[0]);
    CHECK(m.nparams == 1);
    CHECK_STR(m.params[0].value, "t1");
    CHECK(strncmp(m.params[0].name, "teamId", 6) == 0);

    /* first registered wins: role-permissions is captured by :teamId (api.md 4.12) */
    CHECK(naap_router_match(routes, NROUTES, "GET", "/api/v1/teams/role-permissions", a, &m) ==
          NAAP_ROUTE_FOUND);
    CHECK(m.route == &routes[0]);

    /* case-insensitive literals, params keep their case, optional trailing slash */
    CHECK(naap_router_match(routes, NROUTES, "GET", "/API/V1/Teams/AbC/", a, &m) ==
          NAAP_ROUTE_FOUND);
    CHECK_STR(m.params[0].value, "AbC");

    /* HEAD answers every GET */
    CHECK(naap_router_match(routes, NROUTES, "HEAD", "/api/v1/teams/x", a, &m) == NAAP_ROUTE_FOUND);
    CHECK(m.route == &routes[0]);

    /* method choice among rows of one path */
    CHECK(naap_router_match(routes, NROUTES, "PUT", "/api/v1/teams/x", a, &m) == NAAP_ROUTE_FOUND);
    CHECK(m.route == &routes[2]);
    naap_arena_free(a);
}

static void test_params_decoded(void)
{
    naap_arena *a = naap_arena_new();
    naap_match m;

    CHECK(naap_router_match(routes, NROUTES, "GET", "/api/v1/registry/packages/%40scope%2Fx/1.0.0",
                            a, &m) == NAAP_ROUTE_FOUND);
    CHECK(m.nparams == 2);
    CHECK_STR(m.params[0].value, "@scope/x");
    CHECK_STR(m.params[1].value, "1.0.0");
    CHECK(naap_router_match(routes, NROUTES, "GET", "/api/v1/registry/packages/%zz/1", a, &m) ==
          NAAP_ROUTE_BAD_PARAM);
    CHECK(naap_router_match(routes, NROUTES, "GET", "/api/v1/registry/packages/%00/1", a, &m) ==
          NAAP_ROUTE_BAD_PARAM);
    naap_arena_free(a);
}

static void test_misses(void)
{
    naap_arena *a = naap_arena_new();
    naap_match m;

    CHECK(naap_router_match(routes, NROUTES, "GET", "/api/v1/nope", a, &m) == NAAP_ROUTE_NOT_FOUND);
    CHECK(naap_router_match(routes, NROUTES, "GET", "/api/v1/teams", a, &m) ==
          NAAP_ROUTE_NOT_FOUND);
    CHECK(naap_router_match(routes, NROUTES, "GET", "/api/v1/teams//", a, &m) ==
          NAAP_ROUTE_NOT_FOUND); /* an empty segment is not a param */
    CHECK(naap_router_match(routes, NROUTES, "GET", "/api/v1/teams/a/b", a, &m) ==
          NAAP_ROUTE_NOT_FOUND);
    CHECK(naap_router_match(routes, NROUTES, "DELETE", "/api/v1/teams/x", a, &m) ==
          NAAP_ROUTE_WRONG_METHOD);
    CHECK_STR(m.allow, "GET, HEAD, PUT, OPTIONS");
    CHECK(naap_router_match(routes, NROUTES, "GET", "/api/v1/teams/x/members", a, &m) ==
          NAAP_ROUTE_WRONG_METHOD);
    CHECK_STR(m.allow, "POST, OPTIONS");
    naap_arena_free(a);
}

static void test_url_decode(void)
{
    char out[64];

    CHECK(naap_url_decode("a%20b+c", 7, out, 0) == 5);
    CHECK_STR(out, "a b+c");
    CHECK(naap_url_decode("a%20b+c", 7, out, 1) == 5);
    CHECK_STR(out, "a b c");
    CHECK(naap_url_decode("%C3%A9", 6, out, 0) == 2); /* é */
    CHECK(naap_url_decode("%C3", 3, out, 0) == -1);   /* truncated UTF-8 */
    CHECK(naap_url_decode("%E9", 3, out, 0) == -1);   /* Latin-1 byte, not UTF-8 */
    CHECK(naap_url_decode("%4", 2, out, 0) == -1);
    CHECK(naap_url_decode("%", 1, out, 0) == -1);
    CHECK(naap_url_decode("%ED%A0%80", 9, out, 0) == -1); /* surrogate */
    CHECK(naap_url_decode("%C0%AF", 6, out, 0) == -1);    /* overlong '/' */
    CHECK(naap_url_decode("", 0, out, 0) == 0);
    CHECK(naap_utf8_valid("\xf0\x9f\x98\x80", 4));  /* emoji */
    CHECK(!naap_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
}

int main(void)
{
    test_match();
    test_params_decoded();
    test_misses();
    test_url_decode();
    return check_report("router");
}
