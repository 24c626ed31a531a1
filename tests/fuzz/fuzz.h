/* Shared by the fuzz targets (tests/fuzz/README.md): the libFuzzer entry point and a
 * helper that cuts one input into NUL-terminated fields, so that one target can feed
 * several parsers (a header value, a query value, a second JSON document). */
#ifndef NAAP_FUZZ_H
#define NAAP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Splits data at each '\n' (or at most max fields) into malloc'd NUL-terminated copies
 * in fields[]; returns the count. Embedded NULs stay: parsers must stop at them. Free
 * with fuzz_free_fields. */
size_t fuzz_split(const uint8_t *data, size_t size, char **fields, size_t max);
void fuzz_free_fields(char **fields, size_t n);

#endif
