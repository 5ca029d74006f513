#!/bin/bash
# sandbox.sh — a rootless sandbox start: `cove sandbox -- true` against
# bubblewrap with the same isolation, both run by an ordinary user, in one
# interleaved run (docs/rootless.md has the figures).
#
# Usage: sudo bench/sandbox.sh [-n N] [-r ROUNDS] [COVE]
#   COVE    the cove binary (default: build/cove beside this script)
#   -n N    starts per runtime and round (default 200)
#   -r R    rounds; the order alternates from round to round (default 3)
# Run as root: it makes a throw-away user (useradd, its own sub-id ranges;
# userdel at the end) and runs everything as that user through setpriv.
#
# What each one does, per start, to run /bin/true from a busybox tree:
#   cove    cove sandbox --rootfs R -- true: user namespace (the caller's
#           uid; its /etc/subuid range through newuidmap), pid, ipc, uts,
#           mount, cgroup and network namespaces (lo up), overlay root
#           mounted in the user namespace, proc, a tmpfs /dev with the
#           default nodes bound in, masked/read-only paths, no_new_privs,
#           three capabilities, containers-common's seccomp profile; no
#           cgroup (none is delegated), state under $XDG_RUNTIME_DIR.
#   bwrap   bwrap --unshare-all --die-with-parent --new-session --ro-bind R /
#           --proc /proc --dev /dev --tmpfs /tmp --cap-drop ALL true: user,
#           pid, ipc, uts, mount, cgroup and network namespaces, a read-only
#           bind root (no overlay), proc, its own minimal /dev; no seccomp.
# So cove does more per start (overlay, seccomp, state); the "seccomp off"
# row (--seccomp-profile none) shows what the filter costs, cove-self
# (--userns self) maps the caller's uid alone, as that bwrap line does,
# without newuidmap/newgidmap.
# Output: per runtime the median, mean and p99 ms per start and the ratio
# of the medians to bwrap.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
N=200 R=3
while getopts n:r: o; do
    case $o in n) N=$OPTARG ;; r) R=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
COVE=$(realpath "${1:-$here/../build/cove}")
[ "$(id -u)" = 0 ] || { echo "sandbox.sh: run as root (it makes a throw-away user)" >&2; exit 1; }
command -v bwrap >/dev/null || { echo "sandbox.sh: bwrap not installed (package bubblewrap)" >&2; exit 1; }
BUSYBOX=${BUSYBOX:-$(command -v busybox)}

W=$(mktemp -d /tmp/cove-bench-sandbox.XXXXXX)
chmod 711 "$W"
# XDG_RUNTIME_DIR is a tmpfs on a real login (/run/user/UID): the state and
# the sandbox's bundle go there, not to /tmp's disk (this host's ext4 is
# mounted with discard: every unlink there waits for the device)
XDG=$(mktemp -d /tmp/cove-bench-xdg.XXXXXX)
mount -t tmpfs -o mode=700 tmpfs "$XDG"
U="cove-bs$$"
useradd -M -d /nonexistent -s /usr/sbin/nologin "$U"
cleanup() {
    local p
    for p in $(pgrep -u "$U" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done # only the throw-away user's
    sleep 0.2; userdel "$U" 2>/dev/null || true; umount "$XDG"; rm -rf "$W" "$XDG"
}
trap cleanup EXIT
UID_=$(id -u "$U") GID_=$(id -g "$U")
mkdir -p "$W/r/bin" "$W/r/proc" "$W/r/dev" "$W/r/tmp" "$W/r/sys" "$W/r/etc"
cp "$BUSYBOX" "$W/r/bin/busybox"
ln -s busybox "$W/r/bin/true"; ln -s busybox "$W/r/bin/sh"
chown -R "$UID_:$GID_" "$XDG" "$W/r"
chmod 700 "$XDG"
${CC:-cc} -O2 -Wall -Wextra -o "$W/lat" "$here/lat.c"

as_user() {
    setpriv --reuid="$UID_" --regid="$GID_" --init-groups \
        env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$W" XDG_RUNTIME_DIR="$XDG" "$@"
}
declare -A CMD=(
    [cove]="$COVE sandbox --rootfs $W/r -- /bin/true"
    [cove-noseccomp]="$COVE sandbox --rootfs $W/r --seccomp-profile none -- /bin/true"
    [cove-self]="$COVE sandbox --rootfs $W/r --userns self -- /bin/true"
    [bwrap]="bwrap --unshare-all --die-with-parent --new-session --ro-bind $W/r / --proc /proc --dev /dev --tmpfs /tmp --cap-drop ALL /bin/true"
)
ORDER=(cove bwrap cove-noseccomp cove-self)
for l in "${ORDER[@]}"; do # warm up, and fail early
    # shellcheck disable=SC2086
    as_user ${CMD[$l]} 2>/dev/null || { echo "sandbox.sh: $l failed: ${CMD[$l]}" >&2; exit 1; }
done
for ((r = 0; r < R; r++)); do
    if ((r % 2)); then order=(cove-self bwrap cove-noseccomp cove); else order=("${ORDER[@]}"); fi
    for l in "${order[@]}"; do
        # shellcheck disable=SC2086
        as_user "$W/lat" -q "$N" -- ${CMD[$l]} >> "$W/$l.raw" || { echo "sandbox.sh: $l: a start failed" >&2; exit 1; }
    done
done
stats() { # FILE -> median mean p99 (ms)
    awk '{ print $2 / 1000 }' "$1" | sort -n | awk '{ v[NR] = $1; s += $1 }
        END { k = int(NR * 0.99); if (k < 1) k = 1
              printf "%.2f %.2f %.2f", v[int((NR + 1) / 2)], s / NR, v[k] }'
}
read -r bmed _ _ <<<"$(stats "$W/bwrap.raw")"
printf '%-16s %8s %8s %8s %10s   (%d starts each, %d rounds, %s)\n' runtime median mean p99 "vs bwrap" \
    "$((N * R))" "$R" "$(uname -r)"
for l in "${ORDER[@]}"; do
    read -r med mean p99 <<<"$(stats "$W/$l.raw")"
    printf '%-16s %8s %8s %8s %9.2fx\n' "$l" "$med" "$mean" "$p99" "$(awk -v a="$med" -v b="$bmed" 'BEGIN { print a / b }')"
done
