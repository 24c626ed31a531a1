"""CORS at the header level (issue 18): allowlist with credentials, "*" without, unlisted
origins, preflight, exposed headers and a single Vary header."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import NaapdTestCase  # noqa: E402

SHELL = "http://localhost:3000"
EXPOSED = {"x-request-id", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
           "retry-after", "x-cache", "etag"}
SHELL_PREFLIGHT = {"Origin": SHELL, "Access-Control-Request-Method": "POST",
                   "Access-Control-Request-Headers": "authorization,cache-control,content-type,pragma"}


def tokens(value):
    return [t.strip().lower() for t in (value or "").split(",") if t.strip()]


class CorsAllowlist(NaapdTestCase):
    # the second entry carries the trailing slash an operator easily types
    naapd_env = {"CORS_ORIGINS": f"{SHELL}, https://shell.example/",
                 "RATE_LIMIT_STRICT_POINTS": 2}
    naapd_workers = 1

    def vary(self, r):
        values = r.headers.get_all("Vary") or []
        self.assertEqual(len(values), 1, f"one Vary header, got {values}")
        return tokens(values[0])

    def test_listed_origin_is_echoed_with_credentials(self):
        for origin in (SHELL, "https://shell.example"):
            r = self.naapd.request("GET", "/healthz", headers={"Origin": origin})
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers.get_all("Access-Control-Allow-Origin"), [origin])
            self.assertEqual(r.headers.get("Access-Control-Allow-Credentials"), "true")
            self.assertEqual(set(tokens(r.headers["Access-Control-Expose-Headers"])), EXPOSED)
            self.assertIn("origin", self.vary(r))

    def test_unlisted_origin_gets_no_cors_headers_but_an_answer(self):
        for origin in ("http://evil.example", "http://localhost:3001", "null",
                       "http://localhost:3000/"):
            r = self.naapd.request("GET", "/healthz", headers={"Origin": origin})
            self.assertEqual(r.status, 200, origin)
            self.assertEqual(r.json()["status"], "healthy")
            for h in ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
                      "Access-Control-Expose-Headers"):
                self.assertIsNone(r.headers.get(h), (origin, h))
            self.assertEqual(sorted(self.vary(r)), ["accept-encoding", "origin"])
        r = self.naapd.request("GET", "/healthz")  # no Origin: same-origin or not a browser
        self.assertIsNone(r.headers.get("Access-Control-Allow-Origin"))
        self.assertIn("origin", self.vary(r))

    def test_error_answers_carry_cors_too(self):
        # the page must be able to read a 401 or 404 to react to it
        r = self.naapd.request("GET", "/api/v1/auth/me",
                               headers={"Origin": SHELL, "Authorization": "Bearer nope"})
        self.assertEqual(r.status, 401)
        self.assertEqual(r.headers.get("Access-Control-Allow-Origin"), SHELL)
        self.assertEqual(r.headers.get("Access-Control-Allow-Credentials"), "true")

    def test_one_vary_with_accept_encoding_and_origin(self):
        # a 404 echoing a long path is well past the 1024-byte compression threshold
        r = self.naapd.request("GET", "/api/v1/" + "x" * 1500,
                               headers={"Origin": SHELL, "Accept-Encoding": "gzip"})
        self.assertEqual(r.headers.get("Content-Encoding"), "gzip")
        self.assertEqual(sorted(self.vary(r)), ["accept-encoding", "origin"])

    def test_preflight_for_the_shell(self):
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            r = self.naapd.request("OPTIONS", "/api/v1/teams/abc/plugins",
                                   headers=dict(SHELL_PREFLIGHT,
                                                **{"Access-Control-Request-Method": method}))
            self.assertEqual(r.status, 204)
            self.assertEqual(r.body, b"")
            self.assertIn(method, r.headers["Access-Control-Allow-Methods"].split(","))
            self.assertEqual(r.headers["Access-Control-Allow-Headers"],
                             SHELL_PREFLIGHT["Access-Control-Request-Headers"])
            self.assertEqual(r.headers["Access-Control-Max-Age"], "600")
            self.assertEqual(r.headers["Access-Control-Allow-Origin"], SHELL)
            self.assertEqual(r.headers["Access-Control-Allow-Credentials"], "true")
            self.assertIsNone(r.headers.get("Access-Control-Expose-Headers"))
            self.assertEqual(sorted(self.vary(r)), ["access-control-request-headers", "origin"])

    def test_preflight_from_unlisted_origin_grants_nothing(self):
        r = self.naapd.request("OPTIONS", "/api/v1/auth/me",
                               headers=dict(SHELL_PREFLIGHT, Origin="http://evil.example"))
        self.assertEqual(r.status, 204)
        for h in ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
                  "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
                  "Access-Control-Max-Age"):
            self.assertIsNone(r.headers.get(h), h)

    def test_preflight_spends_no_rate_limit(self):
        # the strict tier allows 2 per window here; preflights must not count
        for _ in range(6):
            r = self.naapd.request("OPTIONS", "/api/v1/auth/forgot-password",
                                   headers=SHELL_PREFLIGHT)
            self.assertEqual(r.status, 204)
            self.assertIsNone(r.headers.get("X-RateLimit-Remaining"))
        r = self.naapd.request("POST", "/api/v1/auth/forgot-password",
                               headers={"Origin": SHELL}, json_body={"email": "a@b.example"})
        self.assertNotEqual(r.status, 429, r.body)
        self.assertEqual(r.headers.get("X-RateLimit-Remaining"), "1")


class CorsAnyOrigin(NaapdTestCase):
    """The default "*" keeps base-svc's cors() answer; credentials are never offered."""

    naapd_env = {"CORS_MAX_AGE": "2m"}
    naapd_workers = 1

    def test_star_never_offers_credentials(self):
        r = self.naapd.request("GET", "/healthz", headers={"Origin": SHELL})
        self.assertEqual(r.headers.get_all("Access-Control-Allow-Origin"), ["*"])
        self.assertIsNone(r.headers.get("Access-Control-Allow-Credentials"))
        self.assertEqual(set(tokens(r.headers["Access-Control-Expose-Headers"])), EXPOSED)
        # nothing varies on Origin with "*"
        self.assertEqual(r.headers.get_all("Vary"), ["Accept-Encoding"])

    def test_star_preflight_with_configured_max_age(self):
        r = self.naapd.request("OPTIONS", "/api/v1/anything", headers=SHELL_PREFLIGHT)
        self.assertEqual(r.status, 204)
        self.assertEqual(r.headers["Access-Control-Allow-Origin"], "*")
        self.assertIsNone(r.headers.get("Access-Control-Allow-Credentials"))
        self.assertEqual(r.headers["Access-Control-Max-Age"], "120")
        self.assertEqual(r.headers.get_all("Vary"), ["Access-Control-Request-Headers"])


if __name__ == "__main__":
    unittest.main()
