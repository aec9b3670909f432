# Multi-stage build on Debian 12, from the project's one package list (scripts/packages.txt).
#   build: compiles the exporter (Release), packs it as the Debian package (cpack -G DEB, in
#          /src/build/smtp-exporter_<version>_<arch>.deb) and lays out the runtime files in /rootfs.
#   final: FROM scratch with /rootfs: the packaged binary and config, the shared libraries it
#          links (found by ldd, taken from Debian's packages of the `runtime` kind, with their
#          copyright files), Debian's CA bundle and DNSSEC root key, a passwd with the user
#          smtp_exporter, and dash as /bin/sh (for `sh -c` in manifests, and `kill -HUP 1`).
#          /usr/local/bin/smtp_exporter links to the binary. No package manager.
FROM debian:bookworm-slim AS build
COPY scripts/packages.txt /tmp/packages.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(awk '!/^#/ && NF == 2 && ($1 == "build" || $1 == "runtime") { print $2 }' /tmp/packages.txt) \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSMTP_EXPORTER_BUILD_TESTS=OFF -DSMTP_EXPORTER_BUILD_BENCH=OFF \
 && cmake --build build -j"$(nproc)" --target smtp_exporter \
 && cd build && cpack -G DEB
RUN set -eu; r=/rootfs; \
    dpkg-deb -x build/smtp-exporter_*.deb "$r"; \
    rm -rf "$r/lib/systemd"; \
    for lib in $(ldd "$r/usr/bin/smtp_exporter" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do \
      cp -L --parents "$lib" "$r"; \
      real=$(readlink -f "$lib"); pkg=; \
      for path in "$lib" "$real" "/usr${lib#/usr}" "${real#/usr}"; do \
        pkg=$(dpkg -S "$path" 2>/dev/null | sed -n '1s/:.*//p') && [ -n "$pkg" ] && break; \
      done; \
      [ -n "$pkg" ] || { echo "no package owns $lib" >&2; exit 1; }; \
      mkdir -p "$r/usr/share/doc/$pkg"; cp "/usr/share/doc/$pkg/copyright" "$r/usr/share/doc/$pkg/"; \
    done; \
    mkdir -p "$r/etc/ssl/certs" "$r/usr/lib/ssl" "$r/usr/share/dns" "$r/tmp"; chmod 1777 "$r/tmp"; \
    cp /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/"; \
    ln -s /etc/ssl/certs "$r/usr/lib/ssl/certs"; ln -s /etc/ssl/certs/ca-certificates.crt "$r/usr/lib/ssl/cert.pem"; \
    cp /usr/share/dns/root.key /usr/share/dns/root.ds /usr/share/dns/root.hints "$r/usr/share/dns/"; \
    for pkg in ca-certificates dns-root-data; do \
      mkdir -p "$r/usr/share/doc/$pkg"; cp "/usr/share/doc/$pkg/copyright" "$r/usr/share/doc/$pkg/"; \
    done; \
    mkdir -p "$r/bin" "$r/usr/local/bin"; cp /bin/dash "$r/bin/sh"; ln -s /usr/bin/smtp_exporter "$r/usr/local/bin/smtp_exporter"; \
    mkdir -p "$r/usr/share/doc/dash"; cp /usr/share/doc/dash/copyright "$r/usr/share/doc/dash/"; \
    printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nsmtp_exporter:x:65532:65532:smtp_exporter:/nonexistent:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' > "$r/etc/passwd"; \
    printf 'root:x:0:\nsmtp_exporter:x:65532:\nnogroup:x:65534:\n' > "$r/etc/group"; \
    printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$r/etc/nsswitch.conf"; \
    chroot "$r" /usr/bin/smtp_exporter --version

FROM scratch
COPY --from=build /rootfs /
USER smtp_exporter
EXPOSE 9025
ENTRYPOINT ["/usr/bin/smtp_exporter"]
CMD ["--config.file=/etc/smtp_exporter/smtp_exporter.yml"]
