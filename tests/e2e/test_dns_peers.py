"""The DNS and MTA-STS peers of tests/e2e/dns_peers.py (Knot DNS serving DNSSEC-signed zones,
a slow proxy, an HTTPS server for MTA-STS policies) answer as the "mail domains" tests expect,
checked with dig and delv (bind9-dnsutils), curl, Python's ssl, and libunbound itself through its
Python binding (python3-unbound), set up exactly as the exporter must set it up. No exporter
involved. Run: /usr/bin/python3 tests/e2e/test_dns_peers.py [build/smtp_exporter (ignored)]"""
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dns_peers as dp  # noqa: E402
from dns_peers import DnsPeers, MtaStsServer, SlowDnsProxy, Zone, available  # noqa: E402

try:
    import unbound  # python3-unbound: the binding of Debian's libunbound
except ImportError:
    unbound = None

WHY_NOT = available()
for tool in ("dig", "delv"):
    if not WHY_NOT and shutil.which(tool) is None:
        WHY_NOT = f"{tool} not installed (Debian package bind9-dnsutils)"
NO_UNBOUND = "" if unbound is not None else "python3-unbound not installed (Debian package python3-unbound)"

SMTP_PORT = 2525   # a test's Postfix port: the TLSA records are at _25._tcp and _2525._tcp
TLSA = 52


def dig(port, name, rtype, *options, timeout=20, expect_answer=True):
    """dig's output (the whole text) for NAME RTYPE at 127.0.0.1:port, without recursion. dig tries
    three times: on a loaded machine one UDP answer can come too late (a CI run read an empty answer
    from a timeout); a server that never answers still fails the test, by name."""
    done = subprocess.run(["dig", "-p", str(port), "@127.0.0.1", "+norecurse", "+time=2", "+tries=3",
                           *options, name, rtype], capture_output=True, text=True, timeout=timeout)
    text = done.stdout + done.stderr
    if expect_answer and ("timed out" in text or "no servers could be reached" in text):
        raise AssertionError(f"no answer from 127.0.0.1:{port} for {name} {rtype}:\n{text}")
    return text


def answers(port, name, rtype, *options):
    """The answer section as [(owner, ttl, type, rdata)] (RRSIGs left out)."""
    text = dig(port, name, rtype, "+noall", "+answer", *options)
    out = []
    for line in text.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        owner, ttl, _, rtype_, rdata = line.split(None, 4)
        if rtype_ != "RRSIG":
            out.append((owner, int(ttl), rtype_, rdata.strip()))
    return out


def rdata(port, name, rtype, *options):
    out = sorted(r for _, _, t, r in answers(port, name, rtype, *options) if t == rtype)
    if rtype == "TLSA":  # dig splits the hex data in groups
        out = [" ".join(r.split()[:3] + ["".join(r.split()[3:])]) for r in out]
    return out


def status(port, name, rtype, *options, expect_answer=True):
    m = re.search(r"status: (\w+)", dig(port, name, rtype, *options, expect_answer=expect_answer))
    return m.group(1) if m else None


def delv(peers, name, rtype, port=None):
    done = subprocess.run(["delv", "-a", peers.trust_anchor_bind_file, "+root=test", "-p", str(port or peers.port),
                           "@127.0.0.1", name, rtype], capture_output=True, text=True, timeout=30)
    return done.stdout + done.stderr


def libunbound_ctx(forwarder, anchor_file, options=dp.LIBUNBOUND_OPTIONS):
    """A libunbound context set up as the exporter sets it up (see dns_peers' docstring)."""
    ctx = unbound.ub_ctx()
    assert ctx.set_fwd(forwarder) == 0
    assert ctx.add_ta_file(anchor_file) == 0
    for option, value in options:
        assert ctx.set_option(option, value) == 0, (option, value)
    return ctx


