"""End to end: the built binary, real smtp-sink peers and scripted servers, scraped over HTTP and
parsed strictly. Run: /usr/bin/python3 tests/e2e/test_exporter.py build/smtp_exporter"""
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (Exporter, ScriptedSmtpServer, SmtpSink, free_port, http_get, parse_samples,  # noqa: E402
                     value, wait_until)

BINARY = None
QOS = 0.5  # seconds; the scripted servers greet at 1.5 x and 3 x this


def event(samples, target, ev):
    return value(samples, "smtp_probe_events_total", target=target, event=ev)


class IntervalModeTest(unittest.TestCase):
    """The issue's acceptance scenario: healthy, closed port, 1.5 x QoS, 3 x QoS."""

    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink()
        cls.slow = ScriptedSmtpServer(greeting_delay=1.5 * QOS)
        cls.slower = ScriptedSmtpServer(greeting_delay=3 * QOS)
        cls.closed_port = harness.closed_port()
        cls.config = f"""
global:
  mode: interval
  interval: 2s
modules:
  smtp_ehlo:
    timeout: 5s
    qos_timeout: 500ms
    ehlo_name: probe.example.org
targets:
  - name: healthy
    address: 127.0.0.1:{cls.sink.port}
    labels: {{site: lab}}
  - name: closed
    address: 127.0.0.1:{cls.closed_port}
  - name: slow
    address: 127.0.0.1:{cls.slow.port}
  - name: slower
    address: 127.0.0.1:{cls.slower.port}
"""
        cls.exporter = Exporter(BINARY, cls.config)

    @classmethod
    def tearDownClass(cls):
        cls.exporter.stop()
        cls.sink.stop()
        cls.slow.stop()
        cls.slower.stop()

    def test_1_events_count_up_with_the_right_verdicts(self):
        def two_rounds():
            s = self.exporter.metrics()
            return all(value(s, "smtp_probe_events_total", target=t, event=e) >= 2
                       for t, e in [("healthy", "5510"), ("closed", "5509"), ("slow", "5511"), ("slower", "5509")])
        wait_until(two_rounds, timeout=20, what="two probes of each target")
        s = self.exporter.metrics()
        # Healthy smtp-sink: success within QoS.
        self.assertEqual(value(s, "smtp_probe_success", target="healthy"), 1)
        self.assertEqual(value(s, "smtp_ehlo_success", target="healthy"), 1)
        self.assertEqual(event(s, "healthy", "5511") + event(s, "healthy", "5509"), 0)
        self.assertEqual(value(s, "smtp_reply_code", target="healthy", stage="greeting"), 220)
        self.assertEqual(value(s, "smtp_reply_code", target="healthy", stage="ehlo"), 250)
        self.assertEqual(value(s, "smtp_ehlo_extension_info", target="healthy", extension="PIPELINING"), 1)
        self.assertEqual(value(s, "smtp_qos_timeout_seconds", target="healthy"), QOS)
        self.assertEqual(value(s, "smtp_probe_success", target="healthy", site="lab"), 1)
        # Closed port: failed, connect_refused.
        self.assertEqual(value(s, "smtp_probe_success", target="closed"), 0)
        self.assertGreaterEqual(value(s, "smtp_probe_failures_total", target="closed", reason="connect_refused"), 2)
        # Greeting after 1.5 x QoS: QoS warning, still a success.
        self.assertEqual(value(s, "smtp_probe_success", target="slow"), 1)
        self.assertEqual(event(s, "slow", "5510") + event(s, "slow", "5509"), 0)
        # Greeting after 3 x QoS: failed when 2 x QoS ran out, in the greeting phase.
        self.assertEqual(value(s, "smtp_probe_success", target="slower"), 0)
        self.assertEqual(value(s, "smtp_ehlo_success", target="slower"), 0)
        self.assertGreaterEqual(value(s, "smtp_probe_failures_total", target="slower", reason="greeting_timeout"), 2)
        # The histogram has the QoS bounds; the healthy target's latencies all sit within QoS.
        self.assertEqual(value(s, "smtp_ehlo_duration_seconds_bucket", target="healthy", le="0.5"),
                         value(s, "smtp_ehlo_duration_seconds_count", target="healthy"))
        self.assertEqual(value(s, "smtp_ehlo_duration_seconds_bucket", target="slow", le="0.5"), 0)
        self.assertEqual(value(s, "smtp_ehlo_duration_seconds_bucket", target="slow", le="1"),
                         value(s, "smtp_ehlo_duration_seconds_count", target="slow"))
        # The exporter's own metrics.
        self.assertEqual(value(s, "smtp_exporter_targets"), 4)
        self.assertEqual(value(s, "smtp_exporter_config_last_reload_successful"), 1)
        self.assertEqual(value(s, "smtp_exporter_probes_skipped_total"), 0)

    def test_2_every_fixed_series_exists(self):
        s = self.exporter.metrics()
        for target in ["healthy", "closed", "slow", "slower"]:
            for ev in ["5510", "5511", "5509"]:
                event(s, target, ev)
            for phase in ["resolve", "connect", "greeting", "ehlo", "quit"]:
                value(s, "smtp_probe_phase_duration_seconds", target=target, phase=phase)
            for reason in ["resolve", "connect_refused", "connect_timeout", "greeting_timeout", "greeting_rejected",
                           "ehlo_timeout", "ehlo_rejected", "protocol_error", "banner_mismatch", "qos_exceeded"]:
                value(s, "smtp_probe_failures_total", target=target, reason=reason)

    def test_3_landing_page_health_and_unknown_paths(self):
        status, body, headers = http_get(self.exporter.url + "/")
        self.assertEqual(status, 200)
        self.assertIn("text/html", headers["Content-Type"])
        for target in ["healthy", "closed", "slow", "slower"]:
            self.assertIn(f'<a href="/target?name={target}">{target}</a>', body)
        self.assertIn("Recent probes", body)
        self.assertEqual(http_get(self.exporter.url + "/-/healthy")[0], 200)
        self.assertEqual(http_get(self.exporter.url + "/-/ready")[0], 200)
        self.assertEqual(http_get(self.exporter.url + "/nope")[0], 404)
        self.assertEqual(http_get(self.exporter.url + "/-/reload")[0], 405)

    def test_3b_metrics_are_gzipped_when_asked(self):
        import gzip
        import urllib.request
        req = urllib.request.Request(self.exporter.url + "/metrics", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.assertEqual(resp.headers["Content-Encoding"], "gzip")
            s = parse_samples(gzip.decompress(resp.read()).decode())
        self.assertEqual(value(s, "smtp_exporter_targets"), 4)
        status, body, headers = http_get(self.exporter.url + "/metrics")
        self.assertIsNone(headers["Content-Encoding"])
        parse_samples(body)

    def test_4_probe_endpoint(self):
        url = f"{self.exporter.url}/probe?target=127.0.0.1:{self.sink.port}&module=smtp_ehlo"
        status, body, headers = http_get(url, {"X-Prometheus-Scrape-Timeout-Seconds": "5"})
        self.assertEqual(status, 200, body)
        self.assertIn("version=0.0.4", headers["Content-Type"])
        s = parse_samples(body)
        self.assertEqual(value(s, "probe_success"), 1)
        self.assertEqual(value(s, "probe_smtp_qos_event"), 5510)
        self.assertEqual(value(s, "probe_smtp_reply_code", stage="ehlo"), 250)
        self.assertGreater(value(s, "probe_duration_seconds"), 0)
        self.assertGreater(value(s, "probe_smtp_ehlo_duration_seconds"), 0)
        for reason in ["connect_refused", "greeting_timeout", "qos_exceeded"]:
            self.assertEqual(value(s, "probe_smtp_failure", reason=reason), 0)
        # A refused connection is a failed probe, not an HTTP error.
        status, body, _ = http_get(f"{self.exporter.url}/probe?target=127.0.0.1:{self.closed_port}")
        self.assertEqual(status, 200)
        s = parse_samples(body)
        self.assertEqual(value(s, "probe_success"), 0)
        self.assertEqual(value(s, "probe_smtp_qos_event"), 5509)
        self.assertEqual(value(s, "probe_smtp_failure", reason="connect_refused"), 1)

    def test_5_probe_debug_shows_the_transcript(self):
        status, body, _ = http_get(f"{self.exporter.url}/probe?target=127.0.0.1:{self.sink.port}&debug=true")
        self.assertEqual(status, 200)
        self.assertIn("> EHLO probe.example.org", body)
        self.assertIn("< 220 ", body)
        self.assertIn("> QUIT", body)
        self.assertIn("probe_success 1", body)

    def test_6_bad_probe_requests_are_400_with_a_reason(self):
        cases = {
            "/probe": "target parameter is missing",
            "/probe?target=": "target parameter is missing",
            "/probe?target=mx.example.org:0": "invalid target",
            "/probe?target=mx.example.org:99999": "invalid target",
            "/probe?target=mx.example.org%0D%0AQUIT": "invalid target",
            "/probe?target=mx%20example.org": "invalid target",
            "/probe?target=::1": "invalid target",
            "/probe?target=127.0.0.1:25&module=nope": 'unknown module "nope"',
            "/probe?target=127.0.0.1:25&debug=yes": "debug must be true or false",
            "/probe?target=%zz": "malformed percent-encoding",
        }
        for path, reason in cases.items():
            status, body, _ = http_get(self.exporter.url + path)
            self.assertEqual(status, 400, path)
            self.assertIn(reason, body, path)
        status, body, _ = http_get(f"{self.exporter.url}/probe?target=127.0.0.1:25",
                                   {"X-Prometheus-Scrape-Timeout-Seconds": "abc"})
        self.assertEqual(status, 400)

    def test_7_reload_bad_config_keeps_probing_and_good_reload_keeps_counters(self):
        before = self.exporter.metrics()
        healthy_before = event(before, "healthy", "5510")
        # A bad config through POST /-/reload: 500 with the errors, the old config stays.
        self.exporter.write_config(self.config + "  - name: broken\n    address: 'bad host:99999'\n")
        status, body, _ = http_get(self.exporter.url + "/-/reload", method="POST")
        self.assertEqual(status, 500)
        self.assertIn("smtp_exporter.yml:", body)
        self.assertIn("targets[4].address", body)
        # ... and through SIGHUP.
        self.exporter.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: value(self.exporter.metrics(), "smtp_exporter_config_last_reload_successful") == 0,
                   timeout=5, what="a failed reload to show")
        wait_until(lambda: event(self.exporter.metrics(), "healthy", "5510") > healthy_before, timeout=10,
                   what="probing to go on after a bad reload")
        s = self.exporter.metrics()
        self.assertEqual(value(s, "smtp_exporter_targets"), 4)
        # A good reload that drops `slower` and adds `new`: unchanged targets keep their counters.
        kept = event(s, "healthy", "5510")
        new_config = self.config.replace("  - name: slower\n", "  - name: new\n")
        self.exporter.write_config(new_config)
        status, body, _ = http_get(self.exporter.url + "/-/reload", method="POST")
        self.assertEqual(status, 200, body)
        s = self.exporter.metrics()
        self.assertEqual(value(s, "smtp_exporter_config_last_reload_successful"), 1)
        self.assertGreaterEqual(event(s, "healthy", "5510"), kept)
        self.assertFalse([k for k in s if ("target", "slower") in k[1]], "series of a removed target remain")
        self.assertLessEqual(event(s, "new", "5509"), 1)


