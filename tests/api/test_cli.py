"""The command line: commands, exit statuses, configuration errors, check-config."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import run_naapd  # noqa: E402

EX_USAGE, EX_UNAVAILABLE, EX_CONFIG = 64, 69, 78


class Cli(unittest.TestCase):
    def test_version_and_help(self):
        p = run_naapd("version")
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^naapd \d+\.\d+\.\d+")
        p = run_naapd("--help")
        self.assertEqual(p.returncode, 0)
        for word in ("serve", "migrate", "check-config", "version", "--config"):
            self.assertIn(word, p.stdout)

    def test_unknown_command_is_usage_error(self):
        p = run_naapd("frobnicate")
        self.assertEqual(p.returncode, EX_USAGE)
        self.assertIn("unknown command frobnicate", p.stderr)
        self.assertEqual(run_naapd("--bogus", "serve").returncode, EX_USAGE)

    def test_bad_value_names_the_variable(self):
        cases = {"PORT": "abc", "WORKERS": "0", "KILL_TIMEOUT": "forever",
                 "MAX_MEMORY_RESTART": "lots", "CACHE_TTL_SHORT": "-1",
                 "TRUST_PROXY": "300.1.1.1", "LOG_LEVEL": "loud", "REDIS_URL": "http://x"}
        for var, value in cases.items():
            with self.subTest(var=var):
                p = run_naapd("serve", env={var: value, "DATABASE_URL": "postgresql://x/y"})
                self.assertEqual(p.returncode, EX_CONFIG, p.stderr)
                lines = p.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, p.stderr)
                self.assertIn(var, lines[0])

    def test_production_needs_a_strong_secret(self):
        p = run_naapd("check-config", env={"NODE_ENV": "production", "JWT_SECRET": "short"})
        self.assertEqual(p.returncode, EX_CONFIG)
        self.assertIn("JWT_SECRET", p.stderr)
        p = run_naapd("check-config", env={"NODE_ENV": "production", "JWT_SECRET": "k" * 32})
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_missing_database_url(self):
        p = run_naapd("migrate", env={"DATABASE_URL": None})
        self.assertEqual(p.returncode, EX_CONFIG)
        self.assertIn("DATABASE_URL", p.stderr)

    def test_check_config_masks_secrets_and_reads_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write("# test\nPORT=4555\nDATABASE_URL=postgresql://naap:hunter2@db/naap\n"
                    "REDIS_URL=redis://:redispw@cache:6379/2\nKILL_TIMEOUT=5s\n")
        try:
            p = run_naapd("--config", f.name, "check-config",
                          env={"JWT_SECRET": "s3cr3t-value-xyz", "WORKERS": "3"})
        finally:
            os.unlink(f.name)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout
        for secret in ("hunter2", "redispw", "s3cr3t-value-xyz"):
            self.assertNotIn(secret, out)
        self.assertIn("PORT=4555", out)
        self.assertIn("WORKERS=3", out)  # the environment wins over the file
        self.assertIn("KILL_TIMEOUT=5000ms", out)
        self.assertIn("DATABASE_URL=postgresql://naap:****@db/naap", out)

    def test_config_file_errors(self):
        p = run_naapd("--config", "/nonexistent/naapd.conf", "check-config")
        self.assertEqual(p.returncode, EX_CONFIG)
        self.assertIn("/nonexistent/naapd.conf", p.stderr)

    def test_port_in_use_is_unavailable(self):
        import socket
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen()
        try:
            p = run_naapd("serve", env={"PORT": s.getsockname()[1], "HOST": "127.0.0.1",
                                        "DATABASE_URL": "postgresql://x/y"})
        finally:
            s.close()
        self.assertEqual(p.returncode, EX_UNAVAILABLE)
        self.assertIn("cannot listen", p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
