"""Real DNS and MTA-STS peers for the "mail domains" end-to-end tests (issue 15): an authoritative
DNS server (Knot DNS, Debian's `knot`) serving DNSSEC-signed test zones on 127.0.0.1, a slow
proxy in front of it, and an HTTPS server for MTA-STS policies. Nothing here needs root.

    with DnsPeers(smtp_ports=(25, 2525)) as dns:   # or dns = DnsPeers(); dns.start(); ...; dns.stop()
        dns.port, dns.forwarder            # 12345, "127.0.0.1@12345" (UDP and TCP)
        dns.trust_anchor_file              # "test. IN DS ..." : the anchor of every signed zone
        dns.trust_anchor_dnskey_file       # the same anchor as a DNSKEY line
        dns.trust_anchor_bind_file         # the same in BIND's trust-anchors syntax, for delv -a
        dns.ca_file                        # the CA of the MX certificates below
        dns.mx_certs["mx1.example.test"]   # (cert, key) for the Postfix on 127.0.0.2 and ::1
        dns.mx_certs["mx2.example.test"]   # (cert, key) for the Postfix on 127.0.0.3
        dns.tlsa_match, dns.tlsa_stale     # the hex SHA-256 of the TLSA 3 1 1 records
        dns.stop_server(); dns.start_server()   # the server alone, same port (a test stops it mid-run)
        dns.zones["example.test"].records.append("mx3 A 127.0.0.4"); dns.reload()  # a change
        dns.add_zone(Zone("other.test", ["@ MX 10 mx1.example.test."])); dns.reload()
        with SlowDnsProxy(dns.port, 3.0) as slow: slow.forwarder   # answers 3 s late

    with MtaStsServer() as sts:            # the policies of the domains below, on a free port
        sts.port, sts.ca_file              # the exporter's global.mta_sts.port and ca_file

Server: Knot DNS 3.2 (knotd, from a config of our own, in the foreground, as whoever runs the test).
Measured here with the same 15 zones, start until every zone answers: knotd 0.08-0.13 s, named
0.15-0.19 s, nsd 0.26-0.34 s; all stop in < 0.1 s. Knot also reloads changed zone files and new
zones through a control socket that needs no keys (`knotc -s SOCK reload`); NSD and BIND need
rndc/nsd-control keys or a signal. None of the three can delay answers (no such option or module
in the Debian builds), so a slow server is SlowDnsProxy, a small Python UDP+TCP proxy.

Zone layout: one signed parent zone `test.` (its key's DS is the trust anchor, in a file in the
format of unbound's trust-anchor-file / ub_ctx_add_ta_file) delegates, with NS and DS records, to
one zone per test domain, all served by the same Knot. A zone not under another served zone and
signed gets its own line in the anchor file (libunbound accepts several); unsigned zones are
insecure (a delegation without DS, or outside every anchor). Every signed zone has one ECDSA
P-256 key (flags 257, a combined signing key) made with ldns-keygen and kept for the life of the
DnsPeers object (so a re-signed child keeps its DS), signed with ldns-signzone (NSEC, signatures
valid from an hour ago for 30 days). TTL 5 s everywhere, negative TTL (SOA minimum) 1 s.

    test.                signed; ns.test A 127.0.0.1; NS + DS of each child below
    example.test         MX 10 mx1, MX 20 mx2; mx1 A 127.0.0.2, AAAA ::1; mx2 A 127.0.0.3;
                         _mta-sts TXT "v=STSv1; id=20261201T000000"; mta-sts A 127.0.0.1;
                         _<port>._tcp.mx1 TLSA 3 1 1 <SHA-256 of mx1's key>            (matches)
                         _<port>._tcp.mx2 TLSA 3 1 1 <SHA-256 of a key no server uses>   (stale)
                         for each port of smtp_ports; MTA-STS policy: enforce, covers mx1 and mx2
    nullmx.test          MX 0 .                                       (RFC 7505 null MX)
    implicit.test        A 127.0.0.2, no MX                           (implicit MX)
    nxdomain.test        does not exist (secure NXDOMAIN; so does nx.example.test)
    bogus.test           MX 10 mx1.example.test.; every signature but the DNSKEY's corrupted after
                         signing (one bit flipped): all its answers are bogus
    expired.test         MX 10 mx1.example.test.; signed with a validity window that ended: bogus
    dane-bogus.test      MX 10 mx1; mx1 A 127.0.0.2; only the TLSA's signature corrupted: the MX
                         and A answers are secure, the TLSA answer is bogus
    insecure.test        unsigned (delegated without DS): MX 10 mx1; mx1 A 127.0.0.2; a TLSA
                         that matches but is insecure (no DANE)
    many.test            500 MX records mx000..mx499.many.test (preferences 10..509) and a wildcard
                         `* A 127.0.0.2` for their addresses (signing 500 A RRsets took 0.5 s);
                         about 12 KB: UDP answers are truncated (TC), the answer comes over TCP
    sts-testing.test     MX like example.test; policy mode testing, mx: *.example.test (LF lines)
    sts-uncovered.test   MX like example.test; policy enforce, mx: mx1.example.test only
    sts-large.test       MX like example.test; policy larger than 64 KiB
    sts-redirect.test    MX like example.test; the policy URL answers 301 to example.test's
    127.in-addr.arpa     unsigned: 1.0.0 PTR mta-sts.example.test., 2.0.0 PTR mx1.example.test.,
                         3.0.0 PTR mx2.example.test.       (every name resolves back: FCrDNS)
    1.0.[...].ip6.arpa   unsigned: the PTR of ::1, mx1.example.test.

The MX certificates (from `ca_file`): mx1's names mx1.example.test, mx1.insecure.test,
mx1.dane-bogus.test and implicit.test (the Postfix on 127.0.0.2 and ::1 serves it), mx2's names
mx2.example.test (for 127.0.0.3). The many.test hosts are in neither. `stale_cert` is the
self-signed certificate whose key the stale TLSA record hashes (as if mx2 had it before a
renewal).

libunbound, exactly as the exporter must set it up to query this server (checked by
test_dns_peers.py through python3-unbound, the binding of the same libunbound 1.17):

    ub_ctx_set_fwd(ctx, "127.0.0.1@PORT");         // every query to the test server (UDP, then
                                                   // TCP when an answer is truncated)
    ub_ctx_add_ta_file(ctx, trust_anchor_file);    // "test. IN DS ..." lines
    for zone in test. localhost. 127.in-addr.arpa. 1.0.[...].ip6.arpa. invalid. onion.
                home.arpa. resolver.arpa. service.arpa.:
        ub_ctx_set_option(ctx, "local-zone:", "<zone> transparent");   // NOT "nodefault": ignored
    ub_ctx_set_option(ctx, "unblock-lan-zones:", "yes");   // RFC 1918 etc. reverse zones too

LIBUNBOUND_OPTIONS below is that list, libunbound_options() says why each one is needed. Then
ub_resolve gives result->secure = 1 for the signed zones, result->bogus = 1 (why_bogus set) for
bogus.test, expired.test and the TLSA of dane-bogus.test, both 0 for insecure.test and the
reverse zones; a secure NXDOMAIN for nxdomain.test (rcode 3, nxdomain 1, secure 1).

Timing facts for the exporter's deadlines (measured here): with the forwarder stopped (port
closed), libunbound itself answers SERVFAIL only after about 17 s (0.8 s with
"outbound-msg-retry: 1"), so the exporter's own deadline must cancel the lookup (ub_cancel); a
validated lookup with a cold cache takes about five round trips (DNSKEY test., DS and DNSKEY of
the domain's zone, the answer; retries when one is late): 2.8 s through a 0.5 s SlowDnsProxy.

delv (bind9-dnsutils) wants the anchor in BIND's syntax: `delv -a trust_anchor_bind_file
+root=test -p PORT @127.0.0.1 NAME TYPE` ("; fully validated", "; unsigned answer" (proven
insecure), "; authoritative" (outside every anchor: the reverse zones), "resolution failed:
RRSIG failed to verify").
"""
import base64
import hashlib
import os
import shutil
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import make_ca, make_leaf, tail

