"""The shell's cross-origin calls in a real Chromium (issue 18).

Debian's chromium, driven headless through chromedriver's W3C WebDriver HTTP API (urllib,
no third-party client), loads a page from a second local origin - the "shell", a tiny
http.server here - whose script calls naapd with the shell's own request options
(credentials:"include", Authorization: Bearer, Cache-Control/Pragma: no-cache, JSON
bodies) and writes what it could read into the page. The assertions are on that report,
so they fail exactly when a browser would block or hide something.

Chromium comes from deploy/local/install-deps.sh (never a downloaded browser). If it is
absent and that script cannot install it, the test skips and says why.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import PROJECT, NaapdTestCase, child_pids, free_port, wait_until  # noqa: E402

CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage"]
STRICT_POINTS = 4  # register + login + two forgot-password calls; the next one is a 429

# The shell's flows (apps/web-next auth-context, api.md 9.1-9.2), reduced to fetch calls
# with the same options. Each step records what the page could read: status, JSON body
# and the response headers naapd exposes; a CORS block surfaces as "Failed to fetch".
PAGE = r"""<!doctype html>
<html><head><meta charset="utf-8"><title>shell</title></head>
<body><pre id="report">running</pre>
<script>
const params = new URLSearchParams(location.search);
const API = params.get("api");
const READ = ["x-request-id", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
              "retry-after", "x-cache", "etag", "content-type"];
const results = {};
async function call(name, method, path, {token, body, noCache} = {}) {
  const headers = {};
  if (token) headers["Authorization"] = "Bearer " + token;
  if (noCache) { headers["Cache-Control"] = "no-cache"; headers["Pragma"] = "no-cache"; }
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const opts = {method, headers, credentials: "include"};
  if (body !== undefined) opts.body = JSON.stringify(body);
  try {
    const res = await fetch(API + path, opts);
    const seen = {};
    for (const h of READ) { const v = res.headers.get(h); if (v !== null) seen[h] = v; }
    let json = null;
    try { json = await res.json(); } catch (e) { json = null; }
    results[name] = {status: res.status, headers: seen, body: json};
  } catch (e) {
    results[name] = {error: String(e)};
  }
  return results[name];
}
async function shellFlows() {
  const email = params.get("email"), password = "password1";
  await call("register", "POST", "/api/v1/auth/register",
             {body: {email, password, displayName: "Browser User"}});
  const login = await call("login", "POST", "/api/v1/auth/login", {body: {email, password}});
  const token = login.body && login.body.token;
  await call("me", "GET", "/api/v1/auth/me", {token, noCache: true});
  await call("refresh", "POST", "/api/v1/auth/refresh", {token});
  const slug = "browser-" + Date.now();
  const team = await call("teamCreate", "POST", "/api/v1/teams",
                          {token, body: {name: "Browser Team", slug}});
  await call("teamList", "GET", "/api/v1/teams", {token});
  const teamId = team.body && team.body.team && team.body.team.id;
  await call("myPlugins", "GET", "/api/v1/teams/" + teamId + "/my-plugins", {token});
  await call("marketplace", "GET", "/api/v1/registry/packages");
  await call("marketplaceAgain", "GET", "/api/v1/registry/packages");
  await call("badToken", "GET", "/api/v1/auth/me", {token: "not-a-session", noCache: true});
  await call("logout", "POST", "/api/v1/auth/logout", {token});
  await call("meAfterLogout", "GET", "/api/v1/auth/me", {token, noCache: true});
  for (let i = 0; i < 4; i++)
    await call("forgot" + i, "POST", "/api/v1/auth/forgot-password", {body: {email}});
}
async function blockedFlows() {
  await call("marketplace", "GET", "/api/v1/registry/packages");
  await call("login", "POST", "/api/v1/auth/login",
             {body: {email: "x@example.com", password: "password1"}});
  await call("me", "GET", "/api/v1/auth/me", {token: "whatever", noCache: true});
}
(params.get("flow") === "blocked" ? blockedFlows() : shellFlows())
  .catch(e => { results.crash = String(e); })
  .finally(() => {
    document.getElementById("report").textContent = JSON.stringify(results);
    document.title = "done";
  });
</script></body></html>
"""


class _ShellPage(BaseHTTPRequestHandler):
    def do_GET(self):
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _find_chromium():
    """(chromium, chromedriver) paths, installing the Debian packages if needed, or a
    reason why there is no browser."""
    def which():
        return shutil.which("chromium"), shutil.which("chromedriver")
    if all(which()):
        return which(), None
    p = subprocess.run(["bash", str(PROJECT / "deploy/local/install-deps.sh")],
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900)
    if all(which()):
        return which(), None
    tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or ["no output"]
    return None, ("chromium/chromedriver absent and deploy/local/install-deps.sh could not "
                  f"install them (exit {p.returncode}: {tail[0]})")


class WebDriver:
    """The few W3C WebDriver commands the test needs, over chromedriver's HTTP API."""

    def __init__(self, chromium, chromedriver):
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="naapd-chromium-")
        self.proc = subprocess.Popen([chromedriver, f"--port={self.port}"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.session = None
        try:
            wait_until(self._ready, timeout=20, what="chromedriver listening")
            caps = {"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": chromium,
                                       "args": CHROME_FLAGS + [f"--user-data-dir={self.profile}"]},
            }}}
            self.session = self._call("POST", "/session", caps)["sessionId"]
        except BaseException:
            self.quit()
            raise

    def _ready(self):
        try:
            return self._call("GET", "/status")["ready"]
        except (OSError, urllib.error.URLError):
            return False

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                     method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=90) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"webdriver {method} {path}: {e.read()[:500]!r}") from None

    def report(self, url, timeout=60):
        """Load url and return the JSON report its script writes when done."""
        s = f"/session/{self.session}"
        self._call("POST", s + "/url", {"url": url})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._call("POST", s + "/execute/sync",
                          {"script": "return document.title", "args": []}) == "done":
                text = self._call("POST", s + "/execute/sync", {
                    "script": "return document.getElementById('report').textContent",
                    "args": []})
                return json.loads(text)
            time.sleep(0.1)
        raise AssertionError(f"the page at {url} did not finish in {timeout} s")

    def quit(self):
        # chromedriver and the browser it started, by pid and process group: never by name
        if self.session:
            try:
                self._call("DELETE", f"/session/{self.session}")
            except Exception:
                pass
            self.session = None
        if self.proc.poll() is None:
            pids = child_pids(self.proc.pid)
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def _serve(port):
    srv = ThreadingHTTPServer(("127.0.0.1", port), _ShellPage)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


