#include "naap/api.h"
#include "naap/auth.h"
#include "naap/cache.h"
#include "naap/cache_ns.h"
#include "naap/envelope.h"
#include "naap/errors.h"
#include "naap/input.h"
#include "naap/package.h"

#include <stdlib.h>
#include <string.h>

/* The registry (api.md 6.1-6.5 as amended by decisions.md) and the guide's aliases. */

#define LIST_LIMIT_MAX 100 /* api.md 6.1 had no maximum; larger values read as this */
#define LIST_OFFSET_MAX 1000000000LL

/* A query value that filters: upstream tests them for truthiness, so "" filters nothing. */
static const char *query_filter(naap_request *req, const char *name)
{
    const char *v = naap_request_query(req, name);
    return v && v[0] ? v : NULL;
}

/* mine=true answers for one caller, under a key the response cache shares with everyone:
 * such an answer is never stored (so never served to anyone else) nor kept by browsers. */
static void personal_answer(naap_request *req)
{
    if (req->cache_ticket) {
        naap_cache_release(req->cache_ticket);
        req->cache_ticket = NULL;
    }
    naap_response_header(req, "Cache-Control", "private, no-store");
}

static void respond_page(naap_request *req, json_t *packages, long long total,
                         const naap_package_query *q)
{
    json_t *body = json_object();
    json_object_set_new(body, "packages", packages ? packages : json_array());
    json_object_set_new(body, "total", json_integer(total));
    json_object_set_new(body, "limit", json_integer(q->limit));
    json_object_set_new(body, "offset", json_integer(q->offset));
    naap_respond_json(req, 200, body);
}

static void list(naap_request *req, bool published_only)
{
    naap_package_query q = {0};
    json_t *packages = NULL;
    long long total = 0;
    const char *mine = naap_request_query(req, "mine");
    int rc;

    if (naap_input_count(req, "limit", 20, LIST_LIMIT_MAX, &q.limit) != NAAP_OK ||
        naap_input_count(req, "offset", 0, LIST_OFFSET_MAX, &q.offset) != NAAP_OK)
        return;
    q.category = query_filter(req, "category");
    q.search = query_filter(req, "search");
    q.sort = naap_request_query(req, "sort");
    q.published_only = published_only;
    /* api.md 6.1 mine=true: the caller's publisher (a session only, decisions.md 5);
     * without one the filter is ignored, as upstream */
    if (mine && strcmp(mine, "true") == 0) {
        const char *user_id = naap_auth_user_id(req);
        personal_answer(req);
        if (user_id) {
            rc = naap_package_publisher_of(req->arena, user_id, &q.publisher_id);
            if (rc == NAAP_ENOTFOUND) {
                respond_page(req, NULL, 0, &q);
                return;
            }
            if (rc != NAAP_OK) {
                naap_respond_store_error(req, rc);
                return;
            }
        }
    }
    if ((rc = naap_package_list(req->arena, &q, &packages, &total)) != NAAP_OK) {
        naap_respond_store_error(req, rc);
        return;
    }
    respond_page(req, packages, total, &q);
}

/* GET /registry/packages (api.md 6.1): draft and unlisted packages are listed too. */
void naap_api_registry_list(naap_request *req)
{
    list(req, false);
}

/* GET /marketplace, GET /plugins (decisions.md "Aliases"): published packages only. */
void naap_api_marketplace_list(naap_request *req)
{
    list(req, true);
}

/* GET /registry/packages/:name (api.md 6.2). */
void naap_api_registry_package(naap_request *req)
{
    json_t *package;
    const char *msg;
    int rc = naap_package_detail(req->arena, naap_request_param(req, "name"), &package, &msg);

    if (rc != NAAP_OK) {
        naap_respond_outcome(req, rc, msg);
        return;
    }
    naap_respond_json(req, 200, json_pack("{s:o}", "package", package));
}

/* GET /registry/packages/:name/:version (api.md 6.3). */
void naap_api_registry_version(naap_request *req)
{
    json_t *package, *version;
    const char *msg;
    int rc = naap_package_version(req->arena, naap_request_param(req, "name"),
                                  naap_request_param(req, "version"), &package, &version, &msg);

    if (rc != NAAP_OK) {
        naap_respond_outcome(req, rc, msg);
        return;
    }
    naap_respond_json(req, 200, json_pack("{s:o,s:o}", "package", package, "version", version));
}

/* ---- writes ---------------------------------------------------------------------------- */

#define MANIFEST_REQUIRED "manifest with name and version required"