KNOTD = "/usr/sbin/knotd"
KNOTC = "/usr/sbin/knotc"
LDNS_KEYGEN = "/usr/bin/ldns-keygen"
LDNS_SIGNZONE = "/usr/bin/ldns-signzone"

# libunbound's built-in local zones (unbound.conf's local-zone defaults, RFC 6761/6303/7686/
# 8375/9462/9665) that it answers itself without asking the forwarder: "test." (NXDOMAIN for
# every test domain), "localhost.", the reverse zones of 127.0.0.0/8 and ::1 ("localhost."), the
# other special-use names. Unbound 1.17.1 has the first seven; resolver.arpa and service.arpa
# came later (an option for a zone that is not a default one is harmless).
LIBUNBOUND_DEFAULT_LOCAL_ZONES = (
    "test.", "localhost.", "127.in-addr.arpa.",
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
    "invalid.", "onion.", "home.arpa.", "resolver.arpa.", "service.arpa.",
)


def libunbound_options():
    """The (option, value) pairs for ub_ctx_set_option that make libunbound ask the forwarder
    for every name, in the order to apply them (before the first query; with ub_ctx_set_fwd and
    ub_ctx_add_ta_file, in any order).

    - "local-zone:" "<zone> transparent" for each default local zone: a local zone of your own
      with the same name replaces the built-in one, and a transparent zone without local data
      resolves every name normally (through the forwarder, validated). NOT "<zone> nodefault":
      through ub_ctx_set_option that is silently ignored in libunbound 1.17.1 (and in unbound's
      master of August 2026): cfg_parse_local_zone() stores the whole "test. nodefault" string
      as the zone name, which never matches (in a file read by ub_ctx_config() it works).
      The alternative that also works is ub_ctx_zone_remove(ctx, "test.") etc. after all the
      options (it finalizes the context, so no ub_ctx_set_option may follow it).
    - "unblock-lan-zones:" "yes": the AS112 reverse zones (10.in-addr.arpa, 168.192.in-addr.arpa,
      0.in-addr.arpa, 64.100..127.100.in-addr.arpa, d.f.ip6.arpa, ...) are otherwise answered
      NXDOMAIN locally, so the PTR of a test address in a network namespace would never be asked.

    Not needed (checked): "do-not-query-localhost:" "no"; a forwarder on 127.0.0.1 set with
    ub_ctx_set_fwd is asked without it."""
    options = [("local-zone:", f"{zone} transparent") for zone in LIBUNBOUND_DEFAULT_LOCAL_ZONES]
    options.append(("unblock-lan-zones:", "yes"))
    return options


LIBUNBOUND_OPTIONS = libunbound_options()

NS_NAME = "ns.test."
SERIAL_MARK = "@SERIAL@"
STS_ID = "20261201T000000"

