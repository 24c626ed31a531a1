"""Weak ETags and If-None-Match -> 304 (api.md 1.3; decisions.md "Kept exactly")."""

import http.client
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import NaapdTestCase, express_etag  # noqa: E402



class ETag(NaapdTestCase):
    def req(self, method, path, **headers):
        return self.naapd.request(method, path, headers=headers)

    def test_every_json_body_has_expresss_weak_etag(self):
        for path in ("/healthz", "/api/v1/nothing", "/api/v1/teams/x/nothing"):
            r = self.req("GET", path)
            self.assertEqual(r.headers["ETag"], express_etag(r.body), path)
        r = self.req("DELETE", "/healthz")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.headers["ETag"], express_etag(r.body))

    def test_error_etag_is_stable_but_never_304(self):
        a = self.req("GET", "/api/v1/nothing")
        b = self.req("GET", "/api/v1/nothing")
        self.assertEqual(a.headers["ETag"], b.headers["ETag"])
        # RFC 9110 13.2.1: preconditions only apply to what would be a 2xx
        r = self.req("GET", "/api/v1/nothing", **{"If-None-Match": a.headers["ETag"]})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.body, a.body)
        r = self.req("GET", "/api/v1/nothing", **{"If-None-Match": "*"})
        self.assertEqual(r.status, 404)

    def test_star_gives_304_with_the_200s_headers_and_no_body(self):
        full = self.req("GET", "/healthz")
        self.assertEqual(full.status, 200)
        for method in ("GET", "HEAD"):
            r = self.req(method, "/healthz", **{"If-None-Match": "*"})
            self.assertEqual(r.status, 304, method)
            self.assertEqual(r.body, b"")
            self.assertRegex(r.headers["ETag"], r'^W/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$')
            self.assertEqual(r.headers["Cache-Control"], full.headers["Cache-Control"])
            self.assertIn("Accept-Encoding", r.headers.get("Vary", ""))
            # the length the 200 would have had, never a wrong 0 (RFC 9110 8.6)
            self.assertAlmostEqual(int(r.headers["Content-Length"]), len(full.body), delta=8)

    def test_non_matching_tags_get_the_body(self):
        r = self.req("GET", "/healthz", **{"If-None-Match": 'W/"e1-nope", "other"'})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["ETag"], express_etag(r.body))

    def test_no_cache_request_always_gets_the_body(self):
        r = self.req("GET", "/healthz", **{"If-None-Match": "*", "Cache-Control": "no-cache"})
        self.assertEqual(r.status, 200)
        self.assertTrue(r.body)

    def test_connection_survives_a_304(self):
        # the 304 must not leak a body into the next response on a kept-alive connection
        conn = http.client.HTTPConnection("127.0.0.1", self.naapd.port, timeout=5)
        try:
            conn.request("GET", "/healthz", headers={"If-None-Match": "*"})
            r = conn.getresponse()
            self.assertEqual((r.status, r.read()), (304, b""))
            conn.request("GET", "/api/v1/nothing")
            r = conn.getresponse()
            self.assertEqual(r.status, 404)
            self.assertEqual(r.read(), b'{"error":"Cannot GET /api/v1/nothing"}')
        finally:
            conn.close()


if __name__ == "__main__":
    unittest.main()
