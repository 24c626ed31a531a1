#ifndef NAAP_THREAD_REGISTRY_H
#define NAAP_THREAD_REGISTRY_H

#include <pthread.h>

/* Per-thread connection objects (one PGconn, one redisContext per thread) must be closed
 * by the main thread once the HTTP threads are gone. Each module embeds a node in its
 * object, registers it when a thread creates one, and takes the whole list at shutdown. */

typedef struct naap_thread_node {
    struct naap_thread_node *next;
} naap_thread_node;

typedef struct naap_thread_registry {
    pthread_mutex_t lock;
    naap_thread_node *head;
} naap_thread_registry;

#define NAAP_THREAD_REGISTRY_INIT                                                                  \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, NULL                                                            \
    }

/** Adds a node (from any thread). */
void naap_thread_registry_add(naap_thread_registry *reg, naap_thread_node *node);
/** Removes and returns every node; the caller frees them. */
naap_thread_node *naap_thread_registry_take_all(naap_thread_registry *reg);

#endif
