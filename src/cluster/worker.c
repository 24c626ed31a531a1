#include "naap/api.h"
#include "naap/cache.h"
#include "naap/cluster.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/log.h"
#include "naap/ratelimit.h"
#include "naap/redis.h"
#include "naap/server.h"
#include "naap/session.h"
#include "naap/shared.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

/* How often a worker looks up from waiting for signals to check its master is alive. */
#define PARENT_CHECK_MS 1000

int naap_worker_run(const naap_config *cfg, int listen_fd, int position, int slot)
{
    naap_shared *shared = naap_shared_get();
    pid_t master = getppid();
    naap_server *srv = NULL;
    sigset_t wait_set;
    int rc;

    naap_log_set_role("worker", position);
    /* die with the master instead of serving on as an orphan; the getppid check closes
     * the race where the master died before prctl ran */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (shared && getppid() != master)
        return 1;
    /* the block's layout is what this build reads and writes; joining a master whose
     * block another build made would misread every field past the first change */
    if (shared && naap_shared_compatible(shared) != NAAP_OK) {
        naap_log_error("shared memory made by an incompatible naapd build: not joining");
        return 3;
    }

    naap_db_init(cfg);
    naap_redis_init(cfg);
    naap_ratelimit_init(cfg);
    naap_cache_init(cfg);
    naap_session_init(cfg);
    /* A cache hit's body is sent from the Redis reply it came in and freed after the
     * send, with the request's other buffers (~80 KB for the marketplace list): at
     * glibc's default trim threshold (128 KB) that free shrank the thread's heap once per
     * request and the next request faulted the pages back in (1 madvise + 4 page faults
     * per hit, issue 15). Kept: at most 256 KB per malloc arena. */
    mallopt(M_TRIM_THRESHOLD, 256 * 1024);
    /* the signal mask inherited from the master keeps TERM/INT/HUP blocked in every
     * thread libmicrohttpd starts, so only sigtimedwait below sees them */
    if (naap_server_start(listen_fd, cfg, naap_routes, naap_routes_count, &srv) != NAAP_OK)
        return 2;
    if (shared)
        shared->slots[slot].ready = 1;
    naap_log_info("worker serving");

    sigemptyset(&wait_set);
    sigaddset(&wait_set, SIGTERM);
    sigaddset(&wait_set, SIGINT);
    sigaddset(&wait_set, SIGHUP);
    for (;;) {
        struct timespec tick = {PARENT_CHECK_MS / 1000, (PARENT_CHECK_MS % 1000) * 1000000L};
        int sig = sigtimedwait(&wait_set, NULL, &tick);
        if (sig == SIGTERM || sig == SIGINT)
            break;
        if (sig < 0 && errno == EAGAIN && getppid() != master)
            break; /* orphaned without the death signal (master exec'd or SIGKILLed) */
        if (sig < 0)
            naap_server_trim(srv);
        /* SIGHUP is the master's business (reload); a worker ignores it */
    }

    naap_log_info("worker draining");
    rc = naap_server_drain(srv, cfg->kill_timeout_ms);
    naap_db_close_all();
    naap_redis_close_all();
    if (rc == NAAP_OK)
        naap_log_info("worker stopped");
    else
        naap_log_warn("worker stopped with requests still in flight");
    return rc == NAAP_OK ? 0 : 1;
}
