#define _GNU_SOURCE /* memfd_create, pipe2 */

#include "naap/shared.h"
#include "naap/clock.h"
#include "naap/errors.h"
#include "naap/status.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static naap_shared *shared;
static int shared_fd = -1;

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

/* A memfd rather than MAP_ANONYMOUS: an anonymous mapping dies with the image on exec,
 * and the workers of the old binary keep using the block while the upgraded master
 * rolls them (upgrade.c). */
naap_shared *naap_shared_create(void)
{
    int fd = memfd_create("naapd-shared", MFD_CLOEXEC);
    if (fd < 0)
        return NULL;
    void *p = MAP_FAILED;
    if (ftruncate(fd, sizeof(naap_shared)) == 0)
        p = mmap(NULL, sizeof(naap_shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        close(fd);
        return NULL;
    }
    shared = p;
    shared_fd = fd;
    memset(shared, 0, sizeof(*shared)); /* a fresh block: no lost invalidations, no counts */
    shared->magic = NAAP_SHARED_MAGIC;
    shared->layout = NAAP_SHARED_LAYOUT;
    shared->size = sizeof(naap_shared);
    shared->started_epoch_ms = naap_clock_epoch_ms();
    naap_status_set_source(read_status); /* inherited by the workers across fork */
    naap_cache_use_host_state(&shared->cache);
    naap_metrics_attach(&shared->metrics);
    return shared;
}

naap_shared *naap_shared_get(void)
{
    return shared;
}

int naap_shared_fd(void)
{
    return shared_fd;
}

int naap_shared_compatible(const naap_shared *sh)
{
    return sh->magic == NAAP_SHARED_MAGIC && sh->layout == NAAP_SHARED_LAYOUT &&
                   sh->size == sizeof(naap_shared)
               ? NAAP_OK
               : NAAP_ECONFLICT;
}

/* The header is read through a mapping of the file's own size, so a smaller block of
 * an older build is refused without reading past its end. */
int naap_shared_adopt(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(uint64_t) * 2)
        return NAAP_ERR;
    if ((uint64_t)st.st_size != sizeof(naap_shared))
        return NAAP_ECONFLICT;
    void *p = mmap(NULL, sizeof(naap_shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return NAAP_ERR;
    if (naap_shared_compatible(p) != NAAP_OK) {
        munmap(p, sizeof(naap_shared));
        return NAAP_ECONFLICT;
    }
    shared = p;
    shared_fd = fd;
    naap_status_set_source(read_status);
    /* the re-executed master's workers keep counting into the block they always used */
    naap_cache_use_host_state(&shared->cache);
    naap_metrics_attach(&shared->metrics);
    return NAAP_OK;
}
