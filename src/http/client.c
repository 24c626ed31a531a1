#include "naap/http_client.h"
#include "naap/alloc.h"
#include "naap/errors.h"
#include "naap/log.h"

#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static bool curl_ready;

static void init_curl(void)
{
    curl_ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

struct sink {
    char *data;
    size_t len;
    bool overflow;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nmemb;
    if (s->len + n > NAAP_HTTP_REPLY_MAX) {
        s->overflow = true;
        return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
    }
    s->data = naap_xrealloc(s->data, s->len + n + 1);
    memcpy(s->data + s->len, ptr, n);
    s->len += n;
    s->data[s->len] = '\0';
    return n;
}

int naap_http_fetch(const char *method, const char *url, const char *const *headers,
                    const char *body, int timeout_ms, naap_http_reply *out)
{
    struct curl_slist *list = NULL;
    struct sink sink = {0};
    int rc = NAAP_EUNAVAILABLE;
    CURL *c = NULL;

    memset(out, 0, sizeof(*out));
    pthread_once(&curl_once, init_curl);
    if (!curl_ready || !(c = curl_easy_init()))
        goto out;
    for (size_t i = 0; headers && headers[i]; i++) {
        struct curl_slist *next = curl_slist_append(list, headers[i]);
        if (!next)
            goto out;
        list = next;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "naapd/" NAAPD_VERSION); /* GitHub's API needs one */
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    CURLcode res = curl_easy_perform(c);
    if (sink.overflow) {
        rc = NAAP_ETOOLARGE;
        goto out;
    }
    if (res != CURLE_OK) {
        naap_log_warn("outbound %s %s failed: %s", method, url, curl_easy_strerror(res));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    out->body = sink.data ? sink.data : naap_xstrdup("");
    out->len = sink.len;
    sink.data = NULL;
    rc = NAAP_OK;
out:
    free(sink.data);
    curl_slist_free_all(list);
    if (c)
        curl_easy_cleanup(c);
    return rc;
}

void naap_http_reply_free(naap_http_reply *r)
{
    free(r->body);
    r->body = NULL;
}

char *naap_form_encode(naap_arena *arena, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = naap_arena_alloc(arena, 3 * strlen(s) + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr("*-._", *p))
            *o++ = (char)*p;
        else if (*p == ' ')
            *o++ = '+';
        else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}
