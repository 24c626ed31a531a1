#include "check.h"
#include "naap/deep_merge.h"

#include <stdio.h>
#include <stdlib.h>

/* merge_config(shared, personal) as compact text, key order kept */
static char *merged(const char *shared, const char *personal)
{
    json_t *s = shared ? json_loads(shared, JSON_DECODE_ANY, NULL) : NULL;
    json_t *p = personal ? json_loads(personal, JSON_DECODE_ANY, NULL) : NULL;
    json_t *out = naap_merge_config(s, p);
    char *text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(s);
    json_decref(p);
    json_decref(out);
    return text;
}

#define CHECK_MERGE(shared, personal, want)                                                        \
    do {                                                                                           \
        char *got_ = merged(shared, personal);                                                     \
        CHECK_STR(got_, want);                                                                     \
        free(got_);                                                                                \
    } while (0)

static void test_api_md_worked_example(void)
{
    CHECK_MERGE("{\"a\":1,\"n\":{\"x\":1,\"y\":2},\"arr\":[1,2],\"k\":5}",
                "{\"n\":{\"y\":3,\"z\":null},\"arr\":[9],\"k\":null,\"new\":true}",
                "{\"a\":1,\"n\":{\"x\":1,\"y\":3,\"z\":null},\"arr\":[9],\"new\":true}");
}

static void test_rules(void)
{
    CHECK_MERGE(NULL, NULL, "{}");
    CHECK_MERGE("null", "{\"a\":1}", "{\"a\":1}");  /* decisions.md 8: never a 500 */
    CHECK_MERGE("{\"a\":1}", "null", "{\"a\":1}");
    CHECK_MERGE("{\"a\":{\"b\":[1,2]}}", "{\"a\":{\"b\":[3]}}", "{\"a\":{\"b\":[3]}}");
    CHECK_MERGE("{\"a\":[1]}", "{\"a\":{\"x\":1}}", "{\"a\":{\"x\":1}}"); /* array base: replace */
    CHECK_MERGE("{\"a\":{\"x\":1}}", "{\"a\":5}", "{\"a\":5}");
    CHECK_MERGE("{\"a\":{\"x\":1}}", "{\"a\":{\"y\":null}}", "{\"a\":{\"x\":1,\"y\":null}}");
    /* upstream threw on a null base value under an object; here null counts as {} */
    CHECK_MERGE("{\"a\":null}", "{\"a\":{\"x\":1}}", "{\"a\":{\"x\":1}}");
    CHECK_MERGE("{\"a\":null}", "{\"a\":{}}", "{\"a\":{}}");
    /* top-level personal nulls remove the key, also when shared lacks it */
    CHECK_MERGE("{\"a\":1,\"b\":2}", "{\"a\":null,\"c\":null}", "{\"b\":2}");
    /* key order: base's, then over's new keys */
    CHECK_MERGE("{\"z\":1,\"a\":2}", "{\"m\":3,\"z\":4}", "{\"z\":4,\"a\":2,\"m\":3}");
    /* non-object configs: arrays and strings spread, numbers and booleans are {} */
    CHECK_MERGE("[\"x\",\"y\"]", "{\"1\":\"z\"}", "{\"0\":\"x\",\"1\":\"z\"}");
    CHECK_MERGE("\"ab\"", NULL, "{\"0\":\"a\",\"1\":\"b\"}");
    CHECK_MERGE("5", "true", "{}");
}

static void test_inputs_not_modified(void)
{
    json_t *base = json_loads("{\"n\":{\"x\":1}}", 0, NULL);
    json_t *over = json_loads("{\"n\":{\"y\":2}}", 0, NULL);
    json_t *out = naap_deep_merge(base, over);
    char *b = json_dumps(base, JSON_COMPACT), *o = json_dumps(out, JSON_COMPACT);
    CHECK_STR(b, "{\"n\":{\"x\":1}}");
    CHECK_STR(o, "{\"n\":{\"x\":1,\"y\":2}}");
    free(b);
    free(o);
    json_decref(base);
    json_decref(over);
    json_decref(out);
}

/* nested to the request parser's depth limit and far past it (stored rows may be) */
static void test_deep_nesting(void)
{
    for (int depth = 32; depth <= 2000; depth = depth == 32 ? 2000 : depth + 1) {
        json_t *base = json_object(), *over = json_object(), *b = base, *o = over;
        for (int i = 0; i < depth; i++) {
            json_t *nb = json_object(), *no = json_object();
            json_object_set_new(b, "k", nb);
            json_object_set_new(o, "k", no);
            b = nb;
            o = no;
        }
        json_object_set_new(b, "base", json_true());
        json_object_set_new(o, "over", json_true());
        json_t *out = naap_merge_config(base, over), *cur = out;
        int levels = 0;
        while (json_object_get(cur, "k")) {
            cur = json_object_get(cur, "k");
            levels++;
        }
        CHECK(levels == depth);
        if (depth == 32) /* within the merge depth: both leaves survive */
            CHECK(json_is_true(json_object_get(cur, "base")) &&
                  json_is_true(json_object_get(cur, "over")));
        else /* past it: over's subtree replaces, nothing overflows */
            CHECK(json_is_true(json_object_get(cur, "over")));
        json_decref(base);
        json_decref(over);
        json_decref(out);
    }
}

static void test_many_keys(void)
{
    json_t *base = json_object(), *over = json_object();
    char key[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        json_object_set_new(base, key, json_integer(i));
        if (i % 2)
            json_object_set_new(over, key, i % 4 == 1 ? json_null() : json_integer(-i));
    }
    json_t *out = naap_merge_config(base, over);
    CHECK(json_object_size(out) == 15000);
    CHECK(json_integer_value(json_object_get(out, "k0")) == 0);
    CHECK(json_object_get(out, "k1") == NULL);
    CHECK(json_integer_value(json_object_get(out, "k3")) == -3);
    json_decref(base);
    json_decref(over);
    json_decref(out);
}

int main(void)
{
    test_api_md_worked_example();
    test_rules();
    test_inputs_not_modified();
    test_deep_nesting();
    test_many_keys();
    return check_report("test_deep_merge");
}
