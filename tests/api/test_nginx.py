"""deploy/nginx/naap.conf with the real nginx in front of a real naapd.

The shipped file is used as it is, except for what must differ on a test machine: the
listening port, the upstream's naapd port, the static root and the access log path. It
is included into a minimal nginx.conf (events, pid, temp paths) like Debian's
/etc/nginx/nginx.conf includes conf.d/*.conf. All traffic goes to 127.0.0.1, bounded.
"""

import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import naaptest  # noqa: E402
from naaptest import PROJECT, Naapd, free_port, request, shared_stores, wait_until  # noqa: E402

SHIPPED = PROJECT / "deploy" / "nginx" / "naap.conf"
WRAPPER = """\
{user}
worker_processes 2;
pid {d}/nginx.pid;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/naap.conf;
}}
"""


class Nginx:
    """nginx (master + workers) in the foreground on a free port; stopped by pid."""

    def __init__(self, naapd_port, static_root):
        self.dir = tempfile.mkdtemp(prefix="nginx-", dir=os.environ.get("NAAPD_TEST_STATE"))
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        conf = SHIPPED.read_text()
        for old, new in (("server 127.0.0.1:4000", f"server 127.0.0.1:{naapd_port}"),
                         ("listen 80;", f"listen 127.0.0.1:{self.port};"),
                         ("/var/www/naap/shell-web/dist", static_root),
                         ("/var/log/nginx/naap.access.log", f"{self.dir}/access.log")):
            assert old in conf, old
            conf = conf.replace(old, new)
        with open(f"{self.dir}/naap.conf", "w") as f:
            f.write(conf)
        # as root, nginx's workers would run as nobody, who cannot read the temp dirs
        user = "user root root;" if os.getuid() == 0 else ""
        with open(f"{self.dir}/nginx.conf", "w") as f:
            f.write(WRAPPER.format(d=self.dir, user=user))
        self.proc = None

    def args(self, *extra):
        return ["nginx", "-p", self.dir, "-c", f"{self.dir}/nginx.conf",
                "-e", f"{self.dir}/error.log", *extra]

    def check(self):
        return subprocess.run(self.args("-t"), capture_output=True, text=True, timeout=30)

    def start(self):
        naaptest._register(self)
        self.proc = subprocess.Popen(self.args("-g", "daemon off;"), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self._answers(), timeout=10, what="nginx to listen")
        return self

    def _answers(self):
        if self.proc.poll() is not None:
            raise RuntimeError("nginx exited:\n" + self.error_log())
        try:
            request("GET", self.url + "/healthz", timeout=2)
            return True
        except OSError:
            return False

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def error_log(self):
        try:
            with open(f"{self.dir}/error.log") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        naaptest._unregister(self)
        if self.proc and self.proc.poll() is None:
            workers = naaptest.child_pids(self.proc.pid)
            self.proc.send_signal(signal.SIGQUIT)  # graceful: workers finish and exit
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            for p in workers:
                if naaptest.pid_alive(p):
                    naaptest._kill(p, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)

    _cleanup = stop