static const naap_field publish_fields[] = {
    {.name = "manifest",
     .type = NAAP_T_OBJECT,
     .flags = NAAP_F_REQUIRED,
     .message = MANIFEST_REQUIRED},
    {.name = "frontendUrl", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {.name = "backendImage", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {.name = "releaseNotes", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {0},
};
enum { P_MANIFEST, P_FRONTEND_URL, P_BACKEND_IMAGE, P_RELEASE_NOTES };

/* The manifest fields publish reads (api.md 6.4); upstream answered 500 for wrong types. */
static const naap_field manifest_fields[] = {
    {.name = "name",
     .type = NAAP_T_STRING,
     .flags = NAAP_F_REQUIRED | NAAP_F_NONEMPTY,
     .message = MANIFEST_REQUIRED},
    {.name = "version",
     .type = NAAP_T_STRING,
     .flags = NAAP_F_REQUIRED | NAAP_F_NONEMPTY,
     .message = MANIFEST_REQUIRED},
    {.name = "displayName", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {.name = "description", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {.name = "category", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {.name = "repository", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {.name = "license", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {.name = "keywords", .type = NAAP_T_ARRAY, .flags = NAAP_F_NULLABLE},
    {.name = "author", .type = NAAP_T_ANY, .flags = NAAP_F_NULLABLE},
    {.name = "frontend", .type = NAAP_T_ANY, .flags = NAAP_F_NULLABLE},
    {0},
};
enum {
    M_NAME,
    M_VERSION,
    M_DISPLAY,
    M_DESCRIPTION,
    M_CATEGORY,
    M_REPOSITORY,
    M_LICENSE,
    M_KEYWORDS,
    M_AUTHOR,
    M_FRONTEND
};

/* A string the manifest holds at a path of objects, or NULL (upstream's optional chaining). */
static const char *manifest_str(json_t *obj, const char *a, const char *b)
{
    json_t *v = json_object_get(obj, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

/* The publish record from a checked body; NULL after answering 400. */
static bool read_manifest(naap_request *req, const naap_value *body, naap_package_publish *p)
{
    naap_value m[sizeof(manifest_fields) / sizeof(manifest_fields[0])];
    json_t *manifest = body[P_MANIFEST].json, *kw;
    char err[160];
    size_t i;

    if (naap_schema_check(manifest, manifest_fields, m, err, sizeof(err)) != NAAP_OK) {
        naap_respond_error(req, 400, err);
        return false;
    }
    json_array_foreach(m[M_KEYWORDS].json, i, kw)
    {
        if (!json_is_string(kw)) {
            naap_respond_error(req, 400, "keywords must be an array of strings");
            return false;
        }
    }
    p->name = m[M_NAME].str;
    p->version = m[M_VERSION].str;
    p->display_name = m[M_DISPLAY].str;
    p->description = m[M_DESCRIPTION].str;
    p->category = m[M_CATEGORY].str && m[M_CATEGORY].str[0] ? m[M_CATEGORY].str : NULL;
    p->repository = m[M_REPOSITORY].str;
    p->license = m[M_LICENSE].str;
    p->author = manifest_str(manifest, "author", "name");
    p->author_email = manifest_str(manifest, "author", "email");
    p->icon = json_string_value(json_object_get(
        json_object_get(json_object_get(manifest, "frontend"), "navigation"), "icon"));
    if (m[M_KEYWORDS].state == NAAP_V_SET) {
        char *text = json_dumps(m[M_KEYWORDS].json, JSON_COMPACT);
        p->keywords_json = naap_arena_strdup(req->arena, text ? text : "[]");
        free(text);
    }
    char *text = json_dumps(manifest, JSON_COMPACT | JSON_PRESERVE_ORDER);
    p->manifest_json = naap_arena_strdup(req->arena, text ? text : "{}");
    free(text);
    p->frontend_url = body[P_FRONTEND_URL].str;
    p->backend_image = body[P_BACKEND_IMAGE].str;
    p->release_notes = body[P_RELEASE_NOTES].str;
    return true;
}

/* POST /registry/packages (api.md 6.4): a session is required and only the package's
 * publisher or a system:admin may change an existing package (decisions.md 5). */
void naap_api_registry_publish(naap_request *req)
{
    naap_value body[sizeof(publish_fields) / sizeof(publish_fields[0])];
    naap_package_publish p = {0};
    json_t *package, *version;
    const char *msg;
    const naap_session *s = naap_auth_require(req);
    int rc;

    if (!s || naap_input_body(req, publish_fields, body) != NAAP_OK ||
        !read_manifest(req, body, &p))
        return;
    p.user_id = s->user_id;
    rc = naap_package_publish_version(req->arena, &p, &package, &version, &msg);
    if (rc != NAAP_OK) {
        naap_respond_outcome(req, rc, msg);
        return;
    }
    NAAP_INVALIDATE(NAAP_NS_MARKETPLACE, naap_ns_package(req->arena, p.name));
    naap_respond_json(req, 201, json_pack("{s:o,s:o}", "package", package, "version", version));
}

static const naap_field deprecate_fields[] = {
    {.name = "message", .type = NAAP_T_STRING, .flags = NAAP_F_NULLABLE},
    {0},
};

/* POST /registry/packages/:name/:version/deprecate (api.md 6.5). */
void naap_api_registry_deprecate(naap_request *req)
{
    naap_value body[1];
    const char *name = naap_request_param(req, "name"), *msg;
    long long installations;
    const naap_session *s = naap_auth_require(req);
    int rc;

    if (!s || naap_input_body(req, deprecate_fields, body) != NAAP_OK)
        return;
    rc = naap_package_deprecate(req->arena, s->user_id, name, naap_request_param(req, "version"),
                                body[0].str, &installations, &msg);
    if (rc != NAAP_OK) {
        naap_respond_outcome(req, rc, msg);
        return;
    }
    NAAP_INVALIDATE(NAAP_NS_MARKETPLACE, naap_ns_package(req->arena, name));
    naap_respond_json(
        req, 200,
        json_pack("{s:b,s:I}", "success", 1, "affectedInstallations", (json_int_t)installations));
}
