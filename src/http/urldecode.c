#include "naap/router.h"
#include "naap/crypto.h"

#include <stdint.h>

/* Mirrors decodeURIComponent, which Express applies to params: a bad escape or bytes
 * that are not UTF-8 make the request a 400, never a string jansson would refuse. */
long naap_url_decode(const char *in, size_t len, char *out, int plus_as_space)
{
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len)
                return -1;
            hi = naap_hex_digit((unsigned char)in[i + 1]);
            lo = naap_hex_digit((unsigned char)in[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = (unsigned char)(hi << 4 | lo);
            if (c == 0)
                return -1;
            i += 2;
        } else if (c == '+' && plus_as_space) {
            c = ' ';
        } else if (c == 0) {
            return -1;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return naap_utf8_valid(out, o) ? (long)o : -1;
}

int naap_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;

    while (p < end) {
        unsigned char c = *p;
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if ((size_t)(end - p) <= n)
            return 0;
        for (size_t i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        /* reject overlong forms, surrogates and values past U+10FFFF */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return 0;
        p += n + 1;
    }
    return 1;
}