class NginxInFront(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        stores = shared_stores()
        cls.naapd = Naapd(stores.create_database(), stores.redis_db(), workers=2)
        cls.static = tempfile.mkdtemp(prefix="shell-web-", dir=os.environ.get("NAAPD_TEST_STATE"))
        os.chmod(cls.static, 0o755)
        with open(f"{cls.static}/index.html", "w") as f:
            f.write("<!doctype html><title>NaaP shell</title>")
        with open(f"{cls.static}/app.js", "w") as f:
            f.write("console.log('naap');\n" * 200)
        cls.nginx = Nginx(cls.naapd.port, cls.static)
        cls.check = cls.nginx.check()
        cls.nginx.start()

    @classmethod
    def tearDownClass(cls):
        cls.nginx.stop()
        cls.naapd.stop()
        shutil.rmtree(cls.static, ignore_errors=True)

    def get(self, path, **headers):
        return request("GET", self.nginx.url + path, headers=headers)

    def test_a_nginx_t_passes(self):
        self.assertEqual(self.check.returncode, 0, self.check.stderr)
        self.assertIn("test is successful", self.check.stderr)

    def test_api_through_nginx_with_request_id_and_single_security_headers(self):
        r = self.get("/api/v1/registry/packages")
        self.assertEqual(r.status, 200, r)
        self.assertIn("packages", r.json())
        self.assertRegex(r.headers["X-Request-Id"], r"^[0-9a-f]{32}$")  # nginx's $request_id
        self.assertEqual(r.headers.get_all("X-Frame-Options"), ["SAMEORIGIN"])
        self.assertEqual(r.headers.get_all("X-Content-Type-Options"), ["nosniff"])
        self.assertIsNone(r.headers.get("Server") and re.search(r"\d", r.headers["Server"]))
        r = self.get("/api/v1/registry/packages", **{"X-Request-Id": "trace-abc-123"})
        self.assertEqual(r.headers["X-Request-Id"], "trace-abc-123")

    def test_gzip_from_naapd_is_not_compressed_again(self):
        r = self.get("/api/v1/" + "x" * 3000, **{"Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.headers.get_all("Content-Encoding"), ["gzip"])
        body = json.loads(gzip.decompress(r.body))  # one layer of gzip, then JSON
        self.assertTrue(body["error"].startswith("Cannot GET /api/v1/xxx"))
        self.assertTrue(r.headers["ETag"].startswith("W/"), r.headers["ETag"])
        # static files: nginx compresses them itself
        r = self.get("/app.js", **{"Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Content-Encoding"], "gzip")
        self.assertIn("immutable", ", ".join(r.headers.get_all("Cache-Control")))
        self.assertEqual(r.headers.get_all("X-Frame-Options"), ["SAMEORIGIN"])

    def test_static_root_and_spa_fallback(self):
        for path in ("/", "/teams/some-team/settings"):
            r = self.get(path)
            self.assertEqual(r.status, 200, path)
            self.assertIn(b"NaaP shell", r.body)

    def test_healthz_is_not_limited_and_metrics_is_not_public(self):
        statuses = [self.get("/healthz").status for _ in range(40)]
        self.assertEqual(set(statuses), {200})
        self.assertEqual(self.get("/metrics").status, 404)
        self.assertEqual(request("GET", self.naapd.url + "/metrics").status, 200)

    def test_client_address_is_the_forwarded_one(self):
        ip1, ip2 = "198.51.100.7", "198.51.100.8"
        r1 = self.get("/api/v1/teams", **{"X-Forwarded-For": ip1})
        r2 = self.get("/api/v1/teams", **{"X-Forwarded-For": ip1})
        r3 = self.get("/api/v1/teams", **{"X-Forwarded-For": ip2})
        # naapd's standard tier counts per client address: ip1 twice, ip2 once
        self.assertEqual(int(r1.headers["X-RateLimit-Remaining"]) - 1,
                         int(r2.headers["X-RateLimit-Remaining"]))
        self.assertEqual(r1.headers["X-RateLimit-Remaining"], r3.headers["X-RateLimit-Remaining"])
        # the access line is written once the answer has been sent: wait for it
        def lines():
            return [e for e in self.naapd.log_json()
                    if e.get("msg") == "request" and e.get("requestId") == r3.headers["X-Request-Id"]]
        wait_until(lambda: lines(), timeout=10, what="the access log line of the request")
        self.assertEqual([e["ip"] for e in lines()], [ip2])

    def test_y_burst_gets_nginx_429_and_naapd_stays_healthy(self):
        statuses = [self.get("/api/v1/auth/providers").status for _ in range(15)]
        self.assertIn(429, statuses)
        self.assertEqual(statuses[0], 200)  # burst=5 nodelay: the first ones pass
        r = self.get("/api/v1/auth/providers")
        if r.status == 429:  # nginx's own answer, in naapd's JSON shape, never naapd's
            self.assertEqual(r.json(), {"error": "Too many requests, please try again later"})
            self.assertIsNone(r.headers.get("X-RateLimit-Limit"))
        self.assertEqual(request("GET", self.naapd.url + "/healthz").status, 200)
        self.assertEqual(len(self.naapd.worker_pids()), 2)
        self.assertFalse([e for e in self.naapd.log_json() if e.get("status", 0) >= 500])
        time.sleep(6)  # let the auth zone recover for the other tests

    def test_z_naapd_reload_behind_nginx_loses_no_request(self):
        failures, count = [], [0]
        stop = threading.Event()

        def client(path, pause):
            while not stop.is_set():
                try:
                    r = self.get(path)
                    if r.status != 200:
                        failures.append((path, r.status, r.body[:200]))
                except OSError as e:
                    failures.append((path, repr(e)))
                count[0] += 1
                time.sleep(pause)

        threads = [threading.Thread(target=client, args=("/healthz", 0)),
                   threading.Thread(target=client, args=("/healthz", 0)),
                   threading.Thread(target=client, args=("/api/v1/registry/packages", 0.2))]
        for t in threads:
            t.start()
        try:
            time.sleep(0.5)
            old = set(self.naapd.worker_pids())
            os.kill(self.naapd.pid, signal.SIGHUP)
            wait_until(lambda: old.isdisjoint(self.naapd.worker_pids())
                       and len(self.naapd.worker_pids()) == 2, timeout=30,
                       what="every worker replaced")
            time.sleep(0.5)
        finally:
            stop.set()
            for t in threads:
                t.join(10)
        self.assertGreater(count[0], 50)
        self.assertEqual(failures, [], self.nginx.error_log()[-2000:])


if __name__ == "__main__":
    unittest.main()
