"""End to end: resources under load (issue 5, "Overload and resources"). No fd, memory or
coroutine leak after tens of thousands of failed probes; a storm of SIGHUPs while probing;
max_concurrent_probes really bounds the probes in flight and the wait for a slot is not
counted in the latency; idle and slow-loris HTTP clients do not stop /metrics, and
--web.max-connections caps the connections they hold.
Loopback only. Run: /usr/bin/python3 tests/e2e/test_resources.py build/smtp_exporter"""
import os
import select
import selectors
import signal
import socket
import struct
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (Exporter, ScriptedSmtpServer, SmtpSink, free_port, http_get, parse_samples, value,  # noqa: E402
                     wait_until)

BINARY = None
MIB = 1024 * 1024
SCRAPE_HEADERS = {"X-Prometheus-Scrape-Timeout-Seconds": "20"}


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def quiet_fd_count(pid, samples=10):
    """The fewest open fds seen over ~0.2 s: leaves out a probe's socket that happens to be open."""
    counts = []
    for _ in range(samples):
        counts.append(fd_count(pid))
        time.sleep(0.02)
    return min(counts)


def sanitized(pid):
    """True for an AddressSanitizer build: its quarantine keeps freed memory resident, so RSS
    says nothing about leaks there (LeakSanitizer checks those at exit instead)."""
    with open(f"/proc/{pid}/maps") as f:
        return "libasan" in f.read()


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def samples_of(exporter, headers=None, timeout=30):
    status, body, _ = http_get(exporter.url + "/metrics", headers, timeout=timeout)
    if status != 200:
        raise AssertionError(f"/metrics answered {status}: {body}")
    return parse_samples(body)


def log(msg):
    print(f"    [measured] {msg}", file=sys.stderr, flush=True)


class HostileServer:
    """One thread, non-blocking, several listening ports, each with one way to fail a probe:
    close: accept then close at once; reset: accept then RST; greet_close: a 220 greeting, then
    close before EHLO is answered; silent: accept and say nothing until the client closes."""

    MODES = ("close", "reset", "greet_close", "silent")

    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.ports = {}
        self.accepted = 0
        self.held = set()
        for mode in self.MODES:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 0))
            s.listen(1024)
            s.setblocking(False)
            self.ports[mode] = s.getsockname()[1]
            self.sel.register(s, selectors.EVENT_READ, ("listen", mode))
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopped.is_set():
            for key, _ in self.sel.select(timeout=0.1):
                kind, mode = key.data
                if kind == "listen":
                    self._accept(key.fileobj, mode)
                else:  # a held (silent) connection: readable means data or EOF
                    conn = key.fileobj
                    try:
                        data = conn.recv(4096)
                    except OSError:
                        data = b""
                    if not data:
                        self.sel.unregister(conn)
                        self.held.discard(conn)
                        conn.close()

    def _accept(self, listener, mode):
        while True:
            try:
                conn, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            self.accepted += 1
            if mode == "close":
                conn.close()
            elif mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            elif mode == "greet_close":
                try:
                    conn.send(b"220 hostile.example.org ESMTP\r\n")
                except OSError:
                    pass
                conn.close()
            else:
                conn.setblocking(False)
                self.held.add(conn)
                self.sel.register(conn, selectors.EVENT_READ, ("conn", mode))

    def stop(self):
        self.stopped.set()
        self.thread.join(timeout=5)
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()
        self.sel.close()