def resolve(ctx, name, rtype):
    """(rcode, secure, bogus, [rdata as text]) of one lookup through libunbound."""
    err, result = ctx.resolve(name, rtype, unbound.RR_CLASS_IN)
    if err != 0:
        raise AssertionError(f"ub_resolve {name}: {unbound.ub_strerror(err)}")
    data = []
    if result.havedata:
        if rtype == unbound.RR_TYPE_MX:
            data = sorted(f"{pref} {host or '.'}" for pref, host in result.data.mx_list)
        elif rtype == unbound.RR_TYPE_A:
            data = sorted(result.data.address_list)
        elif rtype == unbound.RR_TYPE_PTR:
            data = sorted(result.data.domain_list)
        else:
            data = [bytes(d).hex() for d in result.data.raw]
    return result.rcode, bool(result.secure), bool(result.bogus), data, result.why_bogus


@unittest.skipIf(WHY_NOT, WHY_NOT)
class DnsPeersTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dns = DnsPeers(smtp_ports=(25, SMTP_PORT))
        cls.dns.start()
        cls.addClassCleanup(cls.dns.stop)
        timings = ", ".join(f"{k} {v:.2f}s" for k, v in cls.dns.timings.items())
        print(f"\nDNS peers (knotd, {len(cls.dns.zones)} zones) started in {cls.dns.startup_seconds:.2f}s "
              f"({timings})", file=sys.stderr)

    def diagnostics(self):
        return "\n" + self.dns.diagnostics(20)

    # ---- plain answers (dig) ----

    def test_startup_is_fast(self):
        self.assertLess(self.dns.startup_seconds, 10, self.dns.timings)

    def test_mx_records_and_their_addresses(self):
        p = self.dns.port
        self.assertEqual(rdata(p, "example.test", "MX"), ["10 mx1.example.test.", "20 mx2.example.test."],
                         self.diagnostics())
        self.assertEqual(rdata(p, "mx1.example.test", "A"), ["127.0.0.2"])
        self.assertEqual(rdata(p, "mx1.example.test", "AAAA"), ["::1"])
        self.assertEqual(rdata(p, "mx2.example.test", "A"), ["127.0.0.3"])
        self.assertEqual(rdata(p, "mx2.example.test", "AAAA"), [])
        self.assertEqual(status(p, "mx2.example.test", "AAAA"), "NOERROR")
        for _, ttl, _, _ in answers(p, "example.test", "MX"):
            self.assertLessEqual(ttl, 5)

    def test_null_mx_implicit_mx_and_nxdomain(self):
        p = self.dns.port
        self.assertEqual(rdata(p, dp.NULL_MX, "MX"), ["0 ."])
        self.assertEqual(rdata(p, dp.IMPLICIT, "MX"), [])
        self.assertEqual(status(p, dp.IMPLICIT, "MX"), "NOERROR")
        self.assertEqual(rdata(p, dp.IMPLICIT, "A"), ["127.0.0.2"])
        self.assertEqual(status(p, dp.NXDOMAIN, "MX"), "NXDOMAIN")
        self.assertEqual(status(p, "nx.example.test", "A"), "NXDOMAIN")
        # negative answers are cached for 1 s (SOA minimum)
        soa = [r.split() for r in dig(p, dp.NXDOMAIN, "MX", "+noall", "+authority").splitlines()
               if r.split()[3:4] == ["SOA"]]
        self.assertEqual([(r[0], r[1]) for r in soa], [("test.", "1")], soa)

    def test_mta_sts_records(self):
        p = self.dns.port
        for domain in dp.STS_DOMAINS:
            self.assertEqual(rdata(p, f"_mta-sts.{domain}", "TXT"), [f'"v=STSv1; id={dp.STS_ID}"'], domain)
            self.assertEqual(rdata(p, f"mta-sts.{domain}", "A"), ["127.0.0.1"], domain)
        self.assertEqual(rdata(p, f"_mta-sts.{dp.NULL_MX}", "TXT"), [])

    def test_tlsa_records(self):
        p = self.dns.port
        for port in (25, SMTP_PORT):
            self.assertEqual(rdata(p, f"_{port}._tcp.mx1.example.test", "TLSA"),
                             [f"3 1 1 {self.dns.tlsa_match.upper()}"])
            self.assertEqual(rdata(p, f"_{port}._tcp.mx2.example.test", "TLSA"),
                             [f"3 1 1 {self.dns.tlsa_stale.upper()}"])
        self.assertNotEqual(self.dns.tlsa_match, self.dns.tlsa_stale)
        # the matching record is the SHA-256 of mx1's public key, as openssl computes it
        pem = subprocess.run(["openssl", "x509", "-in", self.dns.mx_certs[dp.MX1][0], "-noout", "-pubkey"],
                             capture_output=True, check=True).stdout
        der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pem,
                             capture_output=True, check=True).stdout
        import hashlib
        self.assertEqual(hashlib.sha256(der).hexdigest(), self.dns.tlsa_match)
        # and the stale one is the key of stale_cert, not of mx2's certificate
        self.assertEqual(dp.spki_sha256(self.dns.stale_cert[0]), self.dns.tlsa_stale)
        self.assertNotEqual(dp.spki_sha256(self.dns.mx_certs[dp.MX2][0]), self.dns.tlsa_stale)

    def test_mx_certificates_verify_against_the_ca(self):
        for name, (cert, _) in self.dns.mx_certs.items():
            done = subprocess.run(["openssl", "verify", "-CAfile", self.dns.ca_file, "-verify_hostname", name, cert],
                                  capture_output=True, text=True)
            self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

    def test_reverse_zones(self):
        p = self.dns.port
        self.assertEqual(rdata(p, "2.0.0.127.in-addr.arpa", "PTR"), ["mx1.example.test."])
        self.assertEqual(rdata(p, "3.0.0.127.in-addr.arpa", "PTR"), ["mx2.example.test."])
        self.assertEqual(rdata(p, "1.0.0.127.in-addr.arpa", "PTR"), ["mta-sts.example.test."])
        self.assertEqual(rdata(p, dp.REVERSE_V6, "PTR"), ["mx1.example.test."])

    def test_500_mx_answer_is_truncated_over_udp_and_complete_over_tcp(self):
        p = self.dns.port
        udp = dig(p, dp.MANY, "MX", "+ignore", "+bufsize=1232", "+dnssec")
        self.assertRegex(udp, r"flags:[^;]* tc[ ;]", udp[:600])
        over_tcp = rdata(p, dp.MANY, "MX", "+tcp", "+dnssec")
        self.assertEqual(len(over_tcp), dp.MANY_COUNT)
        self.assertIn("10 mx000.many.test.", over_tcp)
        self.assertIn("509 mx499.many.test.", over_tcp)
        self.assertEqual(rdata(p, "mx123.many.test", "A"), ["127.0.0.2"])

    # ---- DNSSEC (delv, the validator of BIND) ----

    def test_delv_secure_bogus_insecure(self):
        d = self.dns
        for name, rtype in [("example.test", "MX"), ("mx1.example.test", "A"), ("mx1.example.test", "AAAA"),
                            (f"_{SMTP_PORT}._tcp.mx1.example.test", "TLSA"), (f"_mta-sts.{dp.DOMAIN}", "TXT"),
                            (dp.NULL_MX, "MX"), (dp.IMPLICIT, "A"), (dp.MANY, "MX"), ("mx1.dane-bogus.test", "A"),
                            (dp.DANE_BOGUS, "MX")]:
            out = delv(d, name, rtype)
            self.assertIn("; fully validated", out, f"{name} {rtype}: {out}")
        out = delv(d, dp.NXDOMAIN, "A")
        self.assertIn("; negative response, fully validated", out, out)
        for name, rtype in [(dp.BOGUS, "MX"), (dp.EXPIRED, "MX"), (f"_{SMTP_PORT}._tcp.mx1.dane-bogus.test", "TLSA")]:
            out = delv(d, name, rtype)
            self.assertIn("resolution failed", out, f"{name} {rtype}: {out}")
            self.assertNotIn("fully validated", out, f"{name} {rtype}: {out}")
        self.assertIn("RRSIG has expired", delv(d, dp.EXPIRED, "MX"))
        for name, rtype in [(dp.INSECURE, "MX"), (f"_{SMTP_PORT}._tcp.mx1.insecure.test", "TLSA")]:
            out = delv(d, name, rtype)
            self.assertIn("; unsigned answer", out, f"{name} {rtype}: {out}")  # proven insecure (no DS)
        # outside every trust anchor: delv says "authoritative" (not validated, not bogus)
        out = delv(d, "2.0.0.127.in-addr.arpa", "PTR")
        self.assertIn("; authoritative", out, out)
        self.assertIn("mx1.example.test.", out, out)

    def test_trust_anchor_files(self):
        with open(self.dns.trust_anchor_file) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 1)
        self.assertRegex(lines[0], r"^test\. IN DS \d+ 13 2 [0-9a-f]{64}$")
        with open(self.dns.trust_anchor_dnskey_file) as f:
            self.assertRegex(f.read(), r"^test\.\s+(\d+\s+)?IN\s+DNSKEY\s+257 3 13 ")

    # ---- libunbound, as the exporter will use it ----

    @unittest.skipIf(NO_UNBOUND, NO_UNBOUND)
    def test_libunbound_validates_through_the_forwarder(self):
        for anchor in (self.dns.trust_anchor_file, self.dns.trust_anchor_dnskey_file):
            ctx = libunbound_ctx(self.dns.forwarder, anchor)
            MX, A = unbound.RR_TYPE_MX, unbound.RR_TYPE_A
            rcode, secure, bogus, data, why = resolve(ctx, "example.test", MX)
            self.assertEqual((rcode, secure, bogus), (0, True, False), why)
            self.assertEqual(data, ["10 mx1.example.test.", "20 mx2.example.test."])
            self.assertEqual(resolve(ctx, "mx1.example.test", A)[:4], (0, True, False, ["127.0.0.2"]))
            self.assertEqual(resolve(ctx, dp.NULL_MX, MX)[:4], (0, True, False, ["0 ."]))
            self.assertEqual(resolve(ctx, dp.IMPLICIT, MX)[:4], (0, True, False, []))
            self.assertEqual(resolve(ctx, dp.NXDOMAIN, MX)[:4], (3, True, False, []))
            # TLSA: secure (matching) in example.test, bogus in dane-bogus.test, insecure in insecure.test
            rcode, secure, bogus, data, _ = resolve(ctx, f"_{SMTP_PORT}._tcp.mx1.example.test", TLSA)
            self.assertEqual((rcode, secure, bogus), (0, True, False))
            self.assertEqual(data, ["030101" + self.dns.tlsa_match])
            rcode, secure, bogus, data, why = resolve(ctx, f"_{SMTP_PORT}._tcp.mx1.dane-bogus.test", TLSA)
            self.assertEqual((secure, bogus), (False, True), data)
            self.assertIn("signature", why or "")
            self.assertEqual(resolve(ctx, "mx1.dane-bogus.test", A)[:3], (0, True, False))
            rcode, secure, bogus, data, _ = resolve(ctx, f"_{SMTP_PORT}._tcp.mx1.insecure.test", TLSA)
            self.assertEqual((rcode, secure, bogus, data), (0, False, False, ["030101" + self.dns.tlsa_match]))
            # bogus zones
            for name in (dp.BOGUS, dp.EXPIRED):
                rcode, secure, bogus, _, why = resolve(ctx, name, MX)
                self.assertEqual((secure, bogus), (False, True), name)
                self.assertTrue(why, name)
            self.assertIn("expired", resolve(ctx, dp.EXPIRED, MX)[4])
            # insecure zone
            self.assertEqual(resolve(ctx, dp.INSECURE, MX)[:4], (0, False, False, ["10 mx1.insecure.test."]))
            # the test server answers the loopback reverse zones, not libunbound's built-in ones
            self.assertEqual(resolve(ctx, "2.0.0.127.in-addr.arpa", unbound.RR_TYPE_PTR)[:4],
                             (0, False, False, ["mx1.example.test."]))
            self.assertEqual(resolve(ctx, "1.0.0.127.in-addr.arpa", unbound.RR_TYPE_PTR)[3],
                             ["mta-sts.example.test."])
            self.assertEqual(resolve(ctx, dp.REVERSE_V6, unbound.RR_TYPE_PTR)[3], ["mx1.example.test."])
            # names the test server does not serve are asked too (Knot refuses: SERVFAIL)
            self.assertEqual(resolve(ctx, "localhost", A)[0], 2)
            self.assertEqual(resolve(ctx, "5.0.168.192.in-addr.arpa", unbound.RR_TYPE_PTR)[0], 2)
            # 500 MX: the UDP answer is truncated, libunbound asks again over TCP
            rcode, secure, bogus, data, _ = resolve(ctx, dp.MANY, MX)
            self.assertEqual((rcode, secure, bogus, len(data)), (0, True, False, dp.MANY_COUNT))

    @unittest.skipIf(NO_UNBOUND, NO_UNBOUND)
    def test_libunbound_without_the_options_answers_itself(self):
        """Why the options are needed: without them libunbound's own local zones answer."""
        ctx = libunbound_ctx(self.dns.forwarder, self.dns.trust_anchor_file, options=())
        self.assertEqual(resolve(ctx, "example.test", unbound.RR_TYPE_MX)[:2], (3, False))   # local NXDOMAIN
        self.assertEqual(resolve(ctx, "1.0.0.127.in-addr.arpa", unbound.RR_TYPE_PTR)[3], ["localhost."])
        self.assertEqual(resolve(ctx, "5.0.168.192.in-addr.arpa", unbound.RR_TYPE_PTR)[0], 3)
        # "nodefault" through ub_ctx_set_option is accepted but has no effect (libunbound 1.17.1)
        ctx = libunbound_ctx(self.dns.forwarder, self.dns.trust_anchor_file,
                             options=[("local-zone:", "test. nodefault")])
        self.assertEqual(resolve(ctx, "example.test", unbound.RR_TYPE_MX)[0], 3)
        # ub_ctx_zone_remove after the options works too
        ctx = libunbound_ctx(self.dns.forwarder, self.dns.trust_anchor_file, options=())
        self.assertEqual(ctx.zone_remove("test."), 0)
        self.assertEqual(resolve(ctx, "example.test", unbound.RR_TYPE_MX)[:3], (0, True, False))

    # ---- changes, stop/start, slowness ----

    def test_add_and_change_a_zone(self):
        d = self.dns
        zone = d.add_zone(Zone("changed.test", ["@ MX 10 mx1.example.test.", "@ 1 TXT \"first\""]))
        t0 = time.monotonic()
        d.reload()
        reload_seconds = time.monotonic() - t0
        self.assertEqual(rdata(d.port, "changed.test", "TXT"), ['"first"'], self.diagnostics())
        self.assertIn("; fully validated", delv(d, "changed.test", "TXT"))  # new DS in test., re-signed
        zone.records[1] = "@ 1 TXT \"second\""
        t0 = time.monotonic()
        changed = d.reload()
        reload_seconds = max(reload_seconds, time.monotonic() - t0)
        self.assertEqual([z.name for z in changed], ["changed.test"])  # the parent's text did not change
        self.assertEqual(rdata(d.port, "changed.test", "TXT"), ['"second"'])
        out = delv(d, "changed.test", "TXT")
        self.assertIn("; fully validated", out, out)
        d.remove_zone("changed.test")
        changed = d.reload()
        self.assertEqual([z.name for z in changed], ["test"])  # the delegation is gone
        self.assertEqual(status(d.port, "changed.test", "TXT"), "NXDOMAIN")
        self.assertIn("; negative response, fully validated", delv(d, "changed.test", "TXT"))
        self.assertLess(reload_seconds, 5)
        print(f"\nreload took at most {reload_seconds:.2f}s", file=sys.stderr)

    def test_stop_and_start_the_server(self):
        d = self.dns
        t0 = time.monotonic()
        d.stop_server()
        stop_seconds = time.monotonic() - t0
        try:
            self.assertFalse(d.server_running())
            self.assertNotEqual(status(d.port, "example.test", "MX", expect_answer=False), "NOERROR")
            if unbound is not None:
                # libunbound alone takes 17 s to give up (SERVFAIL) on a forwarder that does not
                # answer; the exporter's own deadline cancels the lookup first, as here.
                ctx = libunbound_ctx(d.forwarder, d.trust_anchor_file)
                done = []
                err, async_id = ctx.resolve_async("example.test", None, lambda *a: done.append(a),
                                                  unbound.RR_TYPE_MX, unbound.RR_CLASS_IN)
                self.assertEqual(err, 0)
                deadline = time.monotonic() + 2.0
                while not done and time.monotonic() < deadline:
                    ctx.process()
                    time.sleep(0.05)
                if done:  # an answer before the deadline can only be a failure
                    self.assertEqual(done[0][2].rcode, 2, done)
                else:
                    self.assertEqual(ctx.cancel(async_id), 0)
        finally:
            t0 = time.monotonic()
            d.start_server()
            start_seconds = time.monotonic() - t0
        self.assertEqual(rdata(d.port, "example.test", "MX"), ["10 mx1.example.test.", "20 mx2.example.test."])
        self.assertEqual(rdata(d.port, "example.test", "MX", "+tcp"), ["10 mx1.example.test.", "20 mx2.example.test."])
        print(f"\nserver stop {stop_seconds:.2f}s, start {start_seconds:.2f}s", file=sys.stderr)

    def test_slow_proxy_delays_answers(self):
        d = self.dns
        delay = 0.5
        with SlowDnsProxy(d.port, delay) as slow:
            for options in ((), ("+tcp",)):
                t0 = time.monotonic()
                got = rdata(slow.port, "example.test", "MX", "+time=5", *options)
                elapsed = time.monotonic() - t0
                self.assertEqual(got, ["10 mx1.example.test.", "20 mx2.example.test."], options)
                self.assertGreaterEqual(elapsed, delay, options)
                self.assertLess(elapsed, delay + 2.5, options)
            if unbound is not None:
                # A validated lookup with a cold cache takes several round trips (DNSKEY of test.,
                # DS and DNSKEY of example.test, the MX), each one `delay` late.
                ctx = libunbound_ctx(slow.forwarder, d.trust_anchor_file)
                t0 = time.monotonic()
                rcode, secure, bogus, data, _ = resolve(ctx, "example.test", unbound.RR_TYPE_MX)
                elapsed = time.monotonic() - t0
                self.assertEqual((rcode, secure, bogus, len(data)), (0, True, False, 2))
                self.assertGreaterEqual(elapsed, delay)
                print(f"\nlibunbound, cold cache, through a {delay}s-slow server: {elapsed:.2f}s, "
                      f"{slow.queries} queries so far", file=sys.stderr)
            slow.delay_s = None  # never answers
            self.assertIn("timed out", dig(slow.port, "example.test", "MX", "+time=1", "+tries=1",
                                             expect_answer=False))

