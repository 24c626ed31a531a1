#ifndef NAAP_PROBE_H
#define NAAP_PROBE_H

/* Liveness probes of the backing services, for /healthz: each answers within its own
 * short deadline even while the service hangs, so a load balancer is never kept waiting. */

/**
 * Runs a trivial query on this thread's PostgreSQL connection, giving up after
 * timeout_ms. Returns 0, or the store error of naap_db_query_timeout.
 */
int naap_probe_db(int timeout_ms);

#endif
