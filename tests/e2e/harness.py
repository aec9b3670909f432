"""Shared pieces of the end-to-end tests: free ports, the exporter process, smtp-sink,
scripted SMTP servers and a strict parser of the exposition format."""
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client.parser import text_string_to_metric_families

SMTP_SINK = "/usr/sbin/smtp-sink"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_held_ports = []


def closed_port():
    """A loopback port that refuses connections and stays refused: bound (without SO_REUSEADDR)
    but never listening, for the rest of this process, so that no test running in parallel can
    start a server on it. (A port from free_port() is free only until someone else takes it.)"""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    _held_ports.append(s)
    return s.getsockname()[1]


def tail(path, lines=40):
    """The last `lines` lines of a log file, or a line saying why there are none."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return f"(no log {path}: {e})"


def wait_for_port(port, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def http_get(url, headers=None, method="GET", timeout=30):
    """Returns (status, body text, headers); never raises for HTTP error codes."""
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode(), resp.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), e.headers


def parse_samples(text):
    """Strictly parses exposition text into {(name, frozenset(labels)): value}."""
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            key = (s.name, frozenset(s.labels.items()))
            if key in samples:
                raise AssertionError(f"duplicate series {key}")
            samples[key] = s.value
    return samples


def value(samples, name, **labels):
    """The value of the one series of `name` whose labels include `labels`."""
    found = [v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls)]
    if len(found) != 1:
        raise AssertionError(f"{name}{labels}: {len(found)} series found")
    return found[0]


class SmtpSink:
    """A real Postfix smtp-sink on a free loopback port."""

    def __init__(self, *options):
        if not os.path.exists(SMTP_SINK):
            raise FileNotFoundError(SMTP_SINK)
        self.port = free_port()
        args = [SMTP_SINK]
        if os.geteuid() == 0:
            args += ["-u", "nobody"]
        args += list(options) + [f"127.0.0.1:{self.port}", "100"]
        self.args = args
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)

    def restart(self, timeout=15.0):
        """Starts smtp-sink again, with the same options ON THE SAME PORT, after stop(). Retries
        (bounded by `timeout`) while the port cannot be bound yet."""
        if self.proc.poll() is None:
            raise RuntimeError("smtp-sink is still running; stop() it first")
        deadline = time.monotonic() + timeout
        while True:
            self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_for_port(self.port, timeout=max(0.5, min(5.0, deadline - time.monotonic())))
                if self.proc.poll() is None:
                    return
            except TimeoutError:
                pass
            self.stop()
            if time.monotonic() >= deadline:
                raise TimeoutError(f"smtp-sink could not listen on 127.0.0.1:{self.port} again "
                                   f"within {timeout}s")
            time.sleep(0.5)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class ThreadedListener:
    """A loopback TCP listener on a free port: accepts in a thread and serves each client in a
    thread of its own with `_serve(conn)` (subclasses define it). stop() ends accepting."""

    def __init__(self, backlog=64):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(backlog)
        self.port = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def accepted(self, conn):
        """Called in the accepting thread for each new client, before its own thread starts."""

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepted(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def stop(self):
        self.stopped.set()
        self.sock.close()


class ScriptedSmtpServer(ThreadedListener):
    """A loopback SMTP server that greets after `greeting_delay` seconds, then answers EHLO after
    `ehlo_delay` seconds with a multi-line 250 and QUIT with 221. Given a server `tls` context it
    offers STARTTLS; with `auth` it offers AUTH PLAIN and accepts any credentials (asking with a
    334 when the initial response is missing). Runs in a thread; each client in its own thread."""

    def __init__(self, greeting_delay=0.0, greeting=b"220 scripted.example.org ESMTP\r\n", ehlo_delay=0.0,
                 tls=None, auth=False):
        self.greeting_delay = greeting_delay
        self.greeting = greeting
        self.ehlo_delay = ehlo_delay
        self.tls = tls
        self.auth = auth
        super().__init__()

    def _ehlo_reply(self, conn):
        extensions = [b"PIPELINING", b"8BITMIME"]
        if self.tls and not isinstance(conn, ssl.SSLSocket):
            extensions.append(b"STARTTLS")
        if self.auth:
            extensions.append(b"AUTH PLAIN")
        lines = [b"scripted.example.org"] + extensions
        return b"".join(b"250-" + line + b"\r\n" for line in lines[:-1]) + b"250 " + lines[-1] + b"\r\n"

    def _serve(self, conn):
        try:
            conn.settimeout(10)
            if self.stopped.wait(self.greeting_delay):
                return
            conn.sendall(self.greeting)
            f = conn.makefile("rb")
            while True:
                line = f.readline()
                if not line:
                    return
                words = line.strip().upper().split()
                verb = words[0] if words else b""
                if verb in (b"EHLO", b"HELO"):
                    if self.stopped.wait(self.ehlo_delay):
                        return
                    conn.sendall(self._ehlo_reply(conn))
                elif verb == b"STARTTLS" and self.tls:
                    conn.sendall(b"220 go ahead\r\n")
                    conn = self.tls.wrap_socket(conn, server_side=True)
                    f = conn.makefile("rb")
                elif verb == b"AUTH" and self.auth:
                    if len(words) == 2:  # no initial response: ask for it
                        conn.sendall(b"334 \r\n")
                        f.readline()
                    conn.sendall(b"235 2.7.0 accepted\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 not implemented\r\n")
        except OSError:
            pass
        finally:
            conn.close()


def running_pids(pids):
    """The pids among `pids` whose process still runs: neither gone nor a zombie."""
    running = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.append(pid)
    return running


def config_refusal(binary, config_text):
    """'' if `binary --config.check` accepts the config text, else what it printed: a refused
    config would otherwise only show as an exporter that never listens."""
    with tempfile.NamedTemporaryFile("w", suffix=".yml", prefix="smtp_exporter_check_") as f:
        f.write(config_text)
        f.flush()
        done = subprocess.run([binary, "--config.check", f"--config.file={f.name}"], capture_output=True,
                              text=True, timeout=30)
    return "" if done.returncode == 0 else done.stdout + done.stderr


class Exporter:
    """The smtp_exporter binary on a free port with a config written from text."""

    def __init__(self, binary, config_text, *flags):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="smtp_exporter_e2e_")
        self.config = os.path.join(self.dir, "smtp_exporter.yml")
        self.write_config(config_text)
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "exporter.log"), "w+")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={self.config}", f"--web.listen-address=127.0.0.1:{self.port}",
             "--log.level=debug", *flags],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    def metrics(self, headers=None):
        status, body, _ = http_get(self.url + "/metrics", headers)
        if status != 200:
            raise AssertionError(f"/metrics answered {status}: {body}")
        return parse_samples(body)

    def logs(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class LoggedProcess:
    """Any program, its stdout and stderr in `log_path`; stop() terminates, then kills."""

    def __init__(self, args, log_path, **popen_kwargs):
        self.args = list(args)
        self.log_path = log_path
        self.log = open(log_path, "w+")
        self.proc = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, **popen_kwargs)

    def running(self):
        return self.proc.poll() is None

    def log_tail(self, lines=40):
        return tail(self.log_path, lines)

    def stop(self, timeout=10.0):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()


class WebhookReceiver:
    """An HTTP server on a free loopback port, in a thread, that records every JSON body POSTed
    to it (e.g. Alertmanager's webhook notifications) as (monotonic time, parsed body)."""

    def __init__(self):
        receipts = self.receipts = []
        lock = self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = {"unparsable": body.decode(errors="replace")}
                with lock:
                    receipts.append((time.monotonic(), parsed))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    def snapshot(self):
        with self.lock:
            return list(self.receipts)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


class Prometheus:
    """Debian's Prometheus scraping one exporter every second (job smtp_exporter) with the shipped
    rules, evaluated every second; its data in a temporary folder. `available()` says whether the
    binary is there; `scraped(metric, count)` waits until that many scrapes of `metric` are in."""
    BINARY = shutil.which("prometheus") or "/usr/bin/prometheus"
    RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "alerts", "smtp_exporter.rules.yml")

    @classmethod
    def available(cls):
        return os.path.exists(cls.BINARY)

    def __init__(self, exporter_port):
        self.work = tempfile.mkdtemp(prefix="smtp_exporter_prometheus_")
        self.port = free_port()
        config = os.path.join(self.work, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"""global: {{scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}}
rule_files: [{os.path.abspath(self.RULES)}]
scrape_configs:
  - job_name: smtp_exporter
    static_configs: [{{targets: ["127.0.0.1:{exporter_port}"]}}]
""")
        self.server = LoggedProcess([self.BINARY, f"--config.file={config}", f"--storage.tsdb.path={self.work}/data",
                                     f"--web.listen-address=127.0.0.1:{self.port}"],
                                    os.path.join(self.work, "prometheus.log"))

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def api(self, path):
        status, body, _ = http_get(self.url + path, timeout=10)
        if status != 200:
            raise AssertionError(f"{path}: {status} {body[:500]}")
        return json.loads(body)["data"]

    def query(self, expr):
        return self.api("/api/v1/query?" + urllib.parse.urlencode({"query": expr}))["result"]

    def scraped(self, selector, count=3, timeout=30):
        """Waits until `count` scrapes of `selector` are stored; fails with Prometheus' log if not."""
        def enough():
            try:
                found = self.query(f"count_over_time({selector}[1m])")
            except (OSError, AssertionError, ValueError):
                return False
            return bool(found) and float(found[0]["value"][1]) >= count
        try:
            wait_until(enough, timeout, what=f"{count} scrapes of {selector}")
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.server.log_tail()}")

    def stop(self):
        self.server.stop()
        shutil.rmtree(self.work, ignore_errors=True)