DOMAIN = "example.test"
MX1, MX2 = "mx1.example.test", "mx2.example.test"
MX1_ADDRESSES = ("127.0.0.2", "::1")
MX2_ADDRESSES = ("127.0.0.3",)
NULL_MX = "nullmx.test"
IMPLICIT = "implicit.test"
NXDOMAIN = "nxdomain.test"
BOGUS = "bogus.test"
EXPIRED = "expired.test"
DANE_BOGUS = "dane-bogus.test"
INSECURE = "insecure.test"
MANY = "many.test"
MANY_COUNT = 500
STS_TESTING = "sts-testing.test"
STS_UNCOVERED = "sts-uncovered.test"
STS_LARGE = "sts-large.test"
STS_REDIRECT = "sts-redirect.test"
STS_DOMAINS = (DOMAIN, STS_TESTING, STS_UNCOVERED, STS_LARGE, STS_REDIRECT)
REVERSE_V4 = "127.in-addr.arpa"
REVERSE_V6 = "1." + "0." * 31 + "ip6.arpa"
MTA_STS_ADDRESS = "127.0.0.1"


def available():
    """'' when Knot DNS and ldnsutils are installed, else why not."""
    missing = [p for p in (KNOTD, KNOTC, LDNS_KEYGEN, LDNS_SIGNZONE) if not os.path.exists(p)]
    if missing:
        return "not installed: " + ", ".join(missing) + " (Debian packages knot, ldnsutils)"
    return ""


def _run(args, cwd=None, timeout=60):
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {done.returncode}: {done.stdout}{done.stderr}")
    return done.stdout


def _die_with_parent():
    """In the child before exec: SIGTERM when the process that started it ends (Linux prctl
    PR_SET_PDEATHSIG)."""
    import ctypes
    import signal
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)


