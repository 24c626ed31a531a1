#include "naap/alloc.h"
#include "naap/cluster.h"
#include "naap/clock.h"
#include "naap/errors.h"
#include "naap/log.h"
#include "naap/metrics.h"
#include "naap/notify.h"
#include "naap/shared.h"
#include "naap/upgrade.h"
#include "naap/version.h"

#include <errno.h>
#include <fcntl.h>
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
#define TICK_MS 50
/* check-config of a new binary reads one file: anything slower is hung */
#define UPGRADE_CHECK_TIMEOUT_MS 10000

/* A slot is one worker process; a position is one of the WORKERS places the master keeps
 * filled. Replacing a worker (reload, memory limit) starts a successor for the position
 * and retires the current worker only once the successor is ready, so the position is
 * never empty and the shared listening socket always has a worker accepting on it. */
enum slot_state { SLOT_FREE, SLOT_STARTING, SLOT_READY, SLOT_DRAINING };

struct slot {
    pid_t pid;
    enum slot_state state;
    int position;
    int64_t started_ms;
    int64_t retired_ms; /* when it was told to drain */
};

struct position {
    int current;   /* slot serving it, or -1 */
    int successor; /* slot starting to replace current, or -1 */
    int backoff_ms;
    int64_t restart_at_ms; /* when current is -1: when to start one */
};

struct master {
    naap_config *cfg;
    int listen_fd;
    naap_shared *shared;
    struct slot slots[NAAP_MAX_SLOTS];
    struct position pos[NAAP_MAX_WORKERS];
    int npos;
    bool stopping;
    bool forced;
    bool announced_ready;
    int64_t stop_deadline_ms;
    int reload_next;    /* next position a rolling reload replaces; -1 when none runs */
    int reload_end;     /* positions [0, reload_end) existed before the reload */
    int reload_pending; /* position whose successor the reload waits for; -1 if none */
    int64_t next_rss_check_ms;
    int64_t next_watchdog_ms;
    naap_upgrade_check check; /* the new binary's check-config, before re-executing */
};

static const char *const state_names[] = {"free", "starting", "ready", "draining"};

/* ---- process bookkeeping ------------------------------------------------------------- */

static int live_slots(const struct master *m)
{
    int n = 0;
    for (int i = 0; i < NAAP_MAX_SLOTS; i++)
        n += m->slots[i].state != SLOT_FREE;
    return n;
}

static int serving_workers(const struct master *m)
{
    int n = 0;
    for (int i = 0; i < m->npos; i++)
        n += m->pos[i].current >= 0 && m->slots[m->pos[i].current].state == SLOT_READY;
    return n;
}

static void publish_status(struct master *m)
{
    int serving = serving_workers(m);
    m->shared->live_workers = serving;
    naap_notify("STATUS=%d of %d workers serving%s", serving, m->npos,
                m->reload_next >= 0 ? " (reloading)" : "");
}

/* Forks a worker for position p. Returns its slot, or -1 (fork failed / no free slot). */
static int spawn(struct master *m, int p)
{
    int s;
    for (s = 0; s < NAAP_MAX_SLOTS && m->slots[s].state != SLOT_FREE; s++)
        ;
    if (s == NAAP_MAX_SLOTS) {
        naap_log_error("no free worker slot for position %d", p);
        return -1;
    }
    m->shared->slots[s].ready = 0;
    fflush(NULL); /* a child must not inherit and re-print unflushed stdio */
    pid_t pid = fork();
    if (pid < 0) {
        naap_log_error("fork failed: %s", strerror(errno));
        return -1;
    }
    if (pid == 0)
        exit(naap_worker_run(m->cfg, m->listen_fd, p, s));
    m->slots[s] = (struct slot){
        .pid = pid, .state = SLOT_STARTING, .position = p, .started_ms = naap_clock_mono_ms()};
    m->shared->slots[s].pid = pid;
    m->shared->slots[s].started_ms = m->slots[s].started_ms;
    m->shared->slots[s].position = p;
    naap_log_info("worker %d starting (pid %d)", p, (int)pid);
    return s;
}

