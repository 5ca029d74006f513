#!/bin/bash
# density.sh — does starting a container get slower when many containers of
# the same runtime are alive? Any OCI runtime binaries side by side, in one
# interleaved run.
#
# Usage: sudo bench/density.sh [options] RUNTIME...
#   RUNTIME   a runtime binary (path, or name looked up on PATH): runc, crun,
#             /tmp/bdev/cove ...; its CLI must be runc-compatible (--root,
#             run, create --bundle, start, state, list -q, kill, delete --force)
# Options:
#   -a ALIVE    containers kept alive (`sleep 3600`) in the loaded phase (default 200)
#   -n N        sequential starts (`run` of /bin/true) per phase      (default 500)
#   -r R        rounds (each round: the idle phase of every runtime, then
#               for every runtime fill, loaded phase, drain; the order of
#               the runtimes rotates from round to round)             (default 1)
#   --cgroup-view v1|host
#               v1 (default): run everything in a private mount namespace in
#               which /sys/fs/cgroup/unified is replaced by an empty tmpfs,
#               so that on a hybrid host every runtime sees a pure v1
#               hierarchy (crun <= 1.8 refuses hybrid hosts whose cgroup2 has
#               a controller); on a pure v1 or pure v2 host it changes
#               nothing. host: the host's view as is.
#   --workdir D scratch directory (default: mktemp -d); removed afterwards
#   --keep      keep the scratch directory; the raw per-start latencies are
#               in D/raw.txt (round runtime phase iteration usec status)
# Env: LAT=prebuilt lat binary (else built from bench/lat.c with $CC or cc);
#      BUSYBOX=static busybox for the rootfs (see make-bundle.sh);
#      MAKE_BUNDLE=bundle maker (default: ../shared/tools/bench/make-bundle.sh
#      beside the repository, else /work/shared/tools/bench/make-bundle.sh).
#
# Measured, per runtime and round:
#   idle    no other container of that runtime alive: N `RT --root ROOT run
#           ID` of /bin/true, one after the other, each timed by lat (wall
#           time of the runtime process: create, start, exit, delete).
#   fill    ALIVE containers running `sleep 3600`, each `create --bundle B
#           ID` then `start ID` (timed as one step), stdio on /dev/null.
#   loaded  the same N sequential `run`s with those ALIVE containers alive.
#   drain   `kill ID KILL` then `delete --force ID` for every alive one.
# Every container has its own bundle directory (a config.json only; the
# busybox rootfs is shared through an absolute root.path) with its own
# linux.cgroupsPath /<tag>/<runtime>-<id> (tag = density-<pid>); every runtime
# has its own --root. All of it is removed at the end, also on Ctrl-C or
# failure; anything that could not be removed is reported as LEFTOVER.
#
# Output columns (latencies pooled over the rounds; statistics in awk):
#   idle med / idle p99      median and p99 of the idle starts, ms
#   loaded med / loaded p99  the same with ALIVE containers alive, ms
#   loaded/idle              loaded median / idle median
#   p99/med loaded           loaded p99 / loaded median (tail heaviness)
#   fill ms/ctr              mean create+start time per alive container
# p99 = the value at index ceil(0.99*n)-1 of the sorted list (0-based);
# median = the middle value (mean of the two middle ones for even n).
# A runtime with any failed start in a phase shows FAILED there.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
die() { echo "density.sh: $*" >&2; exit 1; }

ALIVE=200 N=500 R=1 VIEW=v1 WORKDIR="" KEEP=0
rts=()
while [ $# -gt 0 ]; do
    case "$1" in
        -a) ALIVE=$2; shift 2 ;;
        -n) N=$2; shift 2 ;;
        -r) R=$2; shift 2 ;;
        --cgroup-view) VIEW=$2; shift 2 ;;
        --workdir) WORKDIR=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,53p' "$0"; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) rts+=("$1"); shift ;;
    esac
