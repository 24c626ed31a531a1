#include "check.h"
#include "naap/cidr.h"
#include "naap/errors.h"
#include "naap/trust_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

static struct sockaddr_in v4(const char *ip)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    inet_pton(AF_INET, ip, &sa.sin_addr);
    return sa;
}

static void test_parse(void)
{
    naap_cidr_list *tp = NULL;
    CHECK(naap_cidr_list_parse("loopback, 10.1.0.0/16, fd00::/8", &tp) == NAAP_OK);
    CHECK(naap_cidr_list_contains(tp, "127.0.0.1"));
    CHECK(naap_cidr_list_contains(tp, "::1"));
    CHECK(naap_cidr_list_contains(tp, "::ffff:127.0.0.1")); /* v4-mapped folds to v4 */
    CHECK(naap_cidr_list_contains(tp, "10.1.200.3"));
    CHECK(!naap_cidr_list_contains(tp, "10.2.0.1"));
    CHECK(naap_cidr_list_contains(tp, "fd12::1"));
    CHECK(!naap_cidr_list_contains(tp, "garbage"));
    naap_cidr_list_free(tp);

    CHECK(naap_cidr_list_parse("", &tp) == NAAP_OK);
    CHECK(!naap_cidr_list_contains(tp, "127.0.0.1"));
    naap_cidr_list_free(tp);
    CHECK(naap_cidr_list_parse("false", &tp) == NAAP_OK);
    naap_cidr_list_free(tp);
    CHECK(naap_cidr_list_parse("10.0.0.0/33", &tp) == NAAP_EINVAL);
    CHECK(naap_cidr_list_parse("nonsense", &tp) == NAAP_EINVAL);
}

static void test_client_ip(void)
{
    naap_cidr_list *tp = NULL;
    char out[64];
    struct sockaddr_in proxy = v4("127.0.0.1"), outsider = v4("203.0.113.9");

    CHECK(naap_cidr_list_parse("loopback,10.0.0.0/8", &tp) == NAAP_OK);
    /* untrusted peer: its X-Forwarded-For is ignored (decisions.md 7) */
    naap_trust_proxy_client_ip(tp, (struct sockaddr *)&outsider, "1.2.3.4", out, sizeof(out));
    CHECK_STR(out, "203.0.113.9");
    /* trusted peer: the rightmost untrusted hop is the client */
    naap_trust_proxy_client_ip(tp, (struct sockaddr *)&proxy, "6.6.6.6, 1.2.3.4, 10.0.0.7", out,
                               sizeof(out));
    CHECK_STR(out, "1.2.3.4");
    /* all hops trusted: the leftmost */
    naap_trust_proxy_client_ip(tp, (struct sockaddr *)&proxy, "10.9.9.9", out, sizeof(out));
    CHECK_STR(out, "10.9.9.9");
    /* no header */
    naap_trust_proxy_client_ip(tp, (struct sockaddr *)&proxy, NULL, out, sizeof(out));
    CHECK_STR(out, "127.0.0.1");
    /* a malformed hop stops the walk at the last good address */
    naap_trust_proxy_client_ip(tp, (struct sockaddr *)&proxy, "1.2.3.4, bogus", out, sizeof(out));
    CHECK_STR(out, "127.0.0.1");
    naap_cidr_list_free(tp);
}

/* issue 10 item 2: one host holds a /64, so limits count IPv6 clients by network */
static void test_client_key(void)
{
    char key[56];
    naap_cidr_client_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, key, sizeof(key));
    CHECK_STR(key, "2001:db8:1:2::/64");
    naap_cidr_client_key("2001:db8:1:2::1", 64, key, sizeof(key));
    CHECK_STR(key, "2001:db8:1:2::/64");
    naap_cidr_client_key("2001:db8:1:a2ff::1", 52, key, sizeof(key));
    CHECK_STR(key, "2001:db8:1:a000::/52");
    naap_cidr_client_key("2001:db8::7", 128, key, sizeof(key));
    CHECK_STR(key, "2001:db8::7");
    naap_cidr_client_key("203.0.113.9", 64, key, sizeof(key));
    CHECK_STR(key, "203.0.113.9");
    naap_cidr_client_key("unknown", 64, key, sizeof(key));
    CHECK_STR(key, "unknown");
}

int main(void)
{
    test_client_key();
    test_parse();
    test_client_ip();
    return check_report("trust_proxy");
}