static void retire(struct master *m, int s, const char *why)
{
    struct slot *sl = &m->slots[s];
    naap_log_info("worker %d (pid %d) retiring: %s", sl->position, (int)sl->pid, why);
    sl->state = SLOT_DRAINING;
    sl->retired_ms = naap_clock_mono_ms();
    kill(sl->pid, SIGTERM);
}

static void schedule_restart(struct master *m, int p, int64_t uptime_ms)
{
    struct position *pos = &m->pos[p];
    int64_t now = naap_clock_mono_ms();
    if (uptime_ms >= HEALTHY_UPTIME_MS)
        pos->backoff_ms = BACKOFF_START_MS;
    pos->restart_at_ms = now + pos->backoff_ms;
    naap_log_warn("worker %d restarting in %d ms", p, pos->backoff_ms);
    pos->backoff_ms = pos->backoff_ms * 3 / 2;
    if (pos->backoff_ms > BACKOFF_MAX_MS)
        pos->backoff_ms = BACKOFF_MAX_MS;
}

/* Starts replacing position p's worker; the current one keeps serving meanwhile. */
static bool replace(struct master *m, int p, const char *why)
{
    struct position *pos = &m->pos[p];
    if (pos->successor >= 0 || pos->current < 0)
        return false;
    naap_log_info("worker %d (pid %d) being replaced: %s", p, (int)m->slots[pos->current].pid, why);
    pos->successor = spawn(m, p);
    return pos->successor >= 0;
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

static void on_exit_of(struct master *m, int s, int status)
{
    struct slot sl = m->slots[s];
    struct position *pos = sl.position < m->npos ? &m->pos[sl.position] : NULL;
    int64_t uptime = naap_clock_mono_ms() - sl.started_ms;
    char how[96];

    describe_exit(status, how, sizeof(how));
    m->slots[s].state = SLOT_FREE;
    m->shared->slots[s].pid = 0;
    m->shared->slots[s].ready = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        m->forced = m->forced || m->stopping;
    if (m->stopping || sl.state == SLOT_DRAINING) {
        naap_log_info("worker %d (pid %d) stopped: %s", sl.position, (int)sl.pid, how);
    } else if (pos && pos->successor == s) {
        naap_log_error("worker %d replacement (pid %d) died before it was ready: %s; the "
                       "current worker keeps serving",
                       sl.position, (int)sl.pid, how);
        pos->successor = -1;
    } else if (pos && pos->current == s) {
        /* check_starting marks a worker it killed for LISTEN_TIMEOUT this way */
        naap_metrics_inc(sl.started_ms == INT64_MAX / 2 ? NAAP_M_RESTART_START_TIMEOUT
                                                        : NAAP_M_RESTART_CRASH);
        naap_log_warn("worker %d (pid %d) died after %lld ms%s: %s", sl.position, (int)sl.pid,
                      (long long)uptime, sl.state == SLOT_STARTING ? ", before it was ready" : "",
                      how);
        pos->current = -1;
        schedule_restart(m, sl.position, uptime);
    }
    publish_status(m);
}

static void on_check_done(struct master *m, int status);

static void reap(struct master *m)
{
    pid_t pid;
    int status;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == m->check.pid) {
            on_check_done(m, status);
            continue;
        }
        for (int s = 0; s < NAAP_MAX_SLOTS; s++)
            if (m->slots[s].state != SLOT_FREE && m->slots[s].pid == pid) {
                on_exit_of(m, s, status);
                break;
            }
    }
}

/* ---- periodic work ------------------------------------------------------------------ */

/* A worker reports ready through the shared block; a successor's readiness retires the
 * worker it replaces. A worker silent past LISTEN_TIMEOUT is killed and counts as failed. */
