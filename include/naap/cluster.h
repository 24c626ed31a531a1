#ifndef NAAP_CLUSTER_H
#define NAAP_CLUSTER_H

#include "naap/config.h"

/* The master supervises; workers serve. See DESIGN.md "Shape". */

/**
 * Opens the listening socket (host:port, SO_REUSEADDR, non-blocking, not SO_REUSEPORT:
 * one socket shared by every worker, so a worker leaving never drops queued
 * connections). Returns the fd, or -1 with the reason logged.
 */
int naap_listen_open(const char *host, int port);

/**
 * Runs the master until SIGTERM/SIGINT: forks cfg->workers workers on listen_fd,
 * restarts those that die (with backoff), replaces those over MAX_MEMORY_RESTART, rolls
 * every worker over on SIGHUP after re-reading the configuration, and drains them on
 * stop. cfg may be replaced by a reload. Returns the process exit status: 0 after a
 * clean stop, 1 when workers had to be killed after KILL_TIMEOUT.
 */
int naap_master_run(naap_config *cfg, int listen_fd);

/**
 * naap_master_run for a master re-executed by an upgrade (upgrade.h): takes over the
 * listening socket, the shared block and the workers described by state (parsed in
 * place; the caller frees it),
 * then rolls every worker onto this binary. Same return as naap_master_run.
 */
int naap_master_resume(naap_config *cfg, char *state);

/**
 * Body of a worker process (after fork): serves until told to stop, then drains.
 * position is the worker's place among WORKERS (for logs); slot its entry in the shared
 * block (where it reports ready). Returns the exit status (0 drained, 1 cut off, 2 could
 * not start, 3 the shared block is of an incompatible build).
 */
int naap_worker_run(const naap_config *cfg, int listen_fd, int position, int slot);

#endif
