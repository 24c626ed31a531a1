#ifndef NAAP_SERVER_H
#define NAAP_SERVER_H

#include <stddef.h>

#include "naap/config.h"
#include "naap/router.h"

/* One worker's HTTP server: a libmicrohttpd daemon on the listening socket inherited
 * from the master, started after fork. */
typedef struct naap_server naap_server;

/**
 * Starts serving routes on listen_fd with cfg's limits. Returns 0 and the server in
 * *out, or NAAP_ERR (logged).
 */
int naap_server_start(int listen_fd, const naap_config *cfg, const naap_route *routes,
                      size_t nroutes, naap_server **out);
/**
 * Called about once a second by the worker: once many connections have closed since the
 * busiest moment, returns their freed memory to the kernel.
 */
void naap_server_trim(naap_server *srv);
/**
 * Stops accepting, lets in-flight requests finish (answering them with Connection: close),
 * then stops the daemon. Waits at most timeout_ms; returns 0 if everything in flight
 * completed, NAAP_ETIMEDOUT if requests were cut off.
 */
int naap_server_drain(naap_server *srv, int timeout_ms);

#endif
