#include "naap/buf.h"
#include "naap/alloc.h"

#include <stdlib.h>
#include <string.h>

void naap_buf_append(naap_buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + len + 1)
            cap *= 2;
        b->data = naap_xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void naap_buf_puts(naap_buf *b, const char *s)
{
    naap_buf_append(b, s, strlen(s));
}

void naap_buf_reset(naap_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}
