"""pm2 reload with new code: a new naapd binary renamed over the running one and SIGHUP
bring every process onto it (the master keeps its pid) with no failed request under
load; a binary that cannot run is refused and the old processes keep serving."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))
sys.path.insert(0, HERE)
from naaptest import naapd_bin, pid_alive, wait_until  # noqa: E402
from test_cluster import Load, naapd  # noqa: E402

# Generous: two CPU cores are shared with other test runs, and a sanitizer build starts
# slowly; nothing here asserts a duration.
ROLL_TIMEOUT = 90


def next_bin():
    path = os.environ.get("NAAPD_NEXT_BIN") or os.path.join(
        os.path.dirname(naapd_bin()), "tests", "naapd_next")
    if not os.access(path, os.X_OK):
        raise unittest.SkipTest(f"no second build at {path} (target naapd_next)")
    return path


def version_of(binary):
    out = subprocess.run([binary, "version"], capture_output=True, text=True, timeout=30)
    return out.stdout.split()[-1]


def exe_of(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None  # exited meanwhile


class Upgrade(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="naapd-upgrade-")
        self.bin = os.path.join(self.dir, "naapd")
        shutil.copy2(naapd_bin(), self.bin)
        self.first = self.bin + ".first"  # the first build, to go back to
        shutil.copy2(naapd_bin(), self.first)
        self.saved_bin = os.environ.get("NAAPD_BIN")
        os.environ["NAAPD_BIN"] = self.bin  # the harness starts naapd from here

    def tearDown(self):
        if self.saved_bin is None:
            os.environ.pop("NAAPD_BIN", None)
        else:
            os.environ["NAAPD_BIN"] = self.saved_bin
        shutil.rmtree(self.dir, ignore_errors=True)

    def install(self, source=None, content=None, mode=0o755):
        """Replace the binary as package managers do: write beside it, rename over it."""
        tmp = self.bin + ".new"
        if source:
            shutil.copyfile(source, tmp)
        else:
            with open(tmp, "wb") as f:
                f.write(content)
        os.chmod(tmp, mode)
        os.replace(tmp, self.bin)

    def processes(self, n):
        return [n.pid] + n.worker_pids()

    def sighup_and_wait(self, n, marker, before):
        os.kill(n.pid, signal.SIGHUP)
        wait_until(lambda: n.log_text().count(marker) > before, timeout=ROLL_TIMEOUT,
                   what=f"{marker!r} in the log")

    def assert_all_run(self, n, path):
        # retired workers may still be draining: wait for them to go
        wait_until(lambda: all(exe_of(p) in (path, None) for p in self.processes(n)),
                   timeout=ROLL_TIMEOUT, what=f"every process running {path}")
        for p in self.processes(n):
            exe = exe_of(p)
            self.assertNotIn("(deleted)", exe or "")

    def test_new_binary_replaces_every_process_with_zero_failed_requests(self):
        new_version = version_of(next_bin())
        self.assertNotEqual(new_version, version_of(self.bin))
        with naapd(workers=2) as n, Load(n.port) as load:
            master = n.pid
            old = set(n.worker_pids())
            load.wait_for(200)
            self.install(next_bin())
            done = n.log_text().count("reload complete")
            self.sighup_and_wait(n, "reload complete", done)
            wait_until(lambda: len(n.worker_pids()) == 2 and not (set(n.worker_pids()) & old),
                       timeout=ROLL_TIMEOUT, what="every worker replaced")
            self.assert_all_run(n, self.bin)
            load.wait_for(200)
            load.stop()
            print(f"upgrade under load: {load.ok} requests ok, {len(load.failures)} failed",
                  file=sys.stderr)
            self.assertEqual(load.failures, [])
            self.assertEqual(n.pid, master)
            self.assertTrue(pid_alive(master))
            health = n.request("GET", "/healthz").json()
            self.assertEqual(health["version"], new_version)
            self.assertEqual(health["workers"], 2)
            self.assertIn("took over from the previous binary", n.log_text())

            # the upgraded master upgrades again (here back to the first build)
            with Load(n.port) as load2:
                load2.wait_for(100)
                self.install(self.first)
                done = n.log_text().count("reload complete")
                self.sighup_and_wait(n, "reload complete", done)
                self.assert_all_run(n, self.bin)
                load2.wait_for(100)
            self.assertEqual(load2.failures, [])
            self.assertEqual(n.pid, master)
            self.assertEqual(n.request("GET", "/healthz").json()["version"],
                             version_of(self.first))
            self.assertEqual(n.stop(), 0)

    def test_broken_binary_is_refused_even_with_a_config_change(self):
        conf = os.path.join(self.dir, "naapd.conf")
        with open(conf, "w") as f:
            f.write("LOG_LEVEL=info\nWORKERS=2\n")
        with open(self.bin, "rb") as f:
            elf = f.read()
        broken = [
            ("a script that exits 1",
             b"#!/bin/sh\necho 'naapd: simulated broken build' >&2\nexit 1\n",
             r"exited with status 1: naapd: simulated broken build"),
            # the kernel may refuse it (cannot run) or start it and it crashes (signal)
            ("a truncated ELF", elf[:4096], r"cannot run|killed by signal"),
        ]
        # WORKERS comes from the file, so the reload would change it
        with naapd(workers=None, args=["--config", conf]) as n, Load(n.port) as load:
            master = n.pid
            old = set(n.worker_pids())
            old_version = n.request("GET", "/healthz").json()["version"]
            load.wait_for(100)
            for what, content, reason in broken:
                with self.subTest(what):
                    with open(conf, "w") as f:
                        f.write("LOG_LEVEL=info\nWORKERS=3\n")
                    self.install(content=content)
                    refused = n.log_text().count("upgrade refused")
                    self.sighup_and_wait(n, "upgrade refused", refused)
                    last = [line for line in n.log_text().splitlines()
                            if "upgrade refused" in line][-1]
                    self.assertRegex(last, reason)
                    load.wait_for(100)
                    self.assertEqual(set(n.worker_pids()), old)
                    self.assertEqual(n.pid, master)
                    health = n.request("GET", "/healthz").json()
                    self.assertEqual((health["version"], health["workers"]), (old_version, 2))

            # a good binary then goes in, with the configuration change
            self.install(next_bin())
            done = n.log_text().count("reload complete")
            self.sighup_and_wait(n, "reload complete", done)
            wait_until(lambda: len(n.worker_pids()) == 3 and not (set(n.worker_pids()) & old),
                       timeout=ROLL_TIMEOUT, what="3 new workers")
            self.assert_all_run(n, self.bin)
            load.stop()
            self.assertEqual(load.failures, [])
            self.assertEqual(n.pid, master)
            health = n.request("GET", "/healthz").json()
            self.assertEqual((health["version"], health["workers"]),
                             (version_of(next_bin()), 3))
            self.assertEqual(n.stop(), 0)


if __name__ == "__main__":
    unittest.main()
