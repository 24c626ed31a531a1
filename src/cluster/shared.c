#include "naap/shared.h"
#include "naap/clock.h"
#include "naap/status.h"

#include <string.h>
#include <sys/mman.h>

static naap_shared *shared;

/* What /healthz reports, read by workers through naap/status.h. */
static void read_status(naap_status *out)
{
    out->live_workers = atomic_load(&shared->live_workers);
    out->started_epoch_ms = shared->started_epoch_ms;
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
    naap_cache_use_host_state(&shared->cache);
    return shared;
}

naap_shared *naap_shared_get(void)
{
    return shared;
}
