#include "naap/log.h"
#include "naap/clock.h"

#include <stdarg.h>
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

void naap_log(enum naap_log_level level, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (level < min_level)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    naap_log_fields(level, msg, NULL);
}
