#!/usr/bin/env bash
# The benchmark suite of issue 6: smtp_exporter against blackbox_exporter on the same work.
#   bench/run.sh [PATH_TO_SMTP_EXPORTER]
# Without an argument it builds Release into build-bench/. Loopback only; every loop is bounded;
# everything it starts is stopped on exit. Writes bench/RESULTS.md and prints the table.
# Knobs (environment): PARTS (default "1 3 3b 2 4 5 6 7": which parts run; 3 = fidelity with 1
# probe in flight, 3b = with FIDELITY_MANY in flight, 6 = a mail transaction and 7 = STARTTLS
# against a real Postfix, 8 = callgrind instructions per probe, not in the default: minutes),
# WRK_DURATION (s, default 10), ROUNDS (default 2), FIDELITY_N (default 100), FIDELITY_MANY
# (default 1000), FIDELITY_ROUNDS (default 3), SCALE_TARGETS (default "1000 10000"),
# FLOOR_PACED_S (s, default 12: length of each paced floor run), CEILING_TARGETS (default 10000),
# SKIP_MICRO=1 (same as leaving 5 out of PARTS), MAIL_CONCURRENCY (parts 6 and 7, default 16),
# TLS_FLOOR_SESSIONS (part 7, default 2000), EXTRA_EXPORTERS ("label=path ...": more
# smtp_exporter binaries, e.g. older revisions, run like ours in the same rounds of parts 1, 2
# and 7), CG_BASELINE (part 8: "label=path" or a path, a second binary measured the same way),
# CG_OUT_DIR (part 8: keep the callgrind output files there, for callgrind_annotate), REVISION
# (the revision RESULTS.md names; default git's HEAD, marked when src/ differs from it), DOMAINS
# and DOMAIN_INTERVAL (part 9, mail domains at scale: default 1000 domains every 60 s, then the
# same addresses as address targets; about 7 intervals long).
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
BUILD=$ROOT/build-bench
WRK_DURATION=${WRK_DURATION:-10}
ROUNDS=${ROUNDS:-2}
FIDELITY_N=${FIDELITY_N:-100}
SCALE_TARGETS=${SCALE_TARGETS:-1000 10000}
SCALE_INTERVAL=15
PARTS=" ${PARTS:-1 3 3b 2 4 5 6 7 9} "
[ "${SKIP_MICRO:-0}" = 1 ] && PARTS=${PARTS// 5 / }
FIDELITY_MANY=${FIDELITY_MANY:-1000}
FIDELITY_ROUNDS=${FIDELITY_ROUNDS:-3}
FLOOR_PACED_S=${FLOOR_PACED_S:-12}
CEILING_TARGETS=${CEILING_TARGETS:-10000}
MAIL_CONCURRENCY=${MAIL_CONCURRENCY:-16}
TLS_FLOOR_SESSIONS=${TLS_FLOOR_SESSIONS:-2000}
DOMAINS=${DOMAINS:-1000}
DOMAIN_INTERVAL=${DOMAIN_INTERVAL:-60}
declare -A XBIN=() XPID=() XPORT=()
XLABELS=()
for e in ${EXTRA_EXPORTERS:-}; do
  XLABELS+=("${e%%=*}"); XBIN[${e%%=*}]=$(realpath "${e#*=}")
done
XACTIVE=()  # the extra exporters running for the part at hand
part() { [[ "$PARTS" == *" $1 "* ]]; }
BLACKBOX=${BLACKBOX:-/usr/bin/prometheus-blackbox-exporter}
START=$(date +%s)

# Tools from scripts/packages.txt (kind bench), installed if missing.
# shellcheck source=../scripts/common.sh
source "$ROOT/scripts/common.sh"
install_missing build test bench  # test: curl, postfix (smtp-sink, parts 6-8) and dovecot (behind Postfix)

if [ $# -ge 1 ]; then
  EXPORTER=$(realpath "$1")
else
  echo "== building Release into $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  targets=(smtp_exporter smtp_exporter_bench_floor_client smtp_exporter_bench_delay_server smtp_exporter_bench_http_floor
           smtp_exporter_bench_tls_floor_client)
  part 5 && targets+=(smtp_exporter_bench_reply_parser smtp_exporter_bench_render)
  cmake --build "$BUILD" -j"$(nproc)" --target "${targets[@]}"
  EXPORTER=$BUILD/smtp_exporter
  BUILT=1
fi
[ -x "$EXPORTER" ] || { echo "no exporter binary at $EXPORTER" >&2; exit 1; }

WORK=$(mktemp -d /tmp/smtp_exporter_bench.XXXXXX)
chmod 755 "$WORK"
RESULTS=$WORK/results.jsonl
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

M() { python3 "$BENCH/measure.py" "$@"; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {  # port, up to 10 s
  local i
  for i in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing listens on 127.0.0.1:$1" >&2
  return 1
}
stop() {  # pid: stop one process we started (and forget it, so that cleanup never signals a reused pid)
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  local pid keep=()
  for pid in "${PIDS[@]}"; do [ "$pid" = "$1" ] || keep+=("$pid"); done
  PIDS=("${keep[@]}")
}
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

SINK_USER=()
[ "$(id -u)" -eq 0 ] && SINK_USER=(-u nobody)
start_sink() {  # port -> pid in SINK_PID
  /usr/sbin/smtp-sink "${SINK_USER[@]}" "127.0.0.1:$1" 4096 >"$WORK/sink.$1.log" 2>&1 &
  SINK_PID=$!; PIDS+=("$SINK_PID")
  wait_port "$1"
}

cat >"$WORK/ours.yml" <<YML
global:
  mode: interval
  max_concurrent_probes: 1024
modules:
  smtp_ehlo:
    timeout: 10s
    qos_timeout: 2s
    ehlo_name: bench-ours.example.org
YML
cat >"$WORK/blackbox.yml" <<'YML'
modules:
  smtp_ehlo:
    prober: tcp
    timeout: 10s
    tcp:
      preferred_ip_protocol: ip4
      query_response:
        - expect: "^220 "
        - send: "EHLO bench.example.org\r"
        - expect: "^250 "
        - send: "QUIT\r"
YML

start_ours() {  # config port -> OURS_PID
  "$EXPORTER" --config.file="$1" --web.listen-address="127.0.0.1:$2" --log.level=warn >"$WORK/ours.$2.log" 2>&1 &
  OURS_PID=$!; PIDS+=("$OURS_PID")
  wait_port "$2"
}
# check_probe URL MODULE TARGET PATTERN...: one /probe that must succeed and show every PATTERN
# (grep -E, one line each); on failure the debug output goes to the console and it returns 1.
check_probe() {
  local url=$1 module=$2 target=$3 body pat
  shift 3
  body=$(curl -sf --max-time 15 "$url/probe?target=$target&module=$module" || true)
  for pat in '^probe_success 1$' "$@"; do
    if ! grep -Eq "$pat" <<<"$body"; then
      echo "a $module probe through $url did not show $pat:" >&2
      curl -s --max-time 15 "$url/probe?target=$target&module=$module&debug=true" >&2 || true
      return 1
    fi
  done
}

start_extra() {  # label config port -> XPID[label], XPORT[label]; false if it does not listen
  "${XBIN[$1]}" --config.file="$2" --web.listen-address="127.0.0.1:$3" --log.level=warn >"$WORK/extra.$1.$3.log" 2>&1 &
  XPID[$1]=$!; XPORT[$1]=$3; PIDS+=("${XPID[$1]}")
  wait_port "$3"
}
stop_extras() {
  local x
  for x in "${XACTIVE[@]}"; do stop "${XPID[$x]}"; done
  XACTIVE=()
}
start_bb() {  # port [config] -> BB_PID
  "$BLACKBOX" --config.file="${2:-$WORK/blackbox.yml}" --web.listen-address="127.0.0.1:$1" --log.level=warn >"$WORK/bb.$1.log" 2>&1 &
  BB_PID=$!; PIDS+=("$BB_PID")
  wait_port "$1"
}

revision=${REVISION:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)}
if [ -z "${REVISION:-}" ] && [ -n "$(git -C "$ROOT" status --porcelain -- src 2>/dev/null)" ]; then
  revision="$revision with local changes in src/"
fi
python3 - "$RESULTS" "$revision" "$WRK_DURATION" "$("$BLACKBOX" --version 2>&1 | head -1 | awk '{print $3}')" <<'PY'
import json, os, platform, subprocess, sys, datetime
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
rec = {"kind": "meta", "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
       "nproc": subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip(), "cpu": cpu,
       "kernel": platform.release(), "revision": sys.argv[2], "wrk_duration": sys.argv[3], "bb_version": sys.argv[4]}
open(sys.argv[1], "a").write(json.dumps(rec) + "\n")
PY
# write_targets_config PATH N PORT GLOBAL MAX TIMEOUT QOS: N targets t00000... all on 127.0.0.1:PORT,
# one module; GLOBAL is the rest of the global block as "key: value, key: value".
write_targets_config() {
  python3 - "$@" <<'PY'
import sys
path, n, port, glob, most, timeout, qos = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
with open(path, "w") as f:
    f.write("global:\n" + "".join(f"  {kv.strip()}\n" for kv in glob.split(",")) + f"  max_concurrent_probes: {most}\n")
    f.write(f"modules:\n  smtp_ehlo:\n    timeout: {timeout}\n    qos_timeout: {qos}\n    ehlo_name: bench.example.org\n")
    f.write("targets:\n")
    for i in range(n):
        f.write(f"  - name: t{i:05d}\n    address: 127.0.0.1:{port}\n")
PY
}
note() { python3 -c 'import json,sys; print(json.dumps({"kind":"note","text":sys.argv[1]}))' "$1" >>"$RESULTS"; }

DELAY_SERVER=$BUILD/bench/smtp_exporter_bench_delay_server
FLOOR_CLIENT=$BUILD/bench/smtp_exporter_bench_floor_client
export HTTP_FLOOR=$BUILD/bench/smtp_exporter_bench_http_floor  # measure.py's floor for /metrics over HTTP
start_delay() {  # port greeting_ms ehlo_ms [log] -> DELAY_PID
  "$DELAY_SERVER" "$@" >"$WORK/delay.$1.out" 2>&1 &
  DELAY_PID=$!; PIDS+=("$DELAY_PID")
  wait_port "$1"
}
add_kind() {  # kind [key value]...: stdin's JSON object + kind (+ integer fields) on stdout
  python3 -c '
import json, sys
r = json.load(sys.stdin)
r["kind"] = sys.argv[1]
for k, v in zip(sys.argv[2::2], sys.argv[3::2]):
    try:
        r[k] = int(v)
    except ValueError:
        try:
            r[k] = float(v)
        except ValueError:
            r[k] = v
print(json.dumps(r))' "$@"
}
# Parts 1-2 probe one smtp-sink.
SINK_PORT=$(free_port); start_sink "$SINK_PORT"
if part 1 || part 3; then
OURS_PORT=$(free_port); start_ours "$WORK/ours.yml" "$OURS_PORT"
BB_PORT=$(free_port); start_bb "$BB_PORT"
TARGET="127.0.0.1:$SINK_PORT"
# One probe each first: both must succeed against the sink, else the figures mean nothing.
for url in "http://127.0.0.1:$OURS_PORT" "http://127.0.0.1:$BB_PORT"; do
  if ! curl -sf --max-time 15 "$url/probe?target=$TARGET&module=smtp_ehlo" | grep -q '^probe_success 1'; then
    echo "a probe through $url did not succeed:" >&2
    curl -s --max-time 15 "$url/probe?target=$TARGET&module=smtp_ehlo&debug=true" >&2 || true
    exit 1
  fi
done
fi

# wrk_rounds KIND MODULE TARGET CONCURRENCY...: ROUNDS rounds of wrk against /probe of both
# exporters (OURS_PID/OURS_PORT, BB_PID/BB_PORT) and the extra ones running (XACTIVE), the order
# reversed every other round; one KIND record per run with the exporter's CPU over it: utime+stime
# (cpu_s, sampled at the tick) and the scheduler's run time of its threads (cpu_exact_s,
# /proc/PID/task/*/schedstat). AFTER_RUN, if set, names a command run after every exporter's run
# of a round and concurrency (arguments: round, concurrency).
wrk_rounds() {
  local kind=$1 module=$2 target=$3 round conc who pid port c0 c1
  shift 3
  for round in $(seq 1 "$ROUNDS"); do
    for conc in "$@"; do
      # ours, blackbox, then the extra exporters; every other round the other way round
      order=(ours bb "${XACTIVE[@]}")
      if [ $((round % 2)) -eq 0 ]; then
        local i rev=()
        for ((i = ${#order[@]} - 1; i >= 0; i--)); do rev+=("${order[$i]}"); done
        order=("${rev[@]}")
      fi
      for who in "${order[@]}"; do
        case $who in
          ours) pid=$OURS_PID; port=$OURS_PORT ;;
          bb) pid=$BB_PID; port=$BB_PORT ;;
          *) pid=${XPID[$who]}; port=${XPORT[$who]} ;;
        esac
        c0=$(M proc "$pid")
        timeout $((WRK_DURATION + 30)) wrk -t2 -c"$conc" -d"${WRK_DURATION}s" --timeout 15s --latency -s "$BENCH/probe.lua" \
          "http://127.0.0.1:$port/probe?target=$target&module=$module" >"$WORK/wrk.out" 2>&1 || true
        c1=$(M proc "$pid")
        M wrk "$WORK/wrk.out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
c0, c1 = json.loads(sys.argv[4]), json.loads(sys.argv[5])
r.update(kind=sys.argv[6], round=int(sys.argv[1]), concurrency=int(sys.argv[2]), who=sys.argv[3],
         cpu_s=c1["cpu_s"] - c0["cpu_s"])
if "cpu_exact_s" in c0 and "cpu_exact_s" in c1:
    r["cpu_exact_s"] = c1["cpu_exact_s"] - c0["cpu_exact_s"]
print(json.dumps(r))' "$round" "$conc" "$who" "$c0" "$c1" "$kind" | tee -a "$RESULTS" | python3 -c '
import json, sys
r = json.load(sys.stdin)
us = 1e6 * r["cpu_s"] / r["requests"] if r.get("requests") else float("nan")
exact = 1e6 * r.get("cpu_exact_s", float("nan")) / r["requests"] if r.get("requests") else float("nan")
print("   round %d c=%-3d %-4s %9.1f probes/s  %8.1f us CPU/probe (%.1f exact)  p50 %.2f ms  p99 %.2f ms  failed %s" % (
    r["round"], r["concurrency"], r["who"], r.get("rps", 0), us, exact, r["p50_ms"], r["p99_ms"], r.get("probe_fail", "?")))'
        sleep 1
      done
      if [ -n "${AFTER_RUN:-}" ]; then "$AFTER_RUN" "$round" "$conc"; fi
    done
  done
}

# ---------------------------------------------------------------- part 1: /probe cost
if part 1; then
echo "== part 1: /probe cost (wrk, ${WRK_DURATION}s per run, $ROUNDS rounds, concurrency 16 and 64)"
for x in "${XLABELS[@]}"; do
  if start_extra "$x" "$WORK/ours.yml" "$(free_port)" && check_probe "http://127.0.0.1:${XPORT[$x]}" smtp_ehlo "$TARGET"; then
    XACTIVE+=("$x")
  else
    note "Part 1: the extra exporter $x did not answer a probe; left out."
    stop "${XPID[$x]}"
  fi
done
wrk_rounds probe_cost smtp_ehlo "$TARGET" 16 64
for who in ours bb "${XACTIVE[@]}"; do
  case $who in ours) pid=$OURS_PID ;; bb) pid=$BB_PID ;; *) pid=${XPID[$who]} ;; esac
  M proc "$pid" | python3 -c 'import json,sys; r=json.load(sys.stdin); r.update(kind="probe_cost_rss", who=sys.argv[1]); print(json.dumps(r))' "$who" >>"$RESULTS"
