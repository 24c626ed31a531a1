"""Store faults under a steady read/write load (issue 16), each ending with the ledger
check: every write the client was told succeeded is in PostgreSQL, and no multi-row
change is half-applied (tests/harness/ledger.py).

- Redis SIGKILLed: zero 5xx, reads stay correct (cache MISS, rate limits in memory);
  restarted: a keep-alive client sees a cache HIT again within 2 s.
- PostgreSQL restarted: 503 JSON during the outage, none slower than the statement
  timeout plus the connect timeout, 200 within 5 s after it is back, no worker dies.
- A lock the test holds on "Team" past the statement timeout: 503/504 JSON in bounded
  time; once released, the same connections serve again.

The existing outage tests (test_datastore_outage.py) stop the stores with /healthz as the
only client; these add writes, the ledger and the time bounds.
"""

import os
import http.client
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from ledger import Client, WriteLoad  # noqa: E402
from naaptest import DataStores, Naapd, redis_cmd, request, wait_until  # noqa: E402
from teamfix import seed_core_package  # noqa: E402

STATEMENT_TIMEOUT_S = 1
CONNECT_TIMEOUT_S = 2
# Rate limiting stays on (it must fall back to memory when Redis dies), with budgets the
# load cannot exhaust.
ENV = {"PASSWORD_ITERATIONS": "1000", "RATE_LIMIT_STANDARD_POINTS": "1000000",
       "RATE_LIMIT_STRICT_POINTS": "100000", "PG_STATEMENT_TIMEOUT": f"{STATEMENT_TIMEOUT_S}s",
       "PG_CONNECT_TIMEOUT": f"{CONNECT_TIMEOUT_S}s"}
# An answer slower than this during a store fault counts as a hang. Generous: the
# bound that matters is "not unbounded"; two cores are shared with other test runs.
HANG_S = STATEMENT_TIMEOUT_S + CONNECT_TIMEOUT_S + 1 + 6


