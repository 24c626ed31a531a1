#include "naap/schema.h"
#include "naap/errors.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *type_name(naap_field_type t)
{
    switch (t) {
    case NAAP_T_STRING:
        return "a string";
    case NAAP_T_INT:
        return "an integer";
    case NAAP_T_BOOL:
        return "a boolean";
    case NAAP_T_OBJECT:
        return "an object";
    case NAAP_T_ARRAY:
        return "an array";
    default:
        return "a value";
    }
}

/* Characters, not bytes: a limit of 100 must admit 100 accented letters. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int fail(const naap_field *f, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(const naap_field *f, char *err, size_t errlen, const char *fmt, ...)
{
    if (f->message) {
        snprintf(err, errlen, "%s", f->message);
    } else {
        va_list ap;
        int n = snprintf(err, errlen, "%s ", f->name);
        va_start(ap, fmt);
        if (n >= 0 && (size_t)n < errlen)
            vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return NAAP_EINVAL;
}

static bool is_integral(const json_t *v, long long *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == floor(d) && fabs(d) < 9.0e15) {
            *out = (long long)d;
            return true;
        }
    }
    return false;
}

static int check_string(const naap_field *f, const char *s, char *err, size_t errlen)
{
    size_t len = utf8_chars(s);

    if (f->min > 0 && (long long)len < f->min)
        return fail(f, err, errlen, "must be at least %lld characters", f->min);
    if (f->max > 0 && (long long)len > f->max)
        return fail(f, err, errlen, "must be at most %lld characters", f->max);
    if (f->one_of) {
        char list[256] = "";
        size_t used = 0;
        for (const char *const *o = f->one_of; *o; o++) {
            if (strcmp(*o, s) == 0)
                return NAAP_OK;
            int n = snprintf(list + used, sizeof(list) - used, "%s%s", used ? ", " : "", *o);
            if (n > 0 && used + (size_t)n < sizeof(list))
                used += (size_t)n;
        }
        return fail(f, err, errlen, "must be one of %s", list);
    }
    if (f->valid && !f->valid(s))
        return fail(f, err, errlen, "is not valid");
    return NAAP_OK;
}

static int check_field(const naap_field *f, json_t *v, naap_value *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (!v || (json_is_null(v) && !(f->flags & NAAP_F_NULLABLE))) {
        if (f->flags & NAAP_F_REQUIRED)
            return fail(f, err, errlen, "is required");
        if (v)
            return fail(f, err, errlen, "must not be null");
        return NAAP_OK;
    }
    out->json = v;
    if (json_is_null(v)) {
        out->state = NAAP_V_NULL;
        return NAAP_OK;
    }
    out->state = NAAP_V_SET;
    if ((f->flags & NAAP_F_NONEMPTY) && json_is_string(v) && json_string_length(v) == 0)
        return fail(f, err, errlen, "%s",
                    f->flags & NAAP_F_REQUIRED ? "is required" : "must not be empty");
    switch (f->type) {
    case NAAP_T_STRING:
        if (!json_is_string(v))
            break;
        out->str = json_string_value(v);
        /* jansson admits \u0000 inside strings; no column of ours can hold one */
        if (strlen(out->str) != json_string_length(v))
            return fail(f, err, errlen, "must not contain NUL characters");
        return check_string(f, out->str, err, errlen);
    case NAAP_T_INT:
        if (!is_integral(v, &out->num))
            break;
        if ((f->min || f->max) && (out->num < f->min || out->num > f->max))
            return fail(f, err, errlen, "must be between %lld and %lld", f->min, f->max);
        return NAAP_OK;
    case NAAP_T_BOOL:
        if (!json_is_boolean(v))
            break;
        out->flag = json_is_true(v);
        return NAAP_OK;
    case NAAP_T_OBJECT:
        if (json_is_object(v))
            return NAAP_OK;
        break;
    case NAAP_T_ARRAY:
        if (json_is_array(v))
            return NAAP_OK;
        break;
    case NAAP_T_ANY:
        return NAAP_OK;
    }
    return fail(f, err, errlen, "must be %s", type_name(f->type));
}

int naap_schema_check(const json_t *body, const naap_field *fields, naap_value *out, char *err,
                      size_t errlen)
{
    for (size_t i = 0; fields[i].name; i++) {
        json_t *v = json_is_object(body) ? json_object_get(body, fields[i].name) : NULL;
        int rc = check_field(&fields[i], v, &out[i], err, errlen);
        if (rc != NAAP_OK)
            return rc;
    }
    return NAAP_OK;
}

int naap_parse_count(const char *s, long long max, long long *out)
{
    long long v = 0;
    bool above = false;

    if (!s || !*s)
        return NAAP_EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return NAAP_EINVAL;
        /* past max the value no longer matters, only the digits do; v * 10 + d is only
         * computed when it cannot exceed max, so it cannot overflow either */
        int d = *s - '0';
        if (!above && (v > max / 10 || v * 10 > max - d))
            above = true;
        if (!above)
            v = v * 10 + d;
    }
    *out = above ? max : v;
    return NAAP_OK;
}
