"""End to end: a flood of /probe requests must not take /metrics down, and a /probe whose client
hangs up stops its probe. Loopback only; every client count and duration is bounded.
Run: /usr/bin/python3 tests/e2e/test_probe_flood.py build/smtp_exporter"""
import asyncio
import base64
import multiprocessing
import os
import re
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Exporter, ScriptedSmtpServer, ThreadedListener, http_get, make_ca, make_leaf,  # noqa: E402
                     parse_samples, value, wait_until)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # still in Python 3.11, Debian 12's
    import crypt  # noqa: E402

BINARY = None
FLOOD_CLIENTS = 400
FLOOD_SECONDS = 10.0
SCRAPE_EVERY = 0.5


class SilentServer(ThreadedListener):
    """Accepts and never greets; holds each connection until the exporter closes it.
    Counts the connections it accepted and those the exporter has closed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.accepted_count = 0
        self.closed_count = 0
        super().__init__(backlog=512)

    def accepted(self, conn):
        with self.lock:
            self.accepted_count += 1

    def _serve(self, conn):
        try:
            conn.settimeout(30)
            while conn.recv(4096):  # the prober sends nothing before the greeting; b"" is its close
                pass
        except OSError:
            pass
        finally:
            conn.close()
            with self.lock:
                self.closed_count += 1

    def counts(self):
        with self.lock:
            return self.accepted_count, self.closed_count


async def _flood_client(port, request, end, statuses):
    while time.monotonic() < end:
        status = "error"
        writer = None
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), timeout=max(0.1, end - time.monotonic()) + 5)
            match = re.match(rb"HTTP/1\.1 (\d+)", line)
            status = match.group(1).decode() if match else "error"
            await asyncio.wait_for(reader.read(), timeout=5)
        except (OSError, asyncio.TimeoutError):
            pass
        finally:
            if writer is not None:
                writer.close()
        statuses[status] = statuses.get(status, 0) + 1
        if status != "200":
            await asyncio.sleep(0.01)  # a refused client comes back at once, as a flood does


async def _flood_main(port, target, clients, seconds):
    request = (f"GET /probe?target={target}&module=smtp_ehlo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               f"Connection: close\r\n\r\n").encode()
    end = time.monotonic() + seconds
    statuses = {}
    await asyncio.gather(*(_flood_client(port, request, end, statuses) for _ in range(clients)))
    return statuses


def flood(port, target, clients, seconds, results):
    """In a process of its own (so that the scrapes below are not slowed by this one's GIL):
    `clients` concurrent /probe clients for `seconds`; puts {status: count} on `results`."""
    results.put(asyncio.run(_flood_main(port, target, clients, seconds)))


class ProbeFloodTest(unittest.TestCase):
    """400 concurrent /probe clients of a server that never greets, for 10 s, while /metrics and
    /-/healthy are scraped every 0.5 s: every scrape must answer 200."""

    def test_metrics_stay_up_during_a_probe_flood(self):
        silent = SilentServer()
        exporter = Exporter(BINARY, "modules:\n  smtp_ehlo: {ehlo_name: probe.example.org, qos_timeout: 1s, "
                                    "timeout: 3s}\n")
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        flooder = context.Process(target=flood, args=(exporter.port, f"127.0.0.1:{silent.port}", FLOOD_CLIENTS,
                                                      FLOOD_SECONDS, results))
        scrapes, health, in_flight, slow = [], [], [], []
        started = time.monotonic()
        try:
            flooder.start()
            time.sleep(1.0)  # let the flood fill the /probe cap first
            while flooder.is_alive() and time.monotonic() - started < FLOOD_SECONDS + 5:
                t0 = time.monotonic()
                status, body, _ = http_get(exporter.url + "/metrics", timeout=10)
                elapsed = time.monotonic() - t0
                scrapes.append(status)
                slow.append(elapsed)
                if status == 200:
                    in_flight.append(value(parse_samples(body), "smtp_exporter_probes_in_flight"))
                health.append(http_get(exporter.url + "/-/healthy", timeout=10)[0])
                time.sleep(max(0.0, SCRAPE_EVERY - (time.monotonic() - t0)))
            flooder.join(timeout=20)
            statuses = results.get(timeout=5)
            self.assertNotIn("internal error", exporter.logs())
        finally:
            if flooder.is_alive():
                flooder.kill()
            exporter.stop()
            silent.stop()
        accepted, _ = silent.counts()
        print(f"\n  flood: {sum(statuses.values())} /probe requests {statuses}; silent server accepted {accepted}; "
              f"/metrics {scrapes.count(200)}/{len(scrapes)} 200 (slowest {max(slow):.3f} s), "
              f"/-/healthy {health.count(200)}/{len(health)} 200, probes in flight at most {max(in_flight):.0f}",
              file=sys.stderr)
        self.assertGreaterEqual(len(scrapes), 10)
        self.assertEqual(scrapes, [200] * len(scrapes))
        self.assertEqual(health, [200] * len(health))
        # The flood was real: the /probe cap (default 64) refused most requests, and served some.
        self.assertGreater(statuses.get("503", 0), 1000, statuses)
        self.assertGreater(statuses.get("200", 0), 64, statuses)
        self.assertLessEqual(max(in_flight), 64)


class ProbeLimitTest(unittest.TestCase):
    """--web.max-probe-requests caps /probe alone; --web.max-requests the other endpoints."""

    def test_probe_cap_answers_503_and_leaves_metrics_alone(self):
        slow = ScriptedSmtpServer(greeting_delay=1.2)
        exporter = Exporter(BINARY, "modules:\n  smtp_ehlo: {ehlo_name: probe.example.org, qos_timeout: 2s, "
                                    "timeout: 5s}\n", "--web.max-probe-requests=2", "--web.max-requests=1")
        probe_url = f"{exporter.url}/probe?target=127.0.0.1:{slow.port}"
        try:
            held = [threading.Thread(target=http_get, args=(probe_url,)) for _ in range(2)]
            for t in held:
                t.start()
            wait_until(lambda: value(exporter.metrics(), "smtp_exporter_probes_in_flight") == 2, 5,
                       what="two probes in flight")
            t0 = time.monotonic()
            status, body, _ = http_get(probe_url)
            self.assertEqual(status, 503, body)
            self.assertIn("--web.max-probe-requests=2", body)
            self.assertLess(time.monotonic() - t0, 1.0)
            self.assertEqual(http_get(exporter.url + "/metrics")[0], 200)
            self.assertEqual(http_get(exporter.url + "/-/healthy")[0], 200)
            self.assertEqual(http_get(exporter.url + "/-/ready")[0], 200)
            for t in held:
                t.join(timeout=10)
            status, body, _ = http_get(probe_url)
            self.assertEqual(status, 200, body)
        finally:
            exporter.stop()
            slow.stop()

    def test_max_requests_caps_the_other_endpoints_not_health(self):
        slow = ScriptedSmtpServer(greeting_delay=1.5)
        config = (f"global: {{mode: scrape}}\nmodules:\n  smtp_ehlo: {{ehlo_name: probe.example.org, "
                  f"qos_timeout: 1s, timeout: 5s}}\ntargets:\n  - address: 127.0.0.1:{slow.port}\n")
        exporter = Exporter(BINARY, config, "--web.max-requests=1")
        try:
            held = threading.Thread(target=http_get, args=(exporter.url + "/metrics",))  # probes for 1.5 s
            held.start()
            time.sleep(0.5)
            t0 = time.monotonic()
            status, body, _ = http_get(exporter.url + "/metrics")
            self.assertEqual(status, 503, body)
            self.assertIn("--web.max-requests=1", body)
            self.assertLess(time.monotonic() - t0, 1.0)
            self.assertEqual(http_get(exporter.url + "/")[0], 503)
            self.assertEqual(http_get(exporter.url + "/-/healthy")[0], 200)
            self.assertEqual(http_get(exporter.url + "/-/ready")[0], 200)
            held.join(timeout=10)
            self.assertEqual(http_get(exporter.url + "/metrics")[0], 200)
        finally:
            exporter.stop()
            slow.stop()


    def test_scrape_whose_client_leaves_finishes_its_probes(self):
        """Scrape mode: a scrape whose client hangs up still records its probes, and keeps its
        place under --web.max-requests until they end."""
        slow = ScriptedSmtpServer(greeting_delay=1.5)
        config = (f"global: {{mode: scrape}}\nmodules:\n  smtp_ehlo: {{ehlo_name: probe.example.org, "
                  f"qos_timeout: 1s, timeout: 5s}}\ntargets:\n  - {{name: slow, address: 127.0.0.1:{slow.port}}}\n")
        exporter = Exporter(BINARY, config, "--web.max-requests=1")
        try:
            client = socket.create_connection(("127.0.0.1", exporter.port), timeout=5)
            client.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            time.sleep(0.3)
            client.close()
            time.sleep(0.2)
            self.assertEqual(http_get(exporter.url + "/metrics")[0], 503)  # the first still probes
            self.assertEqual(http_get(exporter.url + "/-/healthy")[0], 200)
            time.sleep(1.5)
            samples = exporter.metrics()  # probes again, for 1.5 s
            events = sum(value(samples, "smtp_probe_events_total", target="slow", event=e)
                         for e in ("5510", "5511", "5509"))
            self.assertEqual(events, 2)  # the abandoned scrape's probe was recorded too
        finally:
            exporter.stop()
            slow.stop()


class ClientHangupTest(unittest.TestCase):
    """A /probe whose client closes the connection stops its probe at once, well before the
    probe's own deadline (10 s here), and one still waiting for a probe slot never starts."""

    CONFIG = ("global: {max_concurrent_probes: %d}\nmodules:\n  smtp_ehlo: {ehlo_name: probe.example.org, "
              "qos_timeout: 5s, timeout: 10s}\n")

    @staticmethod
    def ask(exporter, target, clients):
        """`clients` raw /probe requests whose answers are never read; close them to hang up."""
        request = (f"GET /probe?target={target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").encode()
        socks = []
        for _ in range(clients):
            s = socket.create_connection(("127.0.0.1", exporter.port), timeout=5)
            s.sendall(request)
            socks.append(s)
        return socks

    @staticmethod
    def hang_up(socks):
        for s in socks:
            s.close()

    def test_probes_stop_when_their_clients_leave(self):
        silent = SilentServer()
        exporter = Exporter(BINARY, self.CONFIG % 256)
        try:
            clients = self.ask(exporter, f"127.0.0.1:{silent.port}", 20)
            wait_until(lambda: silent.counts() == (20, 0), 5, interval=0.05, what="20 probes connected")
            time.sleep(0.5)
            self.hang_up(clients)
            left = time.monotonic()
            wait_until(lambda: silent.counts() == (20, 20), 3, interval=0.05, what="the 20 probe connections closed")
            stopped = time.monotonic() - left
            wait_until(lambda: value(exporter.metrics(), "smtp_exporter_probes_in_flight") == 0, 2,
                       what="no probe in flight")
            print(f"\n  20 probes stopped {stopped:.3f} s after their clients left (their deadline was 9 s later)",
                  file=sys.stderr)
            self.assertNotIn("internal error", exporter.logs())
        finally:
            exporter.stop()
            silent.stop()

    def test_probe_waiting_for_a_slot_never_starts_when_its_client_leaves(self):
        silent = SilentServer()
        exporter = Exporter(BINARY, self.CONFIG % 2)  # two probe slots
        target = f"127.0.0.1:{silent.port}"
        try:
            probing = self.ask(exporter, target, 2)
            wait_until(lambda: silent.counts() == (2, 0), 5, interval=0.05, what="two probes connected")
            waiting = self.ask(exporter, target, 8)
            wait_until(lambda: value(exporter.metrics(), "smtp_exporter_probes_in_flight") == 2, 5,
                       what="two probes in flight")
            time.sleep(0.3)  # the eight wait for a slot
            self.hang_up(waiting)
            time.sleep(0.3)
            self.hang_up(probing)
            wait_until(lambda: silent.counts() == (2, 2), 3, interval=0.05, what="the two probes stopped")
            wait_until(lambda: value(exporter.metrics(), "smtp_exporter_probes_in_flight") == 0, 2,
                       what="no probe in flight")
            time.sleep(0.5)
            self.assertEqual(silent.counts(), (2, 2))  # the eight that waited for a slot never connected
            # The slots are free again: a new probe runs (and waits for the greeting).
            again = self.ask(exporter, target, 1)
            wait_until(lambda: silent.counts() == (3, 2), 3, interval=0.05, what="a new probe connected")
            self.hang_up(again)
            wait_until(lambda: silent.counts() == (3, 3), 3, interval=0.05, what="the new probe stopped")
            self.assertNotIn("internal error", exporter.logs())
        finally:
            exporter.stop()
            silent.stop()


class HttpsHangupTest(unittest.TestCase):
    """The same over TLS with basic auth: the watch for a hang-up reads through TLS, so keep-alive
    requests must still be answered one after the other, a client that hangs up still stops its
    probe, and one that hangs up during its password check does no harm."""

    PASSWORD = "s3cret-Passw0rd"

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="smtp_exporter_flood_")
        ca = make_ca(self.dir, "ca")
        make_leaf(self.dir, "server", ca)
        # Cost 2^12: a check takes long enough (about 0.2 s) to hang up in the middle of one.
        hashed = crypt.crypt(self.PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2 ** 12))
        web = os.path.join(self.dir, "web.yml")
        with open(web, "w") as f:
            f.write(f"tls_server_config: {{cert_file: server.crt, key_file: server.key}}\n"
                    f"basic_auth_users:\n  prometheus: '{hashed}'\n")
        self.silent = SilentServer()
        self.exporter = Exporter(BINARY, ClientHangupTest.CONFIG % 256, f"--web.config.file={web}")
        self.tls = ssl.create_default_context(cafile=os.path.join(self.dir, "ca.crt"))

    def tearDown(self):
        self.exporter.stop()
        self.silent.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def connect(self):
        raw = socket.create_connection(("127.0.0.1", self.exporter.port), timeout=10)
        return self.tls.wrap_socket(raw, server_hostname="localhost")

    def request(self, path, password=None):
        credentials = base64.b64encode(f"prometheus:{password or self.PASSWORD}".encode()).decode()
        return (f"GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic {credentials}\r\n\r\n").encode()

    @staticmethod
    def read_response(conn):
        """(status, body) of one response with a Content-Length or chunked body."""
        f = conn.makefile("rb")
        status = int(f.readline().split()[1])
        headers = {}
        for line in iter(f.readline, b"\r\n"):
            name, _, val = line.decode().partition(":")
            headers[name.strip().lower()] = val.strip()
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while (size := int(f.readline().strip(), 16)) > 0:
                body += f.read(size)
                f.readline()
            f.readline()
        else:
            body = f.read(int(headers.get("content-length", 0)))
        return status, body.decode()

    def test_keep_alive_and_hangups_over_https(self):
        with self.connect() as conn:
            for path in ["/-/healthy", "/metrics", "/-/ready", "/metrics"]:
                conn.sendall(self.request(path))
                status, body = self.read_response(conn)
                self.assertEqual(status, 200, body)
        # Hang up while the (wrong, so never remembered) password is being checked.
        for _ in range(3):
            conn = self.connect()
            conn.sendall(self.request("/metrics", password="wrong"))
            time.sleep(0.05)
            conn.close()
        # A probe whose client hangs up stops at once.
        conn = self.connect()
        conn.sendall(self.request(f"/probe?target=127.0.0.1:{self.silent.port}"))
        wait_until(lambda: self.silent.counts() == (1, 0), 5, interval=0.05, what="the probe connected")
        time.sleep(0.3)
        conn.close()
        wait_until(lambda: self.silent.counts() == (1, 1), 3, interval=0.05, what="the probe stopped")
        with self.connect() as conn:
            conn.sendall(self.request("/-/healthy"))
            self.assertEqual(self.read_response(conn)[0], 200)
            conn.sendall(self.request("/-/healthy", password="wrong"))
            self.assertEqual(self.read_response(conn)[0], 401)
        self.assertNotIn("internal error", self.exporter.logs())


if __name__ == "__main__":
    from harness import binary_from_argv
    BINARY = binary_from_argv()
    unittest.main(verbosity=2)
