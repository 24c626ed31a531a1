"""Registry and marketplace over real HTTP, PostgreSQL and Redis (api.md 6.1-6.5, decisions.md)."""

import os
import sys
import unittest
import urllib.parse
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import DataStores, Naapd, NaapdTestCase, express_etag, psql, redis_cmd  # noqa: E402

ENV = {"PASSWORD_ITERATIONS": "1000", "RATE_LIMIT_ENABLED": "false"}


def register(n, email):
    r = n.request("POST", "/api/v1/auth/register",
                  json_body={"email": email, "password": "password1", "displayName": email[:5]})
    assert r.status == 200, r.body
    return r.json()


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def manifest(name, version="1.0.0", **extra):
    m = {"name": name, "version": version, "displayName": name.title(),
         "description": f"the {name} plugin", "category": "tools", "keywords": ["kw-" + name],
         "author": {"name": "Ann", "email": "ann@example.com"},
         "frontend": {"navigation": {"icon": "Box"}}}
    m.update(extra)
    return m


def publish(n, token, m, **body):
    return n.request("POST", "/api/v1/registry/packages", headers=auth(token),
                     json_body={"manifest": m, **body})


def grant_admin(db, user_id):
    psql(db, "INSERT INTO \"Role\" (id, name, \"displayName\", permissions, \"updatedAt\") "
             "VALUES ('role-admin', 'system:admin', 'Admin', '[\"*\"]', now()) "
             "ON CONFLICT DO NOTHING; "
             f"INSERT INTO \"UserRole\" (id, \"userId\", \"roleId\") "
             f"VALUES (gen_random_uuid()::text, '{user_id}', 'role-admin')")


def q(params):
    return "?" + urllib.parse.urlencode(params) if params else ""


class RegistryBase(NaapdTestCase):
    """Seeded with five packages of alice's, a draft and a deprecated one."""
    naapd_env = ENV

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        n = cls.naapd
        cls.alice = register(n, "alice@example.com")
        cls.bob = register(n, "bob@example.com")
        cls.root = register(n, "root@example.com")
        grant_admin(cls.db, cls.root["user"]["id"])
        a = cls.alice["token"]
        for name, dl, cat in [("alpha", 5, "tools"), ("beta", 50, "media"), ("gamma", 7, "tools"),
                              ("pct%", 1, "tools"), ("under_score", 2, "tools")]:
            r = publish(n, a, manifest(name, category=cat))
            assert r.status == 201, r.body
            psql(cls.db, f"UPDATE \"PluginPackage\" SET downloads = {dl} WHERE name = '{name}'")
        r = publish(n, a, manifest("alpha", "1.1.0"))
        assert r.status == 201, r.body
        # a draft (listed by /registry/packages, not by the aliases) and a deprecated package
        psql(cls.db, """
            INSERT INTO "PluginPackage" (id, name, "displayName", "publishStatus", "updatedAt")
            VALUES ('p-draft', 'drafty', 'Drafty', 'draft', now()),
                   ('p-old', 'oldie', 'Oldie', 'published', now());
            UPDATE "PluginPackage" SET deprecated = true WHERE name = 'oldie';
        """)

    def list(self, path="/api/v1/registry/packages", **params):
        return self.naapd.request("GET", path + q(params))

    def names(self, r):
        self.assertEqual(r.status, 200, r.body)
        return [p["name"] for p in r.json()["packages"]]



