#!/bin/bash
# The systemd cgroup driver (--systemd-cgroup, cgroups/systemd.h).
# With systemd as init on a pure cgroup v2 host (the VM tier's systemd
# guest: tests/vm/cove-vm --systemd, ctest label "systemd"): the container
# is a transient scope with its limits as unit properties, exec is born in
# it, delete leaves no unit and no cgroup. Without systemd (this host): a
# one-line error, exit 1, nothing left.
. "$(dirname "$0")/lib.sh"

have_systemd() { [ -d /run/systemd/system ] && [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }
need_systemd() { have_systemd || skip_case "needs systemd as init on a pure cgroup v2 host (the VM tier)"; }
# systemd's hybrid layout: v1 controllers, its own cgroup2 at /sys/fs/cgroup/unified
have_systemd_hybrid() {
    [ -d /run/systemd/system ] && [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]
}

# a slice of our own, so that nothing of the machine's is touched
SLICE="covetest$$.slice"
sd_bundle() {   # NAME ARGS... — bundle whose cgroupsPath is SLICE:cove:<id>
    local n=$1; shift
    make_bundle "$n" "$@"
    cfg_set "$n" --arg p "$SLICE:cove:$(cid "$n")" '.linux.cgroupsPath = $p'
}
sdcove() { cove --systemd-cgroup "$@"; }
unit_of() { echo "cove-$(cid "$1").scope"; }
scope_dir() { echo "/sys/fs/cgroup/$SLICE/$(unit_of "$1")"; }

t_without_systemd_a_clear_error_and_nothing_left() {
    [ -d /run/systemd/system ] && skip_case "systemd is running here"
    make_bundle n true
    run_capture sdcove run --bundle "$(_abs n)" "$(cid n)"
    assert_eq 1 "$RC" "exit code"
    assert_contains "$ERR" "--systemd-cgroup: systemd is not running on this host (no /run/systemd/system)" "stderr"
    assert_eq 1 "$(grep -c . <<<"$ERR")" "lines of stderr: $ERR"
    assert_nothing_left n
}

t_bad_cgroups_path_names_the_field() {
    make_bundle b true
    run_capture sdcove run --bundle "$(_abs b)" "$(cid b)"   # "/cove-test-N/b": the cgroupfs form
    assert_eq 1 "$RC" "exit code"
    if [ -d /run/systemd/system ]; then
        assert_contains "$ERR" "linux.cgroupsPath: \"$CG_PARENT/b\": the systemd driver expects \"slice:prefix:name\"" "stderr"
    fi
    assert_nothing_left b
}

t_container_is_a_scope_with_its_limits() {
    need_systemd
    sd_bundle s sleep 600
    cfg_set s '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 50}, cpu: {quota: 50000, period: 100000}}'
    run_capture sdcove create --bundle "$(_abs s)" "$(cid s)"
    assert_eq 0 "$RC" "create: $ERR"
    local unit; unit=$(unit_of s)
    assert_eq active "$(systemctl is-active "$unit")" "$unit"
    assert_eq "$SLICE" "$(systemctl show -P Slice "$unit")" "slice"
    assert_eq yes "$(systemctl show -P Delegate "$unit")" "Delegate"
    assert_eq 67108864 "$(systemctl show -P MemoryMax "$unit")" "MemoryMax property"
    assert_eq 50 "$(systemctl show -P TasksMax "$unit")" "TasksMax property"
    assert_eq 500ms "$(systemctl show -P CPUQuotaPerSecUSec "$unit")" "CPUQuotaPerSecUSec property"
    local d; d=$(scope_dir s)
    assert_eq 67108864 "$(cat "$d/memory.max")" "memory.max"
    assert_eq 50 "$(cat "$d/pids.max")" "pids.max"
    assert_eq "50000 100000" "$(cat "$d/cpu.max")" "cpu.max"
    local pid; pid=$(ctr_state s .pid)
    assert_eq "0::/$SLICE/$unit" "$(cat "/proc/$pid/cgroup")" "the init's cgroup"
    assert_eq "/$SLICE/$unit" "$(jq -r .cgroupPath "$ROOT/$(cid s)/state.json")" "cgroupPath in state.json"
    assert_ok cove start "$(cid s)"
    # exec is born in the scope
    assert_ok cove exec "$(cid s)" cat /proc/self/cgroup
    assert_eq "0::/" "$OUT" "exec's cgroup, seen from its cgroup namespace"
    assert_ok cove exec -d --pid-file "$TEST_TMP/x.pid" "$(cid s)" sleep 600
    assert_eq "0::/$SLICE/$unit" "$(cat "/proc/$(cat "$TEST_TMP/x.pid")/cgroup")" "exec's cgroup from the host"
    # update: the unit's property and the cgroup file
    assert_ok cove update --memory 33554432 --pids-limit 40 "$(cid s)"
    assert_eq 33554432 "$(systemctl show -P MemoryMax "$unit")" "MemoryMax after update"
    assert_eq 40 "$(systemctl show -P TasksMax "$unit")" "TasksMax after update"
    assert_eq 33554432 "$(cat "$d/memory.max")" "memory.max after update"
    # pause/resume and kill --all work on the scope's cgroup
    assert_ok cove pause "$(cid s)"
    assert_eq paused "$(ctr_state s)" "status"
    assert_ok cove resume "$(cid s)"
    assert_ok cove kill --all "$(cid s)" KILL
    wait_status s stopped 10
    assert_ok cove delete "$(cid s)"
    assert_eq inactive "$(systemctl is-active "$unit" 2>/dev/null || true)" "$unit after delete"
    [ ! -e "$d" ] || fail "$d left after delete"
}

t_run_and_delete_force_leave_no_unit() {
    need_systemd
    sd_bundle r sh -c 'cat /proc/self/cgroup'
    run_capture sdcove run --bundle "$(_abs r)" "$(cid r)"
    assert_eq 0 "$RC" "run: $ERR"
    assert_eq "0::/" "$OUT" "the workload's cgroup, seen from its cgroup namespace"
    [ "$(systemctl is-active "$(unit_of r)" 2>/dev/null || true)" != active ] || fail "$(unit_of r) still active after run"
    [ ! -e "$(scope_dir r)" ] || fail "$(scope_dir r) left after run"
    sd_bundle f sleep 600
    run_capture sdcove create --bundle "$(_abs f)" "$(cid f)"
    assert_eq 0 "$RC" "create: $ERR"
    assert_ok cove delete --force "$(cid f)"
    assert_eq inactive "$(systemctl is-active "$(unit_of f)" 2>/dev/null || true)" "after delete --force"
    [ ! -e "$(scope_dir f)" ] || fail "$(scope_dir f) left after delete --force"
}

t_nested_slice_expands_to_its_parents() {
    need_systemd
    make_bundle k sleep 600
    local slice="covetest$$-pod1.slice"
    cfg_set k --arg p "$slice:cri:$(cid k)" '.linux.cgroupsPath = $p'
    run_capture sdcove create --bundle "$(_abs k)" "$(cid k)"
    assert_eq 0 "$RC" "create: $ERR"
    local pid; pid=$(ctr_state k .pid)
    assert_eq "0::/covetest$$.slice/$slice/cri-$(cid k).scope" "$(cat "/proc/$pid/cgroup")" "the init's cgroup"
    assert_ok cove delete --force "$(cid k)"
    systemctl stop "$slice" "covetest$$.slice" 2>/dev/null || true
}

t_annotation_sets_a_unit_property() {
    need_systemd
    sd_bundle a sleep 600
    cfg_set a '.annotations["org.systemd.property.TimeoutStopUSec"] = "uint64 3000000"
               | .annotations["org.systemd.property.CollectMode"] = "'"'inactive-or-failed'"'"'
    run_capture sdcove create --bundle "$(_abs a)" "$(cid a)"
    assert_eq 0 "$RC" "create: $ERR"
    assert_eq 3s "$(systemctl show -P TimeoutStopUSec "$(unit_of a)")" "TimeoutStopUSec"
    assert_eq inactive-or-failed "$(systemctl show -P CollectMode "$(unit_of a)")" "CollectMode"
}

# linux.resources.unified keys systemd has a property for are sent as that
# property, and pids.limit 0 as TasksMax=infinity: a daemon-reload, which
# rewrites the scope's cgroup from the unit, keeps every limit
t_unified_and_pids_zero_survive_daemon_reload() {
    need_systemd
    sd_bundle u sleep 600
    cfg_set u '.linux.resources = {pids: {limit: 0},
        unified: {"memory.low": "1048576", "memory.high": "50331648", "cpu.weight": "77", "cpu.max": "20000 100000"}}'
    run_capture sdcove create --bundle "$(_abs u)" "$(cid u)"
    assert_eq 0 "$RC" "create: $ERR"
    local unit d; unit=$(unit_of u); d=$(scope_dir u)
    assert_eq 1048576 "$(systemctl show -P MemoryLow "$unit")" "MemoryLow property"
    assert_eq 77 "$(systemctl show -P CPUWeight "$unit")" "CPUWeight property"
    assert_eq 200ms "$(systemctl show -P CPUQuotaPerSecUSec "$unit")" "CPUQuotaPerSecUSec property"
    assert_eq infinity "$(systemctl show -P TasksMax "$unit")" "TasksMax property"
    systemctl daemon-reload
    assert_eq 1048576 "$(cat "$d/memory.low")" "memory.low after daemon-reload"
    assert_eq 50331648 "$(cat "$d/memory.high")" "memory.high after daemon-reload"
    assert_eq 77 "$(cat "$d/cpu.weight")" "cpu.weight after daemon-reload"
    assert_eq "20000 100000" "$(cat "$d/cpu.max")" "cpu.max after daemon-reload"
    assert_eq max "$(cat "$d/pids.max")" "pids.max after daemon-reload"
    assert_ok cove delete --force "$(cid u)"
}

