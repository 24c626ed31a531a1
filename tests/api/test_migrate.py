"""naapd migrate: idempotent, and a no-op on a database Prisma already created."""

import os
import subprocess
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import (MIGRATIONS, PRISMA_FIXTURE, SCALING_INDEXES,  # noqa: E402
                      psql, run_naapd, shared_stores)

# naapd's own (0006): the package list's sort and search indexes
LIST_INDEXES = {"idx_packages_downloads", "idx_packages_rating", "idx_packages_created",
                "idx_packages_keywords", "idx_packages_search_trgm"}


def schema_dump(url):
    """pg_dump -s, without the per-run restrict key pg_dump 15 adds and without naapd's
    own bookkeeping table."""
    u = urllib.parse.urlsplit(url)
    out = subprocess.run(["pg_dump", "-s", "-h", u.hostname, "-p", str(u.port), "-U", u.username,
                          "-T", "*.naapd_migrations", u.path.lstrip("/")],
                         capture_output=True, text=True, check=True).stdout
    return "\n".join(l for l in out.splitlines() if not l.startswith(("\\restrict", "\\unrestrict")))


def catalog(url):
    """Every column, constraint and index of the public schema (naapd's own tables aside)
    as a set of (kind, table, name, definition) tuples."""
    sql = r"""
      SELECT 'column', c.table_name, c.column_name,
             concat_ws(' ', c.data_type, c.datetime_precision, c.is_nullable, c.column_default)
        FROM information_schema.columns c WHERE c.table_schema = 'public'
      UNION ALL
      SELECT 'constraint', t.relname, k.conname, pg_get_constraintdef(k.oid)
        FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'
      UNION ALL
      SELECT 'index', i.tablename, i.indexname, i.indexdef FROM pg_indexes i
       WHERE i.schemaname = 'public'"""
    rows = set()
    for line in psql(url, sql).splitlines():
        kind, table, name, definition = line.split("|", 3)
        if not table.startswith("naapd_") and not name.startswith("naapd_"):
            rows.add((kind, table, name, definition))
    return rows