class StoreFaultsUnderLoad(unittest.TestCase):
    def setUp(self):
        self.stores = DataStores()  # private: these tests kill and restart them
        self.addCleanup(self.stores.stop)
        self.db = self.stores.create_database()
        self.n = Naapd(self.db, self.stores.redis_url, env=ENV, workers=2)
        self.addCleanup(self.n.kill)
        seed_core_package(self.db)  # team creation is then a multi-row write
        self.workers = sorted(self.n.worker_pids())

    def finish(self, load):
        load.stop()
        self.assertEqual(load.unexpected, [], "4xx or non-JSON errors under load")
        self.assertEqual(load.wrong_reads, [], "a read contradicted an acknowledged write")
        self.assertEqual(load.verify(self.db), [])
        self.assertEqual(sorted(self.n.worker_pids()), self.workers, "a worker died")
        self.n.stop()

    def kill_redis(self):
        pid = int((self.stores.state_dir / "redis" / "redis.pid").read_text().strip())
        os.kill(pid, signal.SIGKILL)  # a pid of the private Redis this test started
        wait_until(lambda: not os.path.exists(f"/proc/{pid}/status") or
                   "zombie" in open(f"/proc/{pid}/status").read(), timeout=10,
                   what="redis gone")

    def test_redis_killed_then_restarted(self):
        quiet = Client(self.n)
        with WriteLoad(self.n) as load:
            load.wait_for(100)
            self.kill_redis()
            hits_before = load.hits
            load.wait_for(200)  # all of it without Redis
            self.assertFalse(self.n.request("GET", "/healthz").json()["cache"]["redisConnected"])
            self.stores.start_redis()
            redis_cmd(self.stores.redis_url, "PING")
            back = time.monotonic()
            # one keep-alive client on a team nobody writes: its connection stays on one
            # worker thread, which must reconnect, store and serve a cached answer in 2 s
            first_hit = None
            conn = http.client.HTTPConnection("127.0.0.1", self.n.port, timeout=10)
            try:
                while time.monotonic() - back < 10:
                    conn.request("GET", f"/api/v1/teams/{quiet.team_id}",
                                 headers={"Authorization": "Bearer " + quiet.token})
                    r = conn.getresponse()
                    r.read()
                    self.assertEqual(r.status, 200)
                    if r.getheader("X-Cache") == "HIT":
                        first_hit = time.monotonic() - back
                        break
                    time.sleep(0.05)
            finally:
                conn.close()
            self.assertIsNotNone(first_hit, "no cache HIT within 10 s of Redis's restart")
            self.assertLess(first_hit, 2.0, "cache HITs resumed too late after Redis restart")
            load.wait_for(100)
        self.assertEqual(load.server_errors(), [], "5xx or dropped requests with Redis dead")
        self.assertGreater(hits_before, 0, "the load never hit the cache before the fault")
        self.finish(load)

    def test_postgres_restarted(self):
        with WriteLoad(self.n) as load:
            load.wait_for(100)
            load.slow_after = HANG_S
            errors_before = len(load.errors)
            self.stores.stop_pg()
            down = time.monotonic()
            # every client gets answers (503s) while PostgreSQL is down
            wait_until(lambda: len(load.errors) >= errors_before + 20, timeout=60,
                       what="503s during the outage")
            r = self.n.request("GET", "/api/v1/teams", timeout=HANG_S + 5,
                               headers={"Authorization": "Bearer " + load.clients[0].token})
            self.assertEqual(r.status, 503, r.body)
            self.assertIsInstance(r.json()["error"], (str, dict))
            self.stores.start_pg()
            up = time.monotonic()
            wait_until(lambda: self.n.request("GET", "/healthz", timeout=5).status == 200,
                       timeout=5, what="healthz 200 within 5 s of PostgreSQL's restart")
            ok_at = load.ok
            wait_until(lambda: load.ok >= ok_at + 50, timeout=30, what="load served again")
            self.assertLess(time.monotonic() - down, 120)
            del up
        during = [e for e in load.errors[errors_before:]]
        self.assertTrue(during)
        self.assertEqual([e for e in during if e[1] != 503], [],
                         "only 503 (JSON) during the outage: no resets, no other 5xx")
        self.assertEqual(load.slow, [], "answers slower than the statement/connect timeouts")
        self.finish(load)

    def test_lock_held_past_the_statement_timeout(self):
        with WriteLoad(self.n) as load:
            load.wait_for(100)
            load.slow_after = HANG_S
            errors_before = len(load.errors)
            # The test's own session holds an exclusive lock on "Team" for 4 statement
            # timeouts: every team read and write queues behind it and is cancelled.
            holder = subprocess.Popen(
                ["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", "-d", self.db, "-c",
                 "BEGIN; LOCK TABLE \"Team\" IN ACCESS EXCLUSIVE MODE; "
                 f"SELECT pg_sleep({4 * STATEMENT_TIMEOUT_S}); COMMIT;"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                wait_until(lambda: len(load.errors) >= errors_before + 4, timeout=30,
                           what="timeouts while the lock is held")
                self.assertEqual(holder.wait(60), 0, holder.stderr.read())
            finally:
                if holder.poll() is None:
                    holder.kill()
                    holder.wait()
            ok_at = load.ok
            wait_until(lambda: load.ok >= ok_at + 100, timeout=30, what="load served again")
        during = load.errors[errors_before:]
        self.assertEqual([e for e in during if e[1] not in (503, 504)], [],
                         "a held lock answers 503/504 JSON, nothing else")
        self.assertEqual(load.slow, [], "answers slower than the statement timeout allows")
        # the connections that were cancelled serve again: no errors after the release
        self.assertEqual(request("GET", self.n.url + "/healthz").status, 200)
        self.finish(load)


if __name__ == "__main__":
    unittest.main()
