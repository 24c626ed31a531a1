"""Abuse over HTTP on every route (issue 16): oversized bodies, headers and URLs, deep
JSON, invalid UTF-8, NUL bytes, SQL-looking strings and path traversal, sent to each row
of the route table (read from src/api/routes.c, so a new route is covered by itself)
with real ids of a caller who may use it; then slowloris, 1 000 concurrent connections
and pipelined garbage. Each answer is a 4xx JSON error (or, for a harmless string, a
success that stored it as text) or a closed connection; no worker dies and /healthz
still answers. test_bad_input.py throws seeded garbage at the auth routes; this covers
the whole table with the named attacks.
"""

import http.client
import json
import os
import re
import resource
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import PROJECT, Naapd, psql, shared_stores, wait_until  # noqa: E402
from teamfix import Team, seed_core_package, seed_package  # noqa: E402

HTTP_TIMEOUT_S = 2
ENV = {"PASSWORD_ITERATIONS": "1000", "RATE_LIMIT_ENABLED": "false",
       "HTTP_TIMEOUT": f"{HTTP_TIMEOUT_S}s"}
CLOSED = "closed"


def route_table():
    text = (PROJECT / "src" / "api" / "routes.c").read_text()
    return re.findall(r'\{"(GET|POST|PUT|PATCH|DELETE)", "([^"]+)"', text)


