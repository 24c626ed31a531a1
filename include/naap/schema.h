#ifndef NAAP_SCHEMA_H
#define NAAP_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Declarative checks of a JSON request body: a handler lists its fields in a table and
 * gets typed values back, or one clear message naming the first field that is wrong.
 * Absent, null and "" stay distinguishable (PUT/PATCH need all three). Fields not in the
 * table are ignored, as upstream ignores them. Pure: unit-tested in tests/unit. */

typedef enum naap_field_type {
    NAAP_T_STRING,
    NAAP_T_INT, /* a JSON number with an integral value (5 and 5.0; not "5", true or 4.5) */
    NAAP_T_BOOL,
    NAAP_T_OBJECT,
    NAAP_T_ARRAY,
    NAAP_T_ANY,
} naap_field_type;

enum {
    NAAP_F_REQUIRED = 1 << 0, /* absent (or null, unless NULLABLE) is an error */
    NAAP_F_NULLABLE = 1 << 1, /* an explicit null is accepted and reported as such */
    NAAP_F_NONEMPTY = 1 << 2, /* "" is an error ("is required" when also REQUIRED) */
};

typedef struct naap_field {
    const char *name; /* NULL ends the table */
    naap_field_type type;
    unsigned flags;
    long long min, max;           /* strings: length in characters; ints: value; 0, 0: none */
    const char *const *one_of;    /* strings: the allowed values, NULL-terminated */
    bool (*valid)(const char *s); /* strings: a further rule (a slug pattern, ...) */
    const char *message;          /* the message for any failure of this field; NULL: generated */
} naap_field;

typedef enum naap_value_state {
    NAAP_V_ABSENT = 0,
    NAAP_V_NULL,
    NAAP_V_SET,
} naap_value_state;

/** The value of one field, in the table's order. Borrowed from the checked body. */
typedef struct naap_value {
    naap_value_state state;
    const char *str; /* NAAP_T_STRING */
    long long num;   /* NAAP_T_INT */
    bool flag;       /* NAAP_T_BOOL */
    json_t *json;    /* any type: the JSON value itself */
} naap_value;

/**
 * Checks body (an object; anything else reads as {}) against fields, filling out[i] for
 * fields[i]. Returns 0, or NAAP_EINVAL with the message for the first bad field in err.
 */
int naap_schema_check(const json_t *body, const naap_field *fields, naap_value *out, char *err,
                      size_t errlen);

/**
 * Parses a query count the way api.md 1.7 as amended wants it: decimal digits only (no
 * sign, space or fraction). Values above max read as max. Returns 0 or NAAP_EINVAL.
 */
int naap_parse_count(const char *s, long long max, long long *out);

#endif