def wait_until(predicate, timeout, interval=0.2, what="condition"):
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except AssertionError as e:
            last_error = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}: {last_error}")


def binary_from_argv():
    if len(sys.argv) < 2:
        sys.exit("usage: test_X.py PATH_TO_SMTP_EXPORTER")
    binary = sys.argv.pop(1)
    return os.path.abspath(binary)


def openssl(*args, cwd=None):
    """Runs the openssl CLI quietly; raises with its stderr on failure."""
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)}: {done.stderr}")


def make_ca(directory, name="ca"):
    """A private CA made now: <name>.crt and <name>.key in directory. Returns the two paths."""
    cert, key = os.path.join(directory, f"{name}.crt"), os.path.join(directory, f"{name}.key")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", f"/CN=smtp_exporter test {name}", "-keyout", key, "-out", cert,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return cert, key


def make_leaf(directory, name, ca, sans=("DNS:localhost", "IP:127.0.0.1"), usage="serverAuth"):
    """A certificate for `sans` signed by ca = (cert, key) from make_ca, with extendedKeyUsage
    `usage` (serverAuth or clientAuth): <name>.crt and <name>.key. Returns the two paths."""
    cert, key = os.path.join(directory, f"{name}.crt"), os.path.join(directory, f"{name}.key")
    csr = os.path.join(directory, f"{name}.csr")
    ext = os.path.join(directory, f"{name}.ext")
    with open(ext, "w") as f:
        f.write(f"subjectAltName={','.join(sans)}\nextendedKeyUsage={usage}\nbasicConstraints=CA:FALSE\n")
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", f"/CN={name}", "-keyout", key, "-out", csr)
    openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial", "-days", "2",
            "-extfile", ext, "-out", cert)
    return cert, key


def curl(url, *args, timeout=20):
    """GET with the curl CLI. Returns (curl's exit code, HTTP status or 0, {lower-case header:
    value}, body text)."""
    with tempfile.TemporaryDirectory(prefix="curl_") as tmp:
        headers_file, body_file = os.path.join(tmp, "headers"), os.path.join(tmp, "body")
        done = subprocess.run(["curl", "-sS", "-o", body_file, "-D", headers_file, "-w", "%{http_code}",
                               "--max-time", str(timeout), *args, url],
                              capture_output=True, text=True, timeout=timeout + 10)
        headers = {}
        if os.path.exists(headers_file):
            with open(headers_file) as f:
                for line in f:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
        body = ""
        if os.path.exists(body_file):
            with open(body_file) as f:
                body = f.read()
        status = int(done.stdout) if done.stdout.strip().isdigit() else 0
        return done.returncode, status, headers, body
