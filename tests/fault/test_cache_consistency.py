"""The response cache through Redis's bad days (issue 20): an invalidation lost while Redis
was paused and the worker that lost it died; a Redis restarted from an older snapshot;
and a rolling reload, which must keep a warm cache warm. Each against a real naapd and a
private Redis the test may pause, stop and restart."""

import base64
import hashlib
import json
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import (DataStores, Naapd, RedisError, pid_alive, redis_cmd,  # noqa: E402
                      shared_stores, wait_until)
from teamfix import Team, User  # noqa: E402

ENV = {"PASSWORD_ITERATIONS": "1000", "RATE_LIMIT_ENABLED": "false"}


def team_name(r):
    assert r.status == 200, (r.status, r.body)
    return r.json()["team"]["name"]


class LostAndRolledBack(unittest.TestCase):
    def setUp(self):
        self.stores = DataStores()
        self.addCleanup(self.stores.stop)

    def warm(self, t):
        first = t.owner.req("GET", t.path)
        self.assertEqual(first.headers["X-Cache"], "MISS", first.body)
        second = t.owner.req("GET", t.path)
        self.assertEqual(second.headers["X-Cache"], "HIT")
        return team_name(second)

    def test_invalidation_lost_while_paused_survives_the_worker_that_lost_it(self):
        # One worker: the one that loses the invalidation is the one that dies, and its
        # successor is a fresh process that never saw the failure itself.
        with Naapd(self.stores.create_database(), self.stores.redis_url, env=ENV,
                   workers=1) as n:
            t = Team(n)
            old = self.warm(t)
            # writes (INCR included) wait; reads go on. The INCR naapd sends is dropped
            # with its connection when naapd's 250 ms timeout gives up on it.
            redis_cmd(self.stores.redis_url, "CLIENT", "PAUSE", "3000", "WRITE")
            r = t.owner.req("PUT", t.path, {"name": "Renamed while paused"})
            self.assertEqual(r.status, 200, r.body)
            [worker] = n.worker_pids()
            os.kill(worker, signal.SIGKILL)
            wait_until(lambda: not pid_alive(worker), timeout=5, what="worker gone")
            redis_cmd(self.stores.redis_url, "CLIENT", "UNPAUSE")
            wait_until(lambda: n.worker_pids() and n.worker_pids() != [worker], timeout=20,
                       what="a new worker")
            n.wait_healthy(timeout=20)
            # the successor must never answer the name from before the write
            for _ in range(5):
                r = t.owner.req("GET", t.path)
                self.assertNotEqual(team_name(r), old, r.headers.get("X-Cache"))
                self.assertEqual(team_name(r), "Renamed while paused")
            self.assertEqual(r.headers["X-Cache"], "HIT")  # and the cache works again

    def test_redis_restarted_from_an_older_snapshot(self):
        with Naapd(self.stores.create_database(), self.stores.redis_url, env=ENV) as n:
            t = Team(n)
            old = self.warm(t)
            redis_cmd(self.stores.redis_url, "SAVE")
            r = t.owner.req("PUT", t.path, {"name": "Renamed after SAVE"})
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(team_name(t.owner.req("GET", t.path)), "Renamed after SAVE")
            try:
                redis_cmd(self.stores.redis_url, "SHUTDOWN", "NOSAVE")
            except (RedisError, OSError, ConnectionError):
                pass  # the connection goes down with the server
            self.stores.start_redis()  # loads the dump SAVE wrote: the bump is gone
            self.assertNotEqual(redis_cmd(self.stores.redis_url, "DBSIZE"), 0)
            seen = []

            def hit_again():
                r = t.owner.req("GET", t.path)
                seen.append((r.headers.get("X-Cache"), team_name(r)))
                return r.headers.get("X-Cache") == "HIT"

            wait_until(hit_again, timeout=20, interval=0.2, what="hits after the restart")
            self.assertNotIn(old, [name for _, name in seen], seen)
            self.assertEqual({name for _, name in seen}, {"Renamed after SAVE"}, seen)


class Tombstone(unittest.TestCase):
    def test_logout_tombstone_outlives_the_slowest_session_check(self):
        # Issue 20, hole 6: a session check that read the row before a logout may write
        # its positive entry up to two statement timeouts later; a fixed 30 s tombstone
        # was gone by then with PG_STATEMENT_TIMEOUT=60s.
        stores = shared_stores()
        redis = stores.redis_db()
        env = dict(ENV, PG_STATEMENT_TIMEOUT="60s")
        with Naapd(stores.create_database(), redis, env=env, workers=1) as n:
            u = User(n)
            sid = json.loads(base64.urlsafe_b64decode(u.token.split(".")[1] + "==="))["sid"]
            self.assertEqual(u.req("POST", "/api/v1/auth/logout").status, 200)
            key = "naap:session:" + hashlib.sha256(sid.encode()).hexdigest()
            self.assertEqual(redis_cmd(redis, "GET", key), b"revoked")
            self.assertGreater(redis_cmd(redis, "PTTL", key), 2 * 60000)


class Reload(unittest.TestCase):
    def test_sighup_reload_keeps_the_hit_ratio_of_a_warm_cache(self):
        stores = shared_stores()
        with Naapd(stores.create_database(), stores.redis_db(), env=ENV, workers=2) as n:
            users = [User(n) for _ in range(6)]
            t = Team(n)
            urls = [(u, "/api/v1/auth/me") for u in users] + \
                   [(u, t.path) for u in t.users.values()]
            for u, path in urls:
                u.req("GET", path)
            # warm: every worker may answer any of them from Redis
            for u, path in urls * 2:
                self.assertEqual(u.req("GET", path).headers["X-Cache"], "HIT", path)
            old_workers = set(n.worker_pids())
            os.kill(n.pid, signal.SIGHUP)
            wait_until(lambda: "reload complete" in n.log_text(), timeout=30,
                       what="reload complete")
            # retired workers drain for a moment after the reload completes
            wait_until(lambda: not old_workers & set(n.worker_pids()), timeout=30,
                       what="every worker replaced")
            results = [u.req("GET", path).headers["X-Cache"] for u, path in urls * 2]
            self.assertEqual(results.count("HIT"), len(results), results)


if __name__ == "__main__":
    unittest.main()
