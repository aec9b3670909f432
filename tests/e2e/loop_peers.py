"""Real peers for the "mail loop" end-to-end tests: the exporter sends a probe message through a
real Postfix, which delivers it into a real Dovecot mailbox, and finds it there over IMAP. One
Postfix and one Dovecot (MailPeers of mail_peers.py, extended), each from a config of our own
under a temporary folder, on 127.0.0.1 free ports, as root.

    with LoopPeers() as peers:             # or peers = LoopPeers(); peers.start(); ...; peers.stop()
        peers.smtp_port                    # Postfix smtpd "mx": mail for peers.domain, no AUTH
        peers.domain                       # "example.org"
        peers.users                        # {"probe@example.org": pw, "second@example.org": pw2}
        peers.imaps_port                   # Dovecot IMAP, implicit TLS
        peers.imap_port                    # Dovecot IMAP, STARTTLS (plaintext LOGIN is allowed too)
        peers.ca_file                      # the test CA of both servers' leaf (localhost, 127.0.0.1)
        peers.stop_dovecot(); peers.start_dovecot()    # Dovecot alone, same ports and sockets
        peers.hold_queue(); peers.release_queue()      # no delivery at all until released
        peers.flush()                      # `postqueue -f`: deliver what waits, now
        peers.queued()                     # `postqueue -j`: what waits, and in which queue
        peers.maildir(user, "Junk")        # Maildir folder of a mailbox (INBOX: the Maildir itself)
        peers.messages(user, mailbox), peers.wait_for_message(token, user, mailbox)
        peers.diagnostics(lines)           # tails of the maillog, Dovecot's logs, the LDA log
        peers.startup_seconds
    Everything of MailPeers is there as well (submission_port, relay_port, lmtp_socket, ...).

Delivery path: smtpd -> cleanup (header_checks) -> qmgr -> lmtp -> Dovecot LMTP (Unix socket)
-> INBOX, Maildir under the temporary folder, files owned by `nobody`.

Junk: Debian's dovecot-sieve (Pigeonhole) is not installed here, so no Sieve. Instead Postfix
files it: a header_checks rule `/^Subject:.*\\[junk\\]/ FILTER junk:` (JUNK_SUBJECT, which also
matches the exporter's message of a loop named "junk") gives such a message to the
master.cf transport `junk`, a pipe(8) to `dovecot-lda -d ${recipient} -m Junk` (one recipient
per call, run as nobody, with a small config of its own: lda.conf, since dovecot.conf names a
key that only root may read). Each recipient's copy lands in that recipient's Junk. Junk is
`auto = subscribe` (made at the first login) with special_use \\Junk.

Authentication-Results (RFC 8601): header_checks PREPENDs one on the From: header line (the
message's From, not the envelope sender): From ...@example.org gets
    Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=example.org;
        dkim=pass header.d=example.org header.s=probe; dmarc=pass header.from=example.org
From ...@spoofed.example.net gets spf=fail, dkim=fail, dmarc=fail (AUTH_RESULTS below); any other
From gets none. (PREPEND puts it just above From:, not at the top; no real SPF/DKIM is done.)

Faults:
- stop_dovecot(): Dovecot's master stops (about 1 s), IMAP and IMAPS refuse connections, LMTP
  deliveries fail and Postfix defers them ("connect to .../lmtp: Connection refused"). Postfix
  retries soon by itself here: minimal_backoff_time 1s, maximal_backoff_time 2s,
  queue_run_delay 1s (with Postfix's defaults, 300s/4000s/300s, the message was still
  deferred 12 s after Dovecot came back; about 5 minutes); flush() delivers at once (0.07 s).
- hold_queue(): `postsuper -h ALL` for what is queued, and, for what comes next, a HOLD verdict
  from smtpd (smtpd_data_restrictions = check_client_access hash:hold, key 127 = all of
  127.0.0.0/8; smtpd notices the changed .db before it accepts its next connection, "table
  hash:.../hold ... has changed -- restarting", no reload needed; a session already past DATA
  is not held). release_queue(): the map emptied, `postsuper -H ALL`, then flush().

Dovecot: also imaps on 127.0.0.1, mail_max_userip_connections 50 (default 10), INBOX and Junk;
IDLE (in CAPABILITY by default) reports `* n EXISTS` 0.50-0.51 s after Postfix's 250 for the
DATA, since Dovecot waits 500 ms after the inotify event of a delivery before it looks (NOTIFY_DELAY_MSECS in lib-storage's mailbox-watch.c), so an IDLE client never sees new
mail sooner than that. A message is in new/ of the Maildir until an IMAP session that SELECTs
the mailbox moves it to cur/.

Timings measured here (2 cores, a C++ build running): start() 0.47-0.54 s (MailPeers alone
0.33-0.48 s on the same machine at the same time); stop() about 1.2 s; stop_dovecot()
about 1.1 s, start_dovecot() 0.15-0.2 s; SMTP 250 to the file in the Maildir 0.05-0.1 s;
release_queue() to the file 0.06 s; start_dovecot() + flush() to the message over IMAP 0.25 s.
"""
import json
import os
import socket
import ssl
import subprocess
import time
import unittest

