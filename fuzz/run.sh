#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz/ (fuzz/CMakeLists.txt, separate from the
# main build) and runs each for a bounded time: fuzz/run.sh [seconds-per-target] (default 20).
# Seeds are read from fuzz/corpus/<target>/ and never written to; new inputs go to
# build-fuzz/corpus/<target>/, crashes to build-fuzz/artifacts/. Exits non-zero on any crash,
# leak, sanitizer report or timeout.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_EACH=${1:-20}
OUT=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
TARGETS=(reply_parser imap_response loop_header smtp_server_text config_loader probe_query web_config)

CC=${CC_FUZZ:-clang} CXX=${CXX_FUZZ:-clang++} cmake -S "$ROOT/fuzz" -B "$OUT" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$OUT" -j"$(nproc)"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
mkdir -p "$OUT/artifacts"
failed=()
for t in "${TARGETS[@]}"; do
  mkdir -p "$OUT/corpus/$t"
  dict=()
  [ -f "$ROOT/fuzz/$t.dict" ] && dict=(-dict="$ROOT/fuzz/$t.dict")
  echo "== fuzz $t for ${SECONDS_EACH}s"
  if ! "$OUT/$t" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -max_len=8192 \
      -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t-" "${dict[@]}" \
      "$OUT/corpus/$t" "$ROOT/fuzz/corpus/$t" >"$OUT/$t.log" 2>&1; then
    failed+=("$t")
    echo "!! $t failed; last lines of $OUT/$t.log:"
    tail -n 40 "$OUT/$t.log"
  else
    grep -E '^(stat::number_of_executed_units|stat::new_units_added)' "$OUT/$t.log" | tr '\n' ' '
    echo
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzing found problems in: ${failed[*]} (inputs in $OUT/artifacts/)"
  exit 1
fi
echo "fuzzing: no crash in ${TARGETS[*]}"
