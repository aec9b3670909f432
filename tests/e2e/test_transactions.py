"""End to end: the exporter's transaction steps (auth, mail_from, rcpt_to, rset; protocol lmtp)
against REAL mail servers: one Postfix (an mx for example.org, a submission service with AUTH
from Dovecot after STARTTLS, an open relay) and one Dovecot (LMTP on TCP and on a Unix socket),
from tests/e2e/mail_peers.py, plus a small scripted server for what Postfix will not do on
demand (AUTH before TLS, a greylisting 450, a RCPT that is never answered). Checked on /metrics
and /probe, parsed strictly, and for secrets in every output of the exporter.
Run (as root: Postfix and Dovecot run from configs of our own):
/usr/bin/python3 tests/e2e/test_transactions.py build/smtp_exporter"""
import base64
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Exporter, ThreadedListener, config_refusal, http_get, parse_samples, value, wait_until  # noqa: E402
from mail_peers import MailPeers, available  # noqa: E402

BINARY = None
WHY_NOT = available()
USER = "probe@example.org"
WRONG_PASSWORD = "certainly-wrong"
# What the scripted server takes (over plaintext, allow_plaintext: true): a secret like the others.
PLAINTEXT_PASSWORD = "plain-" + os.urandom(9).hex()


class ScriptedMailServer(ThreadedListener):
    """A loopback ESMTP server without TLS that offers AUTH PLAIN LOGIN at once (what Postfix's
    smtpd_tls_auth_only forbids), takes USER / PLAINTEXT_PASSWORD, answers RCPT TO:<grey@...>
    with 450 4.2.0 (greylisting) and never answers RCPT TO:<slow@...>."""

    def __init__(self):
        self.auth_lines = []  # what the client sent for AUTH, for the assertions
        super().__init__()

    def _serve(self, conn):
        try:
            conn.settimeout(30)
            conn.sendall(b"220 scripted.example.org ESMTP\r\n")
            f = conn.makefile("rb")

            def line():
                raw = f.readline(4096)
                if not raw:
                    raise EOFError
                return raw.rstrip(b"\r\n").decode(errors="replace")

            while not self.stopped.is_set():
                command = line()
                verb = command.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    conn.sendall(b"250-scripted.example.org\r\n250-AUTH PLAIN LOGIN\r\n250-ENHANCEDSTATUSCODES\r\n"
                                 b"250 8BITMIME\r\n")
                elif verb == "AUTH":
                    self.auth_lines.append(command)
                    conn.sendall(b"235 2.7.0 Authentication successful\r\n" if self._auth(conn, command, line)
                                 else b"535 5.7.8 Authentication credentials invalid\r\n")
                elif verb == "MAIL":
                    conn.sendall(b"250 2.1.0 Ok\r\n")
                elif verb == "RCPT":
                    address = command.lower()
                    if "<grey@" in address:
                        conn.sendall(b"450 4.2.0 <grey@example.org>: Recipient address rejected: Greylisted\r\n")
                    elif "<slow@" in address:
                        pass  # no answer: the client's timeout ends this
                    else:
                        conn.sendall(b"250 2.1.5 Ok\r\n")
                elif verb == "RSET":
                    conn.sendall(b"250 2.0.0 Ok\r\n")
                elif verb == "QUIT":
                    conn.sendall(b"221 2.0.0 Bye\r\n")
                    return
                else:
                    conn.sendall(b"502 5.5.2 Error: command not recognized\r\n")
        except (OSError, EOFError):
            pass
        finally:
            conn.close()

    @staticmethod
    def _auth(conn, command, line):
        words = command.split()
        mechanism = words[1].upper() if len(words) > 1 else ""
        try:
            if mechanism == "PLAIN":
                if len(words) > 2:
                    token = words[2]
                else:
                    conn.sendall(b"334 \r\n")
                    token = line()
                _, user, password = base64.b64decode(token).decode().split("\0")
            elif mechanism == "LOGIN":
                conn.sendall(b"334 VXNlcm5hbWU6\r\n")
                user = base64.b64decode(line()).decode()
                conn.sendall(b"334 UGFzc3dvcmQ6\r\n")
                password = base64.b64decode(line()).decode()
            else:
                return False
        except ValueError:
            return False
        return (user, password) == (USER, PLAINTEXT_PASSWORD)


