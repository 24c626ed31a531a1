#include "naap/cluster.h"
#include "naap/clock.h"
#include "naap/errors.h"
#include "naap/log.h"
#include "naap/shared.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Restart policy of PM2 (NOTES-LIBRARIES.md): exponential backoff from 100 ms by 1.5x up
 * to 15 s, forgotten once a worker has stayed up 30 s. */
#define BACKOFF_START_MS 100
#define BACKOFF_MAX_MS 15000
#define HEALTHY_UPTIME_MS 30000
#define TICK_MS 100

struct worker {
    pid_t pid;
    int64_t started_ms;
    int64_t restart_at_ms; /* 0: no restart pending */
    int backoff_ms;
    bool announced_ready;
};

struct master {
    naap_config *cfg;
    int listen_fd;
    naap_shared *shared;
    struct worker *workers;
    int nworkers;
    bool stopping;
    bool forced;
    bool all_ready_logged;
    int64_t stop_deadline_ms;
};

static void spawn(struct master *m, int i)
{
    struct worker *w = &m->workers[i];
    pid_t pid;

    fflush(NULL); /* a child must not inherit and re-print unflushed stdio */
    pid = fork();
    if (pid < 0) {
        naap_log_error("fork failed: %s; retrying in %d ms", strerror(errno), w->backoff_ms);
        w->restart_at_ms = naap_clock_mono_ms() + w->backoff_ms;
        return;
    }
    if (pid == 0)
        exit(naap_worker_run(m->cfg, m->listen_fd, i));
    w->pid = pid;
    w->started_ms = naap_clock_mono_ms();
    w->restart_at_ms = 0;
    w->announced_ready = false;
    m->shared->slots[i].ready = 0;
    m->shared->slots[i].started_ms = w->started_ms;
    m->shared->slots[i].pid = pid;
    m->shared->live_workers++;
    naap_log_info("worker %d started (pid %d)", i, (int)pid);
}

static void describe_exit(int status, char *out, size_t len)
{
    if (WIFEXITED(status))
        snprintf(out, len, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(out, len, "signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(out, len, "status 0x%x", status);
}

static void reap(struct master *m)
{
    pid_t pid;
    int status;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        int64_t now = naap_clock_mono_ms();
        char how[96];
        int i;

        for (i = 0; i < m->nworkers && m->workers[i].pid != pid; i++)
            ;
        if (i == m->nworkers)
            continue;
        struct worker *w = &m->workers[i];
        describe_exit(status, how, sizeof(how));
        w->pid = 0;
        m->shared->slots[i].pid = 0;
        m->shared->slots[i].ready = 0;
        m->shared->live_workers--;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            m->forced = m->forced || m->stopping;
        if (m->stopping) {
            naap_log_info("worker %d (pid %d) stopped: %s", i, (int)pid, how);
            continue;
        }
        if (now - w->started_ms >= HEALTHY_UPTIME_MS)
            w->backoff_ms = BACKOFF_START_MS;
        w->restart_at_ms = now + w->backoff_ms;
        naap_log_warn("worker %d (pid %d) died after %lld ms: %s; restarting in %d ms", i, (int)pid,
                      (long long)(now - w->started_ms), how, w->backoff_ms);
        w->backoff_ms = w->backoff_ms * 3 / 2;
        if (w->backoff_ms > BACKOFF_MAX_MS)
            w->backoff_ms = BACKOFF_MAX_MS;
    }
}

static void begin_stop(struct master *m, int sig)
{
    if (m->stopping)
        return;
    m->stopping = true;
    m->stop_deadline_ms = naap_clock_mono_ms() + m->cfg->kill_timeout_ms;
    naap_log_info("%s received: draining %d workers (kill timeout %d ms)", strsignal(sig),
                  m->shared->live_workers, m->cfg->kill_timeout_ms);
    for (int i = 0; i < m->nworkers; i++) {
        m->workers[i].restart_at_ms = 0;
        if (m->workers[i].pid > 0)
            kill(m->workers[i].pid, SIGTERM);
    }
}

static void tick(struct master *m)
{
    int64_t now = naap_clock_mono_ms();
    int ready = 0;

    for (int i = 0; i < m->nworkers; i++) {
        struct worker *w = &m->workers[i];
        if (!m->stopping && w->pid == 0 && w->restart_at_ms && now >= w->restart_at_ms)
            spawn(m, i);
        if (w->pid > 0 && m->shared->slots[i].ready) {
            ready++;
            if (!w->announced_ready) {
                w->announced_ready = true;
                naap_log_info("worker %d (pid %d) ready in %lld ms", i, (int)w->pid,
                              (long long)(now - w->started_ms));
            }
        }
    }
    if (!m->all_ready_logged && ready == m->nworkers) {
        m->all_ready_logged = true;
        naap_log_info("all %d workers ready", m->nworkers);
    }
    if (m->stopping && now >= m->stop_deadline_ms) {
        for (int i = 0; i < m->nworkers; i++)
            if (m->workers[i].pid > 0) {
                naap_log_warn("worker %d (pid %d) still busy after kill timeout: SIGKILL", i,
                              (int)m->workers[i].pid);
                kill(m->workers[i].pid, SIGKILL);
                m->forced = true;
            }
        m->stop_deadline_ms = INT64_MAX;
    }
}

int naap_master_run(naap_config *cfg, int listen_fd)
{
    struct master m = {.cfg = cfg, .listen_fd = listen_fd, .nworkers = cfg->workers};
    sigset_t set;

    m.shared = naap_shared_create();
    if (!m.shared) {
        naap_log_error("cannot map shared memory: %s", strerror(errno));
        return 1;
    }
    m.workers = calloc((size_t)m.nworkers, sizeof(*m.workers));
    if (!m.workers)
        return 1;
    naap_log_set_role("master", -1);
    /* blocked before the first fork, so workers (and their threads) inherit the mask and
     * every one of these signals is taken only by an explicit sigtimedwait */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    naap_log_info("naapd master starting %d workers on %s:%d", m.nworkers, cfg->host, cfg->port);
    for (int i = 0; i < m.nworkers; i++) {
        m.workers[i].backoff_ms = BACKOFF_START_MS;
        spawn(&m, i);
    }
    for (;;) {
        struct timespec timeout = {0, TICK_MS * 1000000L};
        int sig = sigtimedwait(&set, NULL, &timeout);
        if (sig == SIGCHLD)
            reap(&m);
        else if (sig == SIGTERM || sig == SIGINT)
            begin_stop(&m, sig);
        else if (sig == SIGHUP)
            naap_log_warn("SIGHUP: rolling reload is not available yet; ignoring");
        reap(&m); /* SIGCHLDs coalesce; never trust one signal per child */
        tick(&m);
        if (m.stopping && m.shared->live_workers == 0)
            break;
    }
    close(listen_fd);
    free(m.workers);
    naap_log_info("naapd stopped%s", m.forced ? " (workers were cut off)" : "");
    return m.forced ? 1 : 0;
}
