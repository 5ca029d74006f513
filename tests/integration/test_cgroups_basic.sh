#!/bin/bash
# cgroups: limits from linux.resources land in the container's cgroup while
# it runs; the cgroup goes away with the container.
# Hybrid/v1 hosts: /sys/fs/cgroup/<controller>/<cgroupsPath>/<v1 file>;
# pure cgroup2 hosts: /sys/fs/cgroup/<cgroupsPath>/<v2 file>.
. "$(dirname "$0")/lib.sh"

if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then CG_MODE=v2; else CG_MODE=v1; fi

# cg_path CONTROLLER NAME — the container's cgroup dir for that controller
cg_path() {
    if [ $CG_MODE = v2 ]; then echo "/sys/fs/cgroup$CG_PARENT/$2"; else echo "/sys/fs/cgroup/$1$CG_PARENT/$2"; fi
}
cg_read() {   # CONTROLLER NAME V1FILE V2FILE
    local f
    if [ $CG_MODE = v2 ]; then f="$(cg_path "$1" "$2")/$4"; else f="$(cg_path "$1" "$2")/$3"; fi
    cat "$f" 2>/dev/null || fail "cannot read $f"
}

start_limited() {   # NAME JQ-RESOURCES-FILTER
    make_bundle "$1" sleep 600
    cfg_set "$1" "$2"
    ctr_create "$1" "$1"
    assert_ok cove start "$(cid "$1")"
}

t_memory_limit_is_written_to_the_memory_cgroup() {
    start_limited mem '.linux.resources.memory = {limit: 67108864}'
    assert_eq 67108864 "$(cg_read memory mem memory.limit_in_bytes memory.max)" "memory limit"
}

t_pids_limit_is_written_to_the_pids_cgroup() {
    start_limited pids '.linux.resources.pids = {limit: 50}'
    assert_eq 50 "$(cg_read pids pids pids.max pids.max)" "pids limit"
}

t_cpu_shares_are_written_to_the_cpu_cgroup() {
    [ $CG_MODE = v1 ] || skip_case "cpu.shares is translated to cpu.weight on cgroup2"
    start_limited cpu '.linux.resources.cpu = {shares: 512}'
    assert_eq 512 "$(cg_read cpu cpu cpu.shares cpu.weight)" "cpu shares"
}

t_container_init_is_in_its_cgroups() {
    start_limited in '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 50}'
    local pid c; pid=$(ctr_state in .pid)
    for c in memory pids; do
        grep -qx "$pid" "$(cg_path $c in)/cgroup.procs" ||
            fail "init $pid not in $(cg_path $c in)/cgroup.procs: $(cat "$(cg_path $c in)/cgroup.procs")"
        [ $CG_MODE = v1 ] || break
    done
}

# the init and an exec'd process move themselves into the v1 hierarchies
# (cgroups.h: cove_cgroup_self_join): each must be in every hierarchy the
# host has, cgroup2 included, as seen by the kernel
t_init_and_exec_are_in_every_hierarchy() {
    start_limited all '.linux.resources.pids = {limit: 50}'
    local want="$CG_PARENT/all" pid xpid line n=0 hier
    pid=$(ctr_state all .pid)
    # read from the host: inside, a cgroup namespace shows "/"
    assert_ok cove exec -d --pid-file "$TEST_TMP/x.pid" "$(cid all)" sleep 600
    xpid=$(cat "$TEST_TMP/x.pid")
    hier=$(grep -c . /proc/self/cgroup)
    for src in "init:$(cat "/proc/$pid/cgroup")" "exec:$(cat "/proc/$xpid/cgroup")"; do
        n=0
        while read -r line; do
            assert_eq "$want" "${line#*:*:}" "${src%%:*} in ${line%:*}"
            n=$((n + 1))
        done <<<"${src#*:}"
        assert_eq "$hier" "$n" "${src%%:*}: hierarchies"
    done
}

t_pids_limit_is_enforced() {
    # the inner shell dies at the first failed fork; its sleeps stay
    make_bundle b sh -c 'sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 600 & done"; echo spawned; exec sleep 600'
    cfg_set b '.linux.resources.pids = {limit: 5}'
    ctr_create pe b
    assert_ok cove start "$(cid pe)"
    wait_file "$TEST_TMP/pe.out"
    local n; n=$(cg_read pids b pids.current pids.current)
    [ "$n" -le 5 ] || fail "pids.current is $n under pids.max=5"
    assert_contains "$(cat "$TEST_TMP/pe.err")" "fork" "container stderr"
}

# device nodes an image ships (made here with mknod in the rootfs): the
# container opens each and prints what happened
devices_bundle() {   # NAME
    make_bundle "$1" sh -c 'for d in /img-tun /img-loop /dev/null; do
        if (: < $d) 2>/tmp/e; then echo "$d opened"; else echo "$d $(cat /tmp/e)"; fi; done'
    mknod "$TEST_TMP/$1/rootfs/img-tun" c 10 200
    mknod "$TEST_TMP/$1/rootfs/img-loop" b 7 0
    cfg_set "$1" '.root.readonly = false'
}

t_without_device_rules_image_device_nodes_stay_closed() {
    # no linux.resources at all: still deny-all + the default list (was
    # "a *:* rwm" on v1, no program on v2: both nodes opened)
    devices_bundle b
    cfg_set b 'del(.linux.resources)'
    ctr_run d b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$OUT" "/img-tun sh: can't open /img-tun: Operation not permitted"
    assert_contains "$OUT" "/img-loop sh: can't open /img-loop: Operation not permitted"
    assert_contains "$OUT" "/dev/null opened" "the default list"
    # the same with resources but no devices list
    cfg_set b '.linux.resources = {pids: {limit: 100}}'
    ctr_run d2 b
    assert_contains "$OUT" "/img-tun sh: can't open /img-tun: Operation not permitted"
    # control: allowed by a rule, the open gets past the cgroup
    cfg_set b '.linux.resources = {devices: [{allow: true, type: "c", major: 10, minor: 200, access: "rw"}]}'
    ctr_run d3 b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_not_contains "$OUT" "/img-tun sh: can't open /img-tun: Operation not permitted" "an allowed node"
    assert_contains "$OUT" "/img-loop sh: can't open /img-loop: Operation not permitted"
}

t_cgroup_is_removed_after_delete() {
    start_limited gone '.linux.resources.memory = {limit: 67108864}'
    local d; d=$(cg_path memory gone)
    [ -d "$d" ] || fail "$d does not exist while the container runs"
    assert_ok cove kill "$(cid gone)" KILL
    wait_status gone stopped
    assert_ok cove delete "$(cid gone)"
    assert_eq "" "$(_cgroups_of gone)" "cgroups left after delete"
}

t_cgroup_is_removed_after_run() {
    make_bundle b true
    cfg_set b '.linux.resources.memory = {limit: 67108864}'
    ctr_run r b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "" "$(_cgroups_of b)" "cgroups left after run"
}

run_cases