def migrate(url):
    p = run_naapd("migrate", env={"DATABASE_URL": url})
    if p.returncode != 0:
        raise AssertionError(f"migrate failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    return p


class Migrate(unittest.TestCase):
    def test_fresh_database_then_second_run_is_noop(self):
        url = shared_stores().create_database()
        first = migrate(url)
        self.assertIn(f"{len(MIGRATIONS)} applied", first.stdout)
        tables = psql(url, "SELECT count(*) FROM pg_tables WHERE schemaname='public' "
                           "AND tablename NOT LIKE 'naapd\\_%'").strip()
        self.assertEqual(tables, "24")
        indexes = set(psql(url, "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'idx_%'")
                      .split())
        self.assertEqual(indexes, SCALING_INDEXES | LIST_INDEXES)
        invalid = psql(url, "SELECT count(*) FROM pg_index WHERE NOT indisvalid").strip()
        self.assertEqual(invalid, "0")
        before = schema_dump(url)
        second = migrate(url)
        self.assertIn(f"0 applied, {len(MIGRATIONS)} up to date", second.stdout)
        self.assertEqual(schema_dump(url), before)
        recorded = psql(url, "SELECT name FROM naapd.naapd_migrations ORDER BY name").split()
        self.assertEqual(recorded, MIGRATIONS)
        # naapd's own tables live in its schema: Prisma (public) finds none of them
        own = psql(url, "SELECT relname FROM pg_class c JOIN pg_namespace n"
                        " ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
                        " AND relname LIKE 'naapd%'").split()
        self.assertEqual(own, [])

    def test_existing_prisma_database_is_left_as_is(self):
        url = shared_stores().create_database()
        psql(url, PRISMA_FIXTURE.read_text())
        psql(url, "INSERT INTO \"User\" (id, email, \"updatedAt\") VALUES ('u1', 'a@b', now())")
        before = catalog(url)
        migrate(url)
        after = catalog(url)
        self.assertEqual(before - after, set(), "0001 changed or dropped something Prisma made")
        added = after - before
        workflow_cols = {"bundleUrl", "stylesUrl", "globalName", "deploymentType", "bundleHash",
                         "bundleSize"}
        for kind, table, name, _ in added:
            if kind == "column":
                self.assertEqual(table, "WorkflowPlugin")
                self.assertIn(name, workflow_cols)
            else:
                self.assertEqual(kind, "index")
                self.assertIn(name, SCALING_INDEXES | LIST_INDEXES)
        self.assertEqual({a[2] for a in added if a[0] == "index"}, SCALING_INDEXES | LIST_INDEXES)
        self.assertEqual(psql(url, 'SELECT email FROM "User"').strip(), "a@b")

    def test_failed_migration_is_not_recorded_and_rolls_back(self):
        import shutil
        import tempfile
        url = shared_stores().create_database()
        d = tempfile.mkdtemp(prefix="naapd-mig-")
        try:
            with open(os.path.join(d, "0001_ok.sql"), "w") as f:
                f.write("CREATE TABLE one (x int);")
            with open(os.path.join(d, "0002_bad.sql"), "w") as f:
                f.write("CREATE TABLE two (x int);\nSELECT nonsense FROM nowhere;")
            p = run_naapd("migrate", env={"DATABASE_URL": url, "MIGRATIONS_DIR": d})
            self.assertEqual(p.returncode, 1)
            self.assertIn("0002_bad.sql", p.stdout + p.stderr)
            self.assertEqual(psql(url, "SELECT to_regclass('two') IS NULL").strip(), "t")
            self.assertEqual(psql(url, "SELECT name FROM naapd.naapd_migrations").split(),
                             ["0001_ok.sql"])
        finally:
            shutil.rmtree(d)

    def test_refused_pg_trgm_skips_only_the_trigram_index(self):
        # a server that will not create extensions (here an event trigger refuses, as a
        # hosted service's allow-list would): 0006 still applies, with a warning that
        # says why, and check-schema has nothing to report
        url = shared_stores().create_database()
        psql(url, """
            CREATE FUNCTION refuse() RETURNS event_trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'extensions are not allowed here'
                  USING ERRCODE = 'insufficient_privilege'; END $$;
            CREATE EVENT TRIGGER refuse_extensions ON ddl_command_start
                WHEN TAG IN ('CREATE EXTENSION') EXECUTE FUNCTION refuse();""")
        p = migrate(url)
        self.assertIn(f"{len(MIGRATIONS)} applied", p.stdout)
        self.assertIn("CREATE EXTENSION pg_trgm failed: extensions are not allowed here",
                      p.stderr)
        self.assertIn("without idx_packages_search_trgm", p.stderr)
        indexes = set(psql(url, "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'idx_%'")
                      .split())
        self.assertEqual(indexes, (SCALING_INDEXES | LIST_INDEXES) - {"idx_packages_search_trgm"})
        self.assertEqual(psql(url, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
                         .strip(), "0")
        check = run_naapd("check-schema", env={"DATABASE_URL": url})
        self.assertEqual((check.returncode, check.stdout), (0, ""), check.stderr)
        # the migration's comment says how to add it later; that works
        psql(url, "DROP EVENT TRIGGER refuse_extensions")
        psql(url, "CREATE EXTENSION IF NOT EXISTS pg_trgm")
        psql(url, 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "idx_packages_search_trgm" ON '
                  '"public"."PluginPackage" USING gin ("name" gin_trgm_ops, '
                  '"displayName" gin_trgm_ops, "description" gin_trgm_ops)')
        self.assertIn("idx_packages_search_trgm", psql(url, "SELECT indexname FROM pg_indexes"))

    def test_unreachable_database_fails_cleanly(self):
        p = run_naapd("migrate", env={"DATABASE_URL": "postgresql://naap@127.0.0.1:1/none"})
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot connect", p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