class RegistryReads(RegistryBase):
    # ---- list -------------------------------------------------------------------------

    def test_list_shape_and_latest_version(self):
        r = self.list(search="alpha")
        body = r.json()
        self.assertEqual(body["total"], 1)
        self.assertEqual((body["limit"], body["offset"]), (20, 0))
        p = body["packages"][0]
        self.assertEqual(p["latestVersion"], "1.1.0")
        self.assertEqual([v["version"] for v in p["versions"]], ["1.1.0"])
        self.assertEqual(p["_count"], {"installations": 0})
        self.assertEqual(p["installedCount"], 0)
        self.assertEqual(p["keywords"], ["kw-alpha"])
        self.assertEqual(p["author"], "Ann")
        self.assertEqual(p["authorEmail"], "ann@example.com")
        self.assertEqual(p["icon"], "Box")
        self.assertEqual(p["publishStatus"], "published")
        self.assertIsNotNone(p["publisherId"])
        self.assertRegex(p["createdAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        for key in ("githubRepo", "license", "rating", "isCore", "deprecated", "updatedAt"):
            self.assertIn(key, p)
        self.assertIn("manifest", p["versions"][0])

    def test_default_sort_is_downloads_and_deprecated_are_hidden(self):
        names = self.names(self.list())
        self.assertEqual(names[:2], ["beta", "gamma"])
        self.assertNotIn("oldie", names)
        self.assertIn("drafty", names)  # api.md 6.1: publishStatus is not filtered here
        self.assertEqual(self.list().json()["total"], 6)

    def test_sorts(self):
        self.assertEqual(self.names(self.list(sort="name"))[:3], ["alpha", "beta", "drafty"])
        newest = self.names(self.list(sort="newest"))
        self.assertEqual(newest[0], "drafty")
        self.assertEqual(len(self.names(self.list(sort="rating"))), 6)
        self.assertEqual(len(self.names(self.list(sort="bogus"))), 6)

    def test_category_and_search_filters(self):
        self.assertEqual(sorted(self.names(self.list(category="media"))), ["beta"])
        self.assertEqual(self.names(self.list(category="nope")), [])
        self.assertEqual(self.names(self.list(search="GAMMA")), ["gamma"])  # ILIKE
        self.assertEqual(self.names(self.list(search="the beta")), ["beta"])  # description
        self.assertEqual(self.names(self.list(search="kw-beta")), ["beta"])  # keyword
        self.assertEqual(self.names(self.list(search="")), self.names(self.list()))

    def test_search_takes_percent_and_underscore_literally(self):
        self.assertEqual(self.names(self.list(search="%")), ["pct%"])
        self.assertEqual(self.names(self.list(search="_")), ["under_score"])
        self.assertEqual(self.names(self.list(search="a_p")), [])  # would match "alpha"
        self.assertEqual(self.names(self.list(search="\\")), [])

    def test_pages(self):
        all_names = self.names(self.list(sort="name"))
        page = self.list(sort="name", limit="2", offset="1").json()
        self.assertEqual([p["name"] for p in page["packages"]], all_names[1:3])
        self.assertEqual((page["total"], page["limit"], page["offset"]), (6, 2, 1))
        self.assertEqual(self.names(self.list(offset="100")), [])
        self.assertEqual(self.list(limit="100000").json()["limit"], 100)

    def test_bad_counts_are_400(self):
        for params in ({"limit": "abc"}, {"limit": "-1"}, {"offset": "-5"}, {"offset": "1.5"},
                       {"limit": "2x"}):
            for path in ("/api/v1/registry/packages", "/api/v1/marketplace", "/api/v1/plugins"):
                r = self.list(path, **params)
                self.assertEqual(r.status, 400, (path, params, r.body))
                self.assertIn(list(params)[0], r.json()["error"])

    def test_mine(self):
        r = self.naapd.request("GET", "/api/v1/registry/packages?mine=true",
                               headers=auth(self.alice["token"]))
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(len(r.json()["packages"]), 5)
        self.assertEqual(r.headers["Cache-Control"], "private, no-store")
        r = self.naapd.request("GET", "/api/v1/registry/packages?mine=true",
                               headers=auth(self.bob["token"]))
        self.assertEqual(r.json(), {"packages": [], "total": 0, "limit": 20, "offset": 0})
        self.assertNotEqual(r.headers["X-Cache"], "HIT")
        # anonymous: mine is ignored (api.md 6.1)
        self.assertEqual(self.list(mine="true").json()["total"], 6)

    def test_aliases_equal_the_registry_list_of_published_packages(self):
        reg = self.list(sort="name").json()
        published = [p for p in reg["packages"] if p["publishStatus"] == "published"]
        for path in ("/api/v1/marketplace", "/api/v1/plugins"):
            r = self.list(path, sort="name")
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.json()["packages"], published)
            self.assertEqual(r.json()["total"], len(published))
            self.assertEqual(r.headers["Cache-Control"], "public, max-age=600")
            self.assertEqual(self.names(self.list(path, category="media")), ["beta"])

    # ---- detail -----------------------------------------------------------------------

    def test_package_detail(self):
        r = self.naapd.request("GET", "/api/v1/registry/packages/alpha")
        self.assertEqual(r.status, 200, r.body)
        p = r.json()["package"]
        self.assertEqual([v["version"] for v in p["versions"]], ["1.1.0", "1.0.0"])
        self.assertEqual(p["installations"], [])
        self.assertEqual(r.headers["Cache-Control"], "public, max-age=300")
        r = self.naapd.request("GET", "/api/v1/registry/packages/nope")
        self.assertEqual((r.status, r.json()), (404, {"error": "Package not found"}))

    def test_percent_encoded_names(self):
        r = self.naapd.request("GET", "/api/v1/registry/packages/pct%25")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json()["package"]["name"], "pct%")

    def test_version_detail(self):
        r = self.naapd.request("GET", "/api/v1/registry/packages/alpha/1.0.0")
        self.assertEqual(r.status, 200, r.body)
        body = r.json()
        self.assertEqual(body["package"]["name"], "alpha")
        self.assertNotIn("versions", body["package"])
        self.assertEqual(body["version"]["version"], "1.0.0")
        self.assertEqual(body["version"]["manifest"]["name"], "alpha")
        r = self.naapd.request("GET", "/api/v1/registry/packages/alpha/9.9.9")
        self.assertEqual((r.status, r.json()), (404, {"error": "Version not found"}))
        r = self.naapd.request("GET", "/api/v1/registry/packages/nope/1.0.0")
        self.assertEqual((r.status, r.json()), (404, {"error": "Package not found"}))



