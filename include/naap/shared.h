#ifndef NAAP_SHARED_H
#define NAAP_SHARED_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "naap/cache.h"
#include "naap/metrics.h"

/* State the master shares with its workers through one MAP_SHARED mapping of a memfd
 * made before the first fork: what /healthz reports about the cluster, the ready
 * handshake and the /metrics counters. Only the master writes the cluster fields; a
 * worker writes its own slot. The cache's host-wide record of undelivered invalidations
 * lives here too, so that it survives the worker that wrote it (naap_cache_host). The
 * memfd outlives a re-exec of the master (upgrade.h), so a block may be read by a build
 * other than the one that made it: the header says which layout it holds. */

#define NAAP_MAX_WORKERS 256
/* room for a successor and a draining predecessor next to every worker */
#define NAAP_MAX_SLOTS (2 * NAAP_MAX_WORKERS)

typedef struct naap_worker_slot {
    _Atomic pid_t pid;          /* 0 when the slot is empty */
    _Atomic int ready;          /* set by the worker once its HTTP daemon serves */
    _Atomic int64_t started_ms; /* monotonic time of the fork */
    _Atomic int position;       /* its place among WORKERS, for /metrics */
} naap_worker_slot;

/* Bump when a field changes meaning; a change of size is caught without it. */
#define NAAP_SHARED_LAYOUT 1
#define NAAP_SHARED_MAGIC 0x6e616170u /* "naap" */

typedef struct naap_shared {
    uint32_t magic;  /* NAAP_SHARED_MAGIC */
    uint32_t layout; /* NAAP_SHARED_LAYOUT of the build that made the block */
    uint64_t size;   /* sizeof(naap_shared) of that build */
    _Atomic int live_workers;
    int64_t started_epoch_ms; /* master start, for uptimeSeconds */
    naap_worker_slot slots[NAAP_MAX_SLOTS];
    naap_cache_host cache; /* written by any worker (atomics) */
    naap_metrics metrics;  /* every worker counts here; /metrics reads the sums */
} naap_shared;

/** Maps the shared block (master, before forking). Returns NULL on failure. */
naap_shared *naap_shared_create(void);
/** The block this process uses (inherited across fork), or NULL outside a cluster. */
naap_shared *naap_shared_get(void);
/** The memfd behind the block (close-on-exec), for handing it to a re-executed master. */
int naap_shared_fd(void);
/**
 * Maps the block behind fd (a re-executed master). Returns NAAP_OK, or NAAP_ECONFLICT
 * when a build with another layout made it (the caller maps a fresh one), NAAP_ERR when
 * it cannot be mapped. On success the block is this process's and fd is kept.
 */
int naap_shared_adopt(int fd);
/** NAAP_OK if this build reads sh the way the build that made it wrote it. */
int naap_shared_compatible(const naap_shared *sh);

#endif