# A hybrid host (the VM tier's --systemd --hybrid guest): systemd makes
# the scope in its own hierarchies and the v1 controllers it manages, cove
# the container's directory in the others (cpuset, freezer...) and puts the
# init in each, as runc's v1 systemd driver does. No device property is
# sent: systemd then leaves the unit's v1 devices controller alone, also
# on a daemon-reload, and cove's rules stay in force.
t_hybrid_v1_hierarchies_beside_the_scope() {
    have_systemd_hybrid || skip_case "needs systemd as init on a hybrid cgroup host (tests/vm/cove-vm --systemd --hybrid)"
    sd_bundle h sleep 600
    cfg_set h '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 50}, cpu: {cpus: "0"},
        devices: [{allow: false, access: "rwm"}, {allow: true, type: "c", major: 10, minor: 200, access: "rw"}]}'
    run_capture sdcove create --bundle "$(_abs h)" "$(cid h)"
    assert_eq 0 "$RC" "create: $ERR"
    local unit c d pid; unit=$(unit_of h); pid=$(ctr_state h .pid)
    assert_eq active "$(systemctl is-active "$unit")" "$unit"
    for c in memory pids cpuset devices freezer systemd unified; do
        d=/sys/fs/cgroup/$c/$SLICE/$unit
        [ -d "$d" ] || fail "no $d"
        grep -qx "$pid" "$d/cgroup.procs" || fail "the init ($pid) is not in $d"
    done
    assert_eq 67108864 "$(cat "/sys/fs/cgroup/memory/$SLICE/$unit/memory.limit_in_bytes")" "memory limit"
    assert_eq 0 "$(cat "/sys/fs/cgroup/cpuset/$SLICE/$unit/cpuset.cpus")" "cpuset.cpus (a hierarchy systemd leaves alone)"
    local devs; devs=$(cat "/sys/fs/cgroup/devices/$SLICE/$unit/devices.list")
    assert_contains "$devs" "c 10:200 rw" "devices.list"
    systemctl daemon-reload
    assert_eq "$devs" "$(cat "/sys/fs/cgroup/devices/$SLICE/$unit/devices.list")" "devices.list after daemon-reload"
    assert_eq 50 "$(cat "/sys/fs/cgroup/pids/$SLICE/$unit/pids.max")" "pids.max after daemon-reload"
    # an exec is born in every one of them
    assert_ok cove exec -d --pid-file "$TEST_TMP/x.pid" "$(cid h)" sleep 600
    assert_eq "$(cat "/proc/$pid/cgroup")" "$(cat "/proc/$(cat "$TEST_TMP/x.pid")/cgroup")" "the exec's cgroups"
    assert_ok cove delete --force "$(cid h)"
    assert_eq inactive "$(systemctl is-active "$unit" 2>/dev/null || true)" "$unit after delete"
    local left; left=$(find /sys/fs/cgroup -maxdepth 3 -name "$unit")
    assert_eq "" "$left" "cgroups left"
}

