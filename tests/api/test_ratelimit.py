"""Rate-limit tiers (decisions.md "Added", api.md 1.6) over real HTTP and Redis."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import DataStores, Naapd, shared_stores  # noqa: E402

STRICT = "/api/v1/auth/login"          # strict: one bucket with register/forgot/reset
STRICT_OTHER = "/api/v1/auth/forgot-password"
STANDARD = "/api/v1/auth/providers"    # standard tier, no auth needed
LOGIN = {"email": "nobody@example.com", "password": "wrong-password"}


def limited(env=None):
    """A naapd with small budgets so tests stay quick (every number is configurable)."""
    stores = shared_stores()
    base = {"RATE_LIMIT_STANDARD_POINTS": "5", "RATE_LIMIT_STANDARD_BLOCK": "60s"}
    base.update(env or {})
    return Naapd(stores.create_database(), stores.redis_db(), env=base)


class Tiers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.naapd = limited()

    @classmethod
    def tearDownClass(cls):
        cls.naapd.stop()

    def hit(self, path, client, method="GET", body=None):
        return self.naapd.request(method, path, json_body=body,
                                  headers={"X-Forwarded-For": client})

    def test_strict_tier_limit_block_headers_and_shared_bucket(self):
        client = "198.51.100.1"
        for i in range(10):
            r = self.hit(STRICT, client, "POST", LOGIN)
            self.assertNotEqual(r.status, 429, f"request {i + 1}")
            self.assertEqual(r.headers["X-RateLimit-Limit"], "10")
            self.assertEqual(r.headers["X-RateLimit-Remaining"], str(9 - i))
            reset = int(r.headers["X-RateLimit-Reset"])
            self.assertTrue(time.time() < reset <= time.time() + 61, reset)
        r = self.hit(STRICT, client, "POST", LOGIN)
        self.assertEqual(r.status, 429)
        self.assertEqual(r.json(), {"error": "Too many requests, please try again later",
                                    "retryAfter": 300})
        self.assertEqual(r.headers["Retry-After"], "300")
        self.assertEqual(r.headers["X-RateLimit-Remaining"], "0")
        # the four auth paths share one bucket (as upstream)
        r = self.hit(STRICT_OTHER, client, "POST", {"email": "x@example.com"})
        self.assertEqual(r.status, 429)
        self.assertLessEqual(r.json()["retryAfter"], 300)
        # another client has its own budget
        self.assertNotEqual(self.hit(STRICT, "198.51.100.2", "POST", LOGIN).status, 429)
        # and the standard tier is a different bucket for the same client
        self.assertEqual(self.hit(STANDARD, client).status, 200)

    def test_standard_tier(self):
        client = "198.51.100.20"
        for i in range(5):
            r = self.hit(STANDARD, client)
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.headers["X-RateLimit-Remaining"], str(4 - i))
        r = self.hit(STANDARD, client)
        self.assertEqual(r.status, 429)
        self.assertEqual(r.json()["retryAfter"], 60)

    def test_healthz_is_never_limited(self):
        for _ in range(30):
            r = self.naapd.request("GET", "/healthz")
            self.assertEqual(r.status, 200)
            self.assertIsNone(r.headers.get("X-RateLimit-Limit"))


class ByUser(unittest.TestCase):
    def test_signed_in_callers_are_counted_per_user_wherever_they_come_from(self):
        with limited() as n:
            tokens = []
            for name in ("alice", "bob"):
                r = n.request("POST", "/api/v1/auth/register",
                              json_body={"email": f"{name}@example.com",
                                         "password": "correct horse battery"},
                              headers={"X-Forwarded-For": f"198.51.100.{len(tokens) + 60}"})
                self.assertEqual(r.status, 200, r.body)
                tokens.append(r.json()["token"])
            alice, bob = tokens

            def me(token, ip):
                return n.request("GET", STANDARD, headers={
                    "Authorization": f"Bearer {token}", "X-Forwarded-For": ip}).status

            # alice from five addresses spends one budget of 5
            self.assertEqual([me(alice, f"203.0.113.{i}") for i in range(6)], [200] * 5 + [429])
            # bob, from one of alice's addresses, has his own
            self.assertEqual(me(bob, "203.0.113.1"), 200)
            # an anonymous caller from that address too
            self.assertEqual(n.request("GET", STANDARD,
                                       headers={"X-Forwarded-For": "203.0.113.1"}).status, 200)
            # a forged token does not buy a separate budget: it counts as its address
            self.assertEqual(me("not-a-token", "203.0.113.200"), 200)


class UntrustedProxy(unittest.TestCase):
    def test_forwarded_for_from_an_untrusted_peer_is_ignored(self):
        with limited({"TRUST_PROXY": "false"}) as n:
            for i in range(5):
                r = n.request("GET", STANDARD, headers={"X-Forwarded-For": f"203.0.113.{i}"})
                self.assertEqual(r.status, 200)
            r = n.request("GET", STANDARD, headers={"X-Forwarded-For": "203.0.113.99"})
            self.assertEqual(r.status, 429)


class Disabled(unittest.TestCase):
    def test_rate_limit_enabled_false(self):
        with limited({"RATE_LIMIT_ENABLED": "false"}) as n:
            for _ in range(12):
                r = n.request("GET", STANDARD)
                self.assertEqual(r.status, 200)
                self.assertIsNone(r.headers.get("X-RateLimit-Limit"))


class Distributed(unittest.TestCase):
    def test_two_instances_share_one_budget(self):
        stores = shared_stores()
        redis = stores.redis_db()
        env = {"RATE_LIMIT_STANDARD_POINTS": "6"}
        with Naapd(stores.create_database(), redis, env=env) as a, \
                Naapd(stores.create_database(), redis, env=env) as b:
            statuses = []
            for i in range(8):
                n = a if i % 2 == 0 else b
                statuses.append(n.request("GET", STANDARD,
                                          headers={"X-Forwarded-For": "192.0.2.7"}).status)
            self.assertEqual(statuses, [200] * 6 + [429] * 2)


class RedisOutage(unittest.TestCase):
    def test_memory_fallback_then_shared_counting_resumes(self):
        stores = DataStores()
        try:
            env = {"RATE_LIMIT_STANDARD_POINTS": "8", "RATE_LIMIT_STANDARD_BLOCK": "0"}
            with Naapd(stores.create_database(), stores.redis_url, env=env, workers=2) as n:
                stores.stop_redis()
                # per worker the budget is 8 / 2 = 4; two workers let at most 8 through
                statuses = [n.request("GET", STANDARD,
                                      headers={"X-Forwarded-For": "192.0.2.50"}).status
                            for _ in range(20)]
                self.assertNotIn(500, statuses)
                self.assertTrue(all(s in (200, 429) for s in statuses), statuses)
                self.assertLessEqual(statuses.count(200), 8)
                self.assertGreaterEqual(statuses.count(429), 12)
                self.assertEqual(statuses[:4], [200] * 4)
                stores.start_redis()
                time.sleep(5.5)  # per-thread reconnect backoff is at most 5 s
                # counting is shared again: a fresh client gets exactly the full budget
                statuses = [n.request("GET", STANDARD,
                                      headers={"X-Forwarded-For": "192.0.2.51"}).status
                            for _ in range(10)]
                self.assertEqual(statuses, [200] * 8 + [429] * 2)
        finally:
            stores.stop()


if __name__ == "__main__":
    unittest.main()
