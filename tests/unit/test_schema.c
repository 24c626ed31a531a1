/* Body schemas (naap_schema_check) and query counts (naap_parse_count). */

#include "check.h"
#include "naap/errors.h"
#include "naap/schema.h"

#include <limits.h>
#include <stdlib.h>

#define MAX_FIELDS 8

/* The body of the last check: values borrow from it, so it lives until the next one. */
static json_t *body;
static naap_value out[MAX_FIELDS];
static char err[160];

static int run(const char *text, const naap_field *fields)
{
    json_error_t jerr;

    json_decref(body);
    body = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!body) {
        fprintf(stderr, "test bug: cannot parse %s: %s\n", text, jerr.text);
        check_failures++;
        return NAAP_ERR;
    }
    memset(out, 0x5a, sizeof(out)); /* filled in by the check, not left over */
    strcpy(err, "(untouched)");
    return naap_schema_check(body, fields, out, err, sizeof(err));
}

/* The body passes; out[] holds its values. */
#define GOOD(text, fields)                                                                         \
    do {                                                                                           \
        int rc_ = run(text, fields);                                                               \
        CHECK(rc_ == NAAP_OK);                                                                     \
        if (rc_ != NAAP_OK)                                                                        \
            fprintf(stderr, "  body %s: %s\n", text, err);                                         \
    } while (0)

/* The body fails with exactly this message. */
#define BAD(text, fields, msg)                                                                     \
    do {                                                                                           \
        CHECK(run(text, fields) == NAAP_EINVAL);                                                   \
        CHECK_STR(err, msg);                                                                       \
    } while (0)

/* ---- types: every type against a value of every other JSON type ---------------------- */

static void test_string(void)
{
    const naap_field f[] = {{.name = "name", .type = NAAP_T_STRING}, {0}};

    GOOD("{\"name\":\"Ada\"}", f);
    CHECK(out[0].state == NAAP_V_SET);
    CHECK_STR(out[0].str, "Ada");
    CHECK(json_is_string(out[0].json));
    CHECK(out[0].json == json_object_get(body, "name")); /* borrowed, not copied */

    BAD("{\"name\":5}", f, "name must be a string");
    BAD("{\"name\":5.5}", f, "name must be a string");
    BAD("{\"name\":true}", f, "name must be a string");
    BAD("{\"name\":false}", f, "name must be a string");
    BAD("{\"name\":[\"Ada\"]}", f, "name must be a string");
    BAD("{\"name\":{\"first\":\"Ada\"}}", f, "name must be a string");
    BAD("{\"name\":null}", f, "name must not be null");

    /* \u0000 inside a string: jansson keeps it, no column can hold it */
    BAD("{\"name\":\"a\\u0000b\"}", f, "name must not contain NUL characters");
    BAD("{\"name\":\"\\u0000\"}", f, "name must not contain NUL characters");
    /* other escapes are fine */
    GOOD("{\"name\":\"a\\u00e9\\n\"}", f);
    CHECK_STR(out[0].str, "a\xc3\xa9\n");
}

static void test_int(void)
{
    const naap_field f[] = {{.name = "rating", .type = NAAP_T_INT}, {0}};

    GOOD("{\"rating\":5}", f);
    CHECK(out[0].state == NAAP_V_SET);
    CHECK(out[0].num == 5);
    GOOD("{\"rating\":5.0}", f); /* an integral real reads as the integer */
    CHECK(out[0].num == 5);
    GOOD("{\"rating\":-3}", f);
    CHECK(out[0].num == -3);
    GOOD("{\"rating\":0}", f);
    CHECK(out[0].num == 0);
    GOOD("{\"rating\":-0.0}", f);
    CHECK(out[0].num == 0);
    GOOD("{\"rating\":5e2}", f);
    CHECK(out[0].num == 500);
    GOOD("{\"rating\":9223372036854775807}", f);
    CHECK(out[0].num == LLONG_MAX);
    GOOD("{\"rating\":-9223372036854775808}", f);
    CHECK(out[0].num == LLONG_MIN);

    BAD("{\"rating\":\"5\"}", f, "rating must be an integer");
    BAD("{\"rating\":true}", f, "rating must be an integer");
    BAD("{\"rating\":false}", f, "rating must be an integer");
    BAD("{\"rating\":[4]}", f, "rating must be an integer");
    BAD("{\"rating\":{\"v\":4}}", f, "rating must be an integer");
    BAD("{\"rating\":4.5}", f, "rating must be an integer");
    BAD("{\"rating\":-0.5}", f, "rating must be an integer");
    BAD("{\"rating\":1e300}", f, "rating must be an integer"); /* no long long holds it */
    BAD("{\"rating\":null}", f, "rating must not be null");
}