class RegistryWrites(RegistryBase):
    """Writes get their own database, so the exact counts of RegistryReads hold."""

    # ---- publish ----------------------------------------------------------------------

    def test_publish_creates_package_version_and_publisher(self):
        r = publish(self.naapd, self.bob["token"], manifest("bobs", description="x"),
                    frontendUrl="https://cdn/x.js", releaseNotes="first")
        self.assertEqual(r.status, 201, r.body)
        body = r.json()
        self.assertEqual(body["package"]["name"], "bobs")
        self.assertEqual(body["package"]["category"], "tools")
        self.assertEqual(body["version"]["frontendUrl"], "https://cdn/x.js")
        self.assertEqual(body["version"]["releaseNotes"], "first")
        self.assertEqual(body["version"]["packageId"], body["package"]["id"])
        email = psql(self.db, "SELECT email FROM \"Publisher\" WHERE id = "
                              f"'{body['package']['publisherId']}'").strip()
        self.assertEqual(email, "bob@example.com")
        # an update keeps absent fields, always writes category (default "other")
        r = publish(self.naapd, self.bob["token"], {"name": "bobs", "version": "2.0.0"})
        self.assertEqual(r.status, 201, r.body)
        p = r.json()["package"]
        self.assertEqual((p["displayName"], p["description"], p["category"], p["keywords"]),
                         ("Bobs", "x", "other", []))

    def test_publish_needs_a_session(self):
        r = self.naapd.request("POST", "/api/v1/registry/packages",
                               json_body={"manifest": manifest("anon")})
        self.assertEqual((r.status, r.json()), (401, {"error": "Authentication required"}))

    def test_publish_validation(self):
        t = self.bob["token"]
        for body in ({}, {"manifest": "x"}, {"manifest": {"name": "x"}},
                     {"manifest": {"version": "1"}}, {"manifest": {"name": "", "version": "1"}}):
            r = self.naapd.request("POST", "/api/v1/registry/packages", headers=auth(t),
                                   json_body=body)
            self.assertEqual(r.status, 400, body)
            self.assertEqual(r.json(), {"error": "manifest with name and version required"})
        r = publish(self.naapd, t, {"name": "nodisplay", "version": "1"})
        self.assertEqual(r.status, 400)
        self.assertIn("displayName", r.json()["error"])
        r = publish(self.naapd, t, manifest("badkw", keywords=[1]))
        self.assertEqual(r.status, 400)
        self.assertIn("keywords", r.json()["error"])
        r = publish(self.naapd, t, manifest("badtype", description=5))
        self.assertEqual(r.status, 400)
        self.assertIn("description", r.json()["error"])
        self.assertEqual(self.naapd.request("GET", "/api/v1/registry/packages/nodisplay").status,
                         404)

    def test_existing_version_is_409_and_changes_nothing(self):
        t = self.alice["token"]
        r = publish(self.naapd, t, manifest("gamma", description="changed"))
        self.assertEqual((r.status, r.json()), (409, {"error": "Version already exists"}))
        desc = psql(self.db, "SELECT description FROM \"PluginPackage\" WHERE name = 'gamma'")
        self.assertEqual(desc.strip(), "the gamma plugin")

    def test_only_the_publisher_or_an_admin_may_change_a_package(self):
        r = publish(self.naapd, self.bob["token"], manifest("gamma", "9.0.0"))
        self.assertEqual(r.status, 403, r.body)
        r = self.naapd.request("POST", "/api/v1/registry/packages/gamma/1.0.0/deprecate",
                               headers=auth(self.bob["token"]), json_body={})
        self.assertEqual(r.status, 403, r.body)
        r = publish(self.naapd, self.root["token"], manifest("gamma", "9.0.0"))
        self.assertEqual(r.status, 201, r.body)
        # the admin's publish does not take the package over
        r = publish(self.naapd, self.alice["token"], manifest("gamma", "9.1.0"))
        self.assertEqual(r.status, 201, r.body)
        # a package with no publisher: admin only
        r = publish(self.naapd, self.alice["token"], manifest("drafty", "1.0.0"))
        self.assertEqual(r.status, 403, r.body)
        r = publish(self.naapd, self.root["token"], manifest("drafty", "1.0.0"))
        self.assertEqual(r.status, 201, r.body)

    # ---- deprecate --------------------------------------------------------------------

    def test_deprecate(self):
        t = self.alice["token"]
        r = publish(self.naapd, t, manifest("depme"))
        self.assertEqual(r.status, 201, r.body)
        r = self.naapd.request("POST", "/api/v1/registry/packages/depme/1.0.0/deprecate",
                               headers=auth(t), json_body={"message": "use 2"})
        self.assertEqual((r.status, r.json()), (200, {"success": True,
                                                       "affectedInstallations": 0}))
        v = self.naapd.request("GET", "/api/v1/registry/packages/depme/1.0.0").json()["version"]
        self.assertEqual((v["deprecated"], v["deprecationMsg"]), (True, "use 2"))
        # no message: the old one stays
        r = self.naapd.request("POST", "/api/v1/registry/packages/depme/1.0.0/deprecate",
                               headers=auth(t))
        self.assertEqual(r.status, 200, r.body)
        v = self.naapd.request("GET", "/api/v1/registry/packages/depme/1.0.0").json()["version"]
        self.assertEqual(v["deprecationMsg"], "use 2")
        r = self.naapd.request("POST", "/api/v1/registry/packages/depme/7.0.0/deprecate",
                               headers=auth(t), json_body={})
        self.assertEqual((r.status, r.json()), (404, {"error": "Version not found"}))
        r = self.naapd.request("POST", "/api/v1/registry/packages/nope/1.0.0/deprecate",
                               headers=auth(t), json_body={})
        self.assertEqual((r.status, r.json()), (404, {"error": "Package not found"}))
        r = self.naapd.request("POST", "/api/v1/registry/packages/depme/1.0.0/deprecate",
                               json_body={})
        self.assertEqual(r.status, 401)
        r = self.naapd.request("POST", "/api/v1/registry/packages/depme/1.0.0/deprecate",
                               headers=auth(t), json_body={"message": 5})
        self.assertEqual(r.status, 400)

    # ---- cache ------------------------------------------------------------------------

    def test_lists_are_cached_and_fresh_after_publish_and_deprecate(self):
        t = self.alice["token"]
        path = "/api/v1/marketplace?search=fresh"
        r = self.naapd.request("GET", path)
        self.assertEqual((r.status, r.json()["total"]), (200, 0))
        self.assertEqual(self.naapd.request("GET", path).headers["X-Cache"], "HIT")
        detail = "/api/v1/registry/packages/fresh"
        self.assertEqual(publish(self.naapd, t, manifest("fresh")).status, 201)
        r = self.naapd.request("GET", path)
        self.assertEqual((r.headers["X-Cache"], r.json()["total"]), ("MISS", 1))
        r = self.naapd.request("GET", detail)
        self.assertEqual(r.headers["X-Cache"], "MISS")
        self.assertEqual(self.naapd.request("GET", detail).headers["X-Cache"], "HIT")
        ver = "/api/v1/registry/packages/fresh/1.0.0"
        self.assertFalse(self.naapd.request("GET", ver).json()["version"]["deprecated"])
        self.assertEqual(self.naapd.request("GET", ver).headers["X-Cache"], "HIT")
        r = self.naapd.request("POST", "/api/v1/registry/packages/fresh/1.0.0/deprecate",
                               headers=auth(t), json_body={})
        self.assertEqual(r.status, 200)
        r = self.naapd.request("GET", ver)
        self.assertEqual(r.headers["X-Cache"], "MISS")
        self.assertTrue(r.json()["version"]["deprecated"])
        self.assertEqual(self.naapd.request("GET", detail).headers["X-Cache"], "MISS")
        self.assertEqual(self.naapd.request("GET", path).headers["X-Cache"], "MISS")

    def test_etag_304_and_gzip_on_the_marketplace(self):
        path = "/api/v1/plugins?sort=name"
        first = self.naapd.request("GET", path)
        etag = first.headers["ETag"]
        r = self.naapd.request("GET", path, headers={"If-None-Match": etag})
        self.assertEqual((r.status, r.body), (304, b""))
        z = self.naapd.request("GET", path, headers={"Accept-Encoding": "gzip"})
        self.assertEqual(z.decoded(), first.body)
        self.assertEqual(z.headers.get("Content-Encoding"), "gzip")


