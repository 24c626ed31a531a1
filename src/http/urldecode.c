#include "naap/router.h"
#include "naap/crypto.h"
#include "naap/utf8.h"

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
    uint32_t cp;

    while (p < end) {
        size_t n = naap_utf8_decode(p, end, &cp);
        if (n == 0)
            return 0;
        p += n;
    }
    return 1;
}
