#include "check.h"
#include "naap/errors.h"
#include "naap/migrate.h"
#include "naap/redis.h"

struct collected {
    int n;
    char stmts[16][256];
};

static int collect(const char *stmt, size_t len, void *arg)
{
    struct collected *c = arg;
    if (c->n < 16 && len < 256) {
        memcpy(c->stmts[c->n], stmt, len);
        c->stmts[c->n][len] = '\0';
    }
    c->n++;
    return 0;
}

static void test_sql_split(void)
{
    struct collected c = {0};
    const char *sql = "-- header; with a semicolon\n"
                      "CREATE INDEX a ON t(x);\n"
                      "SELECT 'it''s; fine';\n"
                      "SELECT \"odd;name\" FROM t;\n"
                      "DO $body$ BEGIN PERFORM 1; END $body$;\n"
                      "/* block; comment */ SELECT $$x;y$$;\n"
                      "  -- trailing comment only\n";
    CHECK(naap_sql_split(sql, collect, &c) == 0);
    CHECK(c.n == 5);
    CHECK(strstr(c.stmts[0], "CREATE INDEX a ON t(x)") != NULL);
    CHECK(strstr(c.stmts[1], "'it''s; fine'") != NULL);
    CHECK(strstr(c.stmts[2], "\"odd;name\"") != NULL);
    CHECK(strstr(c.stmts[3], "PERFORM 1; END $body$") != NULL);
    CHECK(strstr(c.stmts[4], "$$x;y$$") != NULL);

    struct collected d = {0};
    CHECK(naap_sql_split("SELECT 1", collect, &d) == 0);
    CHECK(d.n == 1);
    struct collected e = {0};
    CHECK(naap_sql_split("  \n-- nothing\n;;", collect, &e) == 0);
    CHECK(e.n == 0);
}

static void test_redis_url(void)
{
    naap_redis_target t;
    CHECK(naap_redis_url_parse("redis://localhost:6379", &t) == NAAP_OK);
    CHECK_STR(t.host, "localhost");
    CHECK(t.port == 6379 && t.db == 0 && t.password[0] == '\0');
    CHECK(naap_redis_url_parse("redis://:p%40ss@10.0.0.5:7000/3", &t) == NAAP_OK);
    CHECK_STR(t.host, "10.0.0.5");
    CHECK_STR(t.password, "p@ss");
    CHECK(t.port == 7000 && t.db == 3);
    CHECK(naap_redis_url_parse("redis://user:pw@h", &t) == NAAP_OK);
    CHECK_STR(t.username, "user");
    CHECK(t.port == 6379);
    CHECK(naap_redis_url_parse("redis://[::1]:6380", &t) == NAAP_OK);
    CHECK_STR(t.host, "::1");
    CHECK(t.port == 6380);
    CHECK(naap_redis_url_parse("unix:///run/redis.sock?db=2", &t) == NAAP_OK);
    CHECK_STR(t.unix_path, "/run/redis.sock");
    CHECK(t.db == 2);
    CHECK(naap_redis_url_parse("redis://h:0", &t) == NAAP_EINVAL);
    CHECK(naap_redis_url_parse("redis://h:x", &t) == NAAP_EINVAL);
    CHECK(naap_redis_url_parse("redis://h/x", &t) == NAAP_EINVAL);
    CHECK(naap_redis_url_parse("http://h", &t) == NAAP_EINVAL);
}

int main(void)
{
    test_sql_split();
    test_redis_url();
    return check_report("stores_pure");
}