from harness import free_port, tail
from mail_peers import MailPeers, _dovecot_auth_mechanisms, _greets, _kill_group, available

POSTMAP = "/usr/sbin/postmap"
POSTQUEUE = "/usr/sbin/postqueue"
POSTSUPER = "/usr/sbin/postsuper"
DOVECOT_LDA = "/usr/lib/dovecot/dovecot-lda"


def loop_available():
    """'' when everything LoopPeers runs is installed and we are root, else why not."""
    why = available()
    if why:
        return why
    missing = [p for p in (POSTMAP, POSTQUEUE, POSTSUPER, DOVECOT_LDA) if not os.path.exists(p)]
    if missing:
        return "not installed: " + ", ".join(missing) + " (Debian packages postfix, dovecot-core)"
    return ""


def start_for_module():
    """LoopPeers started for a test module's setUpModule and stopped when the module's tests are
    done; unittest.SkipTest when they cannot run here."""
    why = loop_available()
    if why:
        raise unittest.SkipTest(why)
    peers = LoopPeers()
    peers.start()
    unittest.addModuleCleanup(peers.stop)
    return peers


def _imaps_greets(port, ca_file):
    """Whether Dovecot's imaps listener completes a verified TLS handshake and greets."""
    context = ssl.create_default_context(cafile=ca_file)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                return s.recv(512).startswith(b"* OK")
    except (OSError, ssl.SSLError):
        return False