t_create_killed_after_the_scope_then_delete_force() {
    need_systemd
    sd_bundle c sleep 600
    # a prestart hook that never returns: create is killed while the scope exists
    cfg_set c --arg f "$TEST_TMP/hook.pid" '.hooks.prestart = [{path: "/bin/sh", args: ["sh", "-c", "echo $$ > \($f); exec sleep 600"]}]'
    ( exec "$COVE" --root "$ROOT" --systemd-cgroup create --bundle "$(_abs c)" "$(cid c)" > /dev/null 2> "$TEST_TMP/create.err" < /dev/null ) &
    local cpid=$! i
    for ((i = 0; i < 100; i++)); do
        [ "$(systemctl is-active "$(unit_of c)" 2>/dev/null)" = active ] && break
        sleep 0.1
    done
    assert_eq active "$(systemctl is-active "$(unit_of c)")" "scope during create (create's stderr: $(cat "$TEST_TMP/create.err"))"
    for ((i = 0; i < 100; i++)); do [ -s "$TEST_TMP/hook.pid" ] && break; sleep 0.1; done
    kill -9 "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null || true
    [ -s "$TEST_TMP/hook.pid" ] && kill -9 "$(cat "$TEST_TMP/hook.pid")" 2>/dev/null
    assert_ok cove delete --force "$(cid c)"
    assert_eq inactive "$(systemctl is-active "$(unit_of c)" 2>/dev/null || true)" "after delete --force"
    [ ! -e "$(scope_dir c)" ] || fail "$(scope_dir c) left"
}