class ScrapeWhileProbingTest(unittest.TestCase):
    """/metrics is written in pieces while probes keep finishing between them: every body stays
    whole and strict, plain and gzipped (ThreadSanitizer runs this file too)."""

    def test_scrapes_during_probes(self):
        import gzip
        import urllib.request
        sink = SmtpSink()
        try:
            targets = "".join(f"  - {{name: t{i:03d}, address: \"127.0.0.1:{sink.port}\"}}\n" for i in range(300))
            exporter = Exporter(BINARY, f"""
global: {{mode: interval, interval: 500ms}}
modules:
  smtp_ehlo: {{qos_timeout: 2s, timeout: 5s, ehlo_name: probe.example.org}}
targets:
{targets}""")
            try:
                wait_until(lambda: value(exporter.metrics(), "smtp_probe_events_total", target="t299", event="5510") > 0,
                           timeout=20, what="the last target probed once")
                first = exporter.metrics()
                before = sum(event(first, f"t{i:03d}", "5510") for i in range(300))
                for i in range(12):
                    headers = {"Accept-Encoding": "gzip"} if i % 2 else {}
                    req = urllib.request.Request(exporter.url + "/metrics", headers=headers)
                    with urllib.request.urlopen(req, timeout=30) as resp:
                        raw = resp.read()
                        text = gzip.decompress(raw) if i % 2 else raw
                    s = parse_samples(text.decode())
                    self.assertEqual(value(s, "smtp_exporter_targets"), 300)  # the last family: whole body
                    self.assertEqual(len([k for k in s if k[0] == "smtp_probe_success"]), 300)
                    time.sleep(0.1)
                last = exporter.metrics()
                after = sum(event(last, f"t{i:03d}", "5510") for i in range(300))
                self.assertGreater(after, before)  # probes went on meanwhile
            finally:
                exporter.stop()
        finally:
            sink.stop()


