"""End to end: TLS probes of a REAL Postfix. One Postfix instance, run from a config folder of
our own, serves five smtpd services on loopback ports, each with its own certificates made now
by the openssl CLI: STARTTLS with a CA-signed leaf for localhost/127.0.0.1, the same leaf with
smtpd_tls_wrappermode (implicit TLS), STARTTLS with an expired leaf, with a leaf for another
name, and with a self-signed leaf. The exporter probes them with STARTTLS and implicit-TLS
modules and is checked on /metrics and /probe, parsed strictly with prometheus_client.
Run (as root: Postfix's master must own its queue folder):
/usr/bin/python3 tests/e2e/test_tls_postfix.py build/smtp_exporter"""
import calendar
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Exporter, free_port, http_get, make_ca, make_leaf, openssl, parse_samples, value,  # noqa: E402
                     wait_for_port, wait_until)
from mail_peers import POSTFIX, Postfix  # noqa: E402

BINARY = None
SANS = ("DNS:localhost", "IP:127.0.0.1")


def run(args, timeout=30, **kwargs):
    """Runs a command, bounded; returns its stdout, raises with its output if it fails."""
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stdout}{done.stderr}")
    return done.stdout


def utc_stamp(t):
    """Unix time -> the YYYYMMDDHHMMSSZ that `openssl ca -startdate/-enddate` takes."""
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(t))


class Certificates:
    """The harness's private CA and CA-signed leaves, plus what it has no helper for: a leaf
    dated in the past (`openssl ca`, since `openssl x509 -req` in OpenSSL 3.0 takes no past
    dates) and a self-signed leaf. Each leaf is a dict: key, cert, chain (the PEM file Postfix
    serves: the leaf, then the CA unless self-signed) and files (the certificates in chain)."""

    CA_CONFIG = """
[ ca ]
default_ca = test_ca
[ test_ca ]
database = index.txt
new_certs_dir = issued
serial = serial.txt
default_md = sha256
policy = any_name
unique_subject = no
[ any_name ]
commonName = supplied
[ leaf ]
subjectAltName = DNS:localhost,IP:127.0.0.1
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
"""

    def __init__(self, directory):
        self.dir = directory
        self.ca, self.ca_key = make_ca(directory)

    def path(self, name):
        return os.path.join(self.dir, name)

    def signed(self, name, sans=SANS):
        cert, key = make_leaf(self.dir, name, (self.ca, self.ca_key), sans=sans)
        return self._chain(name, key, [cert, self.ca])

    def signed_for_dates(self, name, not_before, not_after):
        """A leaf for localhost/127.0.0.1 valid from not_before to not_after (Unix seconds)."""
        os.makedirs(self.path("issued"), exist_ok=True)
        with open(self.path("ca.cnf"), "w") as f:
            f.write(self.CA_CONFIG)
        open(self.path("index.txt"), "w").close()
        with open(self.path("serial.txt"), "w") as f:
            f.write(os.urandom(8).hex().upper() + "\n")
        key, csr, cert = self.path(f"{name}.key"), self.path(f"{name}.csr"), self.path(f"{name}.crt")
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-subj", f"/CN={name}", "-keyout", key, "-out", csr)
        openssl("ca", "-batch", "-notext", "-config", "ca.cnf", "-cert", self.ca, "-keyfile", self.ca_key,
                "-in", csr, "-out", cert, "-extensions", "leaf",
                "-startdate", utc_stamp(not_before), "-enddate", utc_stamp(not_after), cwd=self.dir)
        return self._chain(name, key, [cert, self.ca])

    def self_signed(self, name):
        key, cert = self.path(f"{name}.key"), self.path(f"{name}.crt")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", f"/CN={name}", "-keyout", key, "-out", cert,
                "-addext", f"subjectAltName={','.join(SANS)}", "-addext", "basicConstraints=CA:FALSE")
        return self._chain(name, key, [cert])

    def _chain(self, name, key, files):
        chain = self.path(f"{name}.chain.pem")
        with open(chain, "w") as out:
            for f in files:
                with open(f) as part:
                    out.write(part.read())
        return {"key": key, "cert": files[0], "chain": chain, "files": files}


def not_after(cert):
    """The certificate's notAfter as Unix seconds, read with `openssl x509 -enddate`."""
    text = run(["openssl", "x509", "-noout", "-enddate", "-in", cert]).strip()  # notAfter=Jan  2 03:04:05 2024 GMT
    return calendar.timegm(time.strptime(text.split("=", 1)[1], "%b %d %H:%M:%S %Y GMT"))


def serial(cert):
    return run(["openssl", "x509", "-noout", "-serial", "-in", cert]).strip().split("=", 1)[1].upper()


def fingerprint(cert):
    text = run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", cert]).strip()
    return text.split("=", 1)[1].replace(":", "").lower()


