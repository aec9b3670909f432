"""End to end: domain targets (issue 15, "mail domains") against REAL peers, loopback only: a Knot
DNS serving DNSSEC-signed zones under `test.` (tests/e2e/dns_peers.py: MX, A/AAAA, null MX,
implicit MX, NXDOMAIN, bogus and expired signatures, TLSA records, PTR records, 500 MX records),
the MTA-STS policies over HTTPS (MtaStsServer), and one real Postfix (mail_peers.Postfix) with
three smtpd services on the same port, one per MX address:

    127.0.0.2:P   mx1.example.test   STARTTLS, mx1's certificate (TLSA 3 1 1 matches), banner mx1.example.test
    127.0.0.3:P   mx2.example.test   STARTTLS, mx2's certificate (its TLSA 3 1 1 is stale),
                                     banner backup.example.test (not its PTR name)
    [::1]:P       mx1.example.test   NO STARTTLS (an IPv6 address nobody tested), banner mx1.example.test

(a domain target has one port, so the three share it; Linux answers all of 127/8 on lo). Two
more zones are added to the default set: outside.test (an MX at 127.0.0.9, outside the test's
--probe.allow) and churn.test (its MX set changes during a test). Small listeners that only
count connections stand where no SMTP session may ever happen (bogus.test, expired.test, and a
/probe refused by --probe.allow).

Classes, in the order unittest runs them:
- DomainPeersTest: the peers alone (smtplib, ssl, dig), no exporter: a failure here is the set-up's.
- DomainTargetsTest: one exporter, every domain target in /metrics (per-address sessions, the
  domain's summary, consistency across the pool, MTA-STS, DANE, FCrDNS, the null/implicit MX
  rules, DNS failure reasons, the max_mx cap on 500 MX, series following DNS changes), and
  /probe?domain= (probe_domain_*, the per-address probe_* families, 403 by --probe.allow before
  any connection, 400 for bad parameters).
- DomainThroughSlowDnsTest: its own exporter, every query through a SlowDnsProxy: /probe?domain=
  keeps the scrape's deadline while DNS does not answer (a DNS timeout), then succeeds with
  answers 0.2 s late.
- DomainUnderDnsOutageTest: its own exporter; the DNS server is stopped mid-run (every domain
  reports dns failure timeout or servfail, an address target keeps passing, /metrics and /probe
  keep answering, /probe?domain= within its deadline), then started again (the domains recover).

Run (as root: Postfix runs from a config of our own):
/usr/bin/python3 tests/e2e/test_domains.py build/smtp_exporter"""
import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dns_peers as dp  # noqa: E402
from dns_peers import DnsPeers, MtaStsServer, SlowDnsProxy, Zone  # noqa: E402
import dashboard_queries  # noqa: E402
from harness import (Exporter, Prometheus, config_refusal, http_get, parse_samples, value,  # noqa: E402
                     wait_until)
from mail_peers import POSTFIX, Postfix, closed_mx_settings  # noqa: E402

BINARY = None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MX1, MX2 = dp.MX1, dp.MX2
V4_MX1, V4_MX2, V6_MX1 = "127.0.0.2", "127.0.0.3", "::1"
MX2_BANNER = "backup.example.test"  # mx2's greeting names another host than its PTR (mx2.example.test)
OUTSIDE = "outside.test"            # MX 10 mx1.example.test, MX 20 mx9.outside.test (127.0.0.9)
OUTSIDE_ADDRESS = "127.0.0.9"
CHURN = "churn.test"                # MX 10 mx1.example.test, MX 20 mx2.example.test; mx2 removed by a test
NULLMX_UNEXPECTED = "nullmx-unexpected"  # a target named so: nullmx.test without expect_null_mx
NOADDR = "noaddr.test"              # MX 10 mx1.noaddr.test, a name without any address
WIDE = "wide.test"                  # MX 10 mx1: A 127.0.0.2, .3, .4 and AAAA ::1; probed with a cap of 2
EXAMPLE_IP4 = "example-ip4"         # a target named so: example.test with a module for IPv4 only
PROBE_ALLOW = ("127.0.0.0/30", "::1/128")  # 127.0.0.0-3 and ::1: every MX address but 127.0.0.9
MANY_CAP = 3
INTERVAL = "2s"
DNS_FAILURE_REASONS = ("nxdomain", "servfail", "bogus", "timeout", "no_address")
ASPECTS = ("starttls", "tls_verified", "extensions", "probe_success", "family_parity")
STS_MODES = ("enforce", "testing", "none")


# ---- environment ----

def why_not():
    """'' when the peers can run here, else why not."""
    why = dp.available()
    if why:
        return why
    if not os.path.exists(POSTFIX):
        return f"not installed: {POSTFIX} (Debian package postfix)"
    if os.geteuid() != 0:
        return "Postfix run from a config of our own needs root"
    if shutil.which("dig") is None:
        return "dig not installed (Debian package bind9-dnsutils)"
    for address in (V4_MX1, V4_MX2):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind((address, 0))
        except OSError as e:
            return f"cannot bind {address} (Linux answers all of 127/8 on lo): {e}"
    return ""


def have_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


WHY_NOT = why_not()
IPV6 = not WHY_NOT and have_ipv6_loopback()


def _family(address):
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def _bindable(address, port):
    try:
        with socket.socket(_family(address), socket.SOCK_STREAM) as s:
            if ":" in address:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((address, port))
        return True
    except OSError:
        return False


def common_free_port(addresses, tries=200):
    """A TCP port free right now on every one of `addresses`."""
    for _ in range(tries):
        with socket.socket(_family(addresses[0]), socket.SOCK_STREAM) as s:
            s.bind((addresses[0], 0))
            port = s.getsockname()[1]
        if all(_bindable(a, port) for a in addresses):
            return port
    raise RuntimeError(f"no TCP port free on all of {addresses}")


class CountingListener:
    """Listens on the same free port on each of `addresses` and records every connection as
    (local address, peer address), closing it at once: where the exporter must never connect."""

    def __init__(self, addresses):
        self.connections = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        for _ in range(20):
            self.port = common_free_port(addresses)
            self.sockets = []
            try:
                for address in addresses:
                    s = socket.socket(_family(address), socket.SOCK_STREAM)
                    self.sockets.append(s)
                    if ":" in address:
                        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                    s.bind((address, self.port))
                    s.listen(64)
                    s.settimeout(0.2)
                break
            except OSError:
                for s in self.sockets:
                    s.close()
        else:
            raise RuntimeError(f"CountingListener: no port for {addresses}")
        self.threads = [threading.Thread(target=self._accept, args=(s,), daemon=True) for s in self.sockets]
        for t in self.threads:
            t.start()

    def _accept(self, sock):
        while not self._stopped.is_set():
            try:
                conn, peer = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.connections.append((conn.getsockname()[0], peer[0]))
            conn.close()

    def snapshot(self):
        with self._lock:
            return list(self.connections)

    def stop(self):
        self._stopped.set()
        for t in self.threads:
            t.join(timeout=2)
        for s in self.sockets:
            s.close()


# ---- the peers, started once for every class ----

