"""Security matrix over the whole route table (issue 16).

- IDOR: every team-scoped id in a path (member, install, access) taken from another team
  answers 404, and a caller outside a team gets 403/404 on every route of that team;
  the other team's rows are unchanged afterwards.
- Forged tokens (tests/harness/jwtforge.py) and replayed ones (after logout, after the
  Session row is deleted behind naapd's back) on every route: never better than no
  token at all.
- Secrets (JWT_SECRET, passwords, password hashes, session ids) never appear in the log,
  in a response that is not the one issuing them, or in a Redis key name.

Routes come from src/api/routes.c, so a new route is in the matrix by itself.
"""

import json
import os
import re
import secrets
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from jwtforge import decode_part, forged_tokens  # noqa: E402
from naaptest import PROJECT, redis_cmd, wait_until  # noqa: E402
from teamfix import Team, TeamCase, seed_core_package, seed_package  # noqa: E402

ISSUING = ("/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/refresh")


def route_table():
    text = (PROJECT / "src" / "api" / "routes.c").read_text()
    return re.findall(r'\{"(GET|POST|PUT|PATCH|DELETE)", "([^"]+)"', text)


class SecurityMatrix(TeamCase):
    naapd_env = {"PASSWORD_ITERATIONS": "1000", "RATE_LIMIT_ENABLED": "false",
                 "SESSION_CACHE_TTL": "1s"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        seed_core_package(cls.db)
        cls.pkg = "sec-" + secrets.token_hex(3)
        seed_package(cls.db, name=cls.pkg)
        cls.a, cls.b = Team(cls.naapd), Team(cls.naapd)
        cls.bodies = []  # every response body, for the secrets check

    def ids(self, team):
        install = self.sql(f"SELECT id FROM \"TeamPluginInstall\" WHERE \"teamId\" = "
                           f"'{team.id}' ORDER BY id LIMIT 1")
        return {"teamId": team.id, "memberId": team.member_ids["member"], "installId": install,
                "pluginInstallId": install, "name": self.pkg, "version": "1.0.0",
                "provider": "github"}

    def fill(self, pattern, ids):
        return re.sub(r":(\w+)", lambda m: ids[m.group(1)], pattern)

    def call(self, method, path, token=None, body=None):
        headers = {"Authorization": "Bearer " + token} if token is not None else {}
        r = self.naapd.request(method, path, headers=headers,
                               json_body=body if method != "GET" else None, timeout=20)
        if not any(path.startswith(p) for p in ISSUING):
            self.bodies.append((method, path, r.body))
        return r

    def snapshot(self, team):
        return self.sql(
            "SELECT (SELECT json_agg(t ORDER BY id) FROM \"Team\" t WHERE id = '%s'),"
            "(SELECT json_agg(m ORDER BY id) FROM \"TeamMember\" m WHERE \"teamId\" = '%s'),"
            "(SELECT json_agg(i ORDER BY id) FROM \"TeamPluginInstall\" i WHERE \"teamId\" = '%s'),"
            "(SELECT json_agg(a ORDER BY a.id) FROM \"TeamMemberPluginAccess\" a JOIN \"TeamMember\" m"
            " ON m.id = a.\"memberId\" WHERE m.\"teamId\" = '%s')" % ((team.id,) * 4))

    # ---- IDOR ---------------------------------------------------------------------

    def test_ids_of_another_team_are_not_found(self):
        body = {"role": "viewer", "enabled": False, "visible": False, "canUse": False,
                "canConfigure": True, "config": {"x": 1}, "sharedConfig": {"x": 1},
                "personalConfig": {"x": 1}, "versionId": "x", "newOwnerId": "x"}
        before = self.snapshot(self.b)
        mine, theirs = self.ids(self.a), self.ids(self.b)
        for method, pattern in route_table():
            params = re.findall(r":(\w+)", pattern)
            foreign = [p for p in params if p in ("memberId", "installId", "pluginInstallId")]
            if "teamId" not in params or not foreign:
                continue
            for p in foreign:
                ids = dict(mine, **{p: theirs[p]})
                if p in ("installId", "pluginInstallId"):
                    ids["installId"] = ids["pluginInstallId"] = theirs[p]
                with self.subTest(route=f"{method} {pattern}", foreign=p):
                    r = self.call(method, self.fill(pattern, ids), self.a.owner.token, body)
                    self.assertError(r, 404)
        self.assertEqual(self.snapshot(self.b), before, "team B changed through team A's URLs")

    def test_outsiders_get_nothing_from_a_team(self):
        before = self.snapshot(self.b)
        theirs = self.ids(self.b)
        outsider = self.a.users["owner"]  # owns another team, not a member of B
        for method, pattern in route_table():
            if ":teamId" not in pattern:
                continue
            with self.subTest(route=f"{method} {pattern}"):
                r = self.call(method, self.fill(pattern, theirs), outsider.token,
                              {"name": "pwned", "email": outsider.email, "role": "admin",
                               "newOwnerId": outsider.id, "config": {"pwned": True}})
                self.assertIn(r.status, (403, 404), r.body)
        self.assertEqual(self.snapshot(self.b), before)

    # ---- forged, replayed and revoked tokens ------------------------------------------

    def anonymous_statuses(self):
        out = {}
        ids = self.ids(self.b)
        for method, pattern in route_table():
            out[(method, pattern)] = self.call(method, self.fill(pattern, ids)).status
        return out

    def assert_no_better_than_anonymous(self, token, anon, what):
        ids = self.ids(self.b)
        for (method, pattern), anon_status in anon.items():
            with self.subTest(token=what, route=f"{method} {pattern}"):
                r = self.call(method, self.fill(pattern, ids), token)
                if anon_status == 401:
                    self.assertEqual(r.status, 401, r.body)
                else:
                    # optional auth: as anonymous, or refused outright
                    self.assertIn(r.status, (anon_status, 401), r.body)

    def test_forged_tokens_on_every_route(self):
        anon = self.anonymous_statuses()
        real = self.b.users["owner"].token
        forged = forged_tokens(real, self.naapd.jwt_secret)
        for name in sorted(forged)[::2] + ["alg none", "wrong key", "expired"]:
            self.assert_no_better_than_anonymous(forged[name], anon, name)

    def test_replayed_and_revoked_sessions_on_every_route(self):
        anon = self.anonymous_statuses()
        victim = self.b.users["viewer"]
        # logout revokes at once, on every worker
        token = self.login(victim)
        self.assertEqual(self.call("POST", "/api/v1/auth/logout", token).status, 200)
        self.assert_no_better_than_anonymous(token, anon, "after logout")
        # a Session row deleted behind naapd's back stops working within 5 s
        token = self.login(victim)
        self.assertEqual(self.call("GET", "/api/v1/auth/me", token).status, 200)
        sid = decode_part(token.split(".")[1])["sid"]
        self.sql(f"DELETE FROM \"Session\" WHERE token = '{sid}'")
        wait_until(lambda: self.call("GET", "/api/v1/auth/me", token).status == 401,
                   timeout=5, what="deleted session refused")
        self.assert_no_better_than_anonymous(token, anon, "session row deleted")

    def login(self, user):
        r = self.naapd.request("POST", "/api/v1/auth/login",
                               json_body={"email": user.email, "password": "password1"})
        self.assertEqual(r.status, 200, r.body)
        return r.json()["token"]

    # ---- secrets ----------------------------------------------------------------------

    def test_secrets_stay_out_of_logs_responses_and_redis_keys(self):
        password = "Pw-" + secrets.token_hex(8)
        email = f"s{secrets.token_hex(4)}@example.com"
        r = self.naapd.request("POST", "/api/v1/auth/register",
                               json_body={"email": email, "password": password})
        self.assertEqual(r.status, 200, r.body)
        token = r.json()["token"]
        sid = decode_part(token.split(".")[1])["sid"]
        # exercise sessions, csrf, caches and a failed login that gets logged
        for path in ("/api/v1/auth/me", "/api/v1/teams", "/api/v1/base/user/preferences"):
            self.assertEqual(self.call("GET", path, token).status, 200)
        self.naapd.request("POST", "/api/v1/auth/login",
                           json_body={"email": email, "password": password + "x"})
        self.call("POST", "/api/v1/auth/forgot-password", None, {"email": email})
        hashes = self.sql("SELECT \"passwordHash\" FROM \"User\" WHERE \"passwordHash\" "
                          "IS NOT NULL").splitlines()
        secret_values = {"JWT_SECRET": self.naapd.jwt_secret, "password": password,
                         "session id": sid, "token signature": token.split(".")[2]}
        secret_values.update({f"hash {i}": h for i, h in enumerate(hashes)})
        log = self.naapd.log_text()
        keys = []
        cursor = "0"
        while True:
            cursor, batch = redis_cmd(self.naapd.redis_url, "SCAN", cursor, "COUNT", "1000")
            keys += [k.decode("utf-8", "replace") for k in batch]
            cursor = cursor.decode()
            if cursor == "0":
                break
        self.assertTrue(keys, "nothing in Redis: the check would prove nothing")
        sent = "\n".join(b.decode("utf-8", "replace") for _, _, b in self.bodies)
        for what, value in secret_values.items():
            with self.subTest(secret=what):
                self.assertNotIn(value, log, f"{what} in the log")
                self.assertFalse([k for k in keys if value in k], f"{what} in a Redis key")
                self.assertNotIn(value, sent, f"{what} in a response")
        for forbidden in ("pbkdf2", "passwordHash", "SELECT ", "INSERT ", "jwt_secret"):
            self.assertNotIn(forbidden, sent)
        self.assertNotIn(password, json.dumps(self.naapd.log_json()))


if __name__ == "__main__":
    unittest.main()
