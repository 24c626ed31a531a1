#include "naap/api.h"
#include "naap/auth.h"
#include "naap/cache_ns.h"
#include "naap/envelope.h"
#include "naap/errors.h"
#include "naap/input.h"
#include "naap/review.h"

/* Registry reviews (api.md 6.6-6.8): {"success":true,"data":...} on success, {"error":...}
 * on failure. Identity is a session only: x-user-id is never trusted (decisions.md 5). */

#define REVIEWS_LIMIT_MAX 50
#define REVIEWS_PAGE_MAX 1000000

/* GET /registry/packages/:name/reviews: page = max(1, page), limit = 1..50 with 0 → 20;
 * words and signs are 400 (decisions.md "Bad input"; upstream read them as defaults). */
void naap_api_reviews_list(naap_request *req)
{
    long long page, limit;
    json_t *data;
    const char *msg;
    int rc;

    if (naap_input_count(req, "page", 1, REVIEWS_PAGE_MAX, &page) != NAAP_OK ||
        naap_input_count(req, "limit", 20, REVIEWS_LIMIT_MAX, &limit) != NAAP_OK)
        return;
    if (page < 1)
        page = 1;
    if (limit < 1)
        limit = 20;
    rc = naap_review_list(req->arena, naap_request_param(req, "name"), page, limit, &data, &msg);
    if (rc != NAAP_OK) {
        naap_respond_outcome(req, rc, msg);
        return;
    }
    naap_respond_success(req, 200, "data", data);
}

/* decisions.md "Registry errors": JSON integers 1-5 only ("5", true, [4], 4.5 are 400). */
static const naap_field review_fields[] = {
    {.name = "rating",
     .type = NAAP_T_INT,
     .flags = NAAP_F_REQUIRED,
     .min = 1,
     .max = 5,
     .message = "rating must be an integer between 1 and 5"},
    {.name = "comment",
     .type = NAAP_T_STRING,
     .flags = NAAP_F_NULLABLE,
     .max = 2000,
     .message = "comment must be a string with max 2000 characters"},
    {0},
};

/* POST /registry/packages/:name/reviews: create or replace the caller's review. */
void naap_api_reviews_put(naap_request *req)
{
    naap_value body[2];
    json_t *review;
    const char *name = naap_request_param(req, "name"), *msg;
    const naap_session *s = naap_auth_require(req);
    int rc;

    if (!s || naap_input_body(req, review_fields, body) != NAAP_OK)
        return;
    rc = naap_review_put(req->arena, s->user_id, name, body[0].num, body[1].str, &review, &msg);
    if (rc != NAAP_OK) {
        naap_respond_outcome(req, rc, msg);
        return;
    }
    NAAP_INVALIDATE(NAAP_NS_MARKETPLACE, naap_ns_package(req->arena, name));
    naap_respond_success(req, 200, "data", review);
}

/* DELETE /registry/packages/:name/reviews: the caller's review, if any. */
void naap_api_reviews_delete(naap_request *req)
{
    const char *name = naap_request_param(req, "name"), *msg;
    const naap_session *s = naap_auth_require(req);
    int rc;

    if (!s)
        return;
    rc = naap_review_delete(req->arena, s->user_id, name, &msg);
    if (rc != NAAP_OK) {
        naap_respond_outcome(req, rc, msg);
        return;
    }
    NAAP_INVALIDATE(NAAP_NS_MARKETPLACE, naap_ns_package(req->arena, name));
    naap_respond_json(req, 200, json_pack("{s:b}", "success", 1));
}
