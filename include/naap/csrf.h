#ifndef NAAP_CSRF_H
#define NAAP_CSRF_H

#include "naap/http.h"

/* CSRF middleware (api.md 1.5 as amended by decisions.md 6); the tokens themselves are
 * kept by the store (naap/csrf_store.h). */

/**
 * Middleware for every matched request: on /api/v1 writes carrying a Bearer session and
 * an x-csrf-token header, the header must match the session's token. Returns NAAP_OK to
 * go on, or NAAP_DONE after answering 403 CSRF_INVALID itself (naap_middleware).
 */
int naap_csrf_check(naap_request *req);

#endif
