# tests/clients/lib.sh — sourced by tests/clients/{podman,containerd,docker,systemd}.sh.
#
# Each suite drives a REAL orchestrator (podman+conmon, containerd+shim,
# dockerd) that the suite starts privately: its own state dirs under
# CL_TMP, its own socket, every container cgroup under CG_PARENT
# (/cove-test-$$), no host network changes. Nothing here touches a host's
# real podman/containerd/docker state.
#
# The runtime the client is pointed at is a wrapper ($CL_TMP/cove-wrap) that
# appends each argv and exit code to $CL_TMP/argv.log and runs $COVE: that
# log is the captured client contract (docs/clients.md); KEEP_TMP=1 keeps it.
#
# Exit codes: 0 pass, 1 fail, 77 skip (client absent / cannot run here).
# shellcheck shell=bash

set -uo pipefail

COVE=${COVE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/cove}
SUITE=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
FAILS=0
PASSES=0

skip() { echo "SKIP: clients.$SUITE: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
COVE=$(command -v "$COVE") || { echo "FAIL: COVE binary not found (build first)" >&2; exit 1; }
BUSYBOX=$(command -v busybox) || skip "busybox-static not installed"

CL_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cove-clients-$SUITE.XXXXXX")
chmod 755 "$CL_TMP"   # daemons' helpers (shims, conmon) must traverse it
CG_PARENT="/cove-test-$$"
ARGV_LOG="$CL_TMP/argv.log"

# The argv-logging wrapper: one line per call, "argv: ..." then
# "rc=N ms=M: ..." (M: wall ms of the runtime call, the runtime's share).
make_wrapper() {   # make_wrapper OUT RUNTIME LOG — OUT runs RUNTIME, logging to LOG
    cat >"$1" <<EOF
#!/bin/bash
printf 'argv: %s\n' "\$*" >>"$3"
t0=\$(date +%s%N)
"$2" "\$@"
rc=\$?
printf 'rc=%d ms=%d: %s\n' "\$rc" \$(((\$(date +%s%N) - t0) / 1000000)) "\$*" >>"$3"
exit \$rc
EOF
    chmod 755 "$1"
}
make_wrapper "$CL_TMP/cove-wrap" "$COVE" "$ARGV_LOG"
WRAP="$CL_TMP/cove-wrap"

# A busybox rootfs tarball (no libc: busybox-static is the whole image).
make_rootfs_tar() {   # make_rootfs_tar OUT.tar
    local r="$CL_TMP/rootfs" a
    mkdir -p "$r"/{bin,etc,tmp,proc,sys,dev,root,work}
    cp "$BUSYBOX" "$r/bin/busybox"
    for a in sh ls cat echo id pwd sleep true false env touch grep wc \
             head tail mount hostname kill ps stat test tr; do
        ln -sf busybox "$r/bin/$a"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$r/etc/passwd"
    printf 'root:x:0:\nnobody:x:65534:\n' >"$r/etc/group"
    chmod 1777 "$r/tmp"
    tar -C "$r" --numeric-owner -cf "$1" .
}

# make_oci_archive ROOTFS.tar OUT.tar — a one-layer OCI image archive of
# ROOTFS.tar, ref docker.io/cove-test/bb:latest (for ctr image import)
make_oci_archive() {
    python3 - "$1" "$2" <<'PY'
import hashlib, io, json, sys, tarfile
layer = open(sys.argv[1], "rb").read()
def blob(b): return "sha256:" + hashlib.sha256(b).hexdigest()
cfg = json.dumps({"architecture": "amd64", "os": "linux",
                  "config": {"Env": ["PATH=/bin"], "Cmd": ["/bin/sh"]},
                  "rootfs": {"type": "layers", "diff_ids": [blob(layer)]}}).encode()
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": blob(cfg), "size": len(cfg)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": blob(layer), "size": len(layer)}]}).encode()
idx = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": blob(man), "size": len(man),
    "annotations": {"io.containerd.image.name": "docker.io/cove-test/bb:latest",
                    "org.opencontainers.image.ref.name": "latest"}}]}).encode()