static void test_bool(void)
{
    const naap_field f[] = {{.name = "public", .type = NAAP_T_BOOL}, {0}};

    GOOD("{\"public\":true}", f);
    CHECK(out[0].state == NAAP_V_SET);
    CHECK(out[0].flag == true);
    GOOD("{\"public\":false}", f);
    CHECK(out[0].state == NAAP_V_SET);
    CHECK(out[0].flag == false);

    BAD("{\"public\":\"true\"}", f, "public must be a boolean");
    BAD("{\"public\":1}", f, "public must be a boolean");
    BAD("{\"public\":0}", f, "public must be a boolean");
    BAD("{\"public\":[true]}", f, "public must be a boolean");
    BAD("{\"public\":{}}", f, "public must be a boolean");
    BAD("{\"public\":null}", f, "public must not be null");
}

static void test_object_array_any(void)
{
    const naap_field obj[] = {{.name = "meta", .type = NAAP_T_OBJECT}, {0}};
    const naap_field arr[] = {{.name = "tags", .type = NAAP_T_ARRAY}, {0}};
    const naap_field any[] = {{.name = "extra", .type = NAAP_T_ANY}, {0}};

    GOOD("{\"meta\":{\"a\":1}}", obj);
    CHECK(out[0].state == NAAP_V_SET);
    CHECK(json_is_object(out[0].json));
    CHECK(json_integer_value(json_object_get(out[0].json, "a")) == 1);
    GOOD("{\"meta\":{}}", obj);
    CHECK(json_is_object(out[0].json) && json_object_size(out[0].json) == 0);
    BAD("{\"meta\":[]}", obj, "meta must be an object");
    BAD("{\"meta\":\"{}\"}", obj, "meta must be an object");
    BAD("{\"meta\":1}", obj, "meta must be an object");
    BAD("{\"meta\":true}", obj, "meta must be an object");
    BAD("{\"meta\":null}", obj, "meta must not be null");

    GOOD("{\"tags\":[\"a\",\"b\"]}", arr);
    CHECK(out[0].state == NAAP_V_SET);
    CHECK(json_is_array(out[0].json) && json_array_size(out[0].json) == 2);
    GOOD("{\"tags\":[]}", arr);
    CHECK(json_is_array(out[0].json) && json_array_size(out[0].json) == 0);
    BAD("{\"tags\":{}}", arr, "tags must be an array");
    BAD("{\"tags\":\"a,b\"}", arr, "tags must be an array");
    BAD("{\"tags\":3}", arr, "tags must be an array");
    BAD("{\"tags\":false}", arr, "tags must be an array");
    BAD("{\"tags\":null}", arr, "tags must not be null");

    const char *anys[] = {"{\"extra\":1}",    "{\"extra\":1.5}", "{\"extra\":\"s\"}",
                          "{\"extra\":true}", "{\"extra\":[]}",  "{\"extra\":{}}",
                          "{\"extra\":\"\"}"};
    for (size_t i = 0; i < sizeof(anys) / sizeof(anys[0]); i++) {
        GOOD(anys[i], any);
        CHECK(out[0].state == NAAP_V_SET);
        CHECK(out[0].json == json_object_get(body, "extra"));
    }
    BAD("{\"extra\":null}", any, "extra must not be null");
}

/* ---- presence: absent, null and "" -------------------------------------------------- */

