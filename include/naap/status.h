#ifndef NAAP_STATUS_H
#define NAAP_STATUS_H

#include <stdint.h>

/* What the process knows about the service it belongs to, for /healthz and /metrics. The cluster
 * owns these facts (its shared memory); it registers a source here at start so the
 * layers below it can read them without knowing the cluster exists. */

#define NAAP_STATUS_MAX_PROCS 512

/* A worker process alive now (serving, starting or draining). */
typedef struct naap_status_proc {
    int pid;
    int position; /* its place among WORKERS */
} naap_status_proc;

typedef struct naap_status {
    int live_workers;         /* workers serving now */
    int64_t started_epoch_ms; /* when the service (the master) started; 0 if unknown */
    int nprocs;               /* entries in procs; 0 outside a cluster */
    naap_status_proc procs[NAAP_STATUS_MAX_PROCS];
} naap_status;

/** Fills *out with the current status; called from any thread. */
typedef void (*naap_status_source)(naap_status *out);

/** Registers the source (the cluster, before it forks or starts threads). */
void naap_status_set_source(naap_status_source source);
/**
 * The current status; without a source (outside a cluster) one live worker and an
 * unknown start time.
 */
void naap_status_get(naap_status *out);

#endif
