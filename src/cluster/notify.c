#include "naap/notify.h"
#include "naap/errors.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct sockaddr_un notify_addr;
static socklen_t notify_len;
static int64_t watchdog_ms;

void naap_notify_init(void)
{
    const char *path = getenv("NOTIFY_SOCKET");
    const char *usec = getenv("WATCHDOG_USEC"), *wpid = getenv("WATCHDOG_PID");

    notify_len = 0;
    if (path && (path[0] == '/' || path[0] == '@') && strlen(path) < sizeof(notify_addr.sun_path)) {
        size_t len = strlen(path);
        memset(&notify_addr, 0, sizeof(notify_addr));
        notify_addr.sun_family = AF_UNIX;
        memcpy(notify_addr.sun_path, path, len);
        if (path[0] == '@')
            notify_addr.sun_path[0] = '\0'; /* abstract: the name has no terminating NUL */
        notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    }
    /* systemd sets WATCHDOG_PID to the main pid; a forked helper must not ping for it */
    watchdog_ms = 0;
    if (usec && (!wpid || strtol(wpid, NULL, 10) == (long)getpid()))
        watchdog_ms = strtoll(usec, NULL, 10) / 2000;
}

int naap_notify(const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (notify_len == 0)
        return NAAP_OK;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(msg))
        return NAAP_ERR;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return NAAP_ERR;
    ssize_t sent =
        sendto(fd, msg, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&notify_addr, notify_len);
    close(fd);
    return sent == n ? NAAP_OK : NAAP_ERR;
}

int64_t naap_notify_watchdog_interval_ms(void)
{
    return watchdog_ms;
}