static void test_required(void)
{
    const naap_field req[] = {{.name = "name", .type = NAAP_T_STRING, .flags = NAAP_F_REQUIRED},
                              {0}};
    const naap_field req_ne[] = {
        {.name = "name", .type = NAAP_T_STRING, .flags = NAAP_F_REQUIRED | NAAP_F_NONEMPTY}, {0}};
    const naap_field ne[] = {{.name = "name", .type = NAAP_T_STRING, .flags = NAAP_F_NONEMPTY},
                             {0}};
    const naap_field req_int[] = {{.name = "rating", .type = NAAP_T_INT, .flags = NAAP_F_REQUIRED},
                                  {0}};

    BAD("{}", req, "name is required");
    BAD("{\"other\":\"x\"}", req, "name is required");
    BAD("{\"name\":null}", req, "name is required");
    GOOD("{\"name\":\"\"}", req); /* without NONEMPTY, "" is a value */
    CHECK(out[0].state == NAAP_V_SET);
    CHECK_STR(out[0].str, "");
    GOOD("{\"name\":\"x\"}", req);
    CHECK_STR(out[0].str, "x");

    BAD("{}", req_ne, "name is required");
    BAD("{\"name\":null}", req_ne, "name is required");
    BAD("{\"name\":\"\"}", req_ne, "name is required");
    GOOD("{\"name\":\" \"}", req_ne); /* NONEMPTY is about length, not blankness */
    CHECK_STR(out[0].str, " ");

    GOOD("{}", ne); /* NONEMPTY alone does not make the field required */
    CHECK(out[0].state == NAAP_V_ABSENT);
    BAD("{\"name\":\"\"}", ne, "name must not be empty");
    BAD("{\"name\":null}", ne, "name must not be null");

    BAD("{}", req_int, "rating is required");
    BAD("{\"rating\":null}", req_int, "rating is required");
    BAD("{\"rating\":\"\"}", req_int, "rating must be an integer");
}

