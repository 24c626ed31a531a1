#!/usr/bin/env python3
"""A real PgBouncer 1.18 in front of the test PostgreSQL, from deploy/pgbouncer/.

    pgbouncer.py start STATE_DIR   start PgBouncer in front of the shared stores
                                   ($NAAPD_TEST_STATE/env.json), write STATE_DIR/env.json
                                   {"port", "pid", "pg_port"}; it keeps running
    pgbouncer.py stop STATE_DIR    stop it (by pid) and delete STATE_DIR

The configuration is deploy/pgbouncer/pgbouncer.ini as shipped, with only what must
differ on a test machine replaced: addresses and ports, file paths, a wildcard
[databases] entry (each test makes its own database) and trust authentication against
the shipped userlist example (the test PostgreSQL trusts loopback). Pooling mode and
sizes are the operator's.

With NAAPD_VIA_PGBOUNCER=STATE_DIR/env.json in the environment, naaptest.Naapd points
every naapd it serves on the shared stores at this PgBouncer with
PG_TRANSACTION_POOLING=true (migrations still go to PostgreSQL directly, as the README
says): that is the PgBouncer pass of the API tests.
"""

import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import naaptest  # noqa: E402

SHIPPED_INI = naaptest.PROJECT / "deploy" / "pgbouncer" / "pgbouncer.ini"
SHIPPED_USERLIST = naaptest.PROJECT / "deploy" / "pgbouncer" / "userlist.txt.example"


def test_ini(shipped, state_dir, port, pg_port):
    """The shipped ini with the machine-specific settings replaced."""
    overrides = {
        "listen_addr": "127.0.0.1",
        "listen_port": str(port),
        "unix_socket_dir": "",
        "pidfile": str(state_dir / "pgbouncer.pid"),
        "logfile": str(state_dir / "pgbouncer.log"),
        "auth_type": "trust",
        "auth_file": str(state_dir / "userlist.txt"),
    }
    out, section, seen = [], None, set()
    for line in shipped.splitlines():
        m = re.match(r"\s*\[(\w+)\]", line)
        if m:
            section = m.group(1)
            out.append(line)
            if section == "databases":
                out.append(f"* = host=127.0.0.1 port={pg_port}")
            continue
        m = re.match(r"\s*(\w+)\s*=", line)
        if section == "databases" and m:
            continue  # the operator's entries name databases the tests do not have
        if section == "pgbouncer" and m and m.group(1) in overrides:
            key = m.group(1)
            out.append(f"{key} = {overrides[key]}")
            seen.add(key)
            continue
        out.append(line)
    missing = set(overrides) - seen
    if missing:
        raise RuntimeError(f"{shipped}: expected settings missing: {sorted(missing)}")
    return "\n".join(out) + "\n"


class PgBouncer:
    """PgBouncer on a free port in state_dir, in front of PostgreSQL on pg_port."""

    def __init__(self, state_dir, pg_port):
        self.state_dir = Path(state_dir)
        self.pg_port = pg_port
        self.port = None
        self.proc = None

    def start(self):
        """Start it; it is stopped at exit or on SIGTERM unless detach()ed."""
        naaptest._register(self)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        # PgBouncer refuses to run as root: run it as the postgres OS user then
        user = None
        if os.getuid() == 0:
            user = "postgres"
            pw = pwd.getpwnam(user)
            os.chmod(self.state_dir, 0o755)
            os.chown(self.state_dir, pw.pw_uid, pw.pw_gid)
        # the shipped example, plus the admin user so tests can ask SHOW STATS
        (self.state_dir / "userlist.txt").write_text(SHIPPED_USERLIST.read_text()
                                                     + '"postgres" ""\n')
        for attempt in range(5):
            self.port = naaptest.free_port()
            ini = self.state_dir / "pgbouncer.ini"
            ini.write_text(test_ini(SHIPPED_INI.read_text(), self.state_dir, self.port,
                                    self.pg_port))
            # not a child that dies with us: it serves the whole ctest run (stop() ends it)
            self.proc = subprocess.Popen(["pgbouncer", str(ini)], user=user,
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL, start_new_session=True,
                                         cwd=str(self.state_dir))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return self
                except OSError:
                    time.sleep(0.05)
            self.stop()
            if attempt == 4:
                raise RuntimeError("pgbouncer did not start:\n" + self.log_text()[-3000:])
        return self

    def admin(self, command):
        """Rows of an admin-console command (SHOW STATS, SHOW POOLS…) as dicts."""
        p = subprocess.run(["psql", "-X", "-A", "-F", "\t", "-P", "footer=off", "-h", "127.0.0.1",
                            "-p", str(self.port), "-U", "postgres", "-d", "pgbouncer",
                            "-c", command], capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise RuntimeError(f"pgbouncer {command}: {p.stderr}")
        lines = p.stdout.splitlines()
        head = lines[0].split("\t")
        return [dict(zip(head, line.split("\t"))) for line in lines[1:]]

    def log_text(self):
        try:
            return (self.state_dir / "pgbouncer.log").read_text(errors="replace")
        except OSError:
            return ""

    def detach(self):
        """Leave it running after this process exits (the ctest fixture)."""
        naaptest._unregister(self)

    def stop(self):
        naaptest._unregister(self)
        if self.proc and self.proc.poll() is None:
            stop_pid(self.proc.pid)
            self.proc.wait()

    _cleanup = stop


def stop_pid(pid, timeout=10):
    """SIGTERM (PgBouncer's immediate shutdown), then SIGKILL; by pid only."""
    naaptest._kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while naaptest.pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if naaptest.pid_alive(pid):
        naaptest._kill(pid, signal.SIGKILL)


def sweep(state_dir):
    """Stop a PgBouncer an earlier run left in state_dir (its env.json names the pid)."""
    try:
        env = json.loads((state_dir / "env.json").read_text())
        pid = int(env["pid"])
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if b"pgbouncer" in f.read():
                stop_pid(pid)
    except (OSError, ValueError, KeyError):
        pass
    shutil.rmtree(state_dir, ignore_errors=True)


def main(argv):
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print(__doc__.strip().split("\n\n")[0], file=sys.stderr)
        return 2
    state_dir = Path(argv[2]).resolve()
    sweep(state_dir)
    if argv[1] == "stop":
        return 0
    stores = naaptest.shared_stores()
    pgb = PgBouncer(state_dir, stores.pg_port).start()
    pgb.detach()
    env = {"port": pgb.port, "pid": pgb.proc.pid, "pg_port": stores.pg_port}
    (state_dir / "env.json").write_text(json.dumps(env) + "\n")
    print(f"pgbouncer ready: {json.dumps(env)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
