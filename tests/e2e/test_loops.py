"""End to end: mail loops (README, "Mail loops") against REAL peers: Postfix takes the exporter's
probe message and delivers it over LMTP into Dovecot, where the exporter finds it over IMAPS or
IMAP+STARTTLS, or in the Maildir itself (tests/e2e/loop_peers.py). Faults: Dovecot stopped,
Postfix's queue held, a wrong IMAP password, a message filed into Junk, an exporter restart with
messages in flight, another instance's message in the same mailbox. Each test's exporter has an
instance name of its own, so the tests share one mailbox without counting each other's mail.
Run (as root): /usr/bin/python3 tests/e2e/test_loops.py build/smtp_exporter"""
import os
import smtplib
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dashboard_queries  # noqa: E402
from harness import Exporter, Prometheus, binary_from_argv, config_refusal, wait_until  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from dns_peers import DnsPeers, Zone, available as dns_available  # noqa: E402
from loop_peers import loop_available, start_for_module  # noqa: E402

BINARY = None
WHY_NOT = loop_available()
peers = None


def setUpModule():
    global peers
    if WHY_NOT:
        raise unittest.SkipTest(WHY_NOT)
    peers = start_for_module()


def loop_config(instance, receive, name="inbound", interval="2s", timeout="6s", poll_interval="1s", module=""):
    return f"""
global: {{instance: {instance}}}
loops:
  - name: {name}
    send: {{address: "127.0.0.1:{peers.smtp_port}", from: probe@example.org, to: {peers.USER}{module}}}
    receive: {receive}
    interval: {interval}
    poll_interval: {poll_interval}
    timeout: {timeout}
    buckets: [0.5, 1, 2, 5, 10]
"""


def imaps(password=None, user=None):
    return (f"{{imap: {{address: \"127.0.0.1:{peers.imaps_port}\", tls_config: {{ca_file: {peers.ca_file}, "
            f"server_name: localhost}}, username: {user or peers.USER}, "
            f"password: \"{password or peers.users[user or peers.USER]}\"}}}}")


def messages_of(instance, user=None, mailboxes=("INBOX", "Junk")):
    """Paths of the messages of `instance` still in the mailbox."""
    found = []
    for mailbox in mailboxes:
        for path in peers.messages(user, mailbox):
            try:
                with open(path, errors="replace") as f:
                    if f"instance={instance};" in f.read():
                        found.append(path)
            except FileNotFoundError:
                continue
    return found


def loop_values(exporter, loop="inbound"):
    """The loop's series as {name or name{label=value}: value}."""
    out = {}
    for (name, labels), v in exporter.metrics().items():
        labels = dict(labels)
        if labels.pop("loop", None) != loop:
            continue
        key = name + ("{" + ",".join(f"{k}={labels[k]}" for k in sorted(labels)) + "}" if labels else "")
        out[key] = v
    return out


class LoopCase(unittest.TestCase):
    """What the loop tests share: an exporter per test, waiting on a loop's series."""

    def exporter(self, config):
        refusal = config_refusal(BINARY, config)
        self.assertEqual(refusal, "", refusal)
        exporter = Exporter(BINARY, config)
        self.addCleanup(exporter.stop)
        return exporter

    def wait_for(self, exporter, predicate, timeout, what, loop="inbound"):
        def check():
            values = loop_values(exporter, loop)
            self.assertTrue(predicate(values), values)
            return True
        try:
            wait_until(check, timeout, interval=0.25, what=what)
        except AssertionError as e:
            raise AssertionError(f"{e}\n--- exporter log\n{exporter.logs()[-4000:]}\n{peers.diagnostics(15)}")
        return loop_values(exporter, loop)

    def assert_accounted(self, v):
        """Every message sent is received, lost or still out; never more than one of these."""
        received = sum(x for k, x in v.items() if k.startswith("smtp_loop_received_total"))
        self.assertEqual(received + v["smtp_loop_lost_total"] + v["smtp_loop_pending"], v["smtp_loop_sent_total"], v)


