#ifndef NAAP_ARENA_H
#define NAAP_ARENA_H

#include <stddef.h>

/* A request-scoped pool in the spirit of h2o's mem pool: everything a request allocates
 * for itself comes from here and is released at once when the request completes, so
 * handlers never free piecemeal. */
typedef struct naap_arena naap_arena;

/** Creates an empty arena. */
naap_arena *naap_arena_new(void);
/** Releases the arena and everything allocated from it. NULL is ignored. */
void naap_arena_free(naap_arena *arena);
/** Allocates size bytes aligned for any type; never NULL. */
void *naap_arena_alloc(naap_arena *arena, size_t size);
/** Copies len bytes of s into the arena and NUL-terminates them. */
char *naap_arena_strndup(naap_arena *arena, const char *s, size_t len);
/** Copies a NUL-terminated string into the arena. */
char *naap_arena_strdup(naap_arena *arena, const char *s);
/**
 * Runs fn(ptr) when the arena is freed, newest first: for things the arena does not
 * allocate itself (a libpq result, a jansson value) but whose lifetime is the request's.
 */
void naap_arena_defer(naap_arena *arena, void (*fn)(void *), void *ptr);
/** printf into the arena. */
char *naap_arena_printf(naap_arena *arena, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
