#include "naap/auth_api.h"
#include "naap/errors.h"

bool naap_auth_onetime_load(naap_request *req, enum naap_onetime_kind kind, const char *token,
                            const naap_onetime_messages *msgs, int64_t now_ms,
                            naap_onetime_token *t)
{
    int rc = naap_onetime_token_load(req->arena, kind, token, t);

    if (rc == NAAP_ENOTFOUND) {
        naap_respond_error(req, 400, msgs->invalid);
        return false;
    }
    if (rc != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return false;
    }
    if (t->expires_ms < now_ms) {
        naap_onetime_token_delete(kind, t->id); /* as upstream: an expired token is dropped */
        naap_respond_error(req, 400, msgs->expired);
        return false;
    }
    if (t->used) {
        naap_respond_error(req, 400, msgs->used);
        return false;
    }
    return true;
}

void naap_auth_onetime_fail(naap_request *req, const naap_onetime_messages *msgs, int rc)
{
    if (rc == NAAP_ECONFLICT) /* another request spent it between load and spend */
        naap_respond_error(req, 400, msgs->used);
    else if (rc == NAAP_ENOTFOUND) /* its user is gone */
        naap_respond_error(req, 400, msgs->invalid);
    else
        naap_respond_store_error(req, rc);
}