@unittest.skipIf(WHY_NOT, WHY_NOT)
class LoopTest(LoopCase):

    def test_messages_go_round_over_imaps_and_are_deleted(self):
        instance = "imaps-" + uuid.uuid4().hex[:8]
        exporter = self.exporter(loop_config(instance, imaps()))
        v = self.wait_for(exporter, lambda v: v.get("smtp_loop_received_total{folder=INBOX}", 0) >= 2, 30,
                          "two messages found in INBOX")
        self.assertEqual(v["smtp_loop_lost_total"], 0)
        self.assertEqual(v["smtp_loop_late_total"], 0)
        self.assertEqual(v["smtp_loop_receive_up"], 1)
        self.assertGreaterEqual(v["smtp_loop_roundtrip_seconds_count"], 2)
        self.assertGreater(v["smtp_loop_last_roundtrip_seconds"], 0)
        self.assertLess(v["smtp_loop_last_roundtrip_seconds"], 5)
        self.assertGreater(v["smtp_loop_last_success_timestamp_seconds"], time.time() - 60)
        self.assertGreaterEqual(v["smtp_loop_last_queue_seconds"], 0)
        # From: probe@example.org gets a passing Authentication-Results from the delivery path.
        for method in ("spf", "dkim", "dmarc"):
            self.assertEqual(v[f"smtp_loop_auth_results{{method={method},result=pass}}"], 1, v)
        # Junk is there (Dovecot's \Junk folder) and searched, with nothing in it.
        self.assertEqual(v["smtp_loop_received_total{folder=Junk}"], 0)
        self.assertEqual(v["smtp_loop_send_failures_total{reason=connect_refused}"], 0)
        self.assert_accounted(v)
        # What was found was deleted: once nothing is out, the mailbox has none of this instance's.
        self.wait_for(exporter, lambda v: v["smtp_loop_pending"] == 0, 15, "nothing out")
        exporter.stop()
        self.assertEqual(messages_of(instance), [])

    def test_starttls_receive(self):
        instance = "starttls-" + uuid.uuid4().hex[:8]
        receive = (f"{{imap: {{address: \"127.0.0.1:{peers.imap_port}\", tls: starttls, "
                   f"tls_config: {{ca_file: {peers.ca_file}, server_name: localhost}}, username: {peers.USER}, "
                   f"password: \"{peers.users[peers.USER]}\"}}}}")
        exporter = self.exporter(loop_config(instance, receive))
        self.wait_for(exporter, lambda v: v.get("smtp_loop_received_total{folder=INBOX}", 0) >= 1, 30, "a message found")

    def test_a_message_filed_into_junk_counts_there(self):
        instance = "junk-" + uuid.uuid4().hex[:8]
        exporter = self.exporter(loop_config(instance, imaps(), name="junk"))
        v = self.wait_for(exporter, lambda v: v.get("smtp_loop_received_total{folder=Junk}", 0) >= 1, 30,
                          "a message found in Junk", loop="junk")
        self.assertEqual(v["smtp_loop_received_total{folder=INBOX}"], 0)

    def test_a_wrong_password_is_a_receive_failure_and_nothing_else(self):
        instance = "wrongpw-" + uuid.uuid4().hex[:8]
        secret = "wrong-" + uuid.uuid4().hex
        exporter = self.exporter(loop_config(instance, imaps(password=secret), timeout="3s"))
        v = self.wait_for(exporter, lambda v: v["smtp_loop_receive_failures_total{reason=login}"] >= 1
                          and v["smtp_loop_lost_total"] >= 1, 30, "a login failure and a lost message")
        self.assertEqual(v["smtp_loop_receive_up"], 0)
        self.assertGreaterEqual(v["smtp_loop_sent_total"], 1)
        # Retried at a pace, not in a loop: a few failures in a few seconds.
        self.assertLess(v["smtp_loop_receive_failures_total{reason=login}"], 10)
        self.assertIsNone(exporter.proc.poll())
        _, body, _ = __import__("harness").http_get(exporter.url + "/metrics")
        self.assertNotIn(secret, body)
        self.assertNotIn(secret, exporter.logs())
        exporter.stop()
        for path in messages_of(instance):  # what it sent and could not fetch
            os.unlink(path)

    def test_dovecot_down_then_back_counts_lost_then_late(self):
        instance = "dovecot-" + uuid.uuid4().hex[:8]
        exporter = self.exporter(loop_config(instance, imaps(), interval="1s", timeout="3s"))
        self.wait_for(exporter, lambda v: v.get("smtp_loop_received_total{folder=INBOX}", 0) >= 1, 30, "a message found")
        peers.stop_dovecot()
        try:
            v = self.wait_for(exporter, lambda v: v["smtp_loop_lost_total"] >= 2 and v["smtp_loop_receive_up"] == 0,
                              30, "messages lost while Dovecot is down")
            self.assertGreaterEqual(v["smtp_loop_receive_failures_total{reason=connect}"], 1)
        finally:
            peers.start_dovecot()
            peers.flush()
        # Back: what was lost is found late, each once; new messages go round again.
        v = self.wait_for(exporter, lambda v: v["smtp_loop_late_total"] >= 2 and v["smtp_loop_receive_up"] == 1, 40,
                          "lost messages found late")
        self.assertLessEqual(v["smtp_loop_late_total"], v["smtp_loop_lost_total"])
        self.assert_accounted(v)

    def test_a_held_queue_loses_messages_and_release_finds_them_late(self):
        instance = "held-" + uuid.uuid4().hex[:8]
        peers.hold_queue()
        try:
            exporter = self.exporter(loop_config(instance, imaps(), interval="1s", timeout="2s"))
            self.wait_for(exporter, lambda v: v["smtp_loop_lost_total"] >= 2, 30, "messages lost in the held queue")
        finally:
            peers.release_queue()
        v = self.wait_for(exporter, lambda v: v["smtp_loop_late_total"] >= 2, 30, "held messages found late")
        self.assertLessEqual(v["smtp_loop_late_total"], v["smtp_loop_lost_total"])
        self.assert_accounted(v)

    def test_a_restart_finds_the_messages_in_flight_late_and_cleans_the_mailbox(self):
        instance = "restart-" + uuid.uuid4().hex[:8]
        config = loop_config(instance, imaps(), interval="1s", timeout="60s")
        peers.hold_queue()
        try:
            first = self.exporter(config)
            v = self.wait_for(first, lambda v: v["smtp_loop_pending"] >= 2, 30, "messages in flight")
            first.stop()
            in_flight = v["smtp_loop_sent_total"]
        finally:
            peers.release_queue()
        wait_until(lambda: len(messages_of(instance)) >= in_flight, 20, what="the held messages delivered")
        second = self.exporter(loop_config(instance, imaps(), interval="1h", timeout="60s"))
        v = self.wait_for(second, lambda v: v["smtp_loop_late_total"] >= in_flight, 30,
                          "the first run's messages found late")
        self.assertEqual(v["smtp_loop_late_total"], in_flight)  # each once
        self.assertEqual(v["smtp_loop_lost_total"], 0)  # never counted lost: the run that sent them is gone
        self.wait_for(second, lambda v: v["smtp_loop_pending"] == 0, 20, "the second run's message found")
        second.stop()
        self.assertEqual(messages_of(instance), [])

    def test_another_instances_message_is_left_alone(self):
        mine, other = "mine-" + uuid.uuid4().hex[:8], "other-" + uuid.uuid4().hex[:8]
        token = f"instance={other}; loop=inbound; run=1; seq=1; sent={int(time.time())}"
        message = (f"From: <probe@example.org>\r\nTo: <{peers.USER}>\r\nSubject: other\r\n"
                   f"X-Smtp-Exporter-Probe: {token}\r\n\r\nnot mine\r\n")
        with smtplib.SMTP("127.0.0.1", peers.smtp_port, timeout=10) as s:
            s.sendmail("probe@example.org", [peers.USER], message)
        peers.wait_for_message(other)
        exporter = self.exporter(loop_config(mine, imaps()))
        v = self.wait_for(exporter, lambda v: v.get("smtp_loop_received_total{folder=INBOX}", 0) >= 1, 30, "a message found")
        self.assertEqual(v["smtp_loop_late_total"], 0)
        exporter.stop()
        self.assertEqual(len(messages_of(other)), 1)
        for path in messages_of(other):
            os.unlink(path)

    def test_maildir_receive(self):
        instance = "maildir-" + uuid.uuid4().hex[:8]
        user = peers.SECOND_USER
        # Dovecot makes the Maildir at the first delivery; the exporter wants it there at load.
        first = uuid.uuid4().hex
        with smtplib.SMTP("127.0.0.1", peers.smtp_port, timeout=10) as s:
            s.sendmail("probe@example.org", [user], f"Subject: {first}\r\n\r\nfirst\r\n")
        os.unlink(peers.wait_for_message(first, user=user))
        config = loop_config(instance, f"{{maildir: {peers.maildir(user)}}}").replace(
            f"to: {peers.USER}", f"to: {user}")
        exporter = self.exporter(config)
        v = self.wait_for(exporter, lambda v: v.get("smtp_loop_received_total{folder=INBOX}", 0) >= 2, 30,
                          "two messages found in the Maildir")
        self.assertEqual(v["smtp_loop_receive_up"], 1)
        self.assertEqual(v["smtp_loop_auth_results{method=dmarc,result=pass}"], 1)
        self.wait_for(exporter, lambda v: v["smtp_loop_pending"] == 0, 15, "nothing out")
        exporter.stop()
        self.assertEqual(messages_of(instance, user=user), [])

    def test_dashboard_row_and_loop_alerts_in_a_real_prometheus(self):
        """A real Prometheus scrapes three loops with the shipped rules: the loop queries of
        dashboards/smtp-overview.json have data, SMTPLoopJunk fires for the loop filed into Junk and
        SMTPLoopReceiveDown is pending for the loop with a wrong password, the healthy one quiet."""
        if not Prometheus.available():
            self.skipTest("needs Debian's prometheus")
        instance = "prom-" + uuid.uuid4().hex[:8]
        config = loop_config(instance, imaps())
        for name, receive in (("junk", imaps()), ("broken", imaps(password="wrong-" + uuid.uuid4().hex))):
            config += loop_config(instance, receive, name=name).split("loops:\n", 1)[1]
        exporter = self.exporter(config)
        self.wait_for(exporter, lambda v: v.get("smtp_loop_received_total{folder=Junk}", 0) >= 1, 30,
                      "the junk loop's message in Junk", loop="junk")
        prometheus = Prometheus(exporter.port)
        self.addCleanup(prometheus.stop)
        prometheus.scraped('smtp_loop_sent_total{loop="inbound"}', 4, timeout=40)
        self.wait_for(exporter, lambda v: v.get("smtp_loop_received_total{folder=INBOX}", 0) >= 2, 30,
                      "two messages round")
        time.sleep(2)  # scraped after that
        results = dashboard_queries.run_dashboard_queries(
            prometheus.url, os.path.join(ROOT, "dashboards", "smtp-overview.json"), {"job": "smtp_exporter"})
        loop_queries = [r for r in results if "smtp_loop_" in r["query"]]
        self.assertGreaterEqual(len(loop_queries), 9)
        self.assertEqual([(r["where"], r["error"]) for r in loop_queries if r["error"]], [])
        self.assertEqual([(r["where"], r["query"]) for r in loop_queries if not r["data"]], [],
                         "loop queries without data")

        def alerts():
            return {(a["labels"]["alertname"], a["labels"].get("loop"), a["state"])
                    for a in prometheus.api("/api/v1/alerts")["alerts"]
                    if a["labels"]["alertname"].startswith("SMTPLoop")}
        wanted = {("SMTPLoopJunk", "junk", "firing"), ("SMTPLoopReceiveDown", "broken", "pending")}
        try:
            wait_until(lambda: wanted <= alerts(), 20, what="the loop alerts")
        except AssertionError:
            pass
        got = alerts()
        self.assertEqual(wanted - got, set(), f"loop alerts missing; all: {sorted(got)}")
        self.assertEqual({a for a in got if a[1] == "inbound"}, set(), "alerts for the healthy loop")


