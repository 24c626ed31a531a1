/* The log line writer: naap_json_quote against jansson's own escaping, and naap_log_line
 * against the jansson-built line it replaces, byte for byte. */
#include "check.h"
#include "naap/json.h"
#include "naap/log.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* What jansson writes for s with the flags the log used (NULL when it refuses s). */
static char *jansson_quote(const char *s)
{
    json_t *j = json_string(s);
    char *out = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(j);
    return out;
}

static char *quote(const char *s, size_t len)
{
    char *out = malloc(NAAP_JSON_QUOTE_MAX(len) + 1);
    size_t n = naap_json_quote(out, s, len);
    CHECK(n <= NAAP_JSON_QUOTE_MAX(len));
    out[n] = '\0';
    return out;
}

static void check_same_as_jansson(const char *s)
{
    char *want = jansson_quote(s), *got = quote(s, strlen(s));
    CHECK(want != NULL);
    CHECK_STR(got, want);
    free(want);
    free(got);
}

/* Whatever bytes it carries, a value is valid JSON in ASCII without control characters
 * (DEL stays as is, as jansson leaves it). */
static void check_plain_json(const char *text, size_t len)
{
    json_error_t err;
    for (size_t i = 0; i < len; i++)
        CHECK((unsigned char)text[i] >= 0x20 && (unsigned char)text[i] <= 0x7f);
    json_t *v = json_loadb(text, len, JSON_DECODE_ANY, &err);
    CHECK(v != NULL);
    json_decref(v);
}