class BrowserCors(NaapdTestCase):
    shell_port = free_port()
    other_port = free_port()
    naapd_env = {"CORS_ORIGINS": f"http://localhost:{shell_port}",
                 "RATE_LIMIT_STRICT_POINTS": STRICT_POINTS}
    naapd_workers = 1

    @classmethod
    def setUpClass(cls):
        paths, why = _find_chromium()
        if why:
            raise unittest.SkipTest(why)
        super().setUpClass()
        cls.servers = [_serve(cls.shell_port), _serve(cls.other_port)]
        try:
            cls.browser = WebDriver(*paths)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "browser", None):
            cls.browser.quit()
        for srv in getattr(cls, "servers", []):
            srv.shutdown()
            srv.server_close()
        super().tearDownClass()

    def page(self, port, flow, email="nobody@example.com"):
        api = f"http://127.0.0.1:{self.naapd.port}"
        q = urllib.parse.urlencode({"api": api, "flow": flow, "email": email})
        return self.browser.report(f"http://localhost:{port}/?{q}")

    def test_shell_flows_with_credentials(self):
        email = f"browser{int(time.time() * 1000)}@example.com"
        r = self.page(self.shell_port, "shell", email)
        self.assertNotIn("crash", r)
        for name, step in r.items():
            self.assertNotIn("error", step, f"{name} was blocked: {step}")
            self.assertTrue(step["headers"].get("x-request-id"), f"{name}: X-Request-Id hidden")
        self.assertEqual(r["register"]["status"], 200, r["register"])
        self.assertEqual(r["login"]["status"], 200, r["login"])
        self.assertTrue(r["login"]["body"]["token"])
        self.assertEqual(r["me"]["status"], 200, r["me"])
        self.assertEqual(r["me"]["body"]["user"]["email"], email)
        self.assertEqual(r["refresh"]["status"], 200, r["refresh"])
        self.assertEqual(r["teamCreate"]["status"], 201, r["teamCreate"])
        team_id = r["teamCreate"]["body"]["team"]["id"]
        self.assertEqual(r["teamList"]["status"], 200)
        self.assertIn(team_id, [t["id"] for t in r["teamList"]["body"]["teams"]])
        # readable either way; 200 once the team-plugin routes exist on this build
        if self.naapd.request("GET", f"/api/v1/teams/{team_id}/my-plugins").status != 404:
            self.assertEqual(r["myPlugins"]["status"], 200, r["myPlugins"])
        self.assertEqual(r["marketplace"]["status"], 200, r["marketplace"])
        self.assertIsInstance(r["marketplace"]["body"]["packages"], list)
        # the cache validators are readable
        self.assertTrue(r["marketplace"]["headers"].get("etag"), r["marketplace"])
        self.assertIn(r["marketplaceAgain"]["headers"].get("x-cache"), ("HIT", "MISS"))
        self.assertEqual(r["badToken"]["status"], 401)
        self.assertTrue(r["badToken"]["body"])
        self.assertEqual(r["logout"]["status"], 200, r["logout"])
        self.assertEqual(r["meAfterLogout"]["status"], 401, r["meAfterLogout"])
        # the limiter's state, readable from the page, up to the 429
        first = r["forgot0"]["headers"]
        self.assertEqual(first.get("x-ratelimit-limit"), str(STRICT_POINTS), r["forgot0"])
        self.assertIn("x-ratelimit-remaining", first)
        self.assertIn("x-ratelimit-reset", first)
        limited = [r[f"forgot{i}"] for i in range(4) if r[f"forgot{i}"]["status"] == 429]
        self.assertTrue(limited, [r[f"forgot{i}"]["status"] for i in range(4)])
        self.assertGreater(int(limited[0]["headers"]["retry-after"]), 0)
        self.assertEqual(limited[0]["headers"].get("x-ratelimit-remaining"), "0")

    def test_unlisted_origin_is_blocked_by_the_browser(self):
        r = self.page(self.other_port, "blocked")
        self.assertNotIn("crash", r)
        for name in ("marketplace", "login", "me"):
            self.assertIn("Failed to fetch", r[name].get("error", ""), f"{name}: {r[name]}")


if __name__ == "__main__":
    unittest.main()
