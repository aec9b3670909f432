#!/usr/bin/env bash
# The container image, the Kubernetes manifests and the Debian package, really built and run with
# podman (no registry needed):
#   1. base image: debian:bookworm-slim made from Debian's packages (mmdebstrap --variant=minbase,
#      podman import) unless podman already has one; kept for the next run;
#   2. podman build --pull=never of the repository's Dockerfile; the image's size is printed;
#   3. the image run against a real Postfix on loopback (tests/e2e/mail_peers.py): /metrics and
#      /probe succeed, the process runs as a non-root user with its config from /etc/smtp_exporter/,
#      and `podman kill -s HUP` reloads a changed config;
#   4. podman kube play of deploy/kubernetes/ (ConfigMap, Deployment, Service) with that image: the
#      pod starts, its probes answer, the ConfigMap's config is the one in use;
#   5. the Debian package the Dockerfile's build stage made (cpack -G DEB), in a container of the
#      base image: dpkg -i, apt-get -f install, run as its system user, dpkg -P leaves nothing.
# Exit status 77 (and a line saying why) when containers cannot run here; SKIP_CONTAINER=1 skips
# too. Everything started is stopped on exit; every wait is bounded.
#
# This machine: the default crun refuses its hybrid cgroups and raising rlimits is not permitted,
# hence runc, cgroupfs and 1024 open files (the exporter takes the hard limit it is given).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
set -o errtrace