class ScrapeModeTest(unittest.TestCase):
    def test_each_scrape_probes_every_target(self):
        sink = SmtpSink()
        try:
            exporter = Exporter(BINARY, f"""
global: {{mode: scrape}}
modules:
  smtp_ehlo: {{qos_timeout: 1s, timeout: 5s, ehlo_name: probe.example.org}}
targets:
  - {{name: sink, address: "127.0.0.1:{sink.port}"}}
  - {{name: refused, address: "127.0.0.1:{harness.closed_port()}"}}
""")
            try:
                for expected in (1, 2, 3):
                    s = exporter.metrics({"X-Prometheus-Scrape-Timeout-Seconds": "5"})
                    self.assertEqual(event(s, "sink", "5510"), expected)
                    self.assertEqual(event(s, "refused", "5509"), expected)
                    self.assertEqual(value(s, "smtp_probe_success", target="sink"), 1)
            finally:
                exporter.stop()
        finally:
            sink.stop()

    def test_real_smtp_sink_rejections(self):
        # -Q: 421 and disconnect at EHLO; -r: reject EHLO with 5xx.
        for option, reason in [("-Q EHLO", "ehlo_rejected"), ("-r EHLO", "ehlo_rejected")]:
            flag, command = option.split()
            sink = SmtpSink(flag, command)
            try:
                exporter = Exporter(BINARY, f"""
global: {{mode: scrape}}
modules:
  smtp_ehlo: {{qos_timeout: 1s, timeout: 5s, ehlo_name: probe.example.org, helo_fallback: false}}
targets:
  - {{name: sink, address: "127.0.0.1:{sink.port}"}}
""")
                try:
                    s = exporter.metrics()
                    self.assertEqual(value(s, "smtp_probe_success", target="sink"), 0, option)
                    self.assertEqual(value(s, "smtp_probe_failures_total", target="sink", reason=reason), 1, option)
                finally:
                    exporter.stop()
            finally:
                sink.stop()


