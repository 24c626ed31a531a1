#include "check.h"
#include "naap/status.h"

static void cluster_source(naap_status *out)
{
    out->live_workers = 4;
    out->started_epoch_ms = 1700000000000;
}

int main(void)
{
    naap_status st;

    naap_status_get(&st); /* outside a cluster */
    CHECK(st.live_workers == 1);
    CHECK(st.started_epoch_ms == 0);
    naap_status_set_source(cluster_source);
    naap_status_get(&st);
    CHECK(st.live_workers == 4);
    CHECK(st.started_epoch_ms == 1700000000000);
    return check_report("status");
}
