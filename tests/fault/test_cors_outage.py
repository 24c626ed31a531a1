"""A preflight is answered with PostgreSQL and Redis both stopped (issue 18): it needs
neither a session, a rate-limit counter nor a row."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import DataStores, Naapd  # noqa: E402

SHELL = "http://localhost:3000"


class CorsWithoutStores(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stores = DataStores()  # private: this test stops them
        cls.naapd = Naapd(cls.stores.create_database(), cls.stores.redis_url, workers=1,
                          env={"CORS_ORIGINS": SHELL})

    @classmethod
    def tearDownClass(cls):
        cls.naapd.stop()
        cls.stores.stop()

    def test_preflight_with_both_stores_down(self):
        self.stores.stop_pg()
        self.stores.stop_redis()
        try:
            for path in ("/api/v1/auth/me", "/api/v1/teams", "/api/v1/auth/login"):
                r = self.naapd.request("OPTIONS", path, timeout=5, headers={
                    "Origin": SHELL, "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization,content-type"})
                self.assertEqual(r.status, 204, path)
                self.assertEqual(r.headers["Access-Control-Allow-Origin"], SHELL)
                self.assertEqual(r.headers["Access-Control-Allow-Credentials"], "true")
                self.assertLess(r.elapsed, 1.0, "a preflight must not wait on a store")
            # the real call fails, readable by the page, instead of a CORS error
            r = self.naapd.request("GET", "/api/v1/auth/me", timeout=10, headers={
                "Origin": SHELL, "Authorization": "Bearer x"})
            self.assertGreaterEqual(r.status, 400)
            self.assertEqual(r.headers["Access-Control-Allow-Origin"], SHELL)
        finally:
            self.stores.start_pg()
            self.stores.start_redis()


if __name__ == "__main__":
    unittest.main()
