#include "naap/manifest.h"
#include "naap/errors.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- SemVer (node-semver's valid(): a leading "v" or "=" and surrounding spaces are
 * tolerated, numeric parts have no leading zeros) -------------------------------------- */

static const char *skip_prefix(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '=' || *s == 'v')
        s++;
    return s;
}

static bool numeric(const char **p)
{
    const char *s = *p;
    if (!isdigit((unsigned char)*s))
        return false;
    if (*s == '0' && isdigit((unsigned char)s[1]))
        return false;
    while (isdigit((unsigned char)*s))
        s++;
    *p = s;
    return true;
}

/* dot-separated identifiers of [0-9A-Za-z-], numeric ones without leading zeros
 * (prerelease) or any (build) */
static bool identifiers(const char **p, bool prerelease)
{
    const char *s = *p;
    for (;;) {
        const char *start = s;
        bool digits_only = true;
        while (isalnum((unsigned char)*s) || *s == '-') {
            digits_only &= isdigit((unsigned char)*s) != 0;
            s++;
        }
        if (s == start)
            return false;
        if (prerelease && digits_only && *start == '0' && s - start > 1)
            return false;
        if (*s != '.')
            break;
        s++;
    }
    *p = s;
    return true;
}

bool naap_semver_valid(const char *v)
{
    const char *s = skip_prefix(v);
    if (!numeric(&s) || *s++ != '.' || !numeric(&s) || *s++ != '.' || !numeric(&s))
        return false;
    if (*s == '-' && (s++, !identifiers(&s, true)))
        return false;
    if (*s == '+' && (s++, !identifiers(&s, false)))
        return false;
    while (*s == ' ' || *s == '\t')
        s++;
    return *s == '\0' && strlen(v) <= 256;
}

static int compare_prerelease(const char *a, const char *b)
{
    /* a version without prerelease ranks above one with */
    if (!*a || !*b)
        return (*a == '\0') - (*b == '\0');
    while (*a && *b) {
        size_t la = strcspn(a, ".+"), lb = strcspn(b, ".+");
        bool na = strspn(a, "0123456789") == la, nb = strspn(b, "0123456789") == lb;
        int c;
        if (na && nb)
            c = la != lb ? (la < lb ? -1 : 1) : strncmp(a, b, la);
        else if (na != nb)
            c = na ? -1 : 1;
        else {
            c = strncmp(a, b, la < lb ? la : lb);
            if (c == 0 && la != lb)
                c = la < lb ? -1 : 1;
        }
        if (c)
            return c < 0 ? -1 : 1;
        a += la;
        b += lb;
        if (*a == '.')
            a++;
        if (*b == '.')
            b++;
        if (*a == '+')
            a = "";
        if (*b == '+')
            b = "";
    }
    return (*a != '\0') - (*b != '\0');
}

int naap_semver_compare(const char *a, const char *b)
{
    a = skip_prefix(a);
    b = skip_prefix(b);
    for (int i = 0; i < 3; i++) {
        char *ea, *eb;
        unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
        if (x != y)
            return x < y ? -1 : 1;
        a = *ea == '.' ? ea + 1 : ea;
        b = *eb == '.' ? eb + 1 : eb;
    }
    return compare_prerelease(*a == '-' ? a + 1 : "", *b == '-' ? b + 1 : "");
}

/* ---- manifest ----------------------------------------------------------------------- */

struct errs {
    char *buf;
    size_t cap, len;
};

