#include "naap/review.h"
#include "naap/clock.h"
#include "naap/crypto.h"
#include "naap/db.h"
#include "naap/errors.h"
#include "naap/package.h"

#include <stdio.h>
#include <stdlib.h>

/* api.md 6.6: the author's userId is not exposed; a missing name reads "Anonymous". */
#define REVIEW_COLS                                                                                \
    "r.id, COALESCE(r.\"displayName\", 'Anonymous') AS \"displayName\", r.rating, r.comment, "     \
    "r.\"createdAt\", r.\"updatedAt\""

static const naap_db_field review_fields[] = {
    {"id", NAAP_DB_TEXT, NULL},
    {"displayName", NAAP_DB_TEXT, NULL},
    {"rating", NAAP_DB_INT, NULL},
    {"comment", NAAP_DB_TEXT, NULL},
    {"createdAt", NAAP_DB_TIME, NULL},
    {"updatedAt", NAAP_DB_TIME, NULL},
    {NULL, 0, NULL},
};

static json_t *aggregate(const naap_db_rows *agg)
{
    json_t *dist = json_object();
    char key[2] = "0", col[3] = "d0";
    long long total = naap_db_int(agg, 0, "total");

    for (int i = 1; i <= 5; i++) {
        key[0] = col[1] = (char)('0' + i);
        json_object_set_new(dist, key, json_integer(naap_db_int(agg, 0, col)));
    }
    return json_pack("{s:o,s:I,s:o}", "averageRating",
                     total ? json_real(strtod(naap_db_text(agg, 0, "average"), NULL)) : json_null(),
                     "totalRatings", (json_int_t)total, "distribution", dist);
}

int naap_review_list(naap_arena *arena, const char *name, long long page, long long limit,
                     json_t **data, const char **msg)
{
    naap_db_rows *agg, *rows;
    const char *package_id;
    char lim[24], off[24];
    int rc;

    *data = NULL;
    *msg = NULL;
    rc = naap_db_value_of(arena, "SELECT id FROM \"PluginPackage\" WHERE name = $1",
                          NAAP_PARAMS(name), &package_id);
    if (rc == NAAP_ENOTFOUND)
        *msg = "Package not found";
    if (rc != NAAP_OK)
        return rc;
    snprintf(lim, sizeof(lim), "%lld", limit);
    snprintf(off, sizeof(off), "%lld", (page - 1) * limit);
    /* averageRating rounds half up to one decimal: floor(avg * 10 + 0.5) / 10 (api.md 6.6) */
    if ((rc = naap_db_fetch_one(
             arena,
             "SELECT count(*) AS total, floor(avg(rating) * 10 + 0.5) / 10 AS average, "
             "count(*) FILTER (WHERE rating = 1) AS d1, count(*) FILTER (WHERE rating = 2) AS d2, "
             "count(*) FILTER (WHERE rating = 3) AS d3, count(*) FILTER (WHERE rating = 4) AS d4, "
             "count(*) FILTER (WHERE rating = 5) AS d5 FROM \"PluginReview\" "
             "WHERE \"packageId\" = $1",
             NAAP_PARAMS(package_id), &agg)) != NAAP_OK ||
        (rc = naap_db_fetch(arena,
                            "SELECT " REVIEW_COLS " FROM \"PluginReview\" r "
                            "WHERE r.\"packageId\" = $1 ORDER BY r.\"createdAt\" DESC, r.id "
                            "LIMIT $2 OFFSET $3",
                            NAAP_PARAMS(package_id, lim, off), &rows)) != NAAP_OK)
        return rc;
    long long total = naap_db_int(agg, 0, "total");
    *data =
        json_pack("{s:o,s:o,s:{s:I,s:I,s:I}}", "reviews", naap_db_rows_json(rows, review_fields),
                  "aggregate", aggregate(agg), "pagination", "page", (json_int_t)page, "limit",
                  (json_int_t)limit, "totalPages", (json_int_t)((total + limit - 1) / limit));
    return NAAP_OK;
}

