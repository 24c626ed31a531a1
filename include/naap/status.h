#ifndef NAAP_STATUS_H
#define NAAP_STATUS_H

#include <stdint.h>

/* What the process knows about the service it belongs to, for /healthz. The cluster
 * owns these facts (its shared memory); it registers a source here at start so the
 * layers below it can read them without knowing the cluster exists. */

typedef struct naap_status {
    int live_workers;         /* workers serving now */
    int64_t started_epoch_ms; /* when the service (the master) started; 0 if unknown */
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
