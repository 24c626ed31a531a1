#ifndef NAAP_LOG_H
#define NAAP_LOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Logs are one JSON object per line (journald and log shippers parse them as is).
 * Each line is written with a single write(2) so lines from threads and processes
 * sharing the descriptor never interleave. */

enum naap_log_level { NAAP_LOG_DEBUG, NAAP_LOG_INFO, NAAP_LOG_WARN, NAAP_LOG_ERROR };

/** Sets the least severe level that is written (default info). */
void naap_log_set_level(enum naap_log_level level);
/** Names this process in every line ("master", "worker"), with its worker index or -1. */
void naap_log_set_role(const char *role, int index);
/** Parses "debug"/"info"/"warn"/"error"; returns -1 on an unknown name. */
int naap_log_level_parse(const char *name);
/** Writes {"ts","level","role","pid","msg"} formatted from fmt. */
void naap_log(enum naap_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Writes fields plus ts/level/role/pid/msg; steals the reference to fields. */
void naap_log_fields(enum naap_log_level level, const char *msg, json_t *fields);

/** True when lines of this level are written: callers skip gathering fields otherwise. */
bool naap_log_enabled(enum naap_log_level level);

enum naap_log_type { NAAP_LOG_STR, NAAP_LOG_INT, NAAP_LOG_BOOL };

/** One field of naap_log_line: key is plain ASCII; str (any bytes) or num is the value. */
typedef struct naap_log_field {
    const char *key;
    enum naap_log_type type;
    const char *str;
    long long num;
} naap_log_field;

/**
 * Writes the n fields in order, then ts/level/role/pid/msg: the line naap_log_fields writes
 * for the same fields, formatted without building a jansson object (the access log's path).
 */
void naap_log_line(enum naap_log_level level, const char *msg, const naap_log_field *fields,
                   size_t n);

#define naap_log_debug(...) naap_log(NAAP_LOG_DEBUG, __VA_ARGS__)
#define naap_log_info(...) naap_log(NAAP_LOG_INFO, __VA_ARGS__)
#define naap_log_warn(...) naap_log(NAAP_LOG_WARN, __VA_ARGS__)
#define naap_log_error(...) naap_log(NAAP_LOG_ERROR, __VA_ARGS__)

#endif
