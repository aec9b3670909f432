"""End to end: the status pages (issue 17, part 2) in a real browser. The binary probes real
servers on loopback (a healthy one, one whose EHLO answer comes between QoS and 2 x QoS, a closed
port, one with STARTTLS and a certificate of a private CA, one that wants AUTH, and a target named
<script>alert(1)</script>); Debian's headless Chromium loads / and /target, the DOM is checked for
the rows, their order, states, sparkline points and escaping, and, through the DevTools protocol
(over --remote-debugging-pipe: no websocket library needed), that neither a 390 px wide phone
nor a 1280 px wide desktop gets a horizontal scroll. Screenshots at 1280 and 390 px go to $SMTP_EXPORTER_SCREENSHOTS (ctest: the
build folder's screenshots/), else ./status_page_screenshots.
Run: /usr/bin/python3 tests/e2e/test_status_page.py build/smtp_exporter"""
import base64
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Exporter, ScriptedSmtpServer, http_get, parse_samples, value, wait_until  # noqa: E402

BINARY = None
QOS = 0.4  # seconds; the slow server answers EHLO after 1.5 x this
CHROMIUM = shutil.which("chromium")
SCRIPT_NAME = "<script>alert(1)</script>"
PASSWORD = "s3cret-Pa55word"
PHONE = (390, 844)
DESKTOP = (1280, 900)


class DomParser(HTMLParser):
    """The rows of the targets table of a dumped DOM: each {label: text} by the data-label of its
    cells and of the labelled part inside a cell (the target's address and module under its
    name, "Where"), with the points of its sparkline under "points"; and every element's tag."""

    def __init__(self):
        super().__init__()
        self.rows, self.tags = [], []
        self._row = None
        self._labels = []  # (tag, label) of the labelled elements open in the row, the innermost last

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "tr" and attrs.get("class") == "target":
            self._row = {}
        elif self._row is not None and "data-label" in attrs:
            self._labels.append((tag, attrs["data-label"]))
            self._row[attrs["data-label"]] = ""
        elif tag == "polyline" and self._row is not None:
            self._row["points"] = attrs.get("points", "")

    def handle_endtag(self, tag):
        if tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif self._labels and self._labels[-1][0] == tag:
            self._labels.pop()

    def handle_data(self, data):
        if self._row is not None and self._labels:
            self._row[self._labels[-1][1]] += data


