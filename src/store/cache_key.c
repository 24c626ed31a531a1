#include "naap/cache.h"
#include "naap/crypto.h"
#include "naap/errors.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The layout of cache keys in Redis. Every part that can vary is bounded and the parts
 * are delimited so that two different (prefix, namespaces, id) never build the same key:
 * the namespace count comes first, namespace names may not contain '|' or '=', and an
 * id that could be mistaken for a hashed one is hashed too. */

#define GEN_PREFIX "naap:gen:"
#define PREFIX_MAX 32

static bool prefix_ok(const char *p)
{
    size_t n = p ? strlen(p) : 0;
    if (n == 0 || n > PREFIX_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_' ||
              p[i] == '.' || p[i] == '-'))
            return false;
    return true;
}

/* '*' alone names the global generation; control characters would make keys unreadable
 * in redis-cli and logs. */
bool naap_cache_ns_valid(const char *ns)
{
    size_t n = strlen(ns);
    if (n == 0 || n > NAAP_CACHE_NS_MAX || strcmp(ns, "*") == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)ns[i];
        if (c < 0x20 || c == 0x7f || c == '|' || c == '=')
            return false;
    }
    return true;
}

int naap_cache_key_check(const naap_cache_key *key)
{
    int n = 0;
    if (!key || !prefix_ok(key->prefix) || !key->id)
        return NAAP_EINVAL;
    while (n < NAAP_CACHE_MAX_NAMESPACES && key->namespaces[n]) {
        if (!naap_cache_ns_valid(key->namespaces[n]))
            return NAAP_EINVAL;
        n++;
    }
    return n;
}

void naap_cache_gen_key(const char *ns, char *out, size_t cap)
{
    snprintf(out, cap, GEN_PREFIX "%s", ns ? ns : "*");
}

const char *naap_cache_key_id(const naap_cache_key *key, char hashed[NAAP_CACHE_HASHED_ID_SIZE])
{
    const char *id = key->id;
    /* long ids (a query string) are named by their SHA-256 (collision resistant, unlike
     * SHA-1, so nobody can craft a query that shares another's entry); '#' marks one, so
     * an id that starts with '#' is hashed as well and can never pose as another's hash */
    if (strlen(id) > NAAP_CACHE_ID_MAX || id[0] == '#') {
        hashed[0] = '#';
        naap_sha256_hex(id, strlen(id), hashed + 1);
        id = hashed;
    }
    return id;
}

int naap_cache_key_head(const naap_cache_key *key, int n, char *out, size_t cap)
{
    int len = snprintf(out, cap, "naap:c:%s:%d|", key->prefix, n);
    return len >= 0 && (size_t)len < cap ? len : NAAP_ETOOLARGE;
}

int naap_cache_key_build(const naap_cache_key *key, int64_t epoch, const int64_t *gens, char *out,
                         size_t cap)
{
    char hashed[NAAP_CACHE_HASHED_ID_SIZE];
    int n = naap_cache_key_check(key);
    int head;
    size_t len;

    if (n < 0)
        return n;
    const char *id = naap_cache_key_id(key, hashed);
    if ((head = naap_cache_key_head(key, n, out, cap)) < 0)
        return head;
    len = (size_t)head;
    len += (size_t)snprintf(out + len, cap - len, "%" PRId64 "|", epoch);
    for (int i = 0; i < n && len < cap; i++)
        len +=
            (size_t)snprintf(out + len, cap - len, "%s=%" PRId64 "|", key->namespaces[i], gens[i]);
    if (len < cap)
        len += (size_t)snprintf(out + len, cap - len, "%s", id);
    return len < cap ? (int)len : NAAP_ETOOLARGE;
}