class MarketplaceHits(RegistryBase):
    """What a response-cache hit sends (issue 15): the entry's body, its stored gzip and
    its stored ETag, exactly what the miss that filled it sent."""

    GZ = {"Accept-Encoding": "gzip"}

    def get(self, path, method="GET", **headers):
        return self.naapd.request(method, path, headers=headers)

    def entry(self, body):
        """The Redis key and value of the response-cache entry holding body."""
        url = self.naapd.redis_url
        for key in redis_cmd(url, "KEYS", "naap:c:resp:*"):
            value = redis_cmd(url, "GET", key)
            head, _, rest = (value or b"").partition(b"\n")
            fields = head.split(b" ")
            if len(fields) > 3 and rest[:int(fields[2])] == body:
                return key, fields
        self.fail("no cache entry holds the body")

    def test_a_hit_carries_the_etag_and_gzip_of_the_miss_that_filled_it(self):
        path = "/api/v1/registry/packages?sort=name&limit=50"
        miss = self.get(path, **self.GZ)
        self.assertEqual((miss.status, miss.headers["X-Cache"]), (200, "MISS"))
        self.assertEqual(miss.headers.get("Content-Encoding"), "gzip")
        body = miss.decoded()
        etag = miss.headers["ETag"]
        self.assertEqual(etag, express_etag(body))
        # stored with the entry, so a hit does not hash the body again
        _, fields = self.entry(body)
        self.assertEqual((fields[0], fields[4].decode()), (b"naap-blob/2", etag))

        hit = self.get(path, **self.GZ)
        self.assertEqual((hit.status, hit.headers["X-Cache"]), (200, "HIT"))
        self.assertEqual(hit.headers.get("Content-Encoding"), "gzip")
        self.assertEqual(hit.body, miss.body)  # the stored gzip, byte for byte
        self.assertEqual(hit.headers["ETag"], etag)
        self.assertIn("Accept-Encoding", hit.headers["Vary"])
        # a client that takes no gzip gets the identity body, same tag
        plain = self.get(path)
        self.assertEqual((plain.headers["X-Cache"], plain.body), ("HIT", body))
        self.assertIsNone(plain.headers.get("Content-Encoding"))
        self.assertEqual(plain.headers["ETag"], etag)
        self.assertEqual(int(plain.headers["Content-Length"]), len(body))

        # If-None-Match on a hit: 304 with the 200's headers, for both encodings
        for headers, sent in ((self.GZ, hit), ({}, plain)):
            r = self.get(path, **headers, **{"If-None-Match": etag})
            self.assertEqual((r.status, r.body, r.headers["X-Cache"]), (304, b"", "HIT"))
            self.assertEqual(r.headers["ETag"], etag)
            self.assertEqual(r.headers.get("Content-Encoding"), sent.headers.get("Content-Encoding"))
            self.assertEqual(r.headers["Content-Length"], sent.headers["Content-Length"])
        # HEAD of a hit: the GET's headers, no body
        for headers, sent in ((self.GZ, hit), ({}, plain)):
            r = self.get(path, "HEAD", **headers)
            self.assertEqual((r.status, r.body, r.headers["X-Cache"]), (200, b"", "HIT"))
            for name in ("ETag", "Content-Length", "Content-Type", "Vary", "Cache-Control"):
                self.assertEqual(r.headers[name], sent.headers[name], name)
            self.assertEqual(r.headers.get("Content-Encoding"), sent.headers.get("Content-Encoding"))
        # deflate is compressed from the hit's body
        r = self.get(path, **{"Accept-Encoding": "deflate"})
        self.assertEqual((r.headers["X-Cache"], r.headers["Content-Encoding"]), ("HIT", "deflate"))
        self.assertEqual(zlib.decompress(r.body), body)

    def test_an_entry_of_the_previous_format_is_served_right_or_missed(self):
        path = "/api/v1/registry/packages?sort=name&limit=49"
        miss = self.get(path)
        self.assertEqual(miss.headers["X-Cache"], "MISS")
        key, _ = self.entry(miss.body)
        url = self.naapd.redis_url
        # version 1 had no ETag: its hit hashes the body it serves
        old = b'{"packages":[],"total":0,"page":1,"limit":49,"totalPages":0}'
        v1 = b"naap-blob/1 200 %d 0 application/json; charset=utf-8\n%s" % (len(old), old)
        redis_cmd(url, "SET", key, v1, "KEEPTTL")
        for headers in ({}, self.GZ):
            r = self.get(path, **headers)
            self.assertEqual((r.status, r.headers["X-Cache"], r.body), (200, "HIT", old))
            self.assertEqual(r.headers["ETag"], express_etag(old))
        # a version this build does not know is a miss, answered from the database
        redis_cmd(url, "SET", key, b"naap-blob/9" + v1[11:], "KEEPTTL")
        r = self.get(path)
        self.assertEqual((r.status, r.headers["X-Cache"], r.body), (200, "MISS", miss.body))
        self.assertEqual(r.headers["ETag"], miss.headers["ETag"])


class MarketplaceWithoutPostgres(unittest.TestCase):
    """A cached marketplace answer needs Redis only (issue 13)."""

    def test_cached_hit_is_served_while_postgres_is_stopped(self):
        stores = DataStores()
        try:
            with Naapd(stores.create_database(), stores.redis_url + "/1", env=ENV) as n:
                token = register(n, "solo@example.com")["token"]
                self.assertEqual(publish(n, token, manifest("solo")).status, 201)
                first = n.request("GET", "/api/v1/marketplace")
                self.assertEqual(first.headers["X-Cache"], "MISS")
                stores.stop_pg()
                r = n.request("GET", "/api/v1/marketplace")
                self.assertEqual((r.status, r.headers["X-Cache"]), (200, "HIT"))
                self.assertEqual(r.body, first.body)
                r = n.request("GET", "/api/v1/marketplace?search=other")
                self.assertEqual(r.status, 503, r.body)
                stores.start_pg()
        finally:
            stores.stop()


if __name__ == "__main__":
    unittest.main()
