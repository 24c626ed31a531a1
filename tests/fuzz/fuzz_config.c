/* Configuration parsing (issue 16): the input is a config file (EnvironmentFile syntax)
 * loaded with the same entry point `naapd --config` uses; each line is also tried as a
 * byte size and a duration. Leaks on the error paths show up under ASan. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"
#include "naap/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    naap_config cfg;
    char err[512];
    char *f[64];
    size_t n;
    int64_t v;

    if (!path[0]) {
        snprintf(path, sizeof(path), "/tmp/naapd-fuzz-config-%d", (int)getpid());
        /* the variables a developer's shell may set must not change what is fuzzed */
        clearenv();
    }
    FILE *fp = fopen(path, "wb");
    if (!fp)
        abort();
    fwrite(data, 1, size, fp);
    fclose(fp);
    (void)naap_config_load(&cfg, path, err, sizeof(err));
    naap_config_free(&cfg);
    unlink(path);

    n = fuzz_split(data, size, f, 64);
    for (size_t i = 0; i < n; i++) {
        (void)naap_config_parse_bytes(f[i], &v);
        (void)naap_config_parse_duration_ms(f[i], 1000, &v);
    }
    fuzz_free_fields(f, n);
    return 0;
}
