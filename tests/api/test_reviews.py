"""Registry reviews over real HTTP, PostgreSQL and Redis (api.md 6.6-6.8, decisions.md)."""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import NaapdTestCase, psql  # noqa: E402
from test_registry import ENV, auth, manifest, publish, register  # noqa: E402

BASE = "/api/v1/registry/packages"


class Reviews(NaapdTestCase):
    naapd_env = ENV

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        n = cls.naapd
        cls.users = [register(n, f"user{i}@example.com") for i in range(4)]
        for name in ("rated", "paged", "cached", "gone"):
            r = publish(n, cls.users[0]["token"], manifest(name))
            assert r.status == 201, r.body

    def review(self, name, user, body):
        return self.naapd.request("POST", f"{BASE}/{name}/reviews",
                                  headers=auth(self.users[user]["token"]), json_body=body)

    def reviews(self, name, query=""):
        return self.naapd.request("GET", f"{BASE}/{name}/reviews{query}")

    def rating(self, name):
        return psql(self.db, f"SELECT rating FROM \"PluginPackage\" WHERE name = '{name}'").strip()

    def test_create_replace_delete_and_aggregates(self):
        r = self.review("rated", 0, {"rating": 5, "comment": "Nice"})
        self.assertEqual(r.status, 200, r.body)
        body = r.json()
        self.assertTrue(body["success"])
        d = body["data"]
        self.assertEqual((d["rating"], d["comment"], d["displayName"]), (5, "Nice", "user0"))
        self.assertNotIn("userId", d)
        self.assertEqual(self.review("rated", 1, {"rating": 4, "comment": ""}).status, 200)
        self.assertEqual(self.review("rated", 2, {"rating": 4}).status, 200)
        self.assertEqual(self.rating("rated"), "4.333333333333333")
        data = self.reviews("rated").json()["data"]
        self.assertEqual(data["aggregate"], {"averageRating": 4.3, "totalRatings": 3,
                                             "distribution": {"1": 0, "2": 0, "3": 0, "4": 2,
                                                              "5": 1}})
        self.assertEqual(data["pagination"], {"page": 1, "limit": 20, "totalPages": 1})
        self.assertIsNone(next(x for x in data["reviews"] if x["rating"] == 4)["comment"])
        # replace: still one review per user, new values
        first_id = d["id"]
        r = self.review("rated", 0, {"rating": 1, "comment": None})
        self.assertEqual((r.json()["data"]["id"], r.json()["data"]["rating"]), (first_id, 1))
        agg = self.reviews("rated").json()["data"]["aggregate"]
        self.assertEqual((agg["totalRatings"], agg["averageRating"]), (3, 3.0))
        # delete own: the rating follows; deleting again is fine; none left → null
        for user in (0, 1, 2):
            r = self.naapd.request("DELETE", f"{BASE}/rated/reviews",
                                   headers=auth(self.users[user]["token"]))
            self.assertEqual((r.status, r.json()), (200, {"success": True}))
            if user == 0:
                self.assertEqual(self.rating("rated"), "4")
        r = self.naapd.request("DELETE", f"{BASE}/rated/reviews",
                               headers=auth(self.users[0]["token"]))
        self.assertEqual(r.status, 200)
        self.assertEqual(self.rating("rated"), "")
        agg = self.reviews("rated").json()["data"]["aggregate"]
        self.assertEqual((agg["averageRating"], agg["totalRatings"]), (None, 0))
        self.assertEqual(self.reviews("rated").json()["data"]["pagination"]["totalPages"], 0)

    def test_rating_must_be_an_integer_1_to_5(self):
        for bad in ("5", True, [4], 4.5, 0, 6, None, {}):
            r = self.review("rated", 3, {"rating": bad})
            self.assertEqual(r.status, 400, bad)
            self.assertEqual(r.json(), {"error": "rating must be an integer between 1 and 5"})
        r = self.review("rated", 3, {})
        self.assertEqual(r.status, 400)
        for bad in (5, "x" * 2001):
            r = self.review("rated", 3, {"rating": 3, "comment": bad})
            self.assertEqual(r.json(), {"error": "comment must be a string with max 2000 characters"})
        self.assertEqual(self.review("rated", 3, {"rating": 3, "comment": "é" * 2000}).status, 200)
        self.naapd.request("DELETE", f"{BASE}/rated/reviews", headers=auth(self.users[3]["token"]))

    def test_errors(self):
        r = self.naapd.request("POST", f"{BASE}/rated/reviews", json_body={"rating": 5})
        self.assertEqual((r.status, r.json()), (401, {"error": "Authentication required"}))
        r = self.naapd.request("POST", f"{BASE}/rated/reviews", json_body={"rating": 5},
                               headers={"x-user-id": self.users[0]["user"]["id"]})
        self.assertEqual(r.status, 401)  # decisions.md 5: never trusted
        r = self.naapd.request("DELETE", f"{BASE}/rated/reviews")
        self.assertEqual(r.status, 401)
        r = self.review("nope", 0, {"rating": 5})
        self.assertEqual((r.status, r.json()), (404, {"error": "Package not found"}))
        r = self.naapd.request("DELETE", f"{BASE}/nope/reviews",
                               headers=auth(self.users[0]["token"]))
        self.assertEqual((r.status, r.json()), (404, {"error": "Package not found"}))
        r = self.reviews("nope")
        self.assertEqual((r.status, r.json()), (404, {"error": "Package not found"}))

    def test_pages(self):
        for user in range(3):
            self.assertEqual(self.review("paged", user, {"rating": 2 + user}).status, 200)
        data = self.reviews("paged", "?limit=2&page=2").json()["data"]
        self.assertEqual(len(data["reviews"]), 1)
        self.assertEqual(data["pagination"], {"page": 2, "limit": 2, "totalPages": 2})
        self.assertEqual(data["aggregate"]["totalRatings"], 3)
        newest = self.reviews("paged", "?limit=1").json()["data"]["reviews"][0]
        self.assertEqual(newest["rating"], 4)
        p = self.reviews("paged", "?limit=0&page=0").json()["data"]["pagination"]
        self.assertEqual((p["page"], p["limit"]), (1, 20))
        self.assertEqual(self.reviews("paged", "?limit=500").json()["data"]["pagination"]["limit"],
                         50)
        for query in ("?page=abc", "?page=-1", "?limit=x", "?limit=-2", "?page=1.5"):
            r = self.reviews("paged", query)
            self.assertEqual(r.status, 400, query)

    def test_review_writes_refresh_cached_lists_and_detail(self):
        lst = "/api/v1/marketplace?search=cached"
        detail = f"{BASE}/cached"
        for path in (lst, detail):
            self.naapd.request("GET", path)
            self.assertEqual(self.naapd.request("GET", path).headers["X-Cache"], "HIT")
        self.assertEqual(self.review("cached", 0, {"rating": 2}).status, 200)
        r = self.naapd.request("GET", lst)
        self.assertEqual((r.headers["X-Cache"], r.json()["packages"][0]["rating"]), ("MISS", 2))
        r = self.naapd.request("GET", detail)
        self.assertEqual((r.headers["X-Cache"], r.json()["package"]["rating"]), ("MISS", 2))
        self.naapd.request("GET", lst)
        r = self.naapd.request("DELETE", f"{BASE}/cached/reviews",
                               headers=auth(self.users[0]["token"]))
        self.assertEqual(r.status, 200)
        r = self.naapd.request("GET", lst)
        self.assertEqual((r.headers["X-Cache"], r.json()["packages"][0]["rating"]), ("MISS", None))


if __name__ == "__main__":
    import unittest
    unittest.main()
