#include "naap/alloc.h"
#include "naap/arena.h"
#include "naap/cache.h"
#include "naap/errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One Redis string per cached answer, so that one SET stores it with its expiry and one
 * GET reads it whole: a text header line, then the body, then its gzip.
 *   naap-blob/1 <status> <body length> <gzip length> <content type>\n<body><gzip> */

#define MAGIC "naap-blob/1 "

char *naap_cache_blob_encode(const naap_cache_blob *blob, size_t *len)
{
    const char *type = blob->content_type ? blob->content_type : "";
    size_t gzip_len = blob->gzip ? blob->gzip_len : 0;
    if (strchr(type, '\n'))
        return NULL; /* it ends the header line */
    int head =
        snprintf(NULL, 0, MAGIC "%d %zu %zu %s\n", blob->status, blob->body_len, gzip_len, type);
    char *out = naap_xmalloc((size_t)head + 1 + blob->body_len + gzip_len);

    snprintf(out, (size_t)head + 1, MAGIC "%d %zu %zu %s\n", blob->status, blob->body_len, gzip_len,
             type);
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

static const char *copy(naap_arena *arena, const char *s, size_t len)
{
    char *c = naap_arena_alloc(arena, len + 1);
    memcpy(c, s, len);
    c[len] = '\0';
    return c;
}

int naap_cache_blob_decode(const char *data, size_t len, naap_arena *arena, naap_cache_blob *out)
{
    const char *end = data + len, *p = data, *nl;
    size_t status, body_len, gzip_len;

    memset(out, 0, sizeof(*out));
    if (len < sizeof(MAGIC) - 1 || memcmp(data, MAGIC, sizeof(MAGIC) - 1) != 0)
        return NAAP_EINVAL;
    p += sizeof(MAGIC) - 1;
    if (number(&p, end, &status) || number(&p, end, &body_len) || number(&p, end, &gzip_len))
        return NAAP_EINVAL;
    nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl || status < 100 || status > 599)
        return NAAP_EINVAL;
    /* the lengths must account for every byte: a truncated or padded value is refused */
    if ((size_t)(end - nl - 1) != body_len + gzip_len)
        return NAAP_EINVAL;
    out->status = (int)status;
    out->content_type = copy(arena, p, (size_t)(nl - p));
    out->body = copy(arena, nl + 1, body_len);
    out->body_len = body_len;
    out->gzip = gzip_len ? copy(arena, nl + 1 + body_len, gzip_len) : NULL;
    out->gzip_len = gzip_len;
    return NAAP_OK;
}
