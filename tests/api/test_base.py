"""/base plugin list and user preferences over real HTTP and PostgreSQL (api.md 7, decisions.md)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import NaapdTestCase, psql  # noqa: E402
from test_registry import ENV, auth, grant_admin, register  # noqa: E402


def plugin(name, order, **extra):
    p = {"name": name, "displayName": name.title(), "version": "1.0.0",
         "remoteUrl": f"https://cdn/{name}.js", "routes": [f"/{name}"], "order": order}
    p.update(extra)
    return p


class Base(NaapdTestCase):
    naapd_env = ENV

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        n = cls.naapd
        cls.user = register(n, "user@example.com")
        cls.root = register(n, "root@example.com")
        grant_admin(cls.db, cls.root["user"]["id"])
        for p in (plugin("one", 1), plugin("two", 2), plugin("three", 3),
                  plugin("off", 0, enabled=False)):
            r = cls.put(p)
            assert r.status == 200, r.body

    @classmethod
    def put(cls, body, token=None):
        return cls.naapd.request("POST", "/api/v1/base/plugins",
                                 headers=auth(token or cls.root["token"]), json_body=body)

    def names(self, r):
        self.assertEqual(r.status, 200, r.body)
        return [p["name"] for p in r.json()["plugins"]]

    def test_list(self):
        r = self.naapd.request("GET", "/api/v1/base/plugins")
        self.assertEqual(self.names(r)[:3], ["one", "two", "three"])
        self.assertNotIn("off", self.names(r))
        p = r.json()["plugins"][0]
        self.assertEqual(p["routes"], ["/one"])
        self.assertEqual(p["deploymentType"], "cdn")
        for key in ("id", "icon", "metadata", "bundleUrl", "bundleSize", "createdAt", "updatedAt"):
            self.assertIn(key, p)
        r = self.naapd.request("GET", "/api/v1/base/plugins?includeDisabled=true")
        self.assertEqual(self.names(r)[0], "off")

    def test_writes_need_system_admin(self):
        r = self.naapd.request("POST", "/api/v1/base/plugins", json_body=plugin("x", 1))
        self.assertEqual(r.status, 401)
        self.assertEqual(self.put(plugin("x", 1), self.user["token"]).status, 403)
        r = self.naapd.request("DELETE", "/api/v1/base/plugins/one",
                               headers=auth(self.user["token"]))
        self.assertEqual(r.status, 403)

    def test_create_update_delete(self):
        r = self.put(plugin("temp", 9, bundleSize=12, bundleHash="abc", globalName="Temp"))
        self.assertEqual(r.status, 200, r.body)
        p = r.json()["plugin"]
        self.assertEqual((p["bundleSize"], p["bundleHash"], p["enabled"]), (12, "abc", True))
        r = self.put({"name": "temp", "enabled": False, "routes": ["/a", "/b"]})
        p2 = r.json()["plugin"]
        self.assertEqual((p2["id"], p2["displayName"], p2["enabled"], p2["routes"], p2["order"]),
                         (p["id"], "Temp", False, ["/a", "/b"], 9))
        self.assertGreaterEqual(p2["updatedAt"], p["updatedAt"])
        r = self.naapd.request("DELETE", "/api/v1/base/plugins/temp",
                               headers=auth(self.root["token"]))
        self.assertEqual((r.status, r.json()), (200, {"success": True}))
        r = self.naapd.request("DELETE", "/api/v1/base/plugins/temp",
                               headers=auth(self.root["token"]))
        self.assertEqual((r.status, r.json()), (404, {"error": "Plugin not found"}))

    def test_put_validation(self):
        for body, field in (({}, "name"), ({"name": "new"}, "displayName"),
                            ({"name": "new", "displayName": "N"}, "version"),
                            (plugin("new", "x"), "order"), (plugin("new", 1, routes=[1]), "routes"),
                            (plugin("new", 1, enabled="yes"), "enabled")):
            r = self.put(body)
            self.assertEqual(r.status, 400, body)
            self.assertIn(field, r.json()["error"])

    def test_preferences_and_personalized(self):
        t = self.user["token"]
        anon = self.naapd.request("GET", "/api/v1/base/plugins/personalized")
        self.assertEqual(self.names(anon)[:3], ["one", "two", "three"])
        r = self.naapd.request("GET", "/api/v1/base/user/preferences", headers=auth(t))
        self.assertEqual((r.status, r.json()), (200, {"preferences": []}))
        for body in ({"pluginName": "three", "pinned": True},
                     {"pluginName": "one", "enabled": False},
                     {"pluginName": "two", "order": -1},
                     {"pluginName": "off", "enabled": True}):
            r = self.naapd.request("POST", "/api/v1/base/user/preferences", headers=auth(t),
                                   json_body=body)
            self.assertEqual(r.status, 200, r.body)
        pref = r.json()["preference"]
        self.assertEqual(pref["userId"], self.user["user"]["id"])
        r = self.naapd.request("GET", "/api/v1/base/plugins/personalized", headers=auth(t))
        plugins = r.json()["plugins"]
        self.assertEqual([p["name"] for p in plugins][:2], ["three", "two"])
        self.assertNotIn("one", [p["name"] for p in plugins])
        self.assertNotIn("off", [p["name"] for p in plugins])  # cannot enable a disabled one
        self.assertEqual((plugins[0]["pinned"], plugins[1]["order"]), (True, -1))
        # update keeps absent fields; order: null clears
        r = self.naapd.request("POST", "/api/v1/base/user/preferences", headers=auth(t),
                               json_body={"pluginName": "two", "order": None})
        p = r.json()["preference"]
        self.assertEqual((p["order"], p["enabled"], p["pinned"]), (None, True, False))
        r = self.naapd.request("POST", "/api/v1/base/user/preferences", headers=auth(t),
                               json_body={"pluginName": "three"})
        self.assertTrue(r.json()["preference"]["pinned"])
        r = self.naapd.request("GET", "/api/v1/base/user/preferences?userId=someone",
                               headers=auth(t))
        self.assertEqual(len(r.json()["preferences"]), 4)
        # another user's list is theirs alone
        r = self.naapd.request("GET", "/api/v1/base/user/preferences",
                               headers=auth(self.root["token"]))
        self.assertEqual(r.json(), {"preferences": []})

    def test_preference_errors(self):
        r = self.naapd.request("GET", "/api/v1/base/user/preferences")
        self.assertEqual(r.status, 401)
        r = self.naapd.request("POST", "/api/v1/base/user/preferences",
                               json_body={"pluginName": "one"})
        self.assertEqual(r.status, 401)
        t = self.user["token"]
        for body in ({}, {"pluginName": ""}, {"pluginName": "one", "enabled": 1},
                     {"pluginName": "one", "order": "2"}, {"pluginName": "one", "pinned": "x"}):
            r = self.naapd.request("POST", "/api/v1/base/user/preferences", headers=auth(t),
                                   json_body=body)
            self.assertEqual(r.status, 400, body)

    def test_team_hides_plugins_for_its_members(self):
        member = register(self.naapd, "member@example.com")
        uid = member["user"]["id"]
        psql(self.db, f"""
            INSERT INTO "Team" (id, name, slug, "ownerId", "updatedAt")
                VALUES ('team1', 'T', 't1', '{uid}', now());
            INSERT INTO "TeamMember" (id, "teamId", "userId", role) VALUES ('m1', 'team1', '{uid}', 'owner');
            INSERT INTO "PluginPackage" (id, name, "displayName", "updatedAt")
                VALUES ('pk-two', 'two', 'Two', now());
            INSERT INTO "PluginVersion" (id, "packageId", version, manifest)
                VALUES ('pv-two', 'pk-two', '1.0.0', '{{}}');
            INSERT INTO "PluginDeployment" (id, "packageId", "versionId", "updatedAt")
                VALUES ('d-two', 'pk-two', 'pv-two', now());
            INSERT INTO "TeamPluginInstall" (id, "teamId", "deploymentId", "installedBy", "updatedAt")
                VALUES ('i-two', 'team1', 'd-two', '{uid}', now());
            INSERT INTO "TeamMemberPluginAccess" (id, "memberId", "pluginInstallId", visible, "updatedAt")
                VALUES ('a-two', 'm1', 'i-two', false, now());
        """)
        h = auth(member["token"])
        r = self.naapd.request("GET", "/api/v1/base/plugins/personalized?teamId=team1", headers=h)
        self.assertNotIn("two", self.names(r))
        r = self.naapd.request("GET", "/api/v1/base/plugins/personalized", headers=h)
        self.assertIn("two", self.names(r))
        # not a member: teamId changes nothing
        r = self.naapd.request("GET", "/api/v1/base/plugins/personalized?teamId=team1",
                               headers=auth(self.root["token"]))
        self.assertIn("two", self.names(r))


if __name__ == "__main__":
    import unittest
    unittest.main()
