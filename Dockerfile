# Multi-stage build on Debian 12; both stages install from the project's one package list.
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
 && strip build/smtp_exporter

FROM debian:bookworm-slim
COPY scripts/packages.txt /tmp/packages.txt
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(awk '!/^#/ && NF == 2 && $1 == "runtime" { print $2 }' /tmp/packages.txt) \
 && rm -rf /var/lib/apt/lists/* /tmp/packages.txt \
 && useradd --system --no-create-home --shell /usr/sbin/nologin smtp_exporter
COPY --from=build /src/build/smtp_exporter /usr/local/bin/smtp_exporter
COPY config/smtp_exporter.yml /etc/smtp_exporter/smtp_exporter.yml
USER smtp_exporter
EXPOSE 9025
ENTRYPOINT ["/usr/local/bin/smtp_exporter"]
CMD ["--config.file=/etc/smtp_exporter/smtp_exporter.yml"]
