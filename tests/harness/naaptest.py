"""naaptest: the harness for naapd's black-box API and fault tests (standard library only).

Tests run against a real naapd binary talking to a real PostgreSQL 15 and Redis; nothing
is mocked (DESIGN.md, "Conventions"). This module starts those processes, talks HTTP,
SQL and Redis to them, and makes sure that everything it started is stopped again, by
pid, whatever happens to the test:

    from naaptest import shared_stores, Naapd, request

    stores = shared_stores()                 # one PG+Redis pair for the whole ctest run
    with Naapd(stores.create_database(), stores.redis_db()) as n:
        r = request("GET", n.url + "/healthz")
        assert r.status == 200, r.body

Environment:
    NAAPD_BIN         the binary under test (default <project>/build/naapd)
    NAAPD_TEST_STATE  state dir of the shared stores started by `stores.py start`; unset,
                      shared_stores() starts private ones for this process
    NAAPD_KEEP_LOGS   set to keep naapd's temp log dirs after the process exits
"""

import atexit
import base64
import ctypes
import gzip
import hashlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
# what the migration tests check a database against
PRISMA_FIXTURE = PROJECT / "tests" / "sql" / "prisma_fixture.sql"  # a base-svc (Prisma) schema
MIGRATIONS = sorted(p.name for p in (PROJECT / "migrations").glob("*.sql"))
SCALING_INDEXES = {"idx_users_email", "idx_users_provider", "idx_team_members_user",
                   "idx_team_members_team_role", "idx_plugin_installs_team",
                   "idx_plugin_installs_deployment", "idx_plugin_access_member",
                   "idx_packages_category_published", "idx_versions_package_created",
                   "idx_sessions_user", "idx_sessions_expires"}  # the guide's section 7
SERVICES_SH = PROJECT / "deploy" / "local" / "services.sh"


def naapd_bin():
    return os.environ.get("NAAPD_BIN") or str(PROJECT / "build" / "naapd")


# ---- cleanup of everything we started ------------------------------------------------
#
# Every DataStores and Naapd registers itself here while it runs. The registry is
# drained at interpreter exit and on SIGTERM, so a failing or interrupted test does not
# leave a PostgreSQL, a Redis or a naapd behind. (SIGKILL cannot be caught: for that,
# naapd gets PR_SET_PDEATHSIG, and `stores.py stop` sweeps the stores under
# $NAAPD_TEST_STATE.)

_live = []
_live_lock = threading.RLock()
_sanitizer_failures = []


def _register(obj):
    with _live_lock:
        if obj not in _live:
            _live.append(obj)
    _install_sigterm_handler()


def _unregister(obj):
    with _live_lock:
        if obj in _live:
            _live.remove(obj)


def _cleanup_all():
    with _live_lock:
        objs = list(reversed(_live))
    for obj in objs:  # naapd first (started last), then its stores
        try:
            obj._cleanup()
        except Exception as e:  # keep going: the next object must be stopped too
            print(f"naaptest: cleanup of {obj!r} failed: {e}", file=sys.stderr)
    if _sanitizer_failures:
        # A sanitizer report found only now (a test that never stopped its naapd) must
        # still fail the run: the exit status is all ctest looks at.
        print("naaptest: sanitizer reports found in: " + ", ".join(_sanitizer_failures),
              file=sys.stderr)
        sys.stderr.flush()
        os._exit(1)


atexit.register(_cleanup_all)


def _on_sigterm(signum, frame):
    _cleanup_all()
    os._exit(128 + signum)


def _install_sigterm_handler():
    # Only the main thread may set handlers; leave a handler someone else set alone.
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, _on_sigterm)


# ---- processes -----------------------------------------------------------------------

