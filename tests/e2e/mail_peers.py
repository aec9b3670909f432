"""Real mail peers for the end-to-end tests: ONE Dovecot and ONE Postfix, each run from a config
of our own under a temporary folder, on 127.0.0.1 free ports, as root.

    with MailPeers() as peers:             # or peers = MailPeers(); peers.start(); ...; peers.stop()
        peers.mx_port                      # Postfix smtpd "mx": mail for example.org, no AUTH
        peers.submission_port              # Postfix smtpd "submission": STARTTLS required, AUTH via Dovecot
        peers.relay_port                   # Postfix smtpd "relay": an open relay for 127.0.0.0/8
        peers.lmtp_port, peers.lmtp_socket # Dovecot LMTP on TCP and on a Unix socket (mode 0666);
                                           # its LHLO offers STARTTLS (Dovecot has ssl = yes)
        peers.imap_port                    # Dovecot IMAP (STARTTLS offered, plaintext LOGIN allowed)
        peers.auth_socket                  # Dovecot's auth socket that Postfix uses (mode 0666)
        peers.user, peers.password         # probe@example.org and its password
        peers.password_file                # a file holding just the password (no newline)
        peers.ca_file                      # the CA that signed both servers' leaf (localhost, 127.0.0.1)
        peers.maillog, peers.dovecot_log   # logs; peers.diagnostics() gives the tail of both
        peers.maildir(user)                # the user's Maildir; peers.wait_for_messages(n) waits for mail
        peers.startup_seconds              # how long start() took (about 0.2 s here)

Postfix ("mx", "submission" and "relay", three smtpd services of one instance):
- example.org is a virtual mailbox domain: probe@ and postmaster@ (an alias of probe@) are valid,
  any other local part gets "550 5.1.1 ... User unknown in virtual mailbox table"; its mail goes
  to Dovecot over LMTP (the Unix socket), so a message sent to the mx lands in probe's Maildir.
- mx: mynetworks excludes loopback, so a foreign domain gets "554 5.7.1 ... Relay access denied";
  STARTTLS offered (smtpd_tls_security_level=may), no AUTH.
- submission: STARTTLS required (encrypt), AUTH only after TLS (smtpd_tls_auth_only), SASL from
  Dovecot's auth service (smtpd_sasl_type=dovecot, smtpd_sasl_path = the absolute path of the
  socket); authenticated clients may relay, nobody else may even send to example.org.
- relay: mynetworks = 127.0.0.0/8 and permit_mynetworks: any recipient domain is accepted.
- Nothing leaves the machine: default_transport and relay_transport are `discard:` (a message
  for a foreign domain is accepted and dropped, the maillog says "no delivery outside the test
  machine"), and master.cf has no smtp or relay client service at all.

Dovecot: passwd-file passdb and userdb written here ({PLAIN} password, so PLAIN, LOGIN and, when
asked for, SCRAM-SHA-256 work), mailboxes owned by `nobody`, Maildir under the temporary folder.
A wrong password is answered at once (auth_failure_delay = 0, and no "auth penalty": Dovecot
would otherwise delay every later authentication from 127.0.0.1, right ones included, by 4 s
and up to 15 s after a failure).

Fast start (about 0.2 s): Postfix's queue folders are made here and postfix-script's checks are
skipped (`quick-start`), and the config files are dated a minute back, since Postfix waits until
main.cf is a second old before it reads it. stop() takes about 1 s (Dovecot's master).

Start-up waits (bounded) until every port listens and every socket exists, and raises with the
tail of the logs if one does not. stop() stops both (by their own pids only), then removes the
folder it made. Needs root: Postfix's master must own its queue folder and Dovecot switches users.

`Postfix` below runs one Postfix instance from a folder of our own (config, queue, data, maillog)
for MailPeers and for any test that needs other smtpd services (test_tls_postfix.py).
"""
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from harness import free_port, make_ca, make_leaf, tail

POSTFIX = "/usr/sbin/postfix"
DOVECOT = "/usr/sbin/dovecot"


