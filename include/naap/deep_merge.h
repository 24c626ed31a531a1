#ifndef NAAP_DEEP_MERGE_H
#define NAAP_DEEP_MERGE_H

#include <jansson.h>

/* Plugin config merging (api.md 5.11), pure. Objects merge recursively, arrays and
 * scalars replace, key order is base's then over's new keys. One deliberate fix
 * (decisions.md 8, "merged-config never 500s"): where base holds null and over an object,
 * upstream threw; here the null counts as {}. */

/** The object a stored config counts as: objects as they are, arrays and strings spread
 * into index keys ("0", "1", ...), anything else {}. New reference. */
json_t *naap_config_object(const json_t *config);

/** deepMerge(base, over) of two objects as a new object (inputs are not changed). */
json_t *naap_deep_merge(const json_t *base, const json_t *over);

/**
 * mergeConfig(shared, personal): both normalised by naap_config_object (NULL counts as
 * {}), deep-merged, then every top-level key whose personal value is null removed.
 */
json_t *naap_merge_config(const json_t *shared, const json_t *personal);

#endif