with tarfile.open(sys.argv[2], "w") as t:
    def add(name, data):
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
    add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
    add("index.json", idx)
    for b in (layer, cfg, man):
        add("blobs/sha256/" + blob(b)[7:], b)
PY
}

# containerd_start TRIES — a private containerd 1.6 (CRI plugin off) under
# $CL_TMP/containerd: sets CD, SOCK, CD_PID and C (ctr for it, namespace
# cove-test); waits up to TRIES x 0.1 s for it to answer. On failure returns
# 1 with the reason in CD_ERR (the caller skips).
CD_PID='' C=() CD_ERR=''
containerd_start() {
    local i
    CD="$CL_TMP/containerd"
    SOCK="$CD/containerd.sock"
    mkdir -p "$CD"
    cat >"$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
                    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
                    "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
EOF
    containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
    CD_PID=$!
    C=(ctr --address "$SOCK" --namespace cove-test)
    for ((i = 0; i < $1; i++)); do
        "${C[@]}" version >/dev/null 2>&1 && return 0
        kill -0 "$CD_PID" 2>/dev/null || { tail -5 "$CD/containerd.log" >&2; CD_ERR="containerd did not start here"; return 1; }
        sleep 0.1
    done
    "${C[@]}" version >/dev/null 2>&1 && return 0
    CD_ERR="containerd did not answer on $SOCK"
    return 1
}
# containerd_stop — kill and delete every task and container, stop containerd
containerd_stop() {
    local c
    if [ -n "$CD_PID" ] && kill -0 "$CD_PID" 2>/dev/null; then
        for c in $("${C[@]}" task ls -q 2>/dev/null); do timeout 30 "${C[@]}" task kill -s KILL "$c" >/dev/null 2>&1; done
        sleep 0.3
        for c in $("${C[@]}" task ls -q 2>/dev/null); do timeout 30 "${C[@]}" task delete -f "$c" >/dev/null 2>&1; done
        for c in $("${C[@]}" containers ls -q 2>/dev/null); do timeout 30 "${C[@]}" containers rm "$c" >/dev/null 2>&1; done
    fi
    stop_pid "$CD_PID"
    CD_PID=
}

# dockerd_start TRIES DOCKERD-OPTION... — a private dockerd (its own data,
# exec root, pid file and socket under $CL_TMP/docker, vfs storage, no
# bridge, no iptables; it starts its own containerd): sets DK, D (the
# Debian client for it) and DK_PID; waits up to TRIES x 0.1 s for it to
# answer. On failure returns 1 with the reason in DK_ERR (the caller skips).
DK_PID='' D=() DK_ERR=''
dockerd_start() {
    local tries=$1 dockerd i
    shift
    dockerd=$(command -v dockerd || true)
    [ -n "$dockerd" ] || { [ -x /usr/sbin/dockerd ] && dockerd=/usr/sbin/dockerd; }
    [ -n "$dockerd" ] || { DK_ERR="dockerd not installed (docker.io, scripts/setup)"; return 1; }
    [ -x /usr/bin/docker ] || { DK_ERR="/usr/bin/docker not installed (docker.io, scripts/setup)"; return 1; }
    command -v containerd >/dev/null || { DK_ERR="containerd not installed (scripts/setup)"; return 1; }
    DK="$CL_TMP/docker"
    mkdir -p "$DK"
    D=(/usr/bin/docker --host "unix://$DK/docker.sock")
    "$dockerd" "$@" --data-root "$DK/data" --exec-root "$DK/exec" \
        --pidfile "$DK/docker.pid" --host "unix://$DK/docker.sock" --storage-driver vfs \
        --bridge=none --iptables=false --ip6tables=false --ip-masq=false --userland-proxy=false \
        --log-level warn >"$DK/dockerd.log" 2>&1 &
    DK_PID=$!
    for ((i = 0; i < tries; i++)); do
        "${D[@]}" version >/dev/null 2>&1 && return 0
        kill -0 "$DK_PID" 2>/dev/null || { tail -5 "$DK/dockerd.log" >&2; DK_ERR="dockerd could not start here (log above)"; return 1; }
        sleep 0.1
    done
    "${D[@]}" version >/dev/null 2>&1 && return 0
    tail -5 "$DK/dockerd.log" >&2
    DK_ERR="dockerd did not answer on $DK/docker.sock"
    return 1
}
# dockerd_stop — remove every container, stop dockerd (and so its containerd)
dockerd_stop() {
    if [ -n "$DK_PID" ] && kill -0 "$DK_PID" 2>/dev/null; then
        # shellcheck disable=SC2046
        timeout 60 "${D[@]}" rm -f $("${D[@]}" ps -aq 2>/dev/null) >/dev/null 2>&1
    fi
    stop_pid "$DK_PID"
    DK_PID=
}