done
stop_extras
fi

# ---------------------------------------------------------------- part 3: fidelity, 1 probe in flight
if part 3; then
echo "== part 3: measurement fidelity (EHLO delayed 50 ms, $FIDELITY_N sequential probes per exporter and server)"
SLOW_PORT=$(free_port); FAST_PORT=$(free_port)
python3 "$BENCH/slow_ehlo_server.py" "$SLOW_PORT" 0.050 "$WORK/slow_delays.log" &
SLOW_PID=$!; PIDS+=("$SLOW_PID"); wait_port "$SLOW_PORT"
python3 "$BENCH/slow_ehlo_server.py" "$FAST_PORT" 0 &
FAST_PID=$!; PIDS+=("$FAST_PID"); wait_port "$FAST_PORT"
: >"$WORK/slow_delays.log"
timeout 300 python3 "$BENCH/measure.py" fidelity "http://127.0.0.1:$OURS_PORT" "http://127.0.0.1:$BB_PORT" \
  "127.0.0.1:$SLOW_PORT" "127.0.0.1:$FAST_PORT" 0.050 "$FIDELITY_N" "$WORK/slow_delays.log" \
  | add_kind fidelity >>"$RESULTS" \
  || note "Part 3 (fidelity) failed in this run: see the console output."
stop "$SLOW_PID"; stop "$FAST_PID"
fi
if part 1 || part 3; then stop "$OURS_PID"; stop "$BB_PID"; fi

