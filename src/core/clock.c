#include "naap/clock.h"
#include "naap/errors.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t naap_clock_epoch_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t naap_clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t naap_clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void naap_clock_iso8601(int64_t epoch_ms, char out[NAAP_ISO8601_SIZE])
{
    time_t secs = (time_t)(epoch_ms / 1000);
    int ms = (int)(epoch_ms % 1000);
    struct tm tm;

    if (ms < 0) {
        ms += 1000;
        secs -= 1;
    }
    gmtime_r(&secs, &tm);
    char tmp[64]; /* roomier than any struct tm can print, then cut to the fixed width */
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    memcpy(out, tmp, 24);
    out[24] = '\0';
}

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* PostgreSQL prints TIMESTAMP(3) under DateStyle ISO as "YYYY-MM-DD HH:MM:SS" followed
 * by ".f", ".ff" or ".fff" when the fraction is not zero (trailing zeros dropped). */
int naap_clock_pg_to_iso8601(const char *pg, char out[NAAP_ISO8601_SIZE])
{
    size_t len = strlen(pg);
    char frac[4] = "000";

    if (len < 19 || !digits(pg, 4) || pg[4] != '-' || !digits(pg + 5, 2) || pg[7] != '-' ||
        !digits(pg + 8, 2) || (pg[10] != ' ' && pg[10] != 'T') || !digits(pg + 11, 2) ||
        pg[13] != ':' || !digits(pg + 14, 2) || pg[16] != ':' || !digits(pg + 17, 2))
        return NAAP_EINVAL;
    if (len > 19) {
        size_t n = len - 20;
        if (pg[19] != '.' || n < 1 || n > 6 || !digits(pg + 20, (int)n))
            return NAAP_EINVAL;
        memcpy(frac, pg + 20, n < 3 ? n : 3);
    }
    memcpy(out, pg, 10);
    out[10] = 'T';
    memcpy(out + 11, pg + 11, 8);
    out[19] = '.';
    memcpy(out + 20, frac, 3);
    out[23] = 'Z';
    out[24] = '\0';
    return NAAP_OK;
}