class ShardingTest(unittest.TestCase):
    def test_two_shards_split_the_targets(self):
        sink = SmtpSink()
        names = [f"mx{i}" for i in range(12)]
        config = "global: {mode: scrape}\nmodules:\n  smtp_ehlo: {ehlo_name: probe.example.org}\ntargets:\n" + "".join(
            f'  - {{name: {n}, address: "127.0.0.1:{sink.port}"}}\n' for n in names)
        shards = []
        try:
            shards = [Exporter(BINARY, config, "--shard.count=2", f"--shard.index={i}") for i in range(2)]
            probed = []
            for shard in shards:
                s = shard.metrics()
                mine = {dict(labels)["target"] for (name, labels), v in s.items()
                        if name == "smtp_probe_events_total" and dict(labels)["event"] == "5510" and v == 1}
                self.assertEqual(value(s, "smtp_exporter_targets"), len(mine))
                probed.append(mine)
            self.assertEqual(probed[0] | probed[1], set(names))
            self.assertEqual(probed[0] & probed[1], set())
            self.assertTrue(probed[0] and probed[1], "one shard got every target")
        finally:
            for shard in shards:
                shard.stop()
            sink.stop()

    def test_shard_index_must_be_below_count(self):
        r = subprocess.run([BINARY, "--shard.count=2", "--shard.index=2"], capture_output=True, text=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--shard.index", r.stderr)


class ProbeGuardTest(unittest.TestCase):
    """--probe.allow, --probe.disable and --web.max-requests (test_probe_flood.py: --web.max-probe-requests)."""

    CONFIG = "modules:\n  smtp_ehlo: {ehlo_name: probe.example.org, qos_timeout: 1s, timeout: 5s}\n"

    def probe(self, exporter, target):
        return http_get(f"{exporter.url}/probe?target={target}")

    def test_allow_list(self):
        sink = SmtpSink()
        exporter = Exporter(BINARY, self.CONFIG, "--probe.allow=127.0.0.0/8", "--probe.allow=*.allowed.example.org:25")
        try:
            status, body, _ = self.probe(exporter, f"127.0.0.1:{sink.port}")
            self.assertEqual(status, 200, body)
            self.assertEqual(value(parse_samples(body), "probe_success"), 1)
            status, body, _ = self.probe(exporter, f"localhost:{sink.port}")  # resolved, then checked
            self.assertEqual(status, 200, body)
            for target in ["192.0.2.1:25", "[::1]:25", "mx.other.example.org:25", "x.allowed.example.org:26"]:
                status, body, _ = self.probe(exporter, target)
                self.assertEqual(status, 403, target)
                self.assertIn("not allowed by --probe.allow", body)
            self.assertNotIn("192.0.2.1", exporter.logs().replace("target=192.0.2.1:25", ""))  # no connection tried
        finally:
            exporter.stop()
            sink.stop()

    def test_disable(self):
        exporter = Exporter(BINARY, self.CONFIG, "--probe.disable")
        try:
            status, body, _ = self.probe(exporter, "127.0.0.1:25")
            self.assertEqual(status, 404)
            self.assertIn("--probe.disable", body)
        finally:
            exporter.stop()

    def test_max_requests_answers_503_at_once(self):
        """--web.max-requests caps every endpoint but /probe (--web.max-probe-requests) and the
        health checks: here a scrape-mode /metrics that is probing holds the one place."""
        import threading
        slow = ScriptedSmtpServer(greeting_delay=1.5)
        config = f"global: {{mode: scrape}}\n{self.CONFIG}targets:\n  - address: 127.0.0.1:{slow.port}\n"
        exporter = Exporter(BINARY, config, "--web.max-requests=1")
        try:
            first = threading.Thread(target=http_get, args=(exporter.url + "/metrics",))
            first.start()
            time.sleep(0.3)
            started = time.monotonic()
            status, body, _ = http_get(exporter.url + "/metrics")
            self.assertEqual(status, 503, body)
            self.assertIn("--web.max-requests=1", body)
            self.assertLess(time.monotonic() - started, 1.0)
            first.join(timeout=10)
            self.assertEqual(http_get(exporter.url + "/metrics")[0], 200)
        finally:
            exporter.stop()
            slow.stop()

    def test_bad_allow_pattern(self):
        r = subprocess.run([BINARY, "--probe.allow=10.0.0.0/40"], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--probe.allow", r.stderr)


class CommandLineTest(unittest.TestCase):
    def run_binary(self, *args):
        return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=30)

    def test_version_and_help(self):
        r = self.run_binary("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^smtp_exporter, version \d+\.\d+\.\d+ \(revision: \S+\)")
        r = self.run_binary("--help")
        self.assertEqual(r.returncode, 0)
        for flag in ["--config.file", "--config.check", "--web.listen-address", "--web.telemetry-path",
                     "--log.level", "--log.format", "--timeout-offset", "--version"]:
            self.assertIn(flag, r.stdout)

    def test_config_check(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            good = os.path.join(d, "good.yml")
            with open(good, "w") as f:
                f.write("targets:\n  - address: 127.0.0.1:25\n")
            r = self.run_binary("--config.check", f"--config.file={good}")
            self.assertEqual(r.returncode, 0, r.stderr)
            bad = os.path.join(d, "bad.yml")
            with open(bad, "w") as f:
                f.write("global:\n  interval: 30 seconds\ntargets:\n  - address: 'a b'\n    colour: red\n")
            r = self.run_binary("--config.check", f"--config.file={bad}")
            self.assertEqual(r.returncode, 1)
            lines = [l for l in r.stderr.splitlines() if l.startswith(bad + ":") and not l.endswith("error(s)")]
            self.assertEqual(len(lines), 3, r.stderr)
            self.assertTrue(lines[0].startswith(f"{bad}:2:13: global.interval: "), lines[0])
            self.assertTrue(lines[1].startswith(f"{bad}:4:14: targets[0].address: "), lines[1])
            self.assertTrue(lines[2].startswith(f"{bad}:5:5: targets[0]: "), lines[2])

    def test_bad_flags(self):
        self.assertNotEqual(self.run_binary("--log.level=loud").returncode, 0)
        self.assertNotEqual(self.run_binary("--no-such-flag").returncode, 0)

    def test_bad_config_at_start_is_fatal(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            bad = os.path.join(d, "bad.yml")
            with open(bad, "w") as f:
                f.write("targets: 5\n")
            r = self.run_binary(f"--config.file={bad}", f"--web.listen-address=127.0.0.1:{free_port()}")
            self.assertEqual(r.returncode, 1)
            self.assertIn("bad.yml:1:", r.stderr)


if __name__ == "__main__":
    from harness import binary_from_argv
    BINARY = binary_from_argv()
    unittest.main(verbosity=2)
