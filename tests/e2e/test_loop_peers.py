"""The real peers of tests/e2e/loop_peers.py (Postfix delivering over LMTP into Dovecot, Dovecot
serving the mailboxes over IMAPS and IMAP+STARTTLS) behave as the mail loop tests will need,
checked with Python's smtplib, imaplib, ssl and socket only (no exporter involved).
Run (as root): /usr/bin/python3 tests/e2e/test_loop_peers.py [build/smtp_exporter (ignored)]"""
import imaplib
import os
import re
import smtplib
import ssl
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import running_pids  # noqa: E402
from loop_peers import LoopPeers, loop_available, start_for_module  # noqa: E402

WHY_NOT = loop_available()
peers = None


def setUpModule():
    global peers
    if WHY_NOT:
        raise unittest.SkipTest(WHY_NOT)
    peers = start_for_module()
    print(f"\nloop peers started in {peers.startup_seconds:.2f}s", file=sys.stderr)


def token():
    return uuid.uuid4().hex


@unittest.skipIf(WHY_NOT, WHY_NOT)
class LoopPeersTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tls = ssl.create_default_context(cafile=peers.ca_file)
        cls.user = peers.USER
        cls.password = peers.users[peers.USER]

    def diagnostics(self):
        return "\n" + peers.diagnostics(20)

    # ---- helpers ----

    def send(self, tok, subject="loop probe", sender="probe@example.org", to=None):
        """One message over SMTP to the mx; returns when Postfix said 250 to its DATA."""
        to = to or peers.USER
        message = (f"From: Probe <{sender}>\r\nTo: <{to}>\r\nSubject: {subject}\r\n"
                   f"Message-ID: <{tok}@example.org>\r\nX-Test-Token: {tok}\r\n\r\nloop probe {tok}\r\n")
        with smtplib.SMTP("127.0.0.1", peers.smtp_port, local_hostname="probe.example.org", timeout=10) as s:
            self.assertEqual(s.sendmail(sender, [to], message), {})

    def imap(self, port="imaps", user=None, password=None):
        """A logged-in IMAP connection: over implicit TLS ("imaps") or after STARTTLS ("starttls")."""
        if port == "imaps":
            imap = imaplib.IMAP4_SSL("127.0.0.1", peers.imaps_port, ssl_context=self.tls, timeout=10)
        else:
            imap = imaplib.IMAP4("127.0.0.1", peers.imap_port, timeout=10)
            self.assertIn("STARTTLS", imap.capabilities)
            imap.starttls(ssl_context=self.tls)
        self.addCleanup(self.logout, imap)
        self.assertEqual(imap.sock.version(), "TLSv1.3")
        typ, _ = imap.login(user or self.user, password or self.password)
        self.assertEqual(typ, "OK")
        return imap

    @staticmethod
    def logout(imap):
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            pass

    def search(self, imap, tok):
        typ, data = imap.uid("SEARCH", "HEADER", "X-Test-Token", tok)
        self.assertEqual(typ, "OK", data)
        return data[0].split()

    def wait_for_uid(self, imap, tok, timeout=10.0):
        """Polls UID SEARCH (NOOP between, so that the session sees new mail) until one message
        carries the token; returns its UID."""
        deadline = time.monotonic() + timeout
        while True:
            uids = self.search(imap, tok)
            if uids:
                self.assertEqual(len(uids), 1, uids)
                return uids[0]
            if time.monotonic() >= deadline:
                self.fail(f"no message with X-Test-Token {tok} after {timeout}s{self.diagnostics()}")
            time.sleep(0.05)
            imap.noop()

    def headers(self, imap, uid):
        typ, data = imap.uid("FETCH", uid, "(BODY.PEEK[HEADER])")
        self.assertEqual(typ, "OK", data)
        return data[0][1].decode()

    def find_fetch_delete(self, port):
        tok = token()
        self.send(tok)
        imap = self.imap(port)
        self.assertEqual(imap.select("INBOX")[0], "OK")
        uid = self.wait_for_uid(imap, tok)
        headers = self.headers(imap, uid)
        self.assertIn(f"X-Test-Token: {tok}", headers)
        self.assertIn("Delivered-To: probe@example.org", headers)
        self.assertIn("by dovecot.example.org with LMTP", headers)
        # BODY.PEEK does not set \Seen.
        typ, data = imap.uid("FETCH", uid, "(FLAGS)")
        self.assertNotIn(b"\\Seen", data[0])
        typ, data = imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
        self.assertEqual(typ, "OK", data)
        self.assertEqual(imap.expunge()[0], "OK")
        self.assertEqual(self.search(imap, tok), [])
        return tok

    # ---- reading, deleting ----

    def test_message_found_fetched_and_deleted_over_imaps(self):
        tok = self.find_fetch_delete("imaps")
        # Gone for a new session too.
        imap = self.imap("imaps")
        imap.select("INBOX", readonly=True)
        self.assertEqual(self.search(imap, tok), [])

    def test_message_found_fetched_and_deleted_over_starttls(self):
        self.find_fetch_delete("starttls")

    def test_idle_reports_a_new_message_without_polling(self):
        imap = self.imap("imaps")
        self.assertIn("IDLE", imap.capabilities)
        imap.select("INBOX")
        tag = imap._new_tag()
        imap.send(tag + b" IDLE\r\n")
        self.assertTrue(imap.readline().startswith(b"+ "))  # "+ idling"
        tok = token()
        self.send(tok)
        sent = time.monotonic()
        imap.sock.settimeout(5)
        lines = []
        while True:
            line = imap.readline()
            self.assertTrue(line, f"connection closed in IDLE after {lines}")
            lines.append(line)
            if re.match(rb"\* \d+ EXISTS\r\n", line):
                break
        elapsed = time.monotonic() - sent
        print(f"\nIDLE: EXISTS {elapsed * 1000:.0f} ms after the 250 for DATA", file=sys.stderr)
        # Dovecot tells IDLE clients 0.5 s after a delivery (NOTIFY_DELAY_MSECS); the bound leaves
        # room for a loaded machine: the point is a push without polling.
        self.assertLess(elapsed, 3.0, lines)
        imap.send(b"DONE\r\n")
        while not line.startswith(tag):
            line = imap.readline()
            self.assertTrue(line)
        self.assertTrue(line.startswith(tag + b" OK"), line)
        imap.sock.settimeout(10)
        self.wait_for_uid(imap, tok)

    # ---- Junk, Authentication-Results ----

    def test_junk_subject_lands_in_junk_not_inbox(self):
        tok = token()
        self.send(tok, subject="[junk] loop probe")
        imap = self.imap("imaps")
        typ, data = imap.list('""', "Junk")
        self.assertEqual(typ, "OK")
        self.assertIn(b"\\Junk", data[0])  # special_use
        self.assertEqual(imap.select("Junk")[0], "OK")
        uid = self.wait_for_uid(imap, tok)
        self.assertIn("Subject: [junk] loop probe", self.headers(imap, uid))
        imap.select("INBOX", readonly=True)
        self.assertEqual(self.search(imap, tok), [])
        self.assertIn(os.path.join(peers.maildir(mailbox="Junk"), ""), peers.wait_for_message(tok, mailbox="Junk"))

    def test_authentication_results_by_from_domain(self):
        cases = {"probe@example.org": ["spf=pass", "dkim=pass", "dmarc=pass"],
                 "someone@spoofed.example.net": ["spf=fail", "dkim=fail", "dmarc=fail"],
                 "someone@example.com": None}
        tokens = {}
        for sender in cases:
            tokens[sender] = token()
            self.send(tokens[sender], sender=sender)
        imap = self.imap("imaps")
        imap.select("INBOX", readonly=True)
        for sender, verdicts in cases.items():
            with self.subTest(sender=sender):
                headers = self.headers(imap, self.wait_for_uid(imap, tokens[sender]))
                found = re.findall(r"^Authentication-Results: (.*(?:\r\n[ \t].*)*)", headers, re.M)
                if verdicts is None:
                    self.assertEqual(found, [], headers)
                    continue
                self.assertEqual(len(found), 1, headers)
                # RFC 8601: authserv-id first, then method=result pairs separated by ";".
                authserv_id, *results = [part.strip() for part in found[0].split(";")]
                self.assertEqual(authserv_id, "mx.example.org")
                self.assertEqual([r.split()[0] for r in results], verdicts)

    # ---- logins ----

    def test_wrong_password_fails_login_with_no(self):
        for port in ("imaps", "starttls"):
            with self.subTest(port=port):
                if port == "imaps":
                    imap = imaplib.IMAP4_SSL("127.0.0.1", peers.imaps_port, ssl_context=self.tls, timeout=10)
                else:
                    imap = imaplib.IMAP4("127.0.0.1", peers.imap_port, timeout=10)
                    imap.starttls(ssl_context=self.tls)
                self.addCleanup(self.logout, imap)
                started = time.monotonic()
                # imaplib's login() raises for NO and BAD alike, with the text only: the tagged
                # status comes from the command it runs.
                typ, data = imap._simple_command("LOGIN", self.user, imap._quote("certainly-wrong"))
                self.assertEqual(typ, "NO", data)
                self.assertIn(b"[AUTHENTICATIONFAILED]", data[-1])
                self.assertLess(time.monotonic() - started, 3)
                self.assertEqual(imap.state, "NONAUTH")
        # ... and the right one still works at once (no auth penalty).
        self.imap("imaps")

    def test_second_user_has_a_mailbox_of_its_own(self):
        second = peers.SECOND_USER
        tok = token()
        self.send(tok, to=second)
        imap = self.imap("imaps", second, peers.users[second])
        imap.select("INBOX", readonly=True)
        self.wait_for_uid(imap, tok)
        mine = self.imap("imaps")
        mine.select("INBOX", readonly=True)
        self.assertEqual(self.search(mine, tok), [])
        other = imaplib.IMAP4_SSL("127.0.0.1", peers.imaps_port, ssl_context=self.tls, timeout=10)
        self.addCleanup(self.logout, other)
        with self.assertRaises(imaplib.IMAP4.error):  # probe's password is not second's
            other.login(second, self.password)

    # ---- Maildir ----

    def test_maildir_holds_the_delivered_file_under_new(self):
        tok = token()
        self.send(tok)
        path = peers.wait_for_message(tok)
        # Nobody opened the mailbox since: Dovecot moves new/ to cur/ only for an IMAP session.
        self.assertEqual(os.path.dirname(path), os.path.join(peers.maildir(peers.USER), "new"))
        with open(path) as f:
            self.assertIn(f"X-Test-Token: {tok}", f.read())

    # ---- faults ----

    def test_dovecot_down_then_back_delivers_what_came_meanwhile(self):
        try:
            started = time.monotonic()
            peers.stop_dovecot()
            stopped = time.monotonic() - started
            for port in (peers.imaps_port, peers.imap_port):
                with self.assertRaises(ConnectionRefusedError):
                    imaplib.IMAP4("127.0.0.1", port, timeout=5)
            tok = token()
            self.send(tok)  # Postfix takes it; LMTP delivery fails, the message is deferred
            deadline = time.monotonic() + 10
            while True:
                waiting = [m for m in peers.queued() if m["queue_name"] == "deferred"]
                if waiting:
                    break
                self.assertLess(time.monotonic(), deadline, f"not deferred{self.diagnostics()}")
                time.sleep(0.05)
            self.assertIn("lmtp", waiting[0]["recipients"][0]["delay_reason"])
            with self.assertRaises(AssertionError):
                peers.wait_for_message(tok, timeout=0)
        finally:
            started = time.monotonic()
            peers.start_dovecot()
            restarted = time.monotonic() - started
        # Postfix would retry on its own within about 2 s here (minimal/maximal_backoff_time 1s/2s,
        # with Postfix's defaults 5 minutes); flush() asks for it now.
        peers.flush()
        imap = self.imap("imaps")
        imap.select("INBOX", readonly=True)
        self.wait_for_uid(imap, tok, timeout=5)
        delivered = time.monotonic() - started
        print(f"\nstop_dovecot {stopped:.2f}s, start_dovecot {restarted:.2f}s, "
              f"delivered {delivered:.2f}s after the restart began", file=sys.stderr)

    def test_hold_queue_keeps_mail_out_until_release(self):
        try:
            peers.hold_queue()
            tok = token()
            self.send(tok)
            # Longer than Postfix's retry pace here (1 s) and its normal delivery (< 0.2 s).
            time.sleep(1.5)
            held = [m for m in peers.queued() if m["queue_name"] == "hold"]
            self.assertEqual(len(held), 1, f"{peers.queued()}{self.diagnostics()}")
            imap = self.imap("imaps")
            imap.select("INBOX", readonly=True)
            self.assertEqual(self.search(imap, tok), [])
        finally:
            peers.release_queue()
        started = time.monotonic()
        self.wait_for_uid(imap, tok, timeout=5)
        print(f"\nreleased: delivered {time.monotonic() - started:.2f}s after release_queue()", file=sys.stderr)
        self.assertEqual([m for m in peers.queued() if m["queue_name"] == "hold"], [])


class StopTest(unittest.TestCase):
    @unittest.skipIf(WHY_NOT, WHY_NOT)
    def test_stop_ends_every_process_and_removes_the_folder(self):
        other = LoopPeers()
        with other:
            base = other.base
            master = other.postfix_master_pid()
            dovecot = other._dovecot.pid
            self.assertIsNotNone(master)
            self.assertNotIn(other.imaps_port, (peers.imaps_port, peers.imap_port, peers.smtp_port))
        self.assertFalse(os.path.exists(base))
        self.assertEqual(running_pids([master, dovecot]), [], "still running")


if __name__ == "__main__":
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        sys.argv.pop(1)  # ctest passes the exporter binary to every e2e script; not needed here
    unittest.main(verbosity=2)