class SlowEhloServer(harness.ThreadedListener):
    """Greets at once, answers EHLO after `ehlo_delay` seconds, QUIT with 221. Counts the
    sessions it has open at once, each from accept() to the moment QUIT (or EOF) is read. That
    span lies inside the span in which the exporter holds the probe's slot (it connects before,
    and waits for the 221 after), so the maximum seen here can never exceed the exporter's
    true maximum of probes in flight."""

    def __init__(self, ehlo_delay):
        self.ehlo_delay = ehlo_delay
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.sessions = 0
        super().__init__(backlog=256)

    def reset_counts(self):
        with self.lock:
            self.max_active = self.active
            self.sessions = 0

    def accepted(self, conn):
        with self.lock:
            self.active += 1
            self.sessions += 1
            self.max_active = max(self.max_active, self.active)

    def _serve(self, conn):
        counted = True

        def done():
            nonlocal counted
            if counted:
                counted = False
                with self.lock:
                    self.active -= 1
        try:
            conn.settimeout(10)
            conn.sendall(b"220 slow.example.org ESMTP\r\n")
            f = conn.makefile("rb")
            for line in f:
                verb = line.strip().upper()[:4]
                if verb in (b"EHLO", b"HELO"):
                    if self.stopped.wait(self.ehlo_delay):
                        return
                    conn.sendall(b"250-slow.example.org\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
                elif verb == b"QUIT":
                    done()
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 not implemented\r\n")
        except OSError:
            pass
        finally:
            done()
            conn.close()


class NoLeakAfterFailedProbesTest(unittest.TestCase):
    """Tens of thousands of failed probes of every kind leave fds, RSS and probes_in_flight
    where they were after a warm-up."""

    PER_MODE = 100     # targets per kind of failure: 5 kinds x 100 = 500 targets
    WARMUP = 5         # scrapes before the baseline
    SCRAPES = 40       # scrapes measured: 40 x 500 = 20,000 failed probes
    RSS_BOUND = 8 * MIB  # measured: well under 1 MiB; a 0.5 KiB leak per probe would be ~10 MiB
    FD_SLACK = 4

    @classmethod
    def setUpClass(cls):
        cls.hostile = HostileServer()
        cls.closed_port = harness.closed_port()
        targets = []
        for i in range(cls.PER_MODE):
            targets.append(f'  - {{name: refused{i}, address: "127.0.0.1:{cls.closed_port}"}}')
            for mode in HostileServer.MODES:
                targets.append(f'  - {{name: {mode}{i}, address: "127.0.0.1:{cls.hostile.ports[mode]}"}}')
        cls.targets = len(targets)
        cls.config = f"""
global:
  mode: scrape
modules:
  smtp_ehlo: {{qos_timeout: 100ms, timeout: 2s, ehlo_name: probe.example.org}}
  fast: {{qos_timeout: 100ms, timeout: 2s, ehlo_name: probe.example.org}}
targets:
""" + "\n".join(targets) + "\n"

    @classmethod
    def tearDownClass(cls):
        cls.hostile.stop()

    def scrape(self, exporter):
        return samples_of(exporter, SCRAPE_HEADERS)

    def test_1_scrape_mode(self):
        exporter = Exporter(BINARY, self.config)
        try:
            pid = exporter.proc.pid
            for _ in range(self.WARMUP):
                self.scrape(exporter)
            time.sleep(0.3)
            fds_before, rss_before = fd_count(pid), rss_bytes(pid)
            started = time.monotonic()
            for _ in range(self.SCRAPES):
                s = self.scrape(exporter)
            elapsed = time.monotonic() - started
            self.assertEqual(exporter.proc.poll(), None, "the exporter died")
            # Every probe ran and ended: each target has exactly one 5509 per scrape.
            total = self.WARMUP + self.SCRAPES
            for name in ("refused7", "close3", "reset42", "greet_close99", "silent0"):
                self.assertEqual(value(s, "smtp_probe_events_total", target=name, event="5509"), total, name)
                self.assertEqual(value(s, "smtp_probe_events_total", target=name, event="5510"), 0, name)
            self.assertEqual(value(s, "smtp_probe_failures_total", target="refused1", reason="connect_refused"), total)
            self.assertEqual(value(s, "smtp_probe_failures_total", target="silent1", reason="greeting_timeout"), total)
            self.assertEqual(value(s, "smtp_exporter_probes_in_flight"), 0)
            # The connections of the last scrape are closed within a moment.
            wait_until(lambda: fd_count(pid) <= fds_before + self.FD_SLACK, 10, what="fds back to the baseline")
            fds_after, rss_after = fd_count(pid), rss_bytes(pid)
            log(f"scrape mode: {self.targets} targets x {self.SCRAPES} scrapes = "
                f"{self.targets * self.SCRAPES} failed probes in {elapsed:.1f}s "
                f"({elapsed / self.SCRAPES * 1000:.0f} ms/scrape); fds {fds_before} -> {fds_after}; "
                f"RSS {rss_before / MIB:.1f} -> {rss_after / MIB:.1f} MiB "
                f"({(rss_after - rss_before) / MIB:+.2f} MiB); server accepted {self.hostile.accepted}; "
                f"silent connections still held by the server: {len(self.hostile.held)}")
            self.assertLessEqual(abs(fds_after - fds_before), self.FD_SLACK)
            if not sanitized(pid):
                self.assertLess(rss_after - rss_before, self.RSS_BOUND)
            # The exporter closed its side of every silent connection.
            wait_until(lambda: len(self.hostile.held) == 0, 10, what="silent connections closed")
            self.assertEqual(value(self.scrape(exporter), "smtp_exporter_probes_in_flight"), 0)
            self.assertNotIn("internal error", exporter.logs())
        finally:
            exporter.stop()

    def test_2_probe_endpoint_with_concurrency(self):
        exporter = Exporter(BINARY, self.config.split("targets:")[0].replace("mode: scrape", "mode: interval"))
        threads, per_thread = 8, 300
        addresses = [f"127.0.0.1:{self.closed_port}"] + [f"127.0.0.1:{p}" for p in self.hostile.ports.values()]
        errors = []

        def worker(offset, count):
            for i in range(count):
                target = addresses[(offset + i) % len(addresses)]
                q = urllib.parse.urlencode({"target": target, "module": "fast"})
                try:
                    status, body, _ = http_get(f"{exporter.url}/probe?{q}", timeout=20)
                    if status != 200 or "probe_success 0" not in body:
                        errors.append((target, status, body[:200]))
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append((target, repr(e)))

        def run(count):
            ts = [threading.Thread(target=worker, args=(k, count)) for k in range(threads)]
            for t in ts:
                t.start()
            for t in ts:
                t.join(timeout=120)
        try:
            pid = exporter.proc.pid
            run(20)  # warm-up
            time.sleep(0.3)
            fds_before, rss_before = fd_count(pid), rss_bytes(pid)
            started = time.monotonic()
            run(per_thread)
            elapsed = time.monotonic() - started
            self.assertEqual(errors, [])
            self.assertEqual(exporter.proc.poll(), None, "the exporter died")
            wait_until(lambda: fd_count(pid) <= fds_before + self.FD_SLACK, 10, what="fds back to the baseline")
            fds_after, rss_after = fd_count(pid), rss_bytes(pid)
            s = samples_of(exporter)
            log(f"/probe: {threads} threads x {per_thread} = {threads * per_thread} failed probes in "
                f"{elapsed:.1f}s; fds {fds_before} -> {fds_after}; RSS {rss_before / MIB:.1f} -> "
                f"{rss_after / MIB:.1f} MiB ({(rss_after - rss_before) / MIB:+.2f} MiB)")
            self.assertEqual(value(s, "smtp_exporter_probes_in_flight"), 0)
            self.assertLessEqual(abs(fds_after - fds_before), self.FD_SLACK)
            if not sanitized(pid):
                self.assertLess(rss_after - rss_before, self.RSS_BOUND)
            self.assertNotIn("internal error", exporter.logs())
        finally:
            exporter.stop()


class SighupStormTest(unittest.TestCase):
    """50 SIGHUPs, 10 ms apart, while probing every second; every other one reloads a config
    that adds a target and changes another's labels, the rest the original config."""

    SIGNALS = 50
    UNCHANGED = ["t1", "t2", "t3", "t4", "refused"]

    def config(self, variant):
        flip = f'\n  - {{name: flip, address: "127.0.0.1:{self.sink.port}"}}' if variant == "b" else ""
        return f"""
global: {{mode: interval, interval: 1s}}
modules:
  smtp_ehlo: {{qos_timeout: 1s, timeout: 3s, ehlo_name: probe.example.org}}
targets:
  - {{name: t1, address: "127.0.0.1:{self.sink.port}"}}
  - {{name: t2, address: "127.0.0.1:{self.sink.port}", labels: {{site: a}}}}
  - {{name: t3, address: "127.0.0.1:{self.sink.port}"}}
  - {{name: t4, address: "127.0.0.1:{self.sink.port}"}}
  - {{name: t5, address: "127.0.0.1:{self.sink.port}", labels: {{v: "{variant}"}}}}
  - {{name: refused, address: "127.0.0.1:{self.closed_port}"}}{flip}
"""

    def write_atomically(self, text):
        tmp = self.exporter.config + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.exporter.config)

    def counts(self, s):
        return {t: {e: value(s, "smtp_probe_events_total", target=t, event=e) for e in ("5510", "5511", "5509")}
                for t in self.UNCHANGED}

    def test_sighup_storm(self):
        self.sink = SmtpSink()
        self.closed_port = harness.closed_port()
        self.exporter = Exporter(BINARY, self.config("a"))
        try:
            pid = self.exporter.proc.pid
            wait_until(lambda: all(sum(c.values()) >= 2 for c in self.counts(samples_of(self.exporter)).values()),
                       20, what="two probes of every target")
            fds_before = quiet_fd_count(pid)

            history, failures, stop = [], [], threading.Event()

            def sampler():
                while not stop.is_set():
                    try:
                        started = time.monotonic()
                        s = samples_of(self.exporter, timeout=10)
                        history.append((time.monotonic() - started, self.counts(s),
                                        value(s, "smtp_exporter_config_last_reload_successful")))
                    except Exception as e:  # noqa: BLE001 - reported below
                        failures.append(repr(e))
                    time.sleep(0.02)
            th = threading.Thread(target=sampler)
            th.start()
            time.sleep(0.5)
            storm_started = time.monotonic()
            for i in range(self.SIGNALS):
                self.write_atomically(self.config("b" if i % 2 == 0 else "a"))  # the last one is "a"
                os.kill(pid, signal.SIGHUP)
                time.sleep(0.01)
            storm = time.monotonic() - storm_started
            time.sleep(1.5)
            stop.set()
            th.join(timeout=30)

            self.assertIsNone(self.exporter.proc.poll(), "the exporter died during the storm")
            self.assertEqual(failures, [], "/metrics failed during the storm")
            self.assertGreater(len(history), 10)
            for t in self.UNCHANGED:
                for e in ("5510", "5511", "5509"):
                    series = [h[1][t][e] for h in history]
                    drops = [(a, b) for a, b in zip(series, series[1:]) if b < a]
                    self.assertEqual(drops, [], f"{t} event {e} went down across the storm: {series}")
            self.assertTrue(all(h[2] == 1 for h in history), "a reload failed during the storm")
            reloads = self.exporter.logs().count("SIGHUP received")

            # After the storm: the last config (variant a) is in force, no duplicate probe loops.
            s = samples_of(self.exporter)
            self.assertEqual(value(s, "smtp_exporter_config_last_reload_successful"), 1)
            self.assertFalse([k for k in s if ("target", "flip") in k[1]], "series of the removed target remain")
            self.assertEqual(value(s, "smtp_probe_success", target="t5", v="a"), value(s, "smtp_probe_success", target="t5"))
            self.assertEqual(value(s, "smtp_exporter_targets"), 6)
            c0, t0 = self.counts(s), time.monotonic()
            time.sleep(6)
            s = samples_of(self.exporter)
            c1, window = self.counts(s), time.monotonic() - t0
            rates = {t: sum(c1[t].values()) - sum(c0[t].values()) for t in self.UNCHANGED}
            for t, n in rates.items():
                # One probe a second: about 6; two loops for one target would make about 12.
                self.assertGreaterEqual(n, 3, f"{t} stopped probing after the storm: {rates}")
                self.assertLessEqual(n, 9, f"{t} is probed more than once per interval after the storm: {rates}")
            self.assertEqual(c1["t1"]["5510"], sum(c1["t1"].values()), "t1 on smtp-sink should only succeed")
            wait_until(lambda: quiet_fd_count(pid) <= fds_before, 10, what="fds back to the level before the storm")
            fds_after = quiet_fd_count(pid)
            log(f"SIGHUP storm: {self.SIGNALS} signals in {storm:.2f}s, {reloads} reloads logged, "
                f"{len(history)} /metrics samples during it (slowest {max(h[0] for h in history) * 1000:.0f} ms), "
                f"probes per target in {window:.1f}s after it: {rates}, skipped "
                f"{value(s, 'smtp_exporter_probes_skipped_total'):.0f}, fds {fds_before} -> {fds_after}")
            # SIGHUPs that arrive while one is pending merge into it (POSIX), so how many reloads a
            # storm causes depends on scheduling (24 of 50 on a loaded machine under ASan): what
            # counts is that signals were acted on and the last config is in force (above).
            self.assertGreaterEqual(reloads, 1, "the SIGHUPs caused no reload")
            self.assertNotIn("internal error", self.exporter.logs())
        finally:
            self.exporter.stop()
            self.sink.stop()


