#include "naap/db.h"
#include "naap/errors.h"
#include "naap/log.h"

/* The one place that begins, commits and rolls back for handlers and stores. A failed
 * COMMIT is a failed write (db.c reports a COMMIT answered with ROLLBACK as NAAP_ERR),
 * so fn's effects are either all there or none are. */
int naap_db_tx(naap_db_tx_fn fn, void *arg, int retries)
{
    int rc;

    if (naap_db_in_tx()) {
        naap_log_error("BUG: naap_db_tx called inside an open transaction");
        return NAAP_ERR;
    }
    for (int attempt = 0;; attempt++) {
        if ((rc = naap_db_begin()) == NAAP_OK && (rc = fn(arg)) == NAAP_OK &&
            (rc = naap_db_commit()) == NAAP_OK)
            return NAAP_OK;
        naap_db_rollback();
        if (rc != NAAP_ECONFLICT || attempt >= retries)
            return rc;
        naap_log_debug("transaction conflict, attempt %d of %d", attempt + 2, retries + 1);
    }
}