def pid_alive(pid):
    """True if pid exists and is not a zombie (kill(pid, 0) succeeds on zombies)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    state = stat[stat.rindex(b")") + 2:][:1]  # comm may contain spaces and parens
    return state not in (b"Z", b"X")


def child_pids(pid):
    """Live children of pid: /proc/<pid>/task/*/children, or a /proc scan of ppids."""
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(x) for x in f.read().split()]
    except FileNotFoundError:
        # No CONFIG_PROC_CHILDREN (or pid gone): scan every process's parent.
        kids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat[stat.rindex(b")") + 2:].split()[1]) == pid:
                kids.append(int(entry))
    return sorted(p for p in set(kids) if pid_alive(p))


def _kill(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def wait_until(predicate, timeout=10.0, interval=0.05, what="condition"):
    """Poll predicate() until it returns a truthy value (returned) or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


_ports_given = set()


def free_port():
    """A TCP port free on 127.0.0.1 right now.

    Picked at random below the kernel's ephemeral range (32768+), so that the outgoing
    connections of PostgreSQL, Redis and the tests cannot grab it between now and the
    moment the server binds it; parallel test processes rarely pick the same one, and
    callers retry on "address in use" anyway.
    """
    for _ in range(200):
        port = random.randint(20000, 32000)
        if port in _ports_given:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _ports_given.add(port)
        return port
    raise RuntimeError("no free port found")


# ---- PostgreSQL and Redis ------------------------------------------------------------

def psql(url, sql, timeout=60):
    """Run sql (one or more statements) with psql against url; return its stdout.

    -qAtX: quiet, unaligned, tuples only, no ~/.psqlrc, so the output is just values,
    one row a line, columns separated by '|'. Raises RuntimeError on any SQL error.
    """
    p = subprocess.run(["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", "-d", url],
                       input=sql, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"psql failed ({p.returncode}): {p.stderr.strip()}\nSQL: {sql}")
    return p.stdout


class RedisError(Exception):
    pass


def _resp_encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def _resp_read(f):
    line = f.readline()
    if not line:
        raise RedisError("connection closed")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RedisError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2]
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_resp_read(f) for _ in range(n)]
    raise RedisError(f"bad reply {line!r}")


def redis_cmd(url, *args, timeout=5):
    """Send one command to the Redis at url (redis://host:port[/db]); return the reply.

    A few lines of RESP instead of redis-cli: bulk replies come back as bytes exactly,
    and errors raise RedisError instead of hiding in stdout.
    """
    u = urllib.parse.urlsplit(url)
    db = int(u.path.strip("/") or 0)
    cmds = ([("SELECT", db)] if db else []) + [args]
    with socket.create_connection((u.hostname, u.port or 6379), timeout=timeout) as s:
        s.sendall(b"".join(_resp_encode(c) for c in cmds))
        f = s.makefile("rb")
        replies = [_resp_read(f) for _ in cmds]
    return replies[-1]


class DataStores:
    """A private PostgreSQL 15 + Redis pair on free ports, in state_dir.

    It drives deploy/local/services.sh (one implementation of "how to run our PG/Redis")
    with PG_PORT/REDIS_PORT set. With no state_dir it makes a temp dir, under
    $NAAPD_TEST_STATE/private when that is set so `stores.py stop` can sweep leftovers,
    and removes it on stop(). stop() runs at exit and on SIGTERM too.
    """

    # fsync off: test data is disposable; 1024 Redis databases: one per test (redis_db()).
    _ENV = {"PG_FSYNC": "off", "REDIS_DATABASES": "1024"}

    def __init__(self, state_dir=None, start=True):
        if state_dir is None:
            parent = None
            if os.environ.get("NAAPD_TEST_STATE"):
                parent = Path(os.environ["NAAPD_TEST_STATE"]) / "private"
                parent.mkdir(parents=True, exist_ok=True)
            state_dir = tempfile.mkdtemp(prefix="naapd-stores-", dir=parent)
            self._remove_on_stop = True
        else:
            self._remove_on_stop = False
        self.state_dir = Path(state_dir)
        self.pg_port = None
        self.redis_port = None
        self._owner = True
        self._db_seq = 0
        if start:
            self.start()

    @classmethod
    def attach(cls, env_json):
        """A handle on stores someone else runs (env.json of stores.py): never stops them."""
        with open(env_json) as f:
            env = json.load(f)
        self = cls.__new__(cls)
        self.state_dir = Path(env_json).parent
        self.pg_port = int(env["pg_port"])
        self.redis_port = int(env["redis_port"])
        self._owner = False
        self._remove_on_stop = False
        self._db_seq = 0
        return self

    def __repr__(self):
        return f"DataStores({str(self.state_dir)!r}, pg={self.pg_port}, redis={self.redis_port})"

    @property
    def admin_url(self):
        """Superuser (naap) url of the maintenance database; tests use create_database()."""
        return f"postgresql://naap@127.0.0.1:{self.pg_port}/postgres"

    @property
    def redis_url(self):
        return f"redis://127.0.0.1:{self.redis_port}"

    def _services(self, cmd):
        self._check_owner()
        env = dict(os.environ, **self._ENV,
                   PG_PORT=str(self.pg_port or 5433), REDIS_PORT=str(self.redis_port or 6380))
        p = subprocess.run(["bash", str(SERVICES_SH), cmd, str(self.state_dir)], env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=180)
        if p.returncode != 0:
            raise RuntimeError(f"services.sh {cmd} {self.state_dir} failed:\n{p.stderr}")
        return p.stdout

    def _check_owner(self):
        if not self._owner:
            raise RuntimeError("these stores belong to stores.py; start your own DataStores")

    def _start_one(self, cmd, attr):
        # First start: try a few ports (another process may take ours). Restart: the
        # same port, since naapd reconnects to the url it was given.
        if getattr(self, attr) is not None:
            self._services(cmd)
            return
        for attempt in range(5):
            setattr(self, attr, free_port())
            try:
                self._services(cmd)
                return
            except RuntimeError:
                if attempt == 4:
                    raise

    def start(self):
        _register(self)
        self._start_one("start-pg", "pg_port")
        self._start_one("start-redis", "redis_port")

    def start_pg(self):
        self._start_one("start-pg", "pg_port")

    def stop_pg(self):
        self._services("stop-pg")

    def start_redis(self):
        self._start_one("start-redis", "redis_port")

    def stop_redis(self):
        self._services("stop-redis")

    def create_database(self, name=None):
        """Create a fresh, empty database (unique name by default); return its url."""
        if name is None:
            self._db_seq += 1
            name = f"t_{os.getpid()}_{self._db_seq}_{secrets.token_hex(3)}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"bad database name {name!r}")
        psql(self.admin_url, f'CREATE DATABASE "{name}" OWNER naap')
        return f"postgresql://naap@127.0.0.1:{self.pg_port}/{name}"

    def redis_db(self):
        """Url of a Redis logical database (1..N-1) no other test uses, flushed.

        Parallel tests share one Redis server; separate databases keep their cache
        keys and rate-limit counters apart. Database 0 holds the allocation counter.
        """
        n = redis_cmd(self.redis_url, "INCR", "naaptest:next_db")
        count = int(redis_cmd(self.redis_url, "CONFIG", "GET", "databases")[1])
        url = f"{self.redis_url}/{1 + (n - 1) % (count - 1)}"
        redis_cmd(url, "FLUSHDB")
        return url

    def detach(self):
        """Leave the stores running after this process exits (stores.py start)."""
        _unregister(self)

    def stop(self):
        """Stop both stores by pid (and remove the temp state dir if we made it)."""
        if not self._owner:
            return
        _unregister(self)
        try:
            self._services("destroy" if self._remove_on_stop else "stop")
        except Exception:
            _kill_by_pidfiles(self.state_dir)  # services.sh broke: still stop by pid
            raise

    _cleanup = stop


def _kill_by_pidfiles(state_dir):
    """Last resort: SIGQUIT the postmaster and SIGKILL the redis recorded in state_dir."""
    state_dir = Path(state_dir)
    try:
        pg_root = (state_dir / "pg_root").read_text().strip()
        pid = int((Path(pg_root) / "data" / "postmaster.pid").read_text().split()[0])
        _kill(pid, signal.SIGQUIT)
    except (OSError, ValueError, IndexError):
        pass
    try:
        _kill(int((state_dir / "redis" / "redis.pid").read_text().strip()), signal.SIGKILL)
    except (OSError, ValueError):
        pass


_shared = None


def shared_stores():
    """The stores for this test run: those of `stores.py start $NAAPD_TEST_STATE`, or,
    when NAAPD_TEST_STATE is unset (a test run by hand), a private pair for this process."""
    global _shared
    if _shared is None:
        state = os.environ.get("NAAPD_TEST_STATE")
        if state:
            env_json = Path(state) / "env.json"
            if not env_json.exists():
                raise RuntimeError(f"{env_json} missing: did the stores fixture (stores.py start) run?")
            _shared = DataStores.attach(env_json)
        else:
            _shared = DataStores()
    return _shared


# ---- HTTP ----------------------------------------------------------------------------

class Response:
    def __init__(self, status, reason, headers, body, elapsed):
        self.status = status
        self.reason = reason
        self.headers = headers  # http.client.HTTPMessage: case-insensitive, .get_all()
        self.body = body  # raw bytes as sent (still gzipped if Content-Encoding: gzip)
        self.elapsed = elapsed

    def decoded(self):
        """The body with Content-Encoding: gzip undone."""
        if (self.headers.get("Content-Encoding") or "").lower() == "gzip":
            return gzip.decompress(self.body)
        return self.body

    @property
    def text(self):
        return self.decoded().decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.decoded())

    def __repr__(self):
        return f"<Response {self.status} {self.body[:200]!r}>"


def request(method, url, headers=None, body=None, json_body=None, timeout=10):
    """One HTTP request on a fresh connection; returns a Response for any status.

    Only transport errors raise (connection refused, timeout). http.client sends
    `Accept-Encoding: identity` unless headers set Accept-Encoding, so compression is
    under the test's control.
    """
    u = urllib.parse.urlsplit(url)
    path = (u.path or "/") + (f"?{u.query}" if u.query else "")
    headers = dict(headers or {})
    if json_body is not None:
        body = json.dumps(json_body).encode()
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    if isinstance(body, str):
        body = body.encode()
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    t0 = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, r.reason, r.msg, data, time.monotonic() - t0)
    finally:
        conn.close()


# ---- naapd ---------------------------------------------------------------------------

# Variables naapd reads: dropped from the inherited environment so that the caller's
# shell (say, NODE_ENV=production) cannot change what a test runs.
_NAAPD_VARS = ("PORT", "HOST", "DATABASE_URL", "REDIS_URL", "WORKERS", "NAAP_ENV", "NODE_ENV",
               "JWT_SECRET", "MIGRATIONS_DIR", "KILL_TIMEOUT", "LISTEN_TIMEOUT", "TRUST_PROXY",
               "METRICS_ALLOW", "PG_TRANSACTION_POOLING", "PG_PREPARED_STATEMENTS",
               "CACHE_TTL_SHORT", "CACHE_TTL_MEDIUM", "CACHE_TTL_LONG", "MAX_MEMORY_RESTART",
               "LEGACY_SESSIONS", "PASSWORD_ITERATIONS", "SESSION_CACHE_TTL", "FRONTEND_URL",
               "OAUTH_TIMEOUT", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_AUTH_URL",
               "GOOGLE_TOKEN_URL", "GOOGLE_USERINFO_URL", "GITHUB_CLIENT_ID",
               "GITHUB_CLIENT_SECRET", "GITHUB_AUTH_URL", "GITHUB_TOKEN_URL", "GITHUB_USER_URL",
               "GITHUB_EMAILS_URL")

# ASan/LSan/UBSan reports, and valgrind memcheck's (tests/valgrind/run.sh runs naapd under it)
_SANITIZER_RE = re.compile(r"==\d+==ERROR: \w+Sanitizer|: runtime error: |SUMMARY: \w+Sanitizer"
                           r"|==\d+== (?:Invalid (?:read|write|free)|Conditional jump"
                           r"|Use of uninitialised|Syscall param|Mismatched free"
                           r"|Source and destination overlap|.* definitely lost in loss record)")


def sanitizer_report(text):
    """The text from the first ASan/LSan/UBSan report on, or None."""
    m = _SANITIZER_RE.search(text)
    return text[max(0, m.start() - 200):] if m else None


def naapd_env(extra=None):
    """os.environ minus naapd's variables, plus extra (a value of None removes a key)."""
    env = {k: v for k, v in os.environ.items() if k not in _NAAPD_VARS}
    env["MIGRATIONS_DIR"] = str(PROJECT / "migrations")
    for k, v in (extra or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = str(v)
    return env


def run_naapd(*args, env=None, timeout=120):
    """Run `naapd ARGS` to completion (migrate, check-config, version…).

    env is added to naapd_env(). Returns the CompletedProcess (text output); raises
    AssertionError if its output holds a sanitizer report.
    """
    p = subprocess.run([naapd_bin(), *args], env=naapd_env(env), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, errors="replace", timeout=timeout)
    report = sanitizer_report(p.stdout + p.stderr)
    if report:
        raise AssertionError(f"sanitizer report from naapd {' '.join(args)}:\n{report}")
    return p


def _set_pdeathsig():
    # Runs in the child between fork and exec: if the test process dies, even by
    # SIGKILL, the kernel sends naapd's master SIGTERM, and it stops its workers.
    # (Linux ties this to the forking *thread*: start Naapd from the main thread.)
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def _via_pgbouncer(database_url):
    """The PgBouncer pass (tests/harness/pgbouncer.py): with NAAPD_VIA_PGBOUNCER naming
    its env.json, a naapd on the shared PostgreSQL serves through PgBouncer in
    transaction mode instead ({} otherwise, and for private stores)."""
    path = os.environ.get("NAAPD_VIA_PGBOUNCER")
    if not path:
        return {}
    with open(path) as f:
        pgb = json.load(f)
    u = urllib.parse.urlsplit(database_url)
    if u.port != int(pgb["pg_port"]):
        return {}
    netloc = u.netloc.rsplit(":", 1)[0] + f":{pgb['port']}"
    return {"DATABASE_URL": urllib.parse.urlunsplit(u._replace(netloc=netloc)),
            "PG_TRANSACTION_POOLING": "true"}


class Naapd:
    """A naapd master (with its workers) on a free port, against the given stores.

    Runs `naapd migrate`, then `naapd serve`, and waits for /healthz to answer. stdout
    and stderr go to one log file (log_text(), readable until the test process exits).
    stop() stops it like an operator would. Leaving a `with` block stops it (or, if the
    block raised, prints the log's tail and SIGKILLs it); anything still running at
    exit or on SIGTERM is SIGKILLed by pid.
    """

    def __init__(self, database_url, redis_url, env=None, workers=2, migrate=True,
                 start=True, start_timeout=None, args=(), preexec=None):
        self.args = list(args)  # before "serve", e.g. ["--config", path]
        self.preexec = preexec  # extra setup in the child (e.g. resource limits)
        self.database_url = database_url
        self.redis_url = redis_url
        self.extra_env = dict(env or {})
        self.workers = workers
        self.migrate = migrate
        # NAAPD_START_TIMEOUT: slower runs (valgrind) wait longer for the first /healthz
        self.start_timeout = start_timeout or float(os.environ.get("NAAPD_START_TIMEOUT", 10))
        self.jwt_secret = secrets.token_hex(32)
        self.proc = None
        self.port = None
        self.leftover_pids = []
        self.tmpdir = Path(tempfile.mkdtemp(prefix="naapd-run-"))
        self.log_path = self.tmpdir / "naapd.log"
        _register(self)
        if start:
            self.start()

    def __repr__(self):
        return f"Naapd(pid={self.pid}, port={self.port})"

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def env(self):
        """The environment serve runs with (extras override the defaults)."""
        base = {"PORT": self.port, "HOST": "127.0.0.1", "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url, "WORKERS": self.workers, "NAAP_ENV": "test",
                "JWT_SECRET": self.jwt_secret}
        base.update(_via_pgbouncer(self.database_url))
        # the prepared pass (tests/CMakeLists.txt): the same tests with named statements
        if os.environ.get("NAAPD_TEST_PREPARED"):
            base["PG_PREPARED_STATEMENTS"] = "true"
        base.update(self.extra_env)
        return naapd_env(base)

    def start(self):
        if self.migrate:
            p = run_naapd("migrate", env={"DATABASE_URL": self.database_url, **self.extra_env})
            if p.returncode != 0:
                raise RuntimeError(f"naapd migrate failed ({p.returncode}):\n{p.stdout}{p.stderr}")
        for attempt in range(3):
            self.port = free_port()
            self._spawn()
            try:
                self.wait_healthy(self.start_timeout)
                return self
            except RuntimeError:
                # Lost the port to another process between free_port() and bind: retry.
                if attempt < 2 and self.proc.poll() is not None and "in use" in self.log_text():
                    continue
                raise

    def _spawn(self):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([naapd_bin(), *self.args, "serve"], env=self.env(),
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                         preexec_fn=self._preexec)

    def _preexec(self):
        _set_pdeathsig()
        if self.preexec:
            self.preexec()

    def wait_healthy(self, timeout=10):
        """Wait until GET /healthz answers at all (any status); raise with the log if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"naapd exited with {self.proc.returncode} before answering:\n"
                                   f"{self.log_text()[-4000:]}")
            try:
                request("GET", self.url + "/healthz", timeout=2)
                return
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"naapd did not answer /healthz within {timeout}s:\n"
                           f"{self.log_text()[-4000:]}")

    def request(self, method, path, **kw):
        """request() against this naapd: path is relative to its url."""
        return request(method, self.url + path, **kw)

    def log_text(self):
        try:
            return self.log_path.read_bytes().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_json(self):
        """The log lines that are JSON objects, parsed (naapd logs one object a line)."""
        out = []
        for line in self.log_text().splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                out.append(obj)
        return out

    def worker_pids(self):
        return child_pids(self.pid) if self.proc and self.proc.poll() is None else []

    def stop(self, sig=signal.SIGTERM, timeout=40):
        """Send sig to the master and wait for it to exit; return its exit status
        (negative: killed by that signal, as subprocess reports it).

        Workers still alive after the master exits are SIGKILLed and listed in
        self.leftover_pids (a master must reap its workers). Raises TimeoutError if
        the master outlives timeout (it is SIGKILLed first), AssertionError if the log
        holds a sanitizer report.
        """
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            workers = self.worker_pids()
            _kill(self.proc.pid, sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise TimeoutError(f"naapd did not exit within {timeout}s of signal {sig}")
            self.leftover_pids = [p for p in workers if pid_alive(p)]
            for p in self.leftover_pids:
                _kill(p, signal.SIGKILL)
        self._check_sanitizers(raise_=True)
        return self.proc.returncode

    def kill(self):
        """SIGKILL the master and its workers, by pid, and reap the master."""
        if self.proc is None or self.proc.poll() is not None:
            return
        workers = self.worker_pids()
        _kill(self.proc.pid, signal.SIGKILL)
        for p in workers:
            _kill(p, signal.SIGKILL)
        self.proc.wait()

    def _check_sanitizers(self, raise_):
        report = sanitizer_report(self.log_text())
        if report:
            if raise_:
                raise AssertionError(f"sanitizer report in naapd log {self.log_path}:\n{report[:20000]}")
            print(f"naaptest: sanitizer report in naapd log:\n{report[:20000]}", file=sys.stderr)
            _sanitizer_failures.append(str(self.log_path))

    def _cleanup(self):
        _unregister(self)
        self.kill()
        self._check_sanitizers(raise_=False)
        if not os.environ.get("NAAPD_KEEP_LOGS"):
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            # The test failed inside the block: its naapd log is the first thing to read.
            print(f"---- naapd log (last 60 lines) {self.log_path} ----", file=sys.stderr)
            print("\n".join(self.log_text().splitlines()[-60:]), file=sys.stderr)
            self.kill()
        else:
            self.stop()
        # Still registered: the log stays readable until exit, when _cleanup removes it.
        return False


# ---- test cases ----------------------------------------------------------------------

class NaapdTestCase(unittest.TestCase):
    """A test class sharing one naapd (own database and Redis database on the shared
    stores) across its tests; subclasses may set naapd_env and naapd_workers."""

    naapd_env = None
    naapd_workers = 2

    @classmethod
    def setUpClass(cls):
        stores = shared_stores()
        cls.db = stores.create_database()
        cls.naapd = Naapd(cls.db, stores.redis_db(), env=cls.naapd_env,
                          workers=cls.naapd_workers)

    @classmethod
    def tearDownClass(cls):
        cls.naapd.stop()


def express_etag(body):
    """What Express's res.json sends: W/"<length hex>-<27 chars of base64 SHA-1>"."""
    digest = base64.b64encode(hashlib.sha1(body).digest()).decode()[:27]
    return f'W/"{len(body):x}-{digest}"'
