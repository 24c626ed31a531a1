#include "naap/errors.h"

const char *naap_strerror(int err)
{
    switch (err) {
    case NAAP_DONE:
        return "done";
    case NAAP_OK:
        return "ok";
    case NAAP_EINVAL:
        return "invalid";
    case NAAP_ENOTFOUND:
        return "not_found";
    case NAAP_EUNAVAILABLE:
        return "unavailable";
    case NAAP_ETIMEDOUT:
        return "timed_out";
    case NAAP_ECONFLICT:
        return "conflict";
    case NAAP_ETOOLARGE:
        return "too_large";
    default:
        return "error";
    }
}
