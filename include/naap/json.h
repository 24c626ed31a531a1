#ifndef NAAP_JSON_H
#define NAAP_JSON_H

#include <jansson.h>
#include <stddef.h>

/**
 * Parses a request body the way express.json() does in strict mode: empty is {}, the top
 * level must be an object or an array, and nesting is bounded by max_depth (checked
 * before jansson sees the text, so a hostile body costs one linear scan). On success
 * returns 0 and a new reference in *out; else NAAP_EINVAL with a reason in err.
 */
int naap_json_parse_body(const char *data, size_t len, int max_depth, json_t **out, char *err,
                         size_t errlen);
/** Returns the maximum nesting depth of the JSON text, or -1 once it exceeds limit. */
int naap_json_depth(const char *data, size_t len, int limit);

#endif