@unittest.skipIf(WHY_NOT, WHY_NOT)
class TransactionsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # SCRAM-SHA-256 too: Dovecot offers it through Postfix, whose server-final message comes
        # as a 334 challenge to be answered with an empty line.
        cls.peers = MailPeers(auth_mechanisms=("plain", "login", "scram-sha-256"))
        cls.addClassCleanup(cls.peers.stop)
        cls.peers.start()
        cls.scripted = ScriptedMailServer()
        cls.addClassCleanup(cls.scripted.stop)
        p, ca = cls.peers, cls.peers.ca_file
        cls.ports = {"mx": p.mx_port, "submission": p.submission_port, "relay": p.relay_port,
                     "lmtp": p.lmtp_port, "scripted": cls.scripted.port}
        tls = f"tls: starttls\n    tls_config: {{ca_file: {ca}}}"
        # A password file of the test's own, rotated by test_password_file_is_read_again_on_reload.
        cls.rotated_dir = tempfile.mkdtemp(prefix="smtp_exporter_pw_")
        cls.addClassCleanup(shutil.rmtree, cls.rotated_dir, True)
        cls.rotated_file = os.path.join(cls.rotated_dir, "probe.pass")
        with open(cls.rotated_file, "w", encoding="utf-8") as f:
            f.write(p.password + "\n")
        cls.config = f"""
global:
  mode: interval
  interval: 3s
modules:
  mx_accepts:
    qos_timeout: 2s
    {tls}
    steps:
      - mail_from: {{address: "probe@example.org"}}
      - rcpt_to: {{address: "postmaster@example.org"}}
      - rcpt_to: {{name: relay, address: "someone@example.net", expect: reject}}
      - rset: {{}}
  unknown_recipient:
    {tls}
    steps:
      - mail_from: {{address: "probe@example.org"}}
      - rcpt_to: {{address: "unknown@example.org"}}
  submission:
    {tls}
    steps:
      - auth: {{username: {USER}, password_file: {p.password_file}, mechanism: auto}}
      - mail_from: {{address: "probe@example.org"}}
      - rcpt_to: {{address: "probe@example.org"}}
  submission_plain:
    {tls}
    steps:
      - auth: {{username: {USER}, password_file: {p.password_file}, mechanism: PLAIN}}
      - mail_from: {{address: "probe@example.org"}}
      - rcpt_to: {{address: "probe@example.org"}}
  submission_login:
    {tls}
    steps:
      - auth: {{username: {USER}, password_file: {p.password_file}, mechanism: LOGIN}}
      - mail_from: {{address: "probe@example.org"}}
      - rcpt_to: {{address: "probe@example.org"}}
  submission_scram:
    {tls}
    steps:
      - auth: {{username: {USER}, password_file: {p.password_file}, mechanism: SCRAM-SHA-256}}
      - mail_from: {{address: "probe@example.org"}}
      - rcpt_to: {{address: "probe@example.org"}}
  wrong_password_refused:
    {tls}
    steps:
      - auth: {{username: {USER}, password: "{WRONG_PASSWORD}", expect: reject}}
  wrong_password_accepted:
    {tls}
    steps:
      - auth: {{username: {USER}, password: "{WRONG_PASSWORD}", expect: accept}}
  wrong_password_plain:
    {tls}
    steps:
      - auth: {{username: {USER}, password: "{WRONG_PASSWORD}", mechanism: PLAIN, expect: reject}}
  wrong_password_login:
    {tls}
    steps:
      - auth: {{username: {USER}, password: "{WRONG_PASSWORD}", mechanism: LOGIN, expect: reject}}
  submission_rotated:
    {tls}
    steps:
      - auth: {{username: {USER}, password_file: {cls.rotated_file}, mechanism: PLAIN}}
  plaintext_auth:
    steps:
      - auth: {{username: {USER}, password: "{PLAINTEXT_PASSWORD}", mechanism: PLAIN, allow_plaintext: true}}
      - mail_from: {{address: "probe@example.org"}}
  greylisted_expect_accept:
    steps:
      - mail_from: {{address: "probe@example.org"}}
      - rcpt_to: {{address: "grey@example.org"}}
  greylisted_expect_defer:
    steps:
      - mail_from: {{address: "probe@example.org"}}
      - rcpt_to: {{name: grey, address: "grey@example.org", expect: defer}}
  unanswered_rcpt:
    timeout: 2s
    qos_timeout: 1s
    steps:
      - mail_from: {{address: "probe@example.org"}}
      - rcpt_to: {{address: "slow@example.org"}}
  lmtp:
    protocol: lmtp
    steps:
      - mail_from: {{address: ""}}
      - rcpt_to: {{address: "probe@example.org"}}
targets:
  - {{name: mx, address: "127.0.0.1:{p.mx_port}", module: mx_accepts}}
  - {{name: open_relay, address: "127.0.0.1:{p.relay_port}", module: mx_accepts}}
  - {{name: unknown_recipient, address: "127.0.0.1:{p.mx_port}", module: unknown_recipient}}
  - {{name: submission_auto, address: "127.0.0.1:{p.submission_port}", module: submission}}
  - {{name: submission_plain, address: "127.0.0.1:{p.submission_port}", module: submission_plain}}
  - {{name: submission_login, address: "127.0.0.1:{p.submission_port}", module: submission_login}}
  - {{name: submission_scram, address: "127.0.0.1:{p.submission_port}", module: submission_scram}}
  - {{name: wrong_password_refused, address: "127.0.0.1:{p.submission_port}", module: wrong_password_refused}}
  - {{name: wrong_password_accepted, address: "127.0.0.1:{p.submission_port}", module: wrong_password_accepted}}
  - {{name: wrong_password_plain, address: "127.0.0.1:{p.submission_port}", module: wrong_password_plain}}
  - {{name: wrong_password_login, address: "127.0.0.1:{p.submission_port}", module: wrong_password_login}}
  - {{name: auth_on_mx, address: "127.0.0.1:{p.mx_port}", module: submission}}
  - {{name: plaintext_auth, address: "127.0.0.1:{cls.scripted.port}", module: plaintext_auth}}
  - {{name: greylisted, address: "127.0.0.1:{cls.scripted.port}", module: greylisted_expect_accept}}
  - {{name: greylisted_deferred, address: "127.0.0.1:{cls.scripted.port}", module: greylisted_expect_defer}}
  - {{name: unanswered_rcpt, address: "127.0.0.1:{cls.scripted.port}", module: unanswered_rcpt}}
  - {{name: lmtp_tcp, address: "127.0.0.1:{p.lmtp_port}", module: lmtp}}
  - {{name: lmtp_unix, address: "unix:{p.lmtp_socket}", module: lmtp}}
"""
        cls.targets = re.findall(r"^  - \{name: (\w+),", cls.config, re.M)
        refused = config_refusal(BINARY, cls.config)
        if refused:
            raise AssertionError(f"the exporter refuses the test's config:\n{refused}")
        cls.exporter = Exporter(BINARY, cls.config)
        cls.addClassCleanup(cls.exporter.stop)

        def every_target_probed():
            s = cls.exporter.metrics()
            return all(value(s, "smtp_probe_last_run_timestamp_seconds", target=t) > 0 for t in cls.targets)
        try:
            wait_until(every_target_probed, timeout=40, what="a probe of every target")
        except AssertionError as e:
            raise AssertionError(f"{e}\nexporter log:\n{cls.exporter.logs()[-4000:]}\n"
                                 f"{cls.peers.diagnostics()}") from None
        cls.samples = cls.exporter.metrics()

    # ---- helpers ----

    def diagnostics(self):
        return (f"\nexporter log (end):\n{self.exporter.logs()[-3000:]}\n{self.peers.diagnostics(15)}")

    def metric(self, name, target, **labels):
        return value(self.samples, name, target=target, **labels)

    def has_series(self, name, target, **labels):
        wanted = {("target", target), *labels.items()}
        return any(n == name and wanted <= set(ls) for (n, ls) in self.samples)

    def failures(self, target):
        return {dict(ls)["reason"] for (n, ls), v in self.samples.items()
                if n == "smtp_probe_failures_total" and ("target", target) in ls and v > 0}

    def steps(self, target, family="smtp_step_reply_code"):
        """{step name: value} of one smtp_step_* family for the target."""
        return {dict(ls)["step"]: v for (n, ls), v in self.samples.items()
                if n == family and ("target", target) in ls}

    def assertSucceeded(self, target):
        self.assertEqual(self.metric("smtp_probe_success", target), 1,
                         f"{target}: failures {self.failures(target)}{self.diagnostics()}")
        self.assertEqual(self.failures(target), set())
        for step, ok in self.steps(target, "smtp_step_success").items():
            self.assertEqual(ok, 1, f"{target}: step {step}")
        for step, seconds in self.steps(target, "smtp_step_duration_seconds").items():
            self.assertGreater(seconds, 0, f"{target}: step {step}")

    def assertFailedWith(self, target, reason):
        self.assertEqual(self.metric("smtp_probe_success", target), 0, self.diagnostics())
        self.assertEqual(self.failures(target), {reason}, self.diagnostics())

    def probe(self, port_or_address, module, debug=False, expect_status=200):
        target = port_or_address if isinstance(port_or_address, str) else f"127.0.0.1:{port_or_address}"
        query = urllib.parse.urlencode({"target": target, "module": module, **({"debug": "true"} if debug else {})})
        status, body, _ = http_get(f"{self.exporter.url}/probe?{query}", {"X-Prometheus-Scrape-Timeout-Seconds": "15"})
        self.assertEqual(status, expect_status, body)
        return body if debug or status != 200 else parse_samples(body)

    # ---- mx: accepted and refused recipients ----

    def test_mx_accepts_its_domain_and_refuses_relaying(self):
        t = "mx"
        self.assertSucceeded(t)
        self.assertEqual(self.steps(t), {"mail_from": 250, "rcpt_to": 250, "relay": 554, "rset": 250})
        self.assertEqual(self.metric("smtp_step_success", t, step="relay"), 1)  # a 554 was expected
        self.assertEqual(self.metric("smtp_tls_cert_verified", t), 1)
        # Postfix offers no AUTH on the mx: no mechanism series, and none before TLS.
        self.assertFalse(self.has_series("smtp_auth_mechanism_info", t))
        self.assertEqual(self.metric("smtp_auth_offered_before_tls", t), 0)

    def test_mx_module_against_an_open_relay_fails_with_rcpt_accepted(self):
        t = "open_relay"
        self.assertFailedWith(t, "rcpt_accepted")
        self.assertEqual(self.metric("smtp_step_success", t, step="relay"), 0)
        self.assertEqual(self.metric("smtp_step_reply_code", t, step="relay"), 250)
        self.assertEqual(self.metric("smtp_step_success", t, step="mail_from"), 1)
        self.assertEqual(self.metric("smtp_step_success", t, step="rcpt_to"), 1)

    def test_unknown_recipient_expected_to_pass_is_rcpt_rejected(self):
        t = "unknown_recipient"
        self.assertFailedWith(t, "rcpt_rejected")
        self.assertEqual(self.steps(t), {"mail_from": 250, "rcpt_to": 550})
        self.assertEqual(self.metric("smtp_step_success", t, step="rcpt_to"), 0)
        # The enhanced code is in the transcript.
        body = self.probe(self.ports["mx"], "unknown_recipient", debug=True)
        self.assertIn("550 5.1.1", body)
        self.assertIn("probe_smtp_failure{reason=\"rcpt_rejected\"} 1", body)

    # ---- submission: AUTH ----

    def test_submission_authenticates_with_each_mechanism(self):
        for t in ("submission_auto", "submission_plain", "submission_login", "submission_scram"):
            with self.subTest(target=t):
                self.assertSucceeded(t)
                self.assertEqual(self.steps(t), {"auth": 235, "mail_from": 250, "rcpt_to": 250})
                self.assertEqual(self.metric("smtp_auth_mechanism_info", t, mechanism="PLAIN"), 1)
                self.assertEqual(self.metric("smtp_auth_mechanism_info", t, mechanism="LOGIN"), 1)
                # smtpd_tls_auth_only: AUTH only after STARTTLS.
                self.assertEqual(self.metric("smtp_auth_offered_before_tls", t), 0)

    def test_wrong_password_expected_to_be_refused_succeeds(self):
        # auto picks SCRAM-SHA-256 here; PLAIN and LOGIN send the wrong password as such.
        for t in ("wrong_password_refused", "wrong_password_plain", "wrong_password_login"):
            with self.subTest(target=t):
                self.assertSucceeded(t)
                self.assertEqual(self.steps(t), {"auth": 535})
                self.assertEqual(self.metric("smtp_step_success", t, step="auth"), 1)

    def test_password_file_is_read_again_on_reload(self):
        port = self.ports["submission"]

        def probe_ends_with(reason):
            body = self.probe(port, "submission_rotated", debug=True)
            if reason is None:
                return "probe_success 1" in body
            return "probe_success 0" in body and f'probe_smtp_failure{{reason="{reason}"}} 1' in body

        def reload():
            self.exporter.proc.send_signal(signal.SIGHUP)

        self.assertTrue(probe_ends_with(None), self.diagnostics())
        self.addCleanup(reload)
        try:
            with open(self.rotated_file, "w", encoding="utf-8") as f:
                f.write(WRONG_PASSWORD + "\n")
            reload()
            wait_until(lambda: probe_ends_with("auth_rejected"), timeout=15,
                       what="the rotated (wrong) password in use after SIGHUP")
        finally:
            with open(self.rotated_file, "w", encoding="utf-8") as f:
                f.write(self.peers.password + "\n")
        reload()
        wait_until(lambda: probe_ends_with(None), timeout=15, what="the right password in use again after SIGHUP")

    def test_wrong_password_expected_to_pass_is_auth_rejected(self):
        t = "wrong_password_accepted"
        self.assertFailedWith(t, "auth_rejected")
        self.assertEqual(self.steps(t), {"auth": 535})
        self.assertEqual(self.metric("smtp_step_success", t, step="auth"), 0)

    def test_auth_step_against_a_server_without_auth_is_auth_not_offered(self):
        t = "auth_on_mx"
        self.assertFailedWith(t, "auth_not_offered")
        self.assertEqual(self.metric("smtp_step_success", t, step="auth"), 0)
        self.assertEqual(self.metric("smtp_step_reply_code", t, step="auth"), 0)  # no AUTH was sent
        self.assertFalse(self.has_series("smtp_auth_mechanism_info", t))
        # The steps after a failed one do not run.
        self.assertEqual(self.metric("smtp_step_success", t, step="mail_from"), 0)
        self.assertEqual(self.metric("smtp_step_reply_code", t, step="mail_from"), 0)

    def test_plaintext_auth_where_allowed_and_auth_offered_before_tls(self):
        t = "plaintext_auth"
        self.assertSucceeded(t)
        self.assertEqual(self.steps(t), {"auth": 235, "mail_from": 250})
        self.assertEqual(self.metric("smtp_auth_offered_before_tls", t), 1)
        self.assertTrue(any(line.upper().startswith("AUTH PLAIN") for line in self.scripted.auth_lines),
                        self.scripted.auth_lines)

    # ---- deferrals and timeouts (the scripted server) ----

    def test_greylisting_is_rcpt_deferred_unless_expected(self):
        self.assertFailedWith("greylisted", "rcpt_deferred")
        self.assertEqual(self.steps("greylisted"), {"mail_from": 250, "rcpt_to": 450})
        self.assertSucceeded("greylisted_deferred")
        self.assertEqual(self.steps("greylisted_deferred"), {"mail_from": 250, "grey": 450})

    def test_a_recipient_never_answered_is_step_timeout(self):
        t = "unanswered_rcpt"
        self.assertFailedWith(t, "step_timeout")
        self.assertEqual(self.metric("smtp_step_success", t, step="rcpt_to"), 0)
        self.assertEqual(self.metric("smtp_step_reply_code", t, step="rcpt_to"), 0)
        self.assertEqual(self.metric("smtp_step_success", t, step="mail_from"), 1)

    # ---- LMTP ----

    def test_lmtp_over_tcp_and_a_unix_socket(self):
        for t in ("lmtp_tcp", "lmtp_unix"):
            with self.subTest(target=t):
                self.assertSucceeded(t)
                self.assertEqual(self.steps(t), {"mail_from": 250, "rcpt_to": 250})
                self.assertEqual(self.metric("smtp_reply_code", t, stage="ehlo"), 250)  # LHLO's

    # ---- /probe ----

    def test_probe_answers_the_same_with_probe_names(self):
        s = self.probe(self.ports["mx"], "mx_accepts")
        self.assertEqual(value(s, "probe_success"), 1)
        for step, code in {"mail_from": 250, "rcpt_to": 250, "relay": 554, "rset": 250}.items():
            self.assertEqual(value(s, "probe_smtp_step_reply_code", step=step), code, step)
            self.assertEqual(value(s, "probe_smtp_step_success", step=step), 1, step)
            self.assertGreater(value(s, "probe_smtp_step_duration_seconds", step=step), 0, step)

        s = self.probe(self.ports["relay"], "mx_accepts")
        self.assertEqual(value(s, "probe_success"), 0)
        self.assertEqual(value(s, "probe_smtp_failure", reason="rcpt_accepted"), 1)
        self.assertEqual(value(s, "probe_smtp_step_success", step="relay"), 0)
        self.assertEqual(value(s, "probe_smtp_step_reply_code", step="relay"), 250)

        s = self.probe(self.ports["submission"], "submission_login")
        self.assertEqual(value(s, "probe_success"), 1)
        self.assertEqual(value(s, "probe_smtp_step_reply_code", step="auth"), 235)
        self.assertEqual(value(s, "probe_smtp_auth_mechanism_info", mechanism="PLAIN"), 1)

        s = self.probe(self.ports["submission"], "wrong_password_accepted")
        self.assertEqual(value(s, "probe_success"), 0)
        self.assertEqual(value(s, "probe_smtp_failure", reason="auth_rejected"), 1)
        self.assertEqual(value(s, "probe_smtp_step_reply_code", step="auth"), 535)

        s = self.probe(self.ports["lmtp"], "lmtp")
        self.assertEqual(value(s, "probe_success"), 1)
        self.assertEqual(value(s, "probe_smtp_step_reply_code", step="rcpt_to"), 250)

    def test_probe_refuses_a_unix_socket_target(self):
        body = self.probe(f"unix:{self.peers.lmtp_socket}", "lmtp", expect_status=400)
        self.assertTrue(body.strip(), "a 400 says why")

    # ---- the configuration ----

    def run_check(self, text):
        with tempfile.TemporaryDirectory(prefix="smtp_exporter_check_") as d:
            path = os.path.join(d, "check.yml")
            with open(path, "w") as f:
                f.write(text)
            done = subprocess.run([BINARY, "--config.check", f"--config.file={path}"], capture_output=True,
                                  text=True, timeout=30)
        return path, done

    def test_config_check_refuses_auth_without_tls(self):
        secret = "never-shown-" + os.urandom(6).hex()
        text = ("modules:\n"
                "  clear_auth:\n"
                "    steps:\n"
                f"      - auth: {{username: probe@example.org, password: \"{secret}\"}}\n"
                "targets:\n"
                "  - {address: \"127.0.0.1:25\", module: clear_auth}\n")
        path, done = self.run_check(text)
        self.assertEqual(done.returncode, 1, done.stdout + done.stderr)
        lines = [line for line in done.stderr.splitlines() if line.startswith(path + ":")
                 and not line.endswith("error(s)")]
        self.assertEqual(len(lines), 1, done.stderr)
        self.assertRegex(lines[0], re.escape(path) + r":4:\d+: modules\.clear_auth\.steps\[0\]\S*: ")
        self.assertIn("allow_plaintext", lines[0])
        self.assertNotIn(secret, done.stdout + done.stderr)
        # `tls: none` written out is the same; allow_plaintext: true, or TLS, makes it valid.
        _, done = self.run_check(text.replace("    steps:\n", "    tls: none\n    steps:\n", 1))
        self.assertEqual(done.returncode, 1, done.stderr)
        _, done = self.run_check(text.replace('"}\n', '", allow_plaintext: true}\n', 1))
        self.assertEqual(done.returncode, 0, done.stderr)
        _, done = self.run_check(text.replace("    steps:\n", "    tls: starttls\n    steps:\n", 1))
        self.assertEqual(done.returncode, 0, done.stderr)

    # ---- secrets ----

    def test_no_password_in_any_output(self):
        password = self.peers.password
        secrets = {}
        for name, pw in (("password", password), ("wrong password", WRONG_PASSWORD),
                         ("plaintext password", PLAINTEXT_PASSWORD)):
            secrets[name] = pw
            secrets[f"base64 of the {name}"] = base64.b64encode(pw.encode()).decode()
            secrets[f"base64 of PLAIN with the {name}"] = base64.b64encode(f"\0{USER}\0{pw}".encode()).decode()
            secrets[f"base64 of PLAIN with authzid and the {name}"] = \
                base64.b64encode(f"{USER}\0{USER}\0{pw}".encode()).decode()
        outputs = {}
        for module in ("submission_plain", "submission_login", "submission", "submission_scram"):
            body = self.probe(self.ports["submission"], module, debug=True)
            if module in ("submission_plain", "submission_login"):  # the others have tests of their own
                self.assertIn("probe_success 1", body, module + self.diagnostics())
            self.assertIn("AUTH", body)
            outputs[f"/probe?module={module}&debug=true"] = body
        for module in ("wrong_password_refused", "wrong_password_accepted", "wrong_password_plain",
                       "wrong_password_login"):
            outputs[f"/probe?module={module}&debug=true"] = self.probe(self.ports["submission"], module, debug=True)
        outputs["/probe?module=plaintext_auth&debug=true"] = self.probe(self.ports["scripted"], "plaintext_auth",
                                                                        debug=True)
        self.assertIn("probe_success 1", outputs["/probe?module=plaintext_auth&debug=true"])
        for path in ("/", "/metrics"):
            status, body, _ = http_get(self.exporter.url + path)
            self.assertEqual(status, 200)
            outputs[path] = body
        # Let the log catch up with the probes above, then read all of it (debug level).
        time.sleep(0.5)
        outputs["exporter log"] = self.exporter.logs()
        self.assertIn("debug", outputs["exporter log"].lower(), "the exporter runs with --log.level=debug")
        for where, text in outputs.items():
            for what, secret in secrets.items():
                self.assertNotIn(secret, text, f"the {what} appears in {where}")


if __name__ == "__main__":
    from harness import binary_from_argv
    BINARY = binary_from_argv()
    unittest.main(verbosity=2)