/* The mean of the package's reviews, NULL when none remain (api.md 6.7, 6.8). */
static int recompute_tx(const char *package_id, const char *now)
{
    return naap_db_exec("UPDATE \"PluginPackage\" SET rating = (SELECT avg(rating)::float8 FROM "
                        "\"PluginReview\" WHERE \"packageId\" = $1), \"updatedAt\" = $2 "
                        "WHERE id = $1",
                        NAAP_PARAMS(package_id, now), NULL);
}

struct review_tx {
    naap_arena *arena;
    const char *user_id, *name, *rating, *comment;
    naap_db_rows *row;
    const char *msg;
};

/* The package row is locked first, so concurrent writes recompute the rating one after
 * the other, each from every review committed before it. */
static int put_tx(void *arg)
{
    struct review_tx *t = arg;
    const char *package_id;
    char now[NAAP_ISO8601_SIZE], id[NAAP_UUID_SIZE];
    int rc;

    t->msg = NULL;
    if ((rc = naap_package_lock_tx(t->arena, t->name, &package_id, &t->msg)) != NAAP_OK)
        return rc;
    naap_clock_iso8601(naap_clock_epoch_ms(), now);
    naap_uuid_v4(id);
    /* the author's name as upstream snapshots it: displayName || email's local part */
    if ((rc = naap_db_fetch_one(
             t->arena,
             "INSERT INTO \"PluginReview\" AS r (id, \"packageId\", \"userId\", rating, comment, "
             "\"displayName\", \"createdAt\", \"updatedAt\") SELECT $1, $2, u.id, $4::int, $5, "
             "COALESCE(NULLIF(u.\"displayName\", ''), NULLIF(split_part(u.email, '@', 1), ''), "
             "'Anonymous'), $6, $6 FROM \"User\" u WHERE u.id = $3 "
             "ON CONFLICT (\"packageId\", \"userId\") DO UPDATE SET rating = EXCLUDED.rating, "
             "comment = EXCLUDED.comment, \"displayName\" = EXCLUDED.\"displayName\", "
             "\"updatedAt\" = EXCLUDED.\"updatedAt\" RETURNING " REVIEW_COLS,
             NAAP_PARAMS(id, package_id, t->user_id, t->rating, t->comment, now), &t->row)) !=
        NAAP_OK)
        return rc;
    return recompute_tx(package_id, now);
}

int naap_review_put(naap_arena *arena, const char *user_id, const char *name, long long rating,
                    const char *comment, json_t **review, const char **msg)
{
    char r[24];
    snprintf(r, sizeof(r), "%lld", rating);
    struct review_tx t = {arena, user_id, name, r, comment && comment[0] ? comment : NULL,
                          NULL,  NULL};
    int rc = naap_db_tx(put_tx, &t, 1);

    *review = rc == NAAP_OK ? naap_db_row_json(t.row, 0, review_fields) : NULL;
    *msg = t.msg;
    return rc;
}

static int delete_tx(void *arg)
{
    struct review_tx *t = arg;
    const char *package_id;
    char now[NAAP_ISO8601_SIZE];
    int rc;

    t->msg = NULL;
    if ((rc = naap_package_lock_tx(t->arena, t->name, &package_id, &t->msg)) != NAAP_OK ||
        (rc = naap_db_exec(
             "DELETE FROM \"PluginReview\" WHERE \"packageId\" = $1 AND \"userId\" = $2",
             NAAP_PARAMS(package_id, t->user_id), NULL)) != NAAP_OK)
        return rc;
    naap_clock_iso8601(naap_clock_epoch_ms(), now);
    return recompute_tx(package_id, now);
}

int naap_review_delete(naap_arena *arena, const char *user_id, const char *name, const char **msg)
{
    struct review_tx t = {arena, user_id, name, NULL, NULL, NULL, NULL};
    int rc = naap_db_tx(delete_tx, &t, 0);

    *msg = t.msg;
    return rc;
}
