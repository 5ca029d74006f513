# tests/integration/lib.sh — sourced by every tests/integration/test_*.sh.
#
# A test file defines functions named t_<behaviour> and ends with
# `run_cases`; each case runs in its own subshell (so `fail` ends only that
# case), in definition order. `CASES=regex bash test_x.sh` runs a subset.
#
# Isolation (../../shared/STYLE.md §7): every test file gets
#   TEST_TMP   a private temp dir (bundles, logs, captured output); inside
#              a case it is that case's own subdirectory
#   ROOT       its own --root for the runtime ($TEST_TMP/root)
#   CG_PARENT  its own cgroup parent "/cove-test-$$"
#   ID_PREFIX  a container id prefix; cid NAME -> "$ID_PREFIX-NAME"
# and an EXIT trap that force-deletes every container under ROOT, rmdirs
# every /sys/fs/cgroup/*/cove-test-$$ (deepest first), checks that no mount
# under TEST_TMP and no process rooted in TEST_TMP is left, removes TEST_TMP,
# and fails the test (exit 1) if anything had to be cleaned up the hard way.
#
# Environment: COVE (runtime binary; any runc-compatible runtime works, which
# is how these tests are checked against runc/crun), COVE_TIMEOUT (seconds a
# single runtime command may take, default 60), KEEP_TMP=1 (keep TEST_TMP).
# Exit codes: 0 pass, 1 fail, 77 skip (tests/CMakeLists.txt sets
# SKIP_RETURN_CODE 77).
# shellcheck shell=bash

set -euo pipefail

COVE=${COVE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/cove}
COVE_TIMEOUT=${COVE_TIMEOUT:-60}
TEST_NAME=$(basename "${BASH_SOURCE[1]:-$0}" .sh)

skip() { echo "SKIP: $TEST_NAME: $*"; exit 77; }

[ "$(id -u)" = 0 ] || skip "needs root"
for _t in jq timeout find; do
    command -v "$_t" >/dev/null || { echo "FAIL: $_t not installed (run scripts/setup)" >&2; exit 1; }
done
if ! command -v "$COVE" >/dev/null; then
    echo "FAIL: runtime binary COVE=$COVE not found (build first)" >&2
    exit 1
fi
COVE=$(command -v "$COVE")
BUSYBOX=${BUSYBOX:-$(command -v busybox || true)}
[ -n "$BUSYBOX" ] || { echo "FAIL: busybox not installed (apt-get install busybox-static)" >&2; exit 1; }
# the rootfs has no libc: a dynamically linked busybox (package "busybox")
# would fail with a confusing "no such file" at exec
if command -v file >/dev/null && ! file -L "$BUSYBOX" | grep -q 'statically linked'; then
    echo "FAIL: $BUSYBOX is not statically linked (apt-get install busybox-static)" >&2; exit 1
fi

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cove-test-$TEST_NAME.XXXXXX")
ROOT="$TEST_TMP/root"
CG_PARENT="/cove-test-$$"
ID_PREFIX="ct$$"
ROOTFS_MARKER=".cove-test-rootfs-$$"
ROOTFS_TEMPLATE="$TEST_TMP/rootfs-template"
mkdir -p "$ROOT"

# ---------------------------------------------------------------- output
_red() { if [ -t 1 ]; then printf '\033[31m%s\033[0m' "$*"; else printf '%s' "$*"; fi; }

