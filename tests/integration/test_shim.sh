#!/bin/bash
# cove-shim and the shell-user commands: run -d + wait, exitCode in state,
# logs, --rm, --timeout, signal forwarding for foreground run, the client
# dying during run -d, no zombies, the shim's memory (docs/shim.md).
. "$(dirname "$0")/lib.sh"

"$COVE" wait --help >/dev/null 2>&1 || skip "$COVE has no wait command (not cove?)"

SHIM_DIR=$(dirname "$COVE")
[ -x "$SHIM_DIR/cove-shim" ] || skip "no cove-shim next to $COVE"

# run_d NAME BUNDLE [FLAGS...] — `cove run -d`, must succeed.
run_d() {
    local n=$1 b; b=$(_abs "$2"); shift 2
    assert_ok cove run -d --bundle "$b" "$@" "$(cid "$n")"
}

# shim_pid NAME — pid of the cove-shim of container NAME.
shim_pid() {
    local p id; id=$(cid "$1")
    for p in /proc/[0-9]*; do
        [ "$(cat "$p/comm" 2>/dev/null)" = cove-shim ] || continue
        tr '\0' '\n' < "$p/cmdline" 2>/dev/null | grep -qx -- "$id" && { echo "${p#/proc/}"; return 0; }
    done
    return 0
}

# zombies — "pid ppid-comm" of every zombie whose parent is a cove or cove-shim.
zombies() {
    local p st pp line
    for p in /proc/[0-9]*/stat; do
        line=$(awk '{ sub(/^.*\) /, ""); print $1, $2 }' "$p" 2>/dev/null || true)
        st=${line%% *}; pp=${line#* }
        [ "$st" = Z ] || continue
        case $(cat "/proc/$pp/comm" 2>/dev/null) in cove|cove-shim) echo "${p%/stat} parent $pp";; esac
    done
    return 0
}

t_run_detached_then_wait_prints_and_returns_exit_code() {
    make_bundle b sh -c 'sleep 0.3; exit 7'
    run_d w b
    assert_exit 7 cove wait "$(cid w)"
    assert_eq 7 "$OUT" "wait output"
}

t_state_after_exit_shows_stopped_with_exitCode_and_finished() {
    make_bundle b sh -c 'exit 5'
    run_d s b
    assert_exit 5 cove wait "$(cid s)"
    assert_eq stopped "$(ctr_state s)" status
    assert_eq 5 "$(ctr_state s .exitCode)" exitCode
    assert_match "$(ctr_state s .finishedAt)" '^20[0-9-]+T[0-9:.]+Z$' finished
    assert_ok cove delete "$(cid s)"
}

t_wait_on_signalled_container_returns_128_plus_signal() {
    make_bundle b sleep 100
    run_d k b
    assert_ok cove kill "$(cid k)" KILL
    assert_exit 137 cove wait "$(cid k)"
}

t_logs_captures_stdout_and_stderr_by_stream() {
    make_bundle b sh -c 'echo out-line-1; echo err-line-1 >&2; printf partial; echo " rest"'
    run_d l b
    assert_exit 0 cove wait "$(cid l)"
    assert_ok cove logs "$(cid l)"
    assert_eq "out-line-1
partial rest" "$OUT" "logs stdout"
    assert_eq "err-line-1" "$ERR" "logs stderr"
    local log="$ROOT/$(cid l)/ctr.log"
    assert_match "$(head -n1 "$log")" '^20[0-9-]+T[0-9:.]+Z stdout F out-line-1$' "ctr.log format"
    assert_ok cove logs -t "$(cid l)"
    assert_match "$(head -n1 <<<"$OUT")" '^20[0-9-]+T[0-9:.]+Z out-line-1$' "logs -t"
}

t_logs_follow_prints_new_output_and_stops_with_container() {
    make_bundle b sh -c 'echo first; sleep 1; echo second; sleep 0.5'
    run_d f b
    assert_ok cove logs -f "$(cid f)"
    assert_eq "first
second" "$OUT" "logs -f"
}