def free_udp_tcp_port():
    """A loopback port free for both TCP and UDP right now."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no loopback port free for both TCP and UDP")


def _der_tlv(der, i):
    """(start of value, end of value) of the DER element at i."""
    n = der[i + 1]
    if n < 0x80:
        return i + 2, i + 2 + n
    k = n & 0x7F
    length = int.from_bytes(der[i + 2:i + 2 + k], "big")
    return i + 2 + k, i + 2 + k + length


def spki_sha256(cert_path):
    """Hex SHA-256 of the DER SubjectPublicKeyInfo of a PEM certificate: the data of a TLSA
    record with selector 1 and matching type 1 (read from the DER here, without a process)."""
    with open(cert_path) as f:
        der = ssl.PEM_cert_to_DER_cert(f.read())
    start, _ = _der_tlv(der, 0)                    # Certificate
    i, _ = _der_tlv(der, start)                    # tbsCertificate
    if der[i] == 0xA0:                             # [0] version
        i = _der_tlv(der, i)[1]
    for _ in range(5):                             # serial, signature, issuer, validity, subject
        i = _der_tlv(der, i)[1]
    return hashlib.sha256(der[i:_der_tlv(der, i)[1]]).hexdigest()


# ---- a minimal DNS client for readiness checks only (tests use dig, delv and libunbound) ----

def _qname(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def _skip_name(msg, i):
    while True:
        n = msg[i]
        if n == 0:
            return i + 1
        if n & 0xC0 == 0xC0:
            return i + 2
        i += 1 + n


def soa_serial(port, zone, timeout=0.2):
    """The serial of `zone`'s SOA in an authoritative UDP answer from 127.0.0.1:port, or None."""
    qid = int.from_bytes(os.urandom(2), "big")
    query = struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + _qname(zone) + struct.pack(">HH", 6, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(query, ("127.0.0.1", port))
            msg = s.recv(65535)
        except OSError:
            return None
    try:
        rid, flags, qd, an = struct.unpack(">HHHH", msg[:8])
        if rid != qid or flags & 0x000F or not flags & 0x0400 or an < 1:  # rcode, AA
            return None
        i = 12
        for _ in range(qd):
            i = _skip_name(msg, i) + 4
        for _ in range(an):
            i = _skip_name(msg, i)
            rtype, _, _, rdlen = struct.unpack(">HHIH", msg[i:i + 10])
            i += 10
            if rtype == 6:
                return struct.unpack(">I", msg[i + rdlen - 20:i + rdlen - 16])[0]
            i += rdlen
    except (struct.error, IndexError):
        return None
    return None


class Zone:
    """One zone: `records` are zone-file lines relative to the zone ($ORIGIN is the zone, $TTL is
    `ttl`; "@ MX 10 mx1", "mx1 60 A 127.0.0.2", absolute names end with a dot). SOA and NS are
    added; so are the NS and DS records of served child zones.

    signed: sign with the zone's own key. bogus: None, "signature" (every signature but the
    DNSKEY's corrupted after signing) or "expired" (signed with a validity window that ended
    two days ago). bogus_rrsets: (owner relative to the zone, type) pairs whose signatures alone
    are corrupted in an otherwise good zone, e.g. [("_25._tcp.mx1", "TLSA")]."""

    def __init__(self, name, records=(), signed=True, bogus=None, bogus_rrsets=(), ttl=5, negative_ttl=1):
        if bogus not in (None, "signature", "expired"):
            raise ValueError(f"bogus={bogus!r}")
        self.name = name.rstrip(".").lower()
        self.records = list(records)
        self.signed = signed
        self.bogus = bogus
        self.bogus_rrsets = list(bogus_rrsets)
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        # managed by DnsPeers
        self.serial = 0
        self.key = None            # ldns key base path (without .key/.private)
        self.ds = None             # "<name>. IN DS ..." line
        self.dnskey = None         # "<name>. IN DNSKEY ..." line
        self.last_source = None    # the unsigned text without serial, to see changes
        self.file = None           # the zone file Knot serves

    def absolute(self, owner):
        owner = owner.strip()
        if owner == "@":
            return self.name + "."
        if owner.endswith("."):
            return owner.lower()
        return f"{owner}.{self.name}.".lower()

    def __repr__(self):
        return f"Zone({self.name!r}, signed={self.signed}, bogus={self.bogus!r})"


def _corrupt_rrsig(line):
    """An RRSIG line with one bit of its signature flipped (the last field, base64)."""
    fields = line.split()
    sig = bytearray(base64.b64decode("".join(fields[12:])))
    sig[len(sig) // 2] ^= 0x01
    return "\t".join(fields[:12] + [base64.b64encode(bytes(sig)).decode()])


class DnsPeers:
    def __init__(self, base_dir=None, smtp_ports=(25,), zones=None, ca=None, start_timeout=20.0):
        """base_dir: a folder to work in (kept on stop()); None: a new temporary one, removed on
        stop(). smtp_ports: the ports of the TLSA records (_<port>._tcp.mx...). zones: a list of
        Zone to serve instead of the default set (see the module docstring); add more with
        add_zone(), before start() (a zone of the same name replaces the default one) or after
        it (then reload()). ca: (cert, key) of a CA for the MX certificates; None: one made here."""
        self._own_base = base_dir is None
        self.base = base_dir
        self.smtp_ports = tuple(smtp_ports)
        self._custom_zones = zones
        self._ca = ca
        self.start_timeout = start_timeout
        self.zones = {}
        self._keys = {}            # zone name -> (ldns key base path, DS line, DNSKEY line)
        self.tlsa_match = self.tlsa_stale = None
        self.port = None
        self._knot = None
        self.started = False
        self.startup_seconds = None
        self.timings = {}

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
            self.base = tempfile.mkdtemp(prefix="smtp_dns_peers_")
        os.makedirs(self.base, exist_ok=True)
        try:
            self.zones_dir = os.path.join(self.base, "zones")
            self.keys_dir = os.path.join(self.base, "keys")
            self.knot_dir = os.path.join(self.base, "knot")
            self.certs_dir = os.path.join(self.base, "certs")
            for d in (self.zones_dir, self.keys_dir, self.knot_dir, self.certs_dir):
                os.makedirs(d, exist_ok=True)
            self.knot_conf = os.path.join(self.base, "knot.conf")
            self.knot_log = os.path.join(self.base, "knot.log")
            self.knot_stderr = os.path.join(self.base, "knot.stderr")
            self.control_socket = os.path.join(self.knot_dir, "knot.sock")
            self.trust_anchor_file = os.path.join(self.base, "trust-anchor.ds")
            self.trust_anchor_dnskey_file = os.path.join(self.base, "trust-anchor.dnskey")
            self.trust_anchor_bind_file = os.path.join(self.base, "trust-anchor.bind")  # for delv
            self.port = free_udp_tcp_port()
            # The certificates (openssl) in a thread while ldns-keygen makes the zone keys: the
            # zones' text needs the TLSA hashes, the keys do not.
            cert_error = []
            certs = threading.Thread(target=self._make_certificates_into, args=(cert_error,))
            certs.start()
            # (The default zones made now only name the zones: their TLSA data is not known yet.)
            plan = self._custom_zones if self._custom_zones is not None else self.default_zones()
            try:
                self._make_keys([z.name for z in plan if z.signed])
            finally:
                certs.join()
            if cert_error:
                raise cert_error[0]
            self.timings["certificates_and_keys"] = time.monotonic() - t0
            for zone in (self._custom_zones if self._custom_zones is not None else self.default_zones()):
                self.zones.setdefault(zone.name, zone)  # a zone add_zone()d before start() wins
            t1 = time.monotonic()
            self._write_zones()
            self.timings["signing"] = time.monotonic() - t1
            t2 = time.monotonic()
            self.start_server()
            self.timings["server"] = time.monotonic() - t2
        except BaseException:
            self.stop()
            raise
        self.started = True
        self.startup_seconds = time.monotonic() - t0
        return self

    def stop(self):
        """Stops the server and removes the folder if we made it. Safe to call more than once."""
        try:
            self.stop_server()
        finally:
            self.started = False
            if self._own_base and self.base and os.path.isdir(self.base):
                shutil.rmtree(self.base, ignore_errors=True)

    def start_server(self):
        """Starts knotd (again, after stop_server()) on the same port with the current zones;
        returns when every zone answers with its current serial."""
        if self._knot is not None and self._knot.poll() is None:
            raise RuntimeError("knotd is still running; stop_server() first")
        self._write_knot_conf()
        deadline = time.monotonic() + self.start_timeout
        with open(self.knot_stderr, "a") as err:
            # Own session (a Ctrl-C of the test is not knotd's), and SIGTERM when the test process
            # dies without stop() (e.g. killed by ctest's timeout): no knotd is left behind.
            self._knot = subprocess.Popen([KNOTD, "-c", self.knot_conf], stdin=subprocess.DEVNULL,
                                          stdout=err, stderr=subprocess.STDOUT, start_new_session=True,
                                          preexec_fn=_die_with_parent)
        self._wait_serving(self.zones.values(), deadline)
        self._wait_tcp(deadline)

    def stop_server(self):
        """Stops knotd (ours only, by its pid); the zones, keys and port stay for start_server()."""
        knot, self._knot = self._knot, None
        if knot is not None and knot.poll() is None:
            knot.terminate()
            try:
                knot.wait(timeout=10)
            except subprocess.TimeoutExpired:
                knot.kill()
                knot.wait()

    def server_running(self):
        return self._knot is not None and self._knot.poll() is None

    @property
    def forwarder(self):
        """The server as ub_ctx_set_fwd (and unbound's forward-addr) want it."""
        return f"127.0.0.1@{self.port}"

    # ---- changes ----

    def add_zone(self, zone):
        """Adds a zone (served after reload(), or at start() if not started yet)."""
        self.zones[zone.name] = zone
        return zone

    def remove_zone(self, name):
        """Removes a zone (and its delegation from the parent) at the next reload()."""
        self.zones.pop(name.rstrip(".").lower())

    def reload(self, timeout=20.0):
        """Re-writes (and re-signs) every zone whose records changed, and the parents of added or
        removed zones, with a new serial; has Knot load them (and new zones) and waits until
        every changed zone answers with its new serial."""
        changed = self._write_zones()
        if self.server_running():
            self._write_knot_conf()
            # `reload` reads the config (adds and drops zones); `zone-reload` then loads each
            # changed zone file without looking at its modification time (two changes within
            # one mtime tick would otherwise go unseen).
            _run([KNOTC, "-s", self.control_socket, "reload"], timeout=timeout)
            if changed:
                _run([KNOTC, "-s", self.control_socket, "zone-reload", *(z.name + "." for z in changed)],
                     timeout=timeout)
            self._wait_serving(changed, time.monotonic() + timeout)
        return changed

    # ---- zones ----

    def default_zones(self):
        tlsa = lambda owner, digest: [f"_{p}._tcp.{owner} TLSA 3 1 1 {digest}" for p in self.smtp_ports]  # noqa: E731
        sts = [f'_mta-sts TXT "v=STSv1; id={STS_ID}"', f"mta-sts A {MTA_STS_ADDRESS}"]
        mx_pair = [f"@ MX 10 {MX1}.", f"@ MX 20 {MX2}."]
        zones = [
            Zone("test", [f"ns A {MTA_STS_ADDRESS}"]),
            Zone(DOMAIN, ["@ MX 10 mx1", "@ MX 20 mx2",
                          f"mx1 A {MX1_ADDRESSES[0]}", f"mx1 AAAA {MX1_ADDRESSES[1]}",
                          f"mx2 A {MX2_ADDRESSES[0]}"]
                 + sts + tlsa("mx1", self.tlsa_match) + tlsa("mx2", self.tlsa_stale)),
            Zone(NULL_MX, ["@ MX 0 ."]),
            Zone(IMPLICIT, ["@ A 127.0.0.2"]),
            Zone(BOGUS, [f"@ MX 10 {MX1}.", "@ TXT \"bogus\""], bogus="signature"),
            Zone(EXPIRED, [f"@ MX 10 {MX1}."], bogus="expired"),
            Zone(DANE_BOGUS, ["@ MX 10 mx1", "mx1 A 127.0.0.2"] + tlsa("mx1", self.tlsa_match),
                 bogus_rrsets=[(f"_{p}._tcp.mx1", "TLSA") for p in self.smtp_ports]),
            Zone(INSECURE, ["@ MX 10 mx1", "mx1 A 127.0.0.2"] + tlsa("mx1", self.tlsa_match), signed=False),
            # One wildcard A for the 500 MX hosts: signing 500 A RRsets took 0.5 s here.
            Zone(MANY, [f"@ MX {10 + i} mx{i:03d}" for i in range(MANY_COUNT)] + ["* A 127.0.0.2"]),
            Zone(STS_TESTING, mx_pair + sts),
            Zone(STS_UNCOVERED, mx_pair + sts),
            Zone(STS_LARGE, mx_pair + sts),
            Zone(STS_REDIRECT, mx_pair + sts),
            Zone(REVERSE_V4, [f"1.0.0 PTR mta-sts.{DOMAIN}.", f"2.0.0 PTR {MX1}.", f"3.0.0 PTR {MX2}."],
                 signed=False),
            Zone(REVERSE_V6, [f"@ PTR {MX1}."], signed=False),
        ]
        return zones

    def _parent(self, zone):
        """The longest served zone that `zone` is below, or None."""
        labels = zone.name.split(".")
        for i in range(1, len(labels)):
            candidate = ".".join(labels[i:])
            if candidate in self.zones:
                return self.zones[candidate]
        return None

    def _make_keys(self, names):
        """One ldns-keygen per zone name without a key yet, all at once. A zone keeps its key (so
        its DS) for the life of this object, through changes and re-signing."""
        procs = [(name, subprocess.Popen([LDNS_KEYGEN, "-a", "ECDSAP256SHA256", "-k", name + "."],
                                         cwd=self.keys_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True))
                 for name in dict.fromkeys(names) if name not in self._keys]
        for name, p in procs:
            out, err = p.communicate(timeout=60)
            if p.returncode != 0:
                raise RuntimeError(f"ldns-keygen for {name}: {err}")
            key = os.path.join(self.keys_dir, out.strip())
            with open(key + ".ds") as f:
                ds = " ".join(f.read().split())
            with open(key + ".key") as f:
                dnskey = " ".join(f.read().split(";")[0].split())
            self._keys[name] = (key, ds, dnskey)

    def _assign_keys(self):
        self._make_keys([z.name for z in self.zones.values() if z.signed])
        for zone in self.zones.values():
            if zone.signed:
                zone.key, zone.ds, zone.dnskey = self._keys[zone.name]

    def _source(self, zone):
        """The unsigned zone text, with SERIAL_MARK in place of the serial."""
        lines = [f"$ORIGIN {zone.name}.", f"$TTL {zone.ttl}",
                 f"@ IN SOA {NS_NAME} hostmaster.test. {SERIAL_MARK} 3600 600 86400 {zone.negative_ttl}",
                 f"@ IN NS {NS_NAME}"]
        lines += zone.records
        for child in sorted(self.zones.values(), key=lambda z: z.name):
            if child is not zone and self._parent(child) is zone:
                lines.append(f"{child.name}. IN NS {NS_NAME}")
                if child.signed:
                    lines.append(child.ds)
        return "\n".join(lines) + "\n"

    def _write_zones(self):
        """Writes (signs) the zones whose text changed; returns them. Children first: a parent's
        text holds their DS."""
        self._assign_keys()
        changed = []
        for zone in self.zones.values():
            source = self._source(zone)
            if source == zone.last_source and zone.file and os.path.exists(zone.file):
                continue
            zone.serial += 1
            zone.last_source = source
            plain = os.path.join(self.zones_dir, zone.name + ".zone")
            with open(plain, "w") as f:
                f.write(source.replace(SERIAL_MARK, str(zone.serial), 1))
            changed.append((zone, plain))
        procs = []
        now = int(time.time())
        for zone, plain in changed:
            if not zone.signed:
                zone.file = plain
                continue
            if zone.bogus == "expired":
                window = ["-i", str(now - 30 * 86400), "-e", str(now - 2 * 86400)]
            else:
                window = ["-i", str(now - 3600), "-e", str(now + 30 * 86400)]
            signed = plain + ".signed"
            procs.append((zone, signed, subprocess.Popen(
                [LDNS_SIGNZONE, *window, "-o", zone.name + ".", "-f", signed, plain, zone.key],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
        for zone, signed, p in procs:
            out, err = p.communicate(timeout=60)
            if p.returncode != 0:
                raise RuntimeError(f"ldns-signzone for {zone.name}: {out}{err}")
            if zone.bogus == "signature" or zone.bogus_rrsets:
                self._corrupt(zone, signed)
            zone.file = signed
        self._write_trust_anchors()
        return [z for z, _ in changed]

    def _corrupt(self, zone, path):
        wanted = {(zone.absolute(owner), rtype.upper()) for owner, rtype in zone.bogus_rrsets}
        out, hits = [], 0
        with open(path) as f:
            for line in f:
                fields = line.split()
                if len(fields) > 12 and fields[3] == "RRSIG":
                    covered = fields[4].upper()
                    if (zone.bogus == "signature" and covered != "DNSKEY") or (fields[0].lower(), covered) in wanted:
                        line = _corrupt_rrsig(line) + "\n"
                        hits += 1
                out.append(line)
        if not hits:
            raise RuntimeError(f"{zone.name}: no signature to corrupt for {zone.bogus_rrsets}")
        with open(path, "w") as f:
            f.writelines(out)

    def _write_trust_anchors(self):
        tops = [z for z in sorted(self.zones.values(), key=lambda z: z.name)
                if z.signed and self._parent(z) is None]
        with open(self.trust_anchor_file, "w") as f:
            f.writelines(z.ds + "\n" for z in tops)
        with open(self.trust_anchor_dnskey_file, "w") as f:
            f.writelines(z.dnskey + "\n" for z in tops)
        with open(self.trust_anchor_bind_file, "w") as f:
            f.write("trust-anchors {\n")
            for z in tops:
                _, _, _, tag, alg, digest_type, digest = z.ds.split(maxsplit=6)
                f.write(f'  "{z.name}." static-ds {tag} {alg} {digest_type} "{digest.replace(" ", "")}";\n')
            f.write("};\n")

    # ---- certificates ----

    def _make_certificates_into(self, errors):
        try:
            self._make_certificates()
        except BaseException as e:  # re-raised by start()
            errors.append(e)

    def _make_certificates(self):
        if self._ca is None:
            self._ca = make_ca(self.certs_dir, "dns-peers-ca")
        self.ca_file, self.ca_key = self._ca
        mx1_names = [MX1, f"mx1.{INSECURE}", f"mx1.{DANE_BOGUS}", IMPLICIT]
        self.mx_certs = {
            MX1: make_leaf(self.certs_dir, MX1, self._ca, sans=[f"DNS:{n}" for n in mx1_names]),
            MX2: make_leaf(self.certs_dir, MX2, self._ca, sans=[f"DNS:{MX2}"]),
        }
        for _, key in self.mx_certs.values():
            os.chmod(key, 0o600)
        self.tlsa_match = spki_sha256(self.mx_certs[MX1][0])
        # The stale record: the key of a certificate no server presents any more (as after a
        # renewal that forgot the TLSA record); a self-signed one, kept as stale_cert.
        self.stale_cert = (os.path.join(self.certs_dir, "stale.crt"), os.path.join(self.certs_dir, "stale.key"))
        _run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
              "-days", "2", "-subj", f"/CN={MX2}", "-addext", f"subjectAltName=DNS:{MX2}",
              "-keyout", self.stale_cert[1], "-out", self.stale_cert[0]])
        self.tlsa_stale = spki_sha256(self.stale_cert[0])

    # ---- Knot ----

    def _write_knot_conf(self):
        user = "" if os.geteuid() != 0 else "  user: root:root\n"
        zones = "".join(f"  - domain: {z.name}.\n    file: {z.file}\n"
                        for z in sorted(self.zones.values(), key=lambda z: z.name))
        with open(self.knot_conf, "w") as f:
            f.write(f"""# Knot DNS for the smtp_exporter end-to-end tests: written by tests/e2e/dns_peers.py
server:
  listen: 127.0.0.1@{self.port}
  rundir: {self.knot_dir}
  pidfile: {self.knot_dir}/knot.pid
{user}  background-workers: 1
  udp-workers: 2
  tcp-workers: 2
control:
  listen: {self.control_socket}
log:
  - target: {self.knot_log}
    any: info
database:
  storage: {self.knot_dir}
template:
  - id: default
    storage: {self.zones_dir}
    zonefile-load: whole
    zonefile-sync: -1
    journal-content: none
    semantic-checks: off
zone:
{zones}""")

    def _wait_serving(self, zones, deadline):
        for zone in zones:
            while soa_serial(self.port, zone.name) != zone.serial:
                if self._knot is None or self._knot.poll() is not None:
                    raise RuntimeError(f"knotd exited ({self._knot and self._knot.returncode})\n{self.diagnostics()}")
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"zone {zone.name} serial {zone.serial} not served on port {self.port}\n"
                                       f"{self.diagnostics()}")
                time.sleep(0.01)

    def _wait_tcp(self, deadline):
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"knotd does not accept TCP on {self.port}\n{self.diagnostics()}")
                time.sleep(0.01)

    def diagnostics(self, lines=30):
        return (f"--- knot log ({self.knot_log}):\n{tail(self.knot_log, lines)}"
                f"--- knot stderr:\n{tail(self.knot_stderr, lines)}")


class SlowDnsProxy:
    """A DNS proxy on 127.0.0.1:<free port> (UDP and TCP, the same port) that forwards every
    query to 127.0.0.1:upstream_port and relays the answer `delay_s` seconds after the query came
    (None: never answers; the attribute may be changed while it runs). Each query waits in a
    thread of its own, so a slow answer does not hold up the next. `queries` counts them."""

    def __init__(self, upstream_port, delay_s):
        self.upstream_port = upstream_port
        self.delay_s = delay_s
        self.queries = 0
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self.port = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    @property
    def forwarder(self):
        return f"127.0.0.1@{self.port}"

    def start(self):
        for _ in range(50):
            self.port = free_udp_tcp_port()
            self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                self._udp.bind(("127.0.0.1", self.port))
                self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self._tcp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self._udp.close()
                self._tcp.close()
        else:
            raise RuntimeError("SlowDnsProxy: no free port")
        self._tcp.listen(64)
        self._udp.settimeout(0.2)
        self._tcp.settimeout(0.2)
        self._threads = [threading.Thread(target=self._udp_loop, daemon=True),
                         threading.Thread(target=self._tcp_loop, daemon=True)]
        for t in self._threads:
            t.start()
        return self

    def stop(self):
        self._stopped.set()
        if self.port is None:
            return
        for t in self._threads:
            t.join(timeout=2)
        self._udp.close()
        self._tcp.close()

    def _count(self):
        with self._lock:
            self.queries += 1

    def _wait(self, since):
        """Waits out the delay; False when the answer is never to be sent."""
        delay = self.delay_s
        if delay is None:
            return False
        return not self._stopped.wait(max(0.0, since + delay - time.monotonic()))

    def _udp_loop(self):
        while not self._stopped.is_set():
            try:
                query, client = self._udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            self._count()
            threading.Thread(target=self._udp_one, args=(query, client, time.monotonic()), daemon=True).start()

    def _udp_one(self, query, client, since):
        if not self._wait(since):
            return
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
            up.settimeout(5)
            try:
                up.sendto(query, ("127.0.0.1", self.upstream_port))
                answer = up.recv(65535)
                self._udp.sendto(answer, client)
            except OSError:
                pass

    def _tcp_loop(self):
        while not self._stopped.is_set():
            try:
                conn, _ = self._tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._tcp_one, args=(conn,), daemon=True).start()

    @staticmethod
    def _read_exact(sock, n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def _tcp_one(self, conn):
        try:
            conn.settimeout(30)
            while not self._stopped.is_set():
                length = struct.unpack(">H", self._read_exact(conn, 2))[0]
                query = self._read_exact(conn, length)
                self._count()
                if not self._wait(time.monotonic()):
                    return
                with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5) as up:
                    up.sendall(struct.pack(">H", len(query)) + query)
                    n = struct.unpack(">H", self._read_exact(up, 2))[0]
                    answer = self._read_exact(up, n)
                conn.sendall(struct.pack(">H", len(answer)) + answer)
        except (OSError, ConnectionError, struct.error):
            pass
        finally:
            conn.close()


