#!/usr/bin/env python3
"""Helpers for bench/run.sh: process accounting from /proc, the fidelity and interval-mode
measurements, and the report. Standard library only. Every loop is bounded in count and time.

Subcommands (each prints one JSON object on stdout):
  proc PID                         cpu seconds (utime+stime) and VmHWM/VmRSS of PID
  wrk FILE                         parse a `wrk --latency` output (+ the ok/fail lines of probe.lua)
  fidelity ...                     part 3, see fidelity()
  interval ...                     part 2, see interval()
  fidelity_many ...                part 3b (1,000 probes in flight), see fidelity_many()
  ceiling ...                      part 4 (10,000 probes in flight), see ceiling()
  callgrind OUT WINDOW_S           part 8: a callgrind output file, per probe (stdin: a floor's JSON)
  report RESULTS_JSONL OUT_MD      print the table and write RESULTS.md
"""
import asyncio
import json
import os
import re
import resource
import socket
import statistics
import sys
import threading
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc(pid: int) -> dict:
    with open(f"/proc/{pid}/stat") as f:
        stat = f.read()
    fields = stat[stat.rindex(")") + 2:].split()
    # fields[0] is field 3 (state): utime is field 14, stime 15.
    utime, stime = int(fields[11]), int(fields[12])
    out = {"cpu_s": (utime + stime) / CLK_TCK, "utime_s": utime / CLK_TCK, "stime_s": stime / CLK_TCK}
    # The scheduler's exact run time of each live thread (ns). utime+stime are sampled at the
    # timer tick (4 ms here), which is coarse for short windows; threads that exited are only
    # in the ticks, so this is used where the threads live as long as the process (ours).
    try:
        out["cpu_exact_s"] = sum(int(open(f"/proc/{pid}/task/{t}/schedstat").read().split()[0])
                                 for t in os.listdir(f"/proc/{pid}/task")) / 1e9
    except (OSError, ValueError):
        pass
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmHWM:", "VmRSS:")):
                key, value = line.split(":")
                out[key.lower() + "_kib"] = int(value.split()[0])
    out["fds"] = len(os.listdir(f"/proc/{pid}/fd"))
    return out


def _to_ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if not m:
        return float("nan")
    n, unit = float(m.group(1)), m.group(2)
    return n * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(path: str) -> dict:
    text = open(path).read()
    out = {}
    m = re.search(r"(\d+) requests in ([\d.]+)(s|ms|m)", text)
    if m:
        out["requests"] = int(m.group(1))
        out["seconds"] = _to_ms(m.group(2) + m.group(3)) / 1000
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    out["rps"] = float(m.group(1)) if m else 0.0
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", text, re.M)
        out[f"p{pct}_ms"] = _to_ms(m.group(1)) if m else float("nan")
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["socket_errors"] = sum(int(g) for g in m.groups()) if m else 0
    m = re.search(r"^probe_ok (\d+) probe_fail (\d+)", text, re.M)
    if m:
        out["probe_ok"], out["probe_fail"] = int(m.group(1)), int(m.group(2))
    return out


def _get(url: str, timeout: float = 15.0, headers=None) -> str:
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read().decode()


def _sample(text: str, name: str, labels: str = "") -> float:
    pat = re.escape(name) + (r"\{" + labels + r"[^}]*\}" if labels else r"(?:\{\})?") + r" (\S+)$"
    m = re.search("^" + pat, text, re.M)
    if not m:
        raise ValueError(f"no sample {name}{{{labels}}}")
    return float(m.group(1))


def _pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100 * (len(s) - 1)))))
    return s[k]


def _err_stats(errors_s):
    a = [abs(e) for e in errors_s]
    return {"n": len(errors_s), "p50_ms": _pct(a, 50) * 1e3, "p99_ms": _pct(a, 99) * 1e3,
            "max_ms": max(a) * 1e3 if a else float("nan"),
            "mean_signed_ms": statistics.fmean(errors_s) * 1e3 if errors_s else float("nan")}


OURS_EHLO_NAME = "bench-ours.example.org"  # bench/run.sh configures it; blackbox says bench.example.org


def fidelity(ours: str, bb: str, slow_target: str, fast_target: str, delay: float, n: int, log_path: str = "") -> dict:
    """Sequential /probe requests (one in flight), alternating the two exporters.
    Ours: phase "ehlo" against D directly; both: probe duration on the D server minus the
    median on the D=0 server, against D."""
    series = {k: [] for k in ("ours_ehlo_phase", "ours_dur_slow", "ours_dur_fast", "bb_dur_slow", "bb_dur_fast")}
    failures = {"ours": 0, "bb": 0}
    deadline = time.monotonic() + 240
    for i in range(n):
        if time.monotonic() > deadline:
            break
        for which, base in (("ours", ours), ("bb", bb)) if i % 2 == 0 else (("bb", bb), ("ours", ours)):
            for kind, target in (("slow", slow_target), ("fast", fast_target)):
                text = _get(f"{base}/probe?target={target}&module=smtp_ehlo")
                if _sample(text, "probe_success") != 1:
                    failures[which] += 1
                    continue
                series[f"{which}_dur_{kind}"].append(_sample(text, "probe_duration_seconds"))
                if which == "ours" and kind == "slow":
                    series["ours_ehlo_phase"].append(
                        _sample(text, "probe_smtp_phase_duration_seconds", 'phase="ehlo"'))
    out = {"delay_ms": delay * 1e3, "failures": failures}
    out["ours_ehlo_phase"] = _err_stats([v - delay for v in series["ours_ehlo_phase"]])
    for which in ("ours", "bb"):
        base = statistics.median(series[f"{which}_dur_fast"]) if series[f"{which}_dur_fast"] else 0
        out[f"{which}_duration"] = _err_stats([v - base - delay for v in series[f"{which}_dur_slow"]])
        out[f"{which}_duration"]["baseline_ms"] = base * 1e3
    # The delay the server really applied, per probe (the log names the client by its EHLO name):
    # the same errors against that instead of D, when every probe of that client succeeded.
    applied = {"ours": [], "bb": []}
    if log_path and os.path.exists(log_path):
        for line in open(log_path):
            parts = line.split()
            if len(parts) == 2:
                applied["ours" if parts[0] == OURS_EHLO_NAME.upper() else "bb"].append(float(parts[1]))
    everything = applied["ours"] + applied["bb"]
    if everything:
        out["server_delay"] = {"n": len(everything), "p50_ms": _pct(everything, 50) * 1e3,
                               "p99_ms": _pct(everything, 99) * 1e3, "max_ms": max(everything) * 1e3}
    if len(applied["ours"]) == len(series["ours_ehlo_phase"]):
        out["ours_ehlo_phase_vs_applied"] = _err_stats(
            [v - a for v, a in zip(series["ours_ehlo_phase"], applied["ours"])])
    for which in ("ours", "bb"):
        if len(applied[which]) == len(series[f"{which}_dur_slow"]):
            base = out[f"{which}_duration"]["baseline_ms"] / 1e3
            out[f"{which}_duration_vs_applied"] = _err_stats(
                [v - base - a for v, a in zip(series[f"{which}_dur_slow"], applied[which])])
    return out


def _scrape(url: str, gzip: bool = False):
    """One GET of /metrics, timed by curl (a C client: Python's chunked reading of 42 MB takes
    longer than the exporter's writing and would be the figure otherwise). Returns (seconds,
    body bytes as received, Content-Encoding)."""
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        body_path, head_path = os.path.join(d, "body"), os.path.join(d, "head")
        cmd = ["curl", "-s", "--max-time", "30", "-o", body_path, "-D", head_path, "-w", "%{time_total}"]
        if gzip:
            cmd += ["-H", "Accept-Encoding: gzip"]
        out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
        body = open(body_path, "rb").read()
        encoding = ""
        for line in open(head_path, errors="replace"):
            if line.lower().startswith("content-encoding:"):
                encoding = line.split(":", 1)[1].strip()
    return float(out), body, encoding


def _scrape_discarding(url: str):
    """One GET of /metrics timed by curl with the body thrown away (-o /dev/null): the client
    writing 42 MB to a file is not the exporter's time. Returns (seconds, body bytes)."""
    import subprocess
    out = subprocess.run(["curl", "-s", "--max-time", "30", "-o", "/dev/null", "-w", "%{time_total} %{size_download}", url],
                         capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), int(float(out[1]))


def _scrapes_and_floor(url: str, body: bytes, rounds: int):
    """`rounds` scrapes of `url` with the body thrown away, each followed by one of the same body
    from bench/http_floor.cpp (the binary in $HTTP_FLOOR; none without it): a bare sender with
    nothing to render, the floor for moving those bytes over loopback to curl here. Returns
    ([(seconds, bytes)] ours, [(seconds, bytes)] floor)."""
    import subprocess
    import tempfile
    binary = os.environ.get("HTTP_FLOOR")
    ours, floor = [], []
    with tempfile.NamedTemporaryFile() as f:
        server = None
        if binary and os.access(binary, os.X_OK):
            f.write(body)
            f.flush()
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            server = subprocess.Popen([binary, f.name, str(port), str(rounds)], stdout=subprocess.PIPE, text=True)
        try:
            ready = server is not None and server.stdout.readline().strip() == "ready"
            for _ in range(rounds):
                ours.append(_scrape_discarding(url))
                if ready:
                    floor.append(_scrape_discarding(f"http://127.0.0.1:{port}/metrics"))
        finally:
            if server is not None:
                server.kill()
                server.wait()
    return ours, floor


def _sum_family(text: str, name: str) -> float:
    total = 0.0
    for m in re.finditer("^" + re.escape(name) + r"(?:\{[^}]*\})? (\S+)$", text, re.M):
        total += float(m.group(1))
    return total