static void check_starting(struct master *m, int64_t now)
{
    for (int s = 0; s < NAAP_MAX_SLOTS; s++) {
        struct slot *sl = &m->slots[s];
        if (sl->state != SLOT_STARTING)
            continue;
        if (m->shared->slots[s].ready) {
            struct position *pos = &m->pos[sl->position];
            sl->state = SLOT_READY;
            naap_log_info("worker %d (pid %d) ready in %lld ms", sl->position, (int)sl->pid,
                          (long long)(now - sl->started_ms));
            if (pos->successor == s) {
                if (pos->current >= 0)
                    retire(m, pos->current, "its replacement is ready");
                pos->current = s;
                pos->successor = -1;
            }
            publish_status(m);
        } else if (now - sl->started_ms > m->cfg->listen_timeout_ms) {
            naap_log_error("worker %d (pid %d) not ready after LISTEN_TIMEOUT (%d ms): SIGKILL",
                           sl->position, (int)sl->pid, m->cfg->listen_timeout_ms);
            kill(sl->pid, SIGKILL);
            sl->started_ms = INT64_MAX / 2; /* do not kill it again before it is reaped */
        }
    }
}

static void restart_due(struct master *m, int64_t now)
{
    for (int p = 0; p < m->npos; p++) {
        struct position *pos = &m->pos[p];
        if (pos->current < 0 && pos->restart_at_ms && now >= pos->restart_at_ms) {
            pos->current = spawn(m, p);
            pos->restart_at_ms = pos->current < 0 ? now + pos->backoff_ms : 0;
        }
    }
}

/* PM2's max_memory_restart, without its dropped requests: the replacement is started
 * and made ready before the worker over the limit stops accepting. */
static void check_memory(struct master *m, int64_t now)
{
    if (m->cfg->max_memory_restart <= 0 || now < m->next_rss_check_ms)
        return;
    m->next_rss_check_ms = now + m->cfg->memory_check_interval_ms;
    for (int p = 0; p < m->npos; p++) {
        struct position *pos = &m->pos[p];
        if (pos->current < 0 || pos->successor >= 0 || m->slots[pos->current].state != SLOT_READY)
            continue;
        int64_t rss = naap_metrics_rss_bytes((int)m->slots[pos->current].pid);
        if (rss > m->cfg->max_memory_restart) {
            char why[96];
            snprintf(why, sizeof(why), "RSS %lld bytes over MAX_MEMORY_RESTART %lld",
                     (long long)rss, (long long)m->cfg->max_memory_restart);
            if (replace(m, p, why))
                naap_metrics_inc(NAAP_M_RESTART_MEMORY);
        }
    }
}

static void advance_reload(struct master *m)
{
    if (m->reload_next < 0)
        return;
    if (m->reload_pending >= 0) {
        if (m->pos[m->reload_pending].successor >= 0)
            return; /* still waiting for this position's successor */
        m->reload_pending = -1;
    }
    while (m->reload_next < m->reload_end) {
        int p = m->reload_next;
        /* a replacement started before the reload (memory limit) forked with the old
         * configuration: let it finish, then roll that position too */
        if (m->pos[p].successor >= 0)
            return;
        m->reload_next++;
        if (replace(m, p, "reload")) {
            naap_metrics_inc(NAAP_M_RESTART_RELOAD);
            m->reload_pending = p;
            return;
        }
    }
    m->reload_next = -1;
    naap_log_info("reload complete: %d workers serving", serving_workers(m));
    naap_notify("READY=1\nSTATUS=%d of %d workers serving", serving_workers(m), m->npos);
}

/* A retired worker enforces KILL_TIMEOUT on its own requests; this is the backstop for
 * one that is stuck and never exits. */
static void check_retired(struct master *m, int64_t now)
{
    for (int s = 0; s < NAAP_MAX_SLOTS; s++) {
        struct slot *sl = &m->slots[s];
        if (sl->state == SLOT_DRAINING && sl->retired_ms &&
            now - sl->retired_ms > (int64_t)m->cfg->kill_timeout_ms + 1000) {
            naap_log_warn("retired worker %d (pid %d) still running after KILL_TIMEOUT: SIGKILL",
                          sl->position, (int)sl->pid);
            kill(sl->pid, SIGKILL);
            sl->retired_ms = 0;
        }
    }
}