t_logs_of_container_without_shim_is_an_error() {
    make_bundle b sleep 100
    ctr_create n b
    assert_exit 1 cove logs "$(cid n)"
    assert_contains "$ERR" "has no log"
}

t_run_detached_rm_leaves_nothing() {
    # long enough for wait to find it: a --rm container that is gone is gone
    make_bundle b sh -c 'echo bye; sleep 0.5; exit 3'
    run_d r b --rm
    assert_exit 3 cove wait "$(cid r)"
    assert_nothing_left
}

t_create_shim_start_then_wait() {
    make_bundle b sh -c 'exit 9'
    assert_ok cove create --shim --bundle "$(_abs b)" "$(cid c)"
    assert_eq created "$(ctr_state c)" status
    [ -n "$(shim_pid c)" ] || fail "no cove-shim for a create --shim container"
    assert_ok cove start "$(cid c)"
    assert_exit 9 cove wait "$(cid c)"
    assert_eq 9 "$(ctr_state c .exitCode)" exitCode
}

t_create_without_shim_has_no_shim_and_wait_says_not_recorded() {
    make_bundle b sleep 100
    ctr_create n b
    [ -z "$(shim_pid n)" ] || fail "create without --shim started a shim"
    assert_ok cove start "$(cid n)"
    assert_ok cove kill "$(cid n)" KILL
    wait_status n stopped
    assert_exit 1 cove wait "$(cid n)"
    assert_contains "$ERR" "not recorded"
}

t_foreground_run_timeout_exits_124_and_leaves_nothing() {
    make_bundle b sleep 100
    local t0=$SECONDS
    ctr_run t b --timeout 2 --timeout-grace 1
    assert_eq 124 "$RC" "exit code (stderr: $ERR)"
    (( SECONDS - t0 <= 6 )) || fail "took $((SECONDS - t0))s for --timeout 2 + grace 1"
    assert_nothing_left
}

t_timeout_kills_every_process_of_the_container() {
    # the init ignores TERM; its children too: only the SIGKILL to all ends it
    make_bundle b sh -c 'trap "" TERM; sleep 100 & sleep 100 & wait'
    cfg_set b '.linux.namespaces |= map(select(.type != "pid"))'
    run_d t b --rm --timeout 1 --timeout-grace 1
    assert_exit 124 cove wait "$(cid t)"
    assert_nothing_left
}

t_after_the_deadline_no_step_of_the_job_starts() {
    # a shell as PID 1 has no SIGTERM handler, so the kernel gives it no
    # SIGTERM: it used to go on with its next command after its sleep died
    make_bundle b sh -c 'echo a; sleep 60; echo not-reached'
    local t0=$SECONDS
    ctr_run d b --timeout 2
    assert_eq 124 "$RC" "exit code (stderr: $ERR)"
    assert_eq a "$OUT" "output of the job"
    (( SECONDS - t0 <= 3 )) || fail "took $((SECONDS - t0))s for --timeout 2 (grace 10 waited for nothing)"
    assert_nothing_left
}

t_an_init_with_a_sigterm_handler_gets_the_grace_period() {
    make_bundle b sh -c 'trap "echo cleaning; exit 3" TERM; echo a; sleep 60 & wait; echo not-reached'
    ctr_run g b --timeout 1 --timeout-grace 5
    assert_eq 124 "$RC" "exit code (stderr: $ERR)"
    assert_eq "a
cleaning" "$OUT" "the handler ran, nothing after it"
    assert_nothing_left
}

t_foreground_keep_records_exit_code() {
    make_bundle b sh -c 'exit 4'
    ctr_run k b --keep
    assert_eq 4 "$RC" "run exit code"
    assert_eq 4 "$(ctr_state k .exitCode)" exitCode
    assert_exit 4 cove wait "$(cid k)"
}