# ---- MTA-STS ----

class Redirect:
    """An HTTP redirect answer; `location` may hold {port} (the MTA-STS server's port)."""

    def __init__(self, location, status=301):
        self.location, self.status = location, status


class HttpReply:
    """Any HTTP answer: status, body (str or bytes), extra headers, and a delay before it."""

    def __init__(self, status=200, body=b"", headers=None, delay_s=0.0, content_type="text/plain"):
        self.status, self.body, self.headers, self.delay_s = status, body, dict(headers or {}), delay_s
        self.content_type = content_type


def policy_text(mode, mx, max_age=86400, newline="\r\n"):
    lines = ["version: STSv1", f"mode: {mode}"] + [f"mx: {m}" for m in mx] + [f"max_age: {max_age}"]
    return newline.join(lines) + newline


def default_policies():
    """The policies of the default DNS zones, keyed by mail domain (the Host is mta-sts.<domain>)."""
    large = policy_text("enforce", [MX1, MX2])
    padding = "".join(f"mx: host{i:05d}.example.test\r\n" for i in range(3000))  # about 87 KB
    return {
        DOMAIN: policy_text("enforce", [MX1, MX2]),                          # CRLF lines
        STS_TESTING: policy_text("testing", ["*.example.test"], max_age=604800, newline="\n"),
        STS_UNCOVERED: policy_text("enforce", [MX1]),                        # mx2 not covered
        STS_LARGE: large + padding,                                           # > 64 KiB
        STS_REDIRECT: Redirect(f"https://mta-sts.{DOMAIN}:{{port}}/.well-known/mta-sts.txt"),
    }


