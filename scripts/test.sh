#!/usr/bin/env bash
# Installs what is missing (the test peers too), builds, and runs every test with ctest.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing build runtime test
build RelWithDebInfo -DSMTP_EXPORTER_BUILD_TESTS=ON
cd "$BUILD_DIR"
ctest --output-on-failure -j"$(nproc)" --timeout 300 "$@"