# ---------------------------------------------------------------- part 3b: fidelity, many probes in flight
if part 3b; then
n=$FIDELITY_MANY
echo "== part 3b: measurement fidelity with $n probes in flight (EHLO delayed 50 ms, $FIDELITY_ROUNDS rounds per exporter)"
SLOW_PORT=$(free_port); start_delay "$SLOW_PORT" 0 50 "$WORK/many_delays.log"; SLOW_PID=$DELAY_PID
FAST_PORT=$(free_port); start_delay "$FAST_PORT" 0 0; FAST_PID=$DELAY_PID
# Scrape mode: one scrape probes every target at once. One module per target, so that each
# probe's EHLO name (and so the server's log line) names its target.
python3 - "$WORK/many.yml" "$n" "$SLOW_PORT" <<'PY'
import sys
path, n, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, "w") as f:
    f.write(f"global:\n  mode: scrape\n  max_concurrent_probes: {n}\nmodules:\n")
    for i in range(n):
        f.write(f"  m{i:05d}:\n    timeout: 10s\n    qos_timeout: 2s\n    ehlo_name: t{i:05d}.bench.example.org\n")
    f.write("targets:\n")
    for i in range(n):
        f.write(f"  - name: t{i:05d}\n    address: 127.0.0.1:{port}\n    module: m{i:05d}\n")
