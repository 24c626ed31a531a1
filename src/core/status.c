#include "naap/status.h"

static naap_status_source source;

void naap_status_set_source(naap_status_source fn)
{
    source = fn;
}

void naap_status_get(naap_status *out)
{
    out->live_workers = 1;
    out->started_epoch_ms = 0;
    out->nprocs = 0;
    if (source)
        source(out);
}
