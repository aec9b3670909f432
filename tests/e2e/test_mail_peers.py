"""The real mail peers of tests/e2e/mail_peers.py (one Postfix with mx, submission and relay
services, one Dovecot with LMTP, IMAP and SASL auth) behave as the transaction tests expect,
checked with Python's smtplib, imaplib and ssl only (no exporter involved).
Run (as root): /usr/bin/python3 tests/e2e/test_mail_peers.py [build/smtp_exporter (ignored)]"""
import base64
import hashlib
import hmac
import imaplib
import os
import smtplib
import ssl
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import running_pids  # noqa: E402
from mail_peers import MailPeers, available  # noqa: E402

WHY_NOT = available()


@unittest.skipIf(WHY_NOT, WHY_NOT)
class MailPeersTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.peers = MailPeers(auth_mechanisms=("plain", "login", "scram-sha-256"))
        cls.peers.start()
        cls.addClassCleanup(cls.peers.stop)
        print(f"\nmail peers started in {cls.peers.startup_seconds:.2f}s", file=sys.stderr)
        cls.tls = ssl.create_default_context(cafile=cls.peers.ca_file)

    def diagnostics(self):
        return "\n" + self.peers.diagnostics(20)

    def smtp(self, port):
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="probe.example.org", timeout=10)
        self.addCleanup(self.close, s)
        return s

    @staticmethod
    def close(s):
        try:
            s.quit()
        except (smtplib.SMTPException, OSError):
            s.close()

    def assertReply(self, reply, code, enhanced=None, text=None):
        got_code, got_text = reply
        got_text = got_text.decode(errors="replace") if isinstance(got_text, bytes) else got_text
        self.assertEqual(got_code, code, f"{got_code} {got_text}{self.diagnostics()}")
        if enhanced:
            self.assertTrue(got_text.startswith(enhanced + " "), got_text)
        if text:
            self.assertIn(text, got_text)

    def message(self, sender, recipient, subject):
        return (f"From: <{sender}>\r\nTo: <{recipient}>\r\nSubject: {subject}\r\n"
                f"Message-ID: <{uuid.uuid4().hex}@example.org>\r\n\r\nbody of {subject}\r\n")

    def wait_for_subject(self, subject, timeout=15):
        """Waits until a message with `subject` is in probe's Maildir; returns its text."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for path in self.peers.messages():
                with open(path, errors="replace") as f:
                    text = f.read()
                if subject in text:
                    return text
            time.sleep(0.1)
        self.fail(f"no message {subject!r} in {self.peers.maildir()} after {timeout}s{self.diagnostics()}")

    # ---- mx ----

    def test_mx_accepts_its_mailboxes_and_refuses_the_rest(self):
        s = self.smtp(self.peers.mx_port)
        code, _ = s.ehlo()
        self.assertEqual(code, 250)
        self.assertTrue(s.has_extn("starttls"))
        self.assertFalse(s.has_extn("auth"), s.esmtp_features)
        self.assertReply(s.mail("probe@example.org"), 250)
        self.assertReply(s.rcpt("probe@example.org"), 250)
        self.assertReply(s.rcpt("postmaster@example.org"), 250)
        self.assertReply(s.rcpt("unknown@example.org"), 550, "5.1.1", "User unknown")
        self.assertReply(s.rcpt("someone@example.net"), 554, "5.7.1", "Relay access denied")
        self.assertReply(s.rset(), 250)

    def test_mx_starttls_verifies_with_the_test_ca_and_still_offers_no_auth(self):
        s = self.smtp(self.peers.mx_port)
        s.ehlo()
        code, _ = s.starttls(context=self.tls)
        self.assertEqual(code, 220)
        self.assertEqual(s.sock.version(), "TLSv1.3")
        s.ehlo()
        self.assertFalse(s.has_extn("auth"), s.esmtp_features)
        self.assertFalse(s.has_extn("starttls"))
        self.assertReply(s.mail(""), 250)
        self.assertReply(s.rcpt("probe@example.org"), 250)

    def test_mail_through_the_mx_lands_in_the_maildir_over_lmtp(self):
        subject = "mx-" + uuid.uuid4().hex
        s = self.smtp(self.peers.mx_port)
        s.ehlo()
        refused = s.sendmail("sender@example.org", ["postmaster@example.org"],
                             self.message("sender@example.org", "postmaster@example.org", subject))
        self.assertEqual(refused, {})
        text = self.wait_for_subject(subject)
        self.assertIn("Delivered-To: probe@example.org", text)  # postmaster@ is an alias of probe@

    # ---- submission ----

    def test_submission_offers_auth_only_after_starttls(self):
        s = self.smtp(self.peers.submission_port)
        s.ehlo()
        self.assertTrue(s.has_extn("starttls"))
        self.assertFalse(s.has_extn("auth"), s.esmtp_features)
        # STARTTLS is required: no transaction before it.
        self.assertReply(s.mail("probe@example.org"), 530, "5.7.0")
        s.rset()
        s.starttls(context=self.tls)
        s.ehlo()
        self.assertTrue(s.has_extn("auth"), s.esmtp_features)
        mechanisms = s.esmtp_features["auth"].upper().split()
        self.assertIn("PLAIN", mechanisms)
        self.assertIn("LOGIN", mechanisms)
        # Nobody relays, or even sends to example.org, without AUTH.
        self.assertReply(s.mail("probe@example.org"), 250)
        self.assertEqual(s.rcpt("probe@example.org")[0], 554)

    def authenticated(self, mechanism, password):
        s = self.smtp(self.peers.submission_port)
        s.ehlo()
        s.starttls(context=self.tls)
        s.ehlo()
        s.user, s.password = self.peers.user, password
        method = {"PLAIN": s.auth_plain, "LOGIN": s.auth_login}[mechanism]
        try:
            return s, s.auth(mechanism, method, initial_response_ok=True)
        except smtplib.SMTPAuthenticationError as e:
            return s, (e.smtp_code, e.smtp_error)

    def test_auth_plain_and_login_with_the_right_password(self):
        for mechanism in ("PLAIN", "LOGIN"):
            with self.subTest(mechanism=mechanism):
                s, reply = self.authenticated(mechanism, self.peers.password)
                self.assertReply(reply, 235, "2.7.0")
                # Authenticated: relaying is allowed (the message would bounce; none is sent).
                self.assertReply(s.mail("probe@example.org"), 250)
                self.assertReply(s.rcpt("probe@example.org"), 250)
                self.assertReply(s.rcpt("someone@example.net"), 250)

    def test_auth_with_a_wrong_password_is_535(self):
        for mechanism in ("PLAIN", "LOGIN"):
            with self.subTest(mechanism=mechanism):
                started = time.monotonic()
                _, reply = self.authenticated(mechanism, "certainly-wrong")
                self.assertReply(reply, 535, "5.7.8")
                self.assertLess(time.monotonic() - started, 5, "Dovecot's auth_failure_delay should be 0 here")
        # ... and the right one still passes at once afterwards (no auth penalty for 127.0.0.1).
        started = time.monotonic()
        _, reply = self.authenticated("PLAIN", self.peers.password)
        self.assertReply(reply, 235)
        self.assertLess(time.monotonic() - started, 3)

    def test_auth_plain_in_two_steps(self):
        s = self.smtp(self.peers.submission_port)
        s.ehlo()
        s.starttls(context=self.tls)
        s.ehlo()
        code, text = s.docmd("AUTH", "PLAIN")
        self.assertEqual((code, text), (334, b""))
        token = base64.b64encode(f"\0{self.peers.user}\0{self.peers.password}".encode()).decode()
        self.assertReply(s.docmd(token), 235)

    def scram_sha_256(self, s, password):
        """AUTH SCRAM-SHA-256 (RFC 5802, RFC 7677) by hand: smtplib has no SCRAM. Returns the final
        reply and whether the server proved it knows the password."""
        nonce = base64.b64encode(os.urandom(18)).decode()
        first_bare = f"n={self.peers.user},r={nonce}"
        code, text = s.docmd("AUTH", "SCRAM-SHA-256 " + base64.b64encode(f"n,,{first_bare}".encode()).decode())
        self.assertEqual(code, 334, text)
        server_first = base64.b64decode(text).decode()
        fields = dict(kv.split("=", 1) for kv in server_first.split(","))
        self.assertTrue(fields["r"].startswith(nonce))
        salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(fields["s"]), int(fields["i"]))
        client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
        final_without_proof = f"c=biws,r={fields['r']}"
        auth_message = f"{first_bare},{server_first},{final_without_proof}".encode()
        signature = hmac.new(hashlib.sha256(client_key).digest(), auth_message, hashlib.sha256).digest()
        proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature))).decode()
        code, text = s.docmd(base64.b64encode(f"{final_without_proof},p={proof}".encode()).decode())
        verified = False
        if code == 334:
            # Postfix sends SCRAM's server-final message as one more challenge, answered with an
            # empty line, rather than as additional data with the 235 (RFC 4954 allows both).
            server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
            expected = base64.b64encode(hmac.new(server_key, auth_message, hashlib.sha256).digest()).decode()
            verified = base64.b64decode(text).decode() == f"v={expected}"
            code, text = s.docmd("")
        return (code, text), verified

    def test_auth_scram_sha_256(self):
        for password, code in ((self.peers.password, 235), ("certainly-wrong", 535)):
            with self.subTest(code=code):
                s = self.smtp(self.peers.submission_port)
                s.ehlo()
                s.starttls(context=self.tls)
                s.ehlo()
                self.assertIn("SCRAM-SHA-256", s.esmtp_features["auth"].upper().split())
                reply, verified = self.scram_sha_256(s, password)
                self.assertReply(reply, code)
                self.assertEqual(verified, code == 235)

    # ---- relay ----

    def test_relay_accepts_a_foreign_domain_and_nothing_leaves(self):
        s = self.smtp(self.peers.relay_port)
        s.ehlo()
        self.assertFalse(s.has_extn("auth"))
        self.assertReply(s.mail("probe@example.org"), 250)
        self.assertReply(s.rcpt("someone@example.net"), 250)
        s.rset()
        # A message for outside is accepted and discarded (default_transport is discard:).
        subject = "relay-" + uuid.uuid4().hex
        refused = s.sendmail("probe@example.org", ["someone@example.net"],
                             self.message("probe@example.org", "someone@example.net", subject))
        self.assertEqual(refused, {})
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with open(self.peers.maillog, errors="replace") as f:
                log = f.read()
            if "to=<someone@example.net>" in log and "status=sent (no delivery outside the test machine)" in log:
                break
            time.sleep(0.1)
        else:
            self.fail("the message for someone@example.net was not discarded" + self.diagnostics())
        self.assertNotIn("relay=someone", log)

    # ---- Dovecot LMTP and IMAP ----

    def lmtp_transaction(self, address):
        s = smtplib.LMTP(address, self.peers.lmtp_port if not address.startswith("/") else 0,
                         local_hostname="probe.example.org", timeout=10)
        self.addCleanup(self.close, s)
        code, _ = s.ehlo()  # smtplib's LMTP sends LHLO
        self.assertEqual(code, 250)
        self.assertReply(s.mail(""), 250)
        self.assertReply(s.rcpt("probe@example.org"), 250)
        self.assertReply(s.rcpt("nobody-here@example.org"), 550, "5.1.1")
        self.assertReply(s.rset(), 250)
        return s

    def test_lmtp_over_tcp_and_the_unix_socket(self):
        for address in ("127.0.0.1", self.peers.lmtp_socket):
            with self.subTest(address=address):
                self.lmtp_transaction(address)
        self.assertEqual(os.stat(self.peers.lmtp_socket).st_mode & 0o777, 0o666)

    def test_lmtp_data_lands_in_the_maildir(self):
        s = self.lmtp_transaction(self.peers.lmtp_socket)
        subject = "lmtp-" + uuid.uuid4().hex
        refused = s.sendmail("", ["probe@example.org"], self.message("", "probe@example.org", subject))
        self.assertEqual(refused, {})
        self.wait_for_subject(subject)

    def test_imap_login_over_starttls_and_in_plaintext(self):
        subject = "imap-" + uuid.uuid4().hex
        s = self.lmtp_transaction("127.0.0.1")
        s.sendmail("", ["probe@example.org"], self.message("", "probe@example.org", subject))
        self.wait_for_subject(subject)
        for use_tls in (True, False):
            with self.subTest(starttls=use_tls):
                imap = imaplib.IMAP4("127.0.0.1", self.peers.imap_port, timeout=10)
                try:
                    if use_tls:
                        imap.starttls(ssl_context=self.tls)
                    self.assertEqual(imap.login(self.peers.user, self.peers.password)[0], "OK")
                    self.assertEqual(imap.select("INBOX", readonly=True)[0], "OK")
                    typ, data = imap.search(None, "HEADER", "Subject", subject)
                    self.assertEqual(typ, "OK")
                    self.assertEqual(len(data[0].split()), 1, data)
                finally:
                    imap.logout()
        with self.assertRaises(imaplib.IMAP4.error):
            imap = imaplib.IMAP4("127.0.0.1", self.peers.imap_port, timeout=10)
            try:
                imap.login(self.peers.user, "certainly-wrong")
            finally:
                imap.shutdown()


class StopTest(unittest.TestCase):
    @unittest.skipIf(WHY_NOT, WHY_NOT)
    def test_stop_ends_every_process_and_removes_the_folder(self):
        peers = MailPeers()
        with peers:
            base = peers.base
            master = peers.postfix_master_pid()
            dovecot = peers._dovecot.pid
            self.assertIsNotNone(master)
        self.assertFalse(os.path.exists(base))
        self.assertEqual(running_pids([master, dovecot]), [], "still running")


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        sys.argv.pop(1)  # ctest passes the exporter binary to every e2e script; not needed here
    unittest.main(verbosity=2)
