"""naapd's own state in its own schema, and `naapd check-schema` / `migrate --dry-run`
(issue 19): Prisma owns public, so a `prisma db push` must find nothing of naapd's there,
and drift made on the Prisma side must be named, with its fix, before a request fails."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import (MIGRATIONS, PRISMA_FIXTURE, PROJECT, SCALING_INDEXES,  # noqa: E402
                      Naapd, psql, request, run_naapd, shared_stores)

WORKFLOW_COLUMNS = {"bundleUrl", "stylesUrl", "globalName", "deploymentType", "bundleHash",
                    "bundleSize"}


def naapd(*args, url, **env):
    return run_naapd(*args, env={"DATABASE_URL": url, **env})


def migrate(url, **env):
    p = naapd("migrate", url=url, **env)
    if p.returncode != 0:
        raise AssertionError(f"migrate failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    return p


def own_in_public(url):
    """naapd's tables (and their indexes) that sit in Prisma's schema."""
    return psql(url, "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                     " WHERE n.nspname = 'public' AND relname LIKE 'naapd%'").split()


def old_layout(url):
    """A database as a naapd before issue 19 left it: 0001-0003 applied, naapd_migrations and
    naapd_login_lockout in public, with rows."""
    d = tempfile.mkdtemp(prefix="naapd-old-")
    try:
        for name in MIGRATIONS:
            if name < "0004":
                shutil.copy(PROJECT / "migrations" / name, d)
        migrate(url, MIGRATIONS_DIR=d)
    finally:
        shutil.rmtree(d)
    psql(url, """
        ALTER TABLE naapd.naapd_migrations SET SCHEMA public;
        DROP SCHEMA naapd;
        INSERT INTO public.naapd_login_lockout
               (email, "ipAddress", failures, "windowStart", "lockedUntil", "updatedAt")
        VALUES ('a@example.com', '203.0.113.7', 5, now(), now() + interval '30 minutes', now()),
               ('b@example.com', '203.0.113.8', 2, now(), NULL, now());
        UPDATE public.naapd_migrations SET "appliedAt" = '2025-01-02 03:04:05';""")


class Upgrade(unittest.TestCase):
    def test_old_layout_moves_with_its_rows_and_a_second_run_is_a_noop(self):
        url = shared_stores().create_database()
        old_layout(url)
        self.assertEqual(sorted(own_in_public(url))[:2], ["naapd_login_lockout",
                                                          "naapd_login_lockout_pkey"])

        # --dry-run lists the move and 0005 and changes nothing
        dry = naapd("migrate", "--dry-run", url=url)
        self.assertEqual(dry.returncode, 0, dry.stdout + dry.stderr)
        self.assertIn("would move naapd_migrations from public to schema naapd", dry.stdout)
        pending = re.findall(r"would apply (\S+)", dry.stdout)
        self.assertEqual(pending, [m for m in MIGRATIONS if m >= "0004"])
        self.assertEqual(psql(url, "SELECT to_regnamespace('naapd') IS NULL").strip(), "t")

        first = migrate(url)
        self.assertIn(f"{len(pending)} applied, 3 up to date", first.stdout)
        self.assertEqual(own_in_public(url), [])
        rows = psql(url, 'SELECT email, failures, "lockedUntil" IS NOT NULL'
                         ' FROM naapd.naapd_login_lockout ORDER BY email').split()
        self.assertEqual(rows, ["a@example.com|5|t", "b@example.com|2|f"])
        history = psql(url, 'SELECT name, "appliedAt" FROM naapd.naapd_migrations ORDER BY name')
        self.assertEqual([l.split("|")[0] for l in history.splitlines()], MIGRATIONS)
        self.assertIn("0001_schema.sql|2025-01-02 03:04:05", history)  # kept, not re-recorded

        second = migrate(url)
        self.assertIn(f"0 applied, {len(MIGRATIONS)} up to date", second.stdout)
        dry = naapd("migrate", "--dry-run", url=url)
        self.assertNotIn("would", dry.stdout)
        self.assertIn(f"0 pending, {len(MIGRATIONS)} up to date", dry.stdout)
        check = naapd("check-schema", url=url)
        self.assertEqual((check.returncode, check.stdout), (0, ""), check.stderr)

    def test_history_in_both_places_is_merged(self):
        # an older naapd run after the upgrade made a second history in public
        url = shared_stores().create_database()
        migrate(url)
        psql(url, """CREATE TABLE public.naapd_migrations (name TEXT PRIMARY KEY,
                       checksum TEXT NOT NULL, "appliedAt" TIMESTAMP(3) NOT NULL DEFAULT now());
                     INSERT INTO public.naapd_migrations (name, checksum)
                     VALUES ('0001_schema.sql', 'x'), ('0000_from_elsewhere.sql', 'y');""")
        self.assertIn("would move", naapd("migrate", "--dry-run", url=url).stdout)
        migrate(url)
        self.assertEqual(own_in_public(url), [])
        names = psql(url, "SELECT name FROM naapd.naapd_migrations ORDER BY name").split()
        self.assertEqual(names, ["0000_from_elsewhere.sql"] + MIGRATIONS)

    def test_configured_schema_is_used_by_migrate_check_and_serve(self):
        url = shared_stores().create_database()
        env = {"NAAPD_SCHEMA": "naapd_alt", "PASSWORD_ITERATIONS": "1000",
               "RATE_LIMIT_ENABLED": "false"}
        with Naapd(url, shared_stores().redis_db(), env=env, workers=1) as n:
            r = request("POST", n.url + "/api/v1/auth/login",
                        json_body={"email": "nobody@example.com", "password": "wrong-pass"})
            self.assertEqual(r.status, 401, r.body)
        self.assertEqual(psql(url, "SELECT email FROM naapd_alt.naapd_login_lockout").strip(),
                         "nobody@example.com")
        self.assertEqual(psql(url, "SELECT to_regnamespace('naapd') IS NULL").strip(), "t")
        self.assertEqual(own_in_public(url), [])
        check = naapd("check-schema", url=url, NAAPD_SCHEMA="naapd_alt")
        self.assertEqual((check.returncode, check.stdout), (0, ""), check.stderr)
        bad = naapd("check-schema", url=url, NAAPD_SCHEMA="public")
        self.assertEqual(bad.returncode, 78)
        self.assertIn("NAAPD_SCHEMA", bad.stderr)


class CheckSchema(unittest.TestCase):
    def test_prisma_database_without_naapds_additions(self):
        url = shared_stores().create_database()
        psql(url, PRISMA_FIXTURE.read_text())
        psql(url, 'DROP TABLE "PluginReview"')  # as at b1b0ae7d, before the registry issue
        p = naapd("check-schema", url=url)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        lines = p.stdout.splitlines()
        self.assertTrue(all("; fix: " in l for l in lines), lines)
        named = set()
        for l in lines:
            m = re.match(r'(\w+) "([^"]+)"\."([^"]+)"(?:\."([^"]+)")?', l)
            self.assertIsNotNone(m, l)
            named.add((m.group(1), m.group(4) or m.group(3)))
        expected = ({("table", "PluginReview"), ("table", "naapd_migrations"),
                     ("table", "naapd_login_lockout")}
                    | {("column", c) for c in WORKFLOW_COLUMNS}
                    | {("index", i) for i in SCALING_INDEXES})
        self.assertEqual(named, expected, p.stdout)
        self.assertIn('ALTER TABLE "public"."WorkflowPlugin" ADD COLUMN "bundleSize" integer;',
                      p.stdout)
        self.assertIn('CREATE INDEX CONCURRENTLY "idx_packages_category_published" ON '
                      '"public"."PluginPackage" USING btree (category) WHERE', p.stdout)
        self.assertIn("deploy/prisma/naapd.prisma", p.stdout)

        migrate(url)
        p = naapd("check-schema", url=url)
        self.assertEqual((p.returncode, p.stdout), (0, ""), p.stderr)
        self.assertEqual(own_in_public(url), [])

    def test_drift_is_named_with_a_fix_that_works(self):
        url = shared_stores().create_database()
        migrate(url)
        # what a `prisma db push` without the fragment does, plus a foreign key gone wrong
        psql(url, """
            ALTER TABLE "WorkflowPlugin" DROP COLUMN "bundleUrl";
            ALTER TABLE "WorkflowPlugin" ALTER COLUMN "bundleSize" TYPE bigint;
            ALTER TABLE "Session" DROP CONSTRAINT "Session_userId_fkey";
            ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId")
                REFERENCES "User"(id);
            DROP INDEX "idx_users_provider";
            DROP INDEX "Team_slug_key";""")
        p = naapd("check-schema", url=url)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertEqual(len(p.stdout.splitlines()), 5, p.stdout)
        for needle in ('"bundleUrl": missing', '"bundleSize": is bigint, naapd needs integer',
                       'constraint "Session_userId_fkey" on "public"."Session": is',
                       '"idx_users_provider" on "OAuthAccount": missing',
                       '"Team_slug_key" on "Team": missing; fix: CREATE UNIQUE INDEX'):
            self.assertIn(needle, p.stdout)
        apply_fixes(url, p.stdout)
        p = naapd("check-schema", url=url)
        self.assertEqual((p.returncode, p.stdout), (0, ""), p.stderr)

    def test_invalid_index_is_reported_and_its_fix_rebuilds_it(self):
        url = shared_stores().create_database()
        migrate(url)
        # an interrupted CREATE INDEX CONCURRENTLY: here it fails on duplicates, which
        # leaves the index behind, INVALID, where IF NOT EXISTS would skip it forever
        psql(url, """
            INSERT INTO "User" (id, "updatedAt") VALUES ('u1', now());
            INSERT INTO "Session" (id, "userId", token, "expiresAt")
                 VALUES ('s1', 'u1', 't1', now()), ('s2', 'u1', 't2', now());
            DROP INDEX "idx_sessions_user";""")
        with self.assertRaises(RuntimeError):
            psql(url, 'CREATE UNIQUE INDEX CONCURRENTLY "idx_sessions_user" ON "Session"("userId")')
        self.assertEqual(psql(url, "SELECT indisvalid FROM pg_index"
                                   " WHERE indexrelid = '\"idx_sessions_user\"'::regclass").strip(), "f")
        p = naapd("check-schema", url=url)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertEqual(len(p.stdout.splitlines()), 1, p.stdout)
        self.assertIn('index "public"."idx_sessions_user" on "Session": INVALID', p.stdout)
        self.assertIn('CREATE INDEX CONCURRENTLY "idx_sessions_user" ON "public"."Session" '
                      'USING btree ("userId");', p.stdout)
        apply_fixes(url, p.stdout)
        p = naapd("check-schema", url=url)
        self.assertEqual((p.returncode, p.stdout), (0, ""), p.stderr)

    def test_unreachable_database_fails_cleanly(self):
        p = naapd("check-schema", url="postgresql://naap@127.0.0.1:1/none")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout.count("fix:"), 0)


def apply_fixes(url, report):
    """Runs the SQL after "fix: " of each line, one statement at a time (CONCURRENTLY
    cannot run in a transaction block)."""
    for line in report.splitlines():
        sql = line.split("; fix: ", 1)[1]
        for stmt in sql.split(";"):
            if stmt.strip():
                psql(url, stmt + ";")


if __name__ == "__main__":
    unittest.main()
