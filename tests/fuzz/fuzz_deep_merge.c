/* Deep merge of plugin configs (issue 16): line 1 is the shared config, line 2 the
 * personal one, each any JSON value (a stored config may be anything). The merge must
 * not crash, must return an object, and must leave its inputs as they were. */
#include <stdlib.h>

#include "fuzz.h"
#include "naap/deep_merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *f[2];
    size_t n = fuzz_split(data, size, f, 2);
    json_t *a = n > 0 ? json_loads(f[0], JSON_DECODE_ANY, NULL) : NULL;
    json_t *b = n > 1 ? json_loads(f[1], JSON_DECODE_ANY, NULL) : NULL;
    json_t *a_copy = a ? json_deep_copy(a) : NULL, *b_copy = b ? json_deep_copy(b) : NULL;

    json_t *m = naap_merge_config(a, b);
    if (!json_is_object(m))
        abort();
    json_decref(m);
    json_t *oa = naap_config_object(a), *ob = naap_config_object(b);
    if (!json_is_object(oa) || !json_is_object(ob))
        abort();
    json_t *d = naap_deep_merge(oa, ob);
    if (!json_is_object(d))
        abort();
    if ((a && !json_equal(a, a_copy)) || (b && !json_equal(b, b_copy)))
        abort(); /* inputs unchanged */
    json_decref(d);
    json_decref(oa);
    json_decref(ob);
    json_decref(a);
    json_decref(b);
    json_decref(a_copy);
    json_decref(b_copy);
    fuzz_free_fields(f, n);
    return 0;
}