class DevTools:
    """Chromium's DevTools protocol over --remote-debugging-pipe: Chromium reads commands on fd 3
    and writes answers and events on fd 4, each a JSON text ended by NUL. A shell maps our pipes
    (its stdin and stdout) to those descriptors."""

    def __init__(self, profile, log):
        self.proc = subprocess.Popen(
            ["sh", "-c", 'exec "$@" 3<&0 4>&1 0</dev/null 1>&2', "sh", CHROMIUM, "--headless=new", "--no-sandbox",
             "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", f"--user-data-dir={profile}",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log)
        self.next_id = 0
        self.buffer = b""
        self.events = []

    def _message(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise AssertionError("Chromium's DevTools pipe said nothing in time")
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                raise AssertionError("Chromium closed its DevTools pipe")
            self.buffer += chunk
        text, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(text)

    def call(self, method, session=None, timeout=60, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self.proc.stdin.write(json.dumps(message).encode() + b"\0")
        self.proc.stdin.flush()
        while True:
            answer = self._message(timeout)
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise AssertionError(f"{method}: {answer['error']}")
                return answer["result"]
            self.events.append(answer)

    def wait_event(self, method, session, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self.events.pop(i)
            self.events.append(self._message(max(deadline - time.monotonic(), 0.1)))

    def page(self, url, width, height, mobile):
        """Opens `url` in a new tab of width x height CSS pixels (as a phone's when mobile)."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Emulation.setDeviceMetricsOverride", session, width=width, height=height, deviceScaleFactor=1,
                  mobile=mobile)
        self.call("Page.enable", session)
        self.call("Page.navigate", session, url=url)
        self.wait_event("Page.loadEventFired", session)
        return session

    def evaluate(self, session, expression):
        return self.call("Runtime.evaluate", session, expression=expression, returnByValue=True)["result"]["value"]

    def screenshot(self, session, path):
        data = self.call("Page.captureScreenshot", session, format="png", captureBeyondViewport=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def stop(self):
        try:
            self.call("Browser.close", timeout=10)
        except (AssertionError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()


@unittest.skipUnless(CHROMIUM, "chromium is not installed (Debian package chromium, a test package)")
class StatusPageInABrowser(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="smtp_exporter_status_")
        cls.screenshots = os.path.abspath(os.environ.get("SMTP_EXPORTER_SCREENSHOTS", "status_page_screenshots"))
        os.makedirs(cls.screenshots, exist_ok=True)
        ca = harness.make_ca(cls.dir)
        cert, key = harness.make_leaf(cls.dir, "localhost", ca)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        cls.healthy = ScriptedSmtpServer()
        cls.slow = ScriptedSmtpServer(ehlo_delay=1.5 * QOS)
        cls.starttls = ScriptedSmtpServer(tls=tls)
        cls.auth = ScriptedSmtpServer(auth=True)
        cls.closed_port = harness.closed_port()
        cls.config = f"""
global: {{mode: interval, interval: 1s}}
modules:
  smtp_ehlo: {{ehlo_name: probe.example.org, qos_timeout: {int(QOS * 1000)}ms, timeout: 3s}}
  starttls:
    ehlo_name: probe.example.org
    qos_timeout: 2s
    timeout: 5s
    tls: starttls
    tls_config: {{ca_file: {ca[0]}}}
  submission:
    ehlo_name: probe.example.org
    qos_timeout: 2s
    timeout: 5s
    steps:
      - auth: {{username: probe@example.org, password: "{PASSWORD}", allow_plaintext: true}}
targets:
  - {{name: healthy, address: "127.0.0.1:{cls.healthy.port}"}}
  - {{name: slow-ehlo, address: "127.0.0.1:{cls.slow.port}"}}
  - {{name: closed, address: "127.0.0.1:{cls.closed_port}"}}
  - {{name: tls, address: "127.0.0.1:{cls.starttls.port}", module: starttls}}
  - {{name: submission, address: "127.0.0.1:{cls.auth.port}", module: submission}}
  - {{name: "{SCRIPT_NAME}", address: "127.0.0.1:{cls.healthy.port}"}}
"""
        refusal = harness.config_refusal(BINARY, cls.config)
        if refusal:
            raise AssertionError(f"config refused: {refusal}")
        cls.exporter = Exporter(BINARY, cls.config)

        def probed_enough():
            s = parse_samples(http_get(cls.exporter.url + "/metrics")[1])
            counts = {name: sum(value(s, "smtp_probe_events_total", target=name, event=e) or 0
                                for e in ("5510", "5511", "5509"))
                      for name in ("healthy", "slow-ehlo", "closed", "tls", "submission", SCRIPT_NAME)}
            return all(n >= 3 for n in counts.values())
        wait_until(probed_enough, 60, what="three probes of every target")
        cls.chromium_log = open(os.path.join(cls.dir, "chromium.log"), "w+")

    @classmethod
    def tearDownClass(cls):
        cls.exporter.stop()
        for server in (cls.healthy, cls.slow, cls.starttls, cls.auth):
            server.stop()
        cls.chromium_log.close()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def url(self, path):
        return self.exporter.url + path

    def target_url(self, name):
        return self.url("/target?name=" + urllib.parse.quote(name, safe=""))

    def dump_dom(self, url, width=1280, height=900):
        """The DOM of `url` as headless Chromium has it after loading."""
        with tempfile.TemporaryDirectory(prefix="chromium_") as profile:
            done = subprocess.run(
                [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", f"--user-data-dir={profile}", f"--window-size={width},{height}", "--dump-dom", url],
                capture_output=True, text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr[-2000:])
        self.assertIn("</html>", done.stdout, done.stderr[-2000:])
        return done.stdout

    def test_landing_page_rows_states_sparklines_and_escaping(self):
        dom = self.dump_dom(self.url("/"))
        parsed = DomParser()
        parsed.feed(dom)
        rows = {row["Target"]: row for row in parsed.rows}
        self.assertEqual(set(rows), {"healthy", "slow-ehlo", "closed", "tls", "submission", SCRIPT_NAME})
        # The script-named target is text, never an element.
        self.assertNotIn("script", parsed.tags)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;</a>", dom)
        self.assertEqual(rows["healthy"]["State"], "OK (5510)")
        self.assertEqual(rows[SCRIPT_NAME]["State"], "OK (5510)")
        self.assertEqual(rows["slow-ehlo"]["State"], "QoS warning (5511)")
        self.assertEqual(rows["closed"]["State"], "failing (5509)")
        self.assertEqual(rows["tls"]["State"], "OK (5510)")
        self.assertEqual(rows["submission"]["State"], "OK (5510)")
        self.assertTrue(rows["closed"]["Reason"].startswith("connect_refused"), rows["closed"]["Reason"])
        self.assertIn("over the QoS time of 0.400 s", rows["slow-ehlo"]["Reason"])
        # Failing first, then the warning.
        order = [row["Target"] for row in parsed.rows]
        self.assertEqual(order[:2], ["closed", "slow-ehlo"], order)
        # Certificate days left for the TLS target only (the test CA's leaf is valid for 2 days).
        self.assertRegex(rows["tls"]["Certificate"], r"^(1 day|2 days) left$")
        self.assertEqual(rows["healthy"]["Certificate"], "-")
        # A sparkline point per probe (at most 50), as many as the 5510/5511/5509 counts say.
        for name, row in rows.items():
            points = row["points"].split()
            probes = sum(int(row[e]) for e in ("5510", "5511", "5509"))
            self.assertGreaterEqual(len(points), 3, name)
            self.assertLessEqual(abs(len(points) - min(probes, 50)), 1, (name, len(points), probes))
            for point in points:
                x, y = (float(v) for v in point.split(","))
                self.assertTrue(0 <= x <= 200 and 0 <= y <= 40, (name, point))
        # The closed port's probes have no latency: drawn at the top; the slow one's between the
        # QoS line (26.7) and the 2 x QoS line (13.3).
        self.assertTrue(all(p.endswith(",0.0") for p in rows["closed"]["points"].split()))
        self.assertTrue(all(13.3 <= float(p.split(",")[1]) <= 26.7 for p in rows["slow-ehlo"]["points"].split()[-3:]),
                        rows["slow-ehlo"]["points"])
        self.assertEqual(int(rows["closed"]["5510"]) + int(rows["closed"]["5511"]), 0)

    def test_target_page_phases_transcripts_certificate_and_links(self):
        dom = self.dump_dom(self.target_url("tls"))
        self.assertIn('<h1 id="name">tls</h1>', dom)
        # Not the greeting: sent at accept, it may come in with the connection and take no
        # measurable time (a phase of 0 s is left out of the bar).
        for phase in ("connect", "ehlo", "starttls", "tls"):
            self.assertRegex(dom, rf'<span class="phase-{phase}" style="width: [0-9.]+%;?"', phase)
        transcripts = re.findall(r'<pre class="transcript">(.*?)</pre>', dom, re.S)
        self.assertGreaterEqual(len(transcripts), 3)
        self.assertLessEqual(len(transcripts), 20)
        self.assertIn("&gt; STARTTLS", transcripts[0])
        self.assertIn("&lt; 220 go ahead", transcripts[0])
        self.assertIn("<dt>Subject CN</dt><dd>localhost</dd>", dom)
        self.assertIn("<dt>Verified</dt><dd class=\"ok\">yes</dd>", dom)
        probe_href = re.search(r'<a href="([^"]+)" id="probe-link">', dom).group(1).replace("&amp;", "&")
        status, body, _ = http_get(self.url(probe_href))
        self.assertEqual(status, 200)
        self.assertIn("\nprobe_success 1\n", body)

        # An auth step's secret never shows: the transcript has it redacted, as /probe's debug output.
        dom = self.dump_dom(self.target_url("submission"))
        self.assertIn("&gt; AUTH PLAIN &lt;redacted&gt;", dom)
        secret = base64.b64encode(f"\0probe@example.org\0{PASSWORD}".encode()).decode()
        self.assertNotIn(PASSWORD, dom)
        self.assertNotIn(secret, dom)

        dom = self.dump_dom(self.target_url(SCRIPT_NAME))
        self.assertIn('<h1 id="name">&lt;script&gt;alert(1)&lt;/script&gt;</h1>', dom)
        parsed = DomParser()
        parsed.feed(dom)
        self.assertNotIn("script", parsed.tags)

    def test_target_page_answers_400_and_404(self):
        status, body, _ = http_get(self.url("/target"))
        self.assertEqual(status, 400)
        self.assertIn("name parameter is missing", body)
        status, body, _ = http_get(self.url("/target?name=nobody"))
        self.assertEqual(status, 404)
        self.assertIn('no target named "nobody"', body)

    def test_no_horizontal_scroll_on_a_phone_or_a_desktop_and_screenshots(self):
        with tempfile.TemporaryDirectory(prefix="chromium_") as profile:
            browser = DevTools(profile, self.chromium_log)
            try:
                for page, url in (("status", self.url("/")), ("target", self.target_url("tls"))):
                    for (width, height), mobile, label in ((PHONE, True, "390"), (DESKTOP, False, "1280")):
                        session = browser.page(url, width, height, mobile)
                        size = browser.evaluate(session, "JSON.stringify({scroll: document.documentElement.scrollWidth,"
                                                         " inner: window.innerWidth})")
                        size = json.loads(size)
                        self.assertEqual(size["inner"], width, (page, size))
                        # What is too wide, if anything: each column of the first table.
                        columns = browser.evaluate(session, "JSON.stringify([...document.querySelectorAll("
                                                            "'table tr:first-child > *')].map(c => [c.textContent,"
                                                            " Math.round(c.getBoundingClientRect().width)]))")
                        self.assertLessEqual(size["scroll"], size["inner"],
                                             f"{page} scrolls sideways at {label} px: {size}, columns {columns}")
                        path = os.path.join(self.screenshots, f"{page}-{label}.png")
                        browser.screenshot(session, path)
                        with open(path, "rb") as f:
                            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
            finally:
                browser.stop()
        print(f"screenshots in {self.screenshots}", file=sys.stderr)


if __name__ == "__main__":
    BINARY = harness.binary_from_argv()
    unittest.main(verbosity=2)
