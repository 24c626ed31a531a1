#ifndef NAAP_TRUST_PROXY_H
#define NAAP_TRUST_PROXY_H

#include <stddef.h>
#include <sys/socket.h>

/* Which peers may speak for the client through X-Forwarded-For (decisions.md 7).
 * The walk is Express's proxy-addr: from the socket peer leftwards through the header,
 * the client is the first address that is not a trusted proxy. */
typedef struct naap_trust_proxy naap_trust_proxy;

/**
 * Parses "loopback, 10.0.0.0/8, ::1, uniquelocal" (also linklocal, "false", "" = none).
 * Returns 0 and a new list in *out (free with naap_trust_proxy_free), or NAAP_EINVAL.
 */
int naap_trust_proxy_parse(const char *spec, naap_trust_proxy **out);
/** Frees a list; NULL is ignored. */
void naap_trust_proxy_free(naap_trust_proxy *tp);
/** Returns 1 if the textual address ip (v4, v6 or v4-mapped v6) is trusted. */
int naap_trust_proxy_trusts(const naap_trust_proxy *tp, const char *ip);
/**
 * Writes the client address into out (INET6_ADDRSTRLEN bytes): the peer itself unless
 * it is trusted, else walks xff (may be NULL) from the right. v4-mapped addresses are
 * printed as plain IPv4.
 */
void naap_trust_proxy_client_ip(const naap_trust_proxy *tp, const struct sockaddr *peer,
                                const char *xff, char *out, size_t outlen);

#endif
