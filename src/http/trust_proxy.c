#include "naap/trust_proxy.h"
#include "naap/errors.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static void normalize(const char *ip, char *out, size_t outlen)
{
    unsigned char addr[16];
    int family;
    if (naap_cidr_addr_parse(ip, &family, addr) != NAAP_OK ||
        !inet_ntop(family, addr, out, (socklen_t)outlen))
        snprintf(out, outlen, "%s", ip);
}

void naap_trust_proxy_client_ip(const naap_cidr_list *trusted, const struct sockaddr *peer,
                                const char *xff, char *out, size_t outlen)
{
    char peer_ip[INET6_ADDRSTRLEN] = "unknown";

    if (peer && peer->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr, peer_ip, sizeof(peer_ip));
    else if (peer && peer->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)peer)->sin6_addr, peer_ip,
                  sizeof(peer_ip));
    normalize(peer_ip, out, outlen);
    if (!xff || !naap_cidr_list_contains(trusted, peer_ip))
        return;

    /* walk the header right to left; each hop must itself be trusted to vouch for the next */
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        const char *a = start, *b = end;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        char hop[INET6_ADDRSTRLEN + 1];
        size_t len = (size_t)(b - a);
        unsigned char scratch[16];
        int family;
        if (len == 0 || len >= sizeof(hop))
            return; /* a malformed hop ends the walk at the last good address */
        memcpy(hop, a, len);
        hop[len] = '\0';
        if (naap_cidr_addr_parse(hop, &family, scratch) != NAAP_OK)
            return;
        normalize(hop, out, outlen);
        if (!naap_cidr_list_contains(trusted, hop))
            return;
        end = start > xff ? start - 1 : xff;
    }
}
