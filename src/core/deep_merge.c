#include "naap/deep_merge.h"

#include <stdio.h>
#include <string.h>

/* Stored configs are not bounded by the request parser's depth limit (anything may have
 * written them); past this depth over's value replaces instead of merging, so a hostile
 * row cannot exhaust the stack. */
#define MERGE_DEPTH_MAX 64

json_t *naap_config_object(const json_t *config)
{
    json_t *out = json_object();
    char key[24];

    if (json_is_object(config)) {
        json_object_update(out, (json_t *)config);
    } else if (json_is_array(config)) {
        size_t i;
        json_t *v;
        json_array_foreach(config, i, v)
        {
            snprintf(key, sizeof(key), "%zu", i);
            json_object_set(out, key, v);
        }
    } else if (json_is_string(config)) {
        /* JavaScript spreads a string into its characters; code points stand in for
         * UTF-16 units here */
        const char *s = json_string_value(config);
        size_t n = 0, len;
        for (; *s; s += len, n++) {
            for (len = 1; ((unsigned char)s[len] & 0xC0) == 0x80; len++)
                ;
            snprintf(key, sizeof(key), "%zu", n);
            json_object_set_new(out, key, json_stringn(s, len));
        }
    }
    return out;
}

static json_t *merge(const json_t *base, const json_t *over, int depth)
{
    json_t *out = json_object();
    const char *k;
    json_t *o;

    json_object_update(out, (json_t *)base);
    json_object_foreach((json_t *)over, k, o)
    {
        json_t *b = json_object_get(base, k);
        if (json_is_object(o) && (json_is_object(b) || json_is_null(b)) &&
            depth < MERGE_DEPTH_MAX) {
            json_t *empty = json_object();
            json_object_set_new(out, k, merge(json_is_object(b) ? b : empty, o, depth + 1));
            json_decref(empty);
        } else {
            json_object_set(out, k, o); /* shares o: nothing here modifies a value */
        }
    }
    return out;
}

json_t *naap_deep_merge(const json_t *base, const json_t *over)
{
    return merge(base, over, 0);
}

json_t *naap_merge_config(const json_t *shared, const json_t *personal)
{
    json_t *b = naap_config_object(shared), *o = naap_config_object(personal);
    json_t *out = merge(b, o, 0);
    const char *k;
    json_t *v;

    json_object_foreach(o, k, v)
    {
        if (json_is_null(v))
            json_object_del(out, k);
    }
    json_decref(b);
    json_decref(o);
    return out;
}
