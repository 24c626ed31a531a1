"""Logs (issue 14): one JSON object per line with a level, and no secret the run used
appears anywhere in a production naapd's whole log: passwords, bearer tokens, session
ids, CSRF tokens, the JWT secret, the DSN password, OAuth client secrets, reset tokens."""

import base64
import json
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import Naapd, run_naapd, shared_stores, wait_until  # noqa: E402

A = "/api/v1/auth"
DSN_PASSWORD = "DsnPw-7f3c9a1e"        # trust auth on the test server ignores it
GOOGLE_SECRET = "GoogleSecret-55aa01"
PASSWORD = "Correct-Horse-91xq"
NEW_PASSWORD = "Battery-Staple-37zk"
WRONG = "Wrong-Password-08mm"


class NoSecretsInLogs(unittest.TestCase):
    def test_full_run_logs_no_secret(self):
        stores = shared_stores()
        db = stores.create_database()
        dsn = db.replace("postgresql://naap@", f"postgresql://naap:{DSN_PASSWORD}@")
        jwt_secret = "JwtSecret-" + "4b" * 20
        env = {"NAAP_ENV": "production", "DATABASE_URL": dsn, "JWT_SECRET": jwt_secret, "RATE_LIMIT_ENABLED": "false",
               "GOOGLE_CLIENT_ID": "client-id.example", "GOOGLE_CLIENT_SECRET": GOOGLE_SECRET,
               "LOG_LEVEL": "debug"}
        secrets = [DSN_PASSWORD, GOOGLE_SECRET, PASSWORD, NEW_PASSWORD, WRONG, jwt_secret]
        p = run_naapd("check-config", env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(DSN_PASSWORD, p.stdout + p.stderr)
        self.assertNotIn(GOOGLE_SECRET, p.stdout + p.stderr)
        self.assertNotIn(jwt_secret, p.stdout + p.stderr)

        n = Naapd(db, stores.redis_db(), env=env, workers=2)
        email = "secret-check@example.com"
        r = n.request("POST", A + "/register", json_body={"email": email, "password": PASSWORD})
        self.assertEqual(r.status, 200, r)
        secrets.append(r.json()["token"])
        r = n.request("POST", A + "/login", json_body={"email": email, "password": WRONG})
        self.assertEqual(r.status, 401, r)
        r = n.request("POST", A + "/login", json_body={"email": email, "password": PASSWORD},
                      headers={"X-Forwarded-For": "203.0.113.50"})
        self.assertEqual(r.status, 200, r)
        token = r.json()["token"]
        secrets += [token, r.json().get("csrfToken") or token]
        auth = {"Authorization": f"Bearer {token}"}
        self.assertEqual(n.request("GET", A + "/me", headers=auth).status, 200)
        r = n.request("POST", A + "/refresh", headers=auth)
        self.assertEqual(r.status, 200, r)
        secrets.append(r.json()["token"])
        # a wrong bearer and a garbage JWT are logged as requests, never as tokens
        bogus = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bogus-signature-1234"
        secrets.append(bogus)
        self.assertEqual(n.request("GET", A + "/me",
                                   headers={"Authorization": f"Bearer {bogus}"}).status, 401)
        r = n.request("POST", A + "/forgot-password", json_body={"email": email})
        self.assertEqual(r.status, 200, r)
        r = n.request("GET", A + "/oauth/google")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(n.request("POST", A + "/logout", headers=auth).status, 200)
        os.kill(n.pid, signal.SIGHUP)  # a reload logs the configuration story again
        wait_until(lambda: "reload complete" in n.log_text(), timeout=30, what="reload")
        self.assertEqual(n.stop(), 0)

        for jwt in [t for t in secrets if t.count(".") == 2 and t != bogus]:
            payload = jwt.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            secrets.append(claims["sid"])  # the Session.token row key
        log = n.log_text()
        self.assertIn('"msg":"request"', log.replace(" ", ""))
        for s in secrets:
            self.assertNotIn(s, log)
        for line in log.splitlines():
            entry = json.loads(line)  # every line is one JSON object
            self.assertIn(entry["level"], ("debug", "info", "warn", "error"))
            self.assertIn("ts", entry)
            self.assertIn("msg", entry)


if __name__ == "__main__":
    unittest.main()
