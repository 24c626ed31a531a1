#include "naap/json.h"
#include "naap/errors.h"
#include "naap/utf8.h"

#include <stdio.h>
#include <stdint.h>
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

static char *put_u16(char *p, uint32_t unit)
{
    static const char hex[] = "0123456789ABCDEF";
    p[0] = '\\';
    p[1] = 'u';
    p[2] = hex[unit >> 12 & 0xf];
    p[3] = hex[unit >> 8 & 0xf];
    p[4] = hex[unit >> 4 & 0xf];
    p[5] = hex[unit & 0xf];
    return p + 6;
}

size_t naap_json_quote(char *dst, const char *s, size_t len)
{
    const unsigned char *in = (const unsigned char *)s, *end = in + len;
    char *p = dst;

    *p++ = '"';
    while (in < end) {
        unsigned char c = *in;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *p++ = (char)c;
            in++;
            continue;
        }
        if (c < 0x80) {
            char letter = c == '"'    ? '"'
                          : c == '\\' ? '\\'
                          : c == '\b' ? 'b'
                          : c == '\f' ? 'f'
                          : c == '\n' ? 'n'
                          : c == '\r' ? 'r'
                          : c == '\t' ? 't'
                                      : 0;
            if (letter) {
                *p++ = '\\';
                *p++ = letter;
            } else {
                p = put_u16(p, c);
            }
            in++;
            continue;
        }
        uint32_t cp;
        size_t n = naap_utf8_decode(in, end, &cp);
        if (n == 0) {
            /* one replacement per bad byte keeps the line a valid JSON text (a log shipper
             * drops a line that is not) while still showing how many bytes were wrong */
            p = put_u16(p, 0xfffd);
            in++;
            continue;
        }
        if (cp < 0x10000) {
            p = put_u16(p, cp);
        } else {
            cp -= 0x10000;
            p = put_u16(p, 0xd800 | cp >> 10);
            p = put_u16(p, 0xdc00 | (cp & 0x3ff));
        }
        in += n;
    }
    *p++ = '"';
    return (size_t)(p - dst);
}
