"""The Redis read-ahead (src/middleware/prefetch.c) over real HTTP, PostgreSQL and Redis.

A request's limiter count, session check and cache lookup are sent to Redis in one
pipeline before they are asked for. These tests pin down what that must never change:
a revoked session is never answered from the cache, a wrong guess of whose answer to read
is never served, and the limiter counts every request exactly once.
"""

import os
import secrets
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import psql  # noqa: E402
from teamfix import TeamCase, User, seed_package  # noqa: E402


def legacy_session(db, user_id):
    """An opaque base-svc style token with its Session row, valid for an hour."""
    token = "legacy-" + secrets.token_hex(20)
    psql(db, "INSERT INTO \"Session\" (id, \"userId\", token, \"expiresAt\", \"createdAt\", "
             f"\"lastUsedAt\") VALUES ('{uuid.uuid4()}', '{user_id}', '{token}', "
             "now() AT TIME ZONE 'UTC' + interval '1 hour', now() AT TIME ZONE 'UTC', "
             "now() AT TIME ZONE 'UTC')")
    return token


def get(naapd, path, token):
    return naapd.request("GET", path, headers={"Authorization": f"Bearer {token}"})


class ReadAheadCache(TeamCase):
    # one worker: the guess of an opaque token's user is per worker, and the second request
    # must meet the one the first taught
    naapd_workers = 1
    naapd_env = {"PASSWORD_ITERATIONS": "1000", "RATE_LIMIT_ENABLED": "true",
                 "RATE_LIMIT_STANDARD_POINTS": "100000", "RATE_LIMIT_STRICT_POINTS": "100000",
                 "SESSION_CACHE_TTL": "300"}

    def setUp(self):
        self.t = self.team()
        seed_package(self.db, name="ra-" + secrets.token_hex(4))
        self.path = self.t.path + "/my-plugins"

    def warm(self, token):
        first = get(self.naapd, self.path, token)
        second = get(self.naapd, self.path, token)
        self.assertEqual((first.status, first.headers.get("X-Cache")), (200, "MISS"), first.body)
        self.assertEqual((second.status, second.headers.get("X-Cache")), (200, "HIT"),
                         second.body)
        return second

    def test_logout_of_an_opaque_token_is_never_answered_from_the_cache(self):
        token = legacy_session(self.db, self.t.users["member"].id)
        self.warm(token)
        r = self.naapd.request("POST", "/api/v1/auth/logout",
                               headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(r.status, 200, r.body)
        r = get(self.naapd, self.path, token)
        self.assertEqual(r.status, 401, r.body)
        self.assertNotEqual(r.headers.get("X-Cache"), "HIT")

    def test_logout_of_a_jwt_is_never_answered_from_the_cache(self):
        member = self.t.users["member"]
        self.warm(member.token)
        self.assertEqual(member.req("POST", "/api/v1/auth/logout").status, 200)
        r = member.req("GET", self.path)
        self.assertEqual(r.status, 401, r.body)
        self.assertNotEqual(r.headers.get("X-Cache"), "HIT")

    def test_a_wrong_guess_of_the_user_is_never_served(self):
        # the token's row moves to a user outside the team: the worker still guesses the
        # member (and reads the member's cached answer ahead), but must answer for the
        # user the row names now
        token = legacy_session(self.db, self.t.users["member"].id)
        warm = self.warm(token)
        outsider = User(self.naapd)
        psql(self.db, f"UPDATE \"Session\" SET \"userId\" = '{outsider.id}' "
                      f"WHERE token = '{token}'")
        time.sleep(0.5)  # past SESSION_CACHE_TTL: the next check reads the row
        r = get(self.naapd, self.path, token)
        self.assertEqual(r.status, 403, r.body)
        self.assertNotEqual(r.body, warm.body)
        self.assertNotEqual(r.headers.get("X-Cache"), "HIT")

    def test_a_write_in_between_is_seen_by_the_next_read(self):
        member = self.t.users["member"]
        self.warm(member.token)
        pid, _ = seed_package(self.db, name="ra-new-" + secrets.token_hex(4))
        name = self.sql(f"SELECT name FROM \"PluginPackage\" WHERE id = '{pid}'")
        r = self.t.owner.req("POST", self.t.path + "/plugins", {"packageName": name})
        self.assertEqual(r.status, 201, r.body)
        r = member.req("GET", self.path)
        self.assertEqual(r.status, 200, r.body)
        names = [p["deployment"]["package"]["name"] for p in r.json()["plugins"]]
        self.assertIn(name, names)


class ReadAheadLimiter(TeamCase):
    naapd_workers = 1
    naapd_env = {"PASSWORD_ITERATIONS": "1000", "RATE_LIMIT_ENABLED": "true",
                 "RATE_LIMIT_STANDARD_POINTS": "6", "RATE_LIMIT_STRICT_POINTS": "100000"}

    def remaining(self, r):
        return int(r.headers["X-RateLimit-Remaining"])

    def test_each_request_is_counted_once_hit_or_miss(self):
        t = self.team()
        member = t.users["member"]
        seen = []
        for _ in range(6):
            r = member.req("GET", t.path + "/my-plugins")
            self.assertEqual(r.status, 200, r.body)
            seen.append(self.remaining(r))
        self.assertEqual(seen, [5, 4, 3, 2, 1, 0])
        r = member.req("GET", t.path + "/my-plugins")
        self.assertEqual(r.status, 429, r.body)

    def test_an_opaque_token_is_counted_once_by_address(self):
        # a fresh naapd: the address bucket is shared by every opaque-token caller
        t = self.team()
        token = legacy_session(self.db, t.users["viewer"].id)
        first = self.remaining(get(self.naapd, t.path + "/my-plugins", token))
        for i in range(1, 3):
            r = get(self.naapd, t.path + "/my-plugins", token)
            self.assertEqual(self.remaining(r), max(first - i, 0), r.body)

    def test_a_revoked_jwt_counts_in_its_users_bucket(self):
        t = self.team()
        member = t.users["member"]
        r = self.naapd.request("POST", "/api/v1/auth/login",
                               json_body={"email": member.email, "password": "password1"})
        self.assertEqual(r.status, 200, r.body)
        second = r.json()["token"]
        self.assertEqual(member.req("POST", "/api/v1/auth/logout").status, 200)
        # logout itself was the first standard-tier request of this user
        r = member.req("GET", t.path + "/my-plugins")
        self.assertEqual(r.status, 401, r.body)
        self.assertEqual(self.remaining(r), 4)
        r = get(self.naapd, t.path + "/my-plugins", second)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.remaining(r), 3)


if __name__ == "__main__":
    unittest.main()