class MaxConcurrentProbesTest(unittest.TestCase):
    """max_concurrent_probes: 2 and 6 probes of a server that answers EHLO after 300 ms."""

    DELAY = 0.3
    TARGETS = 6

    @classmethod
    def setUpClass(cls):
        cls.server = SlowEhloServer(cls.DELAY)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def scrape_config(self, limit):
        targets = "\n".join(f'  - {{name: s{i}, address: "127.0.0.1:{self.server.port}"}}'
                            for i in range(self.TARGETS))
        limit_line = f"\n  max_concurrent_probes: {limit}" if limit else ""
        return f"""
global:
  mode: scrape{limit_line}
modules:
  smtp_ehlo: {{qos_timeout: 2s, timeout: 5s, ehlo_name: probe.example.org}}
targets:
{targets}
"""

    def timed_scrape(self, exporter):
        started = time.monotonic()
        s = samples_of(exporter, SCRAPE_HEADERS)
        return time.monotonic() - started, s

    def test_1_control_without_a_limit_all_six_run_at_once(self):
        # Shows that the server's count sees concurrency when there is some.
        exporter = Exporter(BINARY, self.scrape_config(None))
        try:
            self.server.reset_counts()
            elapsed, s = self.timed_scrape(exporter)
            log(f"no limit: scrape of {self.TARGETS} took {elapsed:.2f}s, server saw "
                f"{self.server.max_active} sessions at once")
            self.assertEqual(self.server.max_active, self.TARGETS)
            self.assertLess(elapsed, 2 * self.DELAY + 0.5)
        finally:
            exporter.stop()

    def test_2_scrape_mode_waits_for_slots_without_counting_the_wait(self):
        exporter = Exporter(BINARY, self.scrape_config(2))
        try:
            for round_ in (1, 2):
                self.server.reset_counts()
                elapsed, s = self.timed_scrape(exporter)
                latencies = {f"s{i}": value(s, "smtp_ehlo_duration_seconds_sum", target=f"s{i}") / round_
                             for i in range(self.TARGETS)}
                ehlo_phase = {f"s{i}": value(s, "smtp_probe_phase_duration_seconds", target=f"s{i}", phase="ehlo")
                              for i in range(self.TARGETS)}
                log(f"max_concurrent_probes 2, scrape {round_}: {elapsed:.2f}s, server saw "
                    f"{self.server.max_active} at once, mean QoS latency per target "
                    f"{sorted(round(v, 3) for v in latencies.values())}, ehlo phase "
                    f"{sorted(round(v, 3) for v in ehlo_phase.values())}")
                self.assertEqual(self.server.sessions, self.TARGETS)
                self.assertEqual(self.server.max_active, 2)
                # Three rounds of at least 300 ms each.
                self.assertGreaterEqual(elapsed, 3 * self.DELAY - 0.02)
                self.assertLess(elapsed, 10)
                for t in latencies:
                    self.assertEqual(value(s, "smtp_ehlo_duration_seconds_count", target=t), round_)
                    self.assertEqual(value(s, "smtp_probe_events_total", target=t, event="5510"), round_)
                    # Counting the wait would give about 0.6 s and 0.9 s to four of the six.
                    self.assertGreaterEqual(latencies[t], self.DELAY - 0.02, t)
                    self.assertLess(latencies[t], 2 * self.DELAY - 0.05, f"{t}: the slot wait is in the latency")
                    self.assertGreaterEqual(ehlo_phase[t], self.DELAY - 0.02, t)
                    self.assertLess(ehlo_phase[t], 2 * self.DELAY - 0.05, t)
                self.assertEqual(value(s, "smtp_exporter_probes_in_flight"), 0)
        finally:
            exporter.stop()

    def test_3_probe_endpoint_in_flight_gauge_never_exceeds_the_limit(self):
        # Interval mode without targets: /metrics answers at once from the stored state, so a
        # sampler can watch smtp_exporter_probes_in_flight while /probe requests wait for slots.
        exporter = Exporter(BINARY, """
global: {mode: interval, max_concurrent_probes: 2}
modules:
  smtp_ehlo: {qos_timeout: 2s, timeout: 5s, ehlo_name: probe.example.org}
""")
        rounds = 3
        results, errors, in_flight = [], [], []
        stop = threading.Event()

        def sampler():
            while not stop.is_set():
                try:
                    in_flight.append(value(samples_of(exporter, timeout=5), "smtp_exporter_probes_in_flight"))
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append(("sampler", repr(e)))
                time.sleep(0.005)

        def prober():
            for _ in range(rounds):
                started = time.monotonic()
                status, body, _ = http_get(f"{exporter.url}/probe?target=127.0.0.1:{self.server.port}", timeout=30)
                wall = time.monotonic() - started
                if status != 200:
                    errors.append((status, body))
                    continue
                s = parse_samples(body)
                results.append((wall, value(s, "probe_smtp_ehlo_duration_seconds"),
                                value(s, "probe_duration_seconds"), value(s, "probe_success")))
        try:
            self.server.reset_counts()
            sampling = threading.Thread(target=sampler)
            sampling.start()
            time.sleep(0.2)
            started = time.monotonic()
            probers = [threading.Thread(target=prober) for _ in range(self.TARGETS)]
            for t in probers:
                t.start()
            for t in probers:
                t.join(timeout=60)
            elapsed = time.monotonic() - started
            time.sleep(0.2)
            stop.set()
            sampling.join(timeout=10)
            self.assertEqual(errors, [])
            self.assertEqual(len(results), self.TARGETS * rounds)
            ehlo = sorted(round(r[1], 3) for r in results)
            walls = sorted(round(r[0], 2) for r in results)
            log(f"/probe x {len(results)} in parallel, limit 2: {elapsed:.2f}s; in_flight samples "
                f"{len(in_flight)}, max {max(in_flight):.0f}, histogram "
                f"{ {k: in_flight.count(k) for k in sorted(set(in_flight))} }; server saw "
                f"{self.server.max_active} at once; probe_smtp_ehlo_duration_seconds {ehlo}; "
                f"request wall times {walls}; probe_duration_seconds "
                f"{sorted(round(r[2], 3) for r in results)}")
            self.assertTrue(all(r[3] == 1 for r in results))
            self.assertLessEqual(max(in_flight), 2)
            self.assertIn(2, in_flight, "the sampler never saw two probes in flight")
            self.assertEqual(in_flight[-1], 0)
            self.assertEqual(self.server.max_active, 2)
            self.assertGreaterEqual(elapsed, self.TARGETS * rounds / 2 * self.DELAY - 0.05)
            for wall, latency, _, _ in results:
                self.assertGreaterEqual(latency, self.DELAY - 0.02)
                self.assertLess(latency, 2 * self.DELAY - 0.05, "the slot wait is in the latency")
            # Some requests really did wait for a slot (so the latency check above means something).
            self.assertGreater(max(walls), 2 * self.DELAY)
        finally:
            stop.set()
            exporter.stop()