class Peers:
    """DnsPeers (TLSA records for port `port`), MtaStsServer, one Postfix with a service per MX
    address on `port`, and the counting listeners."""

    def start(self):
        t0 = time.monotonic()
        self.ipv6 = IPV6
        self.addresses = [V4_MX1, V4_MX2] + ([V6_MX1] if self.ipv6 else [])
        self.port = common_free_port(self.addresses)
        self.dns = DnsPeers(smtp_ports=(self.port,))
        self.dns.add_zone(Zone(OUTSIDE, [f"@ MX 10 {MX1}.", "@ MX 20 mx9", f"mx9 A {OUTSIDE_ADDRESS}"]))
        self.dns.add_zone(Zone(CHURN, [f"@ MX 10 {MX1}.", f"@ MX 20 {MX2}."]))
        self.dns.add_zone(Zone(NOADDR, ["@ MX 10 mx1"]))
        self.dns.add_zone(Zone(WIDE, ["@ MX 10 mx1", "mx1 A 127.0.0.2", "mx1 A 127.0.0.3", "mx1 A 127.0.0.4",
                                      "mx1 AAAA ::1"]))
        self.dns.start()
        self.sts = MtaStsServer().start()
        v6 = [V6_MX1] if self.ipv6 else []
        # bogus.test and expired.test (MX mx1.example.test): never connected to.
        self.never = CountingListener([V4_MX1] + v6)
        # outside.test behind --probe.allow: /probe must refuse it before connecting anywhere.
        self.refused = CountingListener([V4_MX1, OUTSIDE_ADDRESS] + v6)
        self._start_postfix()
        self.startup_seconds = time.monotonic() - t0
        return self

    def _start_postfix(self):
        # Short and traversable by the postfix user (as MailPeers does).
        self.base = tempfile.mkdtemp(prefix="smtp_domains_", dir="/var/tmp")
        os.chmod(self.base, 0o755)
        self.postfix = Postfix(self.base)
        (cert1, key1), (cert2, key2) = self.dns.mx_certs[MX1], self.dns.mx_certs[MX2]
        settings = closed_mx_settings(MX1, dp.DOMAIN, key1, cert1)
        p = self.port
        services = [
            f"{V4_MX1}:{p} inet n - n - - smtpd -o syslog_name=postfix/mx1",
            f"{V4_MX2}:{p} inet n - n - - smtpd -o syslog_name=postfix/mx2 -o myhostname={MX2_BANNER}"
            f" -o smtpd_tls_chain_files={key2},{cert2}",
        ]
        if self.ipv6:
            services.append(f"[{V6_MX1}]:{p} inet n - n - - smtpd -o syslog_name=postfix/mx1-v6"
                            " -o smtpd_tls_security_level=none")
        self.postfix.configure(settings, services, inet_protocols="all" if self.ipv6 else "ipv4")
        self.postfix.start(diagnostics=self.diagnostics)
        deadline = time.monotonic() + 20
        for address in self.addresses:
            while not greeting(address, p):
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"Postfix does not greet on {address}:{p}\n{self.diagnostics()}")
                time.sleep(0.05)

    def stop(self):
        for what in ("postfix", "never", "refused", "sts", "dns"):
            peer = getattr(self, what, None)
            if peer is not None:
                try:
                    peer.stop()
                except Exception as e:  # stop the others all the same
                    print(f"stopping {what}: {e}", file=sys.stderr)
        if getattr(self, "base", None):
            shutil.rmtree(self.base, ignore_errors=True)

    def diagnostics(self, lines=15):
        out = []
        if getattr(self, "postfix", None) is not None:
            out.append(self.postfix.diagnostics(lines))
        if getattr(self, "dns", None) is not None and self.dns.base:
            out.append(self.dns.diagnostics(lines))
        return "\n".join(out)


PEERS = None
PEERS_ERROR = None


def setUpModule():
    global PEERS, PEERS_ERROR
    if WHY_NOT:
        return
    peers = Peers()
    try:
        peers.start()
    except BaseException:
        peers.stop()
        raise
    PEERS = peers
    print(f"\npeers started in {peers.startup_seconds:.2f}s: Postfix port {peers.port} on {peers.addresses}, "
          f"knot port {peers.dns.port}, MTA-STS port {peers.sts.port}"
          + ("" if peers.ipv6 else " (no IPv6 loopback: IPv6 parts skipped)"), file=sys.stderr)


def tearDownModule():
    if PEERS is not None:
        PEERS.stop()


# ---- small clients ----

def greeting(address, port, timeout=2.0):
    """The greeting line of the SMTP server at address:port, or '' if none came."""
    try:
        with socket.create_connection((address, port), timeout=timeout) as s:
            return s.recv(512).decode(errors="replace").strip()
    except OSError:
        return ""


def dig_short(port, name, rtype):
    """dig +short, three tries (one UDP answer can come late on a loaded machine); no answer fails by name."""
    done = subprocess.run(["dig", "-p", str(port), "@127.0.0.1", "+norecurse", "+time=2", "+tries=3", "+short",
                           name, rtype], capture_output=True, text=True, timeout=20)
    if "timed out" in done.stdout + done.stderr:
        raise AssertionError(f"no answer from 127.0.0.1:{port} for {name} {rtype}: {done.stdout}{done.stderr}")
    return sorted(line.strip() for line in done.stdout.splitlines() if line.strip())


def domain_lines(text, target):
    """The exposition lines of `target` (a domain target's every series)."""
    needle = f'target="{target}"'
    return [line for line in text.splitlines() if needle in line]