def https_get(port, host, ca_file, path=MtaStsServer.PATH):
    """GET https://host:port/path connecting to 127.0.0.1, verifying the certificate for `host`.
    Returns (status, headers, body bytes)."""
    ctx = ssl.create_default_context(cafile=ca_file)
    conn = http.client.HTTPSConnection(host, port, context=ctx, timeout=10)
    conn.sock = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname=host)
    try:
        conn.request("GET", path, headers={"Host": f"{host}:{port}"})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


class MtaStsServerTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.sts = MtaStsServer(wrong_cert_domains=("wrong-cert.test",))
        cls.sts.policies["wrong-cert.test"] = dp.policy_text("enforce", ["mx1.example.test"])
        cls.sts.start()
        cls.addClassCleanup(cls.sts.stop)
        print(f"\nMTA-STS server started in {cls.sts.startup_seconds:.2f}s", file=sys.stderr)

    def get(self, domain):
        return https_get(self.sts.port, f"mta-sts.{domain}", self.sts.ca_file)

    def test_enforce_policy(self):
        status, headers, body = self.get(dp.DOMAIN)
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        self.assertEqual(body.decode(), "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\n"
                                        "mx: mx2.example.test\r\nmax_age: 86400\r\n")

    def test_testing_policy(self):
        status, _, body = self.get(dp.STS_TESTING)
        self.assertEqual(status, 200)
        self.assertIn("mode: testing\n", body.decode())
        self.assertIn("mx: *.example.test\n", body.decode())

    def test_policy_not_covering_mx2(self):
        status, _, body = self.get(dp.STS_UNCOVERED)
        self.assertEqual(status, 200)
        self.assertIn("mx: mx1.example.test", body.decode())
        self.assertNotIn("mx2", body.decode())

    def test_too_large_policy(self):
        status, headers, body = self.get(dp.STS_LARGE)
        self.assertEqual(status, 200)
        self.assertGreater(len(body), 64 * 1024)
        self.assertEqual(int(headers["Content-Length"]), len(body))
        self.assertTrue(body.startswith(b"version: STSv1\r\nmode: enforce\r\n"))

    def test_redirect(self):
        status, headers, _ = self.get(dp.STS_REDIRECT)
        self.assertEqual(status, 301)
        self.assertEqual(headers["Location"], f"https://mta-sts.example.test:{self.sts.port}/.well-known/mta-sts.txt")

    def test_unknown_host_and_path(self):
        self.assertEqual(https_get(self.sts.port, f"mta-sts.{dp.DOMAIN}", self.sts.ca_file, "/other")[0], 404)
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.get("unknown.test")  # not in the certificate

    def test_certificate_names(self):
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.get("wrong-cert.test")  # served, but the certificate does not name it
        # with any CA but the test's, nothing verifies
        with self.assertRaises(ssl.SSLCertVerificationError):
            https_get(self.sts.port, f"mta-sts.{dp.DOMAIN}", "/etc/ssl/certs/ca-certificates.crt")

    def test_curl_agrees(self):
        if shutil.which("curl") is None:
            self.skipTest("curl not installed")
        host = f"mta-sts.{dp.DOMAIN}"
        done = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", self.sts.ca_file, "--resolve",
                               f"{host}:{self.sts.port}:127.0.0.1", "--max-redirs", "0",
                               f"https://{host}:{self.sts.port}/.well-known/mta-sts.txt"],
                              capture_output=True, text=True, timeout=20)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("mode: enforce", done.stdout)

    def test_set_policy_for_a_new_domain_reissues_the_certificate(self):
        self.sts.set_policy("late.test", dp.policy_text("testing", ["mx1.example.test"]))
        status, _, body = self.get("late.test")
        self.assertEqual(status, 200)
        self.assertIn(b"mode: testing", body)
        self.assertEqual(self.get(dp.DOMAIN)[0], 200)  # the others still verify
        self.sts.set_policy("slow.test", dp.HttpReply(200, "version: STSv1\r\n", delay_s=1.0))
        t0 = time.monotonic()
        self.assertEqual(self.get("slow.test")[0], 200)
        self.assertGreaterEqual(time.monotonic() - t0, 1.0)


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        sys.argv.pop(1)  # ctest passes the exporter binary to every e2e script; not needed here
    unittest.main(verbosity=2)
