#ifndef NAAP_TEST_STORE_ENV_H
#define NAAP_TEST_STORE_ENV_H

/* The store tests reach the PostgreSQL and Redis of the ctest `stores` fixture through
 * $NAAPD_TEST_STATE/env.json (written by tests/harness/stores.py). */

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/** A malloc'd copy of env.json's key ("redis_url", "admin_url"), or NULL (reported). */
static inline char *store_env(const char *key)
{
    char path[1024];
    const char *state = getenv("NAAPD_TEST_STATE");
    json_error_t err;

    if (!state) {
        fprintf(stderr, "NAAPD_TEST_STATE is not set (run through ctest)\n");
        return NULL;
    }
    snprintf(path, sizeof(path), "%s/env.json", state);
    json_t *env = json_load_file(path, 0, &err);
    const char *value = json_string_value(json_object_get(env, key));
    char *copy = value ? strdup(value) : NULL;
    if (!copy)
        fprintf(stderr, "%s: no %s (%s)\n", path, key, env ? "missing" : err.text);
    json_decref(env);
    return copy;
}

#endif
