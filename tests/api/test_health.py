"""GET /healthz (decisions.md 9) against real stores."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import Naapd, NaapdTestCase, shared_stores, wait_until  # noqa: E402


class Health(NaapdTestCase):
    def test_shape(self):
        # workers counts the ones serving: the first answer can come before the second is up
        wait_until(lambda: self.naapd.request("GET", "/healthz").json()["workers"] == 2,
                   timeout=10, what="both workers serving")
        r = self.naapd.request("GET", "/healthz")
        self.assertEqual(r.status, 200, r.body)
        body = r.json()
        self.assertEqual(body["status"], "healthy")
        self.assertEqual(body["service"], "naapd")
        self.assertRegex(body["version"], r"^\d+\.\d+\.\d+")
        self.assertRegex(body["timestamp"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(body["database"], {"status": "healthy"})
        self.assertEqual(body["cache"]["backend"], "redis")
        self.assertIs(body["cache"]["redisConnected"], True)
        self.assertEqual(body["cache"]["memoryEntries"], 0)
        self.assertEqual(body["workers"], 2)
        self.assertIsInstance(body["uptimeSeconds"], int)
        self.assertGreaterEqual(body["uptimeSeconds"], 0)
        self.assertEqual(r.headers["Cache-Control"], "no-store, no-cache, must-revalidate")
        self.assertTrue(r.headers["Content-Type"].startswith("application/json"))

    def test_workers_counts_live_processes(self):
        self.assertEqual(len(self.naapd.worker_pids()), 2)


class HealthWithoutRedis(unittest.TestCase):
    def test_redis_disabled_reports_memory_backend(self):
        stores = shared_stores()
        with Naapd(stores.create_database(), "", workers=1) as n:
            body = wait_until(lambda: (lambda b: b["workers"] == 1 and b)(
                n.request("GET", "/healthz").json()), timeout=5, what="the worker serving")
            self.assertEqual(body["cache"], {"backend": "memory", "redisConnected": False,
                                             "memoryEntries": 0})
            self.assertEqual(body["status"], "healthy")
            self.assertEqual(body["workers"], 1)


if __name__ == "__main__":
    unittest.main()
