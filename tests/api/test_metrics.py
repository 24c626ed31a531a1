"""GET /metrics (decisions.md "Added", issue 14): Prometheus text format, summed over all
workers, parsed here with the real parser of the Prometheus Python client."""

import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from naaptest import Naapd, free_port, psql, shared_stores, wait_until  # noqa: E402

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    # Debian's python3-prometheus-client (install-deps.sh), when ctest found another
    # python3 first (pyenv on a developer machine)
    sys.path.append("/usr/lib/python3/dist-packages")
    from prometheus_client.parser import text_string_to_metric_families

PROVIDERS = "/api/v1/auth/providers"
MARKET = "/api/v1/registry/packages"


def scrape(naapd, headers=None):
    """Parsed samples of one scrape: {(name, frozenset(labels)): value}, and the families."""
    r = naapd.request("GET", "/metrics", headers=headers)
    assert r.status == 200, r
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4"), r.headers
    families = list(text_string_to_metric_families(r.text))
    samples = {}
    for fam in families:
        for s in fam.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples, {f.name: f for f in families}


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        stores = shared_stores()
        cls.db = stores.create_database()
        cls.naapd = Naapd(cls.db, stores.redis_db(), workers=2,
                          env={"RATE_LIMIT_STRICT_POINTS": "2", "RATE_LIMIT_STRICT_BLOCK": "60s"})

    @classmethod
    def tearDownClass(cls):
        cls.naapd.stop()

    def test_format_families_and_gauges(self):
        samples, families = scrape(self.naapd)
        self.assertEqual(families["naapd_http_request_duration_seconds"].type, "histogram")
        for name in ("naapd_http_requests", "naapd_cache_hits", "naapd_cache_misses",
                     "naapd_cache_errors", "naapd_ratelimit_rejected", "naapd_postgres_events",
                     "naapd_redis_events", "naapd_worker_restarts"):
            self.assertEqual(families[name].type, "counter", name)
        self.assertEqual(value(samples, "naapd_workers"), 2)
        rss = [v for (n, _), v in samples.items() if n == "naapd_worker_resident_memory_bytes"]
        self.assertGreaterEqual(len(rss), 2)
        self.assertTrue(all(v > 1024 * 1024 for v in rss), rss)
        self.assertGreater(value(samples, "naapd_uptime_seconds"), 0)
        for cause in ("crash", "start_timeout", "memory", "reload"):
            self.assertIn(("naapd_worker_restarts_total", frozenset({"cause": cause}.items())),
                          samples)

    def test_requests_are_summed_over_workers(self):
        labels = {"method": "GET", "route": PROVIDERS}
        before, _ = scrape(self.naapd)
        n = 24  # a fresh connection each: both workers answer some of them
        for _ in range(n):
            self.assertEqual(self.naapd.request("GET", PROVIDERS).status, 200)
        self.naapd.request("GET", "/api/v1/no-such-thing")
        # every scrape (whichever worker answers it) sees the same total
        for _ in range(4):
            after, _ = scrape(self.naapd)
            self.assertEqual(value(after, "naapd_http_requests_total", status="2xx", **labels)
                             - value(before, "naapd_http_requests_total", status="2xx", **labels),
                             n)
            self.assertEqual(value(after, "naapd_http_request_duration_seconds_count", **labels)
                             - value(before, "naapd_http_request_duration_seconds_count",
                                     **labels), n)
            self.assertEqual(value(after, "naapd_http_request_duration_seconds_bucket",
                                   le="+Inf", **labels)
                             - value(before, "naapd_http_request_duration_seconds_bucket",
                                     le="+Inf", **labels), n)
            self.assertGreaterEqual(
                value(after, "naapd_http_requests_total", method="", route="(unmatched)",
                      status="4xx"), 1)
        self.assertGreater(value(after, "naapd_http_request_duration_seconds_sum", **labels), 0)

    def test_rate_limit_rejections_by_tier(self):
        body = {"email": "nobody@example.com", "password": "wrong"}
        headers = {"X-Forwarded-For": "198.51.100.77"}
        before, _ = scrape(self.naapd)
        statuses = [self.naapd.request("POST", "/api/v1/auth/login", json_body=body,
                                       headers=headers).status for _ in range(4)]
        self.assertEqual(statuses.count(429), 2, statuses)
        after, _ = scrape(self.naapd)
        self.assertEqual(value(after, "naapd_ratelimit_rejected_total", tier="strict")
                         - value(before, "naapd_ratelimit_rejected_total", tier="strict"), 2)

    def test_cache_hits_and_misses(self):
        before, _ = scrape(self.naapd)
        for _ in range(3):
            self.assertEqual(self.naapd.request("GET", MARKET + "?q=metrics").status, 200)
        after, _ = scrape(self.naapd)
        self.assertGreaterEqual(value(after, "naapd_cache_misses_total")
                                - value(before, "naapd_cache_misses_total"), 1)
        self.assertGreaterEqual(value(after, "naapd_cache_hits_total")
                                - value(before, "naapd_cache_hits_total"), 2)

    def test_postgres_reconnects_are_counted(self):
        self.assertEqual(self.naapd.request("GET", MARKET + "?q=pg").status, 200)
        before, _ = scrape(self.naapd)
        psql(self.db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")

        def reconnected():
            self.naapd.request("GET", MARKET + "?q=pg" + os.urandom(4).hex())
            after, _ = scrape(self.naapd)
            return (value(after, "naapd_postgres_events_total", kind="reconnect")
                    > value(before, "naapd_postgres_events_total", kind="reconnect"))
        wait_until(reconnected, timeout=10, interval=0.1, what="a counted reconnect")

    def test_zz_worker_restarts_by_cause(self):
        # runs last in this class (name order): it replaces the workers
        before, _ = scrape(self.naapd)
        victim = self.naapd.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)

        def counted(cause, n):
            after, _ = scrape(self.naapd)
            return (value(after, "naapd_worker_restarts_total", cause=cause)
                    - value(before, "naapd_worker_restarts_total", cause=cause)) >= n \
                and value(after, "naapd_workers") == 2
        try:
            wait_until(lambda: counted("crash", 1), timeout=15, what="crash restart counted")
            os.kill(self.naapd.pid, signal.SIGHUP)
            wait_until(lambda: counted("reload", 2), timeout=30, what="reload restarts counted")
        except TimeoutError as e:
            self.fail(f"{e}; naapd log:\n" + "\n".join(self.naapd.log_text().splitlines()[-40:]))
        # counters live in the master's shared memory: replaced workers lose nothing
        after, _ = scrape(self.naapd)
        self.assertGreaterEqual(value(after, "naapd_http_requests_total", method="GET",
                                      route="/metrics", status="2xx"),
                                value(before, "naapd_http_requests_total", method="GET",
                                      route="/metrics", status="2xx"))