PY
port=$(free_port); start_ours "$WORK/many.yml" "$port"
BB_PORT=$(free_port); start_bb "$BB_PORT"
timeout 600 python3 "$BENCH/measure.py" fidelity_many "http://127.0.0.1:$port/metrics" "http://127.0.0.1:$BB_PORT" \
  "127.0.0.1:$SLOW_PORT" "127.0.0.1:$FAST_PORT" 0.050 "$n" "$FIDELITY_ROUNDS" "$WORK/many_delays.log" .bench.example.org \
  | add_kind fidelity_many >>"$RESULTS" \
  || note "Part 3b (fidelity with $n probes in flight) failed in this run: see the console output."
stop "$OURS_PID"; stop "$BB_PID"; stop "$SLOW_PID"; stop "$FAST_PID"
fi

# ---------------------------------------------------------------- part 2: interval mode at scale
if part 2; then
for n in $SCALE_TARGETS; do
  echo "== part 2: interval mode, $n targets every ${SCALE_INTERVAL}s"
  cfg=$WORK/scale.$n.yml
  write_targets_config "$cfg" "$n" "$SINK_PORT" "mode: interval, interval: ${SCALE_INTERVAL}s" 256 10s 2s
  rate=$(python3 -c 'import sys; print(int(sys.argv[1]) / int(sys.argv[2]))' "$n" "$SCALE_INTERVAL")
  # The floor paced like the exporter runs before the exporter's window as well as after it: the
  # machine's load drifts, and the goal row takes the mean of the two.
  if [ -x "$FLOOR_CLIENT" ]; then
    sessions=$(python3 -c 'import sys; print(max(100, int(float(sys.argv[1]) * float(sys.argv[2]))))' "$rate" "$FLOOR_PACED_S")
    echo "   floor: tick, $sessions sessions (before the exporter)"
    timeout $((FLOOR_PACED_S * 3 + 60)) "$FLOOR_CLIENT" 127.0.0.1 "$SINK_PORT" "$sessions" 256 "$rate" 10 \
      | add_kind floor targets "$n" pacing tick rate "$rate" when before >>"$RESULTS" || true
  fi
  port=$(free_port); start_ours "$cfg" "$port"
  # warm-up: one full interval (+1 s) so every target ran once; then a window of two intervals.
  timeout 120 python3 "$BENCH/measure.py" interval "http://127.0.0.1:$port/metrics" "$OURS_PID" "$n" \
    "$SCALE_INTERVAL" $((SCALE_INTERVAL + 1)) $((2 * SCALE_INTERVAL)) \
    | add_kind interval >>"$RESULTS" \
    || { note "Part 2 with $n targets failed in this run."; stop "$OURS_PID"; continue; }
  stop "$OURS_PID"
  floor_cap=$(tail -1 "$RESULTS" | json_field probes_done)
  for x in "${XLABELS[@]}"; do  # the extra exporters, each the same way, before the floor's runs
    echo "   $x: the same window"
    if start_extra "$x" "$cfg" "$(free_port)"; then
      timeout 120 python3 "$BENCH/measure.py" interval "http://127.0.0.1:${XPORT[$x]}/metrics" "${XPID[$x]}" "$n" \
        "$SCALE_INTERVAL" $((SCALE_INTERVAL + 1)) $((2 * SCALE_INTERVAL)) \
        | add_kind interval who "$x" >>"$RESULTS" || note "Part 2 with $n targets: the extra exporter $x failed."
      stop "${XPID[$x]}"
    fi
  done
  # The floor: the bare Asio client runs the same sessions against the same sink, three ways:
  # back to back (4 at a time), paced at the exporter's rate (targets / interval per second), and
  # paced at that rate on the exporter's 10 ms tick. The session count is capped so that a paced
  # run takes about FLOOR_PACED_S seconds; all three run that many.
  if [ -x "$FLOOR_CLIENT" ]; then
    sessions=$(echo "$floor_cap" | python3 -c 'import sys
done_, rate, secs = float(sys.stdin.read()), float(sys.argv[1]), float(sys.argv[2])
print(max(100, min(int(done_), int(rate * secs))))' "$rate" "$FLOOR_PACED_S")
    for pacing in back_to_back rate tick; do
      case $pacing in
        back_to_back) args=("$sessions" 4) ;;
        rate) args=("$sessions" 256 "$rate") ;;
        tick) args=("$sessions" 256 "$rate" 10) ;;
      esac
      echo "   floor: $pacing, $sessions sessions"
      timeout $((FLOOR_PACED_S * 3 + 60)) "$FLOOR_CLIENT" 127.0.0.1 "$SINK_PORT" "${args[@]}" \
        | add_kind floor targets "$n" pacing "$pacing" rate "$rate" when after >>"$RESULTS" || true
    done
  fi
