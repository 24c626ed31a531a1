#ifndef NAAP_SHARED_H
#define NAAP_SHARED_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "naap/metrics.h"

/* State the master shares with its workers through one anonymous MAP_SHARED mapping
 * made before the first fork: what /healthz reports about the cluster and the ready
 * handshake, and the /metrics counters. Only the master writes the cluster fields; a worker writes
 * its own slot. */

#define NAAP_MAX_WORKERS 256
/* room for a successor and a draining predecessor next to every worker */
#define NAAP_MAX_SLOTS (2 * NAAP_MAX_WORKERS)

typedef struct naap_worker_slot {
    _Atomic pid_t pid;          /* 0 when the slot is empty */
    _Atomic int ready;          /* set by the worker once its HTTP daemon serves */
    _Atomic int64_t started_ms; /* monotonic time of the fork */
    _Atomic int position;       /* its place among WORKERS, for /metrics */
} naap_worker_slot;

typedef struct naap_shared {
    _Atomic int live_workers;
    int64_t started_epoch_ms; /* master start, for uptimeSeconds */
    naap_worker_slot slots[NAAP_MAX_SLOTS];
    naap_metrics metrics; /* every worker counts here; /metrics reads the sums */
} naap_shared;

/** Maps the shared block (master, before forking). Returns NULL on failure. */
naap_shared *naap_shared_create(void);
/** The block this process uses (inherited across fork), or NULL outside a cluster. */
naap_shared *naap_shared_get(void);

#endif
