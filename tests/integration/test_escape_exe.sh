#!/bin/bash
# Escape class: overwriting the runtime binary through /proc/<pid>/exe
# (CVE-2019-5736). Until its execve, a container's init is an image of the
# cove binary; a hostile process already in the container's pid namespace
# must not get an fd to that binary or that memory. The defence: cove
# makes itself non-dumpable before clone3, so the init's /proc/<pid>/{exe,
# mem,fd} need CAP_SYS_PTRACE (which containers do not get), and it never
# re-executes itself inside the container.
#
# The race is tested twice: against `cove exec` (its child is a cove image
# inside the pid namespace until execve; a short window, hit 40 times), and
# against a second container joining a running one's pid namespace: that
# joining init is visible for as long as it waits in "created", which makes
# the window as wide as we like (and gives the positive control).
. "$(dirname "$0")/lib.sh"

t_init_is_not_dumpable_before_exec() {
    # the files under /proc/<pid> of a non-dumpable process are owned by
    # root whatever its uid; of a dumpable one, by its euid. The waiting init already runs as
    # uid 1000 (user+caps are set before the fifo wait).
    make_bundle b sleep 30
    cfg_set b '.process.user = {uid: 1000, gid: 1000}'
    ctr_create d b
    local pid; pid=$(ctr_state d .pid)
    assert_eq 1000 "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" "uid of the waiting init"
    assert_eq 0 "$(stat -c %u "/proc/$pid/status")" "owner of /proc/<init>/status before exec (non-dumpable)"
    # after exec the workload is an ordinary, dumpable process again
    assert_ok cove start "$(cid d)"
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(stat -c %u "/proc/$pid/status" 2>/dev/null)" = 1000 ] && break
        sleep 0.05
    done
    assert_eq 1000 "$(stat -c %u "/proc/$pid/status")" "owner of /proc/<pid>/status after exec"
}

# make_attacker [exec] — bundle "a": the attacker, root in its container
# with the default capabilities; logs every success to $TEST_TMP/log/hits.
# With "exec" it only logs readlink and open-for-write: a process `cove exec`
# starts becomes an ordinary, readable container process at its execve, so a
# read that lands after that execve is not a hit.
make_attacker() {
    local reads='cat $p/exe > /dev/null 2>&1 && echo "open-r $p" >> /log/hits
                cat $p/environ > /dev/null 2>&1 && echo "environ $p" >> /log/hits'
    [ "${1:-}" = exec ] && reads=:
    # It loops over every other pid it can see and tries to open
    # /proc/<pid>/exe for reading and writing, and to read its link; any
    # success is logged to a file the test reads.
    mkdir -p "$TEST_TMP/log"
    # (external commands and subshells only: a failed redirection on a
    # shell builtin would make A's init, and with it A's pid ns, exit)
    make_bundle a sh -c '
        while [ ! -e /log/stop ]; do
            for p in /proc/[0-9]*; do
                case $p in /proc/1|/proc/$$) continue ;; esac
                l=$(readlink $p/exe 2>/dev/null)
                [ "$l" = /bin/busybox ] && continue   # our own children
                [ -n "$l" ] && echo "readlink $p -> $l" >> /log/hits
                ( exec 3>>$p/exe ) 2>/dev/null && echo "open-w $p" >> /log/hits
                '"$reads"'
                echo "$p" > /log/seen
            done
        done; echo stopped > /log/done'
    cfg_set a --arg l "$TEST_TMP/log" \
        '.mounts += [{destination: "/log", type: "bind", source: $l, options: ["bind", "rw"]}]'
}

# attack CAPS_JQ — run the attack with A's capabilities edited by CAPS_JQ;
# leaves A's findings in $TEST_TMP/log/hits
attack() {
    make_attacker
    cfg_set a "$1"
    ctr_create a a
    assert_ok cove start "$(cid a)"
    local apid; apid=$(ctr_state a .pid)

    # B joins A's pid namespace; its init waits in "created" (a cove image)
    make_bundle b true
    cfg_set b --arg ns "/proc/$apid/ns/pid" \
        '.linux.namespaces = [.linux.namespaces[] | if .type == "pid" then .path = $ns else . end]'
    local i j bpid
    for i in 1 2 3; do
        ctr_create "b$i" b
        bpid=$(ctr_state "b$i" .pid)
        # B's init really is visible to A (same pid ns) and really is cove
        assert_eq "$(readlink -f "$COVE")" "$(readlink -f "/proc/$bpid/exe")" "exe of the waiting init (host view)"
        # wait until A has had a go at B's init
        for ((j = 0; j < 100; j++)); do
            [ "$(cat "$TEST_TMP/log/seen" 2>/dev/null)" = "/proc/$(awk '/^NSpid:/ { print $3 }' "/proc/$bpid/status")" ] && break
            sleep 0.05
        done
        [ "$j" -lt 100 ] || fail "container A never saw the init of b$i (pid $bpid)"
        cove delete --force "$(cid "b$i")" >/dev/null
    done
    touch "$TEST_TMP/log/stop"
    wait_file "$TEST_TMP/log/done" 10
    cove delete --force "$(cid a)" >/dev/null
}

t_container_cannot_open_the_exe_of_a_joining_init() {
    attack .
    [ ! -s "$TEST_TMP/log/hits" ] || fail "container A reached a joining init: $(cat "$TEST_TMP/log/hits")"
}

t_container_cannot_reach_cove_exec_joining_its_pid_namespace() {
    # the same attacker, racing `cove exec`: the exec'd process is a copy of
    # cove inside A's pid namespace until its execve
    make_attacker exec
    ctr_create a a
    assert_ok cove start "$(cid a)"
    local sum; sum=$(sha256sum < "$COVE")
    local i
    for ((i = 0; i < 40; i++)); do
        cove exec "$(cid a)" true >/dev/null 2>&1 || fail "cove exec $i failed"
    done
    touch "$TEST_TMP/log/stop"
    wait_file "$TEST_TMP/log/done" 10
    cove delete --force "$(cid a)" >/dev/null
    [ ! -s "$TEST_TMP/log/hits" ] || fail "container reached a cove exec process: $(cat "$TEST_TMP/log/hits")"
    assert_eq "$sum" "$(sha256sum < "$COVE")" "cove binary unchanged"
}

t_attack_detects_access_when_the_barrier_is_lifted() {
    # positive control: with CAP_SYS_PTRACE the non-dumpable barrier does not
    # apply, and the same attack must report hits (else it proves nothing)
    attack '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
    grep -q "readlink .* -> .*cove" "$TEST_TMP/log/hits" ||
        fail "attack with CAP_SYS_PTRACE found nothing: $(cat "$TEST_TMP/log/hits" 2>/dev/null)"
}

run_cases
