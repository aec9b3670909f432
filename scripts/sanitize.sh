#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer, in a build dir of its
# own (build-asan, -DSMTP_EXPORTER_SANITIZE=ON), then a bounded libFuzzer run of every target.
#   scripts/sanitize.sh [ctest args...]
# Then the threaded parts under ThreadSanitizer (build-tsan).
# Environment: ASAN_BUILD_DIR (default build-asan), TSAN_BUILD_DIR (default build-tsan),
# FUZZ_SECONDS (default 15; 0 skips fuzzing).
# Expects the packages of scripts/packages.txt (kinds build, runtime, test) to be installed:
# scripts/test.sh installs them.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ASAN_BUILD_DIR=${ASAN_BUILD_DIR:-$ROOT/build-asan}
FUZZ_SECONDS=${FUZZ_SECONDS:-15}

# Every finding fails: leaks included, UBSan halts instead of printing and going on. The options
# are set before the build too, since gtest_discover_tests runs the test executables at build time.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# Line tables only (-g1): the sanitizers' stack traces keep file and line. AddressSanitizer at -O1,
# as its documentation suggests: the instrumented build is the longest stage of the CI (about 25
# minutes at -O2 on 2 cores), and -O1 finds the same faults.
DEBUG_FLAGS=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
cmake -S "$ROOT" -B "$ASAN_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMTP_EXPORTER_SANITIZE=ON \
  -DSMTP_EXPORTER_BUILD_TESTS=ON -DSMTP_EXPORTER_BUILD_BENCH=OFF -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  >/dev/null
timed "asan build" cmake --build "$ASAN_BUILD_DIR" -j"$(nproc)"
timed "asan ctest" bash -c 'cd "$1" && shift && ctest --output-on-failure -j"$(nproc)" --timeout 600 "$@"' - "$ASAN_BUILD_DIR" "$@"

# ThreadSanitizer for the code that runs on more than one thread (the resolver's thread, the
# bcrypt thread of basic auth, the HTTP server's tests with a client thread) and for the binary
# end to end over TLS and plain HTTP.
TSAN_BUILD_DIR=${TSAN_BUILD_DIR:-$ROOT/build-tsan}
cmake -S "$ROOT" -B "$TSAN_BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMTP_EXPORTER_SANITIZE_THREAD=ON \
  -DSMTP_EXPORTER_BUILD_TESTS=ON -DSMTP_EXPORTER_BUILD_BENCH=OFF "${DEBUG_FLAGS[@]}" >/dev/null
timed "tsan build" cmake --build "$TSAN_BUILD_DIR" -j"$(nproc)" --target smtp_exporter prober_test web_test http_test
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:exitcode=66}
"$TSAN_BUILD_DIR/tests/prober_test" --gtest_brief=1
"$TSAN_BUILD_DIR/tests/http_test" --gtest_brief=1
"$TSAN_BUILD_DIR/tests/web_test" --gtest_brief=1
/usr/bin/python3 "$ROOT/tests/e2e/test_web_config.py" "$TSAN_BUILD_DIR/smtp_exporter"
/usr/bin/python3 "$ROOT/tests/e2e/test_exporter.py" "$TSAN_BUILD_DIR/smtp_exporter"

if [ "$FUZZ_SECONDS" != 0 ]; then
  timed fuzz "$ROOT/fuzz/run.sh" "$FUZZ_SECONDS"
fi