static void tick(struct master *m)
{
    int64_t now = naap_clock_mono_ms();

    if (!m->stopping) {
        restart_due(m, now);
        check_starting(m, now);
        check_memory(m, now);
        check_retired(m, now);
        advance_reload(m);
        if (m->check.pid > 0 && now > m->check.deadline_ms) {
            kill(m->check.pid, SIGKILL); /* reaped as a failed check */
            m->check.deadline_ms = INT64_MAX;
        }
        if (!m->announced_ready && serving_workers(m) == m->npos) {
            m->announced_ready = true;
            naap_log_info("all %d workers ready", m->npos);
            naap_notify("READY=1\nSTATUS=%d of %d workers serving", m->npos, m->npos);
        }
    }
    if (naap_notify_watchdog_interval_ms() > 0 && now >= m->next_watchdog_ms) {
        naap_notify("WATCHDOG=1");
        m->next_watchdog_ms = now + naap_notify_watchdog_interval_ms();
    }
    if (m->stopping && now >= m->stop_deadline_ms) {
        for (int s = 0; s < NAAP_MAX_SLOTS; s++)
            if (m->slots[s].state != SLOT_FREE) {
                naap_log_warn("worker %d (pid %d) still %s after KILL_TIMEOUT: SIGKILL",
                              m->slots[s].position, (int)m->slots[s].pid,
                              state_names[m->slots[s].state]);
                kill(m->slots[s].pid, SIGKILL);
                m->forced = true;
            }
        m->stop_deadline_ms = INT64_MAX;
    }
}

/* ---- signals ------------------------------------------------------------------------ */

static void begin_stop(struct master *m, int sig)
{
    if (m->stopping)
        return;
    m->stopping = true;
    m->stop_deadline_ms = naap_clock_mono_ms() + m->cfg->kill_timeout_ms;
    naap_log_info("%s received: draining %d workers (kill timeout %d ms)", strsignal(sig),
                  live_slots(m), m->cfg->kill_timeout_ms);
    naap_notify("STOPPING=1\nSTATUS=draining");
    if (m->check.pid > 0)
        kill(m->check.pid, SIGKILL);
    for (int s = 0; s < NAAP_MAX_SLOTS; s++)
        if (m->slots[s].state != SLOT_FREE) {
            m->slots[s].state = SLOT_DRAINING;
            kill(m->slots[s].pid, SIGTERM);
        }
}

/* Changes the number of positions after a reload. New positions fill at once; surplus
 * ones have their workers retired. */
static void resize(struct master *m, int npos)
{
    for (int p = m->npos; p < npos; p++)
        m->pos[p] = (struct position){.current = -1,
                                      .successor = -1,
                                      .backoff_ms = BACKOFF_START_MS,
                                      .restart_at_ms = naap_clock_mono_ms()};
    for (int p = npos; p < m->npos; p++) {
        if (m->pos[p].current >= 0)
            retire(m, m->pos[p].current, "WORKERS lowered");
        if (m->pos[p].successor >= 0)
            retire(m, m->pos[p].successor, "WORKERS lowered");
    }
    m->npos = npos;
}

/* Starts rolling every worker over, one position at a time (advance_reload). */
static void start_roll(struct master *m, int workers)
{
    /* positions added by the resize start fresh workers; only the old ones roll */
    m->reload_end = m->npos < workers ? m->npos : workers;
    resize(m, workers);
    m->reload_next = 0;
    m->reload_pending = -1;
}

/* Read the configuration again and, if it is valid, roll every worker over to it one at
 * a time. A bad configuration changes nothing. */
static void reload_config(struct master *m)
{
    naap_config fresh;
    char err[256];

    if (naap_config_load(&fresh, m->cfg->config_file, err, sizeof(err)) != NAAP_OK) {
        naap_log_error("reload refused, configuration invalid: %s; workers keep serving", err);
        naap_config_free(&fresh);
        return;
    }
    if (fresh.port != m->cfg->port || strcmp(fresh.host, m->cfg->host) != 0) {
        naap_log_warn("PORT/HOST changes need a restart; keeping %s:%d", m->cfg->host,
                      m->cfg->port);
        fresh.port = m->cfg->port;
        free(fresh.host);
        fresh.host = naap_xstrdup(m->cfg->host);
    }
    if (!fresh.jwt_secret[0]) { /* keep the secret generated at start (development) */
        free(fresh.jwt_secret);
        fresh.jwt_secret = naap_xstrdup(m->cfg->jwt_secret);
    }
    naap_log_set_level((enum naap_log_level)naap_log_level_parse(fresh.log_level));
    naap_config_free(m->cfg);
    *m->cfg = fresh;
    naap_notify("RELOADING=1\nSTATUS=reloading");
    naap_log_info("configuration reloaded: rolling %d workers", fresh.workers);
    start_roll(m, fresh.workers);
}

