"""Teams and members (api.md 4 as amended by decisions.md) over real HTTP, PostgreSQL, Redis."""

import os
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import Naapd, psql, shared_stores  # noqa: E402
from teamfix import T, Team, TeamCase, User, seed_core_package  # noqa: E402

ROLES = ("owner", "admin", "member", "viewer")


class TeamsBase(TeamCase):
    pass


class CreateAndRead(TeamsBase):
    def test_create_returns_the_team_row_and_makes_the_owner(self):
        u = self.user()
        r = u.req("POST", T, {"name": "Acme", "slug": "acme-1", "description": "d", "extra": 1})
        self.assertEqual(r.status, 201, r.body)
        body = r.json()
        self.assertIs(body["success"], True)
        team = body["team"]
        self.assertEqual(set(team), {"id", "name", "slug", "description", "avatarUrl", "ownerId",
                                     "createdAt", "updatedAt"})
        self.assertEqual((team["name"], team["slug"], team["description"], team["avatarUrl"],
                          team["ownerId"]), ("Acme", "acme-1", "d", None, u.id))
        self.assertRegex(team["id"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertRegex(team["createdAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(self.sql(f"SELECT role || ':' || \"invitedBy\" FROM \"TeamMember\" "
                                  f"WHERE \"teamId\" = '{team['id']}'"), f"owner:{u.id}")
        self.assertEqual(self.sql(f"SELECT action FROM \"AuditLog\" WHERE \"resourceId\" = "
                                  f"'{team['id']}'"), "team.create")

    def test_create_validation(self):
        u = self.user()
        for body, msg in [({}, "Name and slug are required"),
                          ({"name": "x"}, "Name and slug are required"),
                          ({"name": "", "slug": "ok"}, "Name and slug are required"),
                          ({"name": "x", "slug": ""}, "Name and slug are required"),
                          ({"name": "x", "slug": None}, "Name and slug are required"),
                          ({"name": "x", "slug": "Bad Slug"},
                           "Slug must contain only lowercase letters, numbers, and hyphens"),
                          ({"name": "x", "slug": "UPPER"},
                           "Slug must contain only lowercase letters, numbers, and hyphens"),
                          ({"name": 5, "slug": "ok-5"}, "name must be a string"),
                          ({"name": "x" * 101, "slug": "ok-6"},
                           "name must be at most 100 characters"),
                          ({"name": "x", "slug": "ok-7", "description": 3},
                           "description must be a string")]:
            self.assertError(u.req("POST", T, body), 400, msg)
        self.assertEqual(self.sql(f"SELECT count(*) FROM \"Team\" WHERE \"ownerId\" = '{u.id}'"), "0")

    def test_duplicate_slug_is_400(self):
        u = self.user()
        self.assertEqual(u.req("POST", T, {"name": "a", "slug": "dup-slug"}).status, 201)
        self.assertError(u.req("POST", T, {"name": "b", "slug": "dup-slug"}), 400,
                         "Team slug already exists")

    def test_anonymous_and_bad_tokens_are_401(self):
        for path in (T, T + "/role-permissions", T + "/some-id", T + "/some-id/members"):
            r = self.naapd.request("GET", path)
            self.assertError(r, 401, "Authorization required")
            r = self.naapd.request("GET", path, headers={"Authorization": "Bearer nope"})
            self.assertError(r, 401, "Invalid or expired session")
        u = self.user()  # the bare token is not enough under /teams (api.md 1.4 v1)
        r = self.naapd.request("GET", T, headers={"Authorization": u.token})
        self.assertError(r, 401, "Authorization required")

    def test_list_my_teams_in_join_order_with_members_and_counts(self):
        t1, t2 = self.team(), self.team()
        u = t1.users["member"]
        self.assertEqual(t2.owner.req("POST", t2.path + "/members",
                                      {"email": u.email, "role": "viewer"}).status, 201)
        r = u.req("GET", T)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.headers["Cache-Control"], "private, max-age=60")
        teams = r.json()["teams"]
        self.assertEqual([t["id"] for t in teams], [t1.id, t2.id])
        first = teams[0]
        self.assertEqual(first["_count"], {"members": 4, "pluginInstalls": 0})
        self.assertEqual(len(first["members"]), 4)
        m = first["members"][0]
        self.assertEqual(set(m), {"id", "teamId", "userId", "role", "invitedBy", "joinedAt", "user"})
        self.assertEqual(m["role"], "owner")
        self.assertEqual(set(m["user"]), {"id", "email", "displayName", "avatarUrl"})
        self.assertEqual(self.user().req("GET", T).json(), {"success": True, "teams": []})

    def test_get_team(self):
        t = self.team()
        for role in ROLES:
            r = t.users[role].req("GET", t.path)
            self.assertEqual(r.status, 200, r.body)
            body = r.json()
            self.assertEqual(body["membership"], {"role": role})
            self.assertEqual(body["member"], {"role": role})
            self.assertEqual(body["team"]["_count"]["members"], 4)
            # role order is plain text order: admin, member, owner, viewer
            self.assertEqual([m["role"] for m in body["team"]["members"]],
                             ["admin", "member", "owner", "viewer"])
        self.assertError(self.user().req("GET", t.path), 403, "Not a member of this team")
        self.assertError(t.owner.req("GET", T + "/00000000-0000-4000-8000-000000000000"), 404,
                         "Team not found")

    def test_role_permissions_is_reachable(self):
        r = self.user().req("GET", T + "/role-permissions")
        self.assertEqual(r.status, 200, r.body)
        perms = r.json()["permissions"]
        self.assertEqual(perms["owner"], ["team.manage", "team.delete", "members.manage",
                                          "members.invite", "plugins.install", "plugins.uninstall",
                                          "plugins.configure", "access.manage"])
        self.assertEqual(perms["admin"], ["members.manage", "members.invite", "plugins.configure",
                                          "access.manage"])
        self.assertEqual(perms["member"], ["plugins.use", "plugins.configure.personal"])
        self.assertEqual(perms["viewer"], ["plugins.view"])


class UpdateDelete(TeamsBase):
    def test_update_by_role(self):
        t = self.team()
        for role in ("admin", "member", "viewer"):
            self.assertError(t.users[role].req("PUT", t.path, {"name": "x"}), 403,
                             "Permission denied: cannot update team")
        self.assertError(self.user().req("PUT", t.path, {"name": "x"}), 403, "Team context required")
        r = t.owner.req("PUT", t.path, {"name": "Renamed", "description": "d", "slug": "ignored"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual((r.json()["team"]["name"], r.json()["team"]["description"],
                          r.json()["team"]["slug"]), ("Renamed", "d", t.slug))
        # absent keeps, null clears
        r = t.owner.req("PUT", t.path, {"description": None})
        self.assertEqual((r.json()["team"]["name"], r.json()["team"]["description"]),
                         ("Renamed", None))
        self.assertError(t.owner.req("PUT", t.path, {"name": None}), 400, "name must not be null")
        self.assertError(t.owner.req("PUT", t.path, {"name": ""}), 400, "name must not be empty")
        self.assertEqual(self.sql(f"SELECT name FROM \"Team\" WHERE id = '{t.id}'"), "Renamed")

    def test_delete_impact_and_delete_owner_only(self):
        seed_core_package(self.db)
        t = self.team()
        for role in ("admin", "member", "viewer"):
            self.assertError(t.users[role].req("GET", t.path + "/delete-impact"), 403,
                             "Only team owner can perform this action")
            self.assertError(t.users[role].req("DELETE", t.path), 403,
                             "Only team owner can perform this action")
        r = t.owner.req("GET", t.path + "/delete-impact")
        self.assertEqual(r.status, 200, r.body)
        impact = r.json()["impact"]
        self.assertEqual(impact["memberCount"], 4)
        self.assertGreaterEqual(impact["pluginCount"], 1)
        self.assertEqual(impact["members"][0], {"id": t.owner.id, "displayName": t.owner.email.split("@")[0],
                                                "email": t.owner.email})
        self.assertEqual(set(impact["plugins"][0]), {"name", "displayName"})
        before = self.sql("SELECT sum(\"activeInstalls\") FROM \"PluginDeployment\"")
        r = t.owner.req("DELETE", t.path)
        self.assertEqual(r.json(), {"success": True, "message": "Team deleted"})
        after = self.sql("SELECT sum(\"activeInstalls\") FROM \"PluginDeployment\"")
        self.assertEqual(int(before) - int(after), impact["pluginCount"])
        for table, col in (("Team", "id"), ("TeamMember", "\"teamId\""),
                           ("TeamPluginInstall", "\"teamId\"")):
            self.assertEqual(self.sql(f"SELECT count(*) FROM \"{table}\" WHERE {col} = '{t.id}'"), "0")
        details = self.sql(f"SELECT details FROM \"AuditLog\" WHERE action = 'team.delete' "
                           f"AND \"resourceId\" = '{t.id}'")
        self.assertIn('"memberCount": 4', details)
        self.assertIn("uninstalledPlugins", details)
        self.assertError(t.owner.req("GET", t.path), 404, "Team not found")
        self.assertError(t.users["member"].req("GET", t.path), 404, "Team not found")

    def test_owner_role_without_owner_id_cannot_delete(self):
        t = self.team()
        self.sql(f"UPDATE \"TeamMember\" SET role = 'owner' WHERE id = '{t.member_ids['admin']}'")
        self.assertError(t.users["admin"].req("DELETE", t.path), 403,
                         "Permission denied: only owner can delete team")


class CoreInstalls(TeamsBase):
    def test_create_installs_core_packages_and_counts_them(self):
        pkg = seed_core_package(self.db, versions=("1.0.0", "1.1.0"))
        seed_core_package(self.db, versions=())  # no version: not installed
        t = self.team()
        rows = self.sql(f"SELECT v.version, i.status, i.enabled, d.\"activeInstalls\" >= 1 "
                        f"FROM \"TeamPluginInstall\" i JOIN \"PluginDeployment\" d ON d.id = "
                        f"i.\"deploymentId\" JOIN \"PluginVersion\" v ON v.id = d.\"versionId\" "
                        f"WHERE i.\"teamId\" = '{t.id}' AND d.\"packageId\" = '{pkg}'")
        self.assertEqual(rows, "1.1.0|active|t|t")
        n = int(self.sql(f"SELECT count(*) FROM \"TeamPluginInstall\" WHERE \"teamId\" = '{t.id}'"))
        # owner: full access; invited admin: canConfigure; member and viewer: not
        access = self.sql(f"SELECT m.role || ':' || bool_and(a.\"canConfigure\") || ':' || count(*) "
                          f"FROM \"TeamMemberPluginAccess\" a JOIN \"TeamMember\" m ON m.id = "
                          f"a.\"memberId\" WHERE m.\"teamId\" = '{t.id}' GROUP BY m.role "
                          f"ORDER BY m.role").split()
        self.assertEqual(access, [f"admin:true:{n}", f"member:false:{n}", f"owner:true:{n}",
                                  f"viewer:false:{n}"])
        self.assertEqual(t.owner.req("GET", t.path).json()["team"]["_count"]["pluginInstalls"], n)


class Members(TeamsBase):
    def test_list_members_paging(self):
        t = self.team()
        r = t.users["viewer"].req("GET", t.path + "/members")
        self.assertEqual(r.status, 200, r.body)
        members = r.json()["members"]
        self.assertEqual([m["role"] for m in members], ["admin", "member", "owner", "viewer"])
        self.assertEqual(members[0]["team"], {"id": t.id, "name": "Team " + t.slug, "slug": t.slug})
        self.assertEqual(set(members[0]["user"]), {"id", "email", "displayName", "avatarUrl"})
        page = t.owner.req("GET", t.path + "/members?skip=1&take=2").json()["members"]
        self.assertEqual([m["role"] for m in page], ["member", "owner"])
        self.assertEqual(len(t.owner.req("GET", t.path + "/members?take=0").json()["members"]), 4)
        self.assertEqual(len(t.owner.req("GET", t.path + "/members?skip=99999999999999999999999")
                             .json()["members"]), 0)
        for q in ("skip=-1", "take=abc", "take=1.5", "skip=+1"):
            r = t.owner.req("GET", t.path + "/members?" + q)
            self.assertError(r, 400)
            self.assertIn("must be a non-negative integer", r.json()["error"])
        self.assertError(self.user().req("GET", t.path + "/members"), 403, "Team context required")

    def test_add_member_rules(self):
        t = self.team()
        new = self.user()
        for role in ("member", "viewer"):
            self.assertError(t.users[role].req("POST", t.path + "/members",
                                               {"email": new.email, "role": "member"}), 403,
                             "Permission denied: cannot invite members")
        p = t.path + "/members"
        self.assertError(t.owner.req("POST", p, {"role": "member"}), 400, "Email is required")
        self.assertError(t.owner.req("POST", p, {"email": "", "role": "member"}), 400, "Email is required")
        self.assertError(t.owner.req("POST", p, {"email": new.email, "role": "owner"}), 400, "Invalid role")
        self.assertError(t.owner.req("POST", p, {"email": new.email}), 400, "Invalid role")
        self.assertError(t.owner.req("POST", p, {"email": "nobody@example.com", "role": "member"}),
                         400, "User not found with this email")
        self.assertError(t.owner.req("POST", p, {"email": t.users["viewer"].email, "role": "member"}),
                         400, "User is already a team member")
        r = t.users["admin"].req("POST", p, {"email": new.email, "role": "viewer"})
        self.assertEqual(r.status, 201, r.body)
        m = r.json()["member"]
        self.assertEqual((m["teamId"], m["userId"], m["role"], m["invitedBy"]),
                         (t.id, new.id, "viewer", t.users["admin"].id))
        self.assertEqual(set(m), {"id", "teamId", "userId", "role", "invitedBy", "joinedAt"})

    def test_concurrent_adds_make_one_row(self):
        t = self.team()
        new = self.user()
        results = []

        def add():
            results.append(t.owner.req("POST", t.path + "/members", {"email": new.email, "role": "member"}))

        threads = [threading.Thread(target=add) for _ in range(6)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses.count(201), 1, statuses)
        self.assertTrue(all(s in (201, 400, 409) for s in statuses), statuses)
        self.assertEqual(self.sql(f"SELECT count(*) FROM \"TeamMember\" WHERE \"teamId\" = '{t.id}' "
                                  f"AND \"userId\" = '{new.id}'"), "1")

    def test_change_role_matrix(self):
        t = self.team()
        p = lambda role: f"{t.path}/members/{t.member_ids[role]}"  # noqa: E731
        for caller in ("member", "viewer"):
            self.assertError(t.users[caller].req("PUT", p("viewer"), {"role": "member"}), 403,
                             "Permission denied: cannot manage members")
        self.assertError(t.users["admin"].req("PUT", p("owner"), {"role": "member"}), 403,
                         "Cannot change owner role")
        self.assertError(t.users["admin"].req("PUT", p("admin"), {"role": "member"}), 403,
                         "Admin cannot manage other admins")
        self.assertError(t.owner.req("PUT", p("owner"), {"role": "admin"}), 400,
                         "Cannot change owner role")
        self.assertError(t.owner.req("PUT", p("viewer"), {"role": "owner"}), 400, "Invalid role")
        self.assertError(t.owner.req("PUT", p("viewer"), {}), 400, "Invalid role")
        r = t.users["admin"].req("PUT", p("viewer"), {"role": "member"})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["member"]["role"], "member")
        r = t.owner.req("PUT", p("admin"), {"role": "viewer"})
        self.assertEqual(r.json()["member"]["role"], "viewer")
        self.assertEqual(self.sql(f"SELECT details FROM \"AuditLog\" WHERE action = "
                                  f"'team.member.update' AND \"resourceId\" = '{t.member_ids['admin']}'"),
                         '{"toRole": "viewer", "fromRole": "admin"}')

    def test_remove_and_leave_matrix(self):
        t = self.team()
        p = lambda role: f"{t.path}/members/{t.member_ids[role]}"  # noqa: E731
        self.assertError(t.users["member"].req("DELETE", p("viewer")), 403,
                         "Permission denied: cannot manage members")
        self.assertError(t.users["admin"].req("DELETE", p("owner")), 403, "Cannot remove team owner")
        self.assertError(t.owner.req("DELETE", p("owner")), 400, "Cannot remove team owner")
        extra_admin = self.user()
        r = t.owner.req("POST", t.path + "/members", {"email": extra_admin.email, "role": "admin"})
        self.assertError(t.users["admin"].req("DELETE", f"{t.path}/members/{r.json()['member']['id']}"),
                         403, "Admin cannot remove other admins")
        # leaving needs no capability
        r = t.users["viewer"].req("DELETE", p("viewer"))
        self.assertEqual(r.json(), {"success": True, "message": "Member removed"})
        r = t.users["admin"].req("DELETE", p("member"))
        self.assertEqual(r.status, 200, r.body)
        actions = self.sql(f"SELECT action FROM \"AuditLog\" WHERE \"resourceId\" IN "
                           f"('{t.member_ids['viewer']}', '{t.member_ids['member']}') ORDER BY action").split()
        self.assertEqual(actions, ["team.member.invite", "team.member.invite", "team.member.leave",
                                   "team.member.remove"])
        self.assertError(t.users["viewer"].req("GET", t.path), 403, "Not a member of this team")

    def test_member_ids_of_another_team_are_404(self):
        a, b = self.team(), self.team()
        for role in ROLES:
            other = b.member_ids[role]
            self.assertError(a.owner.req("PUT", f"{a.path}/members/{other}", {"role": "member"}), 404,
                             "Team member not found")
            self.assertError(a.owner.req("DELETE", f"{a.path}/members/{other}"), 404,
                             "Team member not found")
        self.assertError(a.owner.req("DELETE", f"{a.path}/members/nope"), 404, "Team member not found")
        self.assertEqual(self.sql(f"SELECT count(*) FROM \"TeamMember\" WHERE \"teamId\" = '{b.id}'"), "4")
        # b's owner acting on b's member through a's path: not a member of a
        self.assertError(b.owner.req("DELETE", f"{a.path}/members/{a.member_ids['viewer']}"), 403,
                         "Team context required")


class Transfer(TeamsBase):
    def test_transfer_rules_and_effect(self):
        t = self.team()
        p = t.path + "/transfer-ownership"
        for role in ("admin", "member", "viewer"):
            self.assertError(t.users[role].req("POST", p, {"newOwnerId": t.users[role].id}), 403,
                             "Only team owner can perform this action")
        self.assertError(t.owner.req("POST", p, {}), 400, "New owner ID is required")
        self.assertError(t.owner.req("POST", p, {"newOwnerId": t.owner.id}), 400,
                         "Cannot transfer ownership to yourself")
        self.assertError(t.owner.req("POST", p, {"newOwnerId": self.user().id}), 400,
                         "New owner must be a team member")
        r = t.owner.req("POST", p, {"newOwnerId": t.users["member"].id})
        self.assertEqual(r.json(), {"success": True, "message": "Ownership transferred"})
        self.assertEqual(self.sql(f"SELECT \"ownerId\" FROM \"Team\" WHERE id = '{t.id}'"),
                         t.users["member"].id)
        self.assertEqual(t.owner.req("GET", t.path).json()["membership"], {"role": "admin"})
        self.assertEqual(t.users["member"].req("GET", t.path).json()["membership"], {"role": "owner"})
        # the new owner can do owner things, the old one cannot
        self.assertEqual(t.users["member"].req("PUT", t.path, {"name": "N"}).status, 200)
        self.assertError(t.owner.req("PUT", t.path, {"name": "M"}), 403)

    def test_stale_owner_role_without_owner_id_cannot_transfer(self):
        t = self.team()
        self.sql(f"UPDATE \"TeamMember\" SET role = 'owner' WHERE id = '{t.member_ids['admin']}'")
        self.assertError(t.users["admin"].req("POST", t.path + "/transfer-ownership",
                                              {"newOwnerId": t.users["viewer"].id}), 403,
                         "Only the current owner can transfer ownership")


class Atomicity(TeamsBase):
    """A failure at the last step of each multi-row change (the audit row, forced by a
    trigger) leaves nothing of it behind."""

    def fail_audit(self, action):
        self.sql(f"""
            CREATE OR REPLACE FUNCTION fail_audit() RETURNS trigger AS $$
            BEGIN IF NEW.action = '{action}' THEN RAISE EXCEPTION 'forced'; END IF;
            RETURN NEW; END $$ LANGUAGE plpgsql;
            DROP TRIGGER IF EXISTS fail_audit ON "AuditLog";
            CREATE TRIGGER fail_audit BEFORE INSERT ON "AuditLog"
            FOR EACH ROW EXECUTE FUNCTION fail_audit();""")
        self.addCleanup(self.sql, 'DROP TRIGGER IF EXISTS fail_audit ON "AuditLog"')

    def snapshot(self):
        return self.sql('SELECT (SELECT count(*) FROM "Team") || \',\' || (SELECT count(*) FROM '
                        '"TeamMember") || \',\' || (SELECT count(*) FROM "TeamPluginInstall") || '
                        '\',\' || (SELECT count(*) FROM "TeamMemberPluginAccess") || \',\' || '
                        '(SELECT coalesce(sum("activeInstalls"), 0) FROM "PluginDeployment") || '
                        '\',\' || (SELECT string_agg(id || role, \',\' ORDER BY id) FROM "TeamMember")'
                        ' || (SELECT string_agg("ownerId", \',\' ORDER BY id) FROM "Team")')

    def test_create_is_all_or_nothing(self):
        seed_core_package(self.db)
        u = self.user()
        before = self.snapshot()
        self.fail_audit("team.create")
        r = u.req("POST", T, {"name": "x", "slug": "atomic-create"})
        self.assertEqual(r.status, 500, r.body)
        self.assertIs(r.json()["success"], False)
        self.assertNotIn("forced", r.body.decode())
        self.assertEqual(self.snapshot(), before)

    def test_delete_add_remove_role_transfer_are_all_or_nothing(self):
        seed_core_package(self.db)
        t = self.team()
        new = self.user()
        cases = [("team.delete", "DELETE", t.path, None),
                 ("team.member.invite", "POST", t.path + "/members", {"email": new.email, "role": "admin"}),
                 ("team.member.remove", "DELETE", f"{t.path}/members/{t.member_ids['viewer']}", None),
                 ("team.member.update", "PUT", f"{t.path}/members/{t.member_ids['viewer']}", {"role": "admin"}),
                 ("team.ownership.transfer", "POST", t.path + "/transfer-ownership",
                  {"newOwnerId": t.users["member"].id})]
        for action, method, path, body in cases:
            with self.subTest(action=action):
                before = self.snapshot()
                self.fail_audit(action)
                r = t.owner.req(method, path, body)
                self.assertEqual(r.status, 500, r.body)
                self.assertEqual(self.snapshot(), before)
                self.sql('DROP TRIGGER IF EXISTS fail_audit ON "AuditLog"')


class CacheFreshness(TeamsBase):
    def test_reads_are_cached_and_every_write_is_seen_by_every_member(self):
        t = self.team()
        viewer = t.users["viewer"]
        r1 = viewer.req("GET", t.path)
        r2 = viewer.req("GET", t.path)
        self.assertEqual((r1.headers["X-Cache"], r2.headers["X-Cache"]), ("MISS", "HIT"))
        self.assertEqual(r2.headers["Cache-Control"], "private, max-age=60")
        self.assertEqual(viewer.req("GET", t.path, **{"If-None-Match": r2.headers["ETag"]}).status, 304)
        l1, l2 = viewer.req("GET", T), viewer.req("GET", T)
        self.assertEqual((l1.headers["X-Cache"], l2.headers["X-Cache"]), ("MISS", "HIT"))

        # rename: every member sees it at once, in both reads
        self.assertEqual(t.owner.req("PUT", t.path, {"name": "Fresh"}).status, 200)
        for role in ROLES:
            u = t.users[role]
            self.assertEqual(u.req("GET", t.path).json()["team"]["name"], "Fresh", role)
            self.assertEqual(u.req("GET", T).json()["teams"][0]["name"], "Fresh", role)

        # a new member appears in everyone's lists
        new = self.user()
        self.assertEqual(new.req("GET", T).json()["teams"], [])
        r = t.owner.req("POST", t.path + "/members", {"email": new.email, "role": "member"})
        new_mid = r.json()["member"]["id"]
        self.assertEqual(len(new.req("GET", T).json()["teams"]), 1)
        self.assertEqual(viewer.req("GET", t.path).json()["team"]["_count"]["members"], 5)
        self.assertEqual(len(viewer.req("GET", T).json()["teams"][0]["members"]), 5)

        # a role change shows in the member's own membership
        t.owner.req("PUT", f"{t.path}/members/{new_mid}", {"role": "viewer"})
        self.assertEqual(new.req("GET", t.path).json()["membership"], {"role": "viewer"})

        # a removed member loses the team from their own list at once, and access to it
        self.assertEqual(t.owner.req("DELETE", f"{t.path}/members/{new_mid}").status, 200)
        self.assertEqual(new.req("GET", T).json()["teams"], [])
        self.assertEqual(new.req("GET", t.path).status, 403)
        self.assertEqual(viewer.req("GET", t.path).json()["team"]["_count"]["members"], 4)

        # transfer: both sides see their new roles
        t.owner.req("POST", t.path + "/transfer-ownership", {"newOwnerId": viewer.id})
        self.assertEqual(viewer.req("GET", t.path).json()["membership"], {"role": "owner"})
        self.assertEqual(t.owner.req("GET", t.path).json()["membership"], {"role": "admin"})

        # delete: gone from every list
        self.assertEqual(viewer.req("DELETE", t.path).status, 200)
        for role in ROLES:
            self.assertEqual(t.users[role].req("GET", T).json()["teams"], [], role)
            self.assertEqual(t.users[role].req("GET", t.path).status, 404, role)

    def test_create_shows_in_my_list_at_once(self):
        u = self.user()
        self.assertEqual(u.req("GET", T).json()["teams"], [])
        self.assertEqual(u.req("GET", T).headers["X-Cache"], "HIT")
        u.req("POST", T, {"name": "n", "slug": "fresh-create"})
        self.assertEqual(len(u.req("GET", T).json()["teams"]), 1)


class TwoInstances(unittest.TestCase):
    """Two naapd instances (hosts) on one PostgreSQL and one Redis: a write through either is
    seen at once through the other, by every member (decisions.md "Added")."""

    @classmethod
    def setUpClass(cls):
        stores = shared_stores()
        cls.db = stores.create_database()
        redis = stores.redis_db()
        env = {"PASSWORD_ITERATIONS": "1000", "RATE_LIMIT_ENABLED": "false"}
        cls.a = Naapd(cls.db, redis, env=env)
        # the same JWT secret, as hosts behind one balancer share it
        cls.b = Naapd(cls.db, redis, env={**env, "JWT_SECRET": cls.a.jwt_secret}, migrate=False)

    @classmethod
    def tearDownClass(cls):
        cls.a.stop()
        cls.b.stop()

    def test_writes_through_one_host_are_read_fresh_through_the_other(self):
        t = Team(self.a)
        viewer_a = t.users["viewer"]
        viewer_b = User.__new__(User)  # the same session, spoken to host b
        viewer_b.__dict__.update(viewer_a.__dict__, naapd=self.b)
        owner_b = User.__new__(User)
        owner_b.__dict__.update(t.owner.__dict__, naapd=self.b)
        for u in (viewer_a, viewer_b):  # warm both hosts' view (one shared cache)
            u.req("GET", t.path)
            u.req("GET", T)
        self.assertEqual(viewer_b.req("GET", t.path).headers["X-Cache"], "HIT")
        self.assertEqual(owner_b.req("PUT", t.path, {"name": "Via B"}).status, 200)
        for u in (viewer_a, viewer_b):
            self.assertEqual(u.req("GET", t.path).json()["team"]["name"], "Via B")
            self.assertEqual(u.req("GET", T).json()["teams"][0]["name"], "Via B")
        self.assertEqual(t.owner.req("DELETE", f"{t.path}/members/{t.member_ids['viewer']}").status, 200)
        for u in (viewer_a, viewer_b):
            self.assertEqual(u.req("GET", T).json()["teams"], [])
            self.assertEqual(u.req("GET", t.path).status, 403)


if __name__ == "__main__":
    unittest.main()
