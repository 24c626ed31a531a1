"""Response compression (scaling guide 4; api.md 1.2) over real HTTP.

The only routes today are /healthz (small) and JSON errors, so the bodies big enough to
compress are 404s for long paths: {"error":"Cannot GET /xxxx..."} is as long as the path
plus 23 bytes, which also lets the tests sit exactly on the 1024-byte threshold.
"""

import gzip
import os
import socket
import sys
import unittest
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import NaapdTestCase, express_etag  # noqa: E402

ENVELOPE = len('{"error":"Cannot GET "}')


def path_for_body(length):
    """A path whose GET 404 body is exactly length bytes."""
    return "/" + "x" * (length - ENVELOPE - 1)



class Compression(NaapdTestCase):
    big = path_for_body(3000)

    def get(self, path, method="GET", **headers):
        return self.naapd.request(method, path, headers=headers)

    def vary(self, r):
        return [v.strip().lower() for h in r.headers.get_all("Vary") or [] for v in h.split(",")]

    def identity_body(self, path):
        r = self.get(path, **{"Accept-Encoding": "identity"})
        self.assertIsNone(r.headers.get("Content-Encoding"))
        return r.body

    def test_gzip_decompresses_to_the_identity_body(self):
        plain = self.identity_body(self.big)
        self.assertEqual(len(plain), 3000)
        r = self.get(self.big, **{"Accept-Encoding": "gzip, deflate, br"})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.headers["Content-Encoding"], "gzip")
        self.assertIn("accept-encoding", self.vary(r))
        self.assertEqual(int(r.headers["Content-Length"]), len(r.body))
        self.assertLess(len(r.body), len(plain) // 4)
        self.assertEqual(gzip.decompress(r.body), plain)
        self.assertTrue(r.headers["Content-Type"].startswith("application/json"))

    def test_deflate_is_zlib_format(self):
        plain = self.identity_body(self.big)
        r = self.get(self.big, **{"Accept-Encoding": "deflate"})
        self.assertEqual(r.headers["Content-Encoding"], "deflate")
        self.assertEqual(zlib.decompress(r.body), plain)

    def test_q_values(self):
        cases = {
            "gzip;q=0": None,
            "gzip;q=0, deflate": "deflate",
            "gzip;q=0.5, deflate;q=0.9": "deflate",
            "deflate;q=0.5, gzip;q=0.5": "gzip",
            "*": "gzip",
            "*;q=0": None,
            "br": None,
            "identity": None,
            "gzip;q=0.4, identity;q=0.5": None,
            "GZIP": "gzip",
        }
        for accept, want in cases.items():
            r = self.get(self.big, **{"Accept-Encoding": accept})
            self.assertEqual(r.status, 404, accept)
            self.assertEqual(r.headers.get("Content-Encoding"), want, accept)
            self.assertIn("accept-encoding", self.vary(r), accept)

    def test_no_accept_encoding_header_means_identity(self):
        # http.client always sends one; a raw request can leave it out
        req = (f"GET {self.big} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").encode()
        with socket.create_connection(("127.0.0.1", self.naapd.port), timeout=5) as s:
            s.sendall(req)
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertIn(b" 404 ", head.split(b"\r\n")[0])
        self.assertNotIn(b"content-encoding", head.lower())
        self.assertEqual(len(body), 3000)

    def test_x_no_compression_any_value(self):
        for value in ("1", "true", "no"):
            r = self.get(self.big, **{"Accept-Encoding": "gzip", "x-no-compression": value})
            self.assertIsNone(r.headers.get("Content-Encoding"), value)
            self.assertEqual(len(r.body), 3000)
            # the answer still depends on Accept-Encoding for everyone else
            self.assertIn("accept-encoding", self.vary(r))

    def test_threshold_is_1024_bytes(self):
        below, at = path_for_body(1023), path_for_body(1024)
        self.assertEqual(len(self.identity_body(below)), 1023)
        self.assertEqual(len(self.identity_body(at)), 1024)
        r = self.get(below, **{"Accept-Encoding": "gzip"})
        self.assertIsNone(r.headers.get("Content-Encoding"))
        self.assertIn("accept-encoding", self.vary(r))
        r = self.get(at, **{"Accept-Encoding": "gzip"})
        self.assertEqual(r.headers.get("Content-Encoding"), "gzip")
        self.assertEqual(len(gzip.decompress(r.body)), 1024)

    def test_small_json_varies_but_is_not_compressed(self):
        r = self.get("/healthz", **{"Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.headers.get("Content-Encoding"))
        self.assertIn("accept-encoding", self.vary(r))

    def test_no_body_no_vary(self):
        r = self.naapd.request("OPTIONS", self.big, headers={"Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 204)
        self.assertIsNone(r.headers.get("Content-Encoding"))
        self.assertNotIn("accept-encoding", self.vary(r))

    def test_etag_is_of_the_identity_body_and_weak(self):
        plain = self.identity_body(self.big)
        r = self.get(self.big, **{"Accept-Encoding": "gzip"})
        self.assertEqual(r.headers["ETag"], express_etag(plain))
        self.assertTrue(r.headers["ETag"].startswith('W/"'))

    def test_head_carries_the_get_headers(self):
        # HEAD of an unknown path says "Cannot HEAD", so compare with that body's gzip
        r = self.get(self.big, method="HEAD", **{"Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.body, b"")
        plain = ('{"error":"Cannot HEAD %s"}' % self.big).encode()
        self.assertEqual(r.headers["Content-Encoding"], "gzip")
        self.assertIn("accept-encoding", self.vary(r))
        self.assertEqual(r.headers["ETag"], express_etag(plain))
        gz = zlib.compressobj(6, zlib.DEFLATED, 31)
        self.assertEqual(int(r.headers["Content-Length"]), len(gz.compress(plain) + gz.flush()))
        r = self.get(self.big, method="HEAD", **{"Accept-Encoding": "identity"})
        self.assertIsNone(r.headers.get("Content-Encoding"))
        self.assertEqual(int(r.headers["Content-Length"]), len(plain))


if __name__ == "__main__":
    unittest.main()