PY=/usr/bin/python3
BASE=docker.io/library/debian:bookworm-slim
VERSION=$(sed -n 's/^project(smtp_exporter VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")
IMAGE=localhost/smtp-exporter:$VERSION
BUILD_IMAGE=localhost/smtp-exporter-build:$VERSION
DEB=smtp-exporter_${VERSION}_$(dpkg --print-architecture).deb
RUN_FLAGS=(--network=host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
RUN_ID=$$
CONTAINER=smtp-exporter-test-$RUN_ID
DEB_CONTAINER=smtp-exporter-deb-test-$RUN_ID
EXTRACT_CONTAINER=smtp-exporter-deb-extract-$RUN_ID

skip() {
  echo "SKIPPED scripts/test-container.sh: $*"
  exit 77
}
fail() {
  echo "FAILED: $*" >&2
  exit 1
}
step() { echo "== $* ($((SECONDS)) s)"; }

[ "${SKIP_CONTAINER:-0}" = 1 ] && skip "SKIP_CONTAINER=1"
[ "$(id -u)" -eq 0 ] || skip "needs root (Postfix from a config of its own, podman's storage), running as $(id -un)"
install_missing container test || skip "the container packages could not be installed"
command -v podman >/dev/null || skip "podman is not installed"
[ -n "$VERSION" ] || fail "no project version in CMakeLists.txt"

WORK=$(mktemp -d /var/tmp/smtp_exporter_container.XXXXXX)
chmod 0755 "$WORK"
# podman's settings for this run (podman run/build take the same as flags; kube play only these).
cat > "$WORK/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
EOF
export CONTAINERS_CONF=$WORK/containers.conf
podman() { command podman --runtime runc --cgroup-manager cgroupfs "$@"; }

POSTFIX_BASE=$WORK/postfix
KUBE_FILE=$WORK/kube.yaml
cleanup() {
  local rc=$?
  set +e
  trap - EXIT
  podman rm -f -t 5 "$CONTAINER" "$DEB_CONTAINER" "$EXTRACT_CONTAINER" >/dev/null 2>&1
  [ -f "$KUBE_FILE" ] && timeout 60 podman kube down "$KUBE_FILE" >/dev/null 2>&1
  [ -d "$POSTFIX_BASE" ] && postfix_ctl stop
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A real Postfix on 127.0.0.1 (tests/e2e/mail_peers.py): `postfix_ctl start PORT` returns once it
# greets; `postfix_ctl stop` stops it by its master's pid.
postfix_ctl() {
  timeout 60 "$PY" - "$ROOT/tests/e2e" "$POSTFIX_BASE" "$@" <<'PY'
import os, sys, time
sys.path.insert(0, sys.argv[1])
from harness import make_ca, make_leaf
from mail_peers import Postfix, _greets, closed_mx_settings
base, action = sys.argv[2], sys.argv[3]
if action == "start":
    port = int(sys.argv[4])
    os.makedirs(base, exist_ok=True)
    os.chmod(base, 0o755)
    ca = make_ca(base)
    cert, key = make_leaf(base, "mx", ca, sans=("DNS:mx.container.test", "IP:127.0.0.1"))
    postfix = Postfix(base)
    postfix.configure(closed_mx_settings("mx.container.test", "container.test", key, cert),
                      [f"127.0.0.1:{port} inet n - n - - smtpd -o syslog_name=postfix/mx"])
    postfix.start()
    deadline = time.monotonic() + 20
    while not _greets(("127.0.0.1", port)):
        if time.monotonic() > deadline:
            sys.exit(f"Postfix does not greet on 127.0.0.1:{port}\n{postfix.diagnostics()}")
        time.sleep(0.05)
else:
    postfix = Postfix(base)
    postfix.started = True
    postfix.stop()
PY
}

free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_for SECONDS WHAT COMMAND...: runs COMMAND every 0.2 s until it succeeds; fails after SECONDS.
wait_for() {
  local seconds=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$what: not within ${seconds} s"
    sleep 0.2
  done
}
# get URL [CURL ARGS...]: the body, failing on an HTTP error.
get() { curl -fsS --max-time 20 "$@"; }
# (grep reads to the end: with pipefail, an early exit would fail the pipe.)
metrics_have() { get "$1" | grep -E "$2" >/dev/null; }
http_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1"; }

# ------------------------------------------------------------------------------------------------
step "base image"
if podman image exists "$BASE"; then
  echo "$BASE: present (podman image rm $BASE to make it again)"
else
  echo "$BASE: making it from Debian's packages (mmdebstrap --variant=minbase bookworm)"
  timeout 1200 mmdebstrap --quiet --variant=minbase bookworm "$WORK/rootfs.tar" || fail "mmdebstrap"
  timeout 300 podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' "$WORK/rootfs.tar" "$BASE" >/dev/null || fail "podman import"
  rm -f "$WORK/rootfs.tar"
fi
# Whether containers can run at all here (user namespaces, cgroups, seccomp).
if ! why=$(timeout 120 podman run --rm "${RUN_FLAGS[@]}" "$BASE" true 2>&1); then
  skip "podman cannot run a container here: $why"
fi

# ------------------------------------------------------------------------------------------------
step "podman build (Dockerfile, --pull=never)"
build_started=$SECONDS
# The build stage first: it holds the Debian package. The whole build then finds it in the cache.
timeout 3600 podman build --pull=never "${RUN_FLAGS[@]}" --target build -t "$BUILD_IMAGE" -f "$ROOT/Dockerfile" "$ROOT" \
  || fail "podman build --target build"
timeout 3600 podman build --pull=never "${RUN_FLAGS[@]}" -t "$IMAGE" -f "$ROOT/Dockerfile" "$ROOT" \
  || fail "podman build"
echo "== podman build: $((SECONDS - build_started)) s"
size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
compressed=$(podman save --format oci-archive "$IMAGE" 2>/dev/null | gzip | wc -c)
echo "IMAGE SIZE $IMAGE: $((size / 1000000)) MB unpacked (podman images), $((compressed / 1000000)) MB as a gzip'd archive" \
  "(goal: under 40 MB)"

# ------------------------------------------------------------------------------------------------
step "the image against a real Postfix"
SMTP_PORT=$(free_port)
postfix_ctl start "$SMTP_PORT" || fail "Postfix did not start"
WEB_PORT=$(free_port)
mkdir -p "$WORK/config"
write_config() {  # the exporter's config: target names $@, all the Postfix above
  {
    printf 'global:\n  mode: interval\n  interval: 2s\nmodules:\n  smtp_ehlo:\n    timeout: 5s\n    qos_timeout: 2s\ntargets:\n'
    local name
    for name in "$@"; do printf '  - {name: %s, address: "127.0.0.1:%s", module: smtp_ehlo}\n' "$name" "$SMTP_PORT"; done
  } > "$WORK/config/smtp_exporter.yml.new"
  mv "$WORK/config/smtp_exporter.yml.new" "$WORK/config/smtp_exporter.yml"
  chmod 0644 "$WORK/config/smtp_exporter.yml"
}
write_config postfix-loopback
# The image's user reads the mounted folder; hardened as in deploy/kubernetes/deployment.yaml.
timeout 60 podman run -d --name "$CONTAINER" "${RUN_FLAGS[@]}" --read-only --cap-drop=all \
  --security-opt no-new-privileges -v "$WORK/config:/etc/smtp_exporter:ro" "$IMAGE" \
  --config.file=/etc/smtp_exporter/smtp_exporter.yml --web.listen-address="127.0.0.1:$WEB_PORT" >/dev/null \
  || fail "podman run"
URL=http://127.0.0.1:$WEB_PORT
wait_for 30 "the exporter's /-/healthy" get "$URL/-/healthy"
wait_for 30 "smtp_probe_success 1 for the Postfix" \
  metrics_have "$URL/metrics" '^smtp_probe_success\{[^}]*target="postfix-loopback"[^}]*\} 1$'
echo "/metrics: $(get "$URL/metrics" | grep -E '^smtp_probe_success\{')"
probe=$(get "$URL/probe?target=127.0.0.1:$SMTP_PORT&module=smtp_ehlo") || fail "/probe"
grep -qx 'probe_success 1' <<<"$probe" || fail "/probe of the Postfix did not succeed:"$'\n'"$probe"
echo "/probe: probe_success 1"

pid=$(podman inspect --format '{{.State.Pid}}' "$CONTAINER")
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
user=$(podman top "$CONTAINER" user | sed -n 2p)
[ -n "$uid" ] && [ "$uid" -ne 0 ] || fail "the exporter runs as uid $uid"
echo "process: uid $uid ($user), $(tr '\0' ' ' < "/proc/$pid/cmdline")"
grep -q -- '--config.file=/etc/smtp_exporter/smtp_exporter.yml' "/proc/$pid/cmdline" || fail "config not from /etc/smtp_exporter/"
cmp -s "/proc/$pid/root/etc/smtp_exporter/smtp_exporter.yml" "$WORK/config/smtp_exporter.yml" \
  || fail "/etc/smtp_exporter/smtp_exporter.yml in the container is not the mounted config"
logs=$(podman logs "$CONTAINER" 2>&1)
grep -m1 'open file limit' <<<"$logs" || fail "no 'open file limit' log line"

reloaded_before=$(get "$URL/metrics" | awk '/^smtp_exporter_config_last_reload_success_timestamp_seconds / { print $2 }')
sleep 1  # the reload timestamp has a second's resolution in the check below
write_config postfix-loopback postfix-reloaded
timeout 30 podman kill -s HUP "$CONTAINER" >/dev/null || fail "podman kill -s HUP"
wait_for 30 "the reloaded config's new target" \
  metrics_have "$URL/metrics" '^smtp_probe_success\{[^}]*target="postfix-reloaded"[^}]*\} 1$'
reloaded_after=$(get "$URL/metrics" | awk '/^smtp_exporter_config_last_reload_success_timestamp_seconds / { print $2 }')
metrics_have "$URL/metrics" '^smtp_exporter_config_last_reload_successful 1$' || fail "reload not successful"
[ "$reloaded_after" != "$reloaded_before" ] || fail "the reload timestamp did not change ($reloaded_before)"
echo "SIGHUP: new target postfix-reloaded probed, last reload at $reloaded_after (was $reloaded_before)"
logs=$(podman logs "$CONTAINER" 2>&1)
grep -m1 'SIGHUP' <<<"$logs" || true
timeout 30 podman rm -f -t 10 "$CONTAINER" >/dev/null
# The image's /bin/sh and /usr/local/bin/smtp_exporter, as the README's StatefulSet example uses them.
out=$(timeout 60 podman run --rm "${RUN_FLAGS[@]}" --entrypoint /bin/sh "$IMAGE" -c 'exec /usr/local/bin/smtp_exporter --version') \
  || fail "sh -c 'exec /usr/local/bin/smtp_exporter --version' in the image: $out"
echo "sh -c in the image: $out"

# ------------------------------------------------------------------------------------------------
step "podman kube play deploy/kubernetes/ (ConfigMap, Deployment, Service)"
# One multi-document file with the built image; if 9025 is taken on this machine (the pod shares
# the host's network), the container is told another port. The pod runs in the host's network
# namespace (--network host), where Debian's podman 4.3 refuses the port mappings it makes of
# `containerPort`s: the container's ports are left out and the probes' named ports resolved.
# Prints what to check, one per line: "http PORT PATH KIND" or "tcp PORT KIND" for each probe,
# "port PORT", "pod NAME", then "target NAME" for each of the ConfigMap's targets.
KUBE_PORT=9025
if (exec 3<>/dev/tcp/127.0.0.1/9025) 2>/dev/null; then KUBE_PORT=$(free_port); fi
checks=$("$PY" - "$ROOT/deploy/kubernetes" "$IMAGE" "$KUBE_PORT" "$KUBE_FILE" <<'PY'
import os, sys, yaml
folder, image, port, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
docs = []
for name in ("configmap.yaml", "deployment.yaml", "service.yaml"):
    with open(os.path.join(folder, name)) as f:
        docs.extend(d for d in yaml.safe_load_all(f) if d)
deployment = next(d for d in docs if d["kind"] == "Deployment")
configmap = next(d for d in docs if d["kind"] == "ConfigMap")
container = deployment["spec"]["template"]["spec"]["containers"][0]
container["image"] = image
ports = {p.get("name"): p["containerPort"] for p in container["ports"]}
if port != 9025:
    container["args"] = ["--config.file=/etc/smtp_exporter/smtp_exporter.yml", f"--web.listen-address=:{port}"]
    for p in container["ports"]:
        p["containerPort"] = port
    ports = {k: port for k in ports}
for kind in ("readinessProbe", "livenessProbe"):
    probe = container.get(kind) or {}
    for action in ("httpGet", "tcpSocket"):
        if action in probe:
            probe[action]["port"] = ports.get(probe[action]["port"], probe[action]["port"])
    if "httpGet" in probe:
        print("http", probe["httpGet"]["port"], probe["httpGet"].get("path", "/"), kind)
    elif "tcpSocket" in probe:
        print("tcp", probe["tcpSocket"]["port"], kind)
del container["ports"]
print("port", port)
print("pod", deployment["metadata"]["name"] + "-pod")
config = yaml.safe_load(configmap["data"]["smtp_exporter.yml"])
for t in config.get("targets", []):
    print("target", t.get("name") or t.get("address") or t.get("domain"))
with open(out, "w") as f:
    yaml.safe_dump_all(docs, f, sort_keys=False)
PY
) || fail "could not assemble the manifests"
[ "$KUBE_PORT" = 9025 ] || echo "port 9025 is taken here: the pod's exporter listens on $KUBE_PORT"
# podman turns the liveness probe into a healthcheck run by a systemd timer: where systemd is not
# PID 1 it says so at play and down ("unable to get systemd connection"); the probes are
# checked from here instead.
quiet_systemd() { grep -v 'unable to get systemd connection' || true; }
out=$(timeout 180 podman kube play --network host "$KUBE_FILE" 2>&1) || fail "podman kube play: $out"
quiet_systemd <<<"$out"
# A Deployment's pod is <name>-pod (<name>-pod-0 in older podman).
pod_prefix=$(awk '$1 == "pod" { print $2 }' <<<"$checks")
pod=$(podman pod ps --format '{{.Name}}' | grep -E -x -- "$pod_prefix(-0)?" | head -1) || true
[ -n "$pod" ] || fail "no pod $pod_prefix after kube play"
wait_for 60 "the pod's exporter on :$KUBE_PORT" get "http://127.0.0.1:$KUBE_PORT/-/healthy"
podman pod ps --filter "name=$pod" --format '{{.Name}} {{.Status}} {{.NumberOfContainers}} containers'
while read -r kind a b c; do
  case $kind in
    http)
      code=$(http_status "http://127.0.0.1:$a$b")
      [ "$code" = 200 ] || fail "$c: GET $b on $a answered $code"
      echo "$c: GET $b -> 200" ;;
    tcp)
      (exec 3<>"/dev/tcp/127.0.0.1/$a") 2>/dev/null || fail "$b: no TCP connection to $a"
      echo "$b: TCP $a connects" ;;
    target)
      wait_for 60 "the ConfigMap's target $a in /metrics" \
        metrics_have "http://127.0.0.1:$KUBE_PORT/metrics" "target=\"$a\""
      echo "ConfigMap target $a is probed" ;;
  esac