done
fi

# ---------------------------------------------------------------- part 4: concurrency ceiling
if part 4; then
n=$CEILING_TARGETS
echo "== part 4: concurrency ceiling ($n probes in flight at once, server greets after 2 s)"
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt $((n + 256)) ]; then
  note "Part 4 not run: the hard limit on open files here is $hard, below $n probes in flight plus the process's own (a limit of the host, not of the exporter)."
else
  SLOW_PORT=$(free_port); start_delay "$SLOW_PORT" 2000 0; SLOW_PID=$DELAY_PID
  write_targets_config "$WORK/ceiling.yml" "$n" "$SLOW_PORT" "mode: scrape" "$n" 20s 10s
  port=$(free_port); start_ours "$WORK/ceiling.yml" "$port"
  sleep 1  # let it settle: the RSS before is the idle figure
  timeout 120 python3 "$BENCH/measure.py" ceiling "http://127.0.0.1:$port/metrics" "$OURS_PID" "$n" 60 \
    | add_kind ceiling hard_limit "$hard" >>"$RESULTS" \
    || note "Part 4 (concurrency ceiling) failed in this run: see the console output."
  stop "$OURS_PID"; stop "$SLOW_PID"
fi
fi

# ---------------------------------------------------------------- part 9: mail domains at scale
# In a network namespace of its own (root: unshare), where smtp-sink may listen on 0.0.0.0 for the
# 8,000 addresses of 127.10.0.0/16 and nothing outside can reach it.
if part 9; then
  echo "== part 9: $DOMAINS domain targets (4 MX x 2 addresses) every ${DOMAIN_INTERVAL}s against Knot DNS and smtp-sink"
  # Debian's python3, as the end-to-end tests: tests/e2e/harness.py needs python3-prometheus-client.
  py=/usr/bin/python3; [ -x "$py" ] || py=python3
  timeout $((DOMAIN_INTERVAL * 7 + 240)) unshare --net sh -c 'ip link set lo up && exec "$@"' - \
    "$py" "$BENCH/domains.py" "$EXPORTER" "$DOMAINS" "$DOMAIN_INTERVAL" | add_kind domains >>"$RESULTS" \
    || note "Part 9 (mail domains at scale) failed in this run."
fi

# ---------------------------------------------------------------- part 5: microbenchmarks
if part 5 && [ -x "$BUILD/bench/smtp_exporter_bench_reply_parser" ]; then
  echo "== part 5: microbenchmarks"
  for b in reply_parser render; do
    timeout 120 "$BUILD/bench/smtp_exporter_bench_$b" --benchmark_format=json --benchmark_min_time=0.5 \
      >"$WORK/micro.$b.json" 2>/dev/null || true
    python3 - "$WORK/micro.$b.json" >>"$RESULTS" <<'PY'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except Exception:
    sys.exit(0)