def series(samples, name, **labels):
    """[(labels dict, value)] of every series of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return [(dict(ls), v) for (n, ls), v in samples.items() if n == name and wanted <= set(ls)]


def address_pairs(samples, target, name="smtp_probe_success"):
    """{(mx, address): value} of a per-address family for a domain target."""
    out = {}
    for ls, v in series(samples, name, target=target):
        if "mx" in ls and "address" in ls:
            out[(ls["mx"], ls["address"])] = v
    return out


def probe_pairs(samples, name="probe_success"):
    out = {}
    for ls, v in series(samples, name):
        if "mx" in ls and "address" in ls:
            out[(ls["mx"], ls["address"])] = v
    return out


def by_label(samples, name, label, **labels):
    """{label value: value} of `name` for the series matching `labels`."""
    return {ls[label]: v for ls, v in series(samples, name, **labels) if label in ls}


# ---- the peers alone ----

@unittest.skipIf(WHY_NOT, WHY_NOT)
class DomainPeersTest(unittest.TestCase):
    """What the exporter's tests rely on, checked without the exporter."""

    def ehlo(self, address, name):
        """(EHLO keywords, the certificate presented after STARTTLS as DER or None); STARTTLS
        verifies the certificate against the CA and `name`."""
        with smtplib.SMTP(address, PEERS.port, timeout=10) as c:
            c.ehlo("peers-test.example")
            keywords = set(c.esmtp_features)
            der = None
            if "starttls" in keywords:
                context = ssl.create_default_context(cafile=PEERS.dns.ca_file)
                code, reply = c.docmd("STARTTLS")
                self.assertEqual(code, 220, reply)
                with context.wrap_socket(c.sock, server_hostname=name) as tls:
                    der = tls.getpeercert(binary_form=True)
                    c.sock = None  # closed with the TLS socket
            return keywords, der

    def spki(self, der):
        with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
            f.write(ssl.DER_cert_to_PEM_cert(der))
            f.flush()
            return dp.spki_sha256(f.name)

    def test_banners(self):
        self.assertRegex(greeting(V4_MX1, PEERS.port), rf"^220 {MX1} ", PEERS.diagnostics())
        self.assertRegex(greeting(V4_MX2, PEERS.port), rf"^220 {MX2_BANNER} ", PEERS.diagnostics())
        if PEERS.ipv6:
            self.assertRegex(greeting(V6_MX1, PEERS.port), rf"^220 {MX1} ", PEERS.diagnostics())

    def test_mx1_starttls_certificate_matches_its_tlsa_record(self):
        keywords, der = self.ehlo(V4_MX1, MX1)
        self.assertIn("starttls", keywords)
        self.assertEqual(self.spki(der), PEERS.dns.tlsa_match)

    def test_mx2_starttls_certificate_does_not_match_its_stale_tlsa_record(self):
        keywords, der = self.ehlo(V4_MX2, MX2)  # verified against mx2's name, or starttls raises
        self.assertIn("starttls", keywords)
        self.assertNotEqual(self.spki(der), PEERS.dns.tlsa_stale)
        self.assertNotEqual(self.spki(der), PEERS.dns.tlsa_match)

    @unittest.skipUnless(IPV6, "no IPv6 loopback")
    def test_mx1_over_ipv6_offers_no_starttls(self):
        keywords, der = self.ehlo(V6_MX1, MX1)
        self.assertNotIn("starttls", keywords)
        self.assertIsNone(der)

    def test_dns_answers_for_the_pool(self):
        p, port = PEERS.dns.port, PEERS.port
        self.assertEqual(dig_short(p, dp.DOMAIN, "MX"), [f"10 {MX1}.", f"20 {MX2}."])
        self.assertEqual(dig_short(p, MX1, "A"), [V4_MX1])
        self.assertEqual(dig_short(p, MX1, "AAAA"), [V6_MX1])
        self.assertEqual(dig_short(p, MX2, "A"), [V4_MX2])
        tlsa = dig_short(p, f"_{port}._tcp.{MX1}", "TLSA")
        self.assertEqual(len(tlsa), 1, tlsa)
        self.assertEqual("".join(tlsa[0].split()[3:]).lower(), PEERS.dns.tlsa_match)
        stale = dig_short(p, f"_{port}._tcp.{MX2}", "TLSA")
        self.assertEqual("".join(stale[0].split()[3:]).lower(), PEERS.dns.tlsa_stale)
        self.assertEqual(dig_short(p, "2.0.0.127.in-addr.arpa", "PTR"), [f"{MX1}."])
        self.assertEqual(dig_short(p, "3.0.0.127.in-addr.arpa", "PTR"), [f"{MX2}."])
        self.assertEqual(dig_short(p, OUTSIDE, "MX"), [f"10 {MX1}.", f"20 mx9.{OUTSIDE}."])
        self.assertEqual(dig_short(p, f"mx9.{OUTSIDE}", "A"), [OUTSIDE_ADDRESS])
        self.assertEqual(dig_short(p, CHURN, "MX"), [f"10 {MX1}.", f"20 {MX2}."])
        self.assertEqual(len(dig_short(p, dp.MANY, "MX")), dp.MANY_COUNT)

    def test_counting_listener_counts(self):
        listener = CountingListener([V4_MX1])
        try:
            with socket.create_connection((V4_MX1, listener.port), timeout=2):
                pass
            deadline = time.monotonic() + 2
            while not listener.snapshot() and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertEqual(listener.snapshot(), [(V4_MX1, "127.0.0.1")])
        finally:
            listener.stop()


# ---- the exporter ----

class ExporterCase(unittest.TestCase):
    """An exporter started once per class with `config_text()`, and polling helpers whose
    failures carry the exporter's log and the domain's /metrics lines."""

    exporter = None
    flags = ()
    last_text = ""
    timed_out = False

    @classmethod
    def config_text(cls):
        raise NotImplementedError

    @classmethod
    def domain_targets(cls):
        raise NotImplementedError

    @classmethod
    def start_exporter(cls, ready, timeout=45.0):
        if PEERS is None:
            raise unittest.SkipTest("the peers did not start")
        cls.config = cls.config_text()
        refused = config_refusal(BINARY, cls.config)
        if refused:
            raise AssertionError(f"the exporter refuses the test's config:\n{refused}\nconfig:\n{cls.config}")
        cls.exporter = Exporter(BINARY, cls.config, *cls.flags)
        cls.addClassCleanup(cls.exporter.stop)
        deadline = time.monotonic() + timeout
        last = None
        while True:
            try:
                ready(cls.fetch_samples())
                return
            except AssertionError as e:
                last = e
            if time.monotonic() >= deadline:
                raise AssertionError(f"not ready after {timeout}s: {last}\n{cls.class_diagnostics()}")
            time.sleep(0.5)

    @classmethod
    def fetch_samples(cls):
        if cls.exporter.proc.poll() is not None:
            raise AssertionError(f"the exporter exited with {cls.exporter.proc.returncode}\n"
                                 f"{cls.exporter.logs()[-4000:]}")
        try:
            status, body, _ = http_get(cls.exporter.url + "/metrics", timeout=20)
        except OSError as e:
            raise AssertionError(f"/metrics: {e}") from None
        if status != 200:
            raise AssertionError(f"/metrics answered {status}: {body[:2000]}")
        cls.last_text = body
        return parse_samples(body)

    @classmethod
    def class_diagnostics(cls, targets=None, lines=80, max_targets=4):
        """The exporter log's end, the /metrics lines (histogram buckets left out) of `targets`
        (default: the class's first few) from the last fetch, and the peers' logs."""
        out = ["", "--- exporter log (end):", cls.exporter.logs()[-4000:] if cls.exporter else "(none)"]
        targets = list(targets if targets is not None else cls.domain_targets())
        for target in targets[:max_targets]:
            found = [line for line in domain_lines(cls.last_text, target) if "_bucket{" not in line]
            out.append(f"--- /metrics lines of target {target} ({len(found)}, buckets left out):")
            out.extend(found[:lines])
            if len(found) > lines:
                out.append(f"... {len(found) - lines} more")
        if len(targets) > max_targets:
            out.append(f"(lines of {len(targets) - max_targets} more targets not shown)")
        out.append(PEERS.diagnostics(10) if PEERS else "")
        return "\n".join(out)

    def eventually(self, check, targets, timeout=10.0):
        """Fetches /metrics until check(samples) passes (it asserts), at most `timeout` seconds;
        returns the samples it passed on. Fails with the last assertion, the exporter's log and
        the /metrics lines of `targets`. Once a check of the class has timed out, the later ones
        wait 3 s at most, so that a broken exporter fails the file well within ctest's 300 s."""
        if type(self).timed_out:
            timeout = min(timeout, 3.0)
        deadline = time.monotonic() + timeout
        while True:
            try:
                samples = self.fetch_samples()
                check(samples)
                return samples
            except AssertionError as e:
                last = e
            if time.monotonic() >= deadline:
                type(self).timed_out = True
                self.fail(f"after {timeout}s: {last}{self.class_diagnostics(targets)}")
            time.sleep(0.5)

    def probe(self, params, expect_status=200, scrape_timeout=15):
        query = urllib.parse.urlencode(params)
        t0 = time.monotonic()
        status, body, _ = http_get(f"{self.exporter.url}/probe?{query}",
                                   {"X-Prometheus-Scrape-Timeout-Seconds": str(scrape_timeout)},
                                   timeout=scrape_timeout + 15)
        elapsed = time.monotonic() - t0
        self.assertEqual(status, expect_status, f"/probe?{query} answered {status} after {elapsed:.1f}s:\n"
                                                f"{body[:3000]}{self.class_diagnostics([])}")
        return (parse_samples(body) if status == 200 else body), elapsed, body

    # A check's assertions, usable inside eventually().
    def expect(self, samples, name, expected, **labels):
        found = series(samples, name, **labels)
        if len(found) != 1:
            raise AssertionError(f"{name}{labels}: {len(found)} series, wanted 1 with value {expected}")
        if found[0][1] != expected:
            raise AssertionError(f"{name}{labels} = {found[0][1]}, wanted {expected}")

    def expect_absent(self, samples, name, **labels):
        found = series(samples, name, **labels)
        if found:
            raise AssertionError(f"{name}{labels}: wanted no series, found {found}")

    def expect_dns_failure(self, samples, target, reason):
        """smtp_domain_dns_failure{reason} of `target`: every reason present, `reason` 1 (None:
        all 0)."""
        got = by_label(samples, "smtp_domain_dns_failure", "reason", target=target)
        wanted = {r: float(r == reason) for r in DNS_FAILURE_REASONS}
        if got != wanted:
            raise AssertionError(f"smtp_domain_dns_failure of {target}: {got}, wanted {wanted}")