static void test_nullable(void)
{
    const naap_field f[] = {{.name = "bio", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
                            {.name = "age", .type = NAAP_T_INT, .flags = NAAP_F_NULLABLE},
                            {0}};
    const naap_field req[] = {
        {.name = "bio", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE | NAAP_F_REQUIRED}, {0}};

    GOOD("{\"bio\":null,\"age\":null}", f);
    CHECK(out[0].state == NAAP_V_NULL);
    CHECK(out[0].str == NULL);
    CHECK(json_is_null(out[0].json));
    CHECK(out[1].state == NAAP_V_NULL);
    CHECK(out[1].num == 0);

    GOOD("{}", f);
    CHECK(out[0].state == NAAP_V_ABSENT);
    CHECK(out[0].str == NULL);
    CHECK(out[0].json == NULL);
    CHECK(out[1].state == NAAP_V_ABSENT);
    CHECK(out[1].num == 0);

    GOOD("{\"bio\":\"\",\"age\":7}", f);
    CHECK(out[0].state == NAAP_V_SET);
    CHECK_STR(out[0].str, "");
    CHECK(out[1].state == NAAP_V_SET);
    CHECK(out[1].num == 7);

    BAD("{\"bio\":1}", f, "bio must be a string");
    BAD("{\"age\":\"7\"}", f, "age must be an integer");

    /* REQUIRED | NULLABLE: present as null is fine, absent is not */
    GOOD("{\"bio\":null}", req);
    CHECK(out[0].state == NAAP_V_NULL);
    BAD("{}", req, "bio is required");
}

/* ---- string rules -------------------------------------------------------------------- */

static bool is_slug(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return false;
    return true;
}

static void test_lengths(void)
{
    const naap_field f[] = {{.name = "title", .type = NAAP_T_STRING, .min = 2, .max = 4}, {0}};
    const naap_field only_max[] = {{.name = "title", .type = NAAP_T_STRING, .max = 3}, {0}};
    const naap_field only_min[] = {{.name = "title", .type = NAAP_T_STRING, .min = 3}, {0}};

    BAD("{\"title\":\"a\"}", f, "title must be at least 2 characters");
    GOOD("{\"title\":\"ab\"}", f);
    GOOD("{\"title\":\"abcd\"}", f);
    BAD("{\"title\":\"abcde\"}", f, "title must be at most 4 characters");
    BAD("{\"title\":\"\"}", f, "title must be at least 2 characters");

    /* characters, not bytes: é is 2 bytes, € 3, 😀 4 */
    GOOD("{\"title\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", f); /* 4 chars, 8 bytes */
    CHECK_STR(out[0].str, "éééé");
    GOOD("{\"title\":\"\\u20ac\\u20ac\\u20ac\\u20ac\"}", f); /* 4 chars, 12 bytes */
    GOOD("{\"title\":\"\\ud83d\\ude00\\ud83d\\ude00\"}", f); /* 2 chars, 8 bytes */
    BAD("{\"title\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", f,
        "title must be at most 4 characters");
    BAD("{\"title\":\"\\ud83d\\ude00\"}", f, "title must be at least 2 characters"); /* 4 bytes */

    GOOD("{\"title\":\"\"}", only_max);
    GOOD("{\"title\":\"abc\"}", only_max);
    BAD("{\"title\":\"abcd\"}", only_max, "title must be at most 3 characters");
    GOOD("{\"title\":\"abcdefghijklmnopqrstuvwxyz\"}", only_min);
    BAD("{\"title\":\"ab\"}", only_min, "title must be at least 3 characters");
}

static void test_int_range(void)
{
    const naap_field f[] = {{.name = "rating", .type = NAAP_T_INT, .min = 1, .max = 5}, {0}};
    const naap_field neg[] = {{.name = "offset", .type = NAAP_T_INT, .min = -10, .max = 0}, {0}};
    const naap_field none[] = {{.name = "n", .type = NAAP_T_INT}, {0}};

    BAD("{\"rating\":0}", f, "rating must be between 1 and 5");
    GOOD("{\"rating\":1}", f);
    CHECK(out[0].num == 1);
    GOOD("{\"rating\":5}", f);
    CHECK(out[0].num == 5);
    GOOD("{\"rating\":3.0}", f);
    CHECK(out[0].num == 3);
    BAD("{\"rating\":6}", f, "rating must be between 1 and 5");
    BAD("{\"rating\":-1}", f, "rating must be between 1 and 5");
    BAD("{\"rating\":6.0}", f, "rating must be between 1 and 5");
    BAD("{\"rating\":2.5}", f, "rating must be an integer"); /* the type first */

    GOOD("{\"offset\":-10}", neg);
    GOOD("{\"offset\":0}", neg);
    BAD("{\"offset\":-11}", neg, "offset must be between -10 and 0");
    BAD("{\"offset\":1}", neg, "offset must be between -10 and 0");

    GOOD("{\"n\":-123456789012}", none); /* 0, 0: no range */
    CHECK(out[0].num == -123456789012LL);
}

static void test_one_of_and_valid(void)
{
    static const char *const sorts[] = {"newest", "oldest", "rating", NULL};
    const naap_field f[] = {{.name = "sort", .type = NAAP_T_STRING, .one_of = sorts}, {0}};
    const naap_field slug[] = {{.name = "slug", .type = NAAP_T_STRING, .valid = is_slug}, {0}};
    const naap_field both[] = {{.name = "slug",
                                .type = NAAP_T_STRING,
                                .flags = NAAP_F_NONEMPTY,
                                .max = 5,
                                .valid = is_slug},
                               {0}};

    GOOD("{\"sort\":\"newest\"}", f);
    CHECK_STR(out[0].str, "newest");
    GOOD("{\"sort\":\"rating\"}", f);
    CHECK_STR(out[0].str, "rating");
    BAD("{\"sort\":\"Newest\"}", f, "sort must be one of newest, oldest, rating");
    BAD("{\"sort\":\"\"}", f, "sort must be one of newest, oldest, rating");
    BAD("{\"sort\":\"newest \"}", f, "sort must be one of newest, oldest, rating");
    BAD("{\"sort\":1}", f, "sort must be a string");

    GOOD("{\"slug\":\"my-plugin-2\"}", slug);
    BAD("{\"slug\":\"My Plugin\"}", slug, "slug is not valid");
    GOOD("{}", slug); /* absent: the rule does not run */
    CHECK(out[0].state == NAAP_V_ABSENT);

    BAD("{\"slug\":\"\"}", both, "slug must not be empty"); /* emptiness before the rule */
    BAD("{\"slug\":\"abcdef\"}", both, "slug must be at most 5 characters");
    BAD("{\"slug\":\"AB\"}", both, "slug is not valid");
    GOOD("{\"slug\":\"ab\"}", both);
}

static void test_custom_message(void)
{
    static const char *const kinds[] = {"a", "b", NULL};
    const char *msg = "Please give a valid name";
    const naap_field f[] = {{.name = "name",
                             .type = NAAP_T_STRING,
                             .flags = NAAP_F_REQUIRED | NAAP_F_NONEMPTY,
                             .max = 3,
                             .valid = is_slug,
                             .message = msg},
                            {0}};
    const naap_field k[] = {
        {.name = "kind", .type = NAAP_T_STRING, .one_of = kinds, .message = "Unknown kind"}, {0}};
    const naap_field r[] = {
        {.name = "rating", .type = NAAP_T_INT, .min = 1, .max = 5, .message = "1 to 5 stars"}, {0}};

    BAD("{}", f, msg);
    BAD("{\"name\":null}", f, msg);
    BAD("{\"name\":\"\"}", f, msg);
    BAD("{\"name\":3}", f, msg);
    BAD("{\"name\":\"abcd\"}", f, msg);
    BAD("{\"name\":\"A\"}", f, msg);
    BAD("{\"name\":\"a\\u0000\"}", f, msg);
    GOOD("{\"name\":\"abc\"}", f);

    BAD("{\"kind\":\"c\"}", k, "Unknown kind");
    BAD("{\"rating\":0}", r, "1 to 5 stars");
    BAD("{\"rating\":\"3\"}", r, "1 to 5 stars");
    BAD("{\"rating\":null}", r, "1 to 5 stars");
}

/* ---- the table as a whole ------------------------------------------------------------ */

static void test_table(void)
{
    const naap_field f[] = {
        {.name = "name", .type = NAAP_T_STRING, .flags = NAAP_F_REQUIRED | NAAP_F_NONEMPTY},
        {.name = "rating", .type = NAAP_T_INT, .flags = NAAP_F_REQUIRED, .min = 1, .max = 5},
        {.name = "public", .type = NAAP_T_BOOL},
        {.name = "tags", .type = NAAP_T_ARRAY},
        {0}};

    GOOD("{\"name\":\"x\",\"rating\":4,\"public\":true,\"tags\":[1],\"ignored\":{}}", f);
    CHECK_STR(out[0].str, "x");
    CHECK(out[1].num == 4);
    CHECK(out[2].state == NAAP_V_SET && out[2].flag);
    CHECK(out[3].state == NAAP_V_SET && json_array_size(out[3].json) == 1);

    GOOD("{\"name\":\"x\",\"rating\":4}", f);
    CHECK(out[2].state == NAAP_V_ABSENT && !out[2].flag && !out[2].json);
    CHECK(out[3].state == NAAP_V_ABSENT && !out[3].json);

    /* the first bad field in table order is reported, whatever the body's order */
    BAD("{\"tags\":1,\"rating\":9,\"name\":\"\"}", f, "name is required");
    BAD("{\"tags\":1,\"rating\":9,\"name\":\"x\"}", f, "rating must be between 1 and 5");
    BAD("{\"tags\":1,\"rating\":2,\"name\":\"x\"}", f, "tags must be an array");

    /* anything but an object reads as {} */
    BAD("[{\"name\":\"x\",\"rating\":4}]", f, "name is required");
    BAD("\"name\"", f, "name is required");
    BAD("null", f, "name is required");
    BAD("42", f, "name is required");
    const naap_field opt[] = {{.name = "public", .type = NAAP_T_BOOL}, {0}};
    GOOD("[true]", opt);
    CHECK(out[0].state == NAAP_V_ABSENT);
    CHECK(naap_schema_check(NULL, opt, out, err, sizeof(err)) == NAAP_OK);
    CHECK(out[0].state == NAAP_V_ABSENT);

    /* an empty table accepts anything */
    const naap_field empty[] = {{0}};
    GOOD("{\"a\":1}", empty);

    /* a short error buffer truncates, and stays terminated */
    char small[8];
    json_t *b = json_loads("{}", 0, NULL);
    CHECK(naap_schema_check(b, f, out, small, sizeof(small)) == NAAP_EINVAL);
    CHECK_STR(small, "name is");
    json_decref(b);
}

/* ---- naap_parse_count ---------------------------------------------------------------- */

static int count(const char *s, long long max, long long *v)
{
    *v = -42; /* untouched on error */
    return naap_parse_count(s, max, v);
}

static void test_parse_count(void)
{
    long long v;

    CHECK(count("0", 100, &v) == NAAP_OK && v == 0);
    CHECK(count("1", 100, &v) == NAAP_OK && v == 1);
    CHECK(count("007", 100, &v) == NAAP_OK && v == 7);
    CHECK(count("00000000000000000000000000000042", 100, &v) == NAAP_OK && v == 42);
    CHECK(count("99", 100, &v) == NAAP_OK && v == 99);
    CHECK(count("100", 100, &v) == NAAP_OK && v == 100); /* max itself */
    CHECK(count("101", 100, &v) == NAAP_OK && v == 100); /* above: clamped */
    CHECK(count("1000", 100, &v) == NAAP_OK && v == 100);
    CHECK(count("0", 0, &v) == NAAP_OK && v == 0);
    CHECK(count("5", 0, &v) == NAAP_OK && v == 0);
    CHECK(count("7", 5, &v) == NAAP_OK && v == 5);
    CHECK(count("99999999999999999999999999999999999999", 100, &v) == NAAP_OK && v == 100);

    /* not decimal digits only */
    const char *bad[] = {"",  "-1",  "+1",  " 1",  "1 ", "1.5", "1e3", "abc", "0x10", "1,000",
                         "١", "\t1", "1\n", "--1", "1-", "0.0", ".5",  "5.",  "1_0",  "++"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = count(bad[i], 100, &v);
        CHECK(rc == NAAP_EINVAL);
        CHECK(v == -42);
        if (rc != NAAP_EINVAL)
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
    }
    CHECK(count(NULL, 100, &v) == NAAP_EINVAL && v == -42);
    /* a huge number with a bad character after it is still bad */
    CHECK(count("99999999999999999999999x", 100, &v) == NAAP_EINVAL && v == -42);

    /* huge maxima: no overflow, and above max still reads as max */
    CHECK(count("9223372036854775807", LLONG_MAX, &v) == NAAP_OK && v == LLONG_MAX);
    CHECK(count("9223372036854775806", LLONG_MAX, &v) == NAAP_OK && v == LLONG_MAX - 1);
    CHECK(count("9223372036854775808", LLONG_MAX, &v) == NAAP_OK && v == LLONG_MAX);
    CHECK(count("9300000000000000000", LLONG_MAX, &v) == NAAP_OK && v == LLONG_MAX);
    CHECK(count("99999999999999999999", LLONG_MAX, &v) == NAAP_OK && v == LLONG_MAX);
    CHECK(count("123456789012345678", LLONG_MAX, &v) == NAAP_OK && v == 123456789012345678LL);
    CHECK(count("1000000000000000000", LLONG_MAX, &v) == NAAP_OK && v == 1000000000000000000LL);
    CHECK(count("922337203685477580", LLONG_MAX - 1, &v) == NAAP_OK && v == 922337203685477580LL);
    CHECK(count("9223372036854775807", LLONG_MAX - 1, &v) == NAAP_OK && v == LLONG_MAX - 1);
    CHECK(count("1000000000000000000", 999999999999999999LL, &v) == NAAP_OK &&
          v == 999999999999999999LL);
    CHECK(count("999999999999999999", 999999999999999999LL, &v) == NAAP_OK &&
          v == 999999999999999999LL);
}

int main(void)
{
    test_string();
    test_int();
    test_bool();
    test_object_array_any();
    test_required();
    test_nullable();
    test_lengths();
    test_int_range();
    test_one_of_and_valid();
    test_custom_message();
    test_table();
    test_parse_count();
    json_decref(body);
    return check_report("schema");
}
