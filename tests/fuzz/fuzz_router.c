/* Route matching and percent-decoding (issue 16): input line 1 is the method, line 2 the
 * raw path; the whole input is also decoded on its own, both ways. Properties beyond "no
 * crash": a decoded value is valid UTF-8 with no NUL, and every param is too. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "naap/api.h"
#include "naap/arena.h"
#include "naap/router.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *f[2];
    size_t n = fuzz_split(data, size, f, 2);
    char *out = malloc(size + 1);
    if (!out)
        abort();
    for (int plus = 0; plus <= 1; plus++) {
        long len = naap_url_decode((const char *)data, size, out, plus);
        if (len >= 0 && (strlen(out) != (size_t)len || !naap_utf8_valid(out, (size_t)len)))
            abort();
    }
    free(out);
    if (n == 2) {
        naap_arena *arena = naap_arena_new();
        naap_match m;
        enum naap_match_result r =
            naap_router_match(naap_routes, naap_routes_count, f[0], f[1], arena, &m);
        if (r == NAAP_ROUTE_FOUND) {
            if (!m.route || m.nparams > NAAP_MAX_PARAMS)
                abort();
            for (size_t i = 0; i < m.nparams; i++)
                if (!m.params[i].value[0] ||
                    !naap_utf8_valid(m.params[i].value, strlen(m.params[i].value)))
                    abort();
        }
        naap_arena_free(arena);
    }
    fuzz_free_fields(f, n);
    return 0;
}