def _refuses(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


class LoopPeers(MailPeers):
    DOMAIN = "example.org"
    USER = "probe@example.org"
    SECOND_USER = "second@example.org"
    MAILBOXES = ("probe@example.org", "second@example.org")
    ALIASES = {"postmaster@example.org": "probe@example.org"}
    JUNK_MAILBOX = "Junk"
    # header_checks regexp (POSIX ERE) on the Subject: line -> the message goes to Junk: "[junk]", or
    # the exporter's message of a loop named "junk" ("smtp_exporter mail loop junk #1").
    JUNK_SUBJECT = r"(\[junk\]|mail loop junk )"
    # From: domain -> the Authentication-Results header (RFC 8601) PREPENDed for it.
    AUTH_RESULTS = {
        "example.org": "mx.example.org; spf=pass smtp.mailfrom=example.org; "
                       "dkim=pass header.d=example.org header.s=probe; dmarc=pass header.from=example.org",
        "spoofed.example.net": "mx.example.org; spf=fail smtp.mailfrom=spoofed.example.net; "
                               "dkim=fail header.d=spoofed.example.net header.s=probe; "
                               "dmarc=fail header.from=spoofed.example.net",
    }
    # Postfix's retry pace for deferred mail (defaults 300s, 4000s, 300s).
    RETRY_SETTINGS = "minimal_backoff_time = 1s\nmaximal_backoff_time = 2s\nqueue_run_delay = 1s\n"

    def __init__(self, base_dir=None, password=None, second_password=None, **kwargs):
        super().__init__(base_dir=base_dir, password=password, **kwargs)
        self.domain = self.DOMAIN
        self.second_password = second_password or "pw-" + os.urandom(9).hex()
        self.users = {self.USER: self.password, self.SECOND_USER: self.second_password}

    @property
    def smtp_port(self):
        return self.mx_port

    # ---- layout ----

    def _layout(self):
        super()._layout()
        taken = {self.mx_port, self.submission_port, self.relay_port, self.lmtp_port, self.imap_port}
        self.imaps_port = free_port()
        while self.imaps_port in taken:
            self.imaps_port = free_port()
        self.lda_conf = os.path.join(self.dovecot_dir, "lda.conf")
        self.lda_log = os.path.join(self.base, "dovecot-lda.log")
        self.hold_map = os.path.join(self.postfix_dir, "hold")
        # dovecot-lda runs as the mail user and writes its own log.
        open(self.lda_log, "a").close()
        os.chown(self.lda_log, self.mail_uid, self.mail_gid)

    def maildir(self, user=None, mailbox="INBOX"):
        """The Maildir of `user` (default probe@), or the folder of one of its mailboxes
        (Maildir++: INBOX is the Maildir itself, Junk is Maildir/.Junk)."""
        root = super().maildir(user)
        return root if mailbox.upper() == "INBOX" else os.path.join(root, "." + mailbox)

    def messages(self, user=None, mailbox="INBOX"):
        """Paths of the messages in a mailbox's Maildir folder (new/ and cur/)."""
        found = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir(user, mailbox), sub)
            if os.path.isdir(d):
                found += [os.path.join(d, n) for n in sorted(os.listdir(d))]
        return found

    def wait_for_message(self, text, user=None, mailbox="INBOX", timeout=15.0):
        """Waits (bounded) until a message containing `text` (a token in a header, say) is in the
        mailbox's Maildir folder; returns its path."""
        deadline = time.monotonic() + timeout
        while True:
            for path in self.messages(user, mailbox):
                try:
                    with open(path, errors="replace") as f:
                        if text in f.read():
                            return path
                except FileNotFoundError:  # moved from new/ to cur/ meanwhile
                    continue
            if time.monotonic() >= deadline:
                raise AssertionError(f"no message with {text!r} in {self.maildir(user, mailbox)} after "
                                     f"{timeout}s\n{self.diagnostics()}")
            time.sleep(0.05)

    # ---- Dovecot ----

    def _mailbox_settings(self):
        return f"""mail_location = maildir:~/Maildir
first_valid_uid = {min(self.mail_uid, 500)}
postmaster_address = postmaster@{self.DOMAIN}
hostname = dovecot.{self.DOMAIN}
namespace inbox {{
  inbox = yes
  mailbox {self.JUNK_MAILBOX} {{
    auto = subscribe
    special_use = \\Junk
  }}
}}
"""

    def _write_dovecot(self):
        super()._write_dovecot()
        with open(self.dovecot_users, "w") as f:
            for user, password in self.users.items():
                home = os.path.dirname(self.maildir(user))
                f.write(f"{user}:{{PLAIN}}{password}:{self.mail_uid}:{self.mail_gid}::{home}::\n")
        # Later sections of the same name add to the earlier ones (doveconf -n shows one
        # imap-login service with both listeners).
        with open(self.dovecot_conf, "a") as f:
            f.write(f"""
# ---- added by tests/e2e/loop_peers.py ----
service imap-login {{
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
{self._mailbox_settings()}""")
        # dovecot-lda (the `junk` transport) runs as the mail user: dovecot.conf is no use to it
        # (its ssl_key is root's). The userdb comes from the auth-userdb socket (mode 0666).
        with open(self.lda_conf, "w") as f:
            f.write(f"""# dovecot-lda for the junk transport: written by tests/e2e/loop_peers.py
base_dir = {self.dovecot_run}
log_path = {self.lda_log}
stats_writer_socket_path =
lda_mailbox_autocreate = yes
lda_mailbox_autosubscribe = yes
{self._mailbox_settings()}""")

    def _dovecot_waits(self):
        return [("Dovecot LMTP socket", lambda: _greets(self.lmtp_socket, socket.AF_UNIX)),
                ("Dovecot IMAP", lambda: _greets(("127.0.0.1", self.imap_port), prefix=b"* OK")),
                ("Dovecot IMAPS", lambda: _imaps_greets(self.imaps_port, self.ca_file)),
                ("Dovecot auth", lambda: _dovecot_auth_mechanisms(self.auth_socket))]

    def _wait_for(self, waits, deadline):
        for what, ready in waits:
            while not ready():
                if self._dovecot is not None and self._dovecot.poll() is not None:
                    raise RuntimeError(f"dovecot exited {self._dovecot.returncode}\n{self.diagnostics()}")
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"{what} not ready in time\n{self.diagnostics()}")
                time.sleep(0.02)

    def _wait_ready(self, deadline):
        super()._wait_ready(deadline)
        self._wait_for(self._dovecot_waits(), deadline)

    def stop_dovecot(self, timeout=10.0):
        """Stops Dovecot alone (its master, our child; SIGKILL to its group after 5 s), then waits
        until IMAP and IMAPS refuse connections. Mail for it waits in Postfix's deferred queue."""
        dovecot, self._dovecot = self._dovecot, None
        if dovecot is None:
            return
        if dovecot.poll() is None:
            dovecot.terminate()
        try:
            dovecot.wait(timeout=5)
        except subprocess.TimeoutExpired:
            _kill_group(dovecot.pid)
            dovecot.wait()
        deadline = time.monotonic() + timeout
        while not (_refuses(self.imap_port) and _refuses(self.imaps_port)):
            if time.monotonic() >= deadline:
                raise RuntimeError(f"IMAP still answers {timeout}s after Dovecot stopped\n{self.diagnostics()}")
            time.sleep(0.02)

    def start_dovecot(self, timeout=None):
        """Starts Dovecot again with the same config (same ports and sockets) and waits until
        LMTP, IMAP, IMAPS and auth answer. Does nothing if it runs."""
        if self._dovecot is not None and self._dovecot.poll() is None:
            return
        self._start_dovecot()
        self._wait_for(self._dovecot_waits(), time.monotonic() + (timeout or self.start_timeout))

    def dovecot_running(self):
        return self._dovecot is not None and self._dovecot.poll() is None

    # ---- Postfix ----

    def _write_postfix(self):
        super()._write_postfix()
        etc = self.postfix_dir
        with open(os.path.join(etc, "header_checks"), "w") as f:
            f.write(f"/^Subject:.*{self.JUNK_SUBJECT}/ FILTER junk:\n")
            for domain, verdicts in self.AUTH_RESULTS.items():
                pattern = domain.replace(".", r"\.")
                f.write(f"/^From:.*@{pattern}([>[:space:]]|$)/ PREPEND Authentication-Results: {verdicts}\n")
        with open(os.path.join(etc, "main.cf"), "a") as f:
            f.write(f"""# ---- added by tests/e2e/loop_peers.py ----
header_checks = regexp:{etc}/header_checks
smtpd_data_restrictions = check_client_access hash:{self.hold_map}
junk_destination_recipient_limit = 1
{self.RETRY_SETTINGS}""")
        with open(os.path.join(etc, "master.cf"), "a") as f:
            # showq: `postqueue -p/-j` (without it, postqueue warns and reads the queue itself).
            f.write("showq     unix  n       -       n       -       -       showq\n")
            f.write(f"junk      unix  -       n       n       -       -       pipe flags=DRq user={self.mail_user}"
                    f" argv={DOVECOT_LDA} -c {self.lda_conf} -f ${{sender}} -a ${{original_recipient}}"
                    f" -d ${{recipient}} -m {self.JUNK_MAILBOX}\n")
        # Postfix waits until main.cf and the maps are a second old before it reads them (see
        # Postfix.configure; postmap too: 2.5 s more): date everything back again.
        past = time.time() - 60
        for name in os.listdir(etc):
            os.utime(os.path.join(etc, name), (past, past))
        self._write_hold("")

    def _postfix_command(self, *args):
        done = subprocess.run(list(args), capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stdout}{done.stderr}\n"
                               f"{self.diagnostics()}")
        return done.stdout

    def _write_hold(self, text):
        with open(self.hold_map, "w") as f:
            f.write(text)
        self._postfix_command(POSTMAP, "-c", self.postfix_dir, f"hash:{self.hold_map}")

    def hold_queue(self):
        """From now on nothing is delivered: a message that arrives is put on hold by smtpd, and
        what is queued is put on hold (postsuper -h ALL)."""
        self._write_hold("127 HOLD held by LoopPeers.hold_queue()\n")
        self._postfix_command(POSTSUPER, "-c", self.postfix_dir, "-h", "ALL")

    def release_queue(self):
        """Undoes hold_queue(): new mail is no longer held, held mail is released (postsuper -H
        ALL) and delivered at once (flush)."""
        self._write_hold("")
        self._postfix_command(POSTSUPER, "-c", self.postfix_dir, "-H", "ALL")
        self.flush()

    def flush(self):
        """`postqueue -f`: the queue manager retries every deferred message now (and forgets
        that a destination was down)."""
        self._postfix_command(POSTQUEUE, "-c", self.postfix_dir, "-f")

    def queued(self):
        """What waits in Postfix's queues: `postqueue -j`, one dict per message (queue_name is
        "hold", "deferred", "active" or "incoming"; recipients with their delay_reason)."""
        out = self._postfix_command(POSTQUEUE, "-c", self.postfix_dir, "-j")
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    # ---- diagnostics ----

    def diagnostics(self, lines=30):
        """The tails of the maillog, Dovecot's log (and stderr) and dovecot-lda's log."""
        out = super().diagnostics(lines)
        lda = tail(self.lda_log, lines) if getattr(self, "lda_log", None) else ""
        if lda.strip() and not lda.startswith("(no log"):
            out += f"\n--- dovecot-lda log ({self.lda_log}):\n{lda}"
        return out


if __name__ == "__main__":
    # Manual use: start the peers, print where they are, wait for Ctrl-C.
    import signal
    import sys
    peers = LoopPeers(*sys.argv[1:2])
    with peers:
        print(f"started in {peers.startup_seconds:.2f}s in {peers.base}")
        for name in ("smtp_port", "imaps_port", "imap_port", "ca_file", "users", "domain", "maillog",
                     "dovecot_log"):
            print(f"{name} = {getattr(peers, name)}")
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