for b in data.get("benchmarks", []):
    note = ""
    if "bytes_per_second" in b:
        note = f"{b['bytes_per_second'] / 1e6:,.0f} MB/s"
    if "body_bytes" in b:
        note += f", body {b['body_bytes'] / 1e6:,.1f} MB"
    print(json.dumps({"kind": "micro", "name": b["name"], "real_time": b["real_time"],
                      "time_unit": b["time_unit"], "note": note}))
PY
  done
fi

# ---------------------------------------------------------------- parts 6-8: a real Postfix
# tests/e2e/mail_peers.py's Postfix (through bench/mail_peer.py): an "mx" for example.org on a
# loopback port, STARTTLS offered with a leaf for localhost signed by a CA of its own.
MX_PORT=""
if part 6 || part 7 || part 8; then
  echo "== starting a real Postfix (tests/e2e/mail_peers.py) for parts 6-8"
  # Debian's python3, as the end-to-end tests: tests/e2e/harness.py needs python3-prometheus-client.
  py=/usr/bin/python3; [ -x "$py" ] || py=python3
  "$py" "$BENCH/mail_peer.py" "$WORK/mail_peer.json" 3600 >"$WORK/mail_peer.log" 2>&1 &
  PEER_PID=$!; PIDS+=("$PEER_PID")
  for _ in $(seq 1 300); do  # up to 30 s
    [ -s "$WORK/mail_peer.json" ] && break
    kill -0 "$PEER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [ -s "$WORK/mail_peer.json" ] && MX_PORT=$(json_field mx_port <"$WORK/mail_peer.json" 2>/dev/null); then
    CA_FILE=$(json_field ca_file <"$WORK/mail_peer.json")
    MX="127.0.0.1:$MX_PORT"
  else
    MX_PORT=""
    why=$( (json_field error <"$WORK/mail_peer.json") 2>/dev/null || tail -3 "$WORK/mail_peer.log" 2>/dev/null || true)
    note "Parts 6-8 not run: the Postfix of tests/e2e/mail_peers.py did not start (${why:-no reason given})."
  fi
fi
if [ -n "$MX_PORT" ]; then
# The same dialog for both exporters: EHLO, MAIL FROM, RCPT TO an accepted recipient (postmaster@
# is an alias of probe@), RCPT TO a foreign one that the mx must refuse (554 5.7.1 relay access
# denied: the open-relay check), RSET, QUIT. And STARTTLS with the certificate verified against
# the peers' CA and the name localhost.
cat >"$WORK/ours_mail.yml" <<YML
global:
  mode: interval
  max_concurrent_probes: 1024
modules:
  smtp_tx:
    timeout: 10s
    qos_timeout: 2s
    ehlo_name: bench.example.org
    steps:
      - mail_from: {address: "probe@example.org"}
      - rcpt_to: {address: "postmaster@example.org"}
      - rcpt_to: {name: relay, address: "someone@example.net", expect: reject}
      - rset: {}
  smtp_starttls:
    timeout: 10s
    qos_timeout: 2s
    ehlo_name: bench.example.org
    tls: starttls
    tls_config:
      server_name: localhost
      ca_file: $CA_FILE
  smtp_ehlo:
    timeout: 10s
    qos_timeout: 2s
    ehlo_name: bench.example.org
YML
cat >"$WORK/blackbox_mail.yml" <<YML
modules:
  smtp_tx:
    prober: tcp
    timeout: 10s
    tcp:
      preferred_ip_protocol: ip4
      query_response:
        - expect: "^220 "
        - send: "EHLO bench.example.org\r"
        - expect: "^250 "
        - send: "MAIL FROM:<probe@example.org>\r"
        - expect: "^250 "
        - send: "RCPT TO:<postmaster@example.org>\r"
        - expect: "^25[01] "
        - send: "RCPT TO:<someone@example.net>\r"
        - expect: "^5[0-9][0-9] "
        - send: "RSET\r"
        - expect: "^250 "
        - send: "QUIT\r"
  smtp_starttls:
    prober: tcp
    timeout: 10s
    tcp:
      preferred_ip_protocol: ip4
      tls_config:
        ca_file: $CA_FILE
        server_name: localhost
      query_response:
        - expect: "^220 "
        - send: "EHLO bench.example.org\r"
        - expect: "^250[ -]STARTTLS"
        - expect: "^250 "
        - send: "STARTTLS\r"
        - expect: "^220 "
        - starttls: true
        - send: "EHLO bench.example.org\r"
        - expect: "^250 "
        - send: "QUIT\r"
YML
fi

TLS_FLOOR_CLIENT=$BUILD/bench/smtp_exporter_bench_tls_floor_client
# tls_floor SESSIONS CONCURRENCY MODE [key value]...: one run of the TLS floor client against the
# mx, one tls_floor record.
tls_floor() {
  local sessions=$1 conc=$2 mode=$3
  shift 3
  timeout 300 "$TLS_FLOOR_CLIENT" 127.0.0.1 "$MX_PORT" "$sessions" "$conc" "$CA_FILE" localhost "$mode" \
    | add_kind tls_floor concurrency "$conc" "$@" | tee -a "$RESULTS" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("   TLS floor %-6s c=%-3d %6d sessions (%d failed, %d resumed) %8.1f us CPU/session  %s %s" % (
    r["mode"], r["concurrency"], r["sessions"], r["failed"], r["resumed"], r["cpu_us_per_session"], r["tls_version"], r["cipher"]))' \
    || note "Part 7: a run of the TLS floor client (mode $mode) failed: see the console output."
}
after_starttls_run() {  # round concurrency: the floor right after the exporters' runs
  [ -x "$TLS_FLOOR_CLIENT" ] && tls_floor "$TLS_FLOOR_SESSIONS" "$2" full round "$1"
  return 0
}

