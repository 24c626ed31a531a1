#include "naap/alloc.h"
#include "naap/arena.h"
#include "naap/cache.h"
#include "naap/errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One Redis string per cached answer, so that one SET stores it with its expiry and one
 * GET reads it whole: a text header line, then the body, then its gzip.
 *   naap-blob/2 <status> <body length> <gzip length> <etag or -> <content type>\n<body><gzip>
 * Version 1, written before the ETag was stored, lacks the etag field; it is still read
 * (its hits hash the body for their ETag), so entries written before an upgrade keep
 * serving until they expire. */

#define MAGIC "naap-blob/2 "
#define MAGIC_V1 "naap-blob/1 "
#define MAGIC_LEN (sizeof(MAGIC) - 1)
#define ETAG_MAX 128
#define GZIP_MIN 18 /* a 10-byte header and an 8-byte trailer */

/* RFC 9110 8.8.3's etagc plus 'W/': printable ASCII without space; it ends at the first
 * space in the header line, and goes out as a header value as it is. */
static bool etag_ok(const char *s, size_t len)
{
    if (len == 0 || len > ETAG_MAX || (len == 1 && s[0] == '-'))
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return false;
    return true;
}

char *naap_cache_blob_encode(const naap_cache_blob *blob, size_t *len)
{
    const char *type = blob->content_type ? blob->content_type : "";
    const char *etag = blob->etag ? blob->etag : "-";
    size_t gzip_len = blob->gzip ? blob->gzip_len : 0;
    if (strchr(type, '\n'))
        return NULL; /* it ends the header line */
    if (blob->etag && !etag_ok(etag, strlen(etag)))
        return NULL;
    int head = snprintf(NULL, 0, MAGIC "%d %zu %zu %s %s\n", blob->status, blob->body_len, gzip_len,
                        etag, type);
    char *out = naap_xmalloc((size_t)head + 1 + blob->body_len + gzip_len);

    snprintf(out, (size_t)head + 1, MAGIC "%d %zu %zu %s %s\n", blob->status, blob->body_len,
             gzip_len, etag, type);
    if (blob->body_len)
        memcpy(out + head, blob->body, blob->body_len);
    if (gzip_len)
        memcpy(out + head + blob->body_len, blob->gzip, gzip_len);
    *len = (size_t)head + blob->body_len + gzip_len;
    return out;
}

/* Reads a decimal number of at most 10 digits followed by a space. */
static int number(const char **p, const char *end, size_t *out)
{
    size_t v = 0;
    const char *s = *p;
    while (s < end && *s >= '0' && *s <= '9' && s - *p < 10)
        v = v * 10 + (size_t)(*s++ - '0');
    if (s == *p || s == end || *s != ' ')
        return NAAP_EINVAL;
    *out = v;
    *p = s + 1;
    return NAAP_OK;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The compressor sends a stored gzip without its CRC check (compress.h), so what decode
 * can check in constant time it does: the gzip magic, and a trailer that names the body's
 * length. */
static bool gzip_fits(const unsigned char *g, size_t len, size_t body_len)
{
    return len >= GZIP_MIN && g[0] == 0x1f && g[1] == 0x8b &&
           le32(g + len - 4) == (uint32_t)body_len;
}

int naap_cache_blob_decode(const char *data, size_t len, naap_arena *arena, naap_cache_blob *out)
{
    const char *end = data + len, *p = data, *nl;
    size_t status, body_len, gzip_len;
    bool v1;

    memset(out, 0, sizeof(*out));
    if (len < MAGIC_LEN)
        return NAAP_EINVAL;
    v1 = memcmp(data, MAGIC_V1, MAGIC_LEN) == 0;
    if (!v1 && memcmp(data, MAGIC, MAGIC_LEN) != 0)
        return NAAP_EINVAL;
    p += MAGIC_LEN;
    if (number(&p, end, &status) || number(&p, end, &body_len) || number(&p, end, &gzip_len))
        return NAAP_EINVAL;
    nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl || status < 100 || status > 599)
        return NAAP_EINVAL;
    if (!v1) {
        const char *sp = memchr(p, ' ', (size_t)(nl - p));
        if (!sp)
            return NAAP_EINVAL;
        size_t n = (size_t)(sp - p);
        if (etag_ok(p, n))
            out->etag = naap_arena_strndup(arena, p, n);
        else if (n != 1 || *p != '-')
            return NAAP_EINVAL;
        p = sp + 1;
    }
    /* the lengths must account for every byte: a truncated or padded value is refused */
    if ((size_t)(end - nl - 1) != body_len + gzip_len)
        return NAAP_EINVAL;
    if (gzip_len && !gzip_fits((const unsigned char *)nl + 1 + body_len, gzip_len, body_len))
        return NAAP_EINVAL;
    out->status = (int)status;
    out->content_type = naap_arena_strndup(arena, p, (size_t)(nl - p));
    /* body and gzip stay where they are: a hit's 38 KB are not copied (issue 15) */
    out->body = nl + 1;
    out->body_len = body_len;
    out->gzip = gzip_len ? nl + 1 + body_len : NULL;
    out->gzip_len = gzip_len;
    return NAAP_OK;
}
