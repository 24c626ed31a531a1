#include "naap/input.h"
#include "naap/errors.h"

#include <stdio.h>

int naap_input_body_status(naap_request *req, int status, const naap_field *fields, naap_value *out)
{
    char err[160];

    if (naap_schema_check(req->json, fields, out, err, sizeof(err)) == NAAP_OK)
        return NAAP_OK;
    naap_respond_error(req, status, err);
    return NAAP_DONE;
}

int naap_input_body(naap_request *req, const naap_field *fields, naap_value *out)
{
    return naap_input_body_status(req, 400, fields, out);
}

int naap_input_count(naap_request *req, const char *name, long long def, long long max,
                     long long *out)
{
    const char *s = naap_request_query(req, name);

    *out = def;
    if (!s || !*s)
        return NAAP_OK;
    if (naap_parse_count(s, max, out) == NAAP_OK)
        return NAAP_OK;
    naap_respond_error(req, 400,
                       naap_arena_printf(req->arena, "%s must be a non-negative integer", name));
    return NAAP_DONE;
}
