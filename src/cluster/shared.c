#include "naap/shared.h"
#include "naap/clock.h"

#include <string.h>
#include <sys/mman.h>

static naap_shared *shared;

naap_shared *naap_shared_create(void)
{
    void *p =
        mmap(NULL, sizeof(naap_shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    shared = p;
    memset(shared, 0, sizeof(*shared));
    shared->started_epoch_ms = naap_clock_epoch_ms();
    return shared;
}

naap_shared *naap_shared_get(void)
{
    return shared;
}