/* SIGHUP (systemctl reload). With the same binary on disk, a configuration reload. With
 * a new one (upgrade.h), the new binary first has to pass check-config with the current
 * configuration (on_check_done); until then, and if it fails, nothing changes. */
static void begin_reload(struct master *m)
{
    if (m->stopping)
        return;
    if (m->reload_next >= 0 || m->check.pid > 0) {
        naap_log_warn("SIGHUP ignored: a reload is already in progress");
        return;
    }
    if (!naap_upgrade_binary_changed()) {
        reload_config(m);
        return;
    }
    naap_log_info("new binary at %s: running its check-config before switching to it",
                  naap_upgrade_path());
    if (naap_upgrade_check_start(&m->check, m->cfg->config_file, UPGRADE_CHECK_TIMEOUT_MS) !=
        NAAP_OK)
        naap_log_error("upgrade refused: the new binary could not be checked; workers keep "
                       "serving the current binary and configuration");
}

/* ---- upgrade: hand-over across exec ------------------------------------------------ */

/* The new image may be a build whose struct master differs, so the hand-over is text,
 * one fact a line. Slot numbers are kept: they index the shared block the new image
 * adopts, where a worker still starting will report ready. */
static char *state_text(const struct master *m)
{
    /* every line below is bounded: numbers, a host, the secret */
    size_t cap = 512 + strlen(m->cfg->host) + strlen(m->cfg->jwt_secret) +
                 (size_t)NAAP_MAX_WORKERS * 96 + (size_t)NAAP_MAX_SLOTS * 96;
    char *text = naap_xmalloc(cap);
    size_t n = 0;

    n += (size_t)snprintf(text + n, cap - n, "naapd-master 1\nlisten %d %d %s\nshared %d\n",
                          m->listen_fd, m->cfg->port, m->cfg->host, naap_shared_fd());
    n += (size_t)snprintf(text + n, cap - n, "secret %s\nready %d\n", m->cfg->jwt_secret,
                          m->announced_ready);
    for (int p = 0; p < m->npos; p++)
        n += (size_t)snprintf(text + n, cap - n, "pos %d %d %d %d %lld\n", p, m->pos[p].current,
                              m->pos[p].successor, m->pos[p].backoff_ms,
                              (long long)m->pos[p].restart_at_ms);
    for (int s = 0; s < NAAP_MAX_SLOTS; s++) {
        const struct slot *sl = &m->slots[s];
        if (sl->state != SLOT_FREE)
            n += (size_t)snprintf(text + n, cap - n, "slot %d %d %d %d %lld %lld\n", s,
                                  (int)sl->pid, (int)sl->state, sl->position,
                                  (long long)sl->started_ms, (long long)sl->retired_ms);
    }
    return text;
}

/* The new binary passed check-config: become it. exec returns only on failure, and then
 * this image carries on as if SIGHUP had not come. */
static void hand_over(struct master *m)
{
    int fds[2] = {m->listen_fd, naap_shared_fd()};
    char *state = state_text(m);

    naap_log_info("re-executing %s in place (pid %d) with %d workers serving", naap_upgrade_path(),
                  (int)getpid(), serving_workers(m));
    naap_notify("RELOADING=1\nSTATUS=switching to the new binary");
    naap_upgrade_exec(state, fds, 2);
    free(state);
    naap_log_error("upgrade refused: %s could not be executed; workers keep serving the "
                   "current binary and configuration",
                   naap_upgrade_path());
    naap_notify("READY=1\nSTATUS=%d of %d workers serving", serving_workers(m), m->npos);
}

