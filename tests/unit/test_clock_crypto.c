#include "check.h"
#include "naap/arena.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/errors.h"

#include <ctype.h>

static void test_iso(void)
{
    char out[NAAP_ISO8601_SIZE];
    naap_clock_iso8601(0, out);
    CHECK_STR(out, "1970-01-01T00:00:00.000Z");
    naap_clock_iso8601(1770576339123LL, out);
    CHECK_STR(out, "2026-02-08T18:45:39.123Z");

    CHECK(naap_clock_pg_to_iso8601("2026-02-08 18:45:39.123", out) == NAAP_OK);
    CHECK_STR(out, "2026-02-08T18:45:39.123Z");
    CHECK(naap_clock_pg_to_iso8601("2026-02-08 18:45:39.1", out) == NAAP_OK);
    CHECK_STR(out, "2026-02-08T18:45:39.100Z");
    CHECK(naap_clock_pg_to_iso8601("2026-02-08 18:45:39", out) == NAAP_OK);
    CHECK_STR(out, "2026-02-08T18:45:39.000Z");
    CHECK(naap_clock_pg_to_iso8601("2026-02-08 18:45:39.123456", out) == NAAP_OK);
    CHECK_STR(out, "2026-02-08T18:45:39.123Z");
    CHECK(naap_clock_pg_to_iso8601("2026-02-08", out) == NAAP_EINVAL);
    CHECK(naap_clock_pg_to_iso8601("2026-02-08 18:45:39.", out) == NAAP_EINVAL);
    CHECK(naap_clock_pg_to_iso8601("2026-02-08 18:45:39+00", out) == NAAP_EINVAL);
}

static void test_uuid(void)
{
    char a[NAAP_UUID_SIZE], b[NAAP_UUID_SIZE];
    naap_uuid_v4(a);
    naap_uuid_v4(b);
    CHECK(strlen(a) == 36);
    CHECK(strcmp(a, b) != 0);
    CHECK(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
    CHECK(a[14] == '4');
    CHECK(strchr("89ab", a[19]) != NULL);
    for (int i = 0; i < 36; i++)
        CHECK(a[i] == '-' || (isxdigit((unsigned char)a[i]) && !isupper((unsigned char)a[i])));
    char hex[7];
    naap_hex_encode((const unsigned char *)"\x00\xab\xff", 3, hex);
    CHECK_STR(hex, "00abff");
}

static void test_arena(void)
{
    naap_arena *a = naap_arena_new();
    char *s = naap_arena_printf(a, "%s-%d", "x", 42);
    CHECK_STR(s, "x-42");
    /* many small and a few large allocations survive together */
    char *big = naap_arena_alloc(a, 100000);
    memset(big, 'z', 100000);
    for (int i = 0; i < 2000; i++) {
        char *p = naap_arena_strdup(a, "abcdefgh");
        CHECK(strcmp(p, "abcdefgh") == 0);
    }
    CHECK_STR(s, "x-42");
    CHECK(big[99999] == 'z');
    naap_arena_free(a);
}

int main(void)
{
    test_iso();
    test_uuid();
    test_arena();
    return check_report("clock_crypto");
}