# ---------------------------------------------------------------- rootless
# An ordinary user's containers are scopes of the user's own systemd
# instance (user@UID.service, started here as a login or linger would),
# reached on $XDG_RUNTIME_DIR/bus.
t_rootless_container_is_a_scope_of_the_users_systemd() {
    need_systemd
    . "$(dirname "$0")/../throwaway_user.sh"
    tu_add cove-sd
    local xdg=/run/user/$TU_UID
    # the user's manager, torn down with the user at the end of the case
    trap 'systemctl stop "user@$TU_UID.service" >/dev/null 2>&1; tu_del' EXIT
    systemctl start "user@$TU_UID.service" || fail "systemctl start user@$TU_UID.service"
    local i
    for ((i = 0; i < 100; i++)); do [ -S "$xdg/bus" ] && break; sleep 0.1; done
    [ -S "$xdg/bus" ] || fail "no user bus at $xdg/bus"
    chmod 711 "$(dirname "$TEST_TMP")" "$TEST_TMP" # the per-file temp dir is 0700
    mkdir -p "$TEST_TMP/u"
    make_rootfs "$TEST_TMP/u/rootfs"
    chown -R "$TU_UID:$TU_GID" "$TEST_TMP/u"
    local c=(setpriv --reuid="$TU_UID" --regid="$TU_GID" --init-groups env -i PATH="$PATH" XDG_RUNTIME_DIR="$xdg" "$COVE")
    "${c[@]}" spec --rootless --bundle "$TEST_TMP/u" || fail "spec --rootless"
    local id; id=$(cid u)
    jq --arg p "user.slice:cove:$id" '.process.terminal = false | .process.args = ["sleep", "600"]
        | .linux.cgroupsPath = $p | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 40}}' \
        "$TEST_TMP/u/config.json" > "$TEST_TMP/u/c.json" && mv "$TEST_TMP/u/c.json" "$TEST_TMP/u/config.json"
    chown "$TU_UID:$TU_GID" "$TEST_TMP/u/config.json"
    run_capture timeout 60 "${c[@]}" --systemd-cgroup create --bundle "$TEST_TMP/u" "$id"
    assert_eq 0 "$RC" "create as $TU_USER: $ERR"
    local scope="/sys/fs/cgroup/user.slice/user-$TU_UID.slice/user@$TU_UID.service/user.slice/cove-$id.scope"
    [ -d "$scope" ] || fail "no scope cgroup $scope"
    assert_eq 67108864 "$(cat "$scope/memory.max")" "memory.max"
    assert_eq 40 "$(cat "$scope/pids.max")" "pids.max"
    assert_contains "$(cat "$scope/cgroup.procs")" "$(jq -r .pid "$xdg/cove/$id/state.json")" "the init in the user's scope"
    assert_eq "$scope" "/sys/fs/cgroup$(jq -r .cgroupPath "$xdg/cove/$id/state.json")" "the recorded cgroup"
    run_capture timeout 60 "${c[@]}" --systemd-cgroup delete --force "$id"
    assert_eq 0 "$RC" "delete: $ERR"
    [ ! -d "$scope" ] || fail "delete left $scope"
}

cleanup_slices() { [ -d /run/systemd/system ] && systemctl stop "$SLICE" 2>/dev/null; true; }
rc=0
run_cases || rc=$?
cleanup_slices
exit $rc
