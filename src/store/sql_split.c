#include "naap/migrate.h"

#include <ctype.h>
#include <string.h>

/* Length of a dollar-quote tag ("$$" or "$name$") starting at s, or 0 if none. */
static size_t dollar_tag(const char *s)
{
    size_t i = 1;
    if (s[0] != '$')
        return 0;
    if (isdigit((unsigned char)s[1]))
        return 0; /* $1 is a parameter, not a tag */
    while (isalnum((unsigned char)s[i]) || s[i] == '_')
        i++;
    return s[i] == '$' ? i + 1 : 0;
}

static int blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '-' && i + 1 < len && s[i + 1] == '-') {
            while (i < len && s[i] != '\n')
                i++;
            continue;
        }
        if (!isspace((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

int naap_sql_split(const char *sql, int (*fn)(const char *stmt, size_t len, void *ctx), void *ctx)
{
    const char *start = sql, *p = sql;
    int rc;

    while (*p) {
        if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            p = end ? end + 2 : p + strlen(p);
        } else if (*p == '\'' || *p == '"') {
            char q = *p++;
            while (*p && !(*p == q && p[1] != q))
                p += (*p == q) ? 2 : 1; /* '' and "" are escaped quotes */
            if (*p)
                p++;
        } else if (*p == '$' && dollar_tag(p)) {
            size_t tlen = dollar_tag(p);
            char tag[64];
            if (tlen >= sizeof(tag)) {
                p += tlen;
                continue;
            }
            memcpy(tag, p, tlen);
            tag[tlen] = '\0';
            const char *end = strstr(p + tlen, tag);
            p = end ? end + tlen : p + strlen(p);
        } else if (*p == ';') {
            if (!blank(start, (size_t)(p - start)) && (rc = fn(start, (size_t)(p - start), ctx)))
                return rc;
            start = ++p;
        } else {
            p++;
        }
    }
    if (!blank(start, (size_t)(p - start)))
        return fn(start, (size_t)(p - start), ctx);
    return 0;
}