if [ -n "$MX_PORT" ] && { part 6 || part 7; }; then
  OURS_PORT=$(free_port); start_ours "$WORK/ours_mail.yml" "$OURS_PORT"
  BB_PORT=$(free_port); start_bb "$BB_PORT" "$WORK/blackbox_mail.yml"
  # ---------------------------------------------------------------- part 6: a mail transaction
  if part 6; then
    echo "== part 6: a mail transaction against a real Postfix (EHLO, MAIL FROM, RCPT TO x 2, RSET, QUIT; wrk, ${WRK_DURATION}s per run, $ROUNDS rounds, concurrency $MAIL_CONCURRENCY)"
    if check_probe "http://127.0.0.1:$OURS_PORT" smtp_tx "$MX" '^probe_smtp_step_reply_code\{step="relay"\} 5[0-9][0-9]$' \
       && check_probe "http://127.0.0.1:$BB_PORT" smtp_tx "$MX"; then
      wrk_rounds tx_cost smtp_tx "$MX" "$MAIL_CONCURRENCY"
    else
      note "Part 6 not run: a transaction probe did not succeed (see the console output)."
    fi
  fi
  # ---------------------------------------------------------------- part 7: STARTTLS
  if part 7; then
    echo "== part 7: STARTTLS against a real Postfix (full handshake, certificate verified; wrk, ${WRK_DURATION}s per run, $ROUNDS rounds, concurrency $MAIL_CONCURRENCY; the bare TLS client after each pair)"
    if check_probe "http://127.0.0.1:$OURS_PORT" smtp_starttls "$MX" '^probe_smtp_tls_cert_verified 1$' \
       && check_probe "http://127.0.0.1:$BB_PORT" smtp_starttls "$MX" '^probe_ssl_earliest_cert_expiry [0-9.e+]+$'; then
      # The extra exporters (an older revision knows no `steps`: a config without smtp_tx).
      python3 - "$WORK/ours_mail.yml" "$WORK/extra_mail.yml" <<'PY'
import re, sys
head, modules = open(sys.argv[1]).read().split("modules:\n", 1)
blocks = [b for b in re.split(r"(?m)^(?=  \S)", modules) if b.strip() and not b.startswith("  smtp_tx:")]
open(sys.argv[2], "w").write(head + "modules:\n" + "".join(blocks))
PY
      for x in "${XLABELS[@]}"; do
        if start_extra "$x" "$WORK/extra_mail.yml" "$(free_port)" \
           && check_probe "http://127.0.0.1:${XPORT[$x]}" smtp_starttls "$MX" '^probe_smtp_tls_cert_verified 1$'; then
          XACTIVE+=("$x")
        else
          note "Part 7: the extra exporter $x did not answer a STARTTLS probe; left out."
          stop "${XPID[$x]}"
        fi
      done
      AFTER_RUN=after_starttls_run wrk_rounds starttls_cost smtp_starttls "$MX" "$MAIL_CONCURRENCY"
      stop_extras
      if [ -x "$TLS_FLOOR_CLIENT" ]; then
        # For context: the same floor also reading the certificate facts as the exporter does.
        tls_floor "$TLS_FLOOR_SESSIONS" "$MAIL_CONCURRENCY" facts
      fi
    else
      note "Part 7 not run: a STARTTLS probe did not succeed (see the console output)."
    fi
  fi
  stop "$OURS_PID"; stop "$BB_PID"
fi