def start_postfix(base, services):
    """A Postfix of our own under `base` with one smtpd per service, waited for.
    services: {name: (port, certificate dict from Certificates, implicit_tls)}."""
    postfix = Postfix(base)
    lines = []
    for name, (port, cert, implicit) in services.items():
        line = (f"127.0.0.1:{port} inet n - n - - smtpd -o syslog_name=postfix/{name}"
                f" -o smtpd_tls_chain_files={cert['key']},{cert['chain']}")
        if implicit:
            line += " -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt"
        lines.append(line)
    try:
        postfix.configure("myhostname = postfix.example.org\nsmtpd_tls_security_level = may\n"
                          "smtpd_tls_loglevel = 1\n", lines)
        postfix.start()
        for port, _, _ in services.values():
            try:
                wait_for_port(port, timeout=20)
            except TimeoutError as e:
                raise RuntimeError(f"{e}\n{postfix.diagnostics()}") from None
    except BaseException:
        postfix.stop()
        raise
    return postfix


@unittest.skipUnless(os.path.exists(POSTFIX), f"{POSTFIX} is not installed (Debian package postfix)")
class TlsAgainstPostfix(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise RuntimeError("this test runs Postfix, whose master must own its queue folder: run it as root")
        # Under /var (maillog_file_prefixes), readable by the postfix user for its queue.
        cls.base = tempfile.mkdtemp(prefix="smtp_exporter_tls_postfix_", dir="/var/tmp")
        cls.addClassCleanup(shutil.rmtree, cls.base, ignore_errors=True)
        os.chmod(cls.base, 0o755)
        certs_dir = os.path.join(cls.base, "certs")
        os.makedirs(certs_dir)
        pki = cls.pki = Certificates(certs_dir)
        now = int(time.time())
        cls.certs = {
            "good": pki.signed("good"),
            "expired": pki.signed_for_dates("expired", now - 10 * 86400, now - 86400 - 17),
            "wrong_name": pki.signed("wrong_name", sans=("DNS:mx.example.net",)),
            "self_signed": pki.self_signed("self_signed"),
        }
        cls.ports = {name: free_port() for name in ("starttls", "wrapper", "expired", "wrong_name", "self_signed")}
        cls.postfix = start_postfix(cls.base, {
            "starttls": (cls.ports["starttls"], cls.certs["good"], False),
            "wrapper": (cls.ports["wrapper"], cls.certs["good"], True),
            "expired": (cls.ports["expired"], cls.certs["expired"], False),
            "wrong_name": (cls.ports["wrong_name"], cls.certs["wrong_name"], False),
            "self_signed": (cls.ports["self_signed"], cls.certs["self_signed"], False),
        })
        cls.addClassCleanup(cls.postfix.stop)
        # One module reads the CA through a path relative to the exporter's config folder (the
        # harness makes that folder directly in the temporary directory).
        relative_ca = os.path.relpath(pki.ca, os.path.join(tempfile.gettempdir(), "config_folder"))
        p = cls.ports
        cls.exporter = Exporter(BINARY, f"""
global:
  mode: interval
  interval: 2s
modules:
  starttls_ca:
    timeout: 10s
    qos_timeout: 5s
    ehlo_name: probe.example.org
    tls: starttls
    tls_config:
      ca_file: {relative_ca}
  starttls_system_ca:
    timeout: 10s
    qos_timeout: 5s
    ehlo_name: probe.example.org
    tls: starttls
  implicit_ca:
    timeout: 10s
    qos_timeout: 5s
    ehlo_name: probe.example.org
    tls: implicit
    tls_config:
      ca_file: {pki.ca}
  insecure:
    timeout: 10s
    qos_timeout: 5s
    ehlo_name: probe.example.org
    tls: starttls
    tls_config:
      insecure_skip_verify: true
  name_mismatch:
    timeout: 10s
    qos_timeout: 5s
    ehlo_name: probe.example.org
    tls: starttls
    tls_config:
      ca_file: {pki.ca}
      server_name: mx.example.org
targets:
  - {{name: good, address: "127.0.0.1:{p['starttls']}", module: starttls_ca}}
  - {{name: good_by_name, address: "localhost:{p['starttls']}", module: starttls_ca}}
  - {{name: good_without_ca, address: "127.0.0.1:{p['starttls']}", module: starttls_system_ca}}
  - {{name: name_mismatch, address: "127.0.0.1:{p['starttls']}", module: name_mismatch}}
  - {{name: wrapper, address: "127.0.0.1:{p['wrapper']}", module: implicit_ca}}
  - {{name: expired, address: "127.0.0.1:{p['expired']}", module: starttls_ca}}
  - {{name: wrong_name, address: "127.0.0.1:{p['wrong_name']}", module: starttls_ca}}
  - {{name: self_signed_insecure, address: "127.0.0.1:{p['self_signed']}", module: insecure}}
  - {{name: self_signed_verified, address: "127.0.0.1:{p['self_signed']}", module: starttls_ca}}
""")
        cls.addClassCleanup(cls.exporter.stop)
        cls.targets = ["good", "good_by_name", "good_without_ca", "name_mismatch", "wrapper", "expired",
                       "wrong_name", "self_signed_insecure", "self_signed_verified"]

        def every_target_probed():
            s = cls.exporter.metrics()
            return all(value(s, "smtp_probe_last_run_timestamp_seconds", target=t) > 0 for t in cls.targets)
        try:
            wait_until(every_target_probed, timeout=30, what="a probe of every target")
        except AssertionError as e:
            raise AssertionError(f"{e}\nexporter log:\n{cls.exporter.logs()[-4000:]}\n"
                                 f"maillog:\n{cls.postfix.log_tail()}") from None
        cls.samples = cls.exporter.metrics()

    def diagnostics(self):
        return f"\nexporter log (end):\n{self.exporter.logs()[-3000:]}\nmaillog (end):\n{self.postfix.log_tail(20)}"

    def metric(self, name, target, **labels):
        return value(self.samples, name, target=target, **labels)

    def has_series(self, name, target):
        return any(n == name and ("target", target) in ls for (n, ls) in self.samples)

    def extensions(self, target):
        return {dict(ls)["extension"] for (n, ls), v in self.samples.items()
                if n == "smtp_ehlo_extension_info" and ("target", target) in ls and v == 1}

    def failures(self, target):
        return {dict(ls)["reason"] for (n, ls), v in self.samples.items()
                if n == "smtp_probe_failures_total" and ("target", target) in ls and v > 0}

    def probe(self, port, module, debug=False):
        query = urllib.parse.urlencode({"target": f"127.0.0.1:{port}", "module": module,
                                        **({"debug": "true"} if debug else {})})
        status, body, _ = http_get(f"{self.exporter.url}/probe?{query}", {"X-Prometheus-Scrape-Timeout-Seconds": "15"})
        self.assertEqual(status, 200, body)
        return body if debug else parse_samples(body)

    # ---- /metrics ----

    def test_starttls_with_the_ca_succeeds_with_the_post_tls_extensions(self):
        good = self.certs["good"]
        for target in ("good", "good_by_name"):
            with self.subTest(target=target):
                self.assertEqual(self.metric("smtp_probe_success", target), 1, self.diagnostics())
                self.assertGreaterEqual(self.metric("smtp_probe_events_total", target, event="5510"), 1)
                self.assertEqual(self.metric("smtp_tls_cert_verified", target), 1)
                self.assertEqual(self.metric("smtp_tls_version_info", target, version="TLS 1.3"), 1)
                self.assertEqual(self.metric("smtp_tls_cert_not_after_timestamp_seconds", target),
                                 not_after(good["cert"]))
                # The chain Postfix presents is leaf + CA, made seconds apart with the same lifetime.
                self.assertEqual(self.metric("smtp_tls_chain_not_after_timestamp_seconds", target),
                                 min(not_after(f) for f in good["files"]))
                self.assertEqual(self.metric("smtp_tls_cert_info", target, subject_cn="good",
                                             issuer_cn="smtp_exporter test ca", serial=serial(good["cert"]),
                                             fingerprint_sha256=fingerprint(good["cert"])), 1)
                self.assertTrue(self.has_series("smtp_tls_cipher_info", target))
                self.assertGreater(self.metric("smtp_probe_phase_duration_seconds", target, phase="starttls"), 0)
                self.assertGreater(self.metric("smtp_probe_phase_duration_seconds", target, phase="tls"), 0)
                # After TLS Postfix no longer offers STARTTLS: the metric shows the second EHLO's list.
                extensions = self.extensions(target)
                self.assertNotIn("STARTTLS", extensions)
                self.assertTrue({"PIPELINING", "SIZE", "ENHANCEDSTATUSCODES", "8BITMIME", "CHUNKING"} <= extensions,
                                extensions)

    def test_without_the_ca_the_certificate_does_not_verify(self):
        t = "good_without_ca"
        self.assertEqual(self.metric("smtp_probe_success", t), 0)
        self.assertEqual(self.failures(t), {"tls_verify"}, self.diagnostics())
        self.assertEqual(self.metric("smtp_tls_cert_verified", t), 0)
        self.assertEqual(self.metric("smtp_tls_chain_not_after_timestamp_seconds", t),
                         min(not_after(f) for f in self.certs["good"]["files"]))
        self.assertEqual(self.metric("smtp_tls_cert_not_after_timestamp_seconds", t),
                         not_after(self.certs["good"]["cert"]))

    def test_expired_leaf_is_tls_verify_with_its_not_after(self):
        t = "expired"
        self.assertEqual(self.metric("smtp_probe_success", t), 0)
        self.assertEqual(self.failures(t), {"tls_verify"}, self.diagnostics())
        self.assertEqual(self.metric("smtp_tls_cert_verified", t), 0)
        self.assertEqual(self.metric("smtp_tls_cert_not_after_timestamp_seconds", t),
                         not_after(self.certs["expired"]["cert"]))

    def test_wrong_name_is_tls_verify(self):
        for t in ("wrong_name", "name_mismatch", "self_signed_verified"):
            with self.subTest(target=t):
                self.assertEqual(self.metric("smtp_probe_success", t), 0)
                self.assertEqual(self.failures(t), {"tls_verify"}, self.diagnostics())
                self.assertEqual(self.metric("smtp_tls_cert_verified", t), 0)

    def test_insecure_skip_verify_succeeds_on_a_self_signed_certificate(self):
        t = "self_signed_insecure"
        self.assertEqual(self.metric("smtp_probe_success", t), 1, self.diagnostics())
        self.assertEqual(self.metric("smtp_tls_cert_verified", t), 0)
        self.assertEqual(self.metric("smtp_tls_cert_not_after_timestamp_seconds", t),
                         not_after(self.certs["self_signed"]["cert"]))
        self.assertNotIn("STARTTLS", self.extensions(t))

    def test_implicit_tls_on_the_wrappermode_port_succeeds(self):
        t = "wrapper"
        self.assertEqual(self.metric("smtp_probe_success", t), 1, self.diagnostics())
        self.assertEqual(self.metric("smtp_reply_code", t, stage="greeting"), 220)
        self.assertEqual(self.metric("smtp_tls_cert_verified", t), 1)
        self.assertGreater(self.metric("smtp_probe_phase_duration_seconds", t, phase="tls"), 0)
        self.assertEqual(self.metric("smtp_probe_phase_duration_seconds", t, phase="starttls"), 0)
        self.assertNotIn("STARTTLS", self.extensions(t))
        self.assertIn("PIPELINING", self.extensions(t))

    # ---- /probe ----

    def test_probe_reports_blackbox_certificate_metrics(self):
        good = self.certs["good"]
        s = self.probe(self.ports["starttls"], "starttls_ca")
        self.assertEqual(value(s, "probe_success"), 1)
        self.assertEqual(value(s, "probe_smtp_qos_event"), 5510)
        earliest = min(not_after(f) for f in good["files"])
        self.assertEqual(value(s, "probe_ssl_earliest_cert_expiry"), earliest)
        self.assertEqual(value(s, "probe_ssl_last_chain_expiry_timestamp_seconds"), earliest)
        self.assertEqual(value(s, "probe_tls_version_info", version="TLS 1.3"), 1)
        self.assertEqual(value(s, "probe_smtp_tls_cert_verified"), 1)
        self.assertEqual(value(s, "probe_smtp_tls_cert_not_after_timestamp_seconds"), not_after(good["cert"]))
        self.assertNotIn(("probe_smtp_ehlo_extension_info", frozenset({("extension", "STARTTLS")})), s)
        self.assertEqual(value(s, "probe_smtp_ehlo_extension_info", extension="PIPELINING"), 1)

        s = self.probe(self.ports["wrapper"], "implicit_ca")
        self.assertEqual(value(s, "probe_success"), 1)
        self.assertEqual(value(s, "probe_ssl_earliest_cert_expiry"), earliest)

        s = self.probe(self.ports["expired"], "starttls_ca")
        self.assertEqual(value(s, "probe_success"), 0)
        self.assertEqual(value(s, "probe_smtp_failure", reason="tls_verify"), 1)
        self.assertEqual(value(s, "probe_smtp_tls_cert_verified"), 0)
        self.assertEqual(value(s, "probe_ssl_earliest_cert_expiry"), not_after(self.certs["expired"]["cert"]))

        s = self.probe(self.ports["self_signed"], "insecure")
        self.assertEqual(value(s, "probe_success"), 1)
        self.assertEqual(value(s, "probe_smtp_tls_cert_verified"), 0)
        self.assertEqual(value(s, "probe_ssl_earliest_cert_expiry"), not_after(self.certs["self_signed"]["cert"]))

    def test_probe_debug_shows_starttls_and_the_second_ehlo(self):
        body = self.probe(self.ports["starttls"], "starttls_ca", debug=True)
        self.assertIn("> STARTTLS", body)
        self.assertIn("< 220 ", body)
        self.assertIn("TLS established", body)
        self.assertEqual(body.count("> EHLO probe.example.org"), 2, body)
        self.assertIn("probe_success 1", body)


if __name__ == "__main__":
    from harness import binary_from_argv
    BINARY = binary_from_argv()
    unittest.main(verbosity=2)
