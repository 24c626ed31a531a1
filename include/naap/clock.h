#ifndef NAAP_CLOCK_H
#define NAAP_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of an ISO-8601 UTC timestamp with milliseconds, "YYYY-MM-DDTHH:MM:SS.mmmZ", and NUL. */
#define NAAP_ISO8601_SIZE 25

/** Milliseconds since the Unix epoch (wall clock). */
int64_t naap_clock_epoch_ms(void);
/** Milliseconds from an arbitrary fixed point (monotonic; for durations and deadlines). */
int64_t naap_clock_mono_ms(void);
/** Monotonic clock in microseconds (request latency for /metrics). */
int64_t naap_clock_mono_us(void);
/** Formats epoch milliseconds as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out. */
void naap_clock_iso8601(int64_t epoch_ms, char out[NAAP_ISO8601_SIZE]);
/**
 * Converts PostgreSQL's text form of a timestamp without time zone that holds UTC
 * ("2026-02-08 18:45:39.12") to ISO-8601 with milliseconds. Returns 0, or NAAP_EINVAL.
 */
int naap_clock_pg_to_iso8601(const char *pg, char out[NAAP_ISO8601_SIZE]);

#endif