# ---------------------------------------------------------------- part 8: callgrind per probe
# Instructions (and malloc calls) per probe, counted by callgrind over a window after warm-up in
# interval mode (no scrape inside the window), the steady figure to compare code changes with:
# the EHLO module at 667 probes/s (1,000 targets at 1.5 s) against smtp-sink, as bench/NOTES.md's
# earlier figures; the transaction, STARTTLS and plain EHLO modules against Postfix at a low rate;
# the two floor clients. CG_BASELINE, if set, is a second exporter binary measured the same way
# (the modules it knows).
CG_TARGETS=${CG_TARGETS:-1000}
wait_port_long() {  # port, up to 90 s (a program under valgrind starts slowly)
  local i
  for i in $(seq 1 900); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
# cg_exporter LABEL BINARY CONFIG WARMUP_S WINDOW_S WHAT: one callgrind record.
cg_exporter() {
  local label=$1 bin=$2 cfg=$3 warm=$4 window=$5 what=$6 port out pid
  port=$(free_port); out=$WORK/callgrind.$label.$what.out
  echo "   callgrind: $label, $what (${window}s window after ${warm}s)"
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
    "$bin" --config.file="$cfg" --web.listen-address="127.0.0.1:$port" --log.level=warn >"$WORK/cg.$label.$what.log" 2>&1 &
  pid=$!; PIDS+=("$pid")
  if ! wait_port_long "$port"; then note "Part 8: $label $what did not start under valgrind."; stop "$pid"; return 0; fi
  sleep "$warm"
  timeout 60 callgrind_control -i on "$pid" >/dev/null
  sleep "$window"
  timeout 60 callgrind_control -i off "$pid" >/dev/null
  local metrics; metrics=$(curl -s --max-time 60 "http://127.0.0.1:$port/metrics" || true)
  kill -INT "$pid" 2>/dev/null || true
  timeout 60 tail --pid="$pid" -f /dev/null || true
  stop "$pid"
  [ -n "${CG_OUT_DIR:-}" ] && mkdir -p "$CG_OUT_DIR" && cp "$out" "$CG_OUT_DIR/"
  M callgrind "$out" "$window" <<<"$metrics" | add_kind callgrind label "$label" what "$what" | tee -a "$RESULTS" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("   -> %s %s: %d probes, %.0f instructions and %.1f malloc calls per probe" % (
    r["label"], r["what"], r["probes"], r["ir_per_probe"], r["malloc_per_probe"]))' || note "Part 8: no callgrind figures for $label $what."
}
# cg_floor LABEL WHAT COMMAND...: a floor client under callgrind from start to end.
cg_floor() {
  local label=$1 what=$2 out
  shift 2
  out=$WORK/callgrind.$label.$what.out
  echo "   callgrind: $label, $what"
  timeout 600 valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >"$WORK/cg.$label.$what.json" 2>"$WORK/cg.$label.$what.log" || true
  [ -n "${CG_OUT_DIR:-}" ] && mkdir -p "$CG_OUT_DIR" && cp "$out" "$CG_OUT_DIR/"
  M callgrind "$out" 0 <"$WORK/cg.$label.$what.json" | add_kind callgrind label "$label" what "$what" | tee -a "$RESULTS" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("   -> %s %s: %d sessions, %.0f instructions and %.1f malloc calls per session" % (
    r["label"], r["what"], r["probes"], r["ir_per_probe"], r["malloc_per_probe"]))' || note "Part 8: no callgrind figures for $label $what."
}
if part 8; then
  if ! command -v valgrind >/dev/null; then
    note "Part 8 not run: valgrind is not installed (scripts/packages.txt, kind bench)."
  else
    echo "== part 8: callgrind instructions per probe"
    cfg=$WORK/cg_ehlo.yml
    write_targets_config "$cfg" "$CG_TARGETS" "$SINK_PORT" "mode: interval, interval: 1500ms" 256 10s 2s
    exporters=("ours=$EXPORTER")
    if [ -n "${CG_BASELINE:-}" ]; then  # "label=path" or a path (label "baseline")
      case $CG_BASELINE in *=*) exporters+=("${CG_BASELINE%%=*}=$(realpath "${CG_BASELINE#*=}")") ;;
                           *) exporters+=("baseline=$(realpath "$CG_BASELINE")") ;; esac
    fi
    for e in "${exporters[@]}"; do
      cg_exporter "${e%%=*}" "${e#*=}" "$cfg" 20 15 "ehlo_sink_${CG_TARGETS}"
    done
    [ -x "$FLOOR_CLIENT" ] && cg_floor floor ehlo_sink_tick "$FLOOR_CLIENT" 127.0.0.1 "$SINK_PORT" 6000 256 666.7 10
    if [ -n "$MX_PORT" ]; then
      # Against Postfix, 20 targets at 1 s (10 at 2 s for STARTTLS): callgrind runs the exporter
      # tens of times slower, and the probes must stay within their deadlines.
      for what in smtp_ehlo smtp_tx smtp_starttls; do
        n=20; every=1s
        [ "$what" = smtp_starttls ] && { n=10; every=2s; }
        # Only the module probed (a baseline from before the rebuild does not know `steps`).
        python3 - "$WORK/ours_mail.yml" "$WORK/cg_$what.yml" "$what" "$n" "$every" "$MX" <<'PY'
import re, sys
src, dst, module, n, every, target = sys.argv[1:]
head, modules = open(src).read().split("modules:\n", 1)
blocks = re.split(r"(?m)^(?=  \S)", modules)
block = next(b for b in blocks if b.startswith(f"  {module}:"))
text = head.replace("  mode: interval\n", f"  mode: interval\n  interval: {every}\n", 1) + "modules:\n" + block
text += "targets:\n" + "".join(f"  - {{name: m{i:03d}, address: \"{target}\", module: {module}}}\n" for i in range(int(n)))
open(dst, "w").write(text)
PY
        for e in "${exporters[@]}"; do
          [ "${e%%=*}" != ours ] && [ "$what" = smtp_tx ] && continue  # no steps before the rebuild
          cg_exporter "${e%%=*}" "${e#*=}" "$WORK/cg_$what.yml" 10 20 "${what#smtp_}_postfix"
        done
      done
      [ -x "$TLS_FLOOR_CLIENT" ] && cg_floor tls_floor starttls_postfix "$TLS_FLOOR_CLIENT" 127.0.0.1 "$MX_PORT" 200 4 "$CA_FILE" localhost full
    fi
  fi
fi
[ -n "$MX_PORT" ] && stop "$PEER_PID"

note "Suite run time: $(( $(date +%s) - START )) s ($([ -n "${BUILT:-}" ] && echo "build included" || echo "no build: the binaries were given"), PARTS=\"$(echo $PARTS)\")."
echo "== results"
cp "$RESULTS" "$BENCH/results.jsonl"  # the raw figures behind RESULTS.md
M report "$BENCH/results.jsonl" "$BENCH/RESULTS.md"
