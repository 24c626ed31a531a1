"""The shipped deployment files are valid, not just present."""

import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import PROJECT, naapd_bin  # noqa: E402

UNIT = PROJECT / "deploy" / "systemd" / "naapd.service"


class SystemdUnit(unittest.TestCase):
    def test_unit_passes_systemd_analyze_verify(self):
        text = UNIT.read_text()
        # verify checks that ExecStart's binary exists: point it at the one under test
        text = text.replace("/usr/local/bin/naapd", naapd_bin())
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


if __name__ == "__main__":
    unittest.main()