@unittest.skipIf(WHY_NOT or dns_available(), WHY_NOT or dns_available())
class LoopToDomainTest(LoopCase):
    """send: {domain: ...}: the loop looks up the domain's MX (Knot DNS, DNSSEC-signed, through
    libunbound as domain targets do) and sends to the best MX host that answers."""

    @classmethod
    def setUpClass(cls):
        cls.dns = DnsPeers()
        # loop.test: its best MX has no server (connection refused), the next one is Postfix.
        cls.dns.add_zone(Zone("loop.test", ["@ MX 10 dead.loop.test.", "@ MX 20 mx.loop.test.",
                                             "dead 60 A 127.0.0.9", "mx 60 A 127.0.0.1"]))
        cls.dns.start()

    @classmethod
    def tearDownClass(cls):
        cls.dns.stop()

    def test_sends_to_the_best_mx_that_answers(self):
        instance = "domain-" + uuid.uuid4().hex[:8]
        config = loop_config(instance, imaps()).replace(
            f'address: "127.0.0.1:{peers.smtp_port}"', f"domain: loop.test, port: {peers.smtp_port}")
        config = config.replace(
            "global: {", f'global: {{dns: {{servers: ["127.0.0.1:{self.dns.port}"], '
                         f"trust_anchor_file: {self.dns.trust_anchor_file}}}, ")
        exporter = self.exporter(config)
        v = self.wait_for(exporter, lambda v: v.get("smtp_loop_received_total{folder=INBOX}", 0) >= 2, 30,
                          "two messages round through the domain's second MX")
        self.assertEqual(v["smtp_loop_send_failures_total{reason=connect_refused}"], 0)
        self.assertEqual(v["smtp_loop_send_failures_total{reason=resolve}"], 0)

    def test_a_domain_without_mail_is_a_resolve_failure(self):
        instance = "nodomain-" + uuid.uuid4().hex[:8]
        config = loop_config(instance, imaps()).replace(
            f'address: "127.0.0.1:{peers.smtp_port}"', "domain: nx.loop.test")
        config = config.replace(
            "global: {", f'global: {{dns: {{servers: ["127.0.0.1:{self.dns.port}"], '
                         f"trust_anchor_file: {self.dns.trust_anchor_file}}}, ")
        exporter = self.exporter(config)
        v = self.wait_for(exporter, lambda v: v["smtp_loop_send_failures_total{reason=resolve}"] >= 1, 20,
                          "a resolve failure")
        self.assertEqual(v["smtp_loop_sent_total"], 0)


if __name__ == "__main__":
    BINARY = binary_from_argv()
    unittest.main(verbosity=2)