static void add(struct errs *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(struct errs *e, const char *field, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(e->buf + e->len, e->cap - e->len, "%s%s: ", e->len ? "; " : "", field);
    if (n < 0 || (size_t)n >= e->cap - e->len) {
        e->len = e->cap - 1;
        return;
    }
    e->len += (size_t)n;
    va_start(ap, fmt);
    n = vsnprintf(e->buf + e->len, e->cap - e->len, fmt, ap);
    va_end(ap);
    e->len = n < 0 || (size_t)n >= e->cap - e->len ? e->cap - 1 : e->len + (size_t)n;
}

static const char *const reserved_names[] = {"shell", "core", "system", "admin", "api", "auth",
                                             "base",  "naap", "plugin", "test",  NULL};

static bool name_pattern(const char *s)
{
    if (!islower((unsigned char)*s))
        return false;
    for (s++; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-')
            return false;
    return true;
}

/* ^/[a-z0-9\-_/:*]+$, case-insensitive */
static bool route_pattern(const char *s)
{
    if (*s++ != '/' || !*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("-_/:*", *s))
            return false;
    return true;
}

/* ^[^\s@]+@[^\s@]+\.[^\s@]+$ */
static bool email_pattern(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || strpbrk(s, " \t\r\n\f\v"))
        return false;
    const char *dot = strrchr(at + 1, '.');
    return dot && dot > at + 1 && dot[1];
}

static void check_name(struct errs *e, json_t *v)
{
    const char *s = json_string_value(v);
    if (!s) {
        add(e, "name", "is required and must be a string");
        return;
    }
    size_t n = strlen(s);
    if (n < 3 || n > 50)
        add(e, "name", "must be between 3 and 50 characters");
    if (!name_pattern(s))
        add(e, "name",
            "must start with a lowercase letter and contain only letters, numbers, "
            "and hyphens");
    for (const char *const *r = reserved_names; *r; r++)
        if (strcmp(s, *r) == 0)
            add(e, "name", "is reserved");
}

static void check_frontend(struct errs *e, json_t *fe)
{
    json_t *routes = json_object_get(fe, "routes"), *nav = json_object_get(fe, "navigation");
    size_t i;
    json_t *r;

    if (routes && !json_is_array(routes))
        add(e, "frontend.routes", "must be an array");
    json_array_foreach(routes, i, r)
    {
        if (!json_is_string(r) || !route_pattern(json_string_value(r)))
            add(e, "frontend.routes", "item %zu is not a valid route", i);
    }
    if (nav) {
        const char *path = json_string_value(json_object_get(nav, "path"));
        if (!path || !route_pattern(path))
            add(e, "frontend.navigation.path", "is required and must be a valid route");
        if (!json_is_string(json_object_get(nav, "label")))
            add(e, "frontend.navigation.label", "is required");
    }
}

static void check_backend(struct errs *e, json_t *be)
{
    json_t *port = json_object_get(be, "port"), *hc = json_object_get(be, "healthCheck");
    if (port &&
        (!json_is_number(port) || json_number_value(port) < 1 || json_number_value(port) > 65535))
        add(e, "backend.port", "must be a number between 1 and 65535");
    if (hc && (!json_is_string(hc) || json_string_value(hc)[0] != '/'))
        add(e, "backend.healthCheck", "must start with /");
}

int naap_manifest_check(const json_t *m, char *err, size_t errlen)
{
    char list[1024];
    struct errs e = {list, sizeof(list), 0};
    json_t *v;

    list[0] = '\0';
    if (!json_is_object(m)) {
        add(&e, "manifest", "must be an object");
        goto out;
    }
    check_name(&e, json_object_get(m, "name"));
    v = json_object_get(m, "displayName");
    if (!json_is_string(v))
        add(&e, "displayName", "is required and must be a string");
    else if (strlen(json_string_value(v)) > 100)
        add(&e, "displayName", "must be at most 100 characters");
    v = json_object_get(m, "version");
    if (!json_is_string(v) || !naap_semver_valid(json_string_value(v)))
        add(&e, "version", "is required and must be a valid semver version");
    if ((v = json_object_get(m, "description")) && !json_is_string(v))
        add(&e, "description", "must be a string");
    if ((v = json_object_get(m, "author"))) {
        const char *email = json_string_value(json_object_get(v, "email"));
        const char *url = json_string_value(json_object_get(v, "url"));
        if (!json_is_object(v))
            add(&e, "author", "must be an object");
        else if (json_object_get(v, "email") && (!email || !email_pattern(email)))
            add(&e, "author.email", "must be a valid email");
        if (json_is_object(v) && json_object_get(v, "url") &&
            (!url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)))
            add(&e, "author.url", "must start with http:// or https://");
    }
    if ((v = json_object_get(m, "keywords"))) {
        size_t i;
        json_t *k;
        bool ok = json_is_array(v);
        json_array_foreach(v, i, k) ok &= json_is_string(k);
        if (!ok)
            add(&e, "keywords", "must be an array of strings");
    }
    if ((v = json_object_get(m, "frontend"))) {
        if (!json_is_object(v))
            add(&e, "frontend", "must be an object");
        else
            check_frontend(&e, v);
    }
    if ((v = json_object_get(m, "backend"))) {
        if (!json_is_object(v))
            add(&e, "backend", "must be an object");
        else
            check_backend(&e, v);
    }
    const char *min = json_string_value(json_object_get(m, "minShellVersion"));
    const char *max = json_string_value(json_object_get(m, "maxShellVersion"));
    if (json_object_get(m, "minShellVersion") && (!min || !naap_semver_valid(min)))
        add(&e, "minShellVersion", "must be a valid semver version");
    if (json_object_get(m, "maxShellVersion") && (!max || !naap_semver_valid(max)))
        add(&e, "maxShellVersion", "must be a valid semver version");
    if (min && max && naap_semver_valid(min) && naap_semver_valid(max) &&
        naap_semver_compare(min, max) > 0)
        add(&e, "minShellVersion", "must not be greater than maxShellVersion");
out:
    if (!e.len)
        return NAAP_OK;
    snprintf(err, errlen, "Invalid plugin manifest: %s", list);
    return NAAP_EINVAL;
}
