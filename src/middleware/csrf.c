#include "naap/auth.h"
#include "naap/csrf.h"
#include "naap/csrf_store.h"
#include "naap/errors.h"
#include "naap/http.h"

#include <string.h>
#include <strings.h>

static bool is_safe_method(const char *m)
{
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0 || strcmp(m, "OPTIONS") == 0;
}

/* api.md 1.5, rule 1: substring tests on the path below the /api/v1 mount, which Express
 * matches case-insensitively while the substrings are compared as they are. */
static bool is_exempt_path(const char *path)
{
    static const char mount[] = "/api/v1";
    const size_t n = sizeof(mount) - 1;
    if (strncasecmp(path, mount, n) != 0 || (path[n] != '/' && path[n] != '\0'))
        return true; /* not under /api/v1: never checked */
    const char *below = path + n;
    return strstr(below, "/callback/") || strstr(below, "/webhook") || strstr(below, "/reviews");
}

static int reject(naap_request *req)
{
    /* cross-cutting middleware: the same body under every family (api.md 1.3) */
    naap_respond_json(
        req, 403,
        json_pack("{s:s,s:s}", "error", "Invalid or missing CSRF token", "code", "CSRF_INVALID"));
    return NAAP_DONE;
}

int naap_csrf_check(naap_request *req)
{
    if (is_safe_method(req->method) || is_exempt_path(req->path))
        return NAAP_OK;
    const char *token = naap_auth_token(req, NAAP_AUTH_BEARER);
    if (!token || strncmp(token, "naap_", 5) == 0) /* API tokens are exempt */
        return NAAP_OK;
    /* decisions.md 6: a bearer in the Authorization header cannot be sent cross-site, so
     * an absent header is accepted; a present one must be right */
    const char *sent = naap_request_header(req, "x-csrf-token");
    if (!sent)
        return NAAP_OK;
    const char *sid = naap_auth_sid_of(req, token);
    if (!sid)
        return reject(req);
    switch (naap_csrf_verify(sid, sent)) {
    case NAAP_OK:
        return NAAP_OK;
    case NAAP_EUNAVAILABLE:
        /* Redis unreachable and this worker holds no token for the session: checking is
         * impossible, and refusing would be no safer than the absent header we accept */
        return NAAP_OK;
    default:
        return reject(req);
    }
}