class IdleAndSlowClientsTest(unittest.TestCase):
    """200 idle TCP connections and slow-loris partial requests do not stop /metrics."""

    IDLE = 200
    LORIS = 5

    def test_idle_connections_and_slow_loris(self):
        sink = SmtpSink()
        exporter = Exporter(BINARY, f"""
global: {{mode: interval, interval: 1s}}
modules:
  smtp_ehlo: {{qos_timeout: 1s, timeout: 3s, ehlo_name: probe.example.org}}
targets:
  - {{name: sink, address: "127.0.0.1:{sink.port}"}}
""")
        clients, stop = [], threading.Event()
        try:
            pid = exporter.proc.pid
            wait_until(lambda: value(samples_of(exporter), "smtp_probe_success", target="sink") == 1, 15)
            fds_before = quiet_fd_count(pid)  # the sink target is probed every second meanwhile
            for _ in range(self.IDLE):
                clients.append(socket.create_connection(("127.0.0.1", exporter.port), timeout=5))
            loris = []
            for i in range(self.LORIS):
                c = socket.create_connection(("127.0.0.1", exporter.port), timeout=5)
                c.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                loris.append(c)
                clients.append(c)

            def drip():  # one byte of a never-ending header value every 200 ms per connection
                while not stop.wait(0.2):
                    for c in loris:
                        try:
                            c.sendall(b"a")
                        except OSError:
                            pass
            dripper = threading.Thread(target=drip, daemon=True)
            dripper.start()
            wait_until(lambda: fd_count(pid) >= fds_before + self.IDLE + self.LORIS, 10,
                       what="the exporter to accept every connection")
            fds_during = fd_count(pid)
            times = []
            for _ in range(20):
                started = time.monotonic()
                status, body, _ = http_get(exporter.url + "/metrics", timeout=5)
                times.append(time.monotonic() - started)
                self.assertEqual(status, 200)
                self.assertEqual(value(parse_samples(body), "smtp_probe_success", target="sink"), 1)
                time.sleep(0.1)
            status, body, _ = http_get(f"{exporter.url}/probe?target=127.0.0.1:{sink.port}", timeout=10)
            self.assertEqual(status, 200)
            self.assertIn("probe_success 1", body)
            s = samples_of(exporter)
            probes_during = value(s, "smtp_probe_events_total", target="sink", event="5510")
            # Interval probing went on meanwhile.
            time.sleep(2.5)
            self.assertGreater(value(samples_of(exporter), "smtp_probe_events_total", target="sink", event="5510"),
                               probes_during)
            self.assertLess(max(times), 2.0, f"/metrics was slow with idle clients: {times}")
            stop.set()
            dripper.join(timeout=5)
            for c in clients:
                c.close()
            clients.clear()
            wait_until(lambda: quiet_fd_count(pid) <= fds_before, 15, what="the exporter to close every connection")
            fds_after = quiet_fd_count(pid)
            log(f"{self.IDLE} idle + {self.LORIS} slow-loris connections: exporter fds {fds_before} -> "
                f"{fds_during} -> {fds_after} after they closed; /metrics during: max "
                f"{max(times) * 1000:.0f} ms, median {sorted(times)[len(times) // 2] * 1000:.1f} ms")
            self.assertIsNone(exporter.proc.poll())
        finally:
            stop.set()
            for c in clients:
                c.close()
            exporter.stop()
            sink.stop()


