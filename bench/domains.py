"""Part 9 of the benchmark suite: domain targets at scale (issue 15's budget: 1,000 domains of
4 MX x 2 addresses, 8,000 sessions, every 60 s, under 10% of a core and 128 MiB).

    unshare --net sh -c 'ip link set lo up && python3 bench/domains.py BINARY [DOMAINS] [INTERVAL_S]'

Runs in a network namespace of its own (run.sh starts it so): smtp-sink listens on 0.0.0.0, so
that every one of the 8,000 addresses in 127.10.0.0/16 answers, and nothing outside the namespace
can reach it. The peers are real: Knot DNS serves one DNSSEC-signed zone bench.test with the
domains (MX, A) and the unsigned reverse zone 10.127.in-addr.arpa (PTR of every address), TTL
300 s, through a counting proxy (tests/e2e/dns_peers.py), so that the queries of each cycle are
counted; Postfix's smtp-sink answers the sessions. Each domain: MX 10..40 mx1..mx4.dNNNN.bench.test,
each MX two A records. The exporter probes in interval mode with the default module (EHLO, no
TLS), MTA-STS and DANE checked (no records: a TXT and a TLSA lookup per domain and MX).

Prints one JSON object: the exporter's CPU over a window of two intervals after a warm-up of
one interval (cpu_s, cpu_share of one core), its RSS at the end and its peak (VmHWM), the
sessions counted in the window (from smtp_probe_events_total), how many domains passed, and the
DNS queries that reached the server in the first (cold) cycle and per cycle in the window.
Then the same 8,000 addresses as plain address targets (same module, interval and sink, a new
exporter, the same warm-up and window): its CPU is what the sessions alone cost, so the ratio of
the two runs shows what a domain costs beyond its 8 address probes (DNS, MTA-STS, DANE, FCrDNS,
the domain's own state and series).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from dns_peers import DnsPeers, SlowDnsProxy, Zone  # noqa: E402

MX_PER_DOMAIN = 4
ADDRESSES_PER_MX = 2
TTL = 300


def address(n):
    """The n-th bench address: 127.10.x.y, y in 1..250."""
    return f"127.10.{n // 250}.{n % 250 + 1}"


def zones(domains):
    forward, reverse = [], []
    n = 0
    for d in range(domains):
        name = f"d{d:04d}"
        for k in range(1, MX_PER_DOMAIN + 1):
            mx = f"mx{k}.{name}"
            forward.append(f"{name} MX {k * 10} {mx}")
            for _ in range(ADDRESSES_PER_MX):
                a = address(n)
                n += 1
                forward.append(f"{mx} A {a}")
                _, _, x, y = a.split(".")
                reverse.append(f"{y}.{x} PTR {mx}.bench.test.")
    return [Zone("bench.test", forward, ttl=TTL, negative_ttl=TTL),
            Zone("10.127.in-addr.arpa", reverse, signed=False, ttl=TTL, negative_ttl=TTL)]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kib(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0])
    return out


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        return r.read().decode()


def summed(text, name, label_filter=""):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and label_filter in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def write_config(path, interval, targets, dns=""):
    """An interval-mode config with the default module (EHLO, no TLS) and these targets."""
    with open(path, "w") as f:
        f.write(f"global:\n  mode: interval\n  interval: {interval}s\n{dns}"
                "modules:\n  smtp_ehlo: {timeout: 10s, qos_timeout: 2s, ehlo_name: bench.example.org}\n"
                "targets:\n" + "".join(f"  - {t}\n" for t in targets))
    return path


def start_exporter(binary, config, work, procs):
    port = free_port()
    exporter = subprocess.Popen([binary, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
                                 "--log.level=warn"], stdout=subprocess.DEVNULL,
                                stderr=open(os.path.join(work, "exporter.log"), "a"))
    procs.append(exporter)
    wait_port(port)
    return exporter, port


def stop(proc):
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main():
    binary = os.path.abspath(sys.argv[1])
    domains = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    interval = int(sys.argv[3]) if len(sys.argv) > 3 else 60
    work = tempfile.mkdtemp(prefix="smtp_bench_domains_")
    procs = []
    dns = proxy = None
    try:
        t0 = time.monotonic()
        dns = DnsPeers(base_dir=os.path.join(work, "dns"), zones=zones(domains)).start()
        zone_seconds = time.monotonic() - t0
        proxy = SlowDnsProxy(dns.port, 0.0).start()
        sink_port = free_port()
        sink_user = ["-u", "nobody"] if os.geteuid() == 0 else []
        procs.append(subprocess.Popen(["/usr/sbin/smtp-sink", *sink_user, f"0.0.0.0:{sink_port}", "4096"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(sink_port)
        config = write_config(os.path.join(work, "domains.yml"), interval,
                              [f"{{domain: d{d:04d}.bench.test, port: {sink_port}}}" for d in range(domains)],
                              f"  dns: {{servers: [\"127.0.0.1:{proxy.port}\"], "
                              f"trust_anchor_file: {dns.trust_anchor_file}}}\n")
        exporter, port = start_exporter(binary, config, work, procs)
        # The first cycle, cold: every domain's MX, A, TLSA, TXT, PTR and forward lookups.
        time.sleep(interval + 1)
        cold_queries = proxy.queries
        text = scrape(port)
        events0 = summed(text, "smtp_probe_events_total")
        cpu0, q0, w0 = cpu_seconds(exporter.pid), proxy.queries, time.monotonic()
        time.sleep(2 * interval)
        cpu1, q1, w1 = cpu_seconds(exporter.pid), proxy.queries, time.monotonic()
        text = scrape(port)
        events1 = summed(text, "smtp_probe_events_total")
        memory = memory_kib(exporter.pid)
        window = w1 - w0
        if exporter.poll() is not None:
            raise RuntimeError(f"the exporter exited with {exporter.returncode}")
        stop(exporter)

        # The same sessions as address targets: what the 8 address probes of a domain cost alone.
        addresses = domains * MX_PER_DOMAIN * ADDRESSES_PER_MX
        plain = write_config(os.path.join(work, "addresses.yml"), interval,
                             [f"{{address: \"{address(n)}:{sink_port}\"}}" for n in range(addresses)])
        plain_exporter, plain_port = start_exporter(binary, plain, work, procs)
        time.sleep(interval + 1)
        plain_events0 = summed(scrape(plain_port), "smtp_probe_events_total")
        pcpu0, pw0 = cpu_seconds(plain_exporter.pid), time.monotonic()
        time.sleep(2 * interval)
        pcpu1, pw1 = cpu_seconds(plain_exporter.pid), time.monotonic()
        plain_events1 = summed(scrape(plain_port), "smtp_probe_events_total")
        plain_cpu_share = (pcpu1 - pcpu0) / (pw1 - pw0)
        result = {
            "domains": domains, "sessions_per_cycle": domains * MX_PER_DOMAIN * ADDRESSES_PER_MX,
            "interval_s": interval, "window_s": round(window, 1),
            "cpu_s": round(cpu1 - cpu0, 2), "cpu_share": round((cpu1 - cpu0) / window, 4),
            "rss_mib": round(memory.get("VmRSS", 0) / 1024, 1), "hwm_mib": round(memory.get("VmHWM", 0) / 1024, 1),
            "sessions_in_window": int(events1 - events0),
            "domains_up": int(summed(text, "smtp_domain_success")),
            "addresses_up": int(summed(text, "smtp_domain_addresses_up")),
            "dns_queries_cold_cycle": cold_queries,
            "dns_queries_per_cycle": round((q1 - q0) * interval / window),
            "zone_setup_s": round(zone_seconds, 1),
            "address_targets": addresses,
            "address_cpu_share": round(plain_cpu_share, 4),
            "address_sessions_in_window": int(plain_events1 - plain_events0),
            "domain_vs_address_cpu": round(((cpu1 - cpu0) / window) / plain_cpu_share, 2),
        }
        if plain_exporter.poll() is not None:
            raise RuntimeError(f"the address-target exporter exited with {plain_exporter.returncode}")
        print(json.dumps(result))
    finally:
        for p in reversed(procs):
            stop(p)
        if proxy:
            proxy.stop()
        if dns:
            dns.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
