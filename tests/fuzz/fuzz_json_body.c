/* JSON request bodies (issue 16): the depth-bounded parser every route uses, then the
 * body-schema validator with a table that has every field type and flag. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "naap/json.h"
#include "naap/schema.h"

static bool no_spaces(const char *s)
{
    return strchr(s, ' ') == NULL;
}

static const char *const roles[] = {"owner", "admin", "member", "viewer", NULL};
static const naap_field fields[] = {
    {"email", NAAP_T_STRING, NAAP_F_REQUIRED | NAAP_F_NONEMPTY, 3, 255, NULL, NULL, NULL},
    {"role", NAAP_T_STRING, 0, 0, 0, roles, NULL, "Invalid role"},
    {"slug", NAAP_T_STRING, NAAP_F_NULLABLE, 1, 64, NULL, no_spaces, NULL},
    {"rating", NAAP_T_INT, 0, 1, 5, NULL, NULL, NULL},
    {"order", NAAP_T_INT, NAAP_F_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"enabled", NAAP_T_BOOL, 0, 0, 0, NULL, NULL, NULL},
    {"config", NAAP_T_OBJECT, NAAP_F_NULLABLE, 0, 0, NULL, NULL, NULL},
    {"tags", NAAP_T_ARRAY, 0, 0, 0, NULL, NULL, NULL},
    {"any", NAAP_T_ANY, 0, 0, 0, NULL, NULL, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *body = NULL;
    char err[256];
    naap_value out[sizeof(fields) / sizeof(fields[0])];

    (void)naap_json_depth((const char *)data, size, 32);
    if (naap_json_parse_body((const char *)data, size, 32, &body, err, sizeof(err)) != 0) {
        if (body)
            abort(); /* a failed parse hands back nothing */
        return 0;
    }
    memset(out, 0, sizeof(out));
    if (naap_schema_check(body, fields, out, err, sizeof(err)) == 0) {
        if (out[0].state != NAAP_V_SET || !out[0].str[0])
            abort(); /* required, non-empty */
        if (out[3].state == NAAP_V_SET && (out[3].num < 1 || out[3].num > 5))
            abort();
    } else if (!err[0]) {
        abort(); /* every failure names its field */
    }
    json_decref(body);
    return 0;
}
