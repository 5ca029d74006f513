#!/bin/bash
# bench/cgroup-limits.sh — what cgroup limits cost at container start:
# `RT run` of /bin/true with a bundle that has memory+cpu+pids limits vs the
# same bundle without them, for each runtime (default: cove runc crun), in
# one interleaved run (rounds rotate the order, so drift hits all alike).
#
# Usage: sudo bench/cgroup-limits.sh [-n N] [-r R] [--cgroup-view v1|host] [RUNTIME...]
#   -n N    sequential `run`s per runtime, variant and round (default 50)
#   -r R    rounds (default 5)
#   --cgroup-view v1 (default): in a private mount namespace, hide the
#           hybrid host's /sys/fs/cgroup/unified behind an empty tmpfs so
#           every runtime sees pure v1 (crun <= 1.8 refuses hybrid hosts
#           whose cgroup2 has a controller); host: leave the view as it is.
#   RUNTIME a binary path or name; "cove" means build/cove of this repo
#           (COVE=path overrides).
# Env: LIMIT (prebuilt timer) or LIMIT_SRC (limit.c, default
#      ../shared/tools/bench/limit.c beside the repo), BUSYBOX (static).
# Limits: memory 256 MiB (swap the same: no swap), cpu quota 50000/100000
# and shares 512, pids 100. Every runtime gets its own --root and cgroups
# under /<tag>/ (tag = cglim-<pid>); everything is removed at the end.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
die() { echo "cgroup-limits.sh: $*" >&2; exit 1; }

N=50 R=5 VIEW=v1
rts=()
while [ $# -gt 0 ]; do
    case $1 in
    -n) N=$2; shift 2 ;;
    -r) R=$2; shift 2 ;;
    --cgroup-view) VIEW=$2; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) rts+=("$1"); shift ;;
    esac
