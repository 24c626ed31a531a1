#include "naap/own_schema.h"
#include "naap/alloc.h"
#include "naap/buf.h"

#include <string.h>

char *naap_own_schema_expand(const char *sql, const char *schema)
{
    const char *hit = strstr(sql, NAAP_OWN_SCHEMA);
    naap_buf out = {0};

    if (!hit)
        return NULL;
    for (; hit; sql = hit + strlen(NAAP_OWN_SCHEMA), hit = strstr(sql, NAAP_OWN_SCHEMA)) {
        naap_buf_append(&out, sql, (size_t)(hit - sql));
        /* the config only admits [a-z_][a-z0-9_]*, so quoting needs no escaping */
        naap_buf_puts(&out, "\"");
        naap_buf_puts(&out, schema);
        naap_buf_puts(&out, "\"");
    }
    naap_buf_puts(&out, sql);
    return out.data;
}