# fail MESSAGE... — fail the current case (or the file, outside a case).
fail() {
    {
        echo "$(_red FAIL): ${CASE_NAME:-$TEST_NAME}: $*"
        local i
        for ((i = 1; i < ${#FUNCNAME[@]} - 1; i++)); do
            case ${FUNCNAME[$i]} in assert_*|fail|_*) continue ;; esac
            echo "    at ${BASH_SOURCE[$i]##*/}:${BASH_LINENO[$((i - 1))]} (${FUNCNAME[$i]})"
            break
        done
    } >&2
    exit 1
}

# ERR trap inside a case: a command that failed outside any assertion.
_on_err() { echo "$(_red FAIL): $CASE_NAME: '$2' exited $1 at $3" >&2; }

note() { echo "    # $*"; }

# ---------------------------------------------------------------- runtime
# cove ARGS... — the runtime with this test's --root, bounded in time.
# stdin is /dev/null so a container never waits on the terminal.
cove() { timeout -k 5 "$COVE_TIMEOUT" "$COVE" --root "$ROOT" "$@" </dev/null; }

cid() { echo "$ID_PREFIX-$1"; }

# ---------------------------------------------------------------- bundles
_abs() { case $1 in /*) echo "$1" ;; *) echo "$TEST_TMP/$1" ;; esac; }

# make_rootfs DIR — a busybox-static rootfs: /bin/busybox, one link per
# applet in /bin, /etc/passwd and /etc/group with root, nobody and a test
# user (1000:1000, also in groups 2000 and 3000).
make_rootfs() {
    local dir; dir=$(_abs "$1")
    if [ ! -d "$ROOTFS_TEMPLATE" ]; then
        local t="$ROOTFS_TEMPLATE" a
        mkdir -p "$t"/{bin,sbin,etc,proc,sys,dev,tmp,root,home/user,usr/bin,usr/sbin,var}
        chmod 1777 "$t/tmp"
        cp "$BUSYBOX" "$t/bin/busybox"
        # one process for all ~270 links: an exec per link costs minutes
        # under qemu TCG (tests/vm); perl-base is Essential on Debian
        # shellcheck disable=SC2046  # the applet list is meant to split
        perl -e 'my $d = shift; for (@ARGV) { next if $_ eq "busybox";
            symlink("busybox", "$d/$_") or die "symlink $d/$_: $!\n" }' "$t/bin" $("$BUSYBOX" --list)
        cat > "$t/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PW
        cat > "$t/etc/group" <<'GR'
root:x:0:
user:x:1000:
extra1:x:2000:user
extra2:x:3000:user
nogroup:x:65534:
GR
        echo cove-test > "$t/etc/hostname"
        : > "$t/$ROOTFS_MARKER"
    fi
    mkdir -p "$dir"
    cp -a "$ROOTFS_TEMPLATE/." "$dir/"
}

# make_bundle DIR [ARG...] — DIR (relative: under TEST_TMP) gets rootfs/ and
# a config.json from `$COVE spec` (or `runc spec` if that fails), edited:
# terminal=false, process.args=ARGS (default: true), hostname "cove-test",
# linux.cgroupsPath="$CG_PARENT/<basename DIR>". Everything else keeps the
# spec's defaults (root.readonly=true, 5 namespaces, masked/readonly paths).
make_bundle() {
    local dir; dir=$(_abs "$1"); shift
    local args
    if [ $# -eq 0 ]; then set -- true; fi
    # one --arg per element: jq 1.6 would take "-c" after --args as its own
    # option, and mangles empty strings when splitting NUL-separated input
    local a; args='[]'
    for a in "$@"; do args=$(jq -c --arg a "$a" '. + [$a]' <<<"$args"); done
    mkdir -p "$dir"
    make_rootfs "$dir/rootfs"
    if ! "$COVE" spec --bundle "$dir" >/dev/null 2>"$TEST_TMP/spec.err" || [ ! -s "$dir/config.json" ]; then
        rm -f "$dir/config.json"
        command -v runc >/dev/null || fail "$COVE spec failed ($(cat "$TEST_TMP/spec.err")) and runc is not installed"
        runc spec --bundle "$dir" || fail "runc spec --bundle $dir failed"
    fi
    cfg_set "$dir" --argjson a "$args" --arg cg "$CG_PARENT/$(basename "$dir")" \
        '.process.terminal = false | .process.args = $a | .hostname = "cove-test"
         | .linux.cgroupsPath = $cg'
}

# cfg_set BUNDLE [JQ-OPTIONS...] FILTER — edit BUNDLE/config.json in place.
cfg_set() {
    local dir; dir=$(_abs "$1"); shift
    local f="$dir/config.json"
    jq "$@" "$f" > "$f.new" || fail "cfg_set: jq ${*: -1} failed on $f"
    mv "$f.new" "$f"
}

# cfg_get BUNDLE FILTER — read from BUNDLE/config.json.
cfg_get() { jq -r "$2" "$(_abs "$1")/config.json"; }

# ---------------------------------------------------------------- running
# run_capture CMD... — run, leaving stdout in $OUT, stderr in $ERR, exit code
# in $RC. Output goes through files, never pipes: a created container
# inherits the runtime's stdio and would hold a pipe open.
run_capture() {
    local o="$TEST_TMP/.out" e="$TEST_TMP/.err"
    RC=0
    "$@" > "$o" 2> "$e" || RC=$?
    OUT=$(cat "$o"); ERR=$(cat "$e")
}

# ctr_run NAME BUNDLE [RUN-FLAGS...] — `cove run` the bundle as container
# $(cid NAME); $OUT/$ERR/$RC as run_capture.
ctr_run() {
    local id; id=$(cid "$1"); local b; b=$(_abs "$2"); shift 2
    run_capture cove run --bundle "$b" "$@" "$id"
}

# ctr_create NAME BUNDLE [CREATE-FLAGS...] — `cove create`; the container's
# stdout/stderr go to $TEST_TMP/NAME.out / NAME.err (ctr_output reads them).
# Fails the case if create fails.
ctr_create() {
    local n=$1 id; id=$(cid "$1"); local b; b=$(_abs "$2"); shift 2
    RC=0
    cove create --bundle "$b" "$@" "$id" > "$TEST_TMP/$n.out" 2> "$TEST_TMP/$n.err" || RC=$?
    [ "$RC" = 0 ] || fail "create $id exited $RC: $(cat "$TEST_TMP/$n.err")"
}
ctr_output() { cat "$TEST_TMP/$1.out"; }

# ctr_state NAME [JQ-FILTER] — a field of `cove state` (default .status).
ctr_state() {
    local s
    s=$(cove state "$(cid "$1")" 2>/dev/null) || { echo "(state failed)"; return 0; }
    jq -r "${2:-.status}" <<<"$s"
}

# wait_status NAME STATUS [SECONDS] — poll state until STATUS (default 10s).
wait_status() {
    local n=$1 want=$2 secs=${3:-10} got i
    for ((i = 0; i < secs * 20; i++)); do
        got=$(ctr_state "$n")
        [ "$got" = "$want" ] && return 0
        sleep 0.05
    done
    fail "container $(cid "$n"): status '$got' after ${secs}s, expected '$want'"
}

# wait_file FILE [SECONDS] — poll until FILE is non-empty.
wait_file() {
    local i
    for ((i = 0; i < ${2:-10} * 20; i++)); do
        [ -s "$1" ] && return 0
        sleep 0.05
    done
    fail "$1 still empty after ${2:-10}s"
}

# wait_pid_gone PID [SECONDS] — until PID is gone or a zombie (default 5s).
wait_pid_gone() {
    local i st
    for ((i = 0; i < ${2:-5} * 20; i++)); do
        st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
        [ "$st" = Z ] && return 0
        sleep 0.05
    done
    fail "process $1 still alive after ${2:-5}s ($(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null))"
}

# ---------------------------------------------------------------- asserts
assert_eq() {   # EXPECTED ACTUAL [WHAT]
    [ "$1" = "$2" ] || fail "${3:-value}: expected '$1', got '$2'"
}
assert_ne() {   # UNEXPECTED ACTUAL [WHAT]
    [ "$1" != "$2" ] || fail "${3:-value}: expected anything but '$1'"
}
assert_contains() {   # HAYSTACK NEEDLE [WHAT]
    case $1 in *"$2"*) ;; *) fail "${3:-output}: expected to contain '$2', got: '$1'" ;; esac
}
assert_not_contains() {   # HAYSTACK NEEDLE [WHAT]
    case $1 in *"$2"*) fail "${3:-output}: expected NOT to contain '$2', got: '$1'" ;; esac
}
assert_match() {   # STRING ERE [WHAT]
    [[ $1 =~ $2 ]] || fail "${3:-value}: expected to match /$2/, got '$1'"
}
# assert_exit CODE CMD... — CMD exits with CODE; $OUT/$ERR/$RC as run_capture.
assert_exit() {
    local want=$1; shift
    run_capture "$@"
    [ "$RC" = "$want" ] || fail "'$*': expected exit $want, got $RC
    stdout: $OUT
    stderr: $ERR"
}
# assert_ok CMD... — assert_exit 0.
assert_ok() { assert_exit 0 "$@"; }

# ---------------------------------------------------------------- leftovers
# _pids_in_tmp — pids whose root directory is one of this test's rootfs
# (each holds the marker file /$ROOTFS_MARKER; readlink of /proc/PID/root
# cannot tell after pivot_root, it says "/"), plus pids in our cgroups.
_pids_in_tmp() {
    local p
    {
        for p in /proc/[0-9]*; do
            [ -e "$p/root/$ROOTFS_MARKER" ] && echo "${p#/proc/}"
        done
        for p in $(_cgroups_of ""); do
            find "$p" -name cgroup.procs -exec cat {} + 2>/dev/null
        done
    } | sort -un
}
_mounts_in_tmp() { awk -v t="$TEST_TMP" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo; }
_cgroups_of() {   # NAME-under-CG_PARENT or empty for the whole parent
    local d
    # v1/hybrid: one per hierarchy; pure cgroup2: directly under the root
    for d in /sys/fs/cgroup/*/"${CG_PARENT#/}"${1:+/$1} /sys/fs/cgroup/"${CG_PARENT#/}"${1:+/$1}; do
        [ -d "$d" ] && echo "$d"
    done
    return 0
}

# assert_nothing_left [CGROUP-NAME] — after a failed create: no state under
# ROOT, no cgroup ($CG_PARENT/CGROUP-NAME, or anything below CG_PARENT when
# omitted), no mount under TEST_TMP, no process rooted in TEST_TMP.
assert_nothing_left() {
    local left
    left=$(_root_entries)
    [ -z "$left" ] || fail "state left under --root: $left"
    if [ -n "${1:-}" ]; then
        left=$(_cgroups_of "$1")
    else
        left=$(for d in $(_cgroups_of ""); do find "$d" -mindepth 1 -type d; done)
    fi
    [ -z "$left" ] || fail "cgroups left: $left"
    left=$(_mounts_in_tmp)
    [ -z "$left" ] || fail "mounts left: $left"
    left=$(_pids_in_tmp)
    [ -z "$left" ] || fail "processes left: $left ($(for p in $left; do tr '\0' ' ' < "/proc/$p/cmdline"; echo; done))"
}

# _root_entries — container dirs under ROOT. Dot-entries are the runtime's
# own shared caches (cove keeps .seccomp~cache there), not containers.
_root_entries() { ls "$ROOT" 2>/dev/null || true; }

# delete_all — force-delete every container under ROOT (between cases).
delete_all() {
    local id
    for id in $(_root_entries); do
        [ -d "$ROOT/$id" ] || continue
        COVE_TIMEOUT=15 cove delete --force "$id" >/dev/null 2>&1 || true
    done
}

_cleanup() {
    local rc=$? bad=0 id left p d i
    set +e
    trap - EXIT
    for id in $(_root_entries); do
        [ -d "$ROOT/$id" ] || continue
        note "cleanup: force-deleting leftover container $id"
        COVE_TIMEOUT=15 cove delete --force "$id" >/dev/null 2>&1 || echo "cleanup: delete --force $id failed" >&2
    done
    left=$(_root_entries)
    if [ -n "$left" ]; then echo "LEFTOVER: state under $ROOT after delete --force: $left" >&2; bad=1; fi
    # processes of containers we started: give delete a moment, then kill
    for ((i = 0; i < 20; i++)); do
        left=$(_pids_in_tmp); [ -z "$left" ] && break; sleep 0.1
    done
    if [ -n "$left" ]; then
        echo "LEFTOVER: processes rooted in $TEST_TMP: $left" >&2; bad=1
        for p in $left; do kill -9 "$p" 2>/dev/null; done
        sleep 0.2
    fi
    for d in $(_cgroups_of ""); do
        find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
        if [ -d "$d" ]; then echo "LEFTOVER: cgroup $d cannot be removed" >&2; bad=1; fi
    done
    left=$(_mounts_in_tmp)
    if [ -n "$left" ]; then
        echo "LEFTOVER: mounts under $TEST_TMP:" $left >&2; bad=1
        for p in $(sort -r <<<"$left"); do umount -l "$p" 2>/dev/null; done
    fi
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "kept $TEST_TMP"
    elif [ -z "$(_mounts_in_tmp)" ]; then
        rm -rf "$TEST_TMP"
    else
        echo "LEFTOVER: not removing $TEST_TMP (mounts still there)" >&2; bad=1
    fi
    [ "$bad" = 0 ] || rc=1
    exit "$rc"
}
trap _cleanup EXIT

# ---------------------------------------------------------------- driver
# run_cases — run every t_* function (definition order), each in a subshell;
# prints ok/FAIL per case and a summary; exits 1 if any case failed.
run_cases() {
    local names=() n rc failed=() passed=0 filter=${CASES:-}
    # definition order: extdebug makes declare -F print "name line file"
    mapfile -t names < <(shopt -s extdebug; for n in $(declare -F | awk '$3 ~ /^t_/ { print $3 }'); do
        declare -F "$n"; done | sort -k2,2n | awk '{ print $1 }')
    echo "== $TEST_NAME ($COVE)"
    for n in "${names[@]}"; do
        if [ -n "$filter" ] && ! [[ $n =~ $filter ]]; then continue; fi
        set +e
        # each case gets its own TEST_TMP below the file's one, so bundle
        # names can repeat across cases
        ( CASE_NAME=$n; TEST_TMP="$TEST_TMP/$n"; mkdir -p "$TEST_TMP"; set -eE; trap '_on_err $? "$BASH_COMMAND" "${BASH_SOURCE[0]##*/}:$LINENO"' ERR; "$n" )
        rc=$?
        set -e
        if [ "$rc" = 0 ]; then
            echo "ok   $n"; passed=$((passed + 1))
        elif [ "$rc" = 77 ]; then
            echo "skip $n"
        else
            echo "$(_red FAIL) $n"; failed+=("$n")
        fi
        delete_all
    done
    echo "== $TEST_NAME: $passed passed, ${#failed[@]} failed${failed:+: ${failed[*]}}"
    [ ${#failed[@]} -eq 0 ]
}

# skip_case MESSAGE — skip the current case (prints why).
skip_case() { echo "    skip: $*"; exit 77; }
