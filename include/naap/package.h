#ifndef NAAP_PACKAGE_H
#define NAAP_PACKAGE_H

#include <jansson.h>
#include <stdbool.h>

#include "naap/arena.h"

/* The plugin registry (api.md 6 as amended by decisions.md): PluginPackage and
 * PluginVersion rows, their publishers, and who may change them. Everything returned as
 * JSON is a new reference in api.md 1.3's row serialization. Functions that can fail for
 * a reason the caller should read set *msg (a constant) with NAAP_EINVAL, NAAP_EFORBIDDEN,
 * NAAP_ENOTFOUND or NAAP_ECONFLICT; store failures leave it NULL. */

/** Filters and page of a package list (api.md 6.1). */
typedef struct naap_package_query {
    const char *category;     /* exact match, or NULL */
    const char *search;       /* substring of name/displayName/description, or a keyword */
    const char *sort;         /* downloads (default), rating, newest, name; else by id */
    const char *publisher_id; /* only this publisher's packages (mine=true), or NULL */
    bool published_only;      /* the /marketplace and /plugins aliases */
    long long limit, offset;
} naap_package_query;

/**
 * One page of non-deprecated packages, each with its latest version (one query, no N+1),
 * "_count", "latestVersion" and "installedCount"; *total counts every match.
 */
int naap_package_list(naap_arena *arena, const naap_package_query *q, json_t **packages,
                      long long *total);

/**
 * The PostgreSQL plan of the page query naap_package_list sends for q (EXPLAIN (FORMAT
 * JSON), same text and parameters), as parsed JSON; for tests of the list's indexes.
 */
int naap_package_list_plan(naap_arena *arena, const naap_package_query *q, json_t **plan);

/** The id of the Publisher whose email is user_id's (oldest first); NAAP_ENOTFOUND if none. */
int naap_package_publisher_of(naap_arena *arena, const char *user_id, const char **publisher_id);

/** A package with all its versions (newest first) and legacy installations (api.md 6.2). */
int naap_package_detail(naap_arena *arena, const char *name, json_t **package, const char **msg);

/** A package row and one of its version rows (api.md 6.3). */
int naap_package_version(naap_arena *arena, const char *name, const char *version, json_t **package,
                         json_t **version_row, const char **msg);

/** What a publish writes (api.md 6.4); NULL strings are absent manifest fields. */
typedef struct naap_package_publish {
    const char *user_id; /* the caller: publisher by email, or system:admin */
    const char *name, *version, *display_name, *description, *category;
    const char *author, *author_email, *repository, *license, *icon;
    const char *keywords_json; /* a JSON array of strings, or NULL for [] */
    const char *manifest_json; /* the whole manifest */
    const char *frontend_url, *backend_image, *release_notes;
} naap_package_publish;

/**
 * Creates or updates the package and adds the version, in one transaction: a new package
 * belongs to the caller's publisher (created on first publish); an existing one may be
 * changed only by its publisher or a system:admin (NAAP_EFORBIDDEN); an existing version
 * is NAAP_ECONFLICT and changes nothing.
 */
int naap_package_publish_version(naap_arena *arena, const naap_package_publish *in,
                                 json_t **package, json_t **version, const char **msg);

/**
 * Marks version of package name deprecated (message, if not NULL, as deprecationMsg), for
 * its publisher or a system:admin; *installations counts the package's installations.
 */
int naap_package_deprecate(naap_arena *arena, const char *user_id, const char *name,
                           const char *version, const char *message, long long *installations,
                           const char **msg);

/**
 * Inside a transaction: locks package name's row, *id gets its id; NAAP_ENOTFOUND (with
 * *msg) when there is none. Used by writes that recompute the package (reviews).
 */
int naap_package_lock_tx(naap_arena *arena, const char *name, const char **id, const char **msg);

#endif
