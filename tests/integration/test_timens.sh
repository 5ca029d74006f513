#!/bin/bash
# time namespaces: linux.timeOffsets applied before the init enters the
# namespace; the runtime (and its hooks) stay in the host's; joining by path.
. "$(dirname "$0")/lib.sh"

[ -e /proc/self/ns/time ] || skip "kernel without time namespaces"

# timens_bundle DIR BOOT_SECS MONO_SECS ARGS...
timens_bundle() {
    local d=$1 boot=$2 mono=$3; shift 3
    make_bundle "$d" "$@"
    cfg_set "$d" --argjson b "$boot" --argjson m "$mono" '.linux.namespaces += [{"type":"time"}]
        | .linux.timeOffsets = {"boottime":{"secs":$b,"nanosecs":0},"monotonic":{"secs":$m,"nanosecs":500}}'
}

host_uptime() { cut -d' ' -f1 /proc/uptime | cut -d. -f1; }

t_boottime_offset_shows_in_uptime() {
    timens_bundle b 86400 1000 sh -c 'cut -d" " -f1 /proc/uptime | cut -d. -f1'
    local before after
    before=$(host_uptime)
    ctr_run u b
    after=$(host_uptime)
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    [ "$OUT" -ge $((before + 86400)) ] && [ "$OUT" -le $((after + 86400 + 1)) ] ||
        fail "uptime inside $OUT, host uptime $before..$after, offset 86400"
}

t_offsets_are_those_of_the_init_namespace() {
    timens_bundle b 5000 1000 sleep 100
    ctr_create o b
    local pid
    pid=$(ctr_state o .pid)
    assert_eq "$(printf 'monotonic 1000 500\nboottime 5000 0')" "$(awk '{ print $1, $2, $3 }' /proc/"$pid"/timens_offsets)" "timens_offsets"
    assert_ne "$(readlink /proc/self/ns/time)" "$(readlink /proc/"$pid"/ns/time)" "time namespace of the init"
    assert_ok cove delete --force "$(cid o)"
}

t_runtime_hooks_stay_in_the_host_time_namespace() {
    timens_bundle b 5000 0 true
    cfg_set b --arg f "$TEST_TMP/ns" '.hooks.createRuntime = [{"path":"/bin/sh","args":["sh","-c","readlink /proc/self/ns/time > \($f)"]}]'
    ctr_run h b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$(readlink /proc/self/ns/time)" "$(cat "$TEST_TMP/ns")" "time namespace of createRuntime"
}

t_joins_a_time_namespace_by_path() {
    # unshare -T puts its child (sleep) in a new time namespace with the offset
    unshare -T --boottime 7000 sleep 100 &
    local holder=$! pid i
    for ((i = 0; i < 50; i++)); do
        pid=$(pgrep -P "$holder" sleep || true)
        [ -z "$pid" ] && [ "$(readlink /proc/$holder/ns/time)" != "$(readlink /proc/self/ns/time)" ] && pid=$holder
        [ -n "$pid" ] && [ "$(readlink /proc/$pid/ns/time)" != "$(readlink /proc/self/ns/time)" ] && break
        pid=; sleep 0.05
    done
    [ -n "$pid" ] || { kill "$holder"; fail "no process in the new time namespace"; }
    make_bundle b sh -c 'cut -d" " -f1 /proc/uptime | cut -d. -f1'
    cfg_set b --arg p "/proc/$pid/ns/time" '.linux.namespaces += [{"type":"time","path":$p}]'
    local before; before=$(host_uptime)
    ctr_run j b
    kill "$holder"; wait "$holder" 2>/dev/null || true
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    [ "$OUT" -ge $((before + 7000)) ] || fail "uptime inside $OUT, host $before, offset 7000"
}

run_cases