def _last_runs(text: str) -> dict:
    out = {}
    for m in re.finditer(r'^smtp_probe_last_run_timestamp_seconds\{target="([^"]*)"[^}]*\} (\S+)$', text, re.M):
        out[m.group(1)] = float(m.group(2))
    return out


LAG_FAMILY = "smtp_exporter_scheduling_lag_seconds"


def _buckets(text: str, family: str) -> dict:
    """Cumulative bucket counts of an unlabelled histogram: {upper bound: count}."""
    out = {}
    for m in re.finditer("^" + re.escape(family) + r'_bucket\{le="([^"]+)"\} (\S+)$', text, re.M):
        out[float(m.group(1))] = float(m.group(2))  # float("+Inf") is inf
    return out


def histogram_quantile(q: float, buckets: dict) -> float:
    """PromQL's histogram_quantile on cumulative buckets {le: count}: linear interpolation inside
    the bucket that holds the rank; in the +Inf bucket, the highest finite bound."""
    bounds = sorted(buckets)
    if not bounds or bounds[-1] != float("inf"):
        return float("nan")
    total = buckets[bounds[-1]]
    if total <= 0:
        return float("nan")
    rank = q * total
    prev_bound, prev_count = 0.0, 0.0
    for i, le in enumerate(bounds):
        count = buckets[le]
        if count >= rank:
            if le == float("inf"):
                return bounds[i - 1] if i > 0 else float("nan")
            if count == prev_count:
                return le
            return prev_bound + (le - prev_bound) * (rank - prev_count) / (count - prev_count)
        prev_bound, prev_count = le, count
    return float("nan")


def lag_stats(before: dict, after: dict) -> dict:
    """Scheduling lag over a window: the difference of two scrapes' buckets; p50/p99 as PromQL
    would; max as the upper bound of the highest bucket that gained a count."""
    diff = {le: after[le] - before.get(le, 0.0) for le in after}
    bounds = sorted(diff)
    n = diff[bounds[-1]] if bounds else 0
    max_le = float("nan")
    prev = 0.0
    for le in bounds:
        if diff[le] > prev:
            max_le = le
        prev = diff[le]
    return {"n": n, "p50_ms": histogram_quantile(0.5, diff) * 1e3, "p99_ms": histogram_quantile(0.99, diff) * 1e3,
            "max_at_most_ms": max_le * 1e3, "buckets": {("+Inf" if le == float("inf") else repr(le)): diff[le] for le in bounds}}


def interval(url: str, pid: int, targets: int, interval_s: float, warmup_s: float, window_s: float) -> dict:
    """Interval mode: after warm-up, scrape (timed, sized), read CPU, wait `window_s` (a multiple of
    the interval), read CPU, scrape again. Probes done from smtp_probe_events_total sums; lag proxy
    from each target's last-run timestamps in the two scrapes (they should differ by exactly k x interval)."""
    time.sleep(warmup_s)
    t1 = time.monotonic()
    c1 = proc(pid)
    s1_time, body1, _ = _scrape(url)
    c1b = proc(pid)
    text1 = body1.decode()
    e1 = _sum_family(text1, "smtp_probe_events_total")
    skipped1 = _sum_family(text1, "smtp_exporter_probes_skipped_total")
    runs1 = _last_runs(text1)
    lag1 = _buckets(text1, LAG_FAMILY)
    time.sleep(max(0.0, window_s - (time.monotonic() - t1)))
    c2 = proc(pid)
    t2 = time.monotonic()
    s2_time, body2, _ = _scrape(url)
    text2 = body2.decode()
    e2 = _sum_family(text2, "smtp_probe_events_total")
    skipped2 = _sum_family(text2, "smtp_exporter_probes_skipped_total")
    runs2 = _last_runs(text2)
    lag2 = _buckets(text2, LAG_FAMILY)
    gz_time, gz_body, gz_enc = _scrape(url, gzip=True)
    c3 = proc(pid)
    discarded, floor = _scrapes_and_floor(url, body2, rounds=5)
    c4 = proc(pid)
    k = round(window_s / interval_s)
    jitter = [abs(runs2[t] - runs1[t] - k * interval_s) for t in runs1 if t in runs2 and runs1[t] > 0]
    failed = 0.0
    for m in re.finditer(r'^smtp_probe_events_total\{[^}]*event="5509"[^}]*\} (\S+)$', text2, re.M):
        failed += float(m.group(1))
    wall = t2 - t1
    probes = e2 - e1
    cpu = c2["cpu_s"] - c1["cpu_s"]  # the share of a core includes the first scrape
    # Per probe: probing only (the scrape's CPU is its own figure), exact run time if known.
    key = "cpu_exact_s" if "cpu_exact_s" in c1b and "cpu_exact_s" in c2 else "cpu_s"
    probe_cpu = c2[key] - c1b[key]
    return {
        "targets": targets, "interval_s": interval_s, "window_s": wall,
        "cpu_s": cpu, "cpu_share_pct": 100 * cpu / wall,
        "cpu_us_per_probe": 1e6 * probe_cpu / probes if probes else float("nan"),
        "cpu_source": "schedstat" if key == "cpu_exact_s" else "ticks",
        "probes_done": probes, "probes_expected": targets * wall / interval_s,
        "failed_total": failed, "skipped": skipped2, "skipped_in_window": skipped2 - skipped1,
        "scrape_ms": [s1_time * 1e3, s2_time * 1e3], "scrape_bytes": len(body2),
        "scrape_gzip_ms": gz_time * 1e3, "scrape_gzip_bytes": len(gz_body), "scrape_gzip_encoding": gz_enc or "identity",
        "scrape_cpu_s": c3["cpu_s"] - c2["cpu_s"],
        "scrape_discard_ms": [t * 1e3 for t, _ in discarded], "scrape_discard_bytes": [n for _, n in discarded],
        "http_floor_ms": [t * 1e3 for t, _ in floor], "http_floor_bytes": [n for _, n in floor],
        "vmhwm_kib": c4["vmhwm_kib"], "vmrss_kib": c3["vmrss_kib"], "fds": c3["fds"],
        "sched_lag": lag_stats(lag1, lag2) if lag2 else None,
        "rerun_jitter_ms": {"n": len(jitter), "p50": _pct(jitter, 50) * 1e3, "p99": _pct(jitter, 99) * 1e3,
                            "max": max(jitter) * 1e3 if jitter else float("nan")},
    }


def _raise_nofile() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _per_target(text: str, family: str, extra: str = "") -> dict:
    """{target label: value} for the series of `family` whose labels contain `extra`."""
    out = {}
    for m in re.finditer("^" + re.escape(family) + r"\{([^}]*)\} (\S+)$", text, re.M):
        labels = m.group(1)
        if extra and extra not in labels:
            continue
        t = re.search(r'(?:^|,)target="([^"]*)"', labels)
        if t:
            out[t.group(1)] = float(m.group(2))
    return out


def _read_log(path: str) -> list:
    out = []
    if path and os.path.exists(path):
        for line in open(path):
            parts = line.split()
            if len(parts) == 2:
                out.append((parts[0].lower(), float(parts[1])))
    return out


def _truncate(path: str) -> None:
    open(path, "w").close()  # the server appends (O_APPEND): its next line goes to the new end


async def _burst(host: str, port: int, paths: list, timeout: float) -> list:
    """Opens one connection per path, then sends every request at once (HTTP/1.0, so the answer
    ends at EOF) and reads the answers: that many requests in flight together. Returns bodies
    (None for a failed request)."""
    async def connect():
        try:
            return await asyncio.open_connection(host, port)
        except OSError:
            return None
    conns = await asyncio.gather(*(connect() for _ in paths))
    go = asyncio.Event()

    async def one(conn, path):
        if conn is None:
            return None
        reader, writer = conn
        await go.wait()
        try:
            writer.write(f"GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\n\r\n".encode())
            data = await reader.read()
        except OSError:
            return None
        finally:
            writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        return body.decode(errors="replace") if head.startswith(b"HTTP/1.") and b" 200 " in head[:16] else None

    tasks = [asyncio.ensure_future(one(c, p)) for c, p in zip(conns, paths)]
    await asyncio.sleep(0)
    go.set()
    return await asyncio.wait_for(asyncio.gather(*tasks), timeout)


class _WireCapture:
    """Kernel-stamped packets on the loopback device (AF_PACKET, root only): per client port, when
    the EHLO line and the first reply to it after it (a 250) crossed `lo`. The difference is the
    delay the server applied as the wire saw it, free of the server's own event-loop queueing."""
    SO_TIMESTAMPNS, SO_RCVBUFFORCE, SOL_PACKET, PACKET_STATISTICS = 35, 33, 263, 6

    def __init__(self, server_port: int):
        import socket
        import struct
        self._struct = struct
        self.port = server_port
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
        self.sock.bind(("lo", 0))
        self.sock.setsockopt(socket.SOL_SOCKET, self.SO_TIMESTAMPNS, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, self.SO_RCVBUFFORCE, 256 << 20)
        self.sock.settimeout(0.1)
        self.sock.getsockopt(self.SOL_PACKET, self.PACKET_STATISTICS, 8)  # reset the counters
        self.ehlo = {}  # client port -> (time, name)
        self.reply = {}  # client port -> time
        self.stop_ = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        import socket
        unpack = self._struct.unpack_from
        while not self.stop_.is_set():
            try:
                data, anc, _, addr = self.sock.recvmsg(128, 64)
            except socket.timeout:
                continue
            if addr[2] == 4 or len(data) < 40 or data[9] != 6:  # outgoing copy, short, not TCP
                continue
            ihl = (data[0] & 15) * 4
            sport, dport = unpack("!HH", data, ihl)
            payload = data[ihl + (data[ihl + 12] >> 4) * 4:]
            if not payload or not anc:
                continue
            sec, nsec = unpack("qq", anc[0][2])
            ts = sec + nsec / 1e9
            if dport == self.port and payload.startswith((b"EHLO ", b"ehlo ")):
                self.ehlo[sport] = (ts, payload[5:].split(b"\r")[0].split(b"\n")[0].decode(errors="replace").lower())
            elif sport == self.port and dport in self.ehlo and dport not in self.reply and payload.startswith(b"250"):
                self.reply[dport] = ts

    def finish(self) -> tuple:
        """Stops; returns ({ehlo name: wire delay s}, packets dropped by the kernel)."""
        self.stop_.set()
        self.thread.join(2)
        _, drops = self._struct.unpack("II", self.sock.getsockopt(self.SOL_PACKET, self.PACKET_STATISTICS, 8))
        self.sock.close()
        return {name: self.reply[p] - t for p, (t, name) in self.ehlo.items() if p in self.reply}, drops


