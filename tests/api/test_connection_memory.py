"""Resident memory of open connections (issue 15): what each keep-alive connection costs a
worker, and that the memory is given back once the connections have closed."""

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import NaapdTestCase, wait_until  # noqa: E402

CONNS = 400
REQUEST = b"GET /api/v1/auth/providers HTTP/1.1\r\nHost: t\r\n\r\n"


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def read_response(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise AssertionError("connection closed before a response")
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    length = next(int(l.split(b":")[1]) for l in head.split(b"\r\n")
                  if l.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += s.recv(65536)
    return head.split(b"\r\n")[0]


class ConnectionMemory(NaapdTestCase):
    naapd_workers = 1
    naapd_env = {"RATE_LIMIT_ENABLED": "false"}

    def setUp(self):
        self.worker = self.naapd.worker_pids()[0]
        with open(f"/proc/{self.worker}/maps") as f:
            maps = f.read()
        if "libasan" in maps or "vgpreload" in maps:
            self.skipTest("resident memory means nothing under ASan or valgrind")

    def test_connections_cost_their_pool_and_give_it_back(self):
        self.assertEqual(self.naapd.request("GET", "/api/v1/auth/providers").status, 200)
        time.sleep(1.5)  # past a trim tick, so the baseline is settled
        idle = rss_kb(self.worker)
        socks = []
        try:
            for _ in range(CONNS):
                socks.append(socket.create_connection(("127.0.0.1", self.naapd.port), timeout=10))
            # two requests each: libmicrohttpd zeroes (touches) the whole pool between them
            for _ in range(2):
                for s in socks:
                    s.sendall(REQUEST)
                for s in socks:
                    self.assertEqual(read_response(s), b"HTTP/1.1 200 OK")
            per_conn = (rss_kb(self.worker) - idle) / CONNS
            # 32 KB of connection memory (plus socket bookkeeping); it was 64 KB
            self.assertLess(per_conn, 44, f"{per_conn:.1f} kB resident per open connection")
        finally:
            for s in socks:
                s.close()
        # the worker trims once a second after a drop of connections
        wait_until(lambda: rss_kb(self.worker) < idle + CONNS * 8, timeout=6,
                   what=f"RSS back near the idle {idle} kB (now {rss_kb(self.worker)} kB)")


if __name__ == "__main__":
    unittest.main()
