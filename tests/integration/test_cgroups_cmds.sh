#!/bin/bash
# cgroup commands: pause/resume, ps, update, events --stats, kill --all, and
# nothing left in cgroupfs after delete. Runs on the host's hierarchy (v1 or
# hybrid here) and, through the cgroupv2 ctest label, on a pure cgroup v2
# kernel in the VM tier (tests/vm).
. "$(dirname "$0")/lib.sh"

if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then CG_MODE=v2; else CG_MODE=v1; fi

cg_path() {   # CONTROLLER NAME
    if [ $CG_MODE = v2 ]; then echo "/sys/fs/cgroup$CG_PARENT/$2"; else echo "/sys/fs/cgroup/$1$CG_PARENT/$2"; fi
}
cg_read() {   # CONTROLLER NAME V1FILE V2FILE
    local f
    if [ $CG_MODE = v2 ]; then f="$(cg_path "$1" "$2")/$4"; else f="$(cg_path "$1" "$2")/$3"; fi
    cat "$f" 2>/dev/null || fail "cannot read $f"
}

start_ctr() {   # NAME JQ-FILTER ARGS...
    local n=$1 f=$2; shift 2
    make_bundle "$n" "$@"
    cfg_set "$n" "$f"
    ctr_create "$n" "$n"
    assert_ok cove start "$(cid "$n")"
}

lines() { wc -l < "$TEST_TMP/$1.out"; }

t_pause_stops_progress_and_resume_continues() {
    start_ctr cnt '.' sh -c 'i=0; while :; do i=$((i+1)); echo $i; sleep 0.05; done'
    sleep 0.3
    assert_ok cove pause "$(cid cnt)"
    assert_eq paused "$(ctr_state cnt)" "status after pause"
    assert_contains "$(cove list)" paused "list"
    local a b c
    a=$(lines cnt); sleep 0.6; b=$(lines cnt)
    assert_eq "$a" "$b" "counter lines while paused"
    assert_ok cove resume "$(cid cnt)"
    assert_eq running "$(ctr_state cnt)" "status after resume"
    sleep 0.5; c=$(lines cnt)
    [ "$c" -gt "$b" ] || fail "counter did not advance after resume ($b -> $c)"
}

t_resume_of_running_and_pause_of_stopped_use_runc_words() {
    start_ctr r '.' sleep 600
    assert_exit 1 cove resume "$(cid r)"
    assert_contains "$ERR" "container not paused"
    assert_ok cove kill "$(cid r)" KILL
    wait_status r stopped
    assert_exit 1 cove pause "$(cid r)"
    assert_contains "$ERR" "container not running"
}

t_ps_lists_the_container_processes() {
    start_ctr p '.' sh -c 'sleep 600 & exec sleep 601'
    local pid; pid=$(ctr_state p .pid)
    local i n=0
    for ((i = 0; i < 40; i++)); do
        assert_ok cove ps --format json "$(cid p)"
        n=$(jq length <<<"$OUT"); [ "$n" = 2 ] && break; sleep 0.05
    done
    assert_eq 2 "$n" "pids in ps --format json ($OUT)"
    jq -e --argjson p "$pid" 'index($p) != null' <<<"$OUT" >/dev/null || fail "init $pid not in $OUT"
    assert_ok cove ps "$(cid p)"
    assert_match "$(head -1 <<<"$OUT")" 'PID' "ps header"
    assert_eq 3 "$(wc -l <<<"$OUT")" "ps table lines: $OUT"
    assert_contains "$OUT" "sleep 601"
    assert_ok cove ps "$(cid p)" -o pid,comm
    assert_eq 3 "$(wc -l <<<"$OUT")" "ps -o pid,comm lines: $OUT"
}

t_update_changes_limits_of_a_running_container() {
    start_ctr u '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}' sleep 600
    assert_ok cove update --memory 128m "$(cid u)"
    assert_eq 134217728 "$(cg_read memory u memory.limit_in_bytes memory.max)" "memory limit after update"
    echo '{"pids": {"limit": 42}, "cpu": {"quota": 50000, "period": 100000}}' > "$TEST_TMP/res.json"
    assert_ok cove update --resources "$TEST_TMP/res.json" "$(cid u)"
    assert_eq 42 "$(cg_read pids u pids.max pids.max)" "pids limit after --resources"
    if [ $CG_MODE = v1 ]; then
        assert_eq 50000 "$(cg_read cpu u cpu.cfs_quota_us x)" "cpu quota"
    else
        assert_eq "50000 100000" "$(cg_read cpu u x cpu.max)" "cpu.max"
    fi
    # stdin, as containerd sends it
    RC=0
    echo '{"pids": {"limit": 43}}' | timeout 30 "$COVE" --root "$ROOT" update -r - "$(cid u)" || RC=$?
    assert_eq 0 "$RC" "update -r -"
    assert_eq 43 "$(cg_read pids u pids.max pids.max)" "pids limit from stdin"
    echo '{"memory": {"limit": "x"}}' > "$TEST_TMP/bad.json"
    assert_exit 1 cove update --resources "$TEST_TMP/bad.json" "$(cid u)"
    assert_contains "$ERR" "resources.memory.limit"
    assert_exit 1 cove update --l3-cache-schema L3:0=f "$(cid u)"
    assert_contains "$ERR" "RDT"
}