def fidelity_many(ours_metrics: str, bb: str, slow_target: str, fast_target: str, delay: float, n: int,
                  rounds: int, log_path: str, ehlo_suffix: str) -> dict:
    """Part 3b: `n` probes in flight at once. Ours (scrape mode, n targets t00000.. on the D server,
    each with its own module whose EHLO name is <target><ehlo_suffix>): `rounds` scrapes of
    /metrics; per target the ehlo phase against D, against the delay the server logged for that
    very EHLO (matched by EHLO name) and against the delay on the wire (_WireCapture, when root). Blackbox: `rounds` bursts of n concurrent
    /probe requests against the D server and as many against the D = 0 server (its median is the
    baseline); duration - baseline - D. Rounds alternate ours / blackbox."""
    _raise_nofile()
    host, port = bb.split("//", 1)[1].rsplit(":", 1)
    port = int(port.rstrip("/"))
    ours_d, ours_a, ours_w, ours_applied, ours_wire_delay, bb_applied = [], [], [], [], [], []
    slow_port = int(slow_target.rsplit(":", 1)[1])
    wire_drops, wire_error = 0, ""
    ours_fail = ours_unmatched = 0
    scrape_s = []
    bb_slow, bb_fast = [], []
    bb_fail = {"slow": 0, "fast": 0}
    for _ in range(rounds):
        time.sleep(1)  # let the previous burst's connections and the other exporter settle
        _truncate(log_path)
        try:
            capture = _WireCapture(slow_port)
        except OSError as e:  # not root, or no AF_PACKET: the wire figures are left out
            capture, wire_error = None, f"{type(e).__name__}: {e}"
        t0 = time.perf_counter()
        text = _get(ours_metrics, timeout=60)
        scrape_s.append(time.perf_counter() - t0)
        time.sleep(0.3)  # the server logs right after its write; let the last lines land
        wire = {}
        if capture:
            wire, drops = capture.finish()
            wire_drops += drops
            ours_wire_delay += list(wire.values())
        applied = {name: a for name, a in _read_log(log_path)}
        ours_applied += list(applied.values())
        success = _per_target(text, "smtp_probe_success")
        phase = _per_target(text, "smtp_probe_phase_duration_seconds", 'phase="ehlo"')
        for target, ok in success.items():
            if ok != 1 or target not in phase:
                ours_fail += 1
                continue
            ours_d.append(phase[target] - delay)
            a = applied.get((target + ehlo_suffix).lower())
            if a is None:
                ours_unmatched += 1
            else:
                ours_a.append(phase[target] - a)
            a = wire.get((target + ehlo_suffix).lower())
            if a is not None:
                ours_w.append(phase[target] - a)
        for kind, target, sink in (("slow", slow_target, bb_slow), ("fast", fast_target, bb_fast)):
            if kind == "slow":
                _truncate(log_path)
            bodies = asyncio.run(_burst(host, port, [f"/probe?target={target}&module=smtp_ehlo"] * n, 60))
            for body in bodies:
                try:
                    if body is None or _sample(body, "probe_success") != 1:
                        raise ValueError
                    sink.append(_sample(body, "probe_duration_seconds"))
                except ValueError:
                    bb_fail[kind] += 1
            if kind == "slow":
                time.sleep(0.3)
                bb_applied += [a for _, a in _read_log(log_path)]
    base = statistics.median(bb_fast) if bb_fast else float("nan")

    def delays(values):
        return {"n": len(values), "p50_ms": _pct(values, 50) * 1e3, "p99_ms": _pct(values, 99) * 1e3,
                "max_ms": max(values) * 1e3 if values else float("nan")}
    out = {"delay_ms": delay * 1e3, "in_flight": n, "rounds": rounds,
           "ours_ehlo_phase": _err_stats(ours_d), "ours_ehlo_phase_vs_applied": _err_stats(ours_a),
           "ours_failed": ours_fail, "ours_unmatched": ours_unmatched, "ours_scrape_s": scrape_s,
           "server_delay_ours": delays(ours_applied), "server_delay_bb": delays(bb_applied),
           "ours_ehlo_phase_vs_wire": _err_stats(ours_w), "wire_delay_ours": delays(ours_wire_delay),
           "wire_drops": wire_drops, "wire_error": wire_error,
           "bb_duration": _err_stats([v - base - delay for v in bb_slow]), "bb_baseline_ms": base * 1e3,
           "bb_failed": bb_fail}
    if bb_applied:
        # blackbox's EHLO name is the same for every probe, so its probes cannot be matched to the
        # log one by one; the median applied delay stands in for D here.
        med = statistics.median(bb_applied)
        out["bb_duration_vs_median_applied"] = _err_stats([v - base - med for v in bb_slow])
    return out


def _limits(pid: int) -> dict:
    for line in open(f"/proc/{pid}/limits"):
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return {"nofile_soft": soft, "nofile_hard": hard}
    return {}


def ceiling(url: str, pid: int, n: int, timeout: float) -> dict:
    """Part 4: one scrape (scrape mode: every target probed at once) while a sampler reads the
    exporter's fd count and VmRSS every 100 ms."""
    before = proc(pid)
    peak = {"fds": before["fds"], "vmrss_kib": before["vmrss_kib"], "vmrss_at_peak_fds_kib": before["vmrss_kib"], "samples": 0}
    stop = threading.Event()

    def sample():
        while not stop.wait(0.1):
            try:
                fds = len(os.listdir(f"/proc/{pid}/fd"))
                with open(f"/proc/{pid}/status") as f:
                    rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
            except (OSError, StopIteration):
                break
            if fds > peak["fds"]:  # the RSS when the most probes held a socket at once
                peak["fds"], peak["vmrss_at_peak_fds_kib"] = fds, rss
            peak["vmrss_kib"] = max(peak["vmrss_kib"], rss)
            peak["samples"] += 1
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.perf_counter()
    error = ""
    text = ""
    try:
        text = _get(url, timeout=timeout)
    except Exception as e:  # noqa: BLE001 -- reported, not raised: the run goes on
        error = f"{type(e).__name__}: {e}"
    duration = time.perf_counter() - t0
    stop.set()
    sampler.join(2)
    after = proc(pid)
    success = _per_target(text, "smtp_probe_success")
    reasons = {}
    for m in re.finditer(r'^smtp_probe_failures_total\{([^}]*)\} (\S+)$', text, re.M):
        r = re.search(r'reason="([^"]*)"', m.group(1))
        if r and float(m.group(2)) > 0:
            reasons[r.group(1)] = reasons.get(r.group(1), 0) + float(m.group(2))
    out = {"targets": n, "scrape_s": duration, "error": error,
           "succeeded": sum(1 for v in success.values() if v == 1),
           "failed": sum(1 for v in success.values() if v != 1), "reported": len(success),
           "failure_reasons": reasons,
           "exporter_errors": _sample(text, "smtp_exporter_probe_errors_total") if text else float("nan"),
           "fds_before": before["fds"], "fds_peak": peak["fds"], "samples": peak["samples"],
           "vmrss_before_kib": before["vmrss_kib"], "vmrss_peak_sampled_kib": peak["vmrss_kib"],
           "vmhwm_kib": after["vmhwm_kib"], "vmrss_after_kib": after["vmrss_kib"]}
    out["vmrss_at_peak_fds_kib"] = peak["vmrss_at_peak_fds_kib"]
    # The peak includes rendering the scrape's answer after the probes; the RSS sampled when the
    # most sockets were open is the probes' own share.
    out["rss_per_probe_kib"] = (max(after["vmhwm_kib"], peak["vmrss_kib"]) - before["vmrss_kib"]) / n
    out["rss_per_probe_at_peak_fds_kib"] = (peak["vmrss_at_peak_fds_kib"] - before["vmrss_kib"]) / n
    out.update(_limits(pid))
    return out


