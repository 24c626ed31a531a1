#ifndef NAAP_MANIFEST_H
#define NAAP_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Plugin manifest rules checked at install (api.md 5.2), pure. */

/** True if s is a valid SemVer 2.0 version as node-semver's valid() accepts it. */
bool naap_semver_valid(const char *s);

/** <0, 0, >0 as a orders before, with or after b (both valid). */
int naap_semver_compare(const char *a, const char *b);

/**
 * Checks manifest; returns 0, or NAAP_EINVAL with "Invalid plugin manifest: <field>:
 * <message>; ..." (every error found, in field order) in err.
 */
int naap_manifest_check(const json_t *manifest, char *err, size_t errlen);

#endif