done
[ ${#rts[@]} -gt 0 ] || die "usage: density.sh [options] RUNTIME... (see --help)"
[ "$(id -u)" = 0 ] || die "must run as root"
case "$VIEW" in v1|host) ;; *) die "--cgroup-view must be v1 or host" ;; esac
for v in "$ALIVE" "$N" "$R"; do
    [[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -gt 0 ] || die "-a, -n and -r take positive integers"
done

# ours_alive TAG PID: PID is a live (not zombie) process in one of our own
# cgroups (/<tag>/...). A SIGKILLed container init is reparented to pid 1 and
# stays a zombie — still listed in its cgroup2 cgroup — until reaped there.
ours_alive() {
    local st
    grep -qF ":/$1/" "/proc/$2/cgroup" 2>/dev/null || return 1
    st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$2/status" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
# Kill the container processes recorded in $1 (lines: label id pid) that are
# still alive — only if /proc/PID/cgroup shows them in one of our own cgroups,
# so a recycled pid of somebody else is never touched — and wait up to 5 s
# for them to go. Says what it killed; LEFTOVER for what does not die.
kill_recorded_pids() {
    local file=$1 tag=$2 l id pid k
    local -a killed=() still
    [ -s "$file" ] || return 0
    while read -r l id pid; do
        [[ "$pid" =~ ^[0-9]+$ ]] && [ "$pid" -gt 1 ] || continue
        if ours_alive "$tag" "$pid" && kill -KILL "$pid" 2>/dev/null; then
            killed+=("$pid")
            echo "density.sh: killed pid $pid ($l container $id), still alive after kill + delete --force" >&2
        fi
    done < <(sort -u "$file")
    for ((k = 0; k < 50 && ${#killed[@]} > 0; k++)); do
        still=()
        for pid in "${killed[@]}"; do ours_alive "$tag" "$pid" && still+=("$pid"); done
        killed=("${still[@]+"${still[@]}"}")
        [ ${#killed[@]} -gt 0 ] && sleep 0.1
    done
    for pid in "${killed[@]+"${killed[@]}"}"; do
        echo "density.sh: LEFTOVER process $pid (in /$tag/)" >&2
    done
    return 0
}

# ---------------------------------------------------------------- outer part
if [ -z "${DENSITY_INNER:-}" ]; then
    for t in jq unshare sort; do
        command -v "$t" >/dev/null || die "$t not found"
    done
    if [ -z "$WORKDIR" ]; then WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/density-bench.XXXXXX");
    else mkdir -p "$WORKDIR"; fi
    WORKDIR=$(cd "$WORKDIR" && pwd)
    TAG="density-$$"
    outer_cleanup() {
        trap '' INT TERM HUP
        local left=0 d
        # backstop if the inner part could not clean up (e.g. it was
        # SIGKILLed): the runtimes' own delete --force, then recorded pids
        local l b id
        if [ -s "$WORKDIR/runtimes" ]; then
            while read -r l b; do
                for id in $(ls -1 "$WORKDIR/state/$l" 2>/dev/null); do
                    "$b" --root "$WORKDIR/state/$l" state "$id" 2>/dev/null |
                        jq -r --arg l "$l" '"\($l) \(.id) \(.pid)"' >> "$WORKDIR/pids" 2>/dev/null || true
                    "$b" --root "$WORKDIR/state/$l" delete --force "$id" </dev/null >/dev/null 2>&1 || true
                done
            done < "$WORKDIR/runtimes"
        fi
        kill_recorded_pids "$WORKDIR/pids" "$TAG"
        # cgroups: only those under our own tag, deepest first
        for d in /sys/fs/cgroup/*/"$TAG" /sys/fs/cgroup/"$TAG"; do
            [ -d "$d" ] || continue
            find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
            if [ -d "$d" ]; then echo "density.sh: LEFTOVER cgroup $d" >&2; left=1; fi
        done
        if grep -qF "$WORKDIR" /proc/self/mountinfo; then
            echo "density.sh: LEFTOVER mounts under $WORKDIR:" >&2
            grep -F "$WORKDIR" /proc/self/mountinfo | awk '{print "  " $5}' >&2
            left=1
        fi
        if [ -s "$WORKDIR/leftover" ]; then left=1; fi
        if [ "$KEEP" = 1 ]; then
            echo "kept: $WORKDIR (raw latencies: $WORKDIR/raw.txt)"
        else
            rm -rf "$WORKDIR" 2>/dev/null || true
            if [ -e "$WORKDIR" ]; then echo "density.sh: LEFTOVER $WORKDIR (not removable)" >&2; left=1; fi
        fi
        [ $left = 0 ] && echo "cleanup: no container, cgroup, mount or state left behind (tag $TAG)"
        echo "elapsed: ${SECONDS}s"
    }
    trap outer_cleanup EXIT
    # the trap runs only when the foreground inner part has finished (its own
    # cleanup included): bash defers traps while waiting for a command
    trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 129' HUP
    export DENSITY_INNER=1 DENSITY_WORKDIR="$WORKDIR" DENSITY_TAG="$TAG"
    args=(-a "$ALIVE" -n "$N" -r "$R" --cgroup-view "$VIEW")
    rc=0
    if [ "$VIEW" = v1 ]; then
        unshare -m --propagation private -- bash "$0" "${args[@]}" "${rts[@]}" </dev/null || rc=$?
    else
        bash "$0" "${args[@]}" "${rts[@]}" </dev/null || rc=$?
    fi
    exit $rc
fi

# ---------------------------------------------------------------- inner part
W=$DENSITY_WORKDIR TAG=$DENSITY_TAG
mkdir -p "$W/logs" "$W/state" "$W/b" "$W/raw"
: > "$W/pids"; : > "$W/leftover"; : > "$W/runtimes"

cgmode="unified" V1VIEW=0
if [ "$(stat -f -c %T /sys/fs/cgroup)" = tmpfs ]; then
    cgmode="v1"
    if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
        cgmode="hybrid (cgroup2 controllers: '$(cat /sys/fs/cgroup/unified/cgroup.controllers)')"
        if [ "$VIEW" = v1 ]; then
            # an empty private tmpfs in its place: with a bare unmount a
            # runtime's mkdirs/cgroup.procs writes there would land on the
            # host's /sys/fs/cgroup tmpfs as plain files
            # (crun still mkdirs and writes cgroup.procs there, one plain
            # file = one page per container, which its delete cannot rmdir:
            # hence the room, and tidy_view after each phase)
            umount -l /sys/fs/cgroup/unified
            mount -t tmpfs -o size=64m,mode=755 density-v1-view /sys/fs/cgroup/unified
            V1VIEW=1
            cgmode="$cgmode; unified hidden in a private mount ns => runtimes see pure v1"
        fi
    fi
fi

# entries: label|binary
labels=() bins=()
for rt in "${rts[@]}"; do
    b=$(command -v "$rt") || die "runtime $rt not found"
    b=$(readlink -f "$b")
    l=$(basename "$b"); base=$l; k=2
    while printf '%s\n' "${labels[@]+"${labels[@]}"}" | grep -qx "$l"; do l="$base$k"; k=$((k+1)); done
    labels+=("$l"); bins+=("$b")
    mkdir -p "$W/state/$l" "$W/b/$l"
    echo "$l $b" >> "$W/runtimes"
done

# Every container this runtime has in its --root (all of them are ours):
# `list -q`, and the state directory's entries in case list fails.
ids_of() {   # index
    local l=${labels[$1]} b=${bins[$1]}
    { "$b" --root "$W/state/$l" list -q 2>/dev/null || true
      ls -1 "$W/state/$l" 2>/dev/null || true; } | grep -v '^$' | sort -u || true
}
# record "label id pid" of the given containers (from `RT state ID` .pid)
record_pids() {   # index id...
    local i=$1 id; shift
    local l=${labels[$i]} b=${bins[$i]}
    for id in "$@"; do "$b" --root "$W/state/$l" state "$id" 2>/dev/null || true; done |
        jq -r --arg l "$l" 'select(.pid != null and .pid > 0) | "\($l) \(.id) \(.pid)"' >> "$W/pids" 2>/dev/null || true
}
inner_cleanup() {
    trap '' INT TERM HUP
    local i l b id
    local -a ids
    for i in "${!labels[@]}"; do
        l=${labels[$i]} b=${bins[$i]}
        mapfile -t ids < <(ids_of "$i")
        [ ${#ids[@]} -gt 0 ] || continue
        record_pids "$i" "${ids[@]}"
        for id in "${ids[@]}"; do
            "$b" --root "$W/state/$l" kill "$id" KILL </dev/null >/dev/null 2>&1 || true
            "$b" --root "$W/state/$l" delete --force "$id" </dev/null >/dev/null 2>&1 || true
        done
    done
    kill_recorded_pids "$W/pids" "$TAG"
    for i in "${!labels[@]}"; do
        l=${labels[$i]} b=${bins[$i]}
        mapfile -t ids < <(ids_of "$i")
        for id in "${ids[@]+"${ids[@]}"}"; do
            "$b" --root "$W/state/$l" delete --force "$id" </dev/null >/dev/null 2>&1 || true
            if "$b" --root "$W/state/$l" state "$id" >/dev/null 2>&1; then
                echo "density.sh: LEFTOVER $l container $id (root $W/state/$l)" | tee -a "$W/leftover" >&2
            fi
        done
    done
    # this namespace's own cgroup view (the private tmpfs on unified in v1 view)
    local d
    for d in /sys/fs/cgroup/*/"$TAG" /sys/fs/cgroup/"$TAG"; do
        [ -d "$d" ] && { find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true; }
    done
    if grep -qF "$W" /proc/self/mountinfo; then
        echo "density.sh: LEFTOVER mounts under $W (inner mount namespace)" | tee -a "$W/leftover" >&2
    fi
    return 0
}
trap inner_cleanup EXIT
trap 'exit 130' INT; trap 'exit 143' TERM; trap 'exit 129' HUP

# lat (the timer)
LAT=${LAT:-}
if [ -z "$LAT" ]; then
    LAT="$W/lat"
    ${CC:-cc} -O2 -Wall -Wextra -o "$LAT" "$here/lat.c"
fi

# bundles: one base (rootfs + /bin/true), a sleep variant sharing its rootfs
MAKE_BUNDLE=${MAKE_BUNDLE:-}
if [ -z "$MAKE_BUNDLE" ]; then
    for c in "$repo/../shared/tools/bench/make-bundle.sh" /work/shared/tools/bench/make-bundle.sh; do
        [ -x "$c" ] && { MAKE_BUNDLE=$c; break; }
    done
fi
[ -n "$MAKE_BUNDLE" ] && [ -x "$MAKE_BUNDLE" ] || die "make-bundle.sh not found (set MAKE_BUNDLE)"
"$MAKE_BUNDLE" "$W/base" >/dev/null
ROOTFS="$W/base/rootfs"
"$MAKE_BUNDLE" --rootfs-from "$ROOTFS" "$W/sleep" -- /bin/sleep 3600 >/dev/null
# templates: the cgroupsPath is filled in per container (bash substitution,
# no process per bundle)
PH='@DENSITY_CGROUPS_PATH@'
jq --arg root "$ROOTFS" --arg cg "$PH" '.root.path = $root | .linux.cgroupsPath = $cg' \
    "$W/base/config.json" > "$W/true.json"
jq --arg root "$ROOTFS" --arg cg "$PH" '.root.path = $root | .linux.cgroupsPath = $cg' \
    "$W/sleep/config.json" > "$W/sleep.json"
TMPL_true=$(cat "$W/true.json") TMPL_sleep=$(cat "$W/sleep.json")
[[ "$TMPL_true" == *"$PH"* && "$TMPL_sleep" == *"$PH"* ]] || die "bundle templates lack the cgroupsPath placeholder"

# mk_bundles LABEL PREFIX COUNT true|sleep: W/b/LABEL/PREFIX-K/config.json,
# K = 0..COUNT-1, cgroupsPath /TAG/LABEL-PREFIX-K (container id PREFIX-K)
mk_bundles() {
    local l=$1 p=$2 n=$3 kind=$4 k tmpl
    local -a dirs=()
    if [ "$kind" = true ]; then tmpl=$TMPL_true; else tmpl=$TMPL_sleep; fi
    for ((k = 0; k < n; k++)); do dirs+=("$W/b/$l/$p-$k"); done
    mkdir -p "${dirs[@]}"
    for ((k = 0; k < n; k++)); do
        printf '%s\n' "${tmpl//"$PH"/"/$TAG/$l-$p-$k"}" > "$W/b/$l/$p-$k/config.json"
    done
}
rm_bundles() { rm -rf "$W/b/$1/$2"-*; }
# tidy_view LABEL PREFIX: in the v1 view, remove what the runtime left of the
# finished containers LABEL-PREFIX-* on our own private tmpfs (not cgroups)
tidy_view() {
    [ "$V1VIEW" = 1 ] && [ "$(stat -f -c %T /sys/fs/cgroup/unified)" = tmpfs ] || return 0
    rm -rf /sys/fs/cgroup/unified/"$TAG"/"$1-$2"-* 2>/dev/null || true
}

# raw data: W/raw/LABEL.PHASE.rROUND (lat output: iteration usec status)
note_failures() {   # label phase round rawfile [quiet: no log to show]
    local nf
    nf=$(awk '$3 != 0' "$4" | wc -l)
    if [ "$nf" -gt 0 ]; then
        if [ -n "${5:-}" ]; then
            echo "  ! $1 $2 round $3: $nf of $(wc -l < "$4") failed" >&2
        else
            echo "  ! $1 $2 round $3: $nf of $(wc -l < "$4") failed; last errors:" >&2
            tail -3 "$W/logs/$1.err" | sed 's/^/      /' >&2
        fi
    fi
    return 0
}

phase_run() {   # index phase(idle|loaded) round
    local i=$1 ph=$2 r=$3
    local l=${labels[$i]} b=${bins[$i]} p out
    p="${ph:0:1}$r"                  # i1 / l1
    out="$W/raw/$l.$ph.r$r"
    mk_bundles "$l" "$p" "$N" true
    "$LAT" "$N" -- "$b" --root "$W/state/$l" run --bundle "$W/b/$l/$p-%i" "$p-%i" \
        > "$out" 2>> "$W/logs/$l.err" || true
    note_failures "$l" "$ph" "$r" "$out"
    rm_bundles "$l" "$p"; tidy_view "$l" "$p"
}

phase_fill() {   # index round
    local i=$1 r=$2
    local l=${labels[$i]} b=${bins[$i]} p="a$r" out st
    local -a ids=()
    out="$W/raw/$l.fill.r$r"; st="$W/state/$l"
    mk_bundles "$l" "$p" "$ALIVE" sleep
    # -q: the runtime's stdin/stdout/stderr — which `create` hands to the
    # container — are /dev/null, so no sleep holds a terminal or a log
    "$LAT" -q "$ALIVE" -- "$b" --root "$st" create --bundle "$W/b/$l/$p-%i" "$p-%i" \
        ';;' "$b" --root "$st" start "$p-%i" > "$out" 2>> "$W/logs/$l.err" || true
    mapfile -t ids < <(ids_of "$i")
    [ ${#ids[@]} -gt 0 ] && record_pids "$i" "${ids[@]}"
    if awk '$3 != 0 { f = 1 } END { exit !f }' "$out"; then
        note_failures "$l" fill "$r" "$out" quiet
        # lat -q dropped the runtime's message: one more create, its stderr
        # to the log, to show why (cleaned up with the others in the drain)
        mk_bundles "$l" "${p}x" 1 sleep
        "$b" --root "$st" create --bundle "$W/b/$l/${p}x-0" "${p}x-0" </dev/null >/dev/null 2>> "$W/logs/$l.err" || true
        echo "    diagnostic create: $(tail -1 "$W/logs/$l.err")" >&2
        record_pids "$i" "${p}x-0"
    fi
    local running
    running=$(for id in "${ids[@]+"${ids[@]}"}"; do "$b" --root "$st" state "$id" 2>/dev/null || true; done |
        jq -r 'select(.status == "running") | .id' | wc -l)
    echo "round=$r rt=$l alive=$running" >> "$W/alive.txt"
    echo "    $l: $running of $ALIVE containers running"
}

phase_drain() {   # index round
    local i=$1 r=$2
    local l=${labels[$i]} b=${bins[$i]} p="a$r" st id
    local -a ids=()
    st="$W/state/$l"
    "$LAT" -q "$ALIVE" -- "$b" --root "$st" kill "$p-%i" KILL ';;' "$b" --root "$st" delete --force "$p-%i" \
        > "$W/raw/$l.drain.r$r" 2>> "$W/logs/$l.err" || true
    # whatever is left (failed creates, the diagnostic one)
    mapfile -t ids < <(ids_of "$i")
    for id in "${ids[@]+"${ids[@]}"}"; do
        "$b" --root "$st" kill "$id" KILL </dev/null >/dev/null 2>&1 || true
        "$b" --root "$st" delete --force "$id" </dev/null >/dev/null 2>&1 || true
    done
    kill_recorded_pids "$W/pids" "$TAG"
    rm_bundles "$l" "$p"; rm_bundles "$l" "${p}x"
    tidy_view "$l" "$p"; tidy_view "$l" "${p}x"
}

echo "density.sh: runtimes: ${rts[*]}; alive=$ALIVE N=$N rounds=$R"
echo "cgroups: $cgmode"
echo "kernel $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!labels[@]}"; do
    echo "  ${labels[$i]} = ${bins[$i]} ($("${bins[$i]}" --version 2>/dev/null | head -1))"
done

# warm-up: a few of each, so page cache and binaries are hot (not counted)
for i in "${!labels[@]}"; do
    l=${labels[$i]}
    mk_bundles "$l" w 3 true
    "$LAT" 3 -- "${bins[$i]}" --root "$W/state/$l" run --bundle "$W/b/$l/w-%i" "w-%i" \
        > "$W/raw/$l.warm" 2>> "$W/logs/$l.err" || {
            echo "  ! $l: warm-up failed:" >&2; tail -3 "$W/logs/$l.err" | sed 's/^/      /' >&2; }
    rm_bundles "$l" w; tidy_view "$l" w
done

nl=${#labels[@]}
for ((r = 1; r <= R; r++)); do
    order=()
    for ((k = 0; k < nl; k++)); do order+=($(((k + r - 1) % nl))); done
    for i in "${order[@]}"; do
        echo "round $r/$R: ${labels[$i]} idle ($N starts) ... (load $(cut -d' ' -f1 /proc/loadavg))"
        phase_run "$i" idle "$r"
    done
    for i in "${order[@]}"; do
        echo "round $r/$R: ${labels[$i]} fill ($ALIVE), loaded ($N starts), drain ... (load $(cut -d' ' -f1 /proc/loadavg))"
        phase_fill "$i" "$r"
        phase_run "$i" loaded "$r"
        phase_drain "$i" "$r"
    done
done

# ---------------------------------------------------------------- summary
raw="$W/raw.txt"; : > "$raw"
for ((r = 1; r <= R; r++)); do
    for l in "${labels[@]}"; do
        for ph in idle fill loaded drain; do
            f="$W/raw/$l.$ph.r$r"
            [ -f "$f" ] && awk -v r="$r" -v l="$l" -v ph="$ph" '{ print r, l, ph, $0 }' "$f" >> "$raw"
        done
    done
done

# stats LABEL PHASE -> "n nfail median_us p99_us sum_us" (successful samples)
stats() {
    local nf
    nf=$(awk -v l="$1" -v ph="$2" '$2 == l && $3 == ph && $6 != 0' "$raw" | wc -l)
    awk -v l="$1" -v ph="$2" '$2 == l && $3 == ph && $6 == 0 { print $5 }' "$raw" | sort -n |
        awk -v nf="$nf" '{ v[n++] = $1; s += $1 }
            END {
                if (n == 0) { print 0, nf, "-", "-", 0; exit }
                med = (n % 2) ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
                k = 0.99 * n; c = int(k); if (c < k) c++       # ceil(0.99 n)
                print n, nf, med, v[c - 1], s
            }'
}

echo
printf '%-10s %10s %10s %10s %10s %12s %10s %10s\n' runtime "idle med" "idle p99" "loaded med" "loaded p99" "loaded/idle" "p99/med" "fill"
printf '%-10s %10s %10s %10s %10s %12s %10s %10s\n' "" ms ms ms ms median loaded "ms/ctr"
fails=()
for l in "${labels[@]}"; do
    read -r inn inf imed ip99 _ < <(stats "$l" idle)
    read -r ln lnf lmed lp99 _ < <(stats "$l" loaded)
    read -r fn fnf _ _ fsum < <(stats "$l" fill)
    alive_short=$(awk -v l="rt=$l" -v a="alive=$ALIVE" '$2 == l && $3 != a' "$W/alive.txt" 2>/dev/null | wc -l)
    cols=$(awk -v inn="$inn" -v inf="$inf" -v imed="$imed" -v ip99="$ip99" \
               -v ln="$ln" -v lnf="$lnf" -v lmed="$lmed" -v lp99="$lp99" \
               -v fn="$fn" -v fnf="$fnf" -v fsum="$fsum" -v short="$alive_short" 'BEGIN {
        iok = (inf == 0 && inn > 0); lok = (lnf == 0 && ln > 0 && short == 0); fok = (fnf == 0 && fn > 0 && short == 0)
        printf "%10s %10s %10s %10s %12s %10s %10s",
            iok ? sprintf("%.2f", imed / 1000) : "FAILED", iok ? sprintf("%.2f", ip99 / 1000) : "FAILED",
            lok ? sprintf("%.2f", lmed / 1000) : "FAILED", lok ? sprintf("%.2f", lp99 / 1000) : "FAILED",
            (iok && lok) ? sprintf("%.2fx", lmed / imed) : "-", lok ? sprintf("%.2fx", lp99 / lmed) : "-",
            fok ? sprintf("%.2f", fsum / fn / 1000) : "FAILED"
    }')
    printf '%-10s %s\n' "$l" "$cols"
    [ "$inf" = 0 ] || fails+=("$l idle: $inf of $((inn + inf)) starts failed")
    [ "$lnf" = 0 ] || fails+=("$l loaded: $lnf of $((ln + lnf)) starts failed")
    [ "$fnf" = 0 ] || fails+=("$l fill: $fnf of $((fn + fnf)) create+start failed")
    [ "$alive_short" = 0 ] || fails+=("$l fill: fewer than $ALIVE running in $alive_short round(s) (see alive.txt)")
done
echo
echo "idle/loaded: $N sequential \`run\` of /bin/true per round and runtime, pooled over $R round(s);"
echo "  loaded = with $ALIVE containers of the same runtime running \`sleep 3600\`. p99 = sorted[ceil(0.99 n)-1]."
echo "fill: mean wall ms of \`create\` + \`start\` per alive container (sequential, while the others accumulate)."
for ((r = 1; r <= R; r++)); do
    line=""
    for l in "${labels[@]}"; do
        f="$W/raw/$l.drain.r$r"
        [ -s "$f" ] && line+=$(awk -v l="$l" '$3 == 0 { s += $2; n++ } END { if (n) printf "  %s %.2f", l, s / n / 1000 }' "$f")
    done
    [ -n "$line" ] && echo "drain (kill KILL + delete --force), ms/ctr, round $r:$line"
done
for f in "${fails[@]+"${fails[@]}"}"; do
    l=${f%% *}
    echo "FAILED: $f; last error: $(grep -v '^$' "$W/logs/$l.err" 2>/dev/null | tail -1)"
done
