#include "naap/probe.h"
#include "naap/db.h"

int naap_probe_db(int timeout_ms)
{
    return naap_db_query_timeout("SELECT 1", 0, NULL, NULL, timeout_ms);
}
