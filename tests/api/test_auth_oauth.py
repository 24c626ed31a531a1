"""OAuth sign-in (api.md 3.12, 3.13) against a fake Google/GitHub on a local port."""

import base64
import json
import os
import secrets
import sys
import threading
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import Naapd, psql, shared_stores  # noqa: E402

A = "/api/v1/auth"


class FakeProvider(BaseHTTPRequestHandler):
    """Token and profile endpoints of both providers. A code is "good-<key>", where
    <key> picks the profile in server.profiles; any other code gets no access token."""

    def log_message(self, *args):
        pass

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if self.path == "/google/token":
            fields = dict(urllib.parse.parse_qsl(body))
        else:
            fields = json.loads(body)
        self.server.requests.append((self.path, dict(self.headers), fields))
        code = fields.get("code", "")
        if code.startswith("good-"):
            self.reply(200, {"access_token": "at-" + code[5:], "token_type": "bearer"})
        else:
            self.reply(200, {"error": "bad_verification_code"})

    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers), None))
        auth = self.headers.get("Authorization", "")
        key = auth[len("Bearer at-"):] if auth.startswith("Bearer at-") else None
        profile = self.server.profiles.get(key)
        if profile is None or profile.get("fail"):
            self.reply(500, {"message": "boom"})
        elif self.path == "/google/userinfo":
            self.reply(200, profile["google"])
        elif self.path == "/github/user":
            self.reply(200, profile["github"])
        elif self.path == "/github/emails":
            self.reply(200, profile["emails"])
        else:
            self.reply(404, {})


