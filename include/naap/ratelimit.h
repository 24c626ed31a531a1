#ifndef NAAP_RATELIMIT_H
#define NAAP_RATELIMIT_H

#include "naap/config.h"
#include "naap/http.h"
#include "naap/limiter.h"

/* Rate-limit middleware: the matched route's tier decides the rule; the key is the
 * authenticated user, else the client address (X-Forwarded-For only from TRUST_PROXY). */

/** Sets the configuration (tiers, workers) for this process. */
void naap_ratelimit_init(const naap_config *cfg);
/**
 * Counts the request against its route's tier and sets the X-RateLimit-* headers.
 * Returns NAAP_OK to go on, or NAAP_DONE after answering 429 itself (naap_middleware).
 */
int naap_ratelimit_admit(naap_request *req);
/**
 * The limiter command naap_ratelimit_admit will send for req, for a read-ahead
 * (naap/redis_prefetch.h); false when it sends none or it cannot be known.
 */
bool naap_ratelimit_plan(naap_request *req, naap_limiter_call *call);

#endif
