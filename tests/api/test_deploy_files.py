"""The shipped deployment files are valid, not just present."""

import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import PROJECT, naapd_bin, naapd_env, psql, shared_stores  # noqa: E402

UNIT = PROJECT / "deploy" / "systemd" / "naapd.service"


class SystemdUnit(unittest.TestCase):
    def test_unit_passes_systemd_analyze_verify(self):
        text = UNIT.read_text()
        # verify checks that ExecStart's binary exists: point it at the one under test
        text = text.replace("/usr/local/bin/naapd", os.path.abspath(naapd_bin()))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "naapd.service")
            with open(path, "w") as f:
                f.write(text)
            p = subprocess.run(["systemd-analyze", "verify", path], capture_output=True,
                               text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn(str(path), p.stderr, p.stderr)  # no warnings about our unit

    def test_unit_settings_the_cluster_relies_on(self):
        text = UNIT.read_text()
        settings = dict(re.findall(r"^(\w+)=(.*)$", text, re.M))
        self.assertEqual(settings["Type"], "notify")
        self.assertEqual(settings["KillMode"], "mixed")
        self.assertEqual(settings["ExecReload"], "/bin/kill -HUP $MAINPID")
        self.assertEqual(settings["Restart"], "on-failure")
        self.assertIn("EnvironmentFile", settings)
        self.assertEqual(settings["NoNewPrivileges"], "yes")
        self.assertEqual(settings["ProtectSystem"], "strict")
        self.assertEqual(settings["PrivateTmp"], "yes")
        self.assertNotEqual(settings.get("User", "root"), "root")
        # systemd must outwait naapd's own KILL_TIMEOUT (30 s default) before SIGKILL
        self.assertGreater(int(settings["TimeoutStopSec"]), 30)


class Install(unittest.TestCase):
    def test_install_lays_out_files_and_finds_its_migrations(self):
        build_dir = os.path.dirname(os.path.abspath(naapd_bin()))
        with tempfile.TemporaryDirectory() as prefix:
            p = subprocess.run(["cmake", "--install", build_dir, "--prefix", prefix],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            share = os.path.join(prefix, "share", "naapd")
            for rel in ("migrations/0001_schema.sql", "migrations/0002_scaling_indexes.sql",
                        "naapd.conf.example", "deploy/systemd/naapd.service"):
                self.assertTrue(os.path.isfile(os.path.join(share, rel)), rel)
            self.assertFalse(os.path.exists(os.path.join(share, "deploy", "local")))
            # run from elsewhere with no MIGRATIONS_DIR: the installed migrations are found
            url = shared_stores().create_database()
            p = subprocess.run([os.path.join(prefix, "bin", "naapd"), "migrate"],
                               env=naapd_env({"DATABASE_URL": url, "MIGRATIONS_DIR": None}),
                               cwd="/", capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn(os.path.join(share, "migrations"), p.stdout.replace("/bin/../", "/"))
            self.assertEqual(psql(url, "SELECT count(*) FROM naapd.naapd_migrations").strip(),
                             str(len(list((PROJECT / "migrations").glob("*.sql")))))


if __name__ == "__main__":
    unittest.main()
