"""Fixtures for the /teams tests: users, a team with one member of each role, core plugins.

Everything goes through the HTTP API except what the API cannot do (seeding packages).
"""

import secrets

from naaptest import NaapdTestCase, psql

T = "/api/v1/teams"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


class User:
    def __init__(self, naapd, email=None):
        self.email = email or f"u{secrets.token_hex(5)}@example.com"
        r = naapd.request("POST", "/api/v1/auth/register",
                          json_body={"email": self.email, "password": "password1"})
        assert r.status == 200, r.body
        body = r.json()
        self.id = body["user"]["id"]
        self.token = body["token"]
        self.naapd = naapd

    def req(self, method, path, body=None, **headers):
        kw = {"headers": {**bearer(self.token), **headers}}
        if body is not None:
            kw["json_body"] = body
        return self.naapd.request(method, path, **kw)


class Team:
    """A team owned by owner, with an admin, a member and a viewer added over HTTP."""

    def __init__(self, naapd, slug=None):
        self.owner = User(naapd)
        self.slug = slug or f"team-{secrets.token_hex(4)}"
        r = self.owner.req("POST", T, {"name": "Team " + self.slug, "slug": self.slug})
        assert r.status == 201, r.body
        self.id = r.json()["team"]["id"]
        self.path = f"{T}/{self.id}"
        self.users = {"owner": self.owner}
        self.member_ids = {}
        for role in ("admin", "member", "viewer"):
            u = User(naapd)
            r = self.owner.req("POST", self.path + "/members", {"email": u.email, "role": role})
            assert r.status == 201, r.body
            self.users[role] = u
            self.member_ids[role] = r.json()["member"]["id"]
        self.member_ids["owner"] = psql(
            naapd.database_url,
            f"SELECT id FROM \"TeamMember\" WHERE \"teamId\" = '{self.id}' AND role = 'owner'").strip()


def seed_package(db, name=None, versions=("1.0.0",), core=False, manifest=None):
    """A PluginPackage with versions (published in order, each with a valid manifest unless
    one is given); returns (package id, [version ids])."""
    import json
    name = name or f"pkg-{secrets.token_hex(3)}"
    pid = secrets.token_hex(8)
    sql = (f"INSERT INTO \"PluginPackage\" (id, name, \"displayName\", \"isCore\", "
           f"\"publishStatus\", \"updatedAt\") VALUES ('{pid}', '{name}', 'Pkg {name}', "
           f"{'true' if core else 'false'}, 'published', now());")
    vids = []
    for i, v in enumerate(versions):
        m = manifest if manifest is not None else {"name": name, "displayName": "P", "version": v}
        text = json.dumps(m).replace("'", "''")
        vids.append(f"{pid}-{i}")
        sql += (f"INSERT INTO \"PluginVersion\" (id, \"packageId\", version, manifest, "
                f"\"publishedAt\") VALUES ('{pid}-{i}', '{pid}', '{v}', '{text}', "
                f"now() + interval '{i} second');")
    psql(db, sql)
    return pid, vids


def seed_core_package(db, name=None, versions=("1.0.0",)):
    """A core PluginPackage with versions (published in order); returns its id."""
    return seed_package(db, name=name or f"core-{secrets.token_hex(3)}", versions=versions,
                        core=True)[0]


class TeamCase(NaapdTestCase):
    """One naapd for a test class, with helpers for users, teams and /teams error bodies."""

    naapd_env = {"PASSWORD_ITERATIONS": "1000", "RATE_LIMIT_ENABLED": "false"}

    def sql(self, text):
        return psql(self.db, text).strip()

    def user(self):
        return User(self.naapd)

    def team(self):
        return Team(self.naapd)

    def assertError(self, r, status, message=None):
        """A /teams error: status, {"success": false, "error": "<message>"}."""
        self.assertEqual(r.status, status, r.body)
        body = r.json()
        self.assertIs(body["success"], False)
        self.assertIsInstance(body["error"], str)
        if message is not None:
            self.assertEqual(body["error"], message)
