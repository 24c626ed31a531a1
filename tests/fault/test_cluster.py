"""PM2 parity under load: rolling reload, memory limit, ready handshake, sd_notify,
crash-loop backoff and worker death, against a real naapd."""

import http.client
import os
import re
import resource
import signal
import socket
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import Naapd, pid_alive, shared_stores, wait_until  # noqa: E402

# Bounded load: a few client threads on 127.0.0.1, each stopping after at most this long.
LOAD_MAX_SECONDS = 60


class Load:
    """Client threads looping GET /healthz until stopped. Half keep one connection alive
    (reconnecting when the server says Connection: close, as http.client does), half open
    a new connection per request. Every failure is recorded with its reason."""

    def __init__(self, port, clients=4, path="/healthz"):
        self.port, self.path = port, path
        self.ok = 0
        self.failures = []
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(i % 2 == 0,), daemon=True)
                        for i in range(clients)]

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(15)

    def run(self, keepalive):
        deadline = time.monotonic() + LOAD_MAX_SECONDS
        conn = None
        while not self.stop_event.is_set() and time.monotonic() < deadline:
            try:
                if conn is None or not keepalive:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", self.path)
                r = conn.getresponse()
                r.read()
                if r.status != 200:
                    raise RuntimeError(f"status {r.status}")
                if r.getheader("Connection", "").lower() == "close" or not keepalive:
                    conn.close()
                    conn = None
                with self.lock:
                    self.ok += 1
            except Exception as e:  # noqa: BLE001 - every kind of failure counts
                with self.lock:
                    self.failures.append(repr(e))
                if conn:
                    conn.close()
                conn = None
        if conn:
            conn.close()

    def wait_for(self, n):
        base = self.ok
        wait_until(lambda: self.ok >= base + n, timeout=20, what=f"{n} more requests")


def naapd(**kw):
    stores = shared_stores()
    return Naapd(stores.create_database(), stores.redis_db(), **kw)


