#!/usr/bin/env bash
# The benchmark suite of issue 6: smtp_exporter against blackbox_exporter on the same work.
#   bench/run.sh [PATH_TO_SMTP_EXPORTER]
# Without an argument it builds Release into build-bench/. Loopback only; every loop is bounded;
# everything it starts is stopped on exit. Writes bench/RESULTS.md and prints the table.
# Knobs (environment): PARTS (default "1 3 3b 2 4 5": which parts run; 3 = fidelity with 1 probe
# in flight, 3b = with FIDELITY_MANY in flight), WRK_DURATION (s, default 10), ROUNDS (default 2),
# FIDELITY_N (default 100), FIDELITY_MANY (default 1000), FIDELITY_ROUNDS (default 3),
# SCALE_TARGETS (default "1000 10000"), FLOOR_PACED_S (s, default 12: length of each paced floor
# run), CEILING_TARGETS (default 10000), SKIP_MICRO=1 (same as leaving 5 out of PARTS).
set -euo pipefail
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH/.." && pwd)
BUILD=$ROOT/build-bench
WRK_DURATION=${WRK_DURATION:-10}
ROUNDS=${ROUNDS:-2}
FIDELITY_N=${FIDELITY_N:-100}
SCALE_TARGETS=${SCALE_TARGETS:-1000 10000}
SCALE_INTERVAL=15
PARTS=" ${PARTS:-1 3 3b 2 4 5} "
[ "${SKIP_MICRO:-0}" = 1 ] && PARTS=${PARTS// 5 / }
FIDELITY_MANY=${FIDELITY_MANY:-1000}
FIDELITY_ROUNDS=${FIDELITY_ROUNDS:-3}
FLOOR_PACED_S=${FLOOR_PACED_S:-12}
CEILING_TARGETS=${CEILING_TARGETS:-10000}
part() { [[ "$PARTS" == *" $1 "* ]]; }
BLACKBOX=${BLACKBOX:-/usr/bin/prometheus-blackbox-exporter}
START=$(date +%s)

# Tools from scripts/packages.txt (kind bench), installed if missing.
# shellcheck source=../scripts/common.sh
source "$ROOT/scripts/common.sh"
install_missing build test bench  # test: curl and postfix (smtp-sink)

if [ $# -ge 1 ]; then
  EXPORTER=$(realpath "$1")
else
  echo "== building Release into $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  targets=(smtp_exporter smtp_exporter_bench_floor_client smtp_exporter_bench_delay_server smtp_exporter_bench_http_floor)
  part 5 && targets+=(smtp_exporter_bench_reply_parser smtp_exporter_bench_render)
  cmake --build "$BUILD" -j"$(nproc)" --target "${targets[@]}"
  EXPORTER=$BUILD/smtp_exporter
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
cpu_of() { M proc "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cpu_s"])'; }
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
start_bb() {  # port -> BB_PID
  "$BLACKBOX" --config.file="$WORK/blackbox.yml" --web.listen-address="127.0.0.1:$1" --log.level=warn >"$WORK/bb.$1.log" 2>&1 &
  BB_PID=$!; PIDS+=("$BB_PID")
  wait_port "$1"
}

revision=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
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

# ---------------------------------------------------------------- part 1: /probe cost
if part 1; then
echo "== part 1: /probe cost (wrk, ${WRK_DURATION}s per run, $ROUNDS rounds, concurrency 16 and 64)"
for round in $(seq 1 "$ROUNDS"); do
  for conc in 16 64; do
    order=(ours bb); [ $((round % 2)) -eq 0 ] && order=(bb ours)
    for who in "${order[@]}"; do
      if [ "$who" = ours ]; then pid=$OURS_PID; port=$OURS_PORT; else pid=$BB_PID; port=$BB_PORT; fi
      c0=$(cpu_of "$pid")
      timeout $((WRK_DURATION + 30)) wrk -t2 -c"$conc" -d"${WRK_DURATION}s" --timeout 15s --latency -s "$BENCH/probe.lua" \
        "http://127.0.0.1:$port/probe?target=$TARGET&module=smtp_ehlo" >"$WORK/wrk.out" 2>&1 || true
      c1=$(cpu_of "$pid")
      M wrk "$WORK/wrk.out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
r.update(kind="probe_cost", round=int(sys.argv[1]), concurrency=int(sys.argv[2]), who=sys.argv[3],
         cpu_s=float(sys.argv[5]) - float(sys.argv[4]))
print(json.dumps(r))' "$round" "$conc" "$who" "$c0" "$c1" | tee -a "$RESULTS" | python3 -c '
import json, sys
r = json.load(sys.stdin)
us = 1e6 * r["cpu_s"] / r["requests"] if r.get("requests") else float("nan")
print("   round %d c=%-3d %-4s %9.1f probes/s  %8.1f us CPU/probe  p50 %.2f ms  p99 %.2f ms  failed %s" % (
    r["round"], r["concurrency"], r["who"], r.get("rps", 0), us, r["p50_ms"], r["p99_ms"], r.get("probe_fail", "?")))'
      sleep 1
    done
  done
done
for who in ours bb; do
  if [ "$who" = ours ]; then pid=$OURS_PID; else pid=$BB_PID; fi
  M proc "$pid" | python3 -c 'import json,sys; r=json.load(sys.stdin); r.update(kind="probe_cost_rss", who=sys.argv[1]); print(json.dumps(r))' "$who" >>"$RESULTS"
done
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
  # The floor: the bare Asio client runs the same sessions against the same sink, three ways:
  # back to back (4 at a time), paced at the exporter's rate (targets / interval per second), and
  # paced at that rate on the exporter's 10 ms tick. The session count is capped so that a paced
  # run takes about FLOOR_PACED_S seconds; all three run that many.
  if [ -x "$FLOOR_CLIENT" ]; then
    sessions=$(tail -1 "$RESULTS" | json_field probes_done | python3 -c 'import sys
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

note "Suite run time: $(( $(date +%s) - START )) s (build included)."
echo "== results"
cp "$RESULTS" "$BENCH/results.jsonl"  # the raw figures behind RESULTS.md
M report "$BENCH/results.jsonl" "$BENCH/RESULTS.md"
