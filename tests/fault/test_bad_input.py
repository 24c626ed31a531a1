"""Bad input never crashes a worker and always gets a 4xx JSON answer: a seeded stream of
malformed requests to every route (run under ASan+UBSan in CI too)."""

import json
import os
import random
import socket
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import Naapd, shared_stores  # noqa: E402

ROUTES = [("GET", "/healthz"), ("GET", "/api/v1/auth/providers"),
          ("POST", "/api/v1/auth/register"), ("POST", "/api/v1/auth/login"),
          ("GET", "/api/v1/auth/me"), ("POST", "/api/v1/auth/refresh"),
          ("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/forgot-password"),
          ("POST", "/api/v1/auth/reset-password"), ("POST", "/api/v1/auth/send-verification"),
          ("POST", "/api/v1/auth/verify-email"), ("GET", "/api/v1/auth/oauth/google"),
          ("GET", "/api/v1/auth/oauth/%zz"), ("POST", "/api/v1/auth/callback/github"),
          ("GET", "/api/v1/teams/x"), ("DELETE", "/api/v1/auth/me")]

FIELDS = ["email", "password", "displayName", "token", "code", "state", "redirectUri"]


def value(rng, depth=0):
    kinds = [lambda: None, lambda: True, lambda: rng.randint(-2**63, 2**63),
             lambda: rng.random() * 1e308, lambda: "x" * rng.choice([0, 1, 7, 8, 300, 5000]),
             lambda: "\u00e9\U0001F600\u202e<script>",
             lambda: "a@b" + "c" * rng.randrange(2000)]
    if depth < 3:
        kinds += [lambda: [value(rng, depth + 1) for _ in range(rng.randrange(4))],
                  lambda: {rng.choice(FIELDS): value(rng, depth + 1)
                           for _ in range(rng.randrange(4))}]
    return rng.choice(kinds)()


def body(rng):
    choice = rng.randrange(8)
    if choice == 0:
        return b"{" * rng.randrange(1, 100)
    if choice == 1:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
    if choice == 2:
        return b'{"email":"\xff\xfe","password":"\xc0\xaf"}'
    if choice == 3:
        return json.dumps(value(rng)).encode()
    return json.dumps({f: value(rng) for f in rng.sample(FIELDS, rng.randrange(1, 5))}).encode()


def headers(rng):
    h = {"Content-Type": rng.choice(["application/json", "application/json; charset=utf-8",
                                      "text/plain", "application/x-www-form-urlencoded"])}
    r = rng.randrange(6)
    if r == 0:
        h["Authorization"] = "Bearer " + "".join(rng.choice("abc.-_=+/") for _ in range(60))
    elif r == 1:
        h["Authorization"] = "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."
    elif r == 2:
        h["Authorization"] = "Bearer" + " " * rng.randrange(3) + "x" * rng.randrange(3000)
    elif r == 3:
        h["x-csrf-token"] = "zz" * rng.randrange(40)
        h["Authorization"] = "Bearer " + "0" * 64
    if rng.randrange(4) == 0:
        h["X-Forwarded-For"] = rng.choice(["1.2.3.4, bogus", "::1", "", "300.1.1.1"])
    return h


class BadInput(unittest.TestCase):
    def test_seeded_garbage_gets_4xx_json_and_no_worker_dies(self):
        rng = random.Random(int(os.environ.get("NAAPD_FUZZ_SEED", "20261126")))
        stores = shared_stores()
        env = {"PASSWORD_ITERATIONS": "1000", "RATE_LIMIT_ENABLED": "false"}
        with Naapd(stores.create_database(), stores.redis_db(), env=env) as n:
            workers = sorted(n.worker_pids())
            for i in range(400):
                method, path = rng.choice(ROUTES)
                if rng.randrange(5) == 0:
                    path += rng.choice(["?limit=-1", "?x=%zz", "/", "//", "?a=" + "b" * 3000])
                data = body(rng) if method != "GET" or rng.randrange(4) == 0 else None
                r = n.request(method, path, headers=headers(rng), body=data, timeout=15)
                self.assertLess(r.status, 500, (i, method, path, data, r.body))
                if r.body:
                    self.assertIsInstance(r.json(), dict, (i, method, path))
            # raw protocol garbage too
            for junk in (b"POST /api/v1/auth/login HTTP/1.1\r\nContent-Length: 5\r\n\r\n{",
                         b"GET /api/v1/auth/me HTTP/1.1\r\nAuthorization: Bearer \x00\x01\r\n\r\n",
                         b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 10):
                with socket.create_connection(("127.0.0.1", n.port), timeout=3) as s:
                    s.sendall(junk)
                    try:
                        s.recv(4096)
                    except socket.timeout:
                        pass
            self.assertEqual(n.request("GET", "/healthz").status, 200)
            self.assertEqual(sorted(n.worker_pids()), workers, "a worker died")


if __name__ == "__main__":
    unittest.main()
