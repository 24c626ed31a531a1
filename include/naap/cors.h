#ifndef NAAP_CORS_H
#define NAAP_CORS_H

#include "naap/http.h"

/*
 * Cross-origin answers for browser clients (api.md 1.2, 9.1; decisions.md "Kept exactly").
 * CORS_ORIGINS="*" keeps base-svc's cors() defaults; a comma-separated allowlist echoes a
 * listed Origin with Access-Control-Allow-Credentials, which the shell's
 * credentials:"include" calls need.
 */

/**
 * Adds the CORS headers to req's response, just before it is sent: Allow-Origin (and
 * Allow-Credentials for a listed origin), Expose-Headers on non-preflight answers, and
 * "Origin" merged into the one Vary header. An unlisted origin gets no CORS headers.
 */
void naap_cors_headers(naap_request *req);

/**
 * Answers an OPTIONS preflight: 204 with the allowed methods, the requested headers
 * mirrored and Access-Control-Max-Age. Touches no rate limit, session or database.
 */
void naap_cors_preflight(naap_request *req);

#endif
