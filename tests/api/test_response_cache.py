"""Response cache over real HTTP, PostgreSQL and Redis: GET /auth/me (per session, 300 s)."""

import base64
import gzip
import hashlib
import json
import os
import sys
import threading
import time
import unittest
from datetime import datetime
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import (DataStores, Naapd, express_etag, psql, redis_cmd,  # noqa: E402
                      shared_stores, wait_until)

ENV = {"PASSWORD_ITERATIONS": "1000", "RATE_LIMIT_ENABLED": "false"}


def register(n, email, password="password1"):
    r = n.request("POST", "/api/v1/auth/register",
                  json_body={"email": email, "password": password})
    assert r.status == 200, r.body
    return r.json()


def sid_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sid"]


def session_key(token):
    return "naap:session:" + hashlib.sha256(sid_of(token).encode()).hexdigest()


def csrf_key(token):
    return "naap:csrf:" + hashlib.sha256(sid_of(token).encode()).hexdigest()


def me(n, token, **headers):
    return n.request("GET", "/api/v1/auth/me",
                     headers={"Authorization": f"Bearer {token}", **headers})


class MeCache(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        stores = shared_stores()
        cls.db = stores.create_database()
        cls.naapd = Naapd(cls.db, stores.redis_db(), env=ENV)

    @classmethod
    def tearDownClass(cls):
        cls.naapd.stop()

    def test_miss_then_hit_with_the_same_body(self):
        token = register(self.naapd, "hit@example.com")["token"]
        first = me(self.naapd, token)
        self.assertEqual(first.status, 200, first.body)
        self.assertEqual(first.headers["X-Cache"], "MISS")
        second = me(self.naapd, token)
        self.assertEqual(second.headers["X-Cache"], "HIT")
        self.assertEqual(second.body, first.body)
        # the hit's tag is the one its miss sent (stored with the entry), Express's own
        self.assertEqual(second.headers["ETag"], first.headers["ETag"])
        self.assertEqual(first.headers["ETag"], express_etag(first.body))
        self.assertEqual(second.headers["Cache-Control"], "no-store, no-cache, must-revalidate")
        # gzip of a hit decompresses to the identity body (stored compressed once)
        z = me(self.naapd, token, **{"Accept-Encoding": "gzip"})
        self.assertEqual(z.headers["X-Cache"], "HIT")
        if z.headers.get("Content-Encoding") == "gzip":
            self.assertEqual(gzip.decompress(z.body), first.body)

    def test_matching_etag_gets_304(self):
        token = register(self.naapd, "etag@example.com")["token"]
        first = me(self.naapd, token)
        etag = first.headers["ETag"]
        self.assertRegex(etag, r'^W/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$')
        r = me(self.naapd, token, **{"If-None-Match": etag})
        self.assertEqual(r.status, 304)
        self.assertEqual(r.body, b"")
        self.assertEqual(r.headers["ETag"], etag)
        self.assertEqual(r.headers["X-Cache"], "HIT")
        r = me(self.naapd, token, **{"If-None-Match": 'W/"0-nope"'})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, first.body)

    def test_one_users_answer_never_reaches_another(self):
        a = register(self.naapd, "alice@example.com")
        b = register(self.naapd, "bob@example.com")
        for _ in range(3):
            self.assertEqual(me(self.naapd, a["token"]).json()["user"]["id"], a["user"]["id"])
            rb = me(self.naapd, b["token"]).json()
            self.assertEqual(rb["user"]["id"], b["user"]["id"])
            self.assertEqual(rb["user"]["email"], "bob@example.com")
        # two sessions of one user are cached apart too (each has its own csrfToken)
        a2 = self.naapd.request("POST", "/api/v1/auth/login",
                                json_body={"email": "alice@example.com", "password": "password1"})
        t2 = a2.json()["token"]
        self.assertEqual(me(self.naapd, t2).json()["csrfToken"], a2.json()["csrfToken"])
        self.assertEqual(me(self.naapd, a["token"]).json()["csrfToken"], a["csrfToken"])

    def test_logout_is_not_served_from_the_cache(self):
        token = register(self.naapd, "logout@example.com")["token"]
        me(self.naapd, token)
        self.assertEqual(me(self.naapd, token).headers["X-Cache"], "HIT")
        r = self.naapd.request("POST", "/api/v1/auth/logout",
                               headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(r.status, 200)
        for _ in range(10):
            r = me(self.naapd, token)
            self.assertEqual(r.status, 401, r.body)
            self.assertNotEqual(r.headers.get("X-Cache"), "HIT")

    def test_refresh_is_visible_on_the_very_next_read(self):
        reg = register(self.naapd, "refresh@example.com")
        token = reg["token"]
        before = me(self.naapd, token)
        self.assertEqual(me(self.naapd, token).headers["X-Cache"], "HIT")
        time.sleep(0.01)
        r = self.naapd.request("POST", "/api/v1/auth/refresh",
                               headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(r.status, 200, r.body)
        after = me(self.naapd, token)
        self.assertEqual(after.headers["X-Cache"], "MISS")
        self.assertEqual(after.json()["expiresAt"], r.json()["expiresAt"])
        self.assertNotEqual(after.json()["expiresAt"], before.json()["expiresAt"])

    def test_refresh_racing_me_leaves_no_old_expiry_cached(self):
        # Issue 20, hole 4. A GET /auth/me resolved its session (old expiry) just before a
        # refresh committed, and read the generations just after the refresh bumped them:
        # its answer, with the old expiry, lands under the new generation. Reproduced by
        # handing one request the old session view (the session cache entry it would have
        # read) after a real refresh.
        reg = register(self.naapd, "race@example.com")
        token, user_id = reg["token"], reg["user"]["id"]
        before = me(self.naapd, token).json()
        time.sleep(0.01)
        r = self.naapd.request("POST", "/api/v1/auth/refresh",
                               headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(r.status, 200, r.body)
        fresh = r.json()["expiresAt"]
        self.assertNotEqual(fresh, before["expiresAt"])
        old_ms = round(datetime.fromisoformat(
            before["expiresAt"].replace("Z", "+00:00")).timestamp() * 1000)
        view = json.dumps({"u": user_id, "e": old_ms, "l": int(time.time() * 1000)})
        redis_cmd(self.naapd.redis_url, "SET", session_key(token), view, "PX", "5000")
        raced = me(self.naapd, token)
        self.assertEqual(raced.json()["expiresAt"], before["expiresAt"])  # its own view
        redis_cmd(self.naapd.redis_url, "DEL", session_key(token))  # gone within 5 s
        for _ in range(4):
            after = me(self.naapd, token)
            self.assertEqual(after.json()["expiresAt"], fresh, after.headers["X-Cache"])

    def test_csrf_token_gone_from_redis_is_never_served_from_the_cache(self):
        # Issue 20, hole 5: Redis expired or evicted the token while an answer showing it
        # was cached; the client would send it and get 403s for the rest of the TTL.
        reg = register(self.naapd, "csrf-gone@example.com")
        token = reg["token"]
        old = me(self.naapd, token).json()["csrfToken"]
        self.assertEqual(me(self.naapd, token).headers["X-Cache"], "HIT")
        self.assertEqual(redis_cmd(self.naapd.redis_url, "DEL", csrf_key(token)), 1)
        r = me(self.naapd, token)
        self.assertNotEqual(r.headers["X-Cache"], "HIT")
        new = r.json()["csrfToken"]
        self.assertNotEqual(new, old)
        self.assertEqual(redis_cmd(self.naapd.redis_url, "GET", csrf_key(token)), new.encode())
        ok = self.naapd.request("POST", "/api/v1/auth/refresh",
                                headers={"Authorization": f"Bearer {token}", "x-csrf-token": new})
        self.assertEqual(ok.status, 200, ok.body)
        r = me(self.naapd, token)
        self.assertEqual(r.json()["csrfToken"], new)

    def test_csrf_token_is_renewed_on_issue(self):
        token = register(self.naapd, "csrf-renew@example.com")["token"]
        redis_cmd(self.naapd.redis_url, "EXPIRE", csrf_key(token), "60")
        me(self.naapd, token)  # a miss: issues the token again
        self.assertGreater(redis_cmd(self.naapd.redis_url, "TTL", csrf_key(token)), 86000)

    def test_session_deleted_elsewhere_stops_hits_within_5s(self):
        token = register(self.naapd, "deleted@example.com")["token"]
        me(self.naapd, token)
        self.assertEqual(me(self.naapd, token).headers["X-Cache"], "HIT")
        psql(self.db, "DELETE FROM \"Session\" WHERE \"userId\" = "
                      "(SELECT id FROM \"User\" WHERE email = 'deleted@example.com')")
        wait_until(lambda: me(self.naapd, token).status == 401, timeout=5.5, interval=0.1,
                   what="401 after the row was deleted")

    def test_fifty_concurrent_misses_make_one_database_query(self):
        # counted in PostgreSQL's own statement log of a private cluster
        stores = DataStores()
        try:
            db = stores.create_database()
            with Naapd(db, stores.redis_url, env=ENV, workers=2) as n:
                token = register(n, "stampede@example.com")["token"]
                dbname = db.rsplit("/", 1)[1]
                psql(stores.admin_url, f'ALTER DATABASE "{dbname}" SET log_statement = \'all\'')
                n.stop()
                log = Path((stores.state_dir / "pg_root").read_text().strip()) / "postgres.log"
                n.start()  # new connections pick the setting up
                mark = log.stat().st_size
                barrier = threading.Barrier(50)
                results = []

                def call():
                    barrier.wait()
                    results.append(me(n, token, timeout=15))

                threads = [threading.Thread(target=call) for _ in range(50)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join(30)
                self.assertEqual([r.status for r in results], [200] * 50)
                self.assertEqual({r.body for r in results}.__len__(), 1)
                self.assertEqual(sum(r.headers["X-Cache"] == "MISS" for r in results), 1)
                with open(log, "rb") as f:
                    f.seek(mark)
                    text = f.read().decode(errors="replace")
                self.assertEqual(text.count('FROM "UserRole"'), 1, text[-3000:])
        finally:
            stores.stop()


class MeCacheWithoutRedis(unittest.TestCase):
    def test_redis_down_means_correct_misses_then_hits_resume(self):
        stores = DataStores()
        try:
            with Naapd(stores.create_database(), stores.redis_url, env=ENV) as n:
                token = register(n, "outage@example.com")["token"]
                good = me(n, token).json()
                stores.stop_redis()
                for _ in range(6):
                    r = me(n, token)
                    self.assertEqual(r.status, 200, r.body)
                    self.assertEqual(r.headers["X-Cache"], "MISS")
                    self.assertEqual(r.json()["user"], good["user"])
                stores.start_redis()
                wait_until(lambda: all(me(n, token).headers["X-Cache"] == "HIT" for _ in range(8)),
                           timeout=20, interval=0.5, what="hits after Redis returned")
        finally:
            stores.stop()


if __name__ == "__main__":
    unittest.main()
