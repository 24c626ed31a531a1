#include "naap/errors.h"
#include "naap/http.h"

void naap_respond_store_error(naap_request *req, int err)
{
    if (err == NAAP_EUNAVAILABLE || err == NAAP_ETIMEDOUT)
        naap_respond_error(req, 503, "Service temporarily unavailable");
    else
        naap_respond_error(req, 500, "Internal server error");
}
