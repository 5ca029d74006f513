#!/bin/bash
# bench/systemd.sh — what the systemd cgroup driver costs: `RT --systemd-cgroup
# run` of /bin/true (a transient scope per container through D-Bus) for each
# runtime, interleaved round by round, next to the same runtime's cgroupfs
# `run` as the reference. Needs systemd as init on a pure cgroup v2 host:
# run it in the VM tier's systemd guest,
#   tests/vm/cove-vm --systemd -- bench/systemd.sh [options] RUNTIME...
# there (ratios only: the guest is emulated).
#
# Usage: bench/systemd.sh [-n N] [-r R] RUNTIME...   (default: build/cove runc)
#   -n N   sequential runs per runtime, driver and round (default 30)
#   -r R   rounds (default 3)
# Bundles: ../shared/tools/bench/make-bundle.sh's busybox bundle without a
# cgroupsPath, so each runtime uses its default unit (cove-<id>.scope,
# runc-<id>.scope in system.slice) with --systemd-cgroup, and
# /sdbench-<pid>/<rt>-<id> with cgroupfs. Timer: bench/lat.c.
# Output: median and p99 ms per container for each runtime and driver, the
# systemd/cgroupfs ratio of each runtime, and each runtime's systemd median
# against the last runtime's (runc by default). Everything is removed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
die() { echo "systemd.sh: $*" >&2; exit 1; }
N=30 R=3
rts=()
while [ $# -gt 0 ]; do
    case $1 in
    -n) N=$2; shift 2 ;;
    -r) R=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) rts+=("$1"); shift ;;
    esac
done
[ ${#rts[@]} -gt 0 ] || rts=("$repo/build/cove" runc)
[ "$(id -u)" = 0 ] || die "must run as root"
[ -d /run/systemd/system ] || die "systemd is not the init here (run it in tests/vm/cove-vm --systemd)"
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || die "needs a pure cgroup v2 host"
mb=$repo/../shared/tools/bench/make-bundle.sh
[ -x "$mb" ] || die "$mb not found"

W=$(mktemp -d "${TMPDIR:-/tmp}/sdbench.XXXXXX")
TAG="sdbench-$$"
cleanup() {
    local rt l id
    for l in "${labels[@]:-}"; do
        [ -n "$l" ] || continue
        for id in $("${bins[$l]}" --root "$W/root-$l" list -q 2>/dev/null); do
            "${bins[$l]}" --root "$W/root-$l" delete --force "$id" >/dev/null 2>&1 || true
        done
    done
    [ -d "/sys/fs/cgroup/$TAG" ] && find "/sys/fs/cgroup/$TAG" -depth -type d -exec rmdir {} \; 2>/dev/null
    [ -d "/sys/fs/cgroup/$TAG" ] && echo "systemd.sh: LEFTOVER cgroup /sys/fs/cgroup/$TAG" >&2
    left=$(systemctl list-units --all --no-legend --plain 'cove-sd*.scope' 'runc-sd*.scope' 2>/dev/null | awk '{print $1}')
    [ -n "$left" ] && echo "systemd.sh: LEFTOVER units: $left" >&2
    rm -rf "$W"
}
declare -A bins=()
labels=()
trap cleanup EXIT

${CC:-cc} -O2 -Wall -Wextra -o "$W/lat" "$here/lat.c"
"$mb" "$W/base" >/dev/null
# one rootfs for all, by absolute root.path (runc refuses a symlinked one)
jq --arg r "$W/base/rootfs" 'del(.linux.cgroupsPath) | .root.path = $r' "$W/base/config.json" > "$W/sd.json"
mkdir -p "$W/sd"
cp "$W/sd.json" "$W/sd/config.json"
for rt in "${rts[@]}"; do
    b=$(command -v "$rt") || die "runtime $rt not found"
    l=$(basename "$b"); bins[$l]=$b; labels+=("$l")
    mkdir -p "$W/fs-$l" "$W/root-$l"
    # cgroupfs: one cgroupsPath for all (each run is gone before the next)
    jq --arg p "/$TAG/$l" '.linux.cgroupsPath = $p' "$W/sd.json" > "$W/fs-$l/config.json"
done

: > "$W/raw"
for ((r = 1; r <= R; r++)); do
    for l in "${labels[@]}"; do
        for drv in sd fs; do
            if [ $drv = sd ]; then
                args=("${bins[$l]}" --systemd-cgroup --root "$W/root-$l" run --bundle "$W/sd" "sd$r-%i")
            else
                args=("${bins[$l]}" --root "$W/root-$l" run --bundle "$W/fs-$l" "fs$r-%i")
            fi
            "$W/lat" "$N" -- "${args[@]}" 2> "$W/err" | awk -v l="$l" -v d=$drv '{ print l, d, $2, $3 }' >> "$W/raw" ||
                echo "systemd.sh: $l $drv round $r: failures: $(sort -u "$W/err" | head -3)" >&2
        done
    done
done

awk -v ref="${labels[-1]}" '
    $4 != 0 { fail[$1" "$2]++; next }
    { k = $1" "$2; v[k, ++n[k]] = $3 / 1000 }
    function sortk(k,   i, j, t) { for (i = 2; i <= n[k]; i++) for (j = i; j > 1 && v[k, j-1] > v[k, j]; j--) { t = v[k, j]; v[k, j] = v[k, j-1]; v[k, j-1] = t } }
    function med(k) { return n[k] % 2 ? v[k, (n[k]+1)/2] : (v[k, n[k]/2] + v[k, n[k]/2+1]) / 2 }
    function p99(k,   i) { i = int(0.99 * n[k]); if (i < 0.99 * n[k]) i++; return v[k, i] }
    END {
        for (k in n) sortk(k)
        printf "%-10s %12s %12s %12s %12s %14s %12s\n", "runtime", "systemd med", "systemd p99", "cgroupfs med", "cgroupfs p99", "sd/cgroupfs", "sd vs " ref
        for (k in n) { split(k, a, " "); rt[a[1]] = 1 }
        for (r in rt) {
            s = r" sd"; f = r" fs"
            printf "%-10s %12.1f %12.1f %12.1f %12.1f %13.2fx %11.2fx%s\n", r, med(s), p99(s), med(f), p99(f), med(s) / med(f),
                med(s) / med(ref" sd"), (fail[s] + fail[f]) ? "  (" fail[s] + fail[f] " failed)" : ""
        }
    }' "$W/raw"
echo "ms per container; $N runs per runtime, driver and round, $R rounds, interleaved"
