#ifndef NAAP_NOTIFY_H
#define NAAP_NOTIFY_H

#include <stdint.h>

/* systemd's notify protocol without libsystemd: one datagram of "KEY=VALUE\n" lines to
 * the AF_UNIX socket named by $NOTIFY_SOCKET ('@' = abstract namespace). Only the master
 * speaks it; without $NOTIFY_SOCKET every call is a no-op. */

/** Reads $NOTIFY_SOCKET and $WATCHDOG_USEC/$WATCHDOG_PID once (master, before forking). */
void naap_notify_init(void);
/** Sends the formatted state ("READY=1\nSTATUS=…"); returns 0 or NAAP_ERR (not logged). */
int naap_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/** Watchdog ping interval in ms (half of WATCHDOG_USEC), or 0 when no watchdog is asked. */
int64_t naap_notify_watchdog_interval_ms(void);

#endif
