#ifndef NAAP_CIDR_H
#define NAAP_CIDR_H

/* Address ranges: lists of IPs and CIDRs, as TRUST_PROXY spells them (decisions.md 7).
 * Pure parsing and matching, so configuration can validate a list and the http layer can
 * match peers against it. */
#include <stddef.h>

typedef struct naap_cidr_list naap_cidr_list;

/**
 * Parses "loopback, 10.0.0.0/8, ::1, uniquelocal" (also linklocal, Express's named
 * ranges; "false" and "" = none). Returns 0 and a new list in *out (free with
 * naap_cidr_list_free), or NAAP_EINVAL.
 */
int naap_cidr_list_parse(const char *spec, naap_cidr_list **out);
/** Frees a list; NULL is ignored. */
void naap_cidr_list_free(naap_cidr_list *list);
/** Returns 1 if the textual address ip (v4, v6 or v4-mapped v6) is in the list. */
int naap_cidr_list_contains(const naap_cidr_list *list, const char *ip);
/**
 * Parses a textual IPv4 or IPv6 address into family (AF_INET/AF_INET6) and addr, folding
 * a v4-mapped IPv6 address into IPv4. Returns 0 or NAAP_EINVAL.
 */
int naap_cidr_addr_parse(const char *s, int *family, unsigned char addr[16]);
/**
 * The key per-client limits count by, written into out (outlen >= 56): an IPv4 address
 * as is, an IPv6 one as its network of v6_prefix bits ("2001:db8:1:2::/64"; 128 keeps the
 * address). Anything unparsable is copied unchanged.
 */
void naap_cidr_client_key(const char *ip, int v6_prefix, char *out, size_t outlen);

#endif
