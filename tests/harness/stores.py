#!/usr/bin/env python3
"""Shared PostgreSQL + Redis for one ctest run (the `stores` fixture).

    stores.py start STATE_DIR   start a DataStores pair in STATE_DIR/shared, leave it
                                running, write STATE_DIR/env.json:
                                {"admin_url", "redis_url", "pg_port", "redis_port"}
    stores.py stop STATE_DIR    stop every store under STATE_DIR (the shared pair and any
                                private DataStores a killed test left in STATE_DIR/private),
                                by pid, and delete STATE_DIR

Tests find the pair through naaptest.shared_stores(), which reads
$NAAPD_TEST_STATE/env.json. `start` first sweeps whatever an interrupted earlier run
left in the same STATE_DIR.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import naaptest  # noqa: E402
import pgbouncer  # noqa: E402


def sweep(state_dir):
    """Destroy every services.sh state dir under state_dir (marked by pg_root or ports.env)."""
    if not state_dir.is_dir():
        return True
    pgbouncer.sweep(state_dir / "pgbouncer")  # the PgBouncer pass runs in front of ours
    ok = True
    dirs = {p.parent for marker in ("pg_root", "ports.env") for p in state_dir.rglob(marker)}
    for d in sorted(dirs):
        p = subprocess.run(["bash", str(naaptest.SERVICES_SH), "destroy", str(d)],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180)
        if p.returncode != 0:
            ok = False
            sys.stderr.write(p.stderr)
            naaptest._kill_by_pidfiles(d)
    shutil.rmtree(state_dir, ignore_errors=True)
    return ok


def main(argv):
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print(__doc__.strip().split("\n\n")[0], file=sys.stderr)
        return 2
    state_dir = Path(argv[2]).resolve()
    if argv[1] == "stop":
        return 0 if sweep(state_dir) else 1

    sweep(state_dir)
    state_dir.mkdir(parents=True)
    stores = naaptest.DataStores(state_dir / "shared")
    stores.detach()  # keep running after we exit: the tests use them
    env = {"admin_url": stores.admin_url, "redis_url": stores.redis_url,
           "pg_port": stores.pg_port, "redis_port": stores.redis_port}
    tmp = state_dir / "env.json.tmp"
    tmp.write_text(json.dumps(env, indent=2) + "\n")
    tmp.rename(state_dir / "env.json")  # atomic: a reader never sees half a file
    print(f"stores ready: {json.dumps(env)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