t_events_stats_prints_runc_schema() {
    start_ctr e '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}' sleep 600
    assert_ok cove events --stats "$(cid e)"
    assert_eq stats "$(jq -r .type <<<"$OUT")" "type"
    assert_eq "$(cid e)" "$(jq -r .id <<<"$OUT")" "id"
    assert_eq 67108864 "$(jq -r .data.memory.usage.limit <<<"$OUT")" "memory limit"
    assert_eq 50 "$(jq -r .data.pids.limit <<<"$OUT")" "pids limit"
    assert_eq 1 "$(jq -r .data.pids.current <<<"$OUT")" "pids current"
    jq -e '.data.memory.usage.usage > 0 and (.data.memory.raw | length > 0)
           and (.data.cpu.usage | has("total") and has("percpu") and has("kernel") and has("user"))
           and (.data.cpu.throttling | has("periods") and has("throttledPeriods") and has("throttledTime"))
           and (.data | has("blkio") and has("hugetlb"))' <<<"$OUT" >/dev/null || fail "stats JSON incomplete: $OUT"
    # the stream: two stats lines at 200ms, ended by the container's exit
    : > "$TEST_TMP/ev.out"
    ( timeout 20 "$COVE" --root "$ROOT" events --interval 200ms "$(cid e)" > "$TEST_TMP/ev.out" 2>&1 ) &
    local evpid=$! i
    for ((i = 0; i < 50; i++)); do [ "$(wc -l < "$TEST_TMP/ev.out")" -ge 2 ] && break; sleep 0.1; done
    assert_ok cove kill "$(cid e)" KILL
    wait "$evpid" || fail "events exited $? after the container stopped: $(cat "$TEST_TMP/ev.out")"
    [ "$(grep -c '"type":"stats"' "$TEST_TMP/ev.out")" -ge 2 ] || fail "events stream: $(cat "$TEST_TMP/ev.out")"
}

t_kill_all_leaves_the_cgroup_empty() {
    start_ctr k '.linux.resources.pids = {limit: 50}' sh -c 'sleep 600 & sleep 601 & exec sleep 602'
    local d i; d=$(cg_path pids k)
    for ((i = 0; i < 40; i++)); do [ "$(wc -l < "$d/cgroup.procs")" = 3 ] && break; sleep 0.05; done
    assert_eq 3 "$(wc -l < "$d/cgroup.procs")" "processes before kill --all"
    assert_ok cove kill --all "$(cid k)" KILL
    for ((i = 0; i < 100; i++)); do [ -z "$(cat "$d/cgroup.procs")" ] && break; sleep 0.05; done
    assert_eq "" "$(cat "$d/cgroup.procs")" "cgroup.procs after kill --all"
    wait_status k stopped
}

t_kill_all_with_sigterm_reaches_every_process() {
    start_ctr kt '.linux.resources.pids = {limit: 50}' sh -c 'sleep 600 & exec sleep 602'
    local d i; d=$(cg_path pids kt)
    for ((i = 0; i < 40; i++)); do [ "$(wc -l < "$d/cgroup.procs")" = 2 ] && break; sleep 0.05; done
    # a pid namespace's init ignores signals it has no handler for (except
    # KILL): the child dies, the init stays
    local pid; pid=$(ctr_state kt .pid)
    assert_ok cove kill --all "$(cid kt)" TERM
    for ((i = 0; i < 100; i++)); do [ "$(cat "$d/cgroup.procs")" = "$pid" ] && break; sleep 0.05; done
    assert_eq "$pid" "$(cat "$d/cgroup.procs")" "cgroup.procs after kill --all TERM"
    assert_eq running "$(ctr_state kt)" "status after kill --all TERM"
}

t_nothing_left_in_cgroupfs_after_delete() {
    start_ctr g '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}' sleep 600
    assert_ne "" "$(_cgroups_of g)" "cgroup while running"
    assert_ok cove pause "$(cid g)"
    assert_ok cove delete --force "$(cid g)"
    assert_eq "" "$(_cgroups_of g)" "cgroups after delete"
}

run_cases