class RollingReload(unittest.TestCase):
    def test_sighup_replaces_every_worker_with_zero_failed_requests(self):
        with naapd(workers=2) as n, Load(n.port) as load:
            old = set(n.worker_pids())
            self.assertEqual(len(old), 2)
            load.wait_for(200)
            os.kill(n.pid, signal.SIGHUP)
            wait_until(lambda: len(n.worker_pids()) == 2 and not (set(n.worker_pids()) & old),
                       timeout=20, interval=0.05, what="every worker replaced")
            self.assertIn("reload complete", wait_until(
                lambda: "reload complete" in n.log_text() and n.log_text(), timeout=10))
            load.wait_for(200)
            load.stop()
            self.assertEqual(load.failures, [])
            self.assertEqual(n.request("GET", "/healthz").json()["workers"], 2)

    def test_bad_configuration_is_refused_and_workers_keep_serving(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write("LOG_LEVEL=info\nWORKERS=2\n")
        try:
            # WORKERS comes from the file, so a reload can change it
            with naapd(workers=None, args=["--config", f.name]) as n, Load(n.port) as load:
                old = set(n.worker_pids())
                with open(f.name, "w") as g:
                    g.write("LOG_LEVEL=loud\nWORKERS=2\n")
                os.kill(n.pid, signal.SIGHUP)
                wait_until(lambda: "reload refused" in n.log_text(), timeout=5,
                           what="refusal logged")
                self.assertIn("LOG_LEVEL", n.log_text())
                load.wait_for(100)
                self.assertEqual(set(n.worker_pids()), old)

                with open(f.name, "w") as g:
                    g.write("LOG_LEVEL=info\nWORKERS=3\n")
                os.kill(n.pid, signal.SIGHUP)
                wait_until(lambda: len(n.worker_pids()) == 3 and not (set(n.worker_pids()) & old),
                           timeout=20, what="3 new workers")
                wait_until(lambda: n.request("GET", "/healthz").json()["workers"] == 3,
                           timeout=5, what="healthz to count 3 workers")
                load.stop()
                self.assertEqual(load.failures, [])
        finally:
            os.unlink(f.name)


class MemoryLimit(unittest.TestCase):
    def test_worker_over_the_limit_is_replaced_gracefully(self):
        env = {"MAX_MEMORY_RESTART": "1M", "MEMORY_CHECK_INTERVAL": "300ms"}
        with naapd(workers=2, env=env) as n, Load(n.port) as load:
            old = set(n.worker_pids())
            wait_until(lambda: not (set(n.worker_pids()) & old), timeout=20,
                       what="workers replaced for memory")
            load.wait_for(100)
            load.stop()
            self.assertEqual(load.failures, [])
            self.assertRegex(n.log_text(), r"RSS \d+ bytes over MAX_MEMORY_RESTART 1048576")


class WorkerDeath(unittest.TestCase):
    def test_kill_9_fails_at_most_that_workers_requests(self):
        clients = 4
        with naapd(workers=2) as n, Load(n.port, clients=clients) as load:
            load.wait_for(100)
            victim = n.worker_pids()[0]
            os.kill(victim, signal.SIGKILL)
            t0 = time.monotonic()
            wait_until(lambda: len(n.worker_pids()) == 2 and victim not in n.worker_pids(),
                       timeout=1.0, interval=0.02, what="replacement")
            self.assertLess(time.monotonic() - t0, 1.0)
            load.wait_for(200)
            load.stop()
            # only connections the dead worker held can fail, once each
            self.assertLessEqual(len(load.failures), clients, load.failures)


class ReadyHandshake(unittest.TestCase):
    def test_ready_stopping_reloading_watchdog_on_notify_socket(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        name = f"\0naapd-test-notify-{os.getpid()}"
        sock.bind(name)
        sock.settimeout(0.2)
        messages = []
        seen_workers_at_ready = []
        stop = threading.Event()

        def collect():
            while not stop.is_set():
                try:
                    msg = sock.recv(4096).decode()
                except socket.timeout:
                    continue
                if "READY=1" in msg and not seen_workers_at_ready:
                    seen_workers_at_ready.append(n_holder[0].log_text().count("ready in "))
                messages.append(msg)

        n_holder = [None]
        n = naapd(workers=2, start=False,
                  env={"NOTIFY_SOCKET": "@" + name[1:], "WATCHDOG_USEC": "200000"})
        n_holder[0] = n
        t = threading.Thread(target=collect, daemon=True)
        t.start()
        try:
            n.start()
            wait_until(lambda: any("READY=1" in m for m in messages), timeout=10,
                       what="READY=1")
            # READY=1 only once both workers reported ready
            self.assertEqual(seen_workers_at_ready, [2])
            first_ready = next(i for i, m in enumerate(messages) if "READY=1" in m)
            self.assertFalse(any("READY=1" in m for m in messages[:first_ready]))
            wait_until(lambda: sum("WATCHDOG=1" in m for m in messages) >= 3, timeout=5,
                       what="watchdog pings")
            os.kill(n.pid, signal.SIGHUP)
            wait_until(lambda: any("RELOADING=1" in m for m in messages), timeout=5,
                       what="RELOADING=1")
            reloading = next(i for i, m in enumerate(messages) if "RELOADING=1" in m)
            wait_until(lambda: any("READY=1" in m for m in messages[reloading + 1:]),
                       timeout=20, what="READY=1 after the reload")
            self.assertEqual(n.stop(), 0)
            self.assertTrue(any("STOPPING=1" in m for m in messages))
        finally:
            stop.set()
            t.join(5)
            sock.close()
            n.kill()


class CrashLoop(unittest.TestCase):
    def test_worker_that_cannot_start_backs_off_and_master_stays_up(self):
        # Too few file descriptors for a worker's epoll pool: every worker fails at start,
        # as with a real fd exhaustion. The master itself needs only a handful.
        def low_fd_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (7, 7))

        n = naapd(workers=1, start=False, preexec=low_fd_limit,
                  env={"WORKER_THREADS": "8"})
        try:
            n.port = __import__("naaptest").free_port()
            n._spawn()
            wait_until(lambda: len(re.findall(r"restarting in (\d+) ms", n.log_text())) >= 5,
                       timeout=15, what="five restarts")
            delays = [int(d) for d in re.findall(r"restarting in (\d+) ms", n.log_text())]
            self.assertEqual(delays[:5], [100, 150, 225, 337, 505])
            self.assertIsNone(n.proc.poll(), "master exited")
            self.assertTrue(pid_alive(n.pid))
            self.assertIn("exit status 2", n.log_text())
            self.assertEqual(n.stop(), 0)
        finally:
            n.kill()


if __name__ == "__main__":
    unittest.main()