def exporter_dns_config():
    return (f"  dns: {{servers: [\"127.0.0.1:{PEERS.dns.port}\"], trust_anchor_file: {PEERS.dns.trust_anchor_file}}}\n"
            f"  mta_sts: {{ca_file: {PEERS.sts.ca_file}, port: {PEERS.sts.port}}}\n")


def mx_starttls_module():
    return (f"  mx_starttls: {{tls: starttls, tls_config: {{ca_file: {PEERS.dns.ca_file}}}, qos_timeout: 2s, "
            f"timeout: 8s}}\n")


@unittest.skipIf(WHY_NOT, WHY_NOT)
class DomainTargetsTest(ExporterCase):
    flags = tuple(f"--probe.allow={cidr}" for cidr in PROBE_ALLOW)

    # (target name, domain, extra keys); the port is the Postfix one unless given.
    TARGETS = [
        (dp.DOMAIN, dp.DOMAIN, ""),
        (dp.NULL_MX, dp.NULL_MX, "expect_null_mx: true"),
        (NULLMX_UNEXPECTED, dp.NULL_MX, ""),
        (dp.IMPLICIT, dp.IMPLICIT, ""),
        (dp.NXDOMAIN, dp.NXDOMAIN, ""),
        (dp.BOGUS, dp.BOGUS, "never"),
        (dp.EXPIRED, dp.EXPIRED, "never"),
        (dp.MANY, dp.MANY, f"max_mx: {MANY_CAP}"),
        (dp.STS_TESTING, dp.STS_TESTING, ""),
        (dp.STS_UNCOVERED, dp.STS_UNCOVERED, ""),
        (dp.STS_LARGE, dp.STS_LARGE, ""),
        (dp.STS_REDIRECT, dp.STS_REDIRECT, ""),
        (dp.INSECURE, dp.INSECURE, ""),
        (dp.DANE_BOGUS, dp.DANE_BOGUS, ""),
        (CHURN, CHURN, ""),
        (NOADDR, NOADDR, ""),
        (WIDE, WIDE, "max_addresses_per_mx: 2"),
        (EXAMPLE_IP4, dp.DOMAIN, "module: mx_starttls_ip4"),
    ]

    @classmethod
    def domain_targets(cls):
        return [name for name, _, _ in cls.TARGETS]

    @classmethod
    def config_text(cls):
        lines = []
        for name, domain, extra in cls.TARGETS:
            port = PEERS.never.port if extra == "never" else PEERS.port
            keys = [f"domain: {domain}", f"port: {port}"]
            if "module:" not in extra:
                keys.append("module: mx_starttls")
            if name != domain:
                keys.insert(0, f"name: {name}")
            if extra and extra != "never":
                keys.append(extra)
            lines.append("  - {" + ", ".join(keys) + "}\n")
        return ("global:\n  mode: interval\n" f"  interval: {INTERVAL}\n" + exporter_dns_config()
                + "modules:\n" + mx_starttls_module()
                + f"  mx_starttls_ip4: {{tls: starttls, tls_config: {{ca_file: {PEERS.dns.ca_file}}}, ip_protocol: ip4}}\n"
                + "targets:\n" + "".join(lines))

    @classmethod
    def setUpClass(cls):
        def ready(samples):
            missing = [t for t in cls.domain_targets() if not series(samples, "smtp_domain_success", target=t)]
            if missing:
                raise AssertionError(f"no smtp_domain_success yet for {missing}")
            pairs = address_pairs(samples, dp.DOMAIN)
            if len(pairs) < 3:
                raise AssertionError(f"{dp.DOMAIN}: per-address series {sorted(pairs)}, wanted 3")
        cls.start_exporter(ready, timeout=45)

    # ---- the shipped rules and the "Mail domain" dashboard against a real Prometheus ----

    def test_dashboard_queries_and_domain_alerts_in_a_real_prometheus(self):
        """A real Prometheus scrapes this exporter with the shipped rules: every query of
        dashboards/smtp-domain.json runs without error and those of the pool have data, and the
        domain alerts become pending (their `for:` is minutes) exactly where the peers are broken."""
        if not Prometheus.available():
            self.skipTest("needs Debian's prometheus")
        prometheus = Prometheus(self.exporter.port)
        self.addCleanup(prometheus.stop)
        url, api = prometheus.url, prometheus.api
        prometheus.scraped(f'smtp_domain_success{{target="{dp.DOMAIN}"}}', 3)

        results = dashboard_queries.run_dashboard_queries(
            url, os.path.join(ROOT, "dashboards", "smtp-domain.json"), {"job": "smtp_exporter", "domain": dp.DOMAIN})
        errors = [(r["where"], r["query"], r["error"]) for r in results if r["error"]]
        self.assertEqual(errors, [], "dashboard queries that failed")
        # Every query has data for this pool but the alert annotation (nothing fires within a
        # test's minute: the domain alerts wait minutes).
        empty = [(r["where"], r["query"]) for r in results if not r["data"] and r["kind"] != "annotation"]
        self.assertEqual(empty, [], "dashboard queries without data for a pool of three addresses")

        wanted = {("SMTPDomainUnreachable", dp.NXDOMAIN, ""), ("SMTPDANEMismatch", dp.DOMAIN, MX2),
                  ("SMTPMTASTSMXNotCovered", dp.STS_UNCOVERED, MX2)}
        if IPV6:  # [::1] of mx1 offers no STARTTLS: down while the rest of the pool is up
            wanted |= {("SMTPDomainAddressDown", dp.DOMAIN, MX1), ("SMTPDomainIPv6Broken", dp.DOMAIN, ""),
                       ("SMTPDomainStartTLSInconsistent", dp.DOMAIN, "")}
        # And where they must stay quiet: the pool is reachable, mx1's TLSA record matches, the
        # enforce policy of example.test covers both MX, a testing-mode policy never pages.
        forbidden = {("SMTPDomainUnreachable", dp.DOMAIN, ""), ("SMTPDANEMismatch", dp.DOMAIN, MX1),
                     ("SMTPMTASTSMXNotCovered", dp.DOMAIN, MX1), ("SMTPMTASTSMXNotCovered", dp.DOMAIN, MX2),
                     ("SMTPMTASTSMXNotCovered", dp.STS_UNCOVERED, MX1),
                     ("SMTPMTASTSMXNotCovered", dp.STS_TESTING, MX2)}
        domain_alerts = {"SMTPDomainAddressDown", "SMTPDomainUnreachable", "SMTPDomainIPv6Broken",
                         "SMTPDomainStartTLSInconsistent", "SMTPMTASTSMXNotCovered", "SMTPDANEMismatch"}
        got = set()

        def alerts_there():
            got.clear()
            for alert in api("/api/v1/alerts")["alerts"]:
                labels = alert["labels"]
                if labels["alertname"] in domain_alerts:
                    got.add((labels["alertname"], labels.get("target", ""), labels.get("mx", "")))
            return wanted <= got
        try:
            wait_until(alerts_there, 20, what="the domain alerts pending")
        except AssertionError:
            pass
        self.assertEqual(wanted - got, set(), f"domain alerts not pending: all of them {sorted(got)}")
        self.assertEqual(forbidden & got, set(), "domain alerts where the peers are healthy")
        print(f"\nMail domain dashboard: {len(results)} queries without error; domain alerts pending: "
              f"{len(got)}", file=sys.stderr)

    # ---- which addresses are probed ----

    def test_no_address_for_any_mx(self):
        def check(s):
            self.expect_dns_failure(s, NOADDR, "no_address")
            self.expect(s, "smtp_domain_success", 0, target=NOADDR)
            self.expect(s, "smtp_domain_mx_hosts", 1, target=NOADDR)
            self.assertEqual(address_pairs(s, NOADDR), {})
        self.eventually(check, [NOADDR])

    def test_addresses_per_mx_capped_across_both_families(self):
        # max_addresses_per_mx: 2 of mx1.wide.test's three IPv4 and one IPv6 address: IPv6 and
        # IPv4 in turn, each in DNS order (one of each; without IPv6 on loopback, two IPv4).
        wanted = {"::1", "127.0.0.2"} if IPV6 else {"127.0.0.2", "127.0.0.3"}

        def check(s):
            pairs = address_pairs(s, WIDE)
            self.assertEqual({address for _mx, address in pairs}, wanted, pairs)
        self.eventually(check, [WIDE])

    def test_a_module_for_ipv4_probes_only_the_ipv4_addresses(self):
        def check(s):
            self.assertEqual(set(address_pairs(s, EXAMPLE_IP4)), {(MX1, V4_MX1), (MX2, V4_MX2)})
            self.expect(s, "smtp_domain_addresses", 0, target=EXAMPLE_IP4, family="ip6")
            self.expect(s, "smtp_domain_addresses", 2, target=EXAMPLE_IP4, family="ip4")
            self.expect(s, "smtp_domain_success", 1, target=EXAMPLE_IP4)
        self.eventually(check, [EXAMPLE_IP4])

    # ---- example.test: the pool ----

    def test_example_every_mx_address_is_probed(self):
        def check(s):
            got = address_pairs(s, dp.DOMAIN)
            wanted = {(MX1, V4_MX1): 1, (MX2, V4_MX2): 1, (MX1, V6_MX1): 0}  # ::1 has no STARTTLS (or no IPv6)
            self.assertEqual(got, wanted)
            for (mx, address), family in {(MX1, V4_MX1): "ip4", (MX2, V4_MX2): "ip4", (MX1, V6_MX1): "ip6"}.items():
                self.expect(s, "smtp_probe_success", wanted[(mx, address)], target=dp.DOMAIN, mx=mx,
                            address=address, family=family, module="mx_starttls")
            # TLS to each MX verified against the MX's name (SNI), as the certificates name them.
            self.expect(s, "smtp_tls_cert_verified", 1, target=dp.DOMAIN, mx=MX1, address=V4_MX1)
            self.expect(s, "smtp_tls_cert_verified", 1, target=dp.DOMAIN, mx=MX2, address=V4_MX2)
        self.eventually(check, [dp.DOMAIN])

    def test_example_domain_summary(self):
        def check(s):
            t = dp.DOMAIN
            self.expect(s, "smtp_domain_mx_hosts", 2, target=t)
            self.expect(s, "smtp_domain_addresses", 2, target=t, family="ip4")
            self.expect(s, "smtp_domain_addresses", 1, target=t, family="ip6")
            self.expect(s, "smtp_domain_addresses_up", 2, target=t, family="ip4")
            self.expect(s, "smtp_domain_addresses_up", 0, target=t, family="ip6")
            self.expect(s, "smtp_domain_success", 1, target=t)
            self.expect(s, "smtp_domain_null_mx", 0, target=t)
            self.expect_dns_failure(s, t, None)
        self.eventually(check, [dp.DOMAIN])

    def test_example_consistency_across_the_pool(self):
        def check(s):
            got = by_label(s, "smtp_domain_consistent", "aspect", target=dp.DOMAIN)
            self.assertEqual(set(got), set(ASPECTS), "every aspect present")
            self.assertEqual(got["tls_verified"], 1)     # both TLS sessions verified
            self.assertEqual(got["probe_success"], 0)    # ::1 fails
            if IPV6:
                self.assertEqual(got["starttls"], 0)       # ::1 has no STARTTLS, the others do
                self.assertEqual(got["family_parity"], 0)  # mx1: IPv4 passes, IPv6 fails
        self.eventually(check, [dp.DOMAIN])

    def test_example_mta_sts_enforce_covers_both_mx(self):
        def check(s):
            t = dp.DOMAIN
            self.expect(s, "smtp_mta_sts_policy_present", 1, target=t)
            self.expect(s, "smtp_mta_sts_fetch_success", 1, target=t)
            self.assertEqual(by_label(s, "smtp_mta_sts_mode", "mode", target=t),
                             {"enforce": 1, "testing": 0, "none": 0})
            self.expect(s, "smtp_mta_sts_max_age_seconds", 86400, target=t)
            self.assertEqual(by_label(s, "smtp_mta_sts_mx_covered", "mx", target=t), {MX1: 1, MX2: 1})
            self.assertEqual(by_label(s, "smtp_mta_sts_policy_id_info", "id", target=t), {dp.STS_ID: 1})
        self.eventually(check, [dp.DOMAIN])
        self.assertTrue(any(host == f"mta-sts.{dp.DOMAIN}" for host, _ in PEERS.sts.requests),
                        f"the MTA-STS server saw {PEERS.sts.requests[-5:]}")

    def test_example_dane_matches_mx1_and_not_mx2(self):
        def check(s):
            t = dp.DOMAIN
            self.assertEqual(by_label(s, "smtp_dane_tlsa_records", "mx", target=t), {MX1: 1, MX2: 1})
            self.assertEqual(by_label(s, "smtp_dane_dnssec_secure", "mx", target=t), {MX1: 1, MX2: 1})
            # Only addresses whose session had TLS: ::1 (no STARTTLS) has none.
            self.assertEqual(address_pairs(s, t, "smtp_dane_match"), {(MX1, V4_MX1): 1, (MX2, V4_MX2): 0})
        self.eventually(check, [dp.DOMAIN])

    def test_example_reverse_dns_and_banner_names(self):
        def check(s):
            t = dp.DOMAIN
            # Every PTR name resolves back (mx1 <-> 127.0.0.2 and ::1, mx2 <-> 127.0.0.3).
            self.assertEqual(address_pairs(s, t, "smtp_fcrdns_match"),
                             {(MX1, V4_MX1): 1, (MX2, V4_MX2): 1, (MX1, V6_MX1): 1})
            # mx2 greets as backup.example.test, not its PTR name.
            wanted = {(MX1, V4_MX1): 1, (MX2, V4_MX2): 0}
            if IPV6:
                wanted[(MX1, V6_MX1)] = 1
            got = address_pairs(s, t, "smtp_banner_name_matches_ptr")
            self.assertEqual({k: v for k, v in got.items() if k in wanted}, wanted, got)
            self.assertEqual(set(got), {(MX1, V4_MX1), (MX2, V4_MX2), (MX1, V6_MX1)})
        self.eventually(check, [dp.DOMAIN])

    # ---- the MX rules ----

    def test_null_mx_expected_and_unexpected(self):
        def check(s):
            for target, success in ((dp.NULL_MX, 1), (NULLMX_UNEXPECTED, 0)):
                self.expect(s, "smtp_domain_null_mx", 1, target=target)
                self.expect(s, "smtp_domain_success", success, target=target)
                self.expect(s, "smtp_domain_mx_hosts", 0, target=target)
                self.expect(s, "smtp_domain_addresses", 0, target=target, family="ip4")
                self.expect(s, "smtp_domain_addresses", 0, target=target, family="ip6")
                self.expect_dns_failure(s, target, None)  # a null MX is never a DNS failure
                self.assertEqual(address_pairs(s, target), {})
                self.expect_absent(s, "smtp_mta_sts_policy_present", target=target)  # not checked for a null MX
        self.eventually(check, [dp.NULL_MX, NULLMX_UNEXPECTED])

    def test_implicit_mx_is_the_domain_itself(self):
        def check(s):
            t = dp.IMPLICIT
            self.expect(s, "smtp_domain_mx_hosts", 0, target=t)
            self.expect(s, "smtp_domain_null_mx", 0, target=t)
            self.assertEqual(address_pairs(s, t), {(dp.IMPLICIT, V4_MX1): 1})
            self.expect(s, "smtp_domain_addresses", 1, target=t, family="ip4")
            self.expect(s, "smtp_domain_addresses", 0, target=t, family="ip6")
            self.expect(s, "smtp_domain_addresses_up", 1, target=t, family="ip4")
            self.expect(s, "smtp_domain_success", 1, target=t)
            self.expect_dns_failure(s, t, None)
            self.expect(s, "smtp_tls_cert_verified", 1, target=t, mx=dp.IMPLICIT, address=V4_MX1)
            self.assertEqual(set(by_label(s, "smtp_domain_consistent", "aspect", target=t).values()), {1})
            # No TLSA record for the implicit MX: no usable records, so no smtp_dane_match.
            self.assertEqual(by_label(s, "smtp_dane_tlsa_records", "mx", target=t), {dp.IMPLICIT: 0})
            self.assertEqual(address_pairs(s, t, "smtp_dane_match"), {})
            self.expect(s, "smtp_mta_sts_policy_present", 0, target=t)
            self.expect(s, "smtp_mta_sts_fetch_success", 0, target=t)
        self.eventually(check, [dp.IMPLICIT])

    # ---- DNS failures ----

    def test_nxdomain(self):
        def check(s):
            t = dp.NXDOMAIN
            self.expect_dns_failure(s, t, "nxdomain")
            self.expect(s, "smtp_domain_success", 0, target=t)
            self.expect(s, "smtp_domain_null_mx", 0, target=t)
            self.assertEqual(address_pairs(s, t), {})
            self.expect_absent(s, "smtp_mta_sts_policy_present", target=t)  # not after a DNS failure
        self.eventually(check, [dp.NXDOMAIN])

    def test_bogus_answers_are_a_failure_and_never_connected_to(self):
        def check(s):
            for t in (dp.BOGUS, dp.EXPIRED):
                self.expect_dns_failure(s, t, "bogus")
                self.expect(s, "smtp_domain_success", 0, target=t)
                self.assertEqual(address_pairs(s, t), {})
        self.eventually(check, [dp.BOGUS, dp.EXPIRED])
        # Their MX, mx1.example.test, has a listener on their port: nothing may have reached it.
        self.assertEqual(PEERS.never.snapshot(), [], "an SMTP connection for a bogus domain")

    # ---- caps ----

    def test_500_mx_are_counted_and_capped(self):
        def check(s):
            t = dp.MANY
            self.expect(s, "smtp_domain_mx_hosts", dp.MANY_COUNT, target=t)
            pairs = address_pairs(s, t)
            # The lowest preferences (mx000 10, mx001 11, ...) first, max_mx of them.
            self.assertTrue(pairs, "no address probed")
            self.assertLessEqual(len(pairs), MANY_CAP, sorted(pairs))
            allowed = {f"mx{i:03d}.{dp.MANY}" for i in range(MANY_CAP)}
            self.assertLessEqual({mx for mx, _ in pairs}, allowed, sorted(pairs))
            probed = sum(v for _, v in series(s, "smtp_domain_addresses", target=t))
            self.assertLessEqual(probed, MANY_CAP)
            self.assertEqual(probed, len(pairs))
            self.assertLessEqual(len(by_label(s, "smtp_dane_tlsa_records", "mx", target=t)), MANY_CAP)
            self.expect_dns_failure(s, t, None)
        self.eventually(check, [dp.MANY])
        self.assertLess(len(domain_lines(self.last_text, dp.MANY)), 400, "cardinality of many.test")

    # ---- MTA-STS variants ----

    def test_mta_sts_testing_mode(self):
        def check(s):
            t = dp.STS_TESTING
            self.expect(s, "smtp_mta_sts_fetch_success", 1, target=t)
            self.assertEqual(by_label(s, "smtp_mta_sts_mode", "mode", target=t),
                             {"enforce": 0, "testing": 1, "none": 0})
            self.expect(s, "smtp_mta_sts_max_age_seconds", 604800, target=t)
            self.assertEqual(by_label(s, "smtp_mta_sts_mx_covered", "mx", target=t), {MX1: 1, MX2: 1})  # *.example.test
        self.eventually(check, [dp.STS_TESTING])

    def test_mta_sts_policy_not_covering_mx2(self):
        def check(s):
            t = dp.STS_UNCOVERED
            self.expect(s, "smtp_mta_sts_fetch_success", 1, target=t)
            self.expect(s, "smtp_mta_sts_mode", 1, target=t, mode="enforce")
            self.assertEqual(by_label(s, "smtp_mta_sts_mx_covered", "mx", target=t), {MX1: 1, MX2: 0})
        self.eventually(check, [dp.STS_UNCOVERED])

    def test_mta_sts_too_large_and_redirected_policies_are_not_fetched(self):
        def check(s):
            for t in (dp.STS_LARGE, dp.STS_REDIRECT):
                self.expect(s, "smtp_mta_sts_policy_present", 1, target=t)
                self.expect(s, "smtp_mta_sts_fetch_success", 0, target=t)
                self.assertEqual(by_label(s, "smtp_mta_sts_mode", "mode", target=t),
                                 {"enforce": 0, "testing": 0, "none": 0})
                self.expect(s, "smtp_mta_sts_max_age_seconds", 0, target=t)
                self.expect_absent(s, "smtp_mta_sts_mx_covered", target=t)
                self.expect(s, "smtp_domain_success", 1, target=t)  # the mail still goes in
        self.eventually(check, [dp.STS_LARGE, dp.STS_REDIRECT])

    # ---- DANE variants ----

    def test_dane_in_an_insecure_zone_and_with_a_bogus_tlsa_answer(self):
        def check(s):
            mx = f"mx1.{dp.INSECURE}"
            self.expect(s, "smtp_domain_success", 1, target=dp.INSECURE)
            self.expect(s, "smtp_dane_tlsa_records", 0, target=dp.INSECURE, mx=mx)  # a matching TLSA, insecure
            self.expect(s, "smtp_dane_dnssec_secure", 0, target=dp.INSECURE, mx=mx)
            self.assertEqual(address_pairs(s, dp.INSECURE, "smtp_dane_match"), {})
            mx = f"mx1.{dp.DANE_BOGUS}"
            self.expect(s, "smtp_dane_dnssec_secure", 0, target=dp.DANE_BOGUS, mx=mx)
            bogus = address_pairs(s, dp.DANE_BOGUS, "smtp_dane_match")
            self.assertTrue(bogus, "a bogus TLSA answer is a DANE failure of every address of its MX")
            self.assertEqual(set(bogus.values()), {0}, bogus)
            self.expect_dns_failure(s, dp.DANE_BOGUS, None)  # the MX and A answers are secure
        self.eventually(check, [dp.INSECURE, dp.DANE_BOGUS])

    # ---- series follow DNS ----

    def test_series_of_an_mx_gone_from_dns_are_removed(self):
        def before(s):
            self.expect(s, "smtp_domain_mx_hosts", 2, target=CHURN)
            self.assertIn((MX2, V4_MX2), address_pairs(s, CHURN))
        self.eventually(before, [CHURN])
        zone = PEERS.dns.zones[CHURN]
        zone.records.remove(f"@ MX 20 {MX2}.")
        PEERS.dns.reload()

        def after(s):
            self.expect(s, "smtp_domain_mx_hosts", 1, target=CHURN)
            pairs = address_pairs(s, CHURN)
            self.assertEqual({mx for mx, _ in pairs}, {MX1}, sorted(pairs))
            for name in ("smtp_probe_success", "smtp_fcrdns_match", "smtp_dane_match", "smtp_tls_cert_verified"):
                self.expect_absent(s, name, target=CHURN, mx=MX2)
            self.expect_absent(s, "smtp_dane_tlsa_records", target=CHURN, mx=MX2)
        # TTL 5 s, then a cycle.
        self.eventually(after, [CHURN], timeout=25)

    # ---- /probe?domain= ----

    def test_probe_a_domain(self):
        s, elapsed, body = self.probe({"domain": dp.DOMAIN, "module": "mx_starttls", "port": PEERS.port})
        why = f"\n/probe body:\n{body[:4000]}"
        self.assertEqual(value(s, "probe_domain_success"), 1, why)
        self.assertEqual(value(s, "probe_domain_mx_hosts"), 2, why)
        self.assertEqual(value(s, "probe_domain_addresses", family="ip4"), 2, why)
        self.assertEqual(value(s, "probe_domain_addresses", family="ip6"), 1, why)
        self.assertEqual(value(s, "probe_domain_null_mx"), 0, why)
        for reason in DNS_FAILURE_REASONS:
            self.assertEqual(value(s, "probe_domain_dns_failure", reason=reason), 0, why)
        self.assertEqual(set(by_label(s, "probe_domain_consistent", "aspect")), set(ASPECTS), why)
        self.assertGreater(value(s, "probe_domain_duration_seconds"), 0, why)
        self.assertEqual(probe_pairs(s), {(MX1, V4_MX1): 1, (MX2, V4_MX2): 1, (MX1, V6_MX1): 0}, why)
        self.assertEqual(value(s, "probe_success", mx=MX1, address=V4_MX1, family="ip4"), 1, why)
        self.assertEqual(value(s, "probe_smtp_tls_cert_verified", mx=MX2, address=V4_MX2), 1, why)
        self.assertEqual(probe_pairs(s, "probe_dane_match"), {(MX1, V4_MX1): 1, (MX2, V4_MX2): 0}, why)
        self.assertEqual(by_label(s, "probe_mta_sts_mode", "mode"), {"enforce": 1, "testing": 0, "none": 0}, why)
        self.assertEqual(by_label(s, "probe_mta_sts_mx_covered", "mx"), {MX1: 1, MX2: 1}, why)
        self.assertEqual(probe_pairs(s, "probe_fcrdns_match"),
                         {(MX1, V4_MX1): 1, (MX2, V4_MX2): 1, (MX1, V6_MX1): 1}, why)
        self.assertLess(elapsed, 15, why)
        # The domain's own families carry no target label on /probe.
        self.assertEqual(series(s, "probe_domain_success", target=dp.DOMAIN), [], why)

    def test_probe_a_domain_with_an_mx_outside_the_allow_list_is_refused_before_connecting(self):
        before = PEERS.refused.snapshot()
        body, _, _ = self.probe({"domain": OUTSIDE, "module": "mx_starttls", "port": PEERS.refused.port},
                                expect_status=403)
        self.assertTrue(body.strip(), "a 403 says why")
        time.sleep(0.5)
        self.assertEqual(PEERS.refused.snapshot(), before,
                         f"connections made for a refused /probe?domain={OUTSIDE}: {self.exporter.logs()[-2000:]}")

    def test_probe_a_domain_with_bad_parameters(self):
        for params in ({"domain": "bad..example.test", "module": "mx_starttls"},
                       {"domain": "-bad.test", "module": "mx_starttls"},
                       {"domain": V4_MX1, "module": "mx_starttls"},  # an address, not a domain
                       {"domain": "", "module": "mx_starttls"},
                       {"domain": dp.DOMAIN, "module": "mx_starttls", "port": "70000"},
                       {"domain": dp.DOMAIN, "module": "mx_starttls", "port": "25x"},
                       {"domain": dp.DOMAIN, "target": f"{V4_MX1}:{PEERS.port}", "module": "mx_starttls"},
                       {"domain": dp.DOMAIN, "module": "no_such_module"}):
            with self.subTest(params=params):
                body, _, _ = self.probe(params, expect_status=400)
                self.assertTrue(body.strip(), "a 400 says why")


