/* The request arena: deferred cleanups and allocations. */

#include "check.h"
#include "naap/arena.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Every cleanup appends its tag here, so order and count are both visible. */
static char ran[64];
static size_t nran;

static void record(void *p)
{
    if (nran < sizeof(ran) - 1)
        ran[nran++] = *(const char *)p;
    ran[nran] = '\0';
}

static void reset(void)
{
    nran = 0;
    ran[0] = '\0';
}

static void test_defer_order(void)
{
    static char tags[] = "abcde";
    naap_arena *a = naap_arena_new();

    reset();
    for (int i = 0; i < 5; i++)
        naap_arena_defer(a, record, &tags[i]);
    CHECK_STR(ran, ""); /* nothing before the free */
    naap_arena_free(a);
    CHECK_STR(ran, "edcba"); /* newest first, each once */
    CHECK(nran == 5);
}

static void test_defer_across_blocks(void)
{
    /* cleanups registered around allocations that fill several blocks (and an oversized
     * one) still all run, in reverse order, after the blocks holding them were chained */
    static char tags[] = "0123456789";
    naap_arena *a = naap_arena_new();

    reset();
    for (int i = 0; i < 10; i++) {
        naap_arena_defer(a, record, &tags[i]);
        memset(naap_arena_alloc(a, 3000), 'x', 3000);
        if (i == 4)
            memset(naap_arena_alloc(a, 100000), 'y', 100000);
    }
    naap_arena_free(a);
    CHECK_STR(ran, "9876543210");
}

static void free_counted(void *p)
{
    int *n = p;
    (*n)++;
}

static void test_defer_owns(void)
{
    /* the typical use: the arena frees what it did not allocate (ASan sees leaks) */
    naap_arena *a = naap_arena_new();
    int count = 0;
    naap_arena_defer(a, free, malloc(100));
    naap_arena_defer(a, free, strdup("owned"));
    naap_arena_defer(a, free_counted, &count);
    naap_arena_defer(a, free_counted, &count);
    naap_arena_free(a);
    CHECK(count == 2);

    naap_arena_free(NULL); /* ignored */

    reset();
    a = naap_arena_new();
    naap_arena_free(a); /* no cleanups: nothing runs */
    CHECK(nran == 0);
}

static void test_alloc(void)
{
    naap_arena *a = naap_arena_new();

    char *s = naap_arena_strdup(a, "hello");
    CHECK_STR(s, "hello");
    CHECK_STR(naap_arena_strndup(a, "abcdef", 3), "abc");
    CHECK_STR(naap_arena_strdup(a, ""), "");
    CHECK_STR(naap_arena_printf(a, "%s-%d-%05.1f", "x", 42, 3.14159), "x-42-003.1");
    for (size_t size = 0; size < 5000; size += 37) {
        unsigned char *p = naap_arena_alloc(a, size);
        CHECK(((uintptr_t)p % _Alignof(max_align_t)) == 0);
        memset(p, 0xab, size);
    }
    CHECK_STR(s, "hello"); /* earlier allocations are not overwritten */
    naap_arena_free(a);
}

int main(void)
{
    test_defer_order();
    test_defer_across_blocks();
    test_defer_owns();
    test_alloc();
    return check_report("arena");
}
