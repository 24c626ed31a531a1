#include "naap/http.h"
#include "naap/alloc.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *naap_request_header(naap_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

struct joined {
    const char *name;
    naap_buf buf;
};

static enum MHD_Result join_line(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    struct joined *j = cls;
    (void)kind;
    if (key && value && strcasecmp(key, j->name) == 0) {
        if (j->buf.len)
            naap_buf_puts(&j->buf, ", ");
        naap_buf_puts(&j->buf, value);
    }
    return MHD_YES;
}

/* MHD_lookup_connection_value returns only the first line of a repeated header, while a
 * proxy that appends its own line (HAProxy option forwardfor) puts the hop it vouches for
 * last: RFC 9110 5.3 makes the lines one comma-joined list, in order, as Node does. */
const char *naap_request_header_joined(naap_request *req, const char *name)
{
    struct joined j = {name, {0}};
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, join_line, &j);
    if (!j.buf.data)
        return NULL;
    const char *out = naap_arena_strndup(req->arena, j.buf.data, j.buf.len);
    naap_buf_reset(&j.buf);
    return out;
}

/* libmicrohttpd hands us query values raw (server.c disables its unescaping so that
 * %2F in a path param survives routing); decode them here the way qs does. */
const char *naap_request_query(naap_request *req, const char *name)
{
    const char *raw = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
    if (!raw)
        return NULL;
    size_t len = strlen(raw);
    char *out = naap_arena_alloc(req->arena, len + 1);
    return naap_url_decode(raw, len, out, 1) < 0 ? NULL : out;
}

static enum MHD_Result add_query_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    naap_buf *buf = cls;
    (void)kind;
    naap_buf_puts(buf, buf->len ? "&" : "?");
    naap_buf_puts(buf, key);
    if (value) {
        naap_buf_puts(buf, "=");
        naap_buf_puts(buf, value);
    }
    return MHD_YES;
}

const char *naap_request_query_string(naap_request *req)
{
    naap_buf query = {0};
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, add_query_arg, &query);
    const char *out = naap_arena_strndup(req->arena, query.data ? query.data : "", query.len);
    naap_buf_reset(&query);
    return out;
}

const char *naap_request_param(naap_request *req, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < req->match.nparams; i++) {
        const char *p = req->match.params[i].name;
        if (strncmp(p, name, len) == 0 && (p[len] == '/' || p[len] == '\0'))
            return req->match.params[i].value;
    }
    return NULL;
}

enum naap_family naap_http_family(const char *path)
{
    static const char teams[] = "/api/v1/teams";
    size_t n = sizeof(teams) - 1;
    if (strncasecmp(path, teams, n) == 0 && (path[n] == '\0' || path[n] == '/'))
        return NAAP_FAMILY_TEAMS;
    return NAAP_FAMILY_PLAIN;
}

void naap_response_header(naap_request *req, const char *name, const char *value)
{
    naap_header *h = naap_arena_alloc(req->arena, sizeof(*h));
    h->name = naap_arena_strdup(req->arena, name);
    h->value = naap_arena_strdup(req->arena, value);
    h->next = req->res.headers;
    req->res.headers = h;
}

void naap_response_drop_body(naap_response *res)
{
    if (res->release)
        res->release(res->hold);
    res->body = NULL;
    res->body_len = 0;
    res->release = NULL;
    res->hold = NULL;
    /* a gzip belongs to the body it was made from; whatever replaces it must not get it */
    res->gzip_body = NULL;
    res->gzip_len = 0;
    res->gzip_trusted = false;
}

void naap_response_set_body(naap_response *res, const char *body, size_t len,
                            void (*release)(void *), void *hold)
{
    naap_response_drop_body(res); /* a second respond replaces the first, never leaks it */
    res->body = body;
    res->body_len = len;
    res->release = release;
    res->hold = hold;
}

static void set_body(naap_request *req, int status, char *body, size_t len, const char *type)
{
    naap_response_set_body(&req->res, body, len, body ? free : NULL, body);
    req->res.status = status;
    req->res.content_type = type;
}

void naap_respond_json(naap_request *req, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    if (!text) {
        /* only an invalid value (bad UTF-8 from a bug) gets here; never send half a body */
        text = naap_xstrdup("{\"error\":\"Internal server error\"}");
        status = 500;
    }
    set_body(req, status, text, strlen(text), "application/json; charset=utf-8");
}

void naap_respond_body(naap_request *req, int status, char *body, size_t len,
                       const char *content_type)
{
    set_body(req, status, body, len, content_type);
}

void naap_respond_error(naap_request *req, int status, const char *message)
{
    json_t *body = json_object();
    if (req->family == NAAP_FAMILY_TEAMS)
        json_object_set_new(body, "success", json_false());
    json_t *text = json_string(message);
    if (!text) /* a message echoing client bytes that are not UTF-8 */
        text = json_string("Invalid request");
    json_object_set_new(body, "error", text);
    naap_respond_json(req, status, body);
}

void naap_respond_empty(naap_request *req, int status)
{
    set_body(req, status, NULL, 0, NULL);
}
