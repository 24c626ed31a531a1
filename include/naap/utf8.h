#ifndef NAAP_UTF8_H
#define NAAP_UTF8_H

#include <stddef.h>
#include <stdint.h>

/**
 * Decodes the UTF-8 sequence at s (s < end). Returns its length (1-4) with the code point
 * in *cp, or 0 when it is not well-formed: a stray continuation byte, a sequence cut
 * short, an overlong form, a surrogate or a value past U+10FFFF.
 */
size_t naap_utf8_decode(const unsigned char *s, const unsigned char *end, uint32_t *cp);

#endif
