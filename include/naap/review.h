#ifndef NAAP_REVIEW_H
#define NAAP_REVIEW_H

#include <jansson.h>

#include "naap/arena.h"

/* Registry reviews (api.md 6.6-6.8, table PluginReview): one review per user and package;
 * every write recomputes PluginPackage.rating in its own transaction. NAAP_ENOTFOUND (an
 * unknown package) sets *msg; JSON results are new references. */

/**
 * A page of a package's reviews, newest first, with the aggregate of all of them:
 * {"reviews":[...],"aggregate":{...},"pagination":{...}} (api.md 6.6).
 */
int naap_review_list(naap_arena *arena, const char *name, long long page, long long limit,
                     json_t **data, const char **msg);

/** Creates or replaces user_id's review of package name (comment NULL: none). */
int naap_review_put(naap_arena *arena, const char *user_id, const char *name, long long rating,
                    const char *comment, json_t **review, const char **msg);

/** Deletes user_id's review of package name, if any. */
int naap_review_delete(naap_arena *arena, const char *user_id, const char *name, const char **msg);

#endif
