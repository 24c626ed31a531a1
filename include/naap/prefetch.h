#ifndef NAAP_PREFETCH_H
#define NAAP_PREFETCH_H

#include "naap/http.h"

/* Read-ahead middleware (issue 15): on a warm cached read, the limiter's count, the
 * session check and the cache lookup were three round trips to Redis, one after the
 * other, though all three can be named before the first is sent. This sends them in one
 * pipeline; the middleware after it then find their replies waiting (naap/redis_prefetch.h
 * says why that is exact). */

/** Runs before the limiter; never answers the request (naap_middleware). */
int naap_prefetch(naap_request *req);
/** Drops what the request read ahead and did not use: call when it has been answered. */
void naap_prefetch_end(void);

#endif
