#!/usr/bin/env bash
# Installs what is missing, builds a Release binary into build/ and starts the exporter with
# config/smtp_exporter.yml. Arguments are passed to the exporter (e.g. --log.level=debug).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
install_missing build runtime
build Release -DSMTP_EXPORTER_BUILD_TESTS=OFF -DSMTP_EXPORTER_BUILD_BENCH=OFF
exec "$BUILD_DIR/smtp_exporter" --config.file="$ROOT/config/smtp_exporter.yml" "$@"
