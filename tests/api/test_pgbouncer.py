"""deploy/pgbouncer/ with the real PgBouncer 1.18 (README "Behind PgBouncer").

The whole API behaviour through PgBouncer is the PgBouncer pass (pgbouncer.api.* in
ctest); this file checks the files themselves and the two ways an operator meets them."""

import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import Naapd, run_naapd, shared_stores  # noqa: E402
from pgbouncer import SHIPPED_INI, PgBouncer  # noqa: E402


def settings(text):
    return dict(re.findall(r"^\s*(\w+)\s*=\s*(.*?)\s*$", text, re.M))


class PgBouncerFiles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stores = shared_stores()
        parent = os.environ.get("NAAPD_TEST_STATE")
        cls.tmp = tempfile.mkdtemp(prefix="pgbouncer-", dir=parent)
        cls.pgb = PgBouncer(cls.tmp, cls.stores.pg_port).start()

    @classmethod
    def tearDownClass(cls):
        cls.pgb.stop()

    def test_shipped_settings(self):
        s = settings(SHIPPED_INI.read_text())
        self.assertEqual(s["pool_mode"], "transaction")
        self.assertEqual(s["auth_type"], "scram-sha-256")
        self.assertLessEqual(int(s["max_db_connections"]), 90)  # below max_connections 100
        self.assertNotIn("options", s["ignore_startup_parameters"])

    def url_through(self, db):
        return db.replace(f":{self.stores.pg_port}/", f":{self.pgb.port}/")

    def migrated_database(self):
        # README: migrate talks to PostgreSQL directly, never through PgBouncer
        db = self.stores.create_database()
        p = run_naapd("migrate", env={"DATABASE_URL": db})
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return db

    def test_naapd_serves_through_transaction_pooling(self):
        db = self.migrated_database()
        name = db.rsplit("/", 1)[1]
        with Naapd(db, self.stores.redis_db(), workers=2, migrate=False,
                   env={"DATABASE_URL": self.url_through(db),
                        "PG_TRANSACTION_POOLING": "true"}) as n:
            r = n.request("POST", "/api/v1/auth/register",
                          json_body={"email": "pgb@example.com", "password": "Passw0rd!pgb"})
            self.assertEqual(r.status, 200, r)
            token = r.json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            r = n.request("POST", "/api/v1/teams", headers=auth,
                          json_body={"name": "Pooled", "slug": "pooled"})
            self.assertEqual(r.status, 201, r)
            self.assertEqual(n.request("GET", "/api/v1/teams", headers=auth).status, 200)
            self.assertEqual(n.request("GET", "/healthz").status, 200)
            stats = {row["database"]: row for row in self.pgb.admin("SHOW STATS")}
            self.assertIn(name, stats)
            self.assertGreater(int(stats[name]["total_xact_count"]), 3)
            pools = [p for p in self.pgb.admin("SHOW POOLS") if p["database"] == name]
            self.assertEqual([p["pool_mode"] for p in pools], ["transaction"])

    def test_without_transaction_pooling_it_fails_loudly(self):
        # naapd then sends "-c statement_timeout=…" at connect, which PgBouncer refuses:
        # the troubleshooting table in README names this log line
        db = self.migrated_database()
        with Naapd(db, self.stores.redis_db(), workers=1, migrate=False,
                   env={"DATABASE_URL": self.url_through(db),
                        "PG_TRANSACTION_POOLING": "false"}) as n:
            self.assertEqual(n.request("GET", "/healthz").status, 503)
            self.assertIn("unsupported startup parameter: options", n.log_text())


if __name__ == "__main__":
    unittest.main()
