#ifndef NAAP_BUF_H
#define NAAP_BUF_H

#include <stddef.h>

/* A growable byte buffer that stays NUL-terminated, for bodies and log lines. */
typedef struct naap_buf {
    char *data;
    size_t len;
    size_t cap;
} naap_buf;

/** Appends len bytes. */
void naap_buf_append(naap_buf *b, const void *data, size_t len);
/** Appends a NUL-terminated string. */
void naap_buf_puts(naap_buf *b, const char *s);
/** Frees the storage and resets the buffer to empty. */
void naap_buf_reset(naap_buf *b);

#endif
