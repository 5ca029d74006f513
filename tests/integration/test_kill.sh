#!/bin/bash
# `cove kill [--all] ID [SIGNAL]`: signal names and numbers, default TERM,
# and the error words orchestrators match on.
. "$(dirname "$0")/lib.sh"

# A container whose init handles TERM/USR1/HUP (a namespace's init ignores
# signals it has no handler for) and reports them on stdout.
trap_script='for s in TERM USR1 HUP; do trap "echo got-$s" $s; done
trap "echo got-TERM; exit 0" TERM
echo ready
while :; do sleep 1 & wait $!; done'

start_sleeper() {   # NAME
    make_bundle "b-$1" sleep 600
    ctr_create "$1" "b-$1"
    assert_ok cove start "$(cid "$1")"
}
start_trapper() {   # NAME
    make_bundle "b-$1" sh -c "$trap_script"
    ctr_create "$1" "b-$1"
    assert_ok cove start "$(cid "$1")"
    wait_file "$TEST_TMP/$1.out"
}

t_kill_by_name_KILL_stops_container() {
    start_sleeper k
    assert_ok cove kill "$(cid k)" KILL
    wait_status k stopped
}

t_kill_by_name_SIGKILL_stops_container() {
    start_sleeper k
    assert_ok cove kill "$(cid k)" SIGKILL
    wait_status k stopped
}

t_kill_by_number_9_stops_container() {
    start_sleeper k
    assert_ok cove kill "$(cid k)" 9
    wait_status k stopped
}

t_kill_without_signal_sends_TERM() {
    start_trapper t
    assert_ok cove kill "$(cid t)"
    wait_status t stopped
    assert_contains "$(ctr_output t)" got-TERM "container output"
}

t_kill_TERM_by_name_prefix_and_number() {
    local sig
    for sig in TERM SIGTERM 15; do
        start_trapper "t$sig"
        assert_ok cove kill "$(cid "t$sig")" "$sig"
        wait_status "t$sig" stopped
        assert_contains "$(ctr_output "t$sig")" got-TERM "output after kill $sig"
    done
}

t_kill_USR1_is_delivered_and_container_keeps_running() {
    start_trapper u
    assert_ok cove kill "$(cid u)" USR1
    local i
    for ((i = 0; i < 100; i++)); do
        case $(ctr_output u) in *got-USR1*) break ;; esac
        sleep 0.05
    done
    assert_contains "$(ctr_output u)" got-USR1 "container output"
    assert_eq running "$(ctr_state u)" status
}

t_kill_created_container_stops_it() {
    make_bundle b sleep 600
    ctr_create c b
    assert_ok cove kill "$(cid c)" KILL
    wait_status c stopped
}

t_kill_all_kills_every_process_of_the_container() {
    make_bundle b sh -c 'sleep 600 & sleep 601 & echo ready; wait'
    ctr_create a b
    assert_ok cove start "$(cid a)"
    wait_file "$TEST_TMP/a.out"
    local procs; procs=$(_pids_in_tmp | wc -l)
    [ "$procs" -ge 3 ] || fail "expected >= 3 processes in the container, saw $procs"
    assert_ok cove kill --all "$(cid a)" KILL
    wait_status a stopped
    local i
    for ((i = 0; i < 100; i++)); do [ -z "$(_pids_in_tmp)" ] && break; sleep 0.05; done
    assert_eq "" "$(_pids_in_tmp)" "processes left after kill --all"
}

t_kill_on_stopped_container_says_container_not_running() {
    make_bundle b true
    ctr_create s b
    assert_ok cove start "$(cid s)"
    wait_status s stopped
    assert_exit 1 cove kill "$(cid s)" KILL
    assert_contains "$ERR" "container not running"
}

t_kill_on_missing_container_says_does_not_exist() {
    assert_exit 1 cove kill "$(cid nope)" KILL
    assert_contains "$ERR" "container \"$(cid nope)\" does not exist"
}

t_kill_with_unknown_signal_fails_and_container_keeps_running() {
    start_sleeper k
    run_capture cove kill "$(cid k)" NOTASIGNAL
    assert_ne 0 "$RC" "exit code of kill NOTASIGNAL"
    assert_eq running "$(ctr_state k)" status
}

run_cases
