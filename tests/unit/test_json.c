#include "check.h"
#include "naap/errors.h"
#include "naap/json.h"

#include <stdlib.h>

static int parses(const char *text)
{
    char err[160];
    json_t *v = NULL;
    int rc = naap_json_parse_body(text, strlen(text), 32, &v, err, sizeof(err));
    json_decref(v);
    return rc == NAAP_OK;
}

static void test_body_rules(void)
{
    char err[160];
    json_t *v = NULL;

    CHECK(naap_json_parse_body("", 0, 32, &v, err, sizeof(err)) == NAAP_OK);
    CHECK(json_is_object(v) && json_object_size(v) == 0); /* empty body is {} */
    json_decref(v);
    CHECK(parses("  \r\n"));
    CHECK(parses("{\"a\":[1,2,{\"b\":null}]}"));
    CHECK(parses("[]"));
    CHECK(!parses("\"string\"")); /* strict: object or array only */
    CHECK(!parses("42"));
    CHECK(!parses("{\"a\":"));
    CHECK(!parses("{\"a\":1}x"));
    CHECK(!parses("{\"a\":\"\\u0000\"}")); /* NUL would truncate C strings */
    CHECK(!parses("{\"a\":\"\xff\"}"));    /* not UTF-8 */
}

static void test_depth(void)
{
    char deep[200];
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        deep[n++] = '[';
    for (int i = 0; i < 40; i++)
        deep[n++] = ']';
    deep[n] = '\0';
    CHECK(!parses(deep));
    CHECK(naap_json_depth(deep, n, 100) == 40);
    CHECK(naap_json_depth(deep, n, 10) == -1);
    /* brackets inside strings do not count */
    CHECK(naap_json_depth("{\"a\":\"[[[[\\\"[[\"}", 17, 100) == 1);
    CHECK(parses("{\"k\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}"));
}

int main(void)
{
    test_body_rules();
    test_depth();
    return check_report("json");
}