static size_t put_utf8(char *p, uint32_t cp)
{
    if (cp < 0x80) {
        p[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        p[0] = (char)(0xc0 | cp >> 6);
        p[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    } else if (cp < 0x10000) {
        p[0] = (char)(0xe0 | cp >> 12);
        p[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        p[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    p[0] = (char)(0xf0 | cp >> 18);
    p[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    p[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    p[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static void test_quote_matches_jansson(void)
{
    char one[2] = {0, 0};

    check_same_as_jansson("");
    check_same_as_jansson("/api/v1/teams/abc?x=1&y=\"2\"");
    check_same_as_jansson("back\\slash and /slash");
    for (int c = 1; c < 0x80; c++) { /* every ASCII byte, controls and DEL included */
        one[0] = (char)c;
        check_same_as_jansson(one);
    }
    check_same_as_jansson("caf\xc3\xa9 \xe2\x82\xac \xef\xbf\xbf \xed\x9f\xbf");
    check_same_as_jansson("\xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"); /* surrogate pairs */

    /* random well-formed strings across the whole code space */
    srand(15);
    for (int round = 0; round < 2000; round++) {
        char s[256];
        size_t n = 0;
        for (int k = rand() % 40; k > 0; k--) {
            uint32_t cp;
            switch (rand() % 4) {
            case 0:
                cp = 1 + (uint32_t)rand() % 0x7f;
                break;
            case 1:
                cp = 0x80 + (uint32_t)rand() % (0x800 - 0x80);
                break;
            case 2:
                cp = 0x800 + (uint32_t)rand() % (0x10000 - 0x800);
                if (cp >= 0xd800 && cp <= 0xdfff)
                    cp = 0xfffd;
                break;
            default:
                cp = 0x10000 + (uint32_t)rand() % (0x110000 - 0x10000);
                break;
            }
            n += put_utf8(s + n, cp);
        }
        s[n] = '\0';
        check_same_as_jansson(s);
    }
}

static void test_quote_invalid_utf8(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"\xff", "\"\\uFFFD\""},
        {"a\x80z", "\"a\\uFFFDz\""},                              /* stray continuation byte */
        {"\xc3", "\"\\uFFFD\""},                                  /* cut short at the end */
        {"\xe2\x82", "\"\\uFFFD\\uFFFD\""},                       /* cut short, two bytes */
        {"\xc0\xaf", "\"\\uFFFD\\uFFFD\""},                       /* overlong '/' */
        {"\xed\xa0\x80", "\"\\uFFFD\\uFFFD\\uFFFD\""},            /* a UTF-16 surrogate */
        {"\xf4\x90\x80\x80", "\"\\uFFFD\\uFFFD\\uFFFD\\uFFFD\""}, /* past U+10FFFF */
        {"\xc3(\xc3\xa9", "\"\\uFFFD(\\u00E9\""}, /* resynchronises after a bad byte */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        char *got = quote(cases[i].in, strlen(cases[i].in));
        CHECK_STR(got, cases[i].out);
        free(got);
    }

    /* any bytes at all: a valid JSON string in printable ASCII, never past its bound */
    srand(16);
    for (int round = 0; round < 5000; round++) {
        char s[64];
        size_t n = (size_t)rand() % sizeof(s);
        for (size_t k = 0; k < n; k++)
            s[k] = (char)(1 + rand() % 255);
        char *got = quote(s, n);
        check_plain_json(got, strlen(got));
        free(got);
    }
}

/* ---- whole lines ----------------------------------------------------------------------- */

/* Runs emit() with stdout and stderr sent to files; returns what each received. */
static void capture(void (*emit)(void *), void *arg, char **out, char **err)
{
    FILE *files[2] = {tmpfile(), tmpfile()};
    int fds[2] = {STDOUT_FILENO, STDERR_FILENO}, saved[2];
    char **dst[2] = {out, err};

    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < 2; i++) {
        saved[i] = dup(fds[i]);
        dup2(fileno(files[i]), fds[i]);
    }
    emit(arg);
    for (int i = 0; i < 2; i++) {
        dup2(saved[i], fds[i]);
        close(saved[i]);
        off_t len = lseek(fileno(files[i]), 0, SEEK_END);
        *dst[i] = calloc(1, len > 0 ? (size_t)len + 1 : 1);
        if (len > 0)
            CHECK(pread(fileno(files[i]), *dst[i], (size_t)len, 0) == len);
        fclose(files[i]);
    }
}

/* The ts value differs between two calls; blank it out so the rest compares exactly. */
static void blank_ts(char *line)
{
    char *ts = strstr(line, "\"ts\":\"");
    CHECK(ts != NULL);
    if (ts && strlen(ts) > 6 + 24)
        memset(ts + 6, 'T', 24);
}

static const char hostile[] = "/p\x01\x1f\"\\\t\xc3\xa9\xf0\x9f\x98\x80\x7f";

static void emit_request_both_ways(void *arg)
{
    int aborted = *(int *)arg;
    naap_log_field f[] = {
        {"method", NAAP_LOG_STR, "GET", 0},
        {"path", NAAP_LOG_STR, hostile, 0},
        {"status", NAAP_LOG_INT, NULL, 200},
        {"durationMs", NAAP_LOG_INT, NULL, -3},
        {"requestId", NAAP_LOG_STR, "edge-42.abc", 0},
        {"ip", NAAP_LOG_STR, "2001:db8::1", 0},
        {"aborted", NAAP_LOG_BOOL, NULL, 1},
    };
    size_t n = aborted ? 7 : 6;
    naap_log_line(NAAP_LOG_INFO, "request", f, n);

    json_t *o = json_object();
    json_object_set_new(o, "method", json_string("GET"));
    json_object_set_new(o, "path", json_string(hostile));
    json_object_set_new(o, "status", json_integer(200));
    json_object_set_new(o, "durationMs", json_integer(-3));
    json_object_set_new(o, "requestId", json_string("edge-42.abc"));
    json_object_set_new(o, "ip", json_string("2001:db8::1"));
    if (aborted)
        json_object_set_new(o, "aborted", json_true());
    naap_log_fields(NAAP_LOG_INFO, "request", o);
}

static void check_two_equal_lines(char *text)
{
    char *nl = strchr(text, '\n');
    CHECK(nl != NULL);
    if (!nl)
        return;
    *nl = '\0';
    char *second = nl + 1;
    CHECK(strlen(second) > 0 && second[strlen(second) - 1] == '\n');
    second[strlen(second) - 1] = '\0';
    blank_ts(text);
    blank_ts(second);
    CHECK_STR(text, second);
}

static void test_line_matches_jansson_line(void)
{
    char *out, *err;

    for (int aborted = 0; aborted <= 1; aborted++) {
        naap_log_set_role("worker", aborted); /* worker 0 must still be written */
        capture(emit_request_both_ways, &aborted, &out, &err);
        CHECK_STR(err, "");
        check_two_equal_lines(out);
        free(out);
        free(err);
    }
    naap_log_set_role("main", -1); /* no "worker" member at all */
    int aborted = 0;
    capture(emit_request_both_ways, &aborted, &out, &err);
    CHECK(strstr(out, "\"worker\"") == NULL);
    check_two_equal_lines(out);
    free(out);
    free(err);
}

static void emit_plain_both_ways(void *arg)
{
    (void)arg;
    naap_log_warn("listening on %s:%d", "127.0.0.1", 4000);
    naap_log_fields(NAAP_LOG_WARN, "listening on 127.0.0.1:4000", NULL);
}

static void test_plain_message_line(void)
{
    char *out, *err;
    capture(emit_plain_both_ways, NULL, &out, &err);
    CHECK_STR(out, ""); /* warn and above go to stderr */
    check_two_equal_lines(err);
    free(out);
    free(err);
}

static void emit_filtered(void *arg)
{
    (void)arg;
    naap_log_set_level(NAAP_LOG_WARN);
    CHECK(!naap_log_enabled(NAAP_LOG_INFO));
    CHECK(naap_log_enabled(NAAP_LOG_ERROR));
    naap_log_line(NAAP_LOG_INFO, "request", NULL, 0);
    naap_log_info("skipped");
    naap_log_line(NAAP_LOG_ERROR, "request", NULL, 0);
    naap_log_set_level(NAAP_LOG_INFO);
}

static void test_level_filter(void)
{
    char *out, *err;
    capture(emit_filtered, NULL, &out, &err);
    CHECK_STR(out, "");
    CHECK(strstr(err, "\"level\":\"error\"") != NULL);
    CHECK(strchr(err, '\n') == err + strlen(err) - 1); /* exactly one line */
    free(out);
    free(err);
}

/* past the stack buffer: a long path of hostile bytes, each escaped to six characters */
static void emit_long(void *arg)
{
    naap_log_field f[] = {
        {"path", NAAP_LOG_STR, arg, 0},
        {"requestId", NAAP_LOG_STR, NULL, 0},
    };
    naap_log_line(NAAP_LOG_INFO, "request", f, 2);
}

static void test_long_and_odd_values(void)
{
    size_t n = 9000;
    char *path = malloc(n + 1), *out, *err;
    for (size_t i = 0; i < n; i++)
        path[i] = (char)(i % 2 ? 0xff : 0x01);
    path[n] = '\0';
    capture(emit_long, path, &out, &err);
    size_t len = strlen(out);
    CHECK(len > 6 * n && out[len - 1] == '\n');
    check_plain_json(out, len - 1);
    CHECK(strstr(out, "\"requestId\":null") != NULL);
    free(path);
    free(out);
    free(err);
}

/* The pid is cached; a forked child must still write its own. */
static void emit_in_child(void *arg)
{
    (void)arg;
    naap_log_info("parent");
    pid_t child = fork();
    if (child == 0) {
        char want[64];
        snprintf(want, sizeof(want), "child %d", (int)getpid());
        naap_log_info("%s", want);
        _exit(0);
    }
    waitpid(child, NULL, 0);
    *(pid_t *)arg = child;
}

static void test_pid_after_fork(void)
{
    pid_t child = 0;
    char *out, *err, want[96];
    capture(emit_in_child, &child, &out, &err);
    snprintf(want, sizeof(want), "\"pid\":%d,\"msg\":\"parent\"", (int)getpid());
    CHECK(strstr(out, want) != NULL);
    snprintf(want, sizeof(want), "\"pid\":%d,\"msg\":\"child %d\"", (int)child, (int)child);
    CHECK(strstr(out, want) != NULL);
    free(out);
    free(err);
}

int main(void)
{
    test_quote_matches_jansson();
    test_quote_invalid_utf8();
    test_line_matches_jansson_line();
    test_plain_message_line();
    test_level_filter();
    test_long_and_odd_values();
    test_pid_after_fork();
    return check_report("test_log");
}
