#!/usr/bin/env python3
"""A real Postfix for bench/run.sh (parts 6, 7 and 8): tests/e2e/mail_peers.py's MailPeers (one
Postfix with an "mx" service for example.org on a loopback port, STARTTLS offered with a leaf for
localhost and 127.0.0.1 signed by a CA of its own; Dovecot behind it), started once for the run.

    mail_peer.py OUT_JSON [MAX_SECONDS]

Writes {"mx_port", "ca_file", "base", "startup_s"} to OUT_JSON once the mx greets, then waits
until SIGTERM or SIGINT (or MAX_SECONDS, default 3600, whichever comes first) and stops both
servers (by their own pids) before it exits. Needs root, as the end-to-end tests do.

One setting differs from the tests' Postfix: in_flow_delay = 0s (BenchPeers says why).
Postfix's per-client limits are left at their defaults: a client may hold 50 connections at once
(smtpd_client_connection_count_limit), which the suite's concurrency (16) stays below; the rate
limits are off by default.
"""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from mail_peers import MailPeers, available  # noqa: E402


class BenchPeers(MailPeers):
    """MailPeers with one setting of Postfix changed for a benchmark: in_flow_delay = 0s. Postfix
    makes smtpd wait up to in_flow_delay (1 s by default) before it accepts a new message when
    messages arrive faster than the queue manager delivers them; the transaction probes abandon
    every message with RSET, so nothing is ever delivered and, at hundreds of probes a second,
    each MAIL FROM would wait up to a second: the exporters would sit idle, not work."""

    def _write_postfix(self):
        super()._write_postfix()
        main_cf = os.path.join(self.postfix_dir, "main.cf")
        with open(main_cf, "a") as f:
            f.write("# bench/mail_peer.py: no flow-control pause for messages that are never delivered\n"
                    "in_flow_delay = 0s\n")
        past = time.time() - 60  # as MailPeers does: Postfix reads main.cf only once it is a second old
        os.utime(main_cf, (past, past))


def main() -> int:
    out_path = sys.argv[1]
    max_seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3600.0
    why_not = available()
    if why_not:
        with open(out_path, "w") as f:
            json.dump({"error": why_not}, f)
        return 1
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    peers = BenchPeers()
    try:
        peers.start()
    except Exception as e:  # noqa: BLE001 -- reported to run.sh, which goes on without parts 6-8
        with open(out_path, "w") as f:
            json.dump({"error": f"{type(e).__name__}: {e}"[:2000]}, f)
        return 1
    try:
        tmp = out_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"mx_port": peers.mx_port, "ca_file": peers.ca_file, "base": peers.base,
                       "maillog": peers.maillog, "startup_s": peers.startup_seconds}, f)
        os.replace(tmp, out_path)  # whole or absent for the reader
        deadline = time.monotonic() + max_seconds
        while not stop and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        peers.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