def raw(port, data, timeout=10, read_all=False):
    """Send bytes, return what came back (b"" when the server closed without a word)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
                if not read_all and b"\r\n\r\n" in out:
                    break
        except (ConnectionResetError, socket.timeout):
            pass
        return out


def status_of(reply):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
    return int(m.group(1)) if m else None


class Abuse(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        stores = shared_stores()
        cls.db = stores.create_database()
        cls.n = Naapd(cls.db, stores.redis_db(), env=ENV, workers=2)
        seed_core_package(cls.db)
        cls.pkg = "abuse-pkg"
        seed_package(cls.db, name=cls.pkg)
        cls.team = Team(cls.n)
        cls.token = cls.team.owner.token
        install = psql(cls.db, f"SELECT id FROM \"TeamPluginInstall\" WHERE \"teamId\" = "
                               f"'{cls.team.id}' LIMIT 1").strip()
        cls.ids = {"teamId": cls.team.id, "memberId": cls.team.member_ids["member"],
                   "installId": install, "pluginInstallId": install, "name": cls.pkg,
                   "version": "1.0.0", "provider": "github"}
        cls.workers = sorted(cls.n.worker_pids())

    @classmethod
    def tearDownClass(cls):
        cls.n.stop()

    def setUp(self):
        self.token = self.login()

    def login(self):
        r = self.n.request("POST", "/api/v1/auth/login", json_body={
            "email": self.team.owner.email, "password": "password1"})
        self.assertEqual(r.status, 200, r.body)
        return r.json()["token"]

    def tearDown(self):
        self.assertEqual(self.n.request("GET", "/healthz", timeout=15).status, 200)
        self.assertEqual(sorted(self.n.worker_pids()), self.workers, "a worker died")

    def path(self, pattern, value=None):
        if pattern == "/api/v1/teams/:teamId" and value is None:
            # every method of this path: DELETE with a body it ignores would delete the
            # team the other routes use
            return f"/api/v1/teams/{Team(self.n).id}"
        return re.sub(r":(\w+)", lambda m: value if value is not None else self.ids[m.group(1)],
                      pattern)

    def send(self, method, path, body=None, headers=None, ctype="application/json"):
        """(status or CLOSED, parsed JSON body or None)."""
        token = self.token
        if "/auth/logout" in path or "/auth/reset-password" in path:
            token = self.login()  # these may revoke the session they are sent with
        h = {"Authorization": "Bearer " + token, **(headers or {})}
        if body is not None:
            h["Content-Type"] = ctype
        conn = http.client.HTTPConnection("127.0.0.1", self.n.port, timeout=20)
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected):
            return CLOSED, None
        finally:
            conn.close()
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            doc = "not json: " + repr(data[:100])
        return r.status, doc

    def assert4xx(self, what, result, allow_success=False):
        status, doc = result
        if status == CLOSED:
            return
        ok = 400 <= status < 500 or (allow_success and status < 400)
        self.assertTrue(ok, (what, status, doc))
        # past its connection memory libmicrohttpd answers 413/414/431 itself, in HTML,
        # before naapd sees the request (decisions.md "Bad input")
        if status >= 400 and status not in (413, 414, 431):
            self.assertIsInstance(doc, dict, (what, status))

    def test_every_route_refuses_hostile_bodies(self):
        big = b'{"name":"' + b"a" * (200 * 1024) + b'"}'
        deep = b'{"a":' * 5000 + b"1" + b"}" * 5000
        cases = {"oversized body": big, "deep JSON": deep,
                 "invalid UTF-8": b'{"name":"\xff\xfe\xc0\xaf","email":"\xed\xa0\x80"}',
                 "NUL escape": b'{"name":"a\\u0000b","slug":"a\\u0000b","email":"a\\u0000@b"}',
                 "raw NUL": b'{"name":"a\x00b"}', "truncated": b'{"name":',
                 "not an object": b'[1,2,3]'}
        for method, pattern in route_table():
            if method == "GET":
                continue
            for what, body in cases.items():
                with self.subTest(route=f"{method} {pattern}", case=what):
                    # "not an object" is {} to routes with no required field (as upstream)
                    self.assert4xx(what, self.send(method, self.path(pattern), body),
                                   allow_success=what == "not an object")
            with self.subTest(route=f"{method} {pattern}", case="wrong content type"):
                self.assert4xx("ctype", self.send(method, self.path(pattern), b"name=x",
                                                  ctype="application/x-www-form-urlencoded"))

    def test_every_route_takes_hostile_strings_as_text(self):
        hostile = ["' OR '1'='1", "x'; DROP TABLE \"Team\"; --", "../../../etc/passwd",
                   "..%2f..%2fetc%2fpasswd", "%00", "\u202e\ufeff", "a" * 300]
        for method, pattern in route_table():
            for s in hostile:
                enc = urllib_quote(s)
                with self.subTest(route=f"{method} {pattern}", param=s[:20]):
                    path = self.path(pattern, enc) if ":" in pattern else pattern
                    path += "?limit=1%27--&search=" + enc + "&offset=0"
                    body = json.dumps({"name": s, "slug": s, "email": s, "role": s,
                                       "pluginName": s, "config": {s: s}}).encode()
                    self.assert4xx(s, self.send(method, path, body if method != "GET" else None),
                                   allow_success=True)
        self.assertEqual(psql(self.db, "SELECT count(*) FROM \"Team\"").strip() != "", True)
        self.assertEqual(psql(self.db, "SELECT to_regclass('\"Team\"') IS NOT NULL").strip(), "t")

    def test_oversized_url_and_headers(self):
        for method, pattern in route_table()[::5]:
            path = self.path(pattern)
            with self.subTest(route=f"{method} {pattern}"):
                self.assert4xx("url 200k", self.send(method, path + "/" + "b" * 200000))
                self.assert4xx("headers", self.send(method, path, headers={
                    f"X-Pad-{i}": "p" * 4000 for i in range(12)}))
                self.assert4xx("one huge header", self.send(method, path, headers={
                    "X-Pad": "p" * 100000}))
                self.assert4xx("huge bearer", self.send(method, path, headers={
                    "Authorization": "Bearer " + "x" * 60000}))
        # path traversal and encodings never reach a file
        for p in ("/../../etc/passwd", "/api/v1/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                  "/api/v1/teams/..%2f..%2f..%2fetc%2fpasswd", "/api/v1/teams/%00",
                  "/api/v1/teams/%c0%ae%c0%ae"):
            st, doc = self.send("GET", p)
            self.assertIn(st, (400, 404, CLOSED), (p, st, doc))
            self.assertNotIn("root:", json.dumps(doc))

    def test_slowloris_idle_and_trickling_connections_are_closed(self):
        idle = [socket.create_connection(("127.0.0.1", self.n.port), timeout=30)
                for _ in range(20)]
        t0 = time.monotonic()
        try:
            trickle = socket.create_connection(("127.0.0.1", self.n.port), timeout=30)
            trickle.sendall(b"GET /api/v1/teams HTTP/1.1\r\nHost: x\r\n")
            closed_trickle = False
            # a header every 1.5 timeouts: each gap is past the inactivity timeout
            for i in range(4):
                time.sleep(HTTP_TIMEOUT_S * 1.5)
                try:
                    trickle.sendall(b"X-Slow-%d: y\r\n" % i)
                    if trickle.recv(1, socket.MSG_DONTWAIT) == b"":
                        closed_trickle = True
                        break
                except BlockingIOError:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    closed_trickle = True
                    break
            self.assertTrue(closed_trickle, "a trickling connection stayed open")
            for s in idle:
                try:
                    self.assertEqual(s.recv(1), b"", "an idle connection got data")
                except ConnectionResetError:
                    pass
            self.assertLess(time.monotonic() - t0, 60)
        finally:
            for s in idle:
                s.close()
            trickle.close()

    def test_a_thousand_concurrent_connections(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < 1200:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
        socks = []
        try:
            for _ in range(1000):
                socks.append(socket.create_connection(("127.0.0.1", self.n.port), timeout=30))
            # while all of them are open, /healthz answers on a new connection
            self.assertEqual(self.n.request("GET", "/healthz", timeout=30).status, 200)
            for s in socks:
                try:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
            answered = closed = 0
            for s in socks:
                try:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                except (ConnectionResetError, socket.timeout):
                    data = b""
                if data:
                    self.assertIn(status_of(data), (200, 503), data[:100])
                    answered += 1
                else:
                    closed += 1
            self.assertEqual(answered + closed, 1000)
            self.assertGreater(answered, 0)
        finally:
            for s in socks:
                s.close()

    def test_pipelined_garbage(self):
        good = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        for junk in (b"\x00" * 64, b"GARBAGE / HTTP/9.9\r\n\r\n", b"GET / HTTP/1.1\r\n" * 50,
                     b"POST /api/v1/auth/login HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                     b"POST /api/v1/teams HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                     b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\n\r\n",
                     bytes(range(256)) * 4):
            reply = raw(self.n.port, good + junk, read_all=True)
            first = status_of(reply)
            self.assertEqual(first, 200, (junk[:40], reply[:200]))
            rest = reply.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in reply else b""
            # libmicrohttpd answers an unknown HTTP version with 505, as RFC 9110 says
            for st in re.findall(rb"HTTP/1\.[01] (\d{3})", rest):
                self.assertTrue(400 <= int(st) < 500 or int(st) in (200, 505),
                                (junk[:40], reply[:400]))


def urllib_quote(s):
    import urllib.parse
    return urllib.parse.quote(s, safe="")


if __name__ == "__main__":
    unittest.main()
