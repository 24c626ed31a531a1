#ifndef NAAP_TRUST_PROXY_H
#define NAAP_TRUST_PROXY_H

#include <stddef.h>
#include <sys/socket.h>

#include "naap/cidr.h"

/* Which peers may speak for the client through X-Forwarded-For (decisions.md 7): the
 * trusted proxies are the TRUST_PROXY list (naap/cidr.h). The walk is Express's
 * proxy-addr: from the socket peer leftwards through the header, the client is the first
 * address that is not a trusted proxy. */

/**
 * Writes the client address into out (INET6_ADDRSTRLEN bytes): the peer itself unless
 * it is in trusted, else walks xff (may be NULL) from the right. v4-mapped addresses are
 * printed as plain IPv4.
 */
void naap_trust_proxy_client_ip(const naap_cidr_list *trusted, const struct sockaddr *peer,
                                const char *xff, char *out, size_t outlen);

#endif