def closed_by_peer(sock):
    """True if the exporter closed this connection (EOF or reset); does not wait."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1) == b""
    except OSError:
        return True


class MaxConnectionsTest(unittest.TestCase):
    """--web.max-connections: idle TCP clients beyond the cap do not hold descriptors or stop
    /metrics, as the longest idle connection is closed to make room; 0 is no cap."""

    IDLE = 50

    def start(self, *flags):
        config = f"""
global: {{mode: interval, interval: 1m}}
modules:
  smtp_ehlo: {{timeout: 5s, qos_timeout: 1s, ehlo_name: probe.example.org}}
targets:
  - {{name: closed, address: "127.0.0.1:{harness.closed_port()}"}}
"""
        exporter = Exporter(BINARY, config, *flags)
        self.addCleanup(exporter.stop)
        wait_until(lambda: http_get(exporter.url + "/metrics", timeout=5)[0] == 200, 10, what="/metrics")
        return exporter, quiet_fd_count(exporter.proc.pid)

    def open_idle(self, exporter):
        clients = [socket.create_connection(("127.0.0.1", exporter.port), timeout=5) for _ in range(self.IDLE)]
        self.addCleanup(lambda: [c.close() for c in clients])
        return clients

    def scrape(self, exporter):
        started = time.monotonic()
        status, body, _ = http_get(exporter.url + "/metrics", timeout=5)
        self.assertEqual(status, 200)
        self.assertEqual(value(parse_samples(body), "smtp_probe_success", target="closed"), 0)
        return time.monotonic() - started

    def test_idle_clients_beyond_the_cap_make_room(self):
        cap = 8
        exporter, fds_before = self.start(f"--web.max-connections={cap}")
        pid = exporter.proc.pid
        clients = self.open_idle(exporter)
        # Every connection was accepted and all but the newest `cap` were closed again.
        wait_until(lambda: sum(closed_by_peer(c) for c in clients) >= self.IDLE - cap, 10,
                   what="the exporter to close the oldest idle connections")
        self.assertLessEqual(fd_count(pid), fds_before + cap)
        times = [self.scrape(exporter) for _ in range(10)]
        self.assertLess(max(times), 3.0, f"/metrics was slow at the connection cap: {times}")
        self.assertIn("HTTP connection limit reached", exporter.logs())
        # The newest connections are still served: at most `cap` of ours are open, and the
        # scrapes above took their places.
        open_ones = [c for c in clients if not closed_by_peer(c)]
        self.assertLessEqual(len(open_ones), cap)
        for c in clients:
            c.close()
        wait_until(lambda: fd_count(pid) <= fds_before, 10, what="the exporter to close every connection")
        self.scrape(exporter)
        self.assertIsNone(exporter.proc.poll())

    def test_when_every_connection_is_busy_the_new_one_is_closed(self):
        slow = ScriptedSmtpServer(greeting_delay=2.0)
        self.addCleanup(slow.stop)
        exporter, _ = self.start("--web.max-connections=2")
        url = f"{exporter.url}/probe?target=127.0.0.1:{slow.port}"
        answers = []
        probes = [threading.Thread(target=lambda: answers.append(http_get(url, timeout=10)[0])) for _ in range(2)]
        for p in probes:
            p.start()
        time.sleep(0.5)  # both requests read; their probes wait 2 s for the greeting
        third = socket.create_connection(("127.0.0.1", exporter.port), timeout=5)
        self.addCleanup(third.close)
        wait_until(lambda: closed_by_peer(third), 1.5, interval=0.05, what="the new connection to be closed")
        self.assertIn("every connection busy", exporter.logs())
        for p in probes:
            p.join(timeout=10)
        self.assertEqual(answers, [200, 200])
        self.scrape(exporter)

    def test_zero_is_no_limit(self):
        exporter, fds_before = self.start("--web.max-connections=0")
        pid = exporter.proc.pid
        clients = self.open_idle(exporter)
        wait_until(lambda: fd_count(pid) >= fds_before + self.IDLE, 10, what="the exporter to accept every connection")
        self.assertFalse(any(closed_by_peer(c) for c in clients))
        self.scrape(exporter)
        self.assertNotIn("HTTP connection limit reached", exporter.logs())


if __name__ == "__main__":
    from harness import binary_from_argv
    BINARY = binary_from_argv()
    unittest.main(verbosity=2)