done
[ ${#rts[@]} -gt 0 ] || rts=(cove runc crun)
[ "$(id -u)" = 0 ] || die "must run as root"

if [ -z "${CGLIM_INNER:-}" ]; then
    W=$(mktemp -d "${TMPDIR:-/tmp}/cglim.XXXXXX")
    TAG="cglim-$$"
    cleanup() {
        local d
        for d in /sys/fs/cgroup/*/"$TAG" /sys/fs/cgroup/"$TAG"; do
            [ -d "$d" ] || continue
            find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
            [ -d "$d" ] && echo "cgroup-limits.sh: LEFTOVER cgroup $d" >&2
        done
        rm -rf "$W"
    }
    trap cleanup EXIT
    export CGLIM_INNER=1 CGLIM_W=$W CGLIM_TAG=$TAG
    args=(-n "$N" -r "$R" --cgroup-view "$VIEW")
    if [ "$VIEW" = v1 ]; then
        unshare -m --propagation private -- bash "$0" "${args[@]}" "${rts[@]}" </dev/null
    else
        bash "$0" "${args[@]}" "${rts[@]}" </dev/null
    fi
    exit $?
fi

W=$CGLIM_W TAG=$CGLIM_TAG
if [ "$VIEW" = v1 ] && [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
    umount -l /sys/fs/cgroup/unified
    mount -t tmpfs -o size=4m,mode=755 cglim-v1-view /sys/fs/cgroup/unified
fi

LIMIT=${LIMIT:-}
if [ -z "$LIMIT" ]; then
    src=${LIMIT_SRC:-$repo/../shared/tools/bench/limit.c}
    [ -f "$src" ] || die "no timer: set LIMIT or LIMIT_SRC (limit.c not found at $src)"
    LIMIT=$W/limit
    ${CC:-cc} -O2 -Wall -Wextra -o "$LIMIT" "$src"
fi

# rootfs: static busybox, one link per applet
BUSYBOX=${BUSYBOX:-$(command -v busybox)}
mkdir -p "$W/rootfs"/{bin,proc,sys,dev,tmp,etc}
cp "$BUSYBOX" "$W/rootfs/bin/busybox"
for a in true sh; do ln -s busybox "$W/rootfs/bin/$a"; done
runc spec --bundle "$W" 2>/dev/null || die "runc spec failed (runc is the reference for the default spec)"
jq --arg root "$W/rootfs" '.root.path = $root | .process.terminal = false | .process.args = ["/bin/true"]' \
    "$W/config.json" > "$W/base.json"

labels=() bins=()
for rt in "${rts[@]}"; do
    if [ "$rt" = cove ]; then b=${COVE:-$repo/build/cove}; else b=$(command -v "$rt" || true); fi
    [ -x "$b" ] || die "runtime $rt not found ($b)"
    l=$(basename "$rt")
    labels+=("$l"); bins+=("$(readlink -f "$b")")
    mkdir -p "$W/state/$l"
    for v in plain limits; do
        mkdir -p "$W/b/$l-$v"
        f='.linux.cgroupsPath = $cg'
        [ $v = limits ] && f="$f"' | .linux.resources.memory = {limit: 268435456, swap: 268435456}
            | .linux.resources.cpu = {quota: 50000, period: 100000, shares: 512}
            | .linux.resources.pids = {limit: 100}'
        jq --arg cg "/$TAG/$l-$v" "$f" "$W/base.json" > "$W/b/$l-$v/config.json"
    done
done

echo "cgroup-limits.sh: N=$N rounds=$R; kernel $(uname -r), $(nproc) CPUs; cgroups: $(stat -f -c %T /sys/fs/cgroup) (view $VIEW)"
for i in "${!labels[@]}"; do echo "  ${labels[$i]} = ${bins[$i]} ($("${bins[$i]}" --version 2>/dev/null | head -1))"; done

RES=$W/results
: > "$RES"
entries=()
for l in "${labels[@]}"; do entries+=("$l:plain" "$l:limits"); done
bin_of() { local i; for i in "${!labels[@]}"; do [ "${labels[$i]}" = "$1" ] && echo "${bins[$i]}"; done; return 0; }
# warm-up
for e in "${entries[@]}"; do
    l=${e%%:*} v=${e#*:}
    "$LIMIT" -x -n 2 -- "$(bin_of "$l")" --root "$W/state/$l" run --bundle "$W/b/$l-$v" "w-$v-%i" >/dev/null 2>>"$W/err" ||
        { echo "  ! $e: warm-up failed:" >&2; tail -3 "$W/err" >&2; }
done
ne=${#entries[@]}
for ((r = 1; r <= R; r++)); do
    echo "round $r/$R ..."
    for ((k = 0; k < ne; k++)); do
        e=${entries[$(((k + r) % ne))]}
        l=${e%%:*} v=${e#*:}
        out=$("$LIMIT" -x -n "$N" -- "$(bin_of "$l")" --root "$W/state/$l" run --bundle "$W/b/$l-$v" "r$r-$v-%i" 2>>"$W/err") ||
            { echo "  ! $e round $r: failures" >&2; tail -3 "$W/err" >&2; }
        echo "round=$r rt=$l variant=$v $out" >> "$RES"
    done
done

echo
awk -v R="$R" -v N="$N" '
function med(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j+1] = a[j]; a[j+1] = t }
    return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
{
    delete f
    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    if (f["fail"] > 0) { FAIL[f["rt"]] = 1; next }
    V[f["rt"], f["variant"], f["round"]] = f["median_ms"]
    if (!(f["rt"] in SEEN)) { SEEN[f["rt"]] = 1; order[++nr] = f["rt"] }
}
END {
    printf "%-8s %12s %12s %12s %14s\n", "runtime", "plain ms", "limits ms", "cost ms", "limits vs crun"
    for (k = 1; k <= nr; k++) {
        rt = order[k]; n1 = n2 = n3 = n4 = 0; delete p; delete q; delete d; delete c
        for (r = 1; r <= R; r++) {
            if ((rt, "plain", r) in V) p[++n1] = V[rt, "plain", r]
            if ((rt, "limits", r) in V) q[++n2] = V[rt, "limits", r]
            if ((rt, "plain", r) in V && (rt, "limits", r) in V) d[++n3] = V[rt, "limits", r] - V[rt, "plain", r]
            if ((rt, "limits", r) in V && ("crun", "limits", r) in V) c[++n4] = V[rt, "limits", r] / V["crun", "limits", r]
        }
        printf "%-8s %12s %12s %12s %14s%s\n", rt, n1 ? sprintf("%.2f", med(p, n1)) : "-", n2 ? sprintf("%.2f", med(q, n2)) : "-",
            n3 ? sprintf("%+.2f", med(d, n3)) : "-", n4 ? sprintf("%.2fx", med(c, n4)) : "-", (rt in FAIL) ? "  FAILED (some runs)" : ""
    }
    printf "\nms: per-container median of %d sequential `run /bin/true` per round, median over %d rounds.\n", N, R
    printf "cost: median over rounds of (limits - plain) in the same round; vs crun: median of per-round ratios.\n"
}' "$RES"
# every container was run to completion by `run`; anything left is a bug
for i in "${!labels[@]}"; do
    left=$("${bins[$i]}" --root "$W/state/${labels[$i]}" list -q 2>/dev/null || true)
    [ -z "$left" ] || echo "cgroup-limits.sh: ${labels[$i]} left containers: $left" >&2
done
