#!/usr/bin/env bash
# Installs what is missing (the test peers too), builds, and runs every test with ctest; then the
# whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan) and a short
# bounded libFuzzer run of each fuzz target (scripts/sanitize.sh). SKIP_SANITIZE=1 skips that part.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
timed install install_missing build runtime test
# Line tables only (-g1): enough for a failing test's stack trace, a fifth less compile time.
# The benchmarks are built by bench/run.sh when they are run, not here.
timed build build RelWithDebInfo -DSMTP_EXPORTER_BUILD_TESTS=ON -DSMTP_EXPORTER_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"
timed ctest bash -c 'cd "$1" && shift && ctest --output-on-failure -j"$(nproc)" --timeout 300 "$@"' - "$BUILD_DIR" "$@"
[ "${SKIP_SANITIZE:-0}" = 1 ] || FUZZ_SECONDS=15 timed sanitize "$ROOT/scripts/sanitize.sh" "$@"
