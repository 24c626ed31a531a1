#include "naap/arena.h"
#include "naap/alloc.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Blocks are chained; a request rarely needs more than the first one. Large requests
 * get a block of their own so a big body does not waste the tail of a small block. */
#define ARENA_BLOCK_SIZE 4096

struct arena_block {
    struct arena_block *next;
    size_t used;
    size_t size;
    alignas(max_align_t) unsigned char data[];
};

struct arena_cleanup {
    struct arena_cleanup *next;
    void (*fn)(void *);
    void *ptr;
};

struct naap_arena {
    struct arena_block *head;
    struct arena_cleanup *cleanups;
};

static struct arena_block *block_new(size_t size)
{
    struct arena_block *b = naap_xmalloc(sizeof(*b) + size);
    b->next = NULL;
    b->used = 0;
    b->size = size;
    return b;
}

naap_arena *naap_arena_new(void)
{
    naap_arena *arena = naap_xmalloc(sizeof(*arena));
    arena->head = block_new(ARENA_BLOCK_SIZE);
    arena->cleanups = NULL;
    return arena;
}

void naap_arena_free(naap_arena *arena)
{
    if (!arena)
        return;
    for (struct arena_cleanup *c = arena->cleanups; c; c = c->next)
        c->fn(c->ptr);
    struct arena_block *b = arena->head;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(arena);
}

void *naap_arena_alloc(naap_arena *arena, size_t size)
{
    const size_t align = alignof(max_align_t);
    size_t need = (size + align - 1) & ~(align - 1);
    struct arena_block *b = arena->head;

    if (need == 0)
        need = align;
    if (b->size - b->used < need) {
        if (need > ARENA_BLOCK_SIZE / 4) {
            /* oversized: own block, linked behind the head so the head keeps serving */
            struct arena_block *big = block_new(need);
            big->next = b->next;
            b->next = big;
            big->used = need;
            return big->data;
        }
        b = block_new(ARENA_BLOCK_SIZE);
        b->next = arena->head;
        arena->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

void naap_arena_defer(naap_arena *arena, void (*fn)(void *), void *ptr)
{
    struct arena_cleanup *c = naap_arena_alloc(arena, sizeof(*c));
    c->fn = fn;
    c->ptr = ptr;
    c->next = arena->cleanups;
    arena->cleanups = c;
}

char *naap_arena_strndup(naap_arena *arena, const char *s, size_t len)
{
    char *p = naap_arena_alloc(arena, len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *naap_arena_strdup(naap_arena *arena, const char *s)
{
    return naap_arena_strndup(arena, s, strlen(s));
}

char *naap_arena_printf(naap_arena *arena, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return naap_arena_strdup(arena, "");
    char *p = naap_arena_alloc(arena, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
