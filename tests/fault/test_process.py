"""Worker death, graceful stop and the kill timeout, against a real naapd."""

import os
import signal
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import Naapd, pid_alive, shared_stores, wait_until  # noqa: E402


def start_slow_upload(port, path="/api/v1/slow-upload"):
    """Opens a request whose body is still on its way; returns the socket and the rest."""
    body = b'{"hello":"world"}'
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    s.sendall(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: t\r\n"
              b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
              + body[:5])
    return s, body[5:]


def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


class Process(unittest.TestCase):
    def naapd(self, **env):
        stores = shared_stores()
        return Naapd(stores.create_database(), stores.redis_db(), workers=2, env=env)

    def test_killed_worker_is_replaced_within_a_second(self):
        n = self.naapd()
        try:
            wait_until(lambda: len(n.worker_pids()) == 2, timeout=5, what="2 workers")
            old = sorted(n.worker_pids())
            os.kill(old[0], signal.SIGKILL)
            t0 = time.monotonic()
            wait_until(lambda: len(set(n.worker_pids()) - set(old)) == 1
                       and n.request("GET", "/healthz").json()["workers"] == 2,
                       timeout=1.0, interval=0.02, what="replacement worker")
            self.assertLess(time.monotonic() - t0, 1.0)
            for _ in range(20):
                self.assertEqual(n.request("GET", "/healthz").status, 200)
            self.assertIn("died", n.log_text())
            self.assertIn("signal 9", n.log_text())
        finally:
            self.assertEqual(n.stop(), 0)

    def test_sigterm_exits_zero_and_reaps_workers(self):
        n = self.naapd()
        workers = n.worker_pids()
        self.assertEqual(len(workers), 2)
        self.assertEqual(n.stop(signal.SIGTERM), 0)
        self.assertEqual(n.leftover_pids, [])
        self.assertFalse(any(pid_alive(p) for p in workers))

    def test_sigint_exits_zero(self):
        n = self.naapd()
        self.assertEqual(n.stop(signal.SIGINT), 0)

    def test_in_flight_request_finishes_during_stop(self):
        n = self.naapd()
        s, rest = start_slow_upload(n.port)
        try:
            time.sleep(0.3)  # the request is in flight: headers read, body incomplete
            os.kill(n.pid, signal.SIGTERM)
            time.sleep(0.5)
            # stopped accepting: a new connection is refused or never answered
            self.assertTrue(pid_alive(n.pid), "master exited with a request in flight")
            s.sendall(rest)
            resp = read_response(s)
            self.assertTrue(resp.startswith(b"HTTP/1.1 404"), resp[:100])  # no such route
            self.assertIn(b"Connection: close", resp)
        finally:
            s.close()
        self.assertEqual(n.stop(timeout=10), 0)

    def test_kill_timeout_forces_exit_one(self):
        n = self.naapd(KILL_TIMEOUT="1500ms")
        s, _ = start_slow_upload(n.port)
        try:
            time.sleep(0.3)
            t0 = time.monotonic()
            code = n.stop(signal.SIGTERM, timeout=10)
            elapsed = time.monotonic() - t0
        finally:
            s.close()
        self.assertEqual(code, 1)
        self.assertGreaterEqual(elapsed, 1.4)
        self.assertLess(elapsed, 4.0)
        # the worker gives up on its own at the deadline, or the master SIGKILLs it
        self.assertRegex(n.log_text(), r"cut off|SIGKILL")

    def test_workers_die_with_the_master(self):
        n = self.naapd()
        workers = n.worker_pids()
        self.assertEqual(len(workers), 2)
        os.kill(n.pid, signal.SIGKILL)
        n.proc.wait()
        wait_until(lambda: not any(pid_alive(p) for p in workers), timeout=5,
                   what="orphaned workers to exit")


if __name__ == "__main__":
    unittest.main()
