#include "naap/json.h"
#include "naap/errors.h"

#include <stdio.h>
#include <string.h>

int naap_json_depth(const char *data, size_t len, int limit)
{
    int depth = 0, max = 0, in_string = 0;

    for (size_t i = 0; i < len; i++) {
        char c = data[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
            continue;
        }
        if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > limit)
                return -1;
            if (depth > max)
                max = depth;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return max;
}

static int only_space(const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (data[i] != ' ' && data[i] != '\t' && data[i] != '\n' && data[i] != '\r')
            return 0;
    return 1;
}

int naap_json_parse_body(const char *data, size_t len, int max_depth, json_t **out, char *err,
                         size_t errlen)
{
    json_error_t jerr;

    if (len == 0 || only_space(data, len)) {
        *out = json_object();
        return NAAP_OK;
    }
    if (naap_json_depth(data, len, max_depth) < 0) {
        snprintf(err, errlen, "JSON nested deeper than %d levels", max_depth);
        return NAAP_EINVAL;
    }
    /* no JSON_ALLOW_NUL: a "\u0000" would truncate the string in every C consumer */
    json_t *v = json_loadb(data, len, 0, &jerr);
    if (!v) {
        snprintf(err, errlen, "Malformed JSON: %s", jerr.text);
        return NAAP_EINVAL;
    }
    if (!json_is_object(v) && !json_is_array(v)) {
        json_decref(v);
        snprintf(err, errlen, "JSON body must be an object or an array");
        return NAAP_EINVAL;
    }
    *out = v;
    return NAAP_OK;
}
