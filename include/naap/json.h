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

/** Room naap_json_quote needs for len input bytes: each may become a 6-byte escape. */
#define NAAP_JSON_QUOTE_MAX(len) (6 * (size_t)(len) + 2)
/**
 * Writes the len bytes at s into dst as a JSON string literal, quotes included, in plain
 * ASCII: byte for byte what jansson's json_dumps writes with JSON_ENSURE_ASCII, except
 * that bytes which are not well-formed UTF-8 become U+FFFD (jansson refuses the string).
 * dst holds at least NAAP_JSON_QUOTE_MAX(len) bytes; returns the bytes written (no NUL).
 */
size_t naap_json_quote(char *dst, const char *s, size_t len);

#endif
