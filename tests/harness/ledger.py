"""A bounded read/write client load that remembers what the server told it (issue 16).

WriteLoad runs a few client threads on 127.0.0.1, each a user with its own team. Each
loops over: rename its team (PUT), read it back (GET, which may be a cache HIT), now and
then create a team (a multi-row write: Team, owner TeamMember, core installs, their
access rows, activeInstalls) and delete one it created (the reverse). Every answer lands
in a ledger:

    acked   the server said the write succeeded: it must be in the database, for good;
    maybe   no answer or a 5xx: the write may or may not have happened (both are fine,
            but nothing else is).

verify() then compares the ledger with PostgreSQL and checks that no multi-row change is
half-applied. A read that contradicts an acknowledged write (a stale cache entry after
the write said it was done) is a failure of its own (`wrong_reads`).

Bounded: at most max_seconds of load and never more than max_ops requests per thread,
whatever the fault does; deadlines are generous because two cores are shared.
"""

import http.client
import json
import secrets
import threading
import time

from naaptest import psql, wait_until
from teamfix import T, User, bearer


class Client:
    """One load thread's user, team and ledger (only that thread writes to it)."""

    def __init__(self, naapd):
        self.user = User(naapd)
        self.token = self.user.token
        r = self.user.req("POST", T, {"name": "ledger-0", "slug": "l-" + secrets.token_hex(6)})
        assert r.status == 201, r.body
        self.team_id = r.json()["team"]["id"]
        self.acked_name = "ledger-0"
        self.maybe_names = []  # written after acked_name without a clear answer
        self.created = {}  # team id -> slug, acknowledged
        self.maybe_created = set()  # slugs sent without a clear answer
        self.deleted = set()  # team ids whose DELETE was acknowledged
        self.maybe_deleted = set()


class WriteLoad:
    def __init__(self, naapd, clients=4, max_seconds=90, max_ops=4000, timeout=30):
        self.naapd = naapd
        self.port = naapd.port
        self.timeout = timeout
        self.max_seconds = max_seconds
        self.max_ops = max_ops
        self.clients = [Client(naapd) for _ in range(clients)]
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.ok = 0
        self.statuses = {}  # status (or exception name) -> count, of every non-2xx answer
        self.errors = []  # (what, detail) of transport errors and 5xx, in order
        self.unexpected = []  # 4xx and malformed answers: never acceptable
        self.wrong_reads = []  # a read contradicting an acknowledged write
        self.slow = []  # answers slower than slow_after seconds
        self.slow_after = None
        self.hits = 0
        self.threads = [threading.Thread(target=self._run, args=(c,), daemon=True)
                        for c in self.clients]

    # ---- lifecycle ----------------------------------------------------------------

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(self.timeout + 15)

    def wait_for(self, n, timeout=60):
        base = self.ok
        wait_until(lambda: self.ok >= base + n, timeout=timeout, what=f"{n} more answers")

    def server_errors(self):
        """The errors that are 5xx answers or transport errors."""
        return list(self.errors)

    # ---- one client ---------------------------------------------------------------

    def _note(self, what, status, detail=""):
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if isinstance(status, str) or status >= 500:
                self.errors.append((what, status, detail[:200]))
            else:
                self.unexpected.append((what, status, detail[:300]))

    def _call(self, conn_box, method, path, token, body=None):
        """(status, json or None, headers) or (exception name, None, None)."""
        headers = {**bearer(token)}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        t0 = time.monotonic()
        try:
            if conn_box[0] is None:
                conn_box[0] = http.client.HTTPConnection("127.0.0.1", self.port,
                                                         timeout=self.timeout)
            conn_box[0].request(method, path, body=data, headers=headers)
            r = conn_box[0].getresponse()
            raw = r.read()
            if (r.getheader("Connection") or "").lower() == "close":
                conn_box[0].close()
                conn_box[0] = None
        except Exception as e:  # noqa: BLE001 - every transport failure is one outcome
            if conn_box[0] is not None:
                conn_box[0].close()
            conn_box[0] = None
            return type(e).__name__, None, None
        elapsed = time.monotonic() - t0
        if self.slow_after is not None and elapsed > self.slow_after:
            with self.lock:
                self.slow.append((method, path, r.status, round(elapsed, 2)))
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = None
        if r.status >= 400 and not isinstance(doc, dict):
            with self.lock:  # every error is JSON (decisions.md 1)
                self.unexpected.append((method + " " + path, r.status, raw[:200]))
        return r.status, doc, r

    def _run(self, c):
        deadline = time.monotonic() + self.max_seconds
        box = [None]
        seq = 0
        path = f"{T}/{c.team_id}"
        while not self.stop_event.is_set() and time.monotonic() < deadline and seq < self.max_ops:
            seq += 1
            name = f"ledger-{seq}"
            st, doc, _ = self._call(box, "PUT", path, c.token, {"name": name})
            if st == 200:
                c.acked_name, c.maybe_names = name, []
                self._ok()
            else:
                c.maybe_names.append(name)
                self._note("rename", st, str(doc))

            for _ in range(2 if seq % 3 == 0 else 1):  # the second read may be a HIT
                self._read(box, c, path)

            if seq % 6 == 0:
                slug = "c-" + secrets.token_hex(6)
                st, doc, _ = self._call(box, "POST", T, c.token, {"name": "made", "slug": slug})
                if st == 201:
                    c.created[doc["team"]["id"]] = slug
                    self._ok()
                else:
                    c.maybe_created.add(slug)
                    self._note("create", st, str(doc))
            if seq % 12 == 0 and len(c.created) > len(c.deleted) + len(c.maybe_deleted):
                victim = next(t for t in c.created if t not in c.deleted
                              and t not in c.maybe_deleted)
                st, doc, _ = self._call(box, "DELETE", f"{T}/{victim}", c.token)
                if st == 200:
                    c.deleted.add(victim)
                    self._ok()
                else:
                    c.maybe_deleted.add(victim)
                    self._note("delete", st, str(doc))
        if box[0] is not None:
            box[0].close()

    def _read(self, box, c, path):
        st, doc, r = self._call(box, "GET", path, c.token)
        if st != 200:
            self._note("read", st, str(doc))
            return
        got = doc["team"]["name"]
        if got != c.acked_name and got not in c.maybe_names:
            with self.lock:
                self.wrong_reads.append((c.team_id, got, c.acked_name, r.getheader("X-Cache")))
        if r.getheader("X-Cache") == "HIT":
            with self.lock:
                self.hits += 1
        self._ok()

    def _ok(self):
        with self.lock:
            self.ok += 1

    # ---- the comparison with the database -------------------------------------------

    def verify(self, db):
        """Problems found comparing the ledger with the database (empty: none)."""
        problems = []

        def rows(sql):
            return [line.split("|") for line in psql(db, sql).strip().splitlines() if line]

        for c in self.clients:
            name = rows(f"SELECT name FROM \"Team\" WHERE id = '{c.team_id}'")
            if not name:
                problems.append(f"team {c.team_id} vanished")
            elif name[0][0] != c.acked_name and name[0][0] not in c.maybe_names:
                problems.append(f"team {c.team_id}: database has {name[0][0]!r}, the last "
                                f"acknowledged write was {c.acked_name!r} (then {c.maybe_names})")
            for tid, slug in c.created.items():
                got = rows(f"SELECT slug FROM \"Team\" WHERE id = '{tid}'")
                if tid in c.deleted:
                    if got:
                        problems.append(f"team {tid}: delete acknowledged, row still there")
                elif tid not in c.maybe_deleted and got != [[slug]]:
                    problems.append(f"team {tid}: creation acknowledged, database has {got}")
        problems += invariant_problems(db)
        return problems