class MtaStsServer:
    """HTTPS on 127.0.0.1:<free port>, in a thread, serving /.well-known/mta-sts.txt for each
    mail domain in `policies` by the request's Host (mta-sts.<domain>, port ignored); a value is a
    policy text (200, text/plain), a Redirect or an HttpReply. Other paths or hosts: 404. The
    certificate (from a test CA, `ca_file`) names mta-sts.<domain> of every domain but those in
    `wrong_cert_domains` (their policy is served with a certificate not valid for them).
    set_policy() changes or adds one while it runs (a new domain gets a new certificate).
    `requests` records (host, path) of every request."""

    PATH = "/.well-known/mta-sts.txt"

    def __init__(self, policies=None, base_dir=None, ca=None, wrong_cert_domains=()):
        self.policies = dict(default_policies() if policies is None else policies)
        self._own_base = base_dir is None
        self.base = base_dir
        self._ca = ca
        self.wrong_cert_domains = set(wrong_cert_domains)
        self.requests = []
        self._lock = threading.Lock()
        self._cert_generation = 0
        self.server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def url(self, domain):
        return f"https://mta-sts.{domain}:{self.port}{self.PATH}"

    def _certified_domains(self):
        return sorted(d for d in self.policies if d not in self.wrong_cert_domains)

    def _make_cert(self):
        self._cert_generation += 1
        names = [f"DNS:mta-sts.{d}" for d in self._certified_domains()] or ["DNS:mta-sts.invalid"]
        self.cert_file, self.key_file = make_leaf(self.base, f"mta-sts-{self._cert_generation}", self._ca,
                                                  sans=names)
        self._certified = set(self._certified_domains())

    def start(self):
        t0 = time.monotonic()
        if self.base is None:
            self.base = tempfile.mkdtemp(prefix="smtp_mta_sts_")
        if self._ca is None:
            self._ca = make_ca(self.base, "mta-sts-ca")
        self.ca_file = self._ca[0]
        self._make_cert()
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(self.cert_file, self.key_file)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower().rstrip(".")
                with server._lock:
                    server.requests.append((host, self.path))
                    domain = host[len("mta-sts."):] if host.startswith("mta-sts.") else None
                    answer = server.policies.get(domain) if self.path == server.PATH else None
                if answer is None:
                    return self._send(404, b"not found\n")
                if isinstance(answer, Redirect):
                    return self._send(answer.status, b"moved\n",
                                      {"Location": answer.location.replace("{port}", str(server.port))})
                if isinstance(answer, HttpReply):
                    if answer.delay_s:
                        time.sleep(answer.delay_s)
                    return self._send(answer.status, answer.body, answer.headers, answer.content_type)
                return self._send(200, answer)

            def _send(self, status, body, headers=None, content_type="text/plain"):
                body = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def get_request(self):
                conn, addr = self.socket.accept()
                # The handshake happens in the request's thread (first read), not in the accept loop.
                return server.context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False), addr

            def handle_error(self, request, client_address):
                pass  # handshake failures (a client that rejects the certificate) are expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()
        self.startup_seconds = time.monotonic() - t0
        return self

    def set_policy(self, domain, answer):
        """Sets what mta-sts.<domain> serves (None removes it); re-issues the certificate when the
        set of certified names changes."""
        with self._lock:
            if answer is None:
                self.policies.pop(domain, None)
            else:
                self.policies[domain] = answer
            if set(self._certified_domains()) != self._certified:
                self._make_cert()
                self.context.load_cert_chain(self.cert_file, self.key_file)  # new handshakes use it

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=5)
            self.server = None
        if self._own_base and self.base and os.path.isdir(self.base):
            shutil.rmtree(self.base, ignore_errors=True)


if __name__ == "__main__":
    # Manual use: start the peers, print where they are, wait for Ctrl-C.
    import signal

    def _interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    with DnsPeers() as dns, MtaStsServer() as sts:
        print(f"DNS started in {dns.startup_seconds:.2f}s ({dns.timings}) in {dns.base}")
        print(f"forwarder = {dns.forwarder}\ntrust_anchor_file = {dns.trust_anchor_file}")
        print(f"mta-sts port = {sts.port}, ca_file = {sts.ca_file}")
        for option, value in LIBUNBOUND_OPTIONS:
            print(f'ub_ctx_set_option(ctx, "{option}", "{value}")')
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