class OAuth(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fake = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
        cls.fake.requests, cls.fake.profiles = [], {}
        threading.Thread(target=cls.fake.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{cls.fake.server_address[1]}"
        stores = shared_stores()
        cls.db = stores.create_database()
        cls.naapd = Naapd(cls.db, stores.redis_db(), env={
            "PASSWORD_ITERATIONS": "1000", "RATE_LIMIT_ENABLED": "false",
            "FRONTEND_URL": "https://app.example",
            "GOOGLE_CLIENT_ID": "google-id", "GOOGLE_CLIENT_SECRET": "google-secret",
            "GOOGLE_TOKEN_URL": base + "/google/token",
            "GOOGLE_USERINFO_URL": base + "/google/userinfo",
            "GITHUB_CLIENT_ID": "github-id", "GITHUB_CLIENT_SECRET": "github-secret",
            "GITHUB_TOKEN_URL": base + "/github/token", "GITHUB_USER_URL": base + "/github/user",
            "GITHUB_EMAILS_URL": base + "/github/emails", "OAUTH_TIMEOUT": "3s"})

    @classmethod
    def tearDownClass(cls):
        cls.naapd.stop()
        cls.fake.shutdown()
        cls.fake.server_close()

    def req(self, method, path, **kw):
        return self.naapd.request(method, path, **kw)

    def sql(self, text):
        return psql(self.db, text).strip()

    def callback(self, provider, code, status=200):
        r = self.req("POST", f"{A}/callback/{provider}", json_body={"code": code})
        self.assertEqual(r.status, status, r.body)
        return r.json()

    def test_providers(self):
        r = self.req("GET", A + "/providers")
        self.assertEqual(r.json(), {"providers": ["google", "github"], "emailPassword": True})

    def test_authorize_urls(self):
        r = self.req("GET", A + "/oauth/google?redirect=%2Fteams%3Fx%3D1")
        self.assertEqual(r.status, 200, r.body)
        url = r.json()["url"]
        self.assertTrue(url.startswith("https://accounts.google.com/o/oauth2/v2/auth?"), url)
        self.assertIn("scope=openid+email+profile", url)  # URLSearchParams encoding
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        state = json.loads(base64.b64decode(q.pop("state"), validate=True))
        self.assertEqual(q, {"client_id": "google-id", "response_type": "code",
                             "redirect_uri": "https://app.example/auth/callback/google",
                             "scope": "openid email profile"})
        self.assertEqual(list(state), ["redirect", "timestamp"])
        self.assertEqual(state["redirect"], "/teams?x=1")
        self.assertIsInstance(state["timestamp"], int)

        url = self.req("GET", A + "/oauth/github").json()["url"]
        self.assertTrue(url.startswith("https://github.com/login/oauth/authorize?"), url)
        self.assertIn("scope=user%3Aemail", url)
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.assertEqual(json.loads(base64.b64decode(q.pop("state")))["redirect"], "/")
        self.assertEqual(q, {"client_id": "github-id", "scope": "user:email",
                             "redirect_uri": "https://app.example/auth/callback/github"})

        for path in ("/oauth/twitter", "/oauth/GOOGLE"):
            r = self.req("GET", A + path)
            self.assertEqual((r.status, r.json()), (400, {"error": "Invalid provider"}))

    def test_google_creates_then_finds_the_user(self):
        key, email = secrets.token_hex(4), f"g{secrets.token_hex(4)}@gmail.example"
        gid = "10" + secrets.token_hex(6)
        self.fake.profiles[key] = {"google": {"id": gid, "email": email, "verified_email": True,
                                              "name": "Gee User", "picture": "https://pic/1"}}
        body = self.callback("google", "good-" + key)
        self.assertEqual(set(body), {"success", "token", "user", "expiresAt"})  # no csrfToken
        user = body["user"]
        self.assertEqual(user, {"id": user["id"], "email": email, "displayName": "Gee User",
                                "avatarUrl": "https://pic/1", "address": None, "roles": [],
                                "permissions": []})
        token_req = [r for r in self.fake.requests if r[0] == "/google/token"][-1]
        self.assertEqual(token_req[2], {"code": "good-" + key, "client_id": "google-id",
                                        "client_secret": "google-secret",
                                        "redirect_uri": "https://app.example/auth/callback/google",
                                        "grant_type": "authorization_code"})
        self.assertEqual(self.sql(f"SELECT \"emailVerified\" IS NOT NULL FROM \"User\" WHERE id = '{user['id']}'"),
                         "t")
        self.assertEqual(self.sql(f"SELECT theme FROM \"UserConfig\" WHERE \"userId\" = '{user['id']}'"), "dark")
        self.assertEqual(self.sql(f"SELECT provider, \"providerAccountId\", \"accessToken\" IS NULL "
                                  f"FROM \"OAuthAccount\" WHERE \"userId\" = '{user['id']}'"),
                         f"google|{gid}|t")
        me = self.req("GET", A + "/me", headers={"Authorization": "Bearer " + body["token"]})
        self.assertEqual(me.status, 200)
        again = self.callback("google", "good-" + key)
        self.assertEqual(again["user"]["id"], user["id"])
        self.assertEqual(self.sql(f"SELECT count(*) FROM \"OAuthAccount\" WHERE \"userId\" = '{user['id']}'"), "1")
        self.assertEqual(self.sql(f"SELECT count(*) FROM \"AuditLog\" WHERE action = 'auth.oauth' "
                                  f"AND \"userId\" = '{user['id']}'"), "2")

    def test_github_links_an_existing_account_by_verified_email(self):
        email = f"octo{secrets.token_hex(4)}@example.com"
        r = self.req("POST", A + "/register", json_body={"email": email, "password": "password1"})
        uid = r.json()["user"]["id"]
        key, ghid = secrets.token_hex(4), 4000000 + secrets.randbelow(1000000)
        self.fake.profiles[key] = {
            "github": {"id": ghid, "login": "octo", "name": None, "avatar_url": "https://a/1"},
            "emails": [{"email": "other@example.com", "primary": False, "verified": True},
                       {"email": email, "primary": True, "verified": True}]}
        body = self.callback("github", "good-" + key)
        self.assertEqual(body["user"]["id"], uid)
        self.assertEqual(self.sql(f"SELECT provider, \"providerAccountId\" FROM \"OAuthAccount\" "
                                  f"WHERE \"userId\" = '{uid}'"), f"github|{ghid}")
        token_req = [r for r in self.fake.requests if r[0] == "/github/token"][-1]
        self.assertEqual(token_req[1].get("Accept"), "application/json")
        self.assertEqual(token_req[2]["client_id"], "github-id")
        self.assertEqual(token_req[2]["client_secret"], "github-secret")

    def test_github_unverified_email_is_never_linked(self):
        email = f"victim{secrets.token_hex(4)}@example.com"
        r = self.req("POST", A + "/register", json_body={"email": email, "password": "password1"})
        victim = r.json()["user"]["id"]
        key = secrets.token_hex(4)
        self.fake.profiles[key] = {
            "github": {"id": 9000000 + secrets.randbelow(1000000), "login": "mallory"},
            "emails": [{"email": email, "primary": True, "verified": False}]}
        body = self.callback("github", "good-" + key)
        self.assertNotEqual(body["user"]["id"], victim)
        self.assertIsNone(body["user"]["email"])
        self.assertEqual(body["user"]["displayName"], "mallory")  # name, else login

    def google_profile(self, email):
        key = secrets.token_hex(4)
        self.fake.profiles[key] = {"google": {"id": "20" + secrets.token_hex(6), "email": email,
                                              "verified_email": True, "name": "Victim"}}
        return "good-" + key

    def test_pre_hijacked_account_loses_the_attackers_password(self):
        """Issue 10 item 5: an attacker registers victim@ first (email unverified); when
        the victim signs in with Google, the account is theirs and the password is gone."""
        email = f"victim{secrets.token_hex(4)}@example.com"
        r = self.req("POST", A + "/register", json_body={"email": email, "password": "attacker-pw"})
        uid, attacker = r.json()["user"]["id"], r.json()["token"]
        body = self.callback("google", self.google_profile(email))
        self.assertEqual(body["user"]["id"], uid)
        r = self.req("POST", A + "/login", json_body={"email": email, "password": "attacker-pw"})
        self.assertEqual(r.status, 401, r.body)
        me = lambda t: self.req("GET", A + "/me", headers={"Authorization": "Bearer " + t})  # noqa: E731
        self.assertEqual(me(attacker).status, 401)  # at once, on every worker
        self.assertEqual(me(body["token"]).status, 200)
        self.assertEqual(self.sql(f"SELECT \"passwordHash\" IS NULL, \"emailVerified\" IS NOT NULL "
                                  f"FROM \"User\" WHERE id = '{uid}'"), "t|t")
        self.assertEqual(self.sql(f"SELECT details->>'provider' FROM \"AuditLog\" WHERE action = "
                                  f"'auth.oauth_password_cleared' AND \"userId\" = '{uid}'"), "google")

    def test_verified_or_passwordless_accounts_link_unchanged(self):
        email = f"owner{secrets.token_hex(4)}@example.com"
        r = self.req("POST", A + "/register", json_body={"email": email, "password": "owner-pw1"})
        uid, token = r.json()["user"]["id"], r.json()["token"]
        self.sql(f"UPDATE \"User\" SET \"emailVerified\" = now() WHERE id = '{uid}'")
        self.assertEqual(self.callback("google", self.google_profile(email))["user"]["id"], uid)
        r = self.req("POST", A + "/login", json_body={"email": email, "password": "owner-pw1"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.req("GET", A + "/me", headers={"Authorization": "Bearer " + token}).status, 200)
        self.assertEqual(self.sql(f"SELECT count(*) FROM \"AuditLog\" WHERE action = "
                                  f"'auth.oauth_password_cleared' AND \"userId\" = '{uid}'"), "0")

    def test_errors(self):
        self.assertEqual(self.callback("google", "bad", 400),
                         {"error": "Failed to get access token from Google"})
        self.assertEqual(self.callback("github", "bad", 400),
                         {"error": "Failed to get access token from GitHub"})
        key = secrets.token_hex(4)
        self.fake.profiles[key] = {"fail": True}
        self.assertEqual(self.callback("google", "good-" + key, 400),
                         {"error": "Failed to get user info from OAuth provider"})
        self.assertEqual(self.callback("github", "good-" + key, 400),
                         {"error": "Failed to get user info from OAuth provider"})
        for body in ({}, {"code": ""}, {"code": 5}):
            r = self.req("POST", A + "/callback/google", json_body=body)
            self.assertEqual((r.status, r.json()), (400, {"error": "Authorization code required"}))
        r = self.req("POST", A + "/callback/myspace", json_body={"code": "x"})
        self.assertEqual((r.status, r.json()), (400, {"error": "Invalid provider"}))


if __name__ == "__main__":
    unittest.main()
