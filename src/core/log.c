#include "naap/log.h"
#include "naap/alloc.h"
#include "naap/clock.h"
#include "naap/json.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum naap_log_level min_level = NAAP_LOG_INFO;
static const char *role_name = "main";
static int role_index = -1;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void naap_log_set_level(enum naap_log_level level)
{
    min_level = level;
}

void naap_log_set_role(const char *role, int index)
{
    role_name = role;
    role_index = index;
}

int naap_log_level_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
        if (strcmp(name, level_names[i]) == 0)
            return (int)i;
    return -1;
}

void naap_log_fields(enum naap_log_level level, const char *msg, json_t *fields)
{
    char ts[NAAP_ISO8601_SIZE];

    if (level < min_level) {
        json_decref(fields);
        return;
    }
    if (!fields)
        fields = json_object();
    naap_clock_iso8601(naap_clock_epoch_ms(), ts);
    json_object_set_new(fields, "ts", json_string(ts));
    json_object_set_new(fields, "level", json_string(level_names[level]));
    json_object_set_new(fields, "role", json_string(role_name));
    if (role_index >= 0)
        json_object_set_new(fields, "worker", json_integer(role_index));
    json_object_set_new(fields, "pid", json_integer(getpid()));
    json_object_set_new(fields, "msg", json_string(msg ? msg : ""));

    /* JSON_ENSURE_ASCII keeps a hostile byte sequence in a path from breaking the line */
    char *line = json_dumps(fields, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(fields);
    if (!line)
        return;
    size_t len = strlen(line);
    line[len] = '\n'; /* json_dumps' terminating NUL becomes the newline */
    int fd = level >= NAAP_LOG_WARN ? STDERR_FILENO : STDOUT_FILENO;
    if (write(fd, line, len + 1) < 0) {
        /* a closed log pipe must not take the worker down */
    }
    free(line);
}

bool naap_log_enabled(enum naap_log_level level)
{
    return level >= min_level;
}

/* ---- lines without jansson ------------------------------------------------------------ */

/* glibc has not cached getpid() since 2.25, and the access log wants it on every line:
 * remember it, and forget it in a forked child so the child never logs its parent's. */
static atomic_int cached_pid;
static pthread_once_t fork_watch = PTHREAD_ONCE_INIT;

static void forget_pid(void)
{
    atomic_store(&cached_pid, 0);
}

static void watch_forks(void)
{
    pthread_atfork(NULL, NULL, forget_pid);
}

static int log_pid(void)
{
    pthread_once(&fork_watch, watch_forks);
    int pid = atomic_load(&cached_pid);
    if (pid == 0) {
        pid = (int)getpid();
        atomic_store(&cached_pid, pid);
    }
    return pid;
}

/* The date and time to the second change once a second, so each thread formats them once
 * a second: gmtime_r takes glibc's process-wide timezone lock, which every pool thread
 * would otherwise contend for on every request. */
static void log_timestamp(char out[NAAP_ISO8601_SIZE])
{
    static _Thread_local int64_t second = -1;
    static _Thread_local char text[NAAP_ISO8601_SIZE];
    int64_t now = naap_clock_epoch_ms();
    int ms = (int)(now % 1000);

    if (ms < 0 || now / 1000 != second) {
        naap_clock_iso8601(now, text);
        second = ms < 0 ? -1 : now / 1000;
    } else {
        text[20] = (char)('0' + ms / 100);
        text[21] = (char)('0' + ms / 10 % 10);
        text[22] = (char)('0' + ms % 10);
    }
    memcpy(out, text, NAAP_ISO8601_SIZE);
}

static char *put_raw(char *p, const char *s, size_t len)
{
    memcpy(p, s, len);
    return p + len;
}

static char *put_int(char *p, long long v)
{
    char digits[24];
    size_t n = 0;
    /* in unsigned arithmetic so that LLONG_MIN negates without overflow */
    unsigned long long u = v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;

    do {
        digits[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *p++ = '-';
    while (n)
        *p++ = digits[--n];
    return p;
}

/* ,"key": with the comma unless it is the first member */
static char *put_key(char *p, const char *key, int first)
{
    if (!first)
        *p++ = ',';
    *p++ = '"';
    p = put_raw(p, key, strlen(key));
    *p++ = '"';
    *p++ = ':';
    return p;
}

static char *put_str(char *p, const char *s)
{
    return p + naap_json_quote(p, s, strlen(s));
}

/* Room for the members naap_log_line adds after the caller's fields, values excluded:
 * keys, quotes, separators, braces and the newline, with margin. */
#define LINE_FIXED 96
/* Nearly every line fits here; a longer one (a long hostile path) gets a heap buffer of
 * its worst-case size. */
#define LINE_STACK 2048

static size_t line_bound(const char *msg, const naap_log_field *fields, size_t n)
{
    size_t need = LINE_FIXED + NAAP_ISO8601_SIZE + 2 * 21 + 8 +
                  NAAP_JSON_QUOTE_MAX(strlen(role_name)) + NAAP_JSON_QUOTE_MAX(strlen(msg));
    for (size_t i = 0; i < n; i++) {
        need += strlen(fields[i].key) + 4;
        if (fields[i].type == NAAP_LOG_STR && fields[i].str)
            need += NAAP_JSON_QUOTE_MAX(strlen(fields[i].str));
        else
            need += 21; /* the widest long long, "false" or "null" */
    }
    return need;
}

void naap_log_line(enum naap_log_level level, const char *msg, const naap_log_field *fields,
                   size_t n)
{
    char stack[LINE_STACK], ts[NAAP_ISO8601_SIZE];

    if (level < min_level)
        return;
    if (!msg)
        msg = "";
    size_t bound = line_bound(msg, fields, n);
    char *line = bound <= sizeof(stack) ? stack : naap_xmalloc(bound);
    char *p = line;

    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        const naap_log_field *f = &fields[i];
        p = put_key(p, f->key, i == 0);
        if (f->type == NAAP_LOG_STR)
            p = f->str ? put_str(p, f->str) : put_raw(p, "null", 4);
        else if (f->type == NAAP_LOG_INT)
            p = put_int(p, f->num);
        else
            p = f->num ? put_raw(p, "true", 4) : put_raw(p, "false", 5);
    }
    log_timestamp(ts);
    p = put_key(p, "ts", n == 0);
    p = put_str(p, ts);
    p = put_key(p, "level", 0);
    p = put_str(p, level_names[level]);
    p = put_key(p, "role", 0);
    p = put_str(p, role_name);
    if (role_index >= 0) {
        p = put_key(p, "worker", 0);
        p = put_int(p, role_index);
    }
    p = put_key(p, "pid", 0);
    p = put_int(p, log_pid());
    p = put_key(p, "msg", 0);
    p = put_str(p, msg);
    *p++ = '}';
    *p++ = '\n';

    int fd = level >= NAAP_LOG_WARN ? STDERR_FILENO : STDOUT_FILENO;
    if (write(fd, line, (size_t)(p - line)) < 0) {
        /* a closed log pipe must not take the worker down */
    }
    if (line != stack)
        free(line);
}

void naap_log(enum naap_log_level level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (level < min_level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    naap_log_line(level, msg, NULL, 0);
}
