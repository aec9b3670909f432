"""The mail loop's IMAP client (src/imap/client.*) against a real Dovecot: the client's own
tests in tests/imap/client_dovecot_test.cpp (ImapClientWithDovecot.*), run here with the peers
they need. Messages are delivered through the real Postfix -> LMTP -> Dovecot path (one into
INBOX, one filed into Junk), the client finds, reads and removes them, and the mailbox is checked
afterwards; IDLE is run alone while a message is delivered a moment after it starts.
Run (as root): /usr/bin/python3 tests/e2e/test_imap_client.py build/smtp_exporter"""
import os
import smtplib
import subprocess
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loop_peers import loop_available, start_for_module  # noqa: E402

EXPORTER = sys.argv[1] if len(sys.argv) > 1 else "build/smtp_exporter"
IMAP_TEST = os.path.join(os.path.dirname(os.path.abspath(EXPORTER)), "tests", "imap_test")
WHY_NOT = loop_available() or ("" if os.path.exists(IMAP_TEST) else f"{IMAP_TEST} not built")
peers = None


def setUpModule():
    global peers
    if WHY_NOT:
        raise unittest.SkipTest(WHY_NOT)
    peers = start_for_module()


def deliver(token, subject="loop probe"):
    """One message to probe@ through Postfix; returns when Postfix said 250 to its DATA."""
    message = (f"From: Probe <probe@example.org>\r\nTo: <{peers.USER}>\r\nSubject: {subject}\r\n"
               f"Message-ID: <{token}@example.org>\r\nX-Smtp-Exporter-Probe: {token}\r\n\r\nprobe {token}\r\n")
    with smtplib.SMTP("127.0.0.1", peers.smtp_port, local_hostname="probe.example.org", timeout=10) as s:
        s.sendmail("probe@example.org", [peers.USER], message)


@unittest.skipIf(WHY_NOT, WHY_NOT)
class ImapClientTest(unittest.TestCase):

    def run_gtest(self, gtest_filter, **tokens):
        env = dict(os.environ,
                   SMTP_EXPORTER_IMAP_IMAPS_PORT=str(peers.imaps_port),
                   SMTP_EXPORTER_IMAP_IMAP_PORT=str(peers.imap_port),
                   SMTP_EXPORTER_IMAP_CA_FILE=peers.ca_file,
                   SMTP_EXPORTER_IMAP_USER=peers.USER,
                   SMTP_EXPORTER_IMAP_PASSWORD=peers.users[peers.USER],
                   **{f"SMTP_EXPORTER_IMAP_TOKEN_{k.upper()}": v for k, v in tokens.items()})
        return subprocess.Popen([IMAP_TEST, f"--gtest_filter={gtest_filter}", "--gtest_brief=0"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def finish(self, process):
        out, _ = process.communicate(timeout=120)
        self.assertEqual(process.returncode, 0, out + peers.diagnostics(20))
        self.assertNotIn("SKIPPED", out, out)
        return out

    def test_the_client_against_dovecot(self):
        inbox, junk = uuid.uuid4().hex, uuid.uuid4().hex
        deliver(inbox)
        deliver(junk, subject="loop probe [junk]")
        peers.wait_for_message(inbox)
        peers.wait_for_message(junk, mailbox="Junk")
        out = self.finish(self.run_gtest("ImapClientWithDovecot.*:-*IdleSeesADelivery", inbox=inbox, junk=junk))
        self.assertIn("[  PASSED  ] 5 tests", out, out)
        # What the client removed is gone from the Maildir too.
        for token, mailbox in ((inbox, "INBOX"), (junk, "Junk")):
            left = [p for p in peers.messages(mailbox=mailbox) if token in open(p, errors="replace").read()]
            self.assertEqual(left, [], mailbox)

    def test_idle_sees_a_delivery(self):
        token = uuid.uuid4().hex
        process = self.run_gtest("ImapClientWithDovecot.IdleSeesADelivery", idle=token)
        time.sleep(1.5)  # logged in and idling by then (the gtest waits up to 20 s)
        deliver(token)
        out = self.finish(process)
        self.assertIn("[  PASSED  ] 1 test", out, out)
        left = [p for p in peers.messages() if token in open(p, errors="replace").read()]
        self.assertEqual(left, [])


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
