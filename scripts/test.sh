#!/usr/bin/env bash
# Installs what is missing (the test peers too), builds, and runs every test with ctest; then the
# whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan) and a short
# bounded libFuzzer run of each fuzz target (scripts/sanitize.sh). SKIP_SANITIZE=1 skips that part.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing build runtime test
build RelWithDebInfo -DSMTP_EXPORTER_BUILD_TESTS=ON
(cd "$BUILD_DIR" && ctest --output-on-failure -j"$(nproc)" --timeout 300 "$@")
[ "${SKIP_SANITIZE:-0}" = 1 ] || FUZZ_SECONDS=15 "$ROOT/scripts/sanitize.sh" "$@"
