#ifndef NAAP_STORE_DB_RESULT_H
#define NAAP_STORE_DB_RESULT_H

#include <libpq-fe.h>

/* Private to src/store/db*.c: what a naap_db_rows is. */
struct naap_db_rows {
    PGresult *res;
};

#endif