def callgrind(path: str, window_s: float) -> dict:
    """Part 8: a callgrind output file (events: Ir). Probes (or floor sessions) are counted as
    calls of libc's socket(), one per probe over TCP, within exactly the instrumented window.
    Returns instructions and malloc calls per probe and the functions with the most instructions
    (self, and inclusive of what they call) per probe."""
    names = {}
    self_ir, incl_calls, calls_to = {}, {}, {}
    fn = current_callee = None
    pending_call = None  # the callee of a calls= line: the next cost line is its inclusive cost
    total = None

    def name_of(spec):
        m = re.match(r"\((\d+)\)(?: (.*))?$", spec)
        if not m:
            return spec
        if m.group(2) is not None:
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), spec)

    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                if len(parts) < 2:
                    pending_call = None
                    continue
                cost = int(parts[-1])
                if pending_call is not None:
                    incl_calls[fn] = incl_calls.get(fn, 0) + cost
                    pending_call = None
                else:
                    self_ir[fn] = self_ir.get(fn, 0) + cost
                continue
            if line.startswith("fn="):
                fn = name_of(line[3:])
            elif line.startswith("cfn="):
                callee = name_of(line[4:])
                pending_call = None
                current_callee = callee
            elif line.startswith("calls="):
                count = int(line[6:].split()[0])
                calls_to[current_callee] = calls_to.get(current_callee, 0) + count
                pending_call = current_callee
            elif line.startswith(("totals:", "summary:")):
                total = int(line.split()[1])
    ir = total if total is not None else sum(self_ir.values())
    sockets = calls_to.get("socket", 0)
    # stdin: the floor client's own JSON line, or the exporter's /metrics after the window (how
    # many targets' last probe succeeded: a probe slowed past its deadline would count otherwise).
    text = sys.stdin.read()
    extra = {}
    try:
        extra = json.loads(text or "{}")
    except ValueError:
        success = _per_target(text, "smtp_probe_success")
        extra = {"targets": len(success), "targets_ok": sum(1 for v in success.values() if v == 1)}
    probes = sockets or extra.get("sessions", 0)
    per = (lambda v: v / probes) if probes else (lambda v: float("nan"))
    incl = {k: self_ir.get(k, 0) + incl_calls.get(k, 0) for k in set(self_ir) | set(incl_calls)}
    top_self = sorted(self_ir.items(), key=lambda kv: -kv[1])[:25]
    top_incl = sorted(incl.items(), key=lambda kv: -kv[1])[:60]
    mallocs = calls_to.get("malloc", 0)
    return {"ir": ir, "probes": probes, "socket_calls": sockets, "window_s": window_s,
            "ir_per_probe": per(ir), "malloc_per_probe": per(mallocs),
            "free_per_probe": per(calls_to.get("free", 0)),
            "top_self": [[k, per(v)] for k, v in top_self],
            "top_inclusive": [[k, per(v)] for k, v in top_incl],
            "checks": {k: extra[k] for k in ("sessions", "ok", "failed", "cpu_us_per_session", "targets", "targets_ok")
                       if k in extra}}


# ---------------------------------------------------------------------------------------------
def _f(x, digits=1):
    if x is None or (isinstance(x, float) and x != x):
        return "n/a"
    return f"{x:,.{digits}f}"


def _ratio(a, b):
    try:
        return f"{a / b:.2f}" if b else "n/a"
    except TypeError:
        return "n/a"


def _pacing(fl: dict) -> str:
    p = fl.get("pacing", "back_to_back")
    if p == "back_to_back":
        return "back to back, 4 at a time"
    rate = f"{float(fl.get('rate', 0)):,.1f}/s"
    when = {"before": " (before the window)", "after": " (after the window)"}.get(fl.get("when", ""), "") if p == "tick" else ""
    return f"paced {rate}" + (", 10 ms tick" if p == "tick" else "") + when


def _cpu_key(rows):
    """The scheduler's run time (cpu_exact_s) when every run has it, else utime+stime (cpu_s)."""
    return "cpu_exact_s" if rows and all("cpu_exact_s" in r for r in rows) else "cpu_s"


def _wrk_agg(rows, who, key=None):
    """Runs of one exporter (sum over rounds for probes/s and CPU per probe, medians of the rounds
    for latency), as part 1's table. CPU: `key`, by default the scheduler's run time if known."""
    key = key or _cpu_key(rows)
    rs = [r for r in rows if r["who"] == who]
    req = sum(r["requests"] for r in rs)
    secs = sum(r["seconds"] for r in rs)
    cpu = sum(r[key] for r in rs)
    return {"rps": req / secs if secs else 0, "cpu_us": 1e6 * cpu / req if req else float("nan"),
            "p50": statistics.median(r["p50_ms"] for r in rs) if rs else float("nan"),
            "p99": statistics.median(r["p99_ms"] for r in rs) if rs else float("nan"),
            "fail": sum(r.get("probe_fail", 0) + r.get("non2xx", 0) + r.get("socket_errors", 0) for r in rs),
            "req": req}


_WHO = {"ours": "ours", "bb": "blackbox"}


def _whos(rows):
    """ours, blackbox, then the extra exporters (EXTRA_EXPORTERS) in the order they appear."""
    out = [w for w in ("ours", "bb") if any(r["who"] == w for r in rows)]
    for r in rows:
        if r["who"] not in out:
            out.append(r["who"])
    return out


