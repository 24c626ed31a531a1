#include "naap/thread_registry.h"

void naap_thread_registry_add(naap_thread_registry *reg, naap_thread_node *node)
{
    pthread_mutex_lock(&reg->lock);
    node->next = reg->head;
    reg->head = node;
    pthread_mutex_unlock(&reg->lock);
}

naap_thread_node *naap_thread_registry_take_all(naap_thread_registry *reg)
{
    pthread_mutex_lock(&reg->lock);
    naap_thread_node *all = reg->head;
    reg->head = NULL;
    pthread_mutex_unlock(&reg->lock);
    return all;
}
