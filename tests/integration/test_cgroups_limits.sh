#!/bin/bash
# cgroup limits are enforced by the kernel: memory (OOM kill, reported by
# `events`), pids (fork fails), cpu quota (throttling), device rules
# (mknod/open of unlisted devices denied). Runs on the host (v1/hybrid) and,
# through the cgroupv2 ctest label, on pure cgroup v2 in the VM tier.
. "$(dirname "$0")/lib.sh"

if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then CG_MODE=v2; else CG_MODE=v1; fi

t_memory_limit_oom_kills_a_big_allocation_and_events_reports_it() {
    # tail keeps the whole "line" of /dev/zero in memory: it grows until killed.
    # swap = limit: no swap on v1 (memsw) and v2 (memory.swap.max 0).
    make_bundle m sh -c 'tail /dev/zero; echo "tail exited $?"'
    cfg_set m '.linux.resources.memory = {limit: 33554432, swap: 33554432}'
    ctr_create m m
    : > "$TEST_TMP/ev.out"
    ( timeout 40 "$COVE" --root "$ROOT" events --interval 10s "$(cid m)" > "$TEST_TMP/ev.out" 2>&1 ) &
    local evpid=$!
    sleep 0.3   # events has its watch in place
    assert_ok cove start "$(cid m)"
    wait_status m stopped 30
    wait "$evpid" || fail "events exited $?: $(cat "$TEST_TMP/ev.out")"
    assert_contains "$(cat "$TEST_TMP/ev.out")" "{\"type\":\"oom\",\"id\":\"$(cid m)\"}" "events output"
    assert_contains "$(ctr_output m)" "tail exited 137" "container output"
}

t_pids_limit_stops_fork() {
    make_bundle p sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do sleep 30 & done; echo spawned'
    cfg_set p '.linux.resources.pids = {limit: 10}'
    ctr_run p p
    assert_contains "$ERR$OUT" "can't fork" "output of the fork loop"
}

t_cpu_quota_throttles() {
    make_bundle c sh -c 'while :; do :; done'
    cfg_set c '.linux.resources.cpu = {quota: 10000, period: 100000}'
    ctr_create c c
    assert_ok cove start "$(cid c)"
    sleep 1.5
    assert_ok cove events --stats "$(cid c)"
    local t; t=$(jq -r .data.cpu.throttling.throttledPeriods <<<"$OUT")
    [ "$t" -gt 0 ] || fail "throttledPeriods is $t after 1.5s at 10% quota: $OUT"
    # and the kernel's own counter
    local f
    if [ $CG_MODE = v2 ]; then f=/sys/fs/cgroup$CG_PARENT/c/cpu.stat; else f=/sys/fs/cgroup/cpu$CG_PARENT/c/cpu.stat; fi
    [ "$(awk '$1 == "nr_throttled" { print $2 }' "$f")" -gt 0 ] || fail "nr_throttled is 0 in $f"
}

# /dev/kmsg (c 1:11) opened for writing: reading it would also need CAP_SYSLOG
devices_bundle() {   # NAME EXTRA-DEVICE-RULES-JSON
    make_bundle "$1" sh -c 'mknod /dev/k c 1 11 && echo mknod-ok; if (: < /dev/null); then echo null-ok; fi;
        if [ -e /dev/k ] && (: > /dev/k); then echo open-ok; fi; true'
    cfg_set "$1" --argjson r "$2" '.linux.resources.devices += $r
        | .process.capabilities.bounding += ["CAP_MKNOD"] | .process.capabilities.effective += ["CAP_MKNOD"]
        | .process.capabilities.permitted += ["CAP_MKNOD"]'
}

t_device_rules_deny_unlisted_devices_and_allow_listed_ones() {
    devices_bundle d '[]'
    ctr_run d d
    assert_eq 0 "$RC" "exit code ($ERR)"
    # runc's default rules allow mknod ("c *:* m") but not read/write
    assert_contains "$OUT" mknod-ok "mknod (allowed by the default c *:* m rule)"
    assert_not_contains "$OUT" open-ok "open of unlisted /dev/kmsg (c 1:11)"
    assert_contains "$OUT" null-ok "default /dev/null"
    devices_bundle d2 '[{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "rwm"}]'
    ctr_run d2 d2
    assert_contains "$OUT" mknod-ok "listed c 1:11 mknod"
    assert_contains "$OUT" open-ok "listed c 1:11 open"
}

run_cases
