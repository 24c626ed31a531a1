#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

size_t fuzz_split(const uint8_t *data, size_t size, char **fields, size_t max)
{
    size_t n = 0, start = 0;

    for (size_t i = 0; i <= size && n < max; i++) {
        if (i == size || (data[i] == '\n' && n + 1 < max)) {
            size_t len = i - start;
            fields[n] = malloc(len + 1);
            if (!fields[n])
                abort();
            memcpy(fields[n], data + start, len);
            fields[n][len] = '\0';
            n++;
            start = i + 1;
        }
    }
    return n;
}

void fuzz_free_fields(char **fields, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(fields[i]);
}