t_foreground_run_forwards_SIGINT_to_init() {
    make_bundle b sh -c 'trap "echo got-int; exit 3" INT; echo ready; sleep 100 & wait'
    # a background job of a script starts with SIGINT ignored, and so would
    # the container's shell (a trap cannot undo that): restore the default
    env --default-signal=INT "$COVE" --root "$ROOT" run --bundle "$(_abs b)" "$(cid i)" > "$TEST_TMP/i.out" 2>&1 </dev/null &
    local pid=$!
    wait_file "$TEST_TMP/i.out"
    kill -INT "$pid"
    local rc=0
    wait "$pid" || rc=$?
    assert_eq 3 "$rc" "run exit code ($(cat "$TEST_TMP/i.out"))"
    assert_contains "$(cat "$TEST_TMP/i.out")" got-int
    assert_nothing_left
}

t_detached_container_survives_client_and_shim_is_its_parent() {
    make_bundle b sleep 100
    run_d p b
    local init shim
    init=$(ctr_state p .pid)
    shim=$(shim_pid p)
    [ -n "$shim" ] || fail "no cove-shim"
    assert_eq "$shim" "$(awk '{ sub(/^.*\) /, ""); print $2 }' "/proc/$init/stat")" "parent of the init"
    assert_eq running "$(ctr_state p)" status
    # the shim forwards TERM; sleep as a pid-ns init ignores it, KILL works
    kill -TERM "$shim"
    sleep 0.2
    assert_eq running "$(ctr_state p)" "status after TERM to the shim"
    assert_ok cove delete --force "$(cid p)"
    wait_pid_gone "$shim"
}

t_shim_forwards_SIGTERM_to_the_init() {
    make_bundle b sh -c 'trap "exit 42" TERM; sleep 100 & wait'
    run_d t b
    local shim; shim=$(shim_pid t)
    sleep 0.2
    kill -TERM "$shim"
    assert_exit 42 cove wait "$(cid t)"
}

t_killing_client_during_run_d_leaves_container_or_nothing() {
    make_bundle b sleep 100
    local d i n pid st
    for d in 0 0.005 0.01 0.02 0.05 0.1; do
        n="x${d/./}"
        "$COVE" --root "$ROOT" run -d --bundle "$(_abs b)" "$(cid "$n")" >/dev/null 2>&1 </dev/null &
        pid=$!
        sleep "$d"
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        # settle: the shim either finishes (container running) or undoes all
        for ((i = 0; i < 100; i++)); do
            [ -z "$(shim_pid "$n")" ] && break
            st=$(ctr_state "$n")
            [ "$st" = running ] && break
            sleep 0.05
        done
        st=$(ctr_state "$n")
        note "killed after ${d}s: $st"
        if [ "$st" = running ]; then
            assert_ok cove delete --force "$(cid "$n")"
        fi
        assert_nothing_left
    done
}

t_shim_reaps_orphans_no_zombie_left() {
    # no pid namespace: orphans of the container are reparented to the shim
    make_bundle b sh -c '(sleep 0.2 &); (sleep 0.3 &); sleep 1.5'
    cfg_set b '.linux.namespaces |= map(select(.type != "pid"))'
    run_d z b
    sleep 0.8
    local z; z=$(zombies)
    [ -z "$z" ] || fail "zombies: $z"
    assert_exit 0 cove wait "$(cid z)"
    assert_ok cove delete "$(cid z)"
    z=$(zombies)
    [ -z "$z" ] || fail "zombies: $z"
}

t_shim_private_memory_under_1MiB() {
    make_bundle b sleep 100
    run_d m b
    local shim; shim=$(shim_pid m)
    [ -n "$shim" ] || fail "no cove-shim"
    local pd pss
    pd=$(awk '/^Private_Dirty:/ { print $2 }' "/proc/$shim/smaps_rollup")
    pss=$(awk '/^Pss:/ { print $2 }' "/proc/$shim/smaps_rollup")
    note "cove-shim: Private_Dirty ${pd} kB, Pss ${pss} kB"
    (( pd < 1024 )) || fail "cove-shim Private_Dirty ${pd} kB >= 1 MiB"
    assert_ok cove delete --force "$(cid m)"
}

run_cases
