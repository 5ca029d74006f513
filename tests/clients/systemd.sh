#!/bin/bash
# tests/clients/systemd.sh — cove's systemd cgroup driver (--systemd-cgroup)
# under the real clients configured for systemd, each compared with runc
# driving the same client the same way. Runs where systemd is PID 1 on a
# pure cgroup v2 hierarchy (the VM tier's systemd guest):
#
#     tests/vm/cove-vm --systemd -- bash tests/clients/systemd.sh
#
# and skips (77) anywhere else. The clients, all private as in podman.sh,
# containerd.sh and docker.sh (state under CL_TMP, own sockets, no network):
# - podman: cgroup_manager = "systemd" (containers.conf and
#   --cgroup-manager systemd); conmon passes --systemd-cgroup; the
#   container is machine.slice:libpod:<id> -> libpod-<id>.scope.
# - containerd 1.6 + io.containerd.runc.v2: the shim's runc options
#   BinaryName = <wrapper> and SystemdCgroup = true. With the CRI plugin
#   disabled, containerd's config has no say in them: ctr sets exactly these
#   two options per container (--runc-binary, --runc-systemd-cgroup, which
#   requires --cgroup in systemd form: system.slice:cove-test:<id> ->
#   cove-test-<id>.scope).
# - dockerd: --exec-opt native.cgroupdriver=systemd and --add-runtime
#   cove=<wrapper> (and refrunc=<runc wrapper>); dockerd sets SystemdCgroup
#   in the shim's options; system.slice:docker:<id> -> docker-<id>.scope.
# Each client runs the same checks with cove and then with runc
# ($RUNC, default /usr/sbin/runc; RUNC= or RUNC=none skips the reference): output and
# exit code of run --rm, no unit left by it, a --cgroup-parent slice two
# levels deep; then a detached container: the cgroupsPath the client wrote,
# the scope (active, Delegate, slice), each limit both in the scope's cgroup
# file and as the unit's property (memory, swap, pids, cpu quota, weight,
# cpuset, an org.systemd.property.* annotation), exec in the scope, update,
# pause/unpause (cgroup.freeze), restart (the same unit name again), and no
# unit and no cgroup left after removal. podman adds --privileged,
# --pids-limit -1, linux.resources.unified (--cgroup-conf) and a
# `systemctl daemon-reload`, after which systemd rewrites the cgroup from
# the unit's properties. Only cove's failures fail the suite; runc's are
# notes (the client or the guest, not cove, is then the odd one). A table
# at the end puts the two side by side ('<<': they differ); each client's
# time is printed (about 3.5 min in all under TCG on a quiet 2-CPU host,
# twice that on a loaded one).
#
# Every runtime call goes through an argv-logging wrapper per client and
# runtime ($CL_TMP/<client>-<runtime>.log, kept with KEEP_TMP=1).
# SYSTEMD_CLIENTS="podman containerd docker" (the default) picks the clients.
source "$(dirname "$0")/lib.sh"

[ -d /run/systemd/system ] || skip "systemd is not PID 1's init here (no /run/systemd/system): run it in tests/vm/cove-vm --systemd"
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || skip "/sys/fs/cgroup is not cgroup2fs (the systemd driver is cgroup v2 only)"
command -v systemctl >/dev/null || skip "systemctl not installed"
command -v jq >/dev/null || skip "jq not installed (scripts/setup)"

RUNC=${RUNC-/usr/sbin/runc}
[ "$RUNC" = none ] && RUNC=   # "none": the VM's environment drops empty variables
RTS=(cove)
if [ -n "$RUNC" ] && [ -x "$RUNC" ]; then
    RTS+=(runc)
else
    echo "# no runc reference (RUNC=${RUNC:-<empty>}): cove only"
