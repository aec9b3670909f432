#!/usr/bin/env python3
"""Live proof of the operating files: the alert rules and dashboards, run against the real thing.

    /usr/bin/python3 tests/e2e/test_alerting_live.py PATH_TO_SMTP_EXPORTER

Starts, all on loopback: Postfix smtp-sink; the exporter in interval mode (1s, QoS 500ms) probing
the sink and a closed port; a real Prometheus (scrape and evaluation every 1s) that scrapes the
exporter as job `smtp_exporter` and loads a copy of alerts/smtp_exporter.rules.yml; a real
Alertmanager that sends every alert to a webhook receiver inside this test. Then:

  1. waits until Prometheus scrapes the exporter (up == 1) and the recording rules have data;
  2. runs every query of dashboards/*.json the way Grafana would (dashboard_queries.py: panel
     targets as instant and/or range queries, template variables through /api/v1/series and
     /api/v1/label/<name>/values, annotation queries as range queries), with the variables filled
     in: every one must parse, at least MIN_DATA_SHARE of those that can have data here must
     return data, and every one without data must have a known reason (see NO_DATA_REASONS; the
     queries of a domain target have none here, test_domains.py runs them);
  3. stops smtp-sink and waits for Alertmanager's webhook to deliver SMTPServerDown firing for that
     target (alertname, target, module, job, severity=critical); runs the dashboard queries again
     while it fires (the failure panels and the alert annotation must now have data); starts
     smtp-sink again on the same port and waits for the resolved notification.

The rules copy differs from the shipped file only in the `for:` durations, shortened to
FOR_DURATION so the test takes seconds, not minutes (rewritten with python3-yaml from the shipped
file, so it follows it). No window needs shortening for SMTPServerDown: its
smtp:probe_events:rate5m{event="5509"} > 0 holds as soon as two scrapes inside the 5m window
show a new failure, and it resolves when smtp_probe_success returns to 1. The test asserts that
the copy differs from the shipped file in nothing but `for:`.

Skipped (with a message) only when the prometheus or alertmanager binary is missing; CI installs
them (scripts/packages.txt, kind `test`). Every wait is bounded; every process and temporary
directory is removed in cleanups, also on failure; the bounds add up to under ctest's 300 s
(typical run: about 20 s). On failure it prints Prometheus' alerts, rules
and targets, Alertmanager's alerts, the webhook receipts and the logs' tails.
"""
import copy
import glob
import json
import os
import re
import shutil
import sys
import tempfile
import time
import unittest
import urllib.parse

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashboard_queries  # noqa: E402
import harness  # noqa: E402
from harness import (Exporter, LoggedProcess, SmtpSink, WebhookReceiver, free_port, http_get,  # noqa: E402
                     wait_until)

BINARY = None
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RULES_FILE = os.path.join(ROOT, "alerts", "smtp_exporter.rules.yml")
DASHBOARDS = sorted(glob.glob(os.path.join(ROOT, "dashboards", "*.json")))

JOB = "smtp_exporter"
SINK_TARGET = "sink"
CLOSED_TARGET = "closed"
FOR_DURATION = "5s"
MIN_DATA_SHARE = 0.70

# A query may return nothing while the probed server is healthy and no TLS is probed; each such
# query must match one of these (regex searched in the query as written in the dashboard; the
# first match counts), and the reason is printed. `healthy_only` marks the ones that must have
# data while the target is down.
# The exporter here has address targets only: the queries of the domain and loop families, and any
# query of the domain dashboard's $domain, cannot have data. They are left out of MIN_DATA_SHARE.
NEEDS_DOMAIN = "needs a domain target: checked against real DNS and Postfix peers in test_domains.py"
NEEDS_LOOP = "needs a mail loop: checked against real Postfix and Dovecot in test_loops.py"
NO_DATA_REASONS = [
    (r"smtp_domain_|smtp_mta_sts_|smtp_dane_|smtp_fcrdns_|smtp_banner_name_|\$\{?domain\b", NEEDS_DOMAIN, False),
    (r"smtp_loop_", NEEDS_LOOP, False),
    (r"smtp_tls_|smtp:tls_", "TLS metric: smtp-sink offers no STARTTLS and the module probes without TLS", False),
    (r"\bALERTS\b", "alert annotation: no SMTP alert fires for the healthy target", True),
    (r"smtp_probe_failures_total|smtp:probe_failures:", "failures filtered by > 0: the healthy target has none", True),
    (r"smtp_step_", "step metric: the module lists no transaction steps", False),
]

