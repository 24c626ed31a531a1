/* Request headers and query parameters a client controls (issue 16), each line of the
 * input one value: Accept-Encoding negotiation, X-Forwarded-For through a trusted proxy
 * (and TRUST_PROXY itself), bearer extraction both ways, and the pagination counts. The
 * request object is real; libmicrohttpd's header lookup is replaced below by one that
 * answers from the input, so the code under test runs exactly as in a worker. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "naap/arena.h"
#include "naap/auth.h"
#include "naap/cidr.h"
#include "naap/compress.h"
#include "naap/http.h"
#include "naap/input.h"
#include "naap/schema.h"
#include "naap/trust_proxy.h"

static const char *auth_value, *query_value;

/* Overrides libmicrohttpd's (the executable's definition wins over the shared library's):
 * Authorization answers the fuzzed bearer, every query parameter the fuzzed count. */
const char *MHD_lookup_connection_value(struct MHD_Connection *connection, enum MHD_ValueKind kind,
                                        const char *key)
{
    (void)connection;
    if (kind == MHD_HEADER_KIND && strcasecmp(key, "Authorization") == 0)
        return auth_value;
    if (kind == MHD_GET_ARGUMENT_KIND)
        return query_value;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *f[5] = {0};
    size_t n = fuzz_split(data, size, f, 5);
    const char *v[5];
    for (size_t i = 0; i < 5; i++)
        v[i] = i < n ? f[i] : "";

    (void)naap_compress_negotiate(v[0]);

    static naap_cidr_list *trusted;
    if (!trusted && naap_cidr_list_parse("loopback, 10.0.0.0/8, fd00::/8", &trusted) != 0)
        abort();
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(1234)};
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char ip[64];
    memset(ip, 'x', sizeof(ip));
    naap_trust_proxy_client_ip(trusted, (const struct sockaddr *)&peer, v[1], ip, 46);
    if (!memchr(ip, '\0', 46))
        abort(); /* always a terminated address within INET6_ADDRSTRLEN */
    naap_cidr_list *list = NULL;
    if (naap_cidr_list_parse(v[1], &list) == 0) {
        (void)naap_cidr_list_contains(list, v[2]);
        naap_cidr_list_free(list);
    }

    naap_request req;
    memset(&req, 0, sizeof(req));
    req.arena = naap_arena_new();
    req.method = "GET";
    req.path = "/api/v1/registry/packages";
    auth_value = n > 2 ? v[2] : NULL;
    query_value = n > 3 ? v[3] : NULL;
    (void)naap_auth_token(&req, NAAP_AUTH_BEARER);
    const char *loose = naap_auth_token(&req, NAAP_AUTH_BEARER_LOOSE);
    if (loose && !loose[0])
        abort(); /* an empty token is no token */
    long long count = -1;
    if (naap_input_count(&req, "limit", 20, 100, &count) == 0 && (count < 0 || count > 100))
        abort();
    (void)naap_request_query(&req, "offset");
    (void)naap_parse_count(v[4], 1000, &count);
    naap_response_drop_body(&req.res);
    naap_arena_free(req.arena);
    fuzz_free_fields(f, n);
    return 0;
}