def invariant_problems(db):
    """Multi-row changes found half-applied: each check selects what must not exist."""
    checks = {
        "team without exactly one owner member": (
            "SELECT t.id FROM \"Team\" t LEFT JOIN \"TeamMember\" m ON m.\"teamId\" = t.id "
            "AND m.role = 'owner' GROUP BY t.id, t.\"ownerId\" "
            "HAVING count(m.id) <> 1 OR bool_or(m.\"userId\" <> t.\"ownerId\")"),
        "team missing a core plugin install": (
            "SELECT t.id FROM \"Team\" t CROSS JOIN \"PluginDeployment\" d "
            "JOIN \"PluginPackage\" p ON p.id = d.\"packageId\" AND p.\"isCore\" "
            "WHERE NOT EXISTS (SELECT 1 FROM \"TeamPluginInstall\" i "
            "WHERE i.\"teamId\" = t.id AND i.\"deploymentId\" = d.id)"),
        "member without an access row for an install of its team": (
            "SELECT m.id, i.id FROM \"TeamMember\" m JOIN \"TeamPluginInstall\" i "
            "ON i.\"teamId\" = m.\"teamId\" WHERE NOT EXISTS (SELECT 1 FROM "
            "\"TeamMemberPluginAccess\" a WHERE a.\"memberId\" = m.id "
            "AND a.\"pluginInstallId\" = i.id)"),
        "access row across teams": (
            "SELECT a.id FROM \"TeamMemberPluginAccess\" a JOIN \"TeamMember\" m "
            "ON m.id = a.\"memberId\" JOIN \"TeamPluginInstall\" i ON i.id = a.\"pluginInstallId\" "
            "WHERE m.\"teamId\" <> i.\"teamId\""),
        "activeInstalls differs from the installs that exist": (
            "SELECT d.id, d.\"activeInstalls\", count(i.id) FROM \"PluginDeployment\" d "
            "LEFT JOIN \"TeamPluginInstall\" i ON i.\"deploymentId\" = d.id "
            "GROUP BY d.id HAVING d.\"activeInstalls\" <> count(i.id)"),
    }
    out = []
    for what, sql in checks.items():
        found = psql(db, sql).strip()
        if found:
            out.append(f"{what}: {found.splitlines()[:5]}")
    return out
