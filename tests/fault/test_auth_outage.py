"""Auth while PostgreSQL or Redis is down: forged tokens are refused without a query,
stores that are needed answer 503, and Redis is never required."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from jwtforge import forged_tokens  # noqa: E402
from naaptest import DataStores, Naapd, wait_until  # noqa: E402

A = "/api/v1/auth"
ENV = {"PASSWORD_ITERATIONS": "1000", "RATE_LIMIT_ENABLED": "false"}


def bearer(token):
    return {"Authorization": "Bearer " + token}


class AuthOutage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stores = DataStores()  # private: this test stops them
        db = cls.stores.create_database()
        # one worker, so the per-process CSRF fallback is observable deterministically
        cls.naapd = Naapd(db, cls.stores.redis_url, env=ENV, workers=1)
        cls.strict = Naapd(db, cls.stores.redis_url, env={**ENV, "LEGACY_SESSIONS": "false"},
                           workers=1, migrate=False)

    @classmethod
    def tearDownClass(cls):
        cls.strict.stop()
        cls.naapd.stop()
        cls.stores.stop()

    def register(self, email):
        r = self.naapd.request("POST", A + "/register",
                               json_body={"email": email, "password": "password1"})
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def test_forged_tokens_need_no_database(self):
        real = self.register("forged@example.com")["token"]
        forged = forged_tokens(real, self.naapd.jwt_secret)
        self.assertNotEqual(self.strict.jwt_secret, self.naapd.jwt_secret)
        self.stores.stop_pg()
        try:
            for name, token in forged.items():
                r = self.naapd.request("GET", A + "/me", headers=bearer(token), timeout=5)
                self.assertEqual((r.status, r.json()), (401, {"error": "Invalid or expired session"}),
                                 name)
                r = self.naapd.request("POST", A + "/refresh", headers=bearer(token), timeout=5)
                self.assertEqual(r.status, 401, name)
            # with legacy sessions off, an opaque token is refused without a lookup too
            for token in ("0" * 64, "jwt-0x1234567890-1700000000000", "garbage"):
                r = self.strict.request("GET", A + "/me", headers=bearer(token), timeout=5)
                self.assertEqual(r.status, 401, token)
            # the same requests that do need the database say so: 503, in JSON
            r = self.strict.request("GET", A + "/me", headers=bearer(real), timeout=5)
            self.assertEqual(r.status, 401)  # another JWT_SECRET: forged as far as it knows
            r = self.naapd.request("GET", A + "/me", headers=bearer("0" * 64), timeout=5)
            self.assertEqual((r.status, r.json()), (503, {"error": "Service temporarily unavailable"}))
            r = self.naapd.request("POST", A + "/login", timeout=5,
                                   json_body={"email": "forged@example.com", "password": "password1"})
            self.assertEqual((r.status, r.json()), (503, {"error": "Service temporarily unavailable"}))
        finally:
            self.stores.start_pg()
        wait_until(lambda: self.naapd.request("GET", "/healthz").status == 200, timeout=10,
                   what="database back")
        wait_until(lambda: self.naapd.request("GET", A + "/me", headers=bearer(real)).status == 200,
                   timeout=5, what="session usable again")

    def test_sessions_and_csrf_without_redis(self):
        token = self.register("noredis@example.com")["token"]
        self.stores.stop_redis()
        try:
            r = self.naapd.request("POST", A + "/login",
                                   json_body={"email": "noredis@example.com", "password": "password1"})
            self.assertEqual(r.status, 200, r.body)
            fresh, csrf = r.json()["token"], r.json()["csrfToken"]
            # sessions are checked against PostgreSQL directly
            self.assertEqual(self.naapd.request("GET", A + "/me", headers=bearer(token)).status, 200)
            me = self.naapd.request("GET", A + "/me", headers=bearer(fresh))
            self.assertEqual(me.json()["csrfToken"], csrf)  # this worker's memory
            ok = self.naapd.request("POST", A + "/refresh", headers={**bearer(fresh), "x-csrf-token": csrf})
            self.assertEqual(ok.status, 200, ok.body)
            bad = self.naapd.request("POST", A + "/refresh",
                                     headers={**bearer(fresh), "x-csrf-token": "0" * 64})
            self.assertEqual(bad.status, 403)
            # logout still revokes at once
            self.naapd.request("POST", A + "/logout", headers=bearer(token))
            self.assertEqual(self.naapd.request("GET", A + "/me", headers=bearer(token)).status, 401)
        finally:
            self.stores.start_redis()
        wait_until(lambda: self.naapd.request("GET", "/healthz").json()["cache"]["redisConnected"],
                   timeout=15, what="redis reconnected")
        self.assertEqual(self.naapd.request("GET", A + "/me", headers=bearer(token)).status, 401)


if __name__ == "__main__":
    unittest.main()