class Access(unittest.TestCase):
    def test_not_public_by_default_and_allowlist(self):
        stores = shared_stores()
        with Naapd(stores.create_database(), stores.redis_db(), workers=1) as n:
            self.assertEqual(n.request("GET", "/metrics").status, 200)  # loopback
            # relayed by a trusted proxy (loopback) for an outside client: judged by the
            # client, so nginx in front never makes it public
            r = n.request("GET", "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
            self.assertEqual(r.status, 404, r)
            self.assertEqual(r.json(), {"error": "Cannot GET /metrics"})
        with Naapd(stores.create_database(), stores.redis_db(), workers=1,
                   env={"METRICS_ALLOW": "203.0.113.0/24"}) as n:
            self.assertEqual(n.request("GET", "/metrics").status, 404)
            r = n.request("GET", "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
            self.assertEqual(r.status, 200, r)
        with Naapd(stores.create_database(), stores.redis_db(), workers=1,
                   env={"METRICS_ALLOW": "false"}) as n:
            self.assertEqual(n.request("GET", "/metrics").status, 404)

    def test_never_rate_limited(self):
        stores = shared_stores()
        with Naapd(stores.create_database(), stores.redis_db(), workers=1,
                   env={"RATE_LIMIT_STANDARD_POINTS": "1"}) as n:
            for _ in range(5):
                r = n.request("GET", "/metrics")
                self.assertEqual(r.status, 200)
                self.assertNotIn("X-RateLimit-Limit", r.headers)

    def test_redis_errors_are_counted(self):
        stores = shared_stores()
        dead = f"redis://127.0.0.1:{free_port()}"  # nothing listens there
        with Naapd(stores.create_database(), dead, workers=1) as n:
            for _ in range(3):
                n.request("GET", MARKET)
            samples, _ = scrape(n)
            self.assertGreaterEqual(value(samples, "naapd_redis_events_total", kind="error"), 1)


if __name__ == "__main__":
    unittest.main()
