#ifndef NAAP_ALLOC_H
#define NAAP_ALLOC_H

#include <stddef.h>

/* Allocation failure aborts the process in one place, as redis's zmalloc does: a worker
 * that cannot get memory is replaced by the master, which beats threading ENOMEM through
 * every call site and getting half of them wrong. */

/** malloc that never returns NULL. */
void *naap_xmalloc(size_t size);
/** calloc that never returns NULL. */
void *naap_xcalloc(size_t n, size_t size);
/** realloc that never returns NULL. */
void *naap_xrealloc(void *ptr, size_t size);
/** strdup that never returns NULL. */
char *naap_xstrdup(const char *s);
/** strndup that never returns NULL. */
char *naap_xstrndup(const char *s, size_t n);
/** asprintf into a new malloc'd string that never returns NULL. */
char *naap_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