static void on_check_done(struct master *m, int status)
{
    char why[384];

    if (naap_upgrade_check_finish(&m->check, status, why, sizeof(why)) != NAAP_OK) {
        naap_log_error("upgrade refused: %s failed the check (%s); workers keep serving the "
                       "current binary and configuration",
                       naap_upgrade_path(), why);
        return;
    }
    if (!m->stopping)
        hand_over(m);
}

static void set_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0)
        fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
}

/* Takes the shared block over. A block of another layout (a build that added fields)
 * cannot be read: the old workers keep it, new workers get a fresh one, and the old
 * workers' /healthz counts are stale until the roll has replaced them. */
static bool adopt_shared(struct master *m, int fd)
{
    set_cloexec(fd);
    if (naap_shared_adopt(fd) == NAAP_OK) {
        m->shared = naap_shared_get();
        return true;
    }
    naap_log_warn("shared memory of the previous binary has another layout: the new workers "
                  "get a fresh block");
    close(fd);
    m->shared = naap_shared_create();
    return false;
}

/* A worker started by the old binary and still starting can report ready only in the
 * block it has; with a fresh block it is retired and its position started again. */
static void forget_unseen_starters(struct master *m)
{
    for (int s = 0; s < NAAP_MAX_SLOTS; s++) {
        struct slot *sl = &m->slots[s];
        if (sl->state == SLOT_FREE)
            continue;
        m->shared->slots[s].pid = sl->pid;
        m->shared->slots[s].started_ms = sl->started_ms;
        m->shared->slots[s].ready = sl->state == SLOT_READY;
        if (sl->state != SLOT_STARTING)
            continue;
        struct position *pos = &m->pos[sl->position];
        if (pos->successor == s)
            pos->successor = -1;
        if (pos->current == s) {
            pos->current = -1;
            pos->restart_at_ms = naap_clock_mono_ms();
        }
        retire(m, s, "started by the previous binary");
    }
}

static int parse_state_line(struct master *m, const char *line)
{
    int a, b, c, d;
    long long x, y;
    char host[256] = "";

    if (sscanf(line, "listen %d %d %255s", &a, &b, host) >= 2) {
        m->listen_fd = a;
        set_cloexec(a);
        if (b != m->cfg->port || strcmp(host, m->cfg->host) != 0) {
            naap_log_warn("PORT/HOST changes need a restart; keeping %s:%d", host, b);
            m->cfg->port = b;
            free(m->cfg->host);
            m->cfg->host = naap_xstrdup(host);
        }
    } else if (sscanf(line, "shared %d", &a) == 1) {
        if (!adopt_shared(m, a))
            return 1; /* the caller re-registers the slots in the fresh block */
    } else if (strncmp(line, "secret ", 7) == 0) {
        if (!m->cfg->jwt_secret[0]) { /* keep the secret generated at start (development) */
            free(m->cfg->jwt_secret);
            m->cfg->jwt_secret = naap_xstrdup(line + 7);
        }
    } else if (sscanf(line, "ready %d", &a) == 1) {
        m->announced_ready = a != 0;
    } else if (sscanf(line, "pos %d %d %d %d %lld", &a, &b, &c, &d, &x) == 5) {
        if (a < 0 || a >= NAAP_MAX_WORKERS || b >= NAAP_MAX_SLOTS || c >= NAAP_MAX_SLOTS)
            return NAAP_EINVAL;
        m->pos[a] = (struct position){
            .current = b, .successor = c, .backoff_ms = d, .restart_at_ms = (int64_t)x};
        if (a >= m->npos)
            m->npos = a + 1;
    } else if (sscanf(line, "slot %d %d %d %d %lld %lld", &a, &b, &c, &d, &x, &y) == 6) {
        if (a < 0 || a >= NAAP_MAX_SLOTS || c <= SLOT_FREE || c > SLOT_DRAINING || d < 0 ||
            d >= NAAP_MAX_WORKERS)
            return NAAP_EINVAL;
        m->slots[a] = (struct slot){.pid = b,
                                    .state = (enum slot_state)c,
                                    .position = d,
                                    .started_ms = (int64_t)x,
                                    .retired_ms = (int64_t)y};
    } else if (strcmp(line, "naapd-master 1") != 0) {
        return NAAP_EINVAL;
    }
    return NAAP_OK;
}

