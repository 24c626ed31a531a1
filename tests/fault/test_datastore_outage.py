"""PostgreSQL and Redis going away and coming back, under a running naapd."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import DataStores, Naapd, wait_until  # noqa: E402


class DatastoreOutage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stores = DataStores()  # private: this test stops them
        cls.naapd = Naapd(cls.stores.create_database(), cls.stores.redis_url, workers=2)

    @classmethod
    def tearDownClass(cls):
        cls.naapd.stop()
        cls.stores.stop()

    def health(self):
        return self.naapd.request("GET", "/healthz", timeout=5)

    def test_postgres_down_then_back(self):
        workers = sorted(self.naapd.worker_pids())
        # touch every thread's connection first, so the outage hits live connections
        for _ in range(20):
            self.assertEqual(self.health().status, 200)
        self.stores.stop_pg()
        stopped = time.monotonic()
        # every request during the outage answers 503 quickly, whichever thread takes it
        for _ in range(20):
            t0 = time.monotonic()
            r = self.health()
            self.assertLess(time.monotonic() - t0, 2.0)
            self.assertEqual(r.status, 503, r.body)
            body = r.json()
            self.assertEqual(body["status"], "degraded")
            self.assertEqual(body["database"], {"status": "unhealthy"})
            self.assertEqual(body["service"], "naapd")
        self.assertLess(time.monotonic() - stopped, 20 * 2.0)
        self.stores.start_pg()
        wait_until(lambda: self.health().status == 200, timeout=5, what="healthz 200 after PG restart")
        # a thread whose connect failed during the outage waits out its reconnect pause
        # (250 ms, src/store/db.c) before trying again; after that every thread serves
        time.sleep(0.3)
        for _ in range(20):
            self.assertEqual(self.health().status, 200)
        self.assertEqual(sorted(self.naapd.worker_pids()), workers, "a worker died")

    def test_redis_down_then_back(self):
        workers = sorted(self.naapd.worker_pids())
        for _ in range(10):
            self.assertIs(self.health().json()["cache"]["redisConnected"], True)
        self.stores.stop_redis()
        for _ in range(10):
            t0 = time.monotonic()
            r = self.health()
            self.assertLess(time.monotonic() - t0, 1.0)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json()["cache"]["redisConnected"], False)
            self.assertEqual(r.json()["cache"]["backend"], "memory")
        self.stores.start_redis()
        # reconnection is lazy with per-thread backoff (at most 5 s)
        wait_until(lambda: all(self.health().json()["cache"]["redisConnected"] for _ in range(8)),
                   timeout=15, what="redis reconnected on every thread")
        self.assertEqual(sorted(self.naapd.worker_pids()), workers, "a worker died")


if __name__ == "__main__":
    unittest.main()