# ------------------------------------------------------------- cases
ok()   { echo "ok - $*"; PASSES=$((PASSES + 1)); }
bad()  { echo "FAIL - $*" >&2; FAILS=$((FAILS + 1)); }
# check NAME CMD... — run CMD, report.
check() { local n=$1; shift; if "$@"; then ok "$n"; else bad "$n"; fi; }
# expect_eq NAME GOT WANT
expect_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: got '$2', want '$3'"; fi
}
# expect_has NAME HAYSTACK NEEDLE
expect_has() {
    case $2 in *"$3"*) ok "$1" ;; *) bad "$1: '$3' not in: $2" ;; esac
}

# cgroup_file CONTROLLER GLOB FILE — FILE of the first cgroup under our
# parent whose name matches GLOB (v1 controller dir, else the v2 tree).
cgroup_file() {
    local f
    for f in /sys/fs/cgroup/"$1"/"$CG_PARENT"/$2/"$3" /sys/fs/cgroup/"$1"/"$CG_PARENT"/*/$2/"$3" \
             /sys/fs/cgroup/"$CG_PARENT"/$2/"$3" /sys/fs/cgroup/unified/"$CG_PARENT"/$2/"$3"; do
        [ -e "$f" ] && { cat "$f"; return 0; }
    done
    return 1
}

# Remove every cgroup under our parent, deepest first. A cgroup that still
# has processes is reported (it would mean the client leaked a container).
cleanup_cgroups() {
    local d
    while read -r d; do
        rmdir "$d" 2>/dev/null || echo "warning: could not remove cgroup $d" >&2
    done < <(find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -path "*$CG_PARENT*" 2>/dev/null |
             awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2-)
}

# Unmount everything under CL_TMP (overlay/shm/netns mounts a client left).
cleanup_mounts() {
    local m
    while read -r m; do umount -l "$m" 2>/dev/null; done < <(
        awk -v p="$CL_TMP" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
}

# stop_pid PID — TERM, wait up to 10 s, then KILL (only our own daemons).
stop_pid() {
    local pid=$1 i
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    sleep 0.2
}

# containerd 1.6 puts shim sockets in /run/containerd/s whatever its state
# dir: at the end, what a suite's containerd made there is removed when
# there was no /run/containerd before
HOST_RUN_CD=0
[ -e /run/containerd ] && HOST_RUN_CD=1
finish() {
    local rc=$?
    declare -F suite_cleanup >/dev/null && suite_cleanup
    if [ "$HOST_RUN_CD" = 0 ] && [ -d /run/containerd ]; then
        find /run/containerd -depth -type d -empty -delete 2>/dev/null
    fi
    cleanup_mounts
    cleanup_cgroups
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "# kept $CL_TMP (argv log: $ARGV_LOG)"
    else
        rm -rf "$CL_TMP" 2>/dev/null || { cleanup_mounts; rm -rf "$CL_TMP"; }
    fi
    if [ "$rc" = 77 ]; then exit 77; fi
    echo "# clients.$SUITE: $PASSES passed, $FAILS failed"
    [ "$FAILS" = 0 ] && [ "$rc" = 0 ] && exit 0
    exit 1
}
trap finish EXIT