@unittest.skipIf(WHY_NOT, WHY_NOT)
class DomainThroughSlowDnsTest(ExporterCase):
    """Every query through a proxy that answers late (SlowDnsProxy): /probe?domain= keeps its
    deadline, reporting a DNS timeout, and succeeds once the answers come in time."""

    proxy = None

    @classmethod
    def domain_targets(cls):
        return []

    @classmethod
    def config_text(cls):
        return (f"global:\n  dns: {{servers: [\"127.0.0.1:{cls.proxy.port}\"], "
                f"trust_anchor_file: {PEERS.dns.trust_anchor_file}}}\n"
                "modules:\n" + mx_starttls_module())

    @classmethod
    def setUpClass(cls):
        cls.proxy = SlowDnsProxy(PEERS.dns.port, None).start()  # never answers, for now
        cls.addClassCleanup(cls.proxy.stop)
        cls.start_exporter(lambda samples: None, timeout=30)

    def test_deadline_holds_then_late_answers_still_count(self):
        params = {"domain": dp.DOMAIN, "port": PEERS.port, "module": "mx_starttls"}
        s, elapsed, body = self.probe(params, scrape_timeout=3)  # 2.5 s after --timeout-offset
        self.assertLess(elapsed, 4.5, "the domain probe kept the scrape's deadline")
        self.assertEqual(value(s, "probe_domain_success"), 0, body)
        self.assertEqual(value(s, "probe_domain_dns_failure", reason="timeout"), 1, body)
        self.assertGreater(self.proxy.queries, 0)
        self.proxy.delay_s = 0.2  # slow, but a cold validated lookup (about five round trips) fits
        s, elapsed, body = self.probe(params, scrape_timeout=15)
        self.assertEqual(value(s, "probe_domain_success"), 1, body)
        self.assertEqual(value(s, "probe_domain_dns_failure", reason="timeout"), 0, body)