PROMETHEUS_BINARIES = ["/usr/bin/prometheus", "prometheus"]
ALERTMANAGER_BINARIES = ["/usr/bin/prometheus-alertmanager", "prometheus-alertmanager", "alertmanager"]


def find_binary(candidates):
    for c in candidates:
        path = c if os.path.isabs(c) else shutil.which(c)
        if path and os.access(path, os.X_OK):
            return path
    return None


def shortened_rules(rules):
    """The rules with every alert's `for:` set to FOR_DURATION (nothing else changed)."""
    out = copy.deepcopy(rules)
    for group in out["groups"]:
        for rule in group["rules"]:
            if "alert" in rule and "for" in rule:
                rule["for"] = FOR_DURATION
    return out


def without_for(rules):
    out = copy.deepcopy(rules)
    for group in out["groups"]:
        for rule in group["rules"]:
            rule.pop("for", None)
    return out


# ---------------------------------------------------------------------------------------------
class AlertingLiveTest(unittest.TestCase):

    def setUp(self):
        self.started = time.monotonic()
        self.exporter = self.sink = self.prometheus = self.alertmanager = self.webhook = None
        self.prom_bin = find_binary(PROMETHEUS_BINARIES)
        self.am_bin = find_binary(ALERTMANAGER_BINARIES)
        if not self.prom_bin or not self.am_bin:
            self.skipTest("needs Debian's prometheus and prometheus-alertmanager "
                          f"(found prometheus={self.prom_bin}, alertmanager={self.am_bin}); "
                          "scripts/test.sh installs them from scripts/packages.txt")
        self.dir = tempfile.mkdtemp(prefix="smtp_alerting_live_")
        self.addCleanup(shutil.rmtree, self.dir, True)
        try:
            self.start_everything()
        except BaseException:
            print(self.diagnostics(), flush=True)
            raise

    def start_everything(self):
        # The webhook that Alertmanager notifies.
        self.webhook = WebhookReceiver()
        self.addCleanup(self.webhook.stop)

        # smtp-sink and the exporter (cleanups registered before construction can fail).
        self.sink = self.construct(SmtpSink)
        closed_port = harness.closed_port()
        config = f"""
global:
  mode: interval
  interval: 1s
modules:
  smtp_ehlo:
    timeout: 5s
    qos_timeout: 500ms
    ehlo_name: probe.example.org
targets:
  - name: {SINK_TARGET}
    address: 127.0.0.1:{self.sink.port}
  - name: {CLOSED_TARGET}
    address: 127.0.0.1:{closed_port}
"""
        self.exporter = self.construct(Exporter, BINARY, config)

        # Alertmanager: everything to the webhook, quickly, resolved notifications too.
        self.am_port = free_port()
        am_config = {
            "route": {"receiver": "webhook", "group_by": ["alertname", "target", "module"],
                      "group_wait": "1s", "group_interval": "2s", "repeat_interval": "1h"},
            "receivers": [{"name": "webhook",
                           "webhook_configs": [{"url": self.webhook.url, "send_resolved": True}]}],
        }
        am_config_path = os.path.join(self.dir, "alertmanager.yml")
        with open(am_config_path, "w") as f:
            yaml.safe_dump(am_config, f)
        os.mkdir(os.path.join(self.dir, "am-data"))
        self.alertmanager = LoggedProcess(
            [self.am_bin, f"--config.file={am_config_path}",
             f"--storage.path={os.path.join(self.dir, 'am-data')}",
             f"--web.listen-address=127.0.0.1:{self.am_port}", "--cluster.listen-address="],
            os.path.join(self.dir, "alertmanager.log"), cwd=self.dir)
        self.addCleanup(self.alertmanager.stop)

        # Prometheus with the rules copy.
        with open(RULES_FILE) as f:
            self.shipped_rules = yaml.safe_load(f)
        self.rules_copy = shortened_rules(self.shipped_rules)
        rules_path = os.path.join(self.dir, "smtp_exporter.rules.yml")
        with open(rules_path, "w") as f:
            yaml.safe_dump(self.rules_copy, f, sort_keys=False)
        self.prom_port = free_port()
        prom_config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": [rules_path],
            "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{self.am_port}"]}]}]},
            "scrape_configs": [{"job_name": JOB,
                                "static_configs": [{"targets": [f"127.0.0.1:{self.exporter.port}"]}]}],
        }
        prom_config_path = os.path.join(self.dir, "prometheus.yml")
        with open(prom_config_path, "w") as f:
            yaml.safe_dump(prom_config, f, sort_keys=False)
        os.mkdir(os.path.join(self.dir, "prom-data"))
        self.prometheus = LoggedProcess(
            [self.prom_bin, f"--config.file={prom_config_path}",
             f"--storage.tsdb.path={os.path.join(self.dir, 'prom-data')}",
             f"--web.listen-address=127.0.0.1:{self.prom_port}"],
            os.path.join(self.dir, "prometheus.log"), cwd=self.dir)
        self.addCleanup(self.prometheus.stop)

        for name, proc, port in (("alertmanager", self.alertmanager, self.am_port),
                                 ("prometheus", self.prometheus, self.prom_port)):
            try:
                wait_until(lambda: not proc.running() or self.ready(port), 20, what=f"{name} ready")
            except AssertionError:
                pass
            if not proc.running() or not self.ready(port):
                self.fail(f"{name} did not start (exit code {proc.proc.poll()}):\n{proc.log_tail()}")

    @staticmethod
    def ready(port):
        try:
            return http_get(f"http://127.0.0.1:{port}/-/ready", timeout=2)[0] == 200
        except OSError:
            return False

    def construct(self, cls, *args):
        """cls(*args) with its stop() registered as a cleanup before __init__ runs, so a process
        started by a constructor that then fails (e.g. waiting for the port) is still stopped."""
        obj = cls.__new__(cls)
        if cls is Exporter:
            self.exporter_in_construction = obj  # for diagnostics if __init__ fails

        def stop():
            if hasattr(obj, "proc"):
                obj.stop()
        self.addCleanup(stop)
        obj.__init__(*args)
        return obj

    # -----------------------------------------------------------------------------------------
    # Prometheus HTTP API
    def api(self, path, **params):
        """GET /api/v1/<path>; returns (HTTP status, parsed JSON or None, body)."""
        query = urllib.parse.urlencode(params, doseq=True)
        status, body, _ = http_get(f"http://127.0.0.1:{self.prom_port}/api/v1/{path}?{query}", timeout=30)
        try:
            return status, json.loads(body), body
        except ValueError:
            return status, None, body

    def instant(self, expr):
        status, doc, body = self.api("query", query=expr)
        if status != 200 or not doc or doc.get("status") != "success":
            raise AssertionError(f"query {expr!r}: HTTP {status}: {body[:500]}")
        return doc["data"]["result"]

    # -----------------------------------------------------------------------------------------
    # Diagnostics
    def diagnostics(self):
        out = [f"--- diagnostics after {time.monotonic() - self.started:.1f}s ---"]
        if self.prometheus and self.prometheus.running():
            try:
                _, doc, body = self.api("alerts")
                out.append("Prometheus /api/v1/alerts:\n" + json.dumps((doc or {}).get("data", body), indent=1)[:6000])
                _, doc, body = self.api("rules")
                lines = []
                for g in (doc or {}).get("data", {}).get("groups", []):
                    for r in g.get("rules", []):
                        lines.append(f"  {g['name']}/{r.get('name')} type={r.get('type')} state={r.get('state', '-')} "
                                     f"health={r.get('health')} duration={r.get('duration', '-')} "
                                     f"lastError={r.get('lastError', '')!r} alerts="
                                     + json.dumps([{"labels": a.get("labels"), "state": a.get("state")}
                                                   for a in r.get("alerts", [])]))
                out.append("Prometheus /api/v1/rules:\n" + ("\n".join(lines) or body[:3000]))
                _, doc, body = self.api("targets")
                out.append("Prometheus /api/v1/targets:\n" + json.dumps(
                    [{k: t.get(k) for k in ("scrapeUrl", "health", "lastError", "lastScrape")}
                     for t in (doc or {}).get("data", {}).get("activeTargets", [])], indent=1))
                for expr in ("smtp_probe_success", 'smtp:probe_events:rate5m{event="5509"}'):
                    out.append(f"{expr} = " + json.dumps(self.instant(expr)))
            except Exception as e:  # diagnostics must not hide the failure
                out.append(f"(Prometheus API failed: {e})")
        if self.alertmanager and self.alertmanager.running():
            status, body, _ = http_get(f"http://127.0.0.1:{self.am_port}/api/v2/alerts", timeout=10)
            out.append(f"Alertmanager /api/v2/alerts ({status}):\n{body[:4000]}")
        if self.webhook:
            out.append("Webhook receipts:")
            for t, payload in self.webhook.snapshot():
                out.append(f"  +{t - self.started:.1f}s status={payload.get('status')} alerts="
                           + json.dumps([(a.get("status"), a.get("labels")) for a in payload.get("alerts", [])]))
        exporter = self.exporter or getattr(self, "exporter_in_construction", None)
        if exporter and hasattr(exporter, "log") and not exporter.log.closed:
            out.append(f"Exporter (exit code {exporter.proc.poll()}) log tail:\n"
                       + "".join(exporter.logs().splitlines(True)[-30:]))
        for name, proc in (("Prometheus", self.prometheus), ("Alertmanager", self.alertmanager)):
            if proc:
                out.append(f"{name} log tail:\n{proc.log_tail(20)}")
        return "\n".join(out)

    def log(self, msg):
        print(f"[+{time.monotonic() - self.started:5.1f}s] {msg}", flush=True)

    # -----------------------------------------------------------------------------------------
    def webhook_alerts(self, since=0.0):
        """[(receipt time, alert dict)] of every alert in notifications received after `since`."""
        return [(t, a) for t, payload in self.webhook.snapshot() if t >= since
                for a in payload.get("alerts", [])]

    def server_down(self, target, status, since):
        return [a for t, a in self.webhook_alerts(since)
                if a.get("labels", {}).get("alertname") == "SMTPServerDown"
                and a.get("labels", {}).get("target") == target and a.get("status") == status]

    def test_dashboards_query_and_server_down_fires_and_resolves(self):
        try:
            self.run_scenario()
        except BaseException:
            print(self.diagnostics(), flush=True)
            raise

    def run_scenario(self):
        # The copy of the rules differs from the shipped file in the `for:` durations only.
        self.assertEqual(without_for(self.rules_copy), without_for(self.shipped_rules))

        # 1. Prometheus scrapes the exporter and the recording rules have data.
        sink = f'target="{SINK_TARGET}"'
        ready_exprs = [
            f'up{{job="{JOB}"}} == 1',
            f'smtp_probe_success{{job="{JOB}",{sink}}} == 1',
            f'smtp:probe_qos_errors:ratio_rate6h{{{sink}}}',
            f'smtp:ehlo_within_qos:ratio_rate30m{{{sink}}}',
            f'smtp:probe_events:rate5m{{{sink},event="5510"}} > 0',
        ]
        wait_until(lambda: all(self.instant(e) for e in ready_exprs), 40, interval=0.5,
                   what="Prometheus scraping the exporter and recording: " + ", ".join(ready_exprs))
        self.log("Prometheus scrapes the exporter; recording rules have data")

        # The shortened copy is what Prometheus evaluates.
        _, doc, _ = self.api("rules", type="alert")
        durations = {r["name"]: r.get("duration") for g in doc["data"]["groups"] for r in g["rules"]}
        self.assertEqual(durations.get("SMTPServerDown"), 5, durations)

        # No SMTPServerDown for the healthy sink so far.
        self.assertFalse(self.server_down(SINK_TARGET, "firing", 0.0), "SMTPServerDown fired for a healthy target")

        # 2. Every dashboard query.
        healthy = self.run_dashboards("healthy target")
        applicable = [q for q in healthy if q["reason"] not in (NEEDS_DOMAIN, NEEDS_LOOP)]
        with_data = sum(1 for q in applicable if q["data"])
        share = with_data / len(applicable)
        self.log(f"dashboard queries with data: {with_data} of {len(applicable)} ({share:.0%}); "
                 f"without: {len(applicable) - with_data}; {len(healthy) - len(applicable)} need a domain target")
        unexplained = []
        for q in healthy:
            if not q["data"]:
                reason = q["reason"] or "NO KNOWN REASON"
                print(f"    no data: {q['where']}: {reason}\n        {' '.join(q['query'].split())}")
                if not q["reason"]:
                    unexplained.append(q)
        self.assertFalse(unexplained, "dashboard queries without data and without a known reason: "
                         + "; ".join(f"{q['where']}: {q['query']}" for q in unexplained))
        self.assertGreaterEqual(share, MIN_DATA_SHARE)

        # 3. smtp-sink goes away: SMTPServerDown must fire for it.
        stopped_at = time.monotonic()
        self.sink.stop()
        self.log(f"smtp-sink stopped (port {self.sink.port})")
        wait_until(lambda: self.server_down(SINK_TARGET, "firing", stopped_at), 90, interval=0.5,
                   what="webhook: SMTPServerDown firing for the stopped smtp-sink")
        alert = self.server_down(SINK_TARGET, "firing", stopped_at)[0]
        labels = alert["labels"]
        self.log(f"SMTPServerDown firing received after {time.monotonic() - stopped_at:.1f}s: {labels}")
        self.assertEqual(labels.get("severity"), "critical")
        self.assertEqual(labels.get("job"), JOB)
        self.assertEqual(labels.get("module"), "smtp_ehlo")
        self.assertEqual(labels.get("instance"), f"127.0.0.1:{self.exporter.port}")
        self.assertIn(SINK_TARGET, alert.get("annotations", {}).get("summary", ""))
        # The closed port fired too (it never answered), and got the same labels.
        self.assertTrue(self.server_down(CLOSED_TARGET, "firing", 0.0), "no SMTPServerDown for the closed port")

        # While it is down, the failure panels and the alert annotations show it.
        down = self.run_dashboards("target down")
        gained = [q for q, h in zip(down, healthy) if q["data"] and not h["data"]]
        self.log(f"while down: {sum(1 for q in down if q['data'])} of {len(down)} queries with data; "
                 f"gained data: {', '.join(q['where'] for q in gained) or 'none'}")
        must_gain = [q for q, h in zip(down, healthy) if not h["data"] and h["healthy_only"] and not q["data"]]
        self.assertFalse(must_gain, "queries still without data while the target is down: "
                         + "; ".join(f"{q['where']}: {q['query']}" for q in must_gain))

        # 4. smtp-sink comes back on the same port: SMTPServerDown must resolve.
        restarted_at = time.monotonic()
        self.sink.restart()
        self.log(f"smtp-sink started again on port {self.sink.port}")
        wait_until(lambda: self.server_down(SINK_TARGET, "resolved", restarted_at), 60, interval=0.5,
                   what="webhook: SMTPServerDown resolved for the restarted smtp-sink")
        resolved = self.server_down(SINK_TARGET, "resolved", restarted_at)[0]
        self.assertEqual(resolved["labels"].get("severity"), "critical")
        self.log(f"SMTPServerDown resolved received after {time.monotonic() - restarted_at:.1f}s")
        self.assertTrue(self.instant(f'smtp_probe_success{{{sink}}} == 1'))

        received = sorted({(a["labels"].get("alertname"), a["labels"].get("target", "-"), a.get("status"))
                           for _, a in self.webhook_alerts()})
        self.log("all notifications received: " + ", ".join("/".join(r) for r in received))

    # -----------------------------------------------------------------------------------------
    def run_dashboards(self, phase):
        """Every query of every dashboard (dashboard_queries.py), with the reason it may have no data."""
        results = []
        for path in DASHBOARDS:
            for q in dashboard_queries.run_dashboard_queries(f"http://127.0.0.1:{self.prom_port}", path,
                                                             {"job": JOB, "target": SINK_TARGET}):
                self.assertIsNone(q["error"], f"{q['where']}: {q['query']}")
                results.append(self.with_reason(q))
        self.log(f"{phase}: ran {len(results)} queries of {len(DASHBOARDS)} dashboards")
        return results

    @staticmethod
    def with_reason(q):
        reason, healthy_only = None, False
        for pattern, why, only in NO_DATA_REASONS:
            if re.search(pattern, q["written"] or ""):
                reason, healthy_only = why, only
                break
        return dict(q, reason=reason, healthy_only=healthy_only)

if __name__ == "__main__":
    from harness import binary_from_argv
    BINARY = binary_from_argv()
    unittest.main(verbosity=2)
