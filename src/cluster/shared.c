#include "naap/shared.h"
#include "naap/clock.h"
#include "naap/status.h"

#include <string.h>
#include <sys/mman.h>

static naap_shared *shared;

/* What /healthz and /metrics report, read by workers through naap/status.h. */
static void read_status(naap_status *out)
{
    out->live_workers = atomic_load(&shared->live_workers);
    out->started_epoch_ms = shared->started_epoch_ms;
    out->nprocs = 0;
    for (int s = 0; s < NAAP_MAX_SLOTS && out->nprocs < NAAP_STATUS_MAX_PROCS; s++) {
        pid_t pid = atomic_load(&shared->slots[s].pid);
        if (pid > 0)
            out->procs[out->nprocs++] =
                (naap_status_proc){.pid = pid, .position = atomic_load(&shared->slots[s].position)};
    }
}

naap_shared *naap_shared_create(void)
{
    void *p =
        mmap(NULL, sizeof(naap_shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    shared = p;
    memset(shared, 0, sizeof(*shared));
    shared->started_epoch_ms = naap_clock_epoch_ms();
    naap_status_set_source(read_status); /* inherited by the workers across fork */
    naap_metrics_attach(&shared->metrics);
    return shared;
}

naap_shared *naap_shared_get(void)
{
    return shared;
}