def _wrk_tables(w, rows, hwm=None):
    """The summary and per-run tables of a wrk part: ours, blackbox and any extra exporters
    (older revisions run the same way); ratios against blackbox."""
    whos = _whos(rows)
    others = [x for x in whos if x != "bb"]
    head = " | ".join(_WHO.get(x, f"{x} (extra)") for x in whos)
    ratio_head = " | ".join(f"{_WHO.get(x, x)} : blackbox" for x in others)
    w(f"| concurrency | figure | {head} | {ratio_head} |")
    w("|---|---|" + "---|" * (len(whos) + len(others)))
    for c in sorted({r["concurrency"] for r in rows}):
        at = [r for r in rows if r["concurrency"] == c]
        ticks = {x: _wrk_agg(at, x, "cpu_s") for x in whos}
        exact = {x: _wrk_agg(at, x) for x in whos} if _cpu_key(at) == "cpu_exact_s" else None

        def row(label, agg, key, digits=1):
            vals = " | ".join(_f(agg[x][key], digits) for x in whos)
            ratios = " | ".join(_ratio(agg[x][key], agg["bb"][key]) if "bb" in agg else "n/a" for x in others)
            w(f"| {c} | {label} | {vals} | {ratios} |")
        row("probes/s", ticks, "rps")
        if exact:
            row("CPU per probe, scheduler run time (µs)", exact, "cpu_us")
        row("CPU per probe, utime+stime (µs)", ticks, "cpu_us")
        row("p50 latency (ms)", ticks, "p50", 2)
        row("p99 latency (ms)", ticks, "p99", 2)
        fails = " | ".join(f"{ticks[x]['fail']} of {ticks[x]['req']}" for x in whos)
        w(f"| {c} | failed probes / errors (of requests) | {fails} |" + " |" * len(others))
    if hwm:
        vals = " | ".join(_f(hwm.get(x, float("nan")) / 1024) for x in whos)
        ratios = " | ".join(_ratio(hwm.get(x), hwm.get("bb")) for x in others)
        w(f"| all | peak RSS (VmHWM, MiB) | {vals} | {ratios} |")
    w("")
    w("Per run:")
    w("")
    w("| round | concurrency | exporter | requests | probes/s | CPU s (run time) | CPU µs/probe (run time) | CPU µs/probe (utime+stime) | p50 ms | p99 ms | probe_success 0 | non-2xx + socket errors |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        per = lambda k: 1e6 * r[k] / r["requests"] if r["requests"] and k in r else float("nan")
        w(f"| {r['round']} | {r['concurrency']} | {_WHO.get(r['who'], r['who'])} | {r['requests']} | "
          f"{_f(r['rps'])} | {_f(r.get('cpu_exact_s'), 2)} | {_f(per('cpu_exact_s'))} | {_f(per('cpu_s'))} | "
          f"{_f(r['p50_ms'], 2)} | {_f(r['p99_ms'], 2)} | {r.get('probe_fail', 'n/a')} | {r['non2xx'] + r['socket_errors']} |")
    w("")


def _cpu_ratio(rows, key=None):
    """ours : blackbox CPU per probe over all runs of a wrk part (nan without both)."""
    o, b = _wrk_agg(rows, "ours", key), _wrk_agg(rows, "bb", key)
    return o["cpu_us"] / b["cpu_us"] if o["req"] and b["req"] and b["cpu_us"] else float("nan"), o, b


def _tls_floor_us(recs, mode="full"):
    runs = [r for r in recs if r["kind"] == "tls_floor" and r.get("mode") == mode and r.get("sessions")]
    return (sum(r["cpu_us_per_session"] for r in runs) / len(runs) if runs else float("nan")), runs


def report(jsonl: str, out_md: str) -> None:
    recs = [json.loads(line) for line in open(jsonl) if line.strip()]
    meta = next(r for r in recs if r["kind"] == "meta")
    lines = []
    w = lines.append
    w("# smtp_exporter benchmark results")
    w("")
    w(f"Written by `bench/run.sh` on {meta['date']}; `nproc` = {meta['nproc']}; {meta['cpu']}; "
      f"kernel {meta['kernel']}; exporter revision {meta['revision']}; blackbox_exporter {meta['bb_version']}.")
    w("")
    w("The machine is shared with other developers building at the same time: absolute figures are "
      "noisy (expect tens of percent between runs). Both exporters run in the same run, alternating, "
      "against the same target, so the **ratios** (ours : blackbox) are the figures to read. "
      "wrk and the SMTP sink run on the same 2 cores as the exporter under test.")
    w("")

    p1 = [r for r in recs if r["kind"] == "probe_cost"]
    if p1:
        w("## 1. /probe cost (wrk against /probe, both exporters probing the same smtp-sink)")
        w("")
        w(f"{meta.get('wrk_duration', '?')} s per run, runs alternate ours/blackbox; figures per concurrency are "
          "the sum over rounds (probes/s, CPU per probe) or the median of the rounds (latency). "
          "CPU is the exporter process's utime+stime from /proc/PID/stat (sampled at the timer tick), divided by completed "
          "requests, and, where recorded, the scheduler's run time of its threads (/proc/PID/task/*/schedstat). An "
          "\"(extra)\" column is another smtp_exporter binary (an older revision) run the same way in the same rounds.")
        w("")
        _wrk_tables(w, p1, {r["who"]: r["vmhwm_kib"] for r in recs if r["kind"] == "probe_cost_rss"})

    p3 = [r for r in recs if r["kind"] == "fidelity"]
    if p3:
        r = p3[0]
        w(f"## 3. Measurement fidelity (EHLO answered {r['delay_ms']:.0f} ms after it was read; 1 probe in flight)")
        w("")
        w("Sequential /probe requests, alternating the exporters. The test server sleeps and then busy-waits "
          "to the exact delay (server-side applied delay: "
          f"p50 {_f(r.get('server_delay', {}).get('p50_ms'), 3)} ms, p99 {_f(r.get('server_delay', {}).get('p99_ms'), 3)} ms, max {_f(r.get('server_delay', {}).get('max_ms'), 3)} ms; "
          "when the server overshoots D on this loaded machine, the rows against the applied delay are the exporter's own error). "
          "Errors are absolute values. `duration - baseline` is the probe's whole duration minus the median "
          "duration against the same server with D = 0, minus D: the only way to get the EHLO time out of blackbox_exporter.")
        w("")
        w("| figure | n | error p50 (ms) | error p99 (ms) | error max (ms) | mean signed (ms) |")
        w("|---|---|---|---|---|---|")
        for key, label in (("ours_ehlo_phase", 'ours: `probe_smtp_phase_duration_seconds{phase="ehlo"}` - D'),
                           ("ours_duration", "ours: `probe_duration_seconds` - baseline - D"),
                           ("bb_duration", "blackbox: `probe_duration_seconds` - baseline - D"),
                           ("ours_ehlo_phase_vs_applied", 'ours: ehlo phase - delay the server applied to that probe'),
                           ("ours_duration_vs_applied", "ours: `probe_duration_seconds` - baseline - applied delay"),
                           ("bb_duration_vs_applied", "blackbox: `probe_duration_seconds` - baseline - applied delay")):
            if key not in r:
                continue
            s = r[key]
            w(f"| {label} | {s['n']} | {_f(s['p50_ms'], 3)} | {_f(s['p99_ms'], 3)} | {_f(s['max_ms'], 3)} | {_f(s['mean_signed_ms'], 3)} |")
        w("")
        w(f"Baselines (median duration with D = 0): ours {_f(r['ours_duration']['baseline_ms'], 3)} ms, "
          f"blackbox {_f(r['bb_duration']['baseline_ms'], 3)} ms. Probes that failed: ours {r['failures']['ours']}, "
          f"blackbox {r['failures']['bb']}. p99 ratio ours (ehlo phase) : blackbox = "
          f"{_ratio(r['ours_ehlo_phase']['p99_ms'], r['bb_duration']['p99_ms'])}.")
        w("")

    p3b = [r for r in recs if r["kind"] == "fidelity_many"]
    if p3b:
        r = p3b[0]
        sd, sb = r["server_delay_ours"], r["server_delay_bb"]
        w(f"## 3b. Measurement fidelity with {r['in_flight']:,} probes in flight (EHLO answered {r['delay_ms']:.0f} ms after it arrived)")
        w("")
        w(f"`bench/delay_server.cpp` (C++/Asio) answers EHLO D after the EHLO's kernel arrival time and logs, per EHLO, "
          f"the delay it applied (arrival to its write's completion). Ours: scrape mode, "
          f"{r['in_flight']:,} targets on that server, each with its own module and EHLO name "
          f"(`t00042.bench.example.org`), `max_concurrent_probes` {r['in_flight']:,}; {r['rounds']} scrapes of /metrics, "
          f"each probing all targets at once (scrape took {', '.join(_f(x, 2) for x in r['ours_scrape_s'])} s); "
          f"each target's ehlo phase is matched to the server's log line by EHLO name. Blackbox: {r['rounds']} bursts of "
          f"{r['in_flight']:,} concurrent /probe requests (connections opened first, requests sent together) against "
          f"the D server, and as many against a D = 0 server for the baseline; rounds alternate ours / blackbox. "
          f"Server's logged delay: ours' rounds p50 {_f(sd['p50_ms'], 3)} / p99 {_f(sd['p99_ms'], 3)} / max {_f(sd['max_ms'], 3)} ms "
          f"(n {sd['n']}), blackbox's rounds p50 {_f(sb['p50_ms'], 3)} / p99 {_f(sb['p99_ms'], 3)} / max {_f(sb['max_ms'], 3)} ms (n {sb['n']}).")
        w("")
        w("| figure | n | error p50 (ms) | error p99 (ms) | error max (ms) | mean signed (ms) |")
        w("|---|---|---|---|---|---|")
        for key, label in (("ours_ehlo_phase", 'ours: `smtp_probe_phase_duration_seconds{phase="ehlo"}` - D'),
                           ("ours_ehlo_phase_vs_applied", "ours: ehlo phase - delay the server logged for that probe"),
                           ("ours_ehlo_phase_vs_wire", "ours: ehlo phase - delay on the wire for that probe (EHLO to 250 on `lo`)"),
                           ("bb_duration", "blackbox: `probe_duration_seconds` - baseline - D"),
                           ("bb_duration_vs_median_applied", "blackbox: `probe_duration_seconds` - baseline - median logged delay")):
            if key not in r:
                continue
            e = r[key]
            if not e["n"]:
                continue
            w(f"| {label} | {e['n']} | {_f(e['p50_ms'], 3)} | {_f(e['p99_ms'], 3)} | {_f(e['max_ms'], 3)} | {_f(e['mean_signed_ms'], 3)} |")
        w("")
        w(f"Blackbox baseline (median duration with D = 0, {r['in_flight']:,} in flight): {_f(r['bb_baseline_ms'], 3)} ms. "
          f"Probes that failed: ours {r['ours_failed']} (and {r['ours_unmatched']} not found in the server's log), "
          f"blackbox {r['bb_failed']['slow']} against D and {r['bb_failed']['fast']} against D = 0. Blackbox sends one "
          f"EHLO name for every probe, so its probes cannot be matched to the server's log one by one.")
        w("")
        wd = r.get("wire_delay_ours", {})
        if wd.get("n"):
            w(f"The wire: during ours' scrapes an AF_PACKET socket on `lo` (kernel timestamps, {r['wire_drops']} packets "
              f"dropped) recorded when each EHLO and the 250 after it crossed the loopback device; that delay was "
              f"p50 {_f(wd['p50_ms'], 3)} / p99 {_f(wd['p99_ms'], 3)} / max {_f(wd['max_ms'], 3)} ms (n {wd['n']}). "
              "It is what the exporter should report, whatever the server intended. The server's logged delay is "
              "stamped when its write's completion handler runs, behind up to a thousand other replies due at the "
              "same moment, so it runs late of the wire; `- D` includes the server really answering late under "
              "that burst. The goal row uses the wire. (The exporter stamps a reply with the same kernel arrival time "
              "the capture sees, so this compares its EHLO send stamp and everything it does with the two stamps.)")
        elif r.get("wire_error"):
            w(f"No wire capture ({r['wire_error']}): the goal row uses the server's logged delay.")
        w("")

    p2_all = [r for r in recs if r["kind"] == "interval"]
    p2 = [r for r in p2_all if r.get("who", "ours") == "ours"]  # the goals and the floor table: ours
    if p2:
        w("## 2. Interval mode at scale (all targets on one smtp-sink, distinct names)")
        w("")
        w("Measured over a window after one full interval of warm-up. `CPU % of one core` includes one /metrics scrape; "
          "`CPU µs/probe` does not (the scrape is timed on its own) and is the scheduler's exact run time of the "
          "exporter's threads (/proc/PID/task/*/schedstat), as the floor client reports its own; utime+stime, sampled "
          "at the 4 ms timer tick, are the fallback. "
          "`scheduling lag` is the exporter's `smtp_exporter_scheduling_lag_seconds` histogram (how late each probe "
          "started after its due time on the 10 ms grid, slot waits included): the difference of its buckets between "
          "the window's two scrapes, p50 and p99 interpolated within buckets as PromQL's `histogram_quantile` does, "
          "max as the upper bound of the highest bucket that gained a count. `rerun jitter` (the earlier proxy) is "
          "|last_run(t2) - last_run(t1) - k x interval| per target, which adds probe-duration noise and catches a "
          "target that ran once fewer or more (a max of 15,000 ms). No blackbox comparison here (blackbox has no interval mode).")
        w("")
        w("| targets | exporter | interval | window s | CPU % of one core | CPU µs/probe | peak RSS MiB | probes done / expected | 5509 total | skipped | /metrics ms (plain, body to a file) | body to /dev/null ms | the same body from a bare sender (`bench/http_floor.cpp`) ms | bytes | gzip asked: ms, bytes, encoding | scheduling lag n, p50 / p99 / max ms | rerun jitter p50/p99/max ms |")
        w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in p2_all:
            j = r["rerun_jitter_ms"]
            lag = r.get("sched_lag")
            lag_s = (f"{lag['n']:,.0f}, {_f(lag['p50_ms'], 2)} / {_f(lag['p99_ms'], 2)} / at most {_f(lag['max_at_most_ms'], 1)}"
                     if lag else "not exported")
            who = r.get("who", "ours")
            w(f"| {r['targets']:,} | {who if who == 'ours' else who + ' (extra)'} | {r['interval_s']:.0f} s | {_f(r['window_s'])} | {_f(r['cpu_share_pct'], 2)} | {_f(r['cpu_us_per_probe'])} | "
              f"{_f(r['vmhwm_kib'] / 1024)} | {r['probes_done']:.0f} / {r['probes_expected']:.0f} | {r['failed_total']:.0f} | {r['skipped']:.0f} | "
              f"{' / '.join(_f(x) for x in r['scrape_ms'])} | {' / '.join(_f(x) for x in r.get('scrape_discard_ms', []))} | {' / '.join(_f(x) for x in r.get('http_floor_ms', [])) or 'not run'} | {r['scrape_bytes']:,} | {_f(r['scrape_gzip_ms'])}, {r['scrape_gzip_bytes']:,}, {r['scrape_gzip_encoding']} | "
              f"{lag_s} | {_f(j['p50'], 2)} / {_f(j['p99'], 2)} / {_f(j['max'], 2)} |")
        w("")
        fl_rows = [(r, x) for r in p2 for x in recs if x["kind"] == "floor" and x["targets"] == r["targets"]]
        if fl_rows:
            w("Floor (`bench/floor_client.cpp`, a bare Asio client doing the same SMTP sessions against the same sink "
              "right after the exporter's window, same run), three ways: back to back 4 at a time; paced uniformly at "
              "the exporter's rate (targets / interval per second, up to 256 at a time); paced at that rate with start "
              "times rounded down to the exporter's 10 ms tick. A paced run's session count is capped so that it lasts "
              "about 12 s; all three run as many. The last (the same pacing as the exporter) also runs before the window; "
              "the goal compares with the mean of its two runs.")
            w("")
            w("| targets | floor pacing | sessions (failed) | wall s | floor CPU µs/session | exporter CPU µs/probe | exporter : floor |")
            w("|---|---|---|---|---|---|---|")
            for r, fl in fl_rows:
                w(f"| {r['targets']:,} | {_pacing(fl)} | {fl['sessions']:,} ({fl['failed']}) | {_f(fl['wall_s'], 2)} | "
                  f"{_f(fl['cpu_us_per_session'])} | {_f(r['cpu_us_per_probe'])} | {_ratio(r['cpu_us_per_probe'], fl['cpu_us_per_session'])} |")
            w("")
            if len(p2_all) > len(p2):
                w("Every exporter of this run against the tick-paced floor (mean of its runs before and after the windows):")
                w("")
                w("| targets | exporter | CPU µs/probe | : tick-paced floor |")
                w("|---|---|---|---|")
                for r in p2_all:
                    ticks = [x for x in recs if x["kind"] == "floor" and x["targets"] == r["targets"]
                             and x.get("pacing") == "tick" and x.get("cpu_us_per_session")]
                    fm = sum(x["cpu_us_per_session"] for x in ticks) / len(ticks) if ticks else float("nan")
                    w(f"| {r['targets']:,} | {r.get('who', 'ours')} | {_f(r['cpu_us_per_probe'])} | {_ratio(r['cpu_us_per_probe'], fm)} |")
                w("")

    p4 = [r for r in recs if r["kind"] == "ceiling"]
    if p4:
        r = p4[0]
        w(f"## 4. Concurrency ceiling ({r['targets']:,} probes in flight at once, server greets after 2 s)")
        w("")
        w(f"Ours in scrape mode with {r['targets']:,} targets on one `bench/delay_server.cpp` that greets 2 s after "
          "accepting (EHLO at once); one module, timeout 20 s, qos_timeout 10 s, `max_concurrent_probes` "
          f"{r['targets']:,}; one scrape of /metrics (client timeout 60 s) while a sampler read /proc/PID/fd and "
          f"VmRSS every 100 ms ({r['samples']} samples).")
        w("")
        reasons = ", ".join(f"{k} {v:,.0f}" for k, v in sorted(r["failure_reasons"].items())) or "none"
        w("| figure | value |")
        w("|---|---|")
        w(f"| scrape duration | {_f(r['scrape_s'], 2)} s{(' (' + r['error'] + ')') if r['error'] else ''} |")
        w(f"| probes succeeded / failed (`smtp_probe_success`, {r['reported']:,} reported) | {r['succeeded']:,} / {r['failed']:,} |")
        w(f"| failures by reason (`smtp_probe_failures_total`) | {reasons} |")
        w(f"| `smtp_exporter_probe_errors_total` | {_f(r['exporter_errors'], 0)} |")
        w(f"| open fds: before, peak (sampled) | {r['fds_before']:,}, {r['fds_peak']:,} |")
        w(f"| RSS: before, peak (VmHWM) MiB | {_f(r['vmrss_before_kib'] / 1024)}, {_f(r['vmhwm_kib'] / 1024)} |")
        w(f"| RSS per probe in flight ((peak - before) / {r['targets']:,}; the peak includes rendering the answer) | {_f(r['rss_per_probe_kib'], 2)} KiB |")
        if "rss_per_probe_at_peak_fds_kib" in r:
            w(f"| RSS when the most sockets were open, and per probe ((that - before) / {r['targets']:,}) | "
              f"{_f(r['vmrss_at_peak_fds_kib'] / 1024)} MiB, {_f(r['rss_per_probe_at_peak_fds_kib'], 2)} KiB |")
        w(f"| RSS after the scrape MiB | {_f(r['vmrss_after_kib'] / 1024)} |")
        w(f"| RLIMIT_NOFILE of the process (soft / hard) | {r.get('nofile_soft', '?')} / {r.get('nofile_hard', '?')} |")
        w("")

    micro = [r for r in recs if r["kind"] == "micro"]
    if micro:
        w("## 5. Microbenchmarks (Google Benchmark, Release)")
        w("")
        w("| benchmark | time per iteration | note |")
        w("|---|---|---|")
        for r in micro:
            w(f"| `{r['name']}` | {_f(r['real_time'], 3)} {r['time_unit']} | {r.get('note', '')} |")
        w("")

    tx = [r for r in recs if r["kind"] == "tx_cost"]
    if tx:
        w("## 6. A mail transaction against a real Postfix (wrk against /probe, both exporters, the same dialog)")
        w("")
        w("Postfix from `tests/e2e/mail_peers.py` (its \"mx\" service: mail for example.org, loopback not a trusted "
          "network), started once by `bench/mail_peer.py`. The dialog, the same for both: EHLO, `MAIL FROM:<probe@example.org>`, "
          "`RCPT TO:<postmaster@example.org>` (accepted, 250), `RCPT TO:<someone@example.net>` (refused: 554 5.7.1 relay access "
          "denied, expected), RSET, QUIT. Ours: a module with `steps` (mail_from, rcpt_to, rcpt_to with `expect: reject`, rset); "
          "blackbox: its tcp prober with `query_response` send/expect lines for the same commands (expect `^25[01] ` and "
          "`^5[0-9][0-9] ` for the two RCPTs). Runs alternate ours/blackbox; CPU is each exporter's scheduler run time over its run "
          "(/proc/PID/task/*/schedstat, the threads live as long as the process), divided by completed requests; utime+stime, "
          "as in part 1, in the per-run table. Postfix's own CPU (an smtpd process per session) is on the same two cores.")
        w("")
        _wrk_tables(w, tx)

    st = [r for r in recs if r["kind"] == "starttls_cost"]
    if st:
        w("## 7. STARTTLS against a real Postfix (wrk against /probe, both exporters; the bare TLS client as the floor)")
        w("")
        w("The same Postfix mx (STARTTLS offered, an ECDSA P-256 leaf for localhost signed by the peers' own CA). The session: "
          "greeting, EHLO (STARTTLS must be advertised), STARTTLS, 220, a full TLS handshake with the chain verified against the "
          "CA file and the certificate against the name `localhost` (sent as SNI), EHLO again, QUIT. Ours: `tls: starttls` with "
          "`tls_config` ca_file and server_name; the certificate facts (notAfter of the leaf and chain, subject, issuer, serial, "
          "SHA-256 fingerprint) are read on every probe. Blackbox: tcp prober, `query_response` with `starttls: true` and the "
          "same tls_config. Neither resumes a TLS session. The floor, `bench/tls_floor_client.cpp`, is a bare Asio + OpenSSL "
          "client doing the same session (same OpenSSL settings as ours, the same concurrency, back to back), run right after "
          "each pair of exporter runs; its CPU is its own scheduler run time (/proc/self/schedstat).")
        w("")
        _wrk_tables(w, st)
        floors = [r for r in recs if r["kind"] == "tls_floor"]
        if floors:
            w("| floor run | mode | concurrency | sessions (failed, resumed) | wall s | CPU µs/session | TLS |")
            w("|---|---|---|---|---|---|---|")
            label = {"full": "full handshake, as a probe", "facts": "full handshake + the certificate facts ours reads",
                     "resume": "resuming the last session (what a probe must not do)"}
            for r in floors:
                w(f"| {r.get('round', 'after')} | {label.get(r['mode'], r['mode'])} | {r['concurrency']} | "
                  f"{r['sessions']:,} ({r['failed']}, {r['resumed']}) | {_f(r['wall_s'], 2)} | {_f(r['cpu_us_per_session'])} | "
                  f"{r['tls_version']} {r['cipher']} |")
            w("")
            floor_us, runs = _tls_floor_us(recs)
            ratio, o, b = _cpu_ratio(st)
            if runs:
                w(f"CPU per STARTTLS session: ours {_f(o['cpu_us'])} µs per probe (with /probe's HTTP), the bare client "
                  f"{_f(floor_us)} µs (mean of {len(runs)} full-handshake runs), blackbox {_f(b['cpu_us'])} µs. "
                  f"Ours : floor = {_ratio(o['cpu_us'], floor_us)}; floor : blackbox = {_ratio(floor_us, b['cpu_us'])}; "
                  f"ours : blackbox = {ratio:.2f}.")
                w("")

    cg = [r for r in recs if r["kind"] == "callgrind"]
    if cg:
        w("## 8. Instructions per probe (callgrind)")
        w("")
        w("Each exporter runs under `valgrind --tool=callgrind --instr-atstart=no` in interval mode; after a warm-up, "
          "instrumentation is switched on for a window (no scrape inside it) and off again. Probes are counted as calls of "
          "libc's `socket()` within the window (one per probe); the floor clients run under callgrind from start to end. "
          "Instruction counts do not move with the machine's load, so they are the figure to compare code changes with; "
          "they do not see cache misses or the kernel.")
        w("")
        w("| run | what | probes (sessions) | targets whose last probe succeeded | instructions per probe | malloc calls per probe |")
        w("|---|---|---|---|---|---|")
        for r in cg:
            ch = r.get("checks", {})
            ok = (f"{ch['targets_ok']} of {ch['targets']}" if "targets" in ch else
                  f"{ch.get('ok', '?')} of {ch.get('sessions', '?')} sessions ok" if "sessions" in ch else "n/a")
            w(f"| {r['label']} | {r['what']} | {r['probes']:,} | {ok} | {_f(r['ir_per_probe'], 0)} | {_f(r['malloc_per_probe'], 1)} |")
        w("")
        for r in cg:
            w(f"<details><summary>{r['label']}, {r['what']}: the functions with the most instructions per probe</summary>")
            w("")
            w("| function (self) | per probe | function (inclusive) | per probe |")
            w("|---|---|---|---|")
            selfs, incl = r["top_self"][:15], [x for x in r["top_inclusive"] if x[1] < 0.95 * r["ir_per_probe"]][:15]
            for i in range(max(len(selfs), len(incl))):
                a = selfs[i] if i < len(selfs) else ["", None]
                b = incl[i] if i < len(incl) else ["", None]
                cell = lambda x: ("`" + x[0][:90].replace("|", "\\|") + "`") if x[0] else ""
                w(f"| {cell(a)} | {_f(a[1], 0) if a[1] is not None else ''} | {cell(b)} | {_f(b[1], 0) if b[1] is not None else ''} |")
            w("")
            w("</details>")
            w("")

    w("## Goals of issue 6, checked against this run")
    w("")
    w("| goal | this run | met? |")
    w("|---|---|---|")
    yes = lambda ok: "yes" if ok else "**no**"
    for c in sorted({r["concurrency"] for r in p1}):
        sums = {}
        for who in ("ours", "bb"):
            rs = [r for r in p1 if r["concurrency"] == c and r["who"] == who]
            req = sum(r["requests"] for r in rs) or 1
            sums[who] = (sum(r["cpu_s"] for r in rs) / req, req / (sum(r["seconds"] for r in rs) or 1))
        cpu_ratio = sums["ours"][0] / sums["bb"][0] if sums["bb"][0] else float("nan")
        rps_ratio = sums["ours"][1] / sums["bb"][1] if sums["bb"][1] else float("nan")
        w(f"| /probe c={c}: CPU per probe at most 0.20 x blackbox's | {cpu_ratio:.2f} x | {yes(cpu_ratio <= 0.2)} |")
        w(f"| /probe c={c}: probes/s at least blackbox's | {rps_ratio:.2f} x | {yes(rps_ratio >= 1)} |")
    for r in p2:
        n = r["targets"]
        floors = [x for x in recs if x["kind"] == "floor" and x["targets"] == n]
        ticks = [x for x in floors if x.get("pacing") == "tick" and x.get("cpu_us_per_session")]
        if ticks:
            floor_us = sum(x["cpu_us_per_session"] for x in ticks) / len(ticks)
            fr = r["cpu_us_per_probe"] / floor_us
            each = ", ".join(f"{_ratio(r['cpu_us_per_probe'], x['cpu_us_per_session'])} x vs {_pacing(x)}" for x in ticks)
            others = ", ".join(f"{_ratio(r['cpu_us_per_probe'], x['cpu_us_per_session'])} x vs {_pacing(x)}"
                               for x in floors if x.get("pacing") != "tick")
            w(f"| interval {n:,}: CPU per probe at most 1.3 x the bare Asio floor (floor paced like the exporter: "
              f"{_pacing(dict(ticks[0], when=''))}; mean of {len(ticks)} run{'s' if len(ticks) > 1 else ''}: {_f(floor_us)} µs) | "
              f"{fr:.2f} x ({each}{('; for context: ' + others) if others else ''}) | {yes(fr <= 1.3)} |")
        w(f"| interval {n:,}: no skipped probes | {r['skipped']:.0f} | {yes(r['skipped'] == 0)} |")
        lag = r.get("sched_lag")
        if lag and lag["n"]:
            w(f"| interval {n:,}: scheduling lag p99 under 10 ms (`smtp_exporter_scheduling_lag_seconds`) | "
              f"{lag['p99_ms']:.2f} ms | {yes(lag['p99_ms'] < 10)} |")
        else:
            w(f"| interval {n:,}: scheduling lag p99 under 10 ms (proxy: rerun jitter p99) | {r['rerun_jitter_ms']['p99']:.2f} ms | {yes(r['rerun_jitter_ms']['p99'] < 10)} (proxy) |")
        if n >= 10000:
            w(f"| interval {n:,}: under 10 % of one core | {r['cpu_share_pct']:.1f} % | {yes(r['cpu_share_pct'] < 10)} |")
            w(f"| interval {n:,}: under 64 MiB RSS (peak, scrapes included) | {r['vmhwm_kib'] / 1024:.1f} MiB | {yes(r['vmhwm_kib'] < 65536)} |")
            stream = [m for m in micro if m["name"] == f"BM_StreamTargets/{n}/0" and m["time_unit"] == "ms"]
            if stream:
                w(f"| /metrics with {n:,} targets renders in under 50 ms (the writer in 512 KiB pieces, "
                  f"`BM_StreamTargets/{n}/0`{stream[0]['note']}) | {stream[0]['real_time']:.1f} ms | {yes(stream[0]['real_time'] < 50)} |")
            plain = r["scrape_ms"] + r.get("scrape_discard_ms", [])
            best = min(plain)
            w(f"| /metrics with {n:,} targets over HTTP in under 50 ms (rendering and the transfer to curl over loopback; "
              f"best of {len(plain)} plain scrapes: curl wrote the body of {len(r['scrape_ms'])} to a file, threw the rest away) | "
              f"{best:.0f} ms | {yes(best < 50)} |")
            if r.get("http_floor_ms"):
                w(f"| for context, not a goal: the same body from a bare sender with nothing to render (`bench/http_floor.cpp`, "
                  f"best of {len(r['http_floor_ms'])}, alternating with ours) | {min(r['http_floor_ms']):.0f} ms | n/a |")
            w(f"| /metrics gzip-compressed when asked | Content-Encoding: {r['scrape_gzip_encoding']} | {yes(r['scrape_gzip_encoding'] == 'gzip')} |")
    for r in p3:
        key = "ours_ehlo_phase_vs_applied" if "ours_ehlo_phase_vs_applied" in r else "ours_ehlo_phase"
        w(f"| fidelity: ehlo phase error p99 under 1 ms, 1 probe in flight ({key}) | {r[key]['p99_ms']:.2f} ms | {yes(r[key]['p99_ms'] < 1)} |")
    for r in p3b:
        a, d = r["ours_ehlo_phase_vs_applied"], r["ours_ehlo_phase"]
        wire = r.get("ours_ehlo_phase_vs_wire", {"n": 0})
        e, ref = (wire, "the delay on the wire, kernel packet timestamps on `lo`") if wire["n"] else (a, "the delay the server logged")
        ok = e["n"] > 0 and e["p99_ms"] < 1 and r["ours_failed"] == 0
        also = f"vs the server's logged delay: {_f(a['p99_ms'], 2)} ms; " if e is not a else ""
        w(f"| fidelity: ehlo phase error p99 under 1 ms with {r['in_flight']:,} probes in flight (ehlo phase vs {ref}) | "
          f"{_f(e['p99_ms'], 3)} ms (n {e['n']}; {also}vs D: {_f(d['p99_ms'], 2)} ms; "
          f"blackbox duration - baseline - D: {_f(r['bb_duration']['p99_ms'], 2)} ms) | {yes(ok)} |")
    for r in p4:
        n = r["targets"]
        reasons = ", ".join(f"{k} {v:,.0f}" for k, v in sorted(r["failure_reasons"].items())) or "no failures"
        ok = r["exporter_errors"] == 0 and r["failed"] == 0 and r["succeeded"] == n
        w(f"| {n:,} in flight: no probe failed for the exporter's own reasons | exporter errors {_f(r['exporter_errors'], 0)}; "
          f"{r['succeeded']:,} of {n:,} succeeded; {reasons}{('; ' + r['error']) if r['error'] else ''} | {yes(ok)} |")
        extra = r["fds_peak"] - r["fds_before"]
        w(f"| {n:,} in flight: fds within the documented cap (one socket per probe: at most {n:,} + 1 for the scrape above idle) | "
          f"peak {r['fds_peak']:,} = idle {r['fds_before']:,} + {extra:,}; soft limit {r.get('nofile_soft', '?')} | {yes(extra <= n + 1)} |")
        per_probe = r.get("rss_per_probe_at_peak_fds_kib") or r["rss_per_probe_kib"]
        w(f"| {n:,} in flight: memory within the README's figure (at most 15 KiB per probe in flight) | "
          f"{_f(r['rss_per_probe_kib'], 2)} KiB per probe from the peak ({_f(r['vmhwm_kib'] / 1024)} MiB, answer rendering included), "
          f"{_f(r.get('rss_per_probe_at_peak_fds_kib'), 2)} KiB with the most sockets open | {yes(per_probe <= 15)} |")
    for part, label, have in (("Part 3b", "fidelity with many probes in flight", p3b), ("Part 4", "concurrency ceiling", p4)):
        if not have and any(r["kind"] == "note" and r["text"].startswith(part) for r in recs):
            w(f"| {label} | not measured in this run (see Notes) | n/a |")
    w("")
    p9 = [r for r in recs if r["kind"] == "domains"]
    if p9:
        r = p9[-1]
        w(f"## 9. Mail domains at scale ({r['domains']:,} domains, {r['sessions_per_cycle']:,} sessions every "
          f"{r['interval_s']} s)")
        w("")
        w(f"`bench/domains.py` in a network namespace of its own: {r['domains']:,} domain targets of 4 MX with 2 "
          "addresses each (127.10.0.0/16, all answered by one smtp-sink on 0.0.0.0), served by Knot DNS from a "
          "DNSSEC-signed zone (and the reverse zone, unsigned), TTL 300 s, through a proxy that counts the queries; "
          "the default module (EHLO, no TLS); MTA-STS and DANE checked (no records, so one TXT and one TLSA lookup "
          f"per domain and MX), FCrDNS per address. The window of {_f(r['window_s'], 0)} s follows a warm-up of one "
          "interval.")
        w("")
        w("| figure | value |")
        w("|---|---|")
        w(f"| CPU over the window | {_f(r['cpu_s'], 2)} s, {_f(100 * r['cpu_share'], 2)} % of one core |")
        w(f"| RSS at the end, peak (VmHWM) | {_f(r['rss_mib'])} MiB, {_f(r['hwm_mib'])} MiB |")
        w(f"| sessions in the window (`smtp_probe_events_total`) | {r['sessions_in_window']:,} |")
        w(f"| domains up, addresses up (last cycle) | {r['domains_up']:,}, {r['addresses_up']:,} |")
        w(f"| DNS queries reaching the server: first (cold) cycle | {r['dns_queries_cold_cycle']:,} |")
        w(f"| DNS queries per cycle in the window (answers cached for their TTL, at most 300 s) | "
          f"{r['dns_queries_per_cycle']:,} |")
        w("")
        w("With a TTL of 300 s each record is asked again once every 5 minutes: a cycle every 60 s sends on "
          f"average a fifth of the cold cycle's queries, about {r['dns_queries_cold_cycle'] // 5:,}.")
        w("")
        w("| budget (issue 15) | this run | met? |")
        w("|---|---|---|")
        w(f"| 1,000 domains (8,000 sessions) every 60 s: under 10% of a core | {_f(100 * r['cpu_share'], 2)} % | "
          f"{yes(r['cpu_share'] < 0.10 and r['domains'] >= 1000)} |")
        w(f"| ... and under 128 MiB | peak {_f(r['hwm_mib'])} MiB | {yes(r['hwm_mib'] < 128 and r['domains'] >= 1000)} |")
        w("")
        if "address_cpu_share" in r:
            per_cycle = r["interval_s"] / r["window_s"]  # windows are two intervals
            extra_us = ((r["cpu_share"] - r["address_cpu_share"]) * r["interval_s"] / r["domains"]) * 1e6
            w("**A domain against its 8 address probes.** Right after, in the same run, a second exporter "
              f"probes the same {r['address_targets']:,} addresses as plain address targets (same module, "
              "interval, sink, warm-up and window):")
            w("")
            w("| figure | domain targets | the same addresses as address targets |")
            w("|---|---|---|")
            w(f"| CPU, % of one core | {_f(100 * r['cpu_share'], 2)} | {_f(100 * r['address_cpu_share'], 2)} |")
            w(f"| sessions in the window | {r['sessions_in_window']:,} | {r['address_sessions_in_window']:,} |")
            w("")
            w(f"Domain targets cost {_f(r['domain_vs_address_cpu'], 2)} x the address targets' CPU: beyond its 8 "
              f"sessions a domain costs {_f(extra_us, 0)} µs of CPU per cycle, the work only a domain does (its MX, "
              f"A/AAAA, TXT (MTA-STS), TLSA and PTR lookups and their validation, about "
              f"{_f(r['dns_queries_per_cycle'] / r['domains'], 1)} queries reaching the server per domain and cycle "
              "with answers cached for their TTL, the FCrDNS and DANE checks, and its own series).")
            w("")
            w("| budget (issue 15) | this run | met? |")
            w("|---|---|---|")
            w(f"| a domain of 4 MX x 2 addresses: at most 8 x one address probe plus the DNS work | "
              f"{_f(r['domain_vs_address_cpu'], 2)} x its 8 address probes; the rest "
              f"({_f(extra_us, 0)} µs per domain and cycle) is the domain's DNS and policy work | "
              "see the figures: no part of it can be told apart from the lookups here |")
            w("")
    tx = [r for r in recs if r["kind"] == "tx_cost"]
    st = [r for r in recs if r["kind"] == "starttls_cost"]
    if p1 or p2 or tx or st:
        w("## Budget of the prober rebuild (connection + one file per step), checked against this run")
        w("")
        w("| budget | this run | met? |")
        w("|---|---|---|")
        for c in sorted({r["concurrency"] for r in p1}):
            at = [r for r in p1 if r["concurrency"] == c]
            ratio, o, b = _cpu_ratio(at)
            ticks, _, _ = _cpu_ratio(at, "cpu_s")
            how = "scheduler run time" if _cpu_key(at) == "cpu_exact_s" else "utime+stime"
            w(f"| /probe of an EHLO-only module, c={c}: CPU per probe at most 0.2 x blackbox's | {ratio:.2f} x ({how}: "
              f"{_f(o['cpu_us'])} against {_f(b['cpu_us'])} µs; {ticks:.2f} x by utime+stime) | {yes(ratio <= 0.2)} |")
        for r in p2:
            if r["targets"] < 10000:
                continue
            ticks = [x for x in recs if x["kind"] == "floor" and x["targets"] == r["targets"] and x.get("pacing") == "tick"
                     and x.get("cpu_us_per_session")]
            if ticks:
                floor_us = sum(x["cpu_us_per_session"] for x in ticks) / len(ticks)
                fr = r["cpu_us_per_probe"] / floor_us
                w(f"| interval {r['targets']:,}: CPU per probe at most 1.5 x the tick-paced floor client (mean of {len(ticks)}: "
                  f"{_f(floor_us)} µs) | {fr:.2f} x ({_f(r['cpu_us_per_probe'])} µs) | {yes(fr <= 1.5)} |")
            w(f"| interval {r['targets']:,}: under 64 MiB RSS (peak, scrapes included) | {r['vmhwm_kib'] / 1024:.1f} MiB | "
              f"{yes(r['vmhwm_kib'] < 65536)} |")
        if tx:
            ratio, o, b = _cpu_ratio(tx)
            w(f"| a transaction module (MAIL FROM + 2 x RCPT + RSET) against Postfix: CPU per probe at most 0.3 x blackbox's "
              f"query_response dialog | {ratio:.2f} x ({_f(o['cpu_us'])} against {_f(b['cpu_us'])} µs) | {yes(ratio <= 0.3)} |")
        if st:
            ratio, o, b = _cpu_ratio(st)
            floor_us, runs = _tls_floor_us(recs)
            fb = floor_us / b["cpu_us"] if runs and b["cpu_us"] else float("nan")
            if ratio <= 0.4:
                verdict = "yes"
            elif fb == fb and fb >= 0.4:
                verdict = f"**no**: out of reach, the bare client alone is {fb:.2f} x"
            else:
                verdict = "**no**"
            floor_text = (f"; the bare Asio + OpenSSL client {_f(floor_us)} µs = {fb:.2f} x blackbox, ours = "
                          f"{_ratio(o['cpu_us'], floor_us)} x the bare client" if runs else "; no floor run")
            w(f"| STARTTLS against Postfix (full handshake, certificate verified and its facts read on every probe): CPU per "
              f"probe at most 0.4 x blackbox's (0.52 x before) | {ratio:.2f} x ({_f(o['cpu_us'])} against {_f(b['cpu_us'])} µs"
              f"{floor_text}) | {verdict} |")
        w("")
    notes = [r for r in recs if r["kind"] == "note"]
    if notes:
        w("## Notes")
        w("")
        for n in notes:
            w(f"- {n['text']}")
        w("")
    text = "\n".join(lines) + "\n"
    if os.path.exists(os.path.join(os.path.dirname(out_md) or ".", "NOTES.md")):
        text += "\n" + open(os.path.join(os.path.dirname(out_md) or ".", "NOTES.md")).read()
    with open(out_md, "w") as f:
        f.write(text)
    print(text)


def main() -> None:
    cmd = sys.argv[1]
    a = sys.argv[2:]
    if cmd == "proc":
        print(json.dumps(proc(int(a[0]))))
    elif cmd == "wrk":
        print(json.dumps(parse_wrk(a[0])))
    elif cmd == "fidelity":
        print(json.dumps(fidelity(a[0], a[1], a[2], a[3], float(a[4]), int(a[5]), a[6] if len(a) > 6 else "")))
    elif cmd == "interval":
        print(json.dumps(interval(a[0], int(a[1]), int(a[2]), float(a[3]), float(a[4]), float(a[5]))))
    elif cmd == "fidelity_many":
        print(json.dumps(fidelity_many(a[0], a[1], a[2], a[3], float(a[4]), int(a[5]), int(a[6]), a[7], a[8])))
    elif cmd == "ceiling":
        print(json.dumps(ceiling(a[0], int(a[1]), int(a[2]), float(a[3]))))
    elif cmd == "callgrind":
        print(json.dumps(callgrind(a[0], float(a[1]))))
    elif cmd == "report":
        report(a[0], a[1])
    else:
        sys.exit(f"unknown subcommand {cmd}")


if __name__ == "__main__":
    main()
