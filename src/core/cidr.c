#include "naap/cidr.h"
#include "naap/alloc.h"
#include "naap/errors.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct cidr {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int prefix;
};

struct naap_cidr_list {
    size_t count;
    struct cidr entries[];
};

/* Express's named ranges (proxy-addr), so an operator's TRUST_PROXY keeps its meaning. */
static const struct {
    const char *name;
    const char *ranges[4];
} named[] = {
    {"loopback", {"127.0.0.1/8", "::1/128", NULL}},
    {"linklocal", {"169.254.0.0/16", "fe80::/10", NULL}},
    {"uniquelocal", {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"}},
};

/* v4-mapped IPv6 folds into IPv4 so ::ffff:10.0.0.1 matches 10/8. */
int naap_cidr_addr_parse(const char *s, int *family, unsigned char addr[16])
{
    if (inet_pton(AF_INET, s, addr) == 1) {
        *family = AF_INET;
        return NAAP_OK;
    }
    if (inet_pton(AF_INET6, s, addr) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(addr, mapped, 12) == 0) {
            memmove(addr, addr + 12, 4);
            *family = AF_INET;
        } else {
            *family = AF_INET6;
        }
        return NAAP_OK;
    }
    return NAAP_EINVAL;
}

static int parse_cidr(const char *s, struct cidr *out)
{
    char buf[64];
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);

    if (len == 0 || len >= sizeof(buf))
        return NAAP_EINVAL;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (naap_cidr_addr_parse(buf, &out->family, out->addr) != NAAP_OK)
        return NAAP_EINVAL;
    int max = out->family == AF_INET ? 32 : 128;
    out->prefix = max;
    if (slash) {
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end || p < 0 || p > max)
            return NAAP_EINVAL;
        out->prefix = (int)p;
    }
    return NAAP_OK;
}

static int cidr_contains(const struct cidr *c, int family, const unsigned char *addr)
{
    if (c->family != family)
        return 0;
    int full = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(c->addr, addr, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (c->addr[full] & mask) == (addr[full] & mask);
}

int naap_cidr_list_parse(const char *spec, naap_cidr_list **out)
{
    size_t cap = 8, count = 0;
    naap_cidr_list *list = naap_xmalloc(sizeof(*list) + cap * sizeof(struct cidr));
    char *copy = naap_xstrdup(spec), *save = NULL;
    int rc = NAAP_OK;

    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok))
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (*tok == '\0' || strcasecmp(tok, "false") == 0)
            continue;
        const char *const *ranges = NULL;
        const char *single[2] = {tok, NULL};
        for (size_t i = 0; i < sizeof(named) / sizeof(*named); i++)
            if (strcasecmp(tok, named[i].name) == 0)
                ranges = named[i].ranges;
        if (!ranges)
            ranges = single;
        for (size_t i = 0; i < 4 && ranges[i]; i++) {
            if (count == cap) {
                cap *= 2;
                list = naap_xrealloc(list, sizeof(*list) + cap * sizeof(struct cidr));
            }
            if (parse_cidr(ranges[i], &list->entries[count]) != NAAP_OK) {
                rc = NAAP_EINVAL;
                goto out;
            }
            count++;
        }
    }
out:
    free(copy);
    if (rc != NAAP_OK) {
        free(list);
        return rc;
    }
    list->count = count;
    *out = list;
    return NAAP_OK;
}

void naap_cidr_list_free(naap_cidr_list *list)
{
    free(list);
}

int naap_cidr_list_contains(const naap_cidr_list *list, const char *ip)
{
    unsigned char addr[16];
    int family;

    if (!list || naap_cidr_addr_parse(ip, &family, addr) != NAAP_OK)
        return 0;
    for (size_t i = 0; i < list->count; i++)
        if (cidr_contains(&list->entries[i], family, addr))
            return 1;
    return 0;
}

/* A host is usually given a whole IPv6 /64 (RFC 6177), so counting single addresses would
 * give one machine 2^64 budgets and 2^64 lockout pairs. */
void naap_cidr_client_key(const char *ip, int v6_prefix, char *out, size_t outlen)
{
    unsigned char addr[16];
    char text[INET6_ADDRSTRLEN];
    int family;

    if (naap_cidr_addr_parse(ip, &family, addr) != NAAP_OK || family != AF_INET6 ||
        v6_prefix >= 128 || v6_prefix < 0) {
        snprintf(out, outlen, "%s", ip);
        return;
    }
    int full = v6_prefix / 8, rest = v6_prefix % 8;
    if (rest)
        addr[full] &= (unsigned char)(0xff << (8 - rest));
    memset(addr + full + (rest ? 1 : 0), 0, (size_t)(16 - full - (rest ? 1 : 0)));
    if (!inet_ntop(AF_INET6, addr, text, sizeof(text))) {
        snprintf(out, outlen, "%s", ip);
        return;
    }
    snprintf(out, outlen, "%s/%d", text, v6_prefix);
}