def available():
    """'' when Postfix and Dovecot (with LMTP and IMAP) are installed and we are root, else why not."""
    missing = [p for p in (POSTFIX, DOVECOT, "/usr/lib/dovecot/lmtp", "/usr/lib/dovecot/imap")
               if not os.path.exists(p)]
    if missing:
        return "not installed: " + ", ".join(missing) + " (Debian packages postfix, dovecot-core, " \
               "dovecot-lmtpd, dovecot-imapd)"
    if os.geteuid() != 0:
        return "Postfix and Dovecot run from a config of our own need root"
    return ""


def _greets(address, family=socket.AF_INET, prefix=b"220 "):
    """Whether a server at `address` (a (host, port) or a Unix socket path) sends its greeting:
    the service behind the listener runs, not just the listener."""
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(address)
        return s.recv(512).startswith(prefix)
    except OSError:
        return False
    finally:
        s.close()


def _dovecot_auth_mechanisms(path):
    """The mechanisms Dovecot's auth service offers on its client socket (the handshake that
    Postfix reads), or None while it cannot answer: this starts the auth process, which reads
    its settings and the passdb only then."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(path)
        s.sendall(f"VERSION\t1\t2\nCPID\t{os.getpid()}\n".encode())
        data = b""
        while b"\nDONE\n" not in b"\n" + data:
            chunk = s.recv(4096)
            if not chunk:
                return None
            data += chunk
    except OSError:
        return None
    finally:
        s.close()
    return {line.split("\t")[1].lower() for line in data.decode(errors="replace").splitlines()
            if line.startswith("MECH\t")}


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _pid_alive(pid):
    """Whether `pid` runs (a zombie, dead but not reaped yet, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False



def closed_mx_settings(hostname, domain, key_file, chain_file):
    """main.cf settings of an MX on this machine that delivers nothing outside it and relays for
    no one unless a service says otherwise (loopback is not a trusted network), with STARTTLS
    offered from key_file and chain_file."""
    # discard, not error: smtpd refuses at RCPT an address whose transport is error, while a
    # relay must accept it.
    no_outside = "discard:no delivery outside the test machine"
    return f"""myhostname = {hostname}
mydomain = {domain}
myorigin = $mydomain
relay_domains =
biff = no
default_transport = {no_outside}
relay_transport = {no_outside}
relayhost =
smtp_dns_support_level = disabled
mynetworks = 192.0.2.0/24
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_tls_chain_files = {key_file}, {chain_file}
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_sasl_auth_enable = no
"""

class Postfix:
    """A Postfix instance of our own under `base`: config folder, queue, data folder and maillog
    there, smtpd services on 127.0.0.1 ports, the system's Postfix files left alone (as root,
    `postfix -c DIR` needs no alternate_config_directories entry in /etc/postfix/main.cf).

        postfix = Postfix(base)                  # makes the folders; maps may go into config_dir now
        postfix.configure(settings, services)    # main.cf (settings beyond the common ones), master.cf
        postfix.start()
        postfix.maillog, postfix.log_tail()
        postfix.stop()                           # this instance only, by its master's pid

    Fast start (about 0.2 s): the queue folders are made here and postfix-script's checks are
    skipped (`quick-start`), and the config files are dated a minute back, since Postfix waits
    until main.cf is a second old before it reads it."""

    # The services every instance needs besides its smtpd ones (lmtp: delivery to Dovecot).
    SUPPORT_SERVICES = """
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
lmtp      unix  -       -       n       -       -       lmtp
"""

    POSTFIX_FILES = "/etc/postfix/postfix-files"

    def __init__(self, base):
        self.base = base
        self.config_dir = os.path.join(base, "postfix")
        self.queue = os.path.join(base, "spool")
        self.data = os.path.join(base, "postfix-data")
        self.maillog = os.path.join(base, "maillog")
        self.started = False
        for d in (self.config_dir, self.queue, self.data):
            os.makedirs(d, exist_ok=True)
        for d in (self.config_dir, self.queue):
            os.chmod(d, 0o755)
        shutil.chown(self.data, user="postfix")  # master's lock file lives there

    def configure(self, settings, services, inet_protocols="ipv4"):
        """Writes main.cf, the common settings below and then `settings` (which must not repeat
        them), and master.cf, the `services` lines (one smtpd each) and SUPPORT_SERVICES; then
        dates every file in config_dir a minute back. A file changed after this must be dated
        back again. inet_protocols: "all" (or "ipv4, ipv6") for a service on an IPv6 address
        such as [::1]:2525; a service's own host (127.0.0.2:2525) needs no inet_interfaces entry."""
        with open(os.path.join(self.config_dir, "main.cf"), "w") as f:
            f.write(f"""# Written by tests/e2e/mail_peers.py
compatibility_level = 3.6
queue_directory = {self.queue}
data_directory = {self.data}
mail_owner = postfix
setgid_group = postdrop
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = 127.0.0.1
inet_protocols = {inet_protocols}
maillog_file = {self.maillog}
maillog_file_prefixes = /var, {self.base}
smtpd_peername_lookup = no
{settings}""")
        with open(os.path.join(self.config_dir, "master.cf"), "w") as f:
            f.write("\n".join(services) + "\n" + self.SUPPORT_SERVICES)
        # Postfix reads main.cf and texthash: maps only once they are at least a second old ("pausing
        # to let ... cool down", 300 ms at a time): `postfix start` alone waited 2.1 s. Dated back,
        # they are read at once.
        past = time.time() - 60
        for name in os.listdir(self.config_dir):
            os.utime(os.path.join(self.config_dir, name), (past, past))

    def start(self, diagnostics=None):
        """`postfix start`; raises, with `diagnostics()` (default: the maillog's tail), if it fails.
        Waiting until the services answer is the caller's."""
        self._make_queue()
        self.started = True  # even a failed start may leave a master behind: stop() checks
        # `postfix start` prints its fatal errors only to a terminal: on failure, the maillog says why.
        done = subprocess.run([POSTFIX, "-c", self.config_dir, "start"], capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError(f"postfix start exited {done.returncode}: {done.stdout}{done.stderr}\n"
                               f"{(diagnostics or self.diagnostics)()}")

    def _make_queue(self):
        """Makes the queue folders as `postfix start` would (post-install create-missing, from
        the package's postfix-files list), then leaves a `quick-start` mark so that postfix-script
        skips its integrity checks (about 0.4 s: post-install, postsuper, find over the install).
        Without the list, nothing is made and Postfix makes the folders itself."""
        try:
            with open(self.POSTFIX_FILES) as f:
                entries = f.read().splitlines()
        except OSError:
            return
        names = {"$mail_owner": "postfix", "$setgid_group": "postdrop"}
        for line in entries:
            fields = line.split(":")
            if len(fields) < 5 or fields[1] != "d" or not fields[0].startswith("$queue_directory/"):
                continue
            path = os.path.join(self.queue, fields[0][len("$queue_directory/"):])
            os.makedirs(path, exist_ok=True)
            owner = names.get(fields[2], fields[2])
            group = names.get(fields[3], fields[3])
            shutil.chown(path, user=owner, group=None if group == "-" else group)
            os.chmod(path, int(fields[4], 8))
        open(os.path.join(self.queue, "quick-start"), "w").close()

    def master_pid(self):
        try:
            with open(os.path.join(self.queue, "pid", "master.pid")) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            return None
        return pid if _pid_alive(pid) else None

    def stop(self):
        """Stops this instance only: SIGTERM to its master (what `postfix stop` sends, without its
        once-a-second polling), which stops its children; SIGKILL to the master's process group
        if it is still there after 10 s. Safe to call more than once and after a failed start()."""
        if not self.started:
            return
        pid = self.master_pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            if _pid_alive(pid):
                _kill_group(pid)  # the master leads its process group, as in `postfix stop`
        self.started = False

    def log_tail(self, lines=40):
        return tail(self.maillog, lines)

    def diagnostics(self, lines=40):
        return f"--- maillog ({self.maillog}):\n{self.log_tail(lines)}"


class MailPeers:
    DOMAIN = "example.org"
    USER = "probe@example.org"
    # Valid recipients at the mx; postmaster@ is an alias of probe@ (Dovecot knows probe only).
    MAILBOXES = ("probe@example.org",)
    ALIASES = {"postmaster@example.org": "probe@example.org"}

    def __init__(self, base_dir=None, password=None, auth_mechanisms=("plain", "login"),
                 mail_user="nobody", auth_failure_delay="0", start_timeout=20.0):
        """base_dir: a folder to work in (made if missing, kept on stop()); None: a new one under
        /var/tmp, removed on stop(). auth_mechanisms: what Dovecot (and so the submission service)
        offers, e.g. ("plain", "login", "scram-sha-256"). auth_failure_delay: how long Dovecot waits
        before it answers a failed authentication (Dovecot's default is 2 secs; 0 keeps tests fast)."""
        self._own_base = base_dir is None
        self.base = base_dir
        self.password = password or "pw-" + os.urandom(9).hex()
        self.user = self.USER
        self.auth_mechanisms = tuple(auth_mechanisms)
        self.mail_user = mail_user
        self.auth_failure_delay = auth_failure_delay
        self.start_timeout = start_timeout
        self.started = False
        self.startup_seconds = None
        self._dovecot = None
        self._postfix = None

    # ---- life cycle ----

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        t0 = time.monotonic()
        if self.base is None:
            # Short (Unix socket paths are limited to 107 bytes) and traversable by postfix,
            # dovenull and the mail user.
            self.base = tempfile.mkdtemp(prefix="smtp_mail_peers_", dir="/var/tmp")
        else:
            os.makedirs(self.base, exist_ok=True)
        os.chmod(self.base, 0o755)
        try:
            self._layout()
            self._make_certificates()
            self._write_dovecot()
            self._write_postfix()
            self._start_dovecot()       # runs in the background while Postfix starts
            self._start_postfix()
            self._wait_ready(t0 + self.start_timeout)
        except BaseException:
            self.stop()
            raise
        self.started = True
        self.startup_seconds = time.monotonic() - t0
        return self

    def stop(self):
        """Stops Postfix and Dovecot (only the processes of this instance: Postfix's master by the
        pid in our own queue folder, Dovecot's master as our child), both at once, then removes the
        folder if we made it. Safe to call more than once and after a failed start()."""
        try:
            dovecot, self._dovecot = self._dovecot, None
            # Each master stops its own children; Dovecot's takes longest, so it is told first.
            if dovecot is not None and dovecot.poll() is None:
                dovecot.terminate()
            if self._postfix is not None:
                self._postfix.stop()
            if dovecot is not None:
                # Dovecot's master takes about a second to stop (it was seen to take 6 s when
                # stopped at once after its start): after 3 s, SIGKILL to the whole group.
                try:
                    dovecot.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    _kill_group(dovecot.pid)  # its own session: start_new_session in _start_dovecot
                    dovecot.wait()
        finally:
            self.started = False
            if self._own_base and self.base and os.path.isdir(self.base):
                shutil.rmtree(self.base, ignore_errors=True)

    # ---- layout and certificates ----

    def _layout(self):
        b = self.base
        self.certs_dir = os.path.join(b, "certs")
        self.dovecot_dir = os.path.join(b, "dovecot")       # config, users file, sockets
        self.dovecot_run = os.path.join(b, "dovecot", "run")  # base_dir
        self.dovecot_state = os.path.join(b, "dovecot", "state")
        self.dovecot_conf = os.path.join(self.dovecot_dir, "dovecot.conf")
        self.dovecot_users = os.path.join(self.dovecot_dir, "users")
        self.dovecot_log = os.path.join(b, "dovecot.log")
        self.dovecot_stderr = os.path.join(b, "dovecot.stderr")
        self.auth_socket = os.path.join(self.dovecot_dir, "auth-postfix")
        self.lmtp_socket = os.path.join(self.dovecot_dir, "lmtp")
        self.mail_root = os.path.join(b, "mail")
        self._postfix = Postfix(b)
        self.postfix_dir = self._postfix.config_dir
        self.maillog = self._postfix.maillog
        self.password_file = os.path.join(b, "password")
        for d in (self.certs_dir, self.dovecot_dir, self.dovecot_run, self.dovecot_state, self.mail_root):
            os.makedirs(d, exist_ok=True)
        for d in (self.dovecot_dir, self.dovecot_run):
            os.chmod(d, 0o755)
        pw = pwd.getpwnam(self.mail_user)
        self.mail_uid, self.mail_gid = pw.pw_uid, pw.pw_gid
        os.chown(self.mail_root, self.mail_uid, self.mail_gid)
        os.chmod(self.mail_root, 0o750)
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.password)
        self.mx_port, self.submission_port, self.relay_port = free_port(), free_port(), free_port()
        self.lmtp_port, self.imap_port = free_port(), free_port()
        while len({self.mx_port, self.submission_port, self.relay_port, self.lmtp_port, self.imap_port}) < 5:
            self.imap_port = free_port()

    def _make_certificates(self):
        self.ca_file, self.ca_key = make_ca(self.certs_dir)
        self.cert_file, self.key_file = make_leaf(self.certs_dir, "localhost", (self.ca_file, self.ca_key))
        self.chain_file = os.path.join(self.certs_dir, "localhost.chain.pem")
        with open(self.chain_file, "w") as out:
            for part in (self.cert_file, self.ca_file):
                with open(part) as f:
                    out.write(f.read())
        # Dovecot reads the key as root at start; Postfix's smtpd reads it as root before dropping
        # privileges. Nobody else needs it.
        os.chmod(self.key_file, 0o600)

    def maildir(self, user=None):
        local, _, domain = (user or self.user).partition("@")
        return os.path.join(self.mail_root, domain, local, "Maildir")

    # ---- Dovecot ----

    def _write_dovecot(self):
        home = os.path.dirname(self.maildir())
        os.makedirs(os.path.dirname(home), exist_ok=True)
        os.chown(os.path.dirname(home), self.mail_uid, self.mail_gid)
        with open(self.dovecot_users, "w") as f:
            # user:password:uid:gid:gecos:home:shell:extra (passdb and userdb in one file)
            f.write(f"{self.user}:{{PLAIN}}{self.password}:{self.mail_uid}:{self.mail_gid}::{home}::\n")
        shutil.chown(self.dovecot_users, user="dovecot", group="dovecot")  # auth runs as dovecot
        os.chmod(self.dovecot_users, 0o600)
        with open(self.dovecot_conf, "w") as f:
            f.write(f"""# Dovecot for the smtp_exporter end-to-end tests: written by tests/e2e/mail_peers.py
instance_name = smtp-e2e-{os.path.basename(self.base)}
base_dir = {self.dovecot_run}
state_dir = {self.dovecot_state}
log_path = {self.dovecot_log}
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.chain_file}
ssl_key = <{self.key_file}
disable_plaintext_auth = no
auth_mechanisms = {' '.join(self.auth_mechanisms)}
auth_verbose = yes
auth_failure_delay = {self.auth_failure_delay}
mail_location = maildir:~/Maildir
first_valid_uid = {min(self.mail_uid, 500)}
postmaster_address = postmaster@{self.DOMAIN}
hostname = dovecot.{self.DOMAIN}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.dovecot_users}
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.dovecot_users}
}}
# Without this, every failed authentication from 127.0.0.1 delays the next ones from there (the
# right password too) by 4 s and more, up to 15 s ("auth penalty"); mode 0: no such listener.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth {{
  unix_listener {self.auth_socket} {{
    mode = 0666
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {self.lmtp_port}
  }}
  unix_listener {self.lmtp_socket} {{
    mode = 0666
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""")

    def _start_dovecot(self):
        stderr = open(self.dovecot_stderr, "w")
        # -F: in the foreground, so that this object holds the master's pid and nothing else's.
        self._dovecot = subprocess.Popen([DOVECOT, "-F", "-c", self.dovecot_conf], stdin=subprocess.DEVNULL,
                                         stdout=stderr, stderr=subprocess.STDOUT, start_new_session=True)
        stderr.close()

    # ---- Postfix ----

    def _write_postfix(self):
        etc = self.postfix_dir
        with open(os.path.join(etc, "virtual_mailboxes"), "w") as f:
            f.writelines(f"{m} {m}\n" for m in self.MAILBOXES)
        with open(os.path.join(etc, "virtual_aliases"), "w") as f:
            f.writelines(f"{a} {t}\n" for a, t in self.ALIASES.items())
        settings = f"""# example.org: virtual mailboxes delivered to Dovecot over LMTP.
virtual_mailbox_domains = {self.DOMAIN}
virtual_mailbox_maps = texthash:{etc}/virtual_mailboxes
virtual_alias_maps = texthash:{etc}/virtual_aliases
virtual_transport = lmtp:unix:{self.lmtp_socket}
smtpd_reject_unlisted_recipient = yes
""" + closed_mx_settings(f"mx.{self.DOMAIN}", self.DOMAIN, self.key_file, self.chain_file)
        services = [
            f"127.0.0.1:{self.mx_port} inet n - n - - smtpd -o syslog_name=postfix/mx",
            f"127.0.0.1:{self.submission_port} inet n - n - - smtpd -o syslog_name=postfix/submission"
            " -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes"
            " -o smtpd_sasl_auth_enable=yes -o smtpd_sasl_type=dovecot"
            f" -o smtpd_sasl_path={self.auth_socket}"
            " -o smtpd_relay_restrictions=permit_sasl_authenticated,reject",
            f"127.0.0.1:{self.relay_port} inet n - n - - smtpd -o syslog_name=postfix/relay"
            " -o mynetworks=127.0.0.0/8 -o smtpd_relay_restrictions=permit_mynetworks,reject",
        ]
        self._postfix.configure(settings, services)

    def _start_postfix(self):
        self._postfix.start(diagnostics=self.diagnostics)

    def postfix_master_pid(self):
        return self._postfix.master_pid() if self._postfix is not None else None

    # ---- readiness and diagnostics ----

    def _wait_ready(self, deadline):
        wanted = {m.lower() for m in self.auth_mechanisms}
        waits = [("Postfix mx", lambda: _greets(("127.0.0.1", self.mx_port))),
                 ("Postfix submission", lambda: _greets(("127.0.0.1", self.submission_port))),
                 ("Postfix relay", lambda: _greets(("127.0.0.1", self.relay_port))),
                 ("Dovecot LMTP (TCP)", lambda: _greets(("127.0.0.1", self.lmtp_port))),
                 ("Dovecot LMTP socket", lambda: _greets(self.lmtp_socket, socket.AF_UNIX)),
                 ("Dovecot IMAP", lambda: _greets(("127.0.0.1", self.imap_port), prefix=b"* OK")),
                 (f"Dovecot auth offering {' '.join(sorted(wanted))}",
                  lambda: wanted <= (_dovecot_auth_mechanisms(self.auth_socket) or set()))]
        for what, ready in waits:
            while not ready():
                if self._dovecot is not None and self._dovecot.poll() is not None:
                    raise RuntimeError(f"dovecot exited {self._dovecot.returncode} during start-up\n"
                                       f"{self.diagnostics()}")
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"{what} not ready after {self.start_timeout}s\n{self.diagnostics()}")
                time.sleep(0.02)

    def diagnostics(self, lines=30):
        """The tail of the maillog, Dovecot's log and Dovecot's stderr, for assertion messages."""
        out = [f"--- maillog ({self.maillog}):\n{tail(self.maillog, lines)}",
               f"--- dovecot log ({self.dovecot_log}):\n{tail(self.dovecot_log, lines)}"]
        stderr = tail(self.dovecot_stderr, lines)
        if stderr.strip() and not stderr.startswith("(no log"):
            out.append(f"--- dovecot stderr:\n{stderr}")
        return "\n".join(out)

    def messages(self, user=None):
        """Paths of the messages in the user's Maildir INBOX (new and cur)."""
        found = []
        for sub in ("new", "cur"):
            d = os.path.join(self.maildir(user), sub)
            if os.path.isdir(d):
                found += [os.path.join(d, n) for n in sorted(os.listdir(d))]
        return found

    def wait_for_messages(self, count, user=None, timeout=15.0):
        """Waits (bounded) until the user's INBOX holds at least `count` messages; returns their paths."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(user)
            if len(found) >= count:
                return found
            if time.monotonic() >= deadline:
                raise AssertionError(f"{len(found)} message(s) in {self.maildir(user)} after {timeout}s, "
                                     f"wanted {count}\n{self.diagnostics()}")
            time.sleep(0.1)


if __name__ == "__main__":
    # Manual use: start the peers, print where they are, wait for Ctrl-C.
    import sys
    peers = MailPeers(*sys.argv[1:2])
    with peers:
        print(f"started in {peers.startup_seconds:.2f}s in {peers.base}")
        for name in ("mx_port", "submission_port", "relay_port", "lmtp_port", "lmtp_socket", "imap_port",
                     "user", "password", "ca_file", "maillog", "dovecot_log"):
            print(f"{name} = {getattr(peers, name)}")
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
