#ifndef NAAP_UPGRADE_H
#define NAAP_UPGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Zero-downtime upgrade (pm2 reload with new code): on SIGHUP with a new file at the
 * binary's path, the master runs it once as `check-config`, then re-executes it in place
 * (same pid, so systemd's MAINPID and the pid file stay valid), handing over its
 * listening socket, the shared block and a text description of its workers; the new
 * image forks the replacement workers. The master's side is in master.c. */

/** A running `check-config` of the new binary; pid is 0 when none runs. */
typedef struct naap_upgrade_check {
    pid_t pid;
    int err_fd;          /* its stderr, non-blocking, for the reason it failed */
    int64_t deadline_ms; /* monotonic; past it the master SIGKILLs the check */
} naap_upgrade_check;

/** Remembers argv and the binary's path as started, made absolute once (main, first). */
void naap_upgrade_init(char **argv);
/** The binary's absolute path, as resolved by naap_upgrade_init. */
const char *naap_upgrade_path(void);
/** true when the file at the binary's path is not the one this process runs. */
bool naap_upgrade_binary_changed(void);
/**
 * Starts `PATH [--config config_file] check-config` (stdout discarded, stderr kept for
 * the reason), with timeout_ms to finish. Returns NAAP_OK or NAAP_ERR (logged).
 */
int naap_upgrade_check_start(naap_upgrade_check *c, const char *config_file, int timeout_ms);
/**
 * Ends a check that exited with wait status: NAAP_OK if it passed, else NAAP_ERR with
 * why filled from its exit status and last line of stderr. Resets c.
 */
int naap_upgrade_check_finish(naap_upgrade_check *c, int status, char *why, size_t len);
/**
 * Re-executes the binary with the arguments it was started with. keep_fds stay open
 * across the exec; state (text) is what naap_upgrade_take_state returns in the new
 * image. Returns only on failure: NAAP_ERR, logged, with every fd close-on-exec again.
 */
int naap_upgrade_exec(const char *state, const int *keep_fds, int nfds);
/**
 * In a master re-executed by naap_upgrade_exec: the state handed over (malloc'd, the
 * caller frees it); NULL when the process was started normally. Removes the hand-over
 * from the environment so that no child sees it.
 */
char *naap_upgrade_take_state(void);

#endif