@unittest.skipIf(WHY_NOT, WHY_NOT)
class DomainUnderDnsOutageTest(ExporterCase):
    """The DNS server stopped mid-run: every domain reports the DNS failure, nothing else breaks;
    started again, the domains recover."""

    DOMAINS = [dp.DOMAIN, dp.IMPLICIT, dp.NXDOMAIN, dp.NULL_MX, dp.MANY]
    PLAIN = "plain"  # an address target on the same Postfix: no DNS involved

    @classmethod
    def domain_targets(cls):
        return list(cls.DOMAINS) + [cls.PLAIN]

    @classmethod
    def config_text(cls):
        targets = "".join(
            f"  - {{domain: {d}, module: mx_starttls, port: {PEERS.port}"
            + (", expect_null_mx: true" if d == dp.NULL_MX else "")
            + (", max_mx: 2" if d == dp.MANY else "") + "}\n"
            for d in cls.DOMAINS)
        targets += f"  - {{name: {cls.PLAIN}, address: \"{V4_MX1}:{PEERS.port}\", module: plain}}\n"
        return ("global:\n  mode: interval\n" f"  interval: {INTERVAL}\n" + exporter_dns_config()
                + "modules:\n" + mx_starttls_module() + "  plain: {qos_timeout: 2s, timeout: 8s}\n"
                + "targets:\n" + targets)

    @classmethod
    def setUpClass(cls):
        def ready(samples):
            value(samples, "smtp_domain_success", target=dp.DOMAIN)
            missing = [t for t in cls.DOMAINS if not series(samples, "smtp_domain_success", target=t)]
            if missing:
                raise AssertionError(f"no smtp_domain_success yet for {missing}")
        cls.start_exporter(ready, timeout=45)

    def last_run(self, s, target):
        return value(s, "smtp_probe_last_run_timestamp_seconds", target=target)

    def test_dns_server_stopped_and_started_again(self):
        dns = PEERS.dns

        def healthy(s):
            self.expect(s, "smtp_domain_success", 1, target=dp.DOMAIN)
            self.expect(s, "smtp_domain_success", 1, target=dp.IMPLICIT)
            self.expect(s, "smtp_domain_success", 1, target=dp.NULL_MX)
            self.expect_dns_failure(s, dp.NXDOMAIN, "nxdomain")
            self.expect_dns_failure(s, dp.DOMAIN, None)
            self.expect(s, "smtp_probe_success", 1, target=self.PLAIN)
        self.eventually(healthy, self.domain_targets(), timeout=20)

        t0 = time.monotonic()
        dns.stop_server()
        try:
            def failing(s):
                for t in self.DOMAINS:
                    got = by_label(s, "smtp_domain_dns_failure", "reason", target=t)
                    if got.get("timeout", 0) + got.get("servfail", 0) != 1 or sum(got.values()) != 1:
                        raise AssertionError(f"{t}: smtp_domain_dns_failure {got}, wanted timeout or servfail")
                    self.expect(s, "smtp_domain_success", 0, target=t)
                    # No result: no (MX, address) series, no MTA-STS series.
                    self.assertEqual(address_pairs(s, t), {}, t)
                    self.expect_absent(s, "smtp_mta_sts_policy_present", target=t)
            # Answers stay cached for their TTL (5 s); a lookup then waits out the deadline (8 s).
            s = self.eventually(failing, self.DOMAINS, timeout=45)
            outage_seconds = time.monotonic() - t0

            # Nothing else breaks: the address target goes on passing, cycle after cycle.
            plain_before = self.last_run(s, self.PLAIN)

            def plain_goes_on(s):
                self.assertGreater(self.last_run(s, self.PLAIN), plain_before)
                self.expect(s, "smtp_probe_success", 1, target=self.PLAIN)
            self.eventually(plain_goes_on, [self.PLAIN], timeout=15)
            ps, _, _ = self.probe({"target": f"{V4_MX1}:{PEERS.port}", "module": "plain"})
            self.assertEqual(value(ps, "probe_success"), 1)
            # /probe?domain= answers within its deadline, with the failure.
            ds, elapsed, body = self.probe({"domain": dp.DOMAIN, "module": "mx_starttls", "port": PEERS.port},
                                           scrape_timeout=10)
            self.assertLess(elapsed, 12, f"/probe?domain= during the outage took {elapsed:.1f}s")
            self.assertEqual(value(ds, "probe_domain_success"), 0, body)
            self.assertEqual(value(ds, "probe_domain_dns_failure", reason="timeout")
                             + value(ds, "probe_domain_dns_failure", reason="servfail"), 1, body)
            self.assertIsNone(self.exporter.proc.poll(), "the exporter exited")
        finally:
            if not dns.server_running():
                dns.start_server()
        t1 = time.monotonic()
        # libunbound keeps the SERVFAIL and the server's state a few seconds (about 6 s here).
        self.eventually(healthy, self.domain_targets(), timeout=60)
        print(f"\nDNS outage: failures shown after {outage_seconds:.1f}s, recovered {time.monotonic() - t1:.1f}s "
              f"after the restart", file=sys.stderr)


if __name__ == "__main__":
    from harness import binary_from_argv
    BINARY = binary_from_argv()
    unittest.main(verbosity=2)