fi
CLIENTS=${SYSTEMD_CLIENTS:-podman containerd docker}
TMO=${SYSTEMD_CLIENT_TIMEOUT:-90}   # seconds, any one client command
to() { timeout -k 5 "$TMO" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
secs() { printf '%d.%d' $(($1 / 1000)) $((($1 % 1000) / 100)); }   # ms -> "S.d"

make_rootfs_tar "$CL_TMP/rootfs.tar"

# ------------------------------------------------------------ results
# CLIENT and RT (cove|runc) say whose check it is. cove's results go through
# ok/bad (lib.sh: counted); runc's are printed, never counted.
CLIENT='' RT=''
declare -A RES=() SEEN=() TIMES=()
ROWS=()
r_result() {   # r_result NAME 0|1 [DETAIL] (DETAIL: one line, 300 chars at most)
    local key="$CLIENT|$1" d=${3:-}
    d=${d//$'\n'/ \\n }
    [ "${#d}" -le 300 ] || d="${d:0:300}..."
    set -- "$1" "$2" "$d"
    [ -n "${SEEN[$key]:-}" ] || { SEEN[$key]=1; ROWS+=("$key"); }
    if [ "$2" = 0 ]; then RES[$key|$RT]=ok; else RES[$key|$RT]=FAIL; fi
    if [ "$RT" = cove ]; then
        if [ "$2" = 0 ]; then ok "cove/$CLIENT: $1"; else bad "cove/$CLIENT: $1${3:+: $3}"; fi
    elif [ "$2" = 0 ]; then
        echo "ok - runc/$CLIENT: $1 (reference)"
    else
        echo "note - runc/$CLIENT: $1 failed (reference)${3:+: $3}"
    fi
}
r_eq() { if [ "$2" = "$3" ]; then r_result "$1" 0; else r_result "$1" 1 "got '$2', want '$3'"; fi; }
r_rc() { if [ "$2" = 0 ]; then r_result "$1" 0; else r_result "$1" 1 "exit $2: $3"; fi; }   # r_rc NAME RC OUTPUT
r_check() { local n=$1; shift; if "$@"; then r_result "$n" 0; else r_result "$n" 1 "false: $*"; fi; }
client_skip() {   # client_skip REASON — the whole client, both runtimes
    echo "skip - $CLIENT: $1"
    SEEN["$CLIENT|(skipped)"]=1; ROWS+=("$CLIENT|(skipped)")
    RES["$CLIENT|(skipped)|cove"]=skip; RES["$CLIENT|(skipped)|runc"]=skip
}

runtime_bin() { if [ "$1" = cove ]; then echo "$COVE"; else echo "$RUNC"; fi; }
# wrap_for CLIENT RT — the logging wrapper (made once) of RT for CLIENT
wrap_for() {
    local w="$CL_TMP/$1-$2-wrap"
    [ -x "$w" ] || make_wrapper "$w" "$(runtime_bin "$2")" "$CL_TMP/$1-$2.log"
    echo "$w"
}
log_of() { echo "$CL_TMP/$CLIENT-$RT.log"; }

# ------------------------------------------------------------ shared checks
cg_of_pid() { sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null; }

# The linux.cgroupsPath the client gave the runtime: from the create call's
# --bundle in the argv log (read while the bundle exists).
cgroups_path_of() {   # cgroups_path_of ID
    local b
    b=$(grep -e "^argv: .* create .*$1" "$(log_of)" | grep -o -e '--bundle [^ ]*' | head -1 | cut -d' ' -f2)
    [ -n "$b" ] && jq -r '.linux.cgroupsPath // ""' "$b/config.json" 2>/dev/null
}

# unit_props UNIT — PROPS[NAME]: the unit's properties the checks read, in
# one systemctl call (each one costs under TCG)
declare -A PROPS=()
PROP_NAMES=ActiveState,Delegate,Slice,MemoryMax,MemoryLow,MemorySwapMax,TasksMax,CPUQuotaPerSecUSec,CPUWeight
PROP_NAMES+=,AllowedCPUs,TimeoutStopUSec
unit_props() {
    local k v
    PROPS=()
    while IFS='=' read -r k v; do
        [ -n "$k" ] && PROPS[$k]=$v
    done <<<"$(systemctl show -p "$PROP_NAMES" -- "$1" 2>/dev/null)"
}
# limit CGROUP [PREFIX] FILE WANT PROPERTY PWANT — a limit in the scope's
# cgroup file and as the unit's property (PROPS: unit_props first); check
# names PREFIXFILE and PREFIXPROPERTY_property
limit() {
    local cg=$1 pre=
    case $2 in *_) pre=$2; shift ;; esac
    r_eq "$pre$2" "$(cat "/sys/fs/cgroup$cg/$2" 2>&1)" "$3"
    r_eq "$pre${4}_property" "${PROPS[$4]-(no such property)}" "$5"
}
# scope_checks CGROUP WANT_CGROUP SLICE — the running container's cgroup is
# the scope; systemd has it, active, delegated, in SLICE (and PROPS is set)
scope_checks() {
    r_eq cgroup_is_the_scope "$1" "$2"
    unit_props "${2##*/}"
    r_eq scope_active "${PROPS[ActiveState]-}" active
    r_eq scope_delegate "${PROPS[Delegate]-}" yes
    r_eq scope_slice "${PROPS[Slice]-}" "$3"
}
# reload_check CGROUP FILE=VALUE... — systemd re-applies a unit's
# properties to its cgroup on daemon-reload: a limit the runtime wrote to a
# file but did not give systemd as a property is lost then. (A reload costs
# ~4 s under TCG: podman's pass only, which has the most limits and
# linux.resources.unified; elsewhere the *_property checks say the same.)
reload_check() {
    local cg=$1 kv got=() want=() t0
    shift
    t0=$(now_ms)
    systemctl daemon-reload
    RELOAD_MS=$((RELOAD_MS + $(now_ms) - t0))
    for kv in "$@"; do
        want+=("$kv")
        got+=("${kv%%=*}=$(cat "/sys/fs/cgroup$cg/${kv%%=*}" 2>&1)")
    done
    r_eq limits_kept_on_daemon_reload "${got[*]}" "${want[*]}"
}
RELOAD_MS=0
# units_left PATTERN... — the units systemd still has of these names
units_left() { systemctl list-units --all --plain --no-legend "$@" 2>&1; }
# frozen CGROUP — cgroup.events' frozen value
frozen() { sed -n 's/^frozen //p' "/sys/fs/cgroup$1/cgroup.events" 2>&1; }

# In an exec: is cat's cgroup (the exec's) the init's? Seen from inside, so
# it holds with or without a cgroup namespace.
# shellcheck disable=SC2016
EXEC_SAME_CG='a=$(cat /proc/self/cgroup); b=$(cat /proc/1/cgroup); [ "$a" = "$b" ] && echo same || echo "exec in $a, init in $b"'

# gone_checks CGROUP — after removal: no unit (systemd collects an empty
# scope asynchronously: up to 5 s) and no cgroup directory
gone_checks() {
    local cg=$1 unit=${1##*/} i left
    for ((i = 0; i < 50; i++)); do
        left=$(systemctl list-units --all --plain --no-legend "$unit" 2>/dev/null)
        [ -z "$left" ] && [ ! -e "/sys/fs/cgroup$cg" ] && break
        sleep 0.1
    done
    r_eq no_unit_left "$left" ""
    r_check no_cgroup_left test ! -e "/sys/fs/cgroup$cg"
}

# argv_checks — the client passed --systemd-cgroup on create; every call
# but a failing create succeeded
argv_checks() {
    local log; log=$(log_of)
    r_check argv_systemd_cgroup_on_create grep -qE -e '^argv: (.* )?--systemd-cgroup .*create ' "$log"
    local failed; failed=$(grep '^rc=[1-9]' "$log" 2>/dev/null | grep -v ' create ' | head -3)
    r_eq lifecycle_calls_succeed "$failed" ""
}

# ------------------------------------------------------------ podman
PB=()
podman_setup() {
    command -v podman >/dev/null || { client_skip "podman not installed"; return 1; }
    command -v conmon >/dev/null || { client_skip "conmon not installed"; return 1; }
    # default_ulimits: see podman.sh; netns none: no CNI in a test
    cat >"$CL_TMP/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"

[engine]
cgroup_manager = "systemd"
events_logger = "file"
runtime = "cove"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "cove"]

[engine.runtimes]
cove = ["$(wrap_for podman cove)"]
runc = ["$(wrap_for podman runc)"]
EOF
    export CONTAINERS_CONF="$CL_TMP/containers.conf"
    PB=(podman --root "$CL_TMP/store" --runroot "$CL_TMP/run" --tmpdir "$CL_TMP/ptmp"
        --storage-driver vfs --cgroup-manager systemd --events-backend file)
    PIMG=localhost/cove-test-bb:latest
    to "${PB[@]}" import -q "$CL_TMP/rootfs.tar" "$PIMG" >/dev/null || { client_skip "podman import failed"; return 1; }
}
podman_cleanup() {
    [ ${#PB[@]} -gt 0 ] || return 0
    to "${PB[@]}" rm -af -t 0 >/dev/null 2>&1
    to "${PB[@]}" system reset -f >/dev/null 2>&1
    PB=()
}
podman_pass() {
    local P=("${PB[@]}" --runtime "$RT") out id st cg
    local RUN=("${P[@]}" run --network none)
    out=$(to "${RUN[@]}" --rm "$PIMG" echo hello 2>&1)
    r_eq run_output "$out" hello
    to "${RUN[@]}" --rm "$PIMG" sh -c 'exit 3' >/dev/null 2>&1
    r_eq exit_code "$?" 3
    r_eq run_rm_leaves_no_unit "$(units_left 'libpod-*')" ""
    # podman's --privileged devices carry their file type in fileMode (S_IFCHR|0600)
    out=$(to "${RUN[@]}" --rm --privileged "$PIMG" echo hello 2>&1)
    r_eq privileged_run "$out" hello
    # --pids-limit -1 ("unlimited") is pids.limit 0 in podman 4.3's spec:
    # cove reads 0 as max (docs/cgroups.md) and sends TasksMax=infinity;
    # runc 1.1 sends nothing and the scope keeps systemd's DefaultTasksMax
    # (a note for runc). The container sees its scope's cgroup as /sys/fs/cgroup.
    out=$(to "${RUN[@]}" --rm --pids-limit -1 "$PIMG" cat /sys/fs/cgroup/pids.max 2>&1)
    r_eq pids_limit_unlimited "$out" max
    # a slice of our own, two levels deep: systemd makes both
    out=$(to "${RUN[@]}" --rm --cgroupns host --cgroup-parent covet-sub.slice "$PIMG" cat /proc/self/cgroup 2>&1)
    r_check cgroup_parent_nested_slice bash -c '[[ $0 =~ ^0::/covet.slice/covet-sub.slice/libpod-[0-9a-f]{64}.scope$ ]]' "$out"

    id=$(to "${RUN[@]}" -d --name "det-$RT" --memory 64m --pids-limit 50 --cpus 0.5 --cpu-shares 512 \
         --cpuset-cpus 0 --annotation 'org.systemd.property.TimeoutStopUSec=uint64 123000000' \
         --cgroup-conf memory.low=1048576 "$PIMG" \
         sh -c 'trap "exit 0" TERM; sleep 1000 & wait' 2>&1)
    r_check run_detached [ "${#id}" = 64 ]
    st=$(to "${P[@]}" inspect -f '{{.State.Status}} {{.State.Pid}}' "det-$RT" 2>&1)
    r_eq inspect_running "${st% *}" running
    cg=$(cg_of_pid "${st##* }")
    [ -n "$cg" ] || cg=/machine.slice/libpod-$id.scope
    r_eq cgroups_path "$(cgroups_path_of "$id")" "machine.slice:libpod:$id"
    scope_checks "$cg" "/machine.slice/libpod-$id.scope" machine.slice
    limit "$cg" memory.max 67108864 MemoryMax 67108864
    limit "$cg" memory.swap.max 67108864 MemorySwapMax 67108864   # podman: --memory-swap defaults to 2x --memory
    limit "$cg" pids.max 50 TasksMax 50
    limit "$cg" cpu.max "50000 100000" CPUQuotaPerSecUSec 500ms
    limit "$cg" cpu.weight 20 CPUWeight 20
    limit "$cg" cpuset.cpus 0 AllowedCPUs 0
    # linux.resources.unified (podman --cgroup-conf): runc gives systemd
    # those it has a property for (memory.*, pids.max, cpu.max, cpu.weight, cpuset.*)
    limit "$cg" unified_ memory.low 1048576 MemoryLow 1048576
    r_eq annotation_property "${PROPS[TimeoutStopUSec]-}" "2min 3s"
    reload_check "$cg" memory.max=67108864 memory.swap.max=67108864 memory.low=1048576 pids.max=50 \
        "cpu.max=50000 100000" cpu.weight=20 cpuset.cpus=0
    r_eq exec_output "$(to "${P[@]}" exec "det-$RT" echo in-exec 2>&1)" in-exec
    r_eq exec_in_the_scope "$(to "${P[@]}" exec "det-$RT" sh -c "$EXEC_SAME_CG" 2>&1)" same
    # podman 4.3's update has no --pids-limit
    out=$(to "${P[@]}" update --memory 128m --memory-swap 256m "det-$RT" 2>&1)
    r_rc update "$?" "$out"
    unit_props "${cg##*/}"
    limit "$cg" update_ memory.max 134217728 MemoryMax 134217728
    limit "$cg" update_ memory.swap.max 134217728 MemorySwapMax 134217728
    to "${P[@]}" pause "det-$RT" >/dev/null 2>&1
    r_eq pause_frozen "$(frozen "$cg")" 1
    to "${P[@]}" unpause "det-$RT" >/dev/null 2>&1
    r_eq unpause_thawed "$(frozen "$cg")" 0
    # restart: the same unit name again (the old scope must be gone)
    to "${P[@]}" restart -t 5 "det-$RT" >/dev/null 2>&1
    st=$(to "${P[@]}" inspect -f '{{.State.Status}} {{.State.Pid}}' "det-$RT" 2>&1)
    r_eq restart "${st% *}" running
    r_eq restart_in_the_scope "$(cg_of_pid "${st##* }") $(systemctl is-active "${cg##*/}" 2>&1)" "$cg active"
    to "${P[@]}" stop -t 5 "det-$RT" >/dev/null 2>&1
    r_eq stop "$(to "${P[@]}" inspect -f '{{.State.Status}}' "det-$RT" 2>&1)" exited
    to "${P[@]}" rm "det-$RT" >/dev/null 2>&1
    r_check rm bash -c '! "$@" container exists "$0"' "det-$RT" "${P[@]}"
    gone_checks "$cg"
    r_eq no_libpod_unit_left "$(units_left 'libpod-*')" ""
    argv_checks
}

# ------------------------------------------------------------ containerd
containerd_setup() {
    command -v containerd >/dev/null || { client_skip "containerd not installed"; return 1; }
    command -v ctr >/dev/null || { client_skip "ctr not installed"; return 1; }
    command -v containerd-shim-runc-v2 >/dev/null || { client_skip "containerd-shim-runc-v2 not installed"; return 1; }
    command -v python3 >/dev/null || { client_skip "python3 not installed"; return 1; }
    containerd_start 600 || { client_skip "$CD_ERR"; return 1; }
    make_oci_archive "$CL_TMP/rootfs.tar" "$CD/image.tar"
    CIMG=docker.io/cove-test/bb:latest
    to "${C[@]}" image import --snapshotter native "$CD/image.tar" >/dev/null 2>&1 ||
        { client_skip "ctr image import failed"; return 1; }
}
containerd_cleanup() { containerd_stop; }
containerd_pass() {
    local id pid cg i st out
    # the shim's options: BinaryName (--runc-binary), SystemdCgroup (--runc-systemd-cgroup)
    local RUN=("${C[@]}" run --snapshotter native --runc-binary "$(wrap_for containerd "$RT")"
               --runc-systemd-cgroup --runc-root "$CD/runc-$RT" --fifo-dir "$CD/fifo")
    out=$(to "${RUN[@]}" --rm --cgroup "system.slice:cove-test:r1-$RT" "$CIMG" "r1-$RT" echo hello 2>&1)
    r_eq run_output "$out" hello
    to "${RUN[@]}" --rm --cgroup "system.slice:cove-test:r2-$RT" "$CIMG" "r2-$RT" sh -c 'exit 3' >/dev/null 2>&1
    r_eq exit_code "$?" 3
    r_eq run_rm_leaves_no_unit "$(units_left 'cove-test-*')" ""
    # a slice of our own, two levels deep
    to "${RUN[@]}" -d --cgroup "covet-sub.slice:cove-test:r3-$RT" "$CIMG" "r3-$RT" sleep 1000 >/dev/null 2>&1
    pid=$("${C[@]}" task ls 2>/dev/null | awk -v id="r3-$RT" '$1 == id { print $2 }')
    r_eq cgroup_parent_nested_slice "$(cg_of_pid "$pid")" "/covet.slice/covet-sub.slice/cove-test-r3-$RT.scope"
    to "${C[@]}" task kill -s KILL "r3-$RT" >/dev/null 2>&1
    for ((i = 0; i < 100; i++)); do "${C[@]}" task ls 2>/dev/null | grep -q "^r3-$RT .*STOPPED" && break; sleep 0.1; done
    to "${C[@]}" task delete "r3-$RT" >/dev/null 2>&1
    to "${C[@]}" containers rm "r3-$RT" >/dev/null 2>&1

    id=det-$RT
    to "${RUN[@]}" -d --cgroup "system.slice:cove-test:$id" --memory-limit 67108864 --cpus 0.5 --cpu-shares 512 \
        --annotation 'org.systemd.property.TimeoutStopUSec=uint64 123000000' \
        "$CIMG" "$id" sh -c 'trap "exit 7" USR1; sleep 1000 & wait' >/dev/null 2>&1
    st=$("${C[@]}" task ls 2>/dev/null | awk -v id="$id" '$1 == id { print $2, $3 }')
    r_eq run_detached "${st#* }" RUNNING
    pid=${st%% *}
    cg=$(cg_of_pid "$pid")
    [ -n "$cg" ] || cg=/system.slice/cove-test-$id.scope
    r_eq cgroups_path "$(cgroups_path_of "$id")" "system.slice:cove-test:$id"
    scope_checks "$cg" "/system.slice/cove-test-$id.scope" system.slice
    limit "$cg" memory.max 67108864 MemoryMax 67108864
    limit "$cg" cpu.max "50000 100000" CPUQuotaPerSecUSec 500ms
    limit "$cg" cpu.weight 20 CPUWeight 20
    r_eq annotation_property "${PROPS[TimeoutStopUSec]-}" "2min 3s"
    local E=("${C[@]}" task exec --fifo-dir "$CD/fifo")
    r_eq exec_output "$(to "${E[@]}" --exec-id e1 "$id" echo in-exec 2>&1)" in-exec
    r_eq exec_in_the_scope "$(to "${E[@]}" --exec-id e2 "$id" sh -c "$EXEC_SAME_CG" 2>&1)" same
    to "${C[@]}" task pause "$id" >/dev/null 2>&1
    r_eq pause_frozen "$("${C[@]}" task ls 2>/dev/null | awk -v id="$id" '$1 == id { print $3 }') $(frozen "$cg")" "PAUSED 1"
    to "${C[@]}" task resume "$id" >/dev/null 2>&1
    r_eq resume_thawed "$("${C[@]}" task ls 2>/dev/null | awk -v id="$id" '$1 == id { print $3 }') $(frozen "$cg")" "RUNNING 0"
    to "${C[@]}" task kill -s SIGUSR1 "$id" >/dev/null 2>&1
    for ((i = 0; i < 100; i++)); do "${C[@]}" task ls 2>/dev/null | grep -q "^$id .*STOPPED" && break; sleep 0.1; done
    r_check kill_stops_task bash -c '"$@" task ls | grep -q "^$0 .*STOPPED"' "$id" "${C[@]}"
    to "${C[@]}" task delete "$id" >/dev/null 2>&1
    r_check task_delete bash -c '! "$@" task ls -q | grep -qx "$0"' "$id" "${C[@]}"
    to "${C[@]}" containers rm "$id" >/dev/null 2>&1
    gone_checks "$cg"
    r_eq no_cove_test_unit_left "$(units_left 'cove-test-*')" ""
    argv_checks
}

# ------------------------------------------------------------ docker
DK_PID='' D=()
docker_setup() {
    local rt_args=(--add-runtime "cove=$(wrap_for docker cove)")
    [ "${#RTS[@]}" = 2 ] && rt_args+=(--add-runtime "refrunc=$(wrap_for docker runc)")   # "runc" is reserved
    dockerd_start 1200 "${rt_args[@]}" --exec-opt native.cgroupdriver=systemd || { client_skip "$DK_ERR"; return 1; }
    DIMG=cove-test/bb:latest
    to "${D[@]}" import "$CL_TMP/rootfs.tar" "$DIMG" >/dev/null 2>&1 || { client_skip "docker import failed"; return 1; }
    echo "# dockerd: cgroup driver $("${D[@]}" info -f '{{.CgroupDriver}}' 2>&1), cgroup v$("${D[@]}" info -f '{{.CgroupVersion}}' 2>&1)"
}
docker_cleanup() { dockerd_stop; }   # dockerd stops the containerd it started
docker_pass() {
    local drt=cove id st cg out
    [ "$RT" = runc ] && drt=refrunc
    # The guest's kernel has AppArmor on and there is no apparmor_parser:
    # dockerd refuses to run with its docker-default profile (whatever the
    # runtime), so the containers run unconfined
    local RUN=("${D[@]}" run --runtime "$drt" --network none --security-opt apparmor=unconfined)
    # (docker is the slowest client here: exit codes and --cgroup-parent
    # slices are left to podman and containerd)
    out=$(to "${RUN[@]}" --rm "$DIMG" echo hello 2>&1)
    r_eq run_output "$out" hello
    r_eq run_rm_leaves_no_unit "$(units_left 'docker-*')" ""

    id=$(to "${RUN[@]}" -d --name "det-$RT" --memory 64m --memory-swap 128m --pids-limit 50 --cpus 0.5 \
         --cpu-shares 512 --cpuset-cpus 0 "$DIMG" sh -c 'trap "exit 0" TERM; sleep 1000 & wait' 2>&1)
    r_check run_detached [ "${#id}" = 64 ]
    st=$(to "${D[@]}" inspect -f '{{.State.Status}} {{.State.Pid}}' "det-$RT" 2>&1)
    r_eq inspect_running "${st% *}" running
    cg=$(cg_of_pid "${st##* }")
    [ -n "$cg" ] || cg=/system.slice/docker-$id.scope
    r_eq cgroups_path "$(cgroups_path_of "$id")" "system.slice:docker:$id"
    scope_checks "$cg" "/system.slice/docker-$id.scope" system.slice
    limit "$cg" memory.max 67108864 MemoryMax 67108864
    limit "$cg" memory.swap.max 67108864 MemorySwapMax 67108864
    limit "$cg" pids.max 50 TasksMax 50
    limit "$cg" cpu.max "50000 100000" CPUQuotaPerSecUSec 500ms
    limit "$cg" cpu.weight 20 CPUWeight 20
    limit "$cg" cpuset.cpus 0 AllowedCPUs 0
    r_eq exec_output "$(to "${D[@]}" exec "det-$RT" echo in-exec 2>&1)" in-exec
    r_eq exec_in_the_scope "$(to "${D[@]}" exec "det-$RT" sh -c "$EXEC_SAME_CG" 2>&1)" same
    out=$(to "${D[@]}" update --memory 128m --memory-swap 256m --pids-limit 40 "det-$RT" 2>&1)
    r_rc update "$?" "$out"
    unit_props "${cg##*/}"
    limit "$cg" update_ memory.max 134217728 MemoryMax 134217728
    limit "$cg" update_ memory.swap.max 134217728 MemorySwapMax 134217728
    limit "$cg" update_ pids.max 40 TasksMax 40
    to "${D[@]}" pause "det-$RT" >/dev/null 2>&1
    r_eq pause_frozen "$(frozen "$cg")" 1
    to "${D[@]}" unpause "det-$RT" >/dev/null 2>&1
    r_eq unpause_thawed "$(frozen "$cg")" 0
    # restart: the same unit name again (the old scope must be gone)
    to "${D[@]}" restart -t 5 "det-$RT" >/dev/null 2>&1
    st=$(to "${D[@]}" inspect -f '{{.State.Status}} {{.State.Pid}}' "det-$RT" 2>&1)
    r_eq restart "${st% *}" running
    r_eq restart_in_the_scope "$(cg_of_pid "${st##* }") $(systemctl is-active "${cg##*/}" 2>&1)" "$cg active"
    out=$(to "${D[@]}" rm -f "det-$RT" 2>&1)
    r_rc rm_f "$?" "$out"
    gone_checks "$cg"
    r_eq no_docker_unit_left "$(units_left 'docker-*')" ""
    argv_checks
}

# ------------------------------------------------------------ run
suite_cleanup() {
    podman_cleanup
    containerd_cleanup
    docker_cleanup
    # containerd 1.6 keeps shim sockets in /run/containerd/s whatever its state dir
    [ -d /run/containerd ] && find /run/containerd -depth -type d -empty -delete 2>/dev/null
}

RAN=0
for CLIENT in $CLIENTS; do
    declare -F "${CLIENT}_setup" >/dev/null || { echo "FAIL - unknown client $CLIENT (SYSTEMD_CLIENTS)" >&2; FAILS=$((FAILS + 1)); continue; }
    echo "# --- $CLIENT"
    t0=$(now_ms)
    RT=
    if "${CLIENT}_setup"; then
        RAN=$((RAN + 1))
        t1=$(now_ms)
        TIMES[$CLIENT]="setup $(secs $((t1 - t0))) s"
        for RT in "${RTS[@]}"; do
            t2=$(now_ms)
            "${CLIENT}_pass"
            TIMES[$CLIENT]+=", $RT $(secs $(($(now_ms) - t2))) s"
        done
    fi
    "${CLIENT}_cleanup"
    TIMES[$CLIENT]="$(secs $(($(now_ms) - t0))) s${TIMES[$CLIENT]:+ (${TIMES[$CLIENT]})}"
    echo "# time: $CLIENT ${TIMES[$CLIENT]}"
done
suite_cleanup
[ "$RAN" -gt 0 ] || skip "none of the clients ($CLIENTS) could run here"

# nothing of any client left in systemd
CLIENT=all RT=cove
r_eq no_container_unit_left "$(units_left 'libpod-*' 'cove-test-*' 'docker-*')" ""
r_eq no_procs_left_in_covet_slice "$(cat /sys/fs/cgroup/covet.slice/covet-sub.slice/*/cgroup.procs 2>/dev/null)" ""

# ------------------------------------------------------------ table
echo
echo "# cove vs runc (same client, same checks; '<<' marks a difference)"
printf '%-10s | %-30s | %-4s | %-4s\n' client check cove runc
printf '%s\n' "-----------+--------------------------------+------+-----"
diffs=0
for key in "${ROWS[@]}"; do
    c=${RES[$key|cove]:--} r=${RES[$key|runc]:--} mark=
    [ "${#RTS[@]}" = 2 ] && [ "$c" != "$r" ] && [ "$r" != - ] && { mark=' <<'; diffs=$((diffs + 1)); }
    printf '%-10s | %-30s | %-4s | %-4s%s\n' "${key%%|*}" "${key#*|}" "$c" "$r" "$mark"
done
echo "# $diffs difference(s) between cove and runc"
for CLIENT in $CLIENTS; do [ -n "${TIMES[$CLIENT]:-}" ] && echo "# time: $CLIENT ${TIMES[$CLIENT]}"; done
echo "# time: systemctl daemon-reload, all calls: $(secs "$RELOAD_MS") s"
exit 0