/* Rebuilds the master from the text of state_text(). Returns NAAP_OK or NAAP_EINVAL. */
static int resume_state(struct master *m, char *text)
{
    char *save = NULL;
    bool fresh = false;
    int rc;

    if (strncmp(text, "naapd-master 1\n", 15) != 0)
        return NAAP_EINVAL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if ((rc = parse_state_line(m, line)) < 0) {
            naap_log_error("hand-over from the previous binary unreadable at \"%s\"", line);
            return rc;
        }
        fresh = fresh || rc == 1;
    }
    if (m->listen_fd < 0 || !m->shared || m->npos == 0)
        return NAAP_EINVAL;
    /* a position must not point at a worker the hand-over did not list */
    for (int p = 0; p < m->npos; p++) {
        struct position *pos = &m->pos[p];
        if (pos->successor >= 0 && m->slots[pos->successor].state == SLOT_FREE)
            pos->successor = -1;
        if (pos->current >= 0 && m->slots[pos->current].state == SLOT_FREE) {
            pos->current = -1;
            pos->restart_at_ms = naap_clock_mono_ms();
        }
    }
    if (fresh)
        forget_unseen_starters(m);
    return NAAP_OK;
}

/* ---- main loop ----------------------------------------------------------------------- */

static struct master master; /* large (slot tables); one per process */

/* blocked before the first fork, so workers (and their threads) inherit the mask and
 * every one of these signals is taken only by an explicit sigtimedwait */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGCHLD);
    sigprocmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int run_loop(struct master *m, const sigset_t *set)
{
    tick(m);
    for (;;) {
        struct timespec timeout = {0, TICK_MS * 1000000L};
        int sig = sigtimedwait(set, NULL, &timeout);
        if (sig == SIGTERM || sig == SIGINT)
            begin_stop(m, sig);
        else if (sig == SIGHUP)
            begin_reload(m);
        reap(m); /* SIGCHLDs coalesce; never trust one signal per child */
        tick(m);
        if (m->stopping && live_slots(m) == 0)
            break;
    }
    close(m->listen_fd);
    naap_log_info("naapd stopped%s", m->forced ? " (workers were cut off)" : "");
    return m->forced ? 1 : 0;
}

int naap_master_run(naap_config *cfg, int listen_fd)
{
    struct master *m = &master;
    sigset_t set;

    *m = (struct master){
        .cfg = cfg, .listen_fd = listen_fd, .reload_next = -1, .reload_pending = -1};
    m->shared = naap_shared_create();
    if (!m->shared) {
        naap_log_error("cannot map shared memory: %s", strerror(errno));
        return 1;
    }
    naap_log_set_role("master", -1);
    naap_notify_init();
    block_signals(&set);

    naap_log_info("naapd master starting %d workers on %s:%d", cfg->workers, cfg->host, cfg->port);
    resize(m, cfg->workers);
    return run_loop(m, &set);
}

int naap_master_resume(naap_config *cfg, char *state)
{
    struct master *m = &master;
    sigset_t set;

    *m = (struct master){.cfg = cfg, .listen_fd = -1, .reload_next = -1, .reload_pending = -1};
    naap_log_set_role("master", -1);
    naap_notify_init();
    block_signals(&set);
    if (resume_state(m, state) != NAAP_OK) {
        naap_log_error("cannot take over from the previous binary: stopping");
        return 1;
    }
    naap_log_info("naapd %s took over from the previous binary (pid %d): rolling %d workers "
                  "onto it",
                  naap_version, (int)getpid(), serving_workers(m));
    naap_notify("RELOADING=1\nSTATUS=rolling workers onto the new binary");
    reap(m); /* workers that exited while the binary changed */
    start_roll(m, cfg->workers);
    return run_loop(m, &set);
}
