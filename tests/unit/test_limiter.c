#include "check.h"
#include "naap/limiter.h"

#include <stdio.h>

static void test_window_and_block(void)
{
    naap_limit_rule rule = {3, 60000, 300000};
    naap_limit_result r;
    int64_t t = 1000000;

    for (int i = 1; i <= 3; i++) {
        naap_limiter_memory_hit("a", &rule, t, &r);
        CHECK(r.allowed && r.consumed == i && r.limit == 3);
        CHECK(r.reset_ms == 60000);
    }
    /* the first excess starts the block, counted from now */
    naap_limiter_memory_hit("a", &rule, t + 10000, &r);
    CHECK(!r.allowed && r.consumed == 4);
    CHECK(r.reset_ms == 300000);
    /* later excesses only read what is left of the block */
    naap_limiter_memory_hit("a", &rule, t + 20000, &r);
    CHECK(!r.allowed && r.reset_ms == 290000);
    /* after the window the original key would have been free; the block holds it */
    naap_limiter_memory_hit("a", &rule, t + 70000, &r);
    CHECK(!r.allowed);
    /* after the block a fresh window starts */
    naap_limiter_memory_hit("a", &rule, t + 310001, &r);
    CHECK(r.allowed && r.consumed == 1);
    /* keys are separate */
    naap_limiter_memory_hit("b", &rule, t, &r);
    CHECK(r.allowed && r.consumed == 1);
}

static void test_no_block_means_window_end(void)
{
    naap_limit_rule rule = {1, 1000, 0};
    naap_limit_result r;
    naap_limiter_memory_hit("nb", &rule, 5000, &r);
    CHECK(r.allowed);
    naap_limiter_memory_hit("nb", &rule, 5500, &r);
    CHECK(!r.allowed && r.reset_ms == 500);
    naap_limiter_memory_hit("nb", &rule, 6001, &r);
    CHECK(r.allowed && r.consumed == 1);
}

static void test_memory_stays_bounded(void)
{
    naap_limit_rule rule = {5, 60000, 0};
    naap_limit_result r;
    char key[64];
    int64_t t = 50000000;

    for (int i = 0; i < 100000; i++) {
        snprintf(key, sizeof(key), "ip:10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        naap_limiter_memory_hit(key, &rule, t, &r);
        CHECK(r.allowed);
    }
    int live = naap_limiter_memory_entries(t);
    CHECK(live > 0 && live <= 8192 * 4); /* the table's fixed size */
    /* a recent, hot key survives a flood of one-off keys often enough to still be counted */
    for (int i = 0; i < 5; i++)
        naap_limiter_memory_hit("ip:hot", &rule, t, &r);
    naap_limiter_memory_hit("ip:hot", &rule, t, &r);
    CHECK(!r.allowed);
    CHECK(naap_limiter_memory_entries(t + 60001) == 0); /* all expired */
}

int main(void)
{
    test_window_and_block();
    test_no_block_means_window_end();
    test_memory_stays_bounded();
    return check_report("limiter");
}
