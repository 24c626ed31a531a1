#include "naap/envelope.h"
#include "naap/errors.h"

void naap_respond_success(naap_request *req, int status, const char *key, json_t *value)
{
    json_t *body = json_object();
    json_object_set_new(body, "success", json_true());
    json_object_set_new(body, key, value ? value : json_null());
    naap_respond_json(req, status, body);
}

void naap_respond_message(naap_request *req, const char *message)
{
    naap_respond_success(req, 200, "message", json_string(message));
}

void naap_respond_outcome(naap_request *req, int rc, const char *message)
{
    switch (rc) {
    case NAAP_DONE:
        return;
    case NAAP_EINVAL:
        naap_respond_error(req, 400, message ? message : "Invalid request");
        return;
    case NAAP_EFORBIDDEN:
        naap_respond_error(req, 403, message ? message : "Permission denied");
        return;
    case NAAP_ENOTFOUND:
        naap_respond_error(req, 404, message ? message : "Not found");
        return;
    case NAAP_ECONFLICT:
        naap_respond_error(req, 409, message ? message : "Conflict");
        return;
    default:
        naap_respond_store_error(req, rc);
    }
}

void naap_respond_result(naap_request *req, int rc, int status, const char *key, json_t *value,
                         const char *message)
{
    if (rc == NAAP_OK) {
        naap_respond_success(req, status, key, value);
        return;
    }
    json_decref(value);
    naap_respond_outcome(req, rc, message);
}