done <<<"$checks"
! metrics_have "http://127.0.0.1:$KUBE_PORT/metrics" 'target="localhost"' \
  || fail "the image's own config (target localhost) is in use, not the ConfigMap's"
ctr=$(podman ps --filter "pod=$pod" --format '{{.Names}}' | grep -v -- '-infra$' | head -1)
pid=$(podman inspect --format '{{.State.Pid}}' "$ctr")
echo "pod container $ctr: uid $(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")," \
  "root file system read-only: $(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$ctr")"
out=$(timeout 60 podman kube down "$KUBE_FILE" 2>&1) || fail "podman kube down: $out"
! podman pod exists "$pod" || fail "the pod $pod is still there after kube down"
rm -f "$KUBE_FILE"

# ------------------------------------------------------------------------------------------------
step "the Debian package in a container of $BASE"
mkdir -p "$WORK/deb"
podman create --name "$EXTRACT_CONTAINER" "$BUILD_IMAGE" true >/dev/null || fail "podman create $BUILD_IMAGE"
podman cp "$EXTRACT_CONTAINER:/src/build/$DEB" "$WORK/deb/" || fail "no $DEB in the build stage"
podman rm -f "$EXTRACT_CONTAINER" >/dev/null
echo "$DEB: $(du -k "$WORK/deb/$DEB" | cut -f1) kB"
dpkg-deb --field "$WORK/deb/$DEB" Package Version Architecture Depends Recommends
dpkg-deb --contents "$WORK/deb/$DEB" | awk '{ print "  " $1, $6 }' | grep -v '/$'

timeout 60 podman run -d --init --name "$DEB_CONTAINER" "${RUN_FLAGS[@]}" -v "$WORK/deb:/deb:ro" "$BASE" sleep 900 >/dev/null \
  || fail "podman run $BASE"
in_deb() { timeout "${TIMEOUT:-300}" podman exec "$DEB_CONTAINER" bash -euo pipefail -c "$@"; }
in_deb "dpkg -i /deb/$DEB || echo '(dependencies missing: apt-get -f install takes them from Debian)'"
in_deb 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -f install -y -qq >/dev/null' || fail "apt-get -f install"
in_deb 'dpkg-query -W -f="\${Status}\n" smtp-exporter | grep -x "install ok installed" >/dev/null' || fail "not installed"
in_deb 'getent passwd smtp_exporter' || fail "no user smtp_exporter"
in_deb 'dpkg-query -W -f="\${Conffiles}\n" smtp-exporter | grep " /etc/smtp_exporter/smtp_exporter.yml "' \
  || fail "/etc/smtp_exporter/smtp_exporter.yml is not a conffile"
in_deb 'test -x /usr/bin/smtp_exporter && grep -x "ExecStart=/usr/bin/smtp_exporter --config.file=/etc/smtp_exporter/smtp_exporter.yml" /lib/systemd/system/smtp_exporter.service' \
  || fail "the unit does not start /usr/bin/smtp_exporter"
in_deb 'runuser -u smtp_exporter -- smtp_exporter --config.check --config.file=/etc/smtp_exporter/smtp_exporter.yml' \
  || fail "smtp_exporter --config.check as smtp_exporter"
DEB_PORT=$(free_port)
exporter_pid=$(in_deb "setpriv --reuid=smtp_exporter --regid=smtp_exporter --init-groups smtp_exporter \
  --config.file=/etc/smtp_exporter/smtp_exporter.yml --web.listen-address=127.0.0.1:$DEB_PORT >/tmp/exporter.log 2>&1 & echo \$!")
wait_for 30 "the packaged exporter's /-/healthy" get "http://127.0.0.1:$DEB_PORT/-/healthy"
in_deb "ps_uid=\$(awk '/^Uid:/ { print \$2 }' /proc/$exporter_pid/status); echo \"packaged exporter: pid $exporter_pid, uid \$ps_uid (\$(getent passwd \$ps_uid | cut -d: -f1))\"; [ \"\$ps_uid\" = \"\$(id -u smtp_exporter)\" ]" \
  || fail "the packaged exporter does not run as smtp_exporter"
in_deb "kill $exporter_pid; for i in \$(seq 50); do [ -e /proc/$exporter_pid ] || exit 0; sleep 0.2; done; exit 1" \
  || fail "the packaged exporter did not stop on SIGTERM"
in_deb 'dpkg -P smtp-exporter >/dev/null'
in_deb '! dpkg-query -W smtp-exporter >/dev/null 2>&1; for f in /usr/bin/smtp_exporter /lib/systemd/system/smtp_exporter.service /etc/smtp_exporter /etc/systemd/system/multi-user.target.wants/smtp_exporter.service; do [ ! -e "$f" ] || { echo "left behind: $f"; exit 1; }; done; ! getent passwd smtp_exporter && ! getent group smtp_exporter' \
  || fail "dpkg -P left something behind"
echo "dpkg -P: binary, unit, conffile, enablement and user smtp_exporter gone"
timeout 30 podman rm -f -t 0 "$DEB_CONTAINER" >/dev/null

# The packaged unit is the checked one with the package's paths: systemd-analyze verify it too.
if command -v systemd-analyze >/dev/null; then
  dpkg-deb -x "$WORK/deb/$DEB" "$WORK/deb/root"
  sed 's|^ExecStart=/usr/bin/smtp_exporter|ExecStart=/bin/true|' "$WORK/deb/root/lib/systemd/system/smtp_exporter.service" \
    > "$WORK/deb/smtp_exporter.service"
  out=$(cd "$WORK/deb" && systemd-analyze verify ./smtp_exporter.service 2>&1) || fail "systemd-analyze verify: $out"
  ! grep -q smtp_exporter.service <<<"$out" || fail "systemd-analyze verify: $out"
  echo "systemd-analyze verify of the packaged unit: clean"
fi

step "all container checks passed; image $IMAGE: $((size / 1000000)) MB unpacked, $((compressed / 1000000)) MB gzip'd"
