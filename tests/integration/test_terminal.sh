#!/bin/bash
# process.terminal: the pty master over --console-socket (one SCM_RIGHTS
# message), consoleSize, /dev/console, the refusals of runc, and cove's own
# relay for a foreground `run -t` / `exec -t`.
. "$(dirname "$0")/lib.sh"

command -v cc >/dev/null || skip "cc not installed (needed for the console receiver)"
command -v script >/dev/null || skip "script (util-linux) not installed"
RECEIVER="$TEST_TMP/console_receiver"
cc -O1 -o "$RECEIVER" "$(dirname "$0")/console_receiver.c" || fail "cannot build console_receiver"

# receiver SOCK INPUT — start the receiver in the background ($RX_PID);
# its stdout/stderr go to $TEST_TMP/rx.out / rx.err
receiver() {
    "$RECEIVER" "$1" "$2" 15 > "$TEST_TMP/rx.out" 2> "$TEST_TMP/rx.err" &
    RX_PID=$!
    local i
    for ((i = 0; i < 100; i++)); do [ -S "$1" ] && return 0; sleep 0.05; done
    fail "console receiver did not listen on $1"
}
# received — wait for the receiver (not in a $(...): a subshell cannot wait
# for it); $RX_OUT is what the pty showed, without CRs
received() { wait "$RX_PID" || true; RX_OUT=$(tr -d '\r' < "$TEST_TMP/rx.out"); }

# assert_line TEXT LINE [WHAT] — TEXT has a line that is exactly LINE
assert_line() { grep -qxF -- "$2" <<<"$1" || fail "${3:-output}: no line '$2' in: $1"; }

# in a pty (script), stdin fed after a delay: pty_run INPUT CMD
pty_run() {
    local input=$1; shift
    RC=0
    (sleep 1; printf '%s' "$input") | timeout 30 script -qec "stty rows 22 cols 77; $*" /dev/null \
        > "$TEST_TMP/pty.out" 2>&1 || RC=$?
    OUT=$(tr -d '\r' < "$TEST_TMP/pty.out")
}

t_console_socket_receives_a_working_pty() {
    make_bundle b sh
    cfg_set b '.process.terminal = true | .process.consoleSize = {height: 33, width: 101}'
    local sock="$TEST_TMP/c.sock"
    receiver "$sock" $'tty; stty size; echo h""i; stat -c %t:%T /dev/console; exit 5\n'
    ctr_run t b -d --console-socket "$sock"
    assert_eq 0 "$RC" "run -d (stderr: $ERR)"
    received; local out=$RX_OUT
    assert_eq "fds=1 name=/dev/ptmx" "$(head -n1 "$TEST_TMP/rx.err")" "one message, one fd"
    assert_line "$out" '/dev/pts/0' "tty"
    assert_line "$out" '33 101' "consoleSize"
    assert_line "$out" 'hi' "round trip"
    assert_line "$out" '88:0' "/dev/console is the pty slave (136:0)"
}

t_create_with_console_socket_then_start() {
    make_bundle b sh -c 'tty; echo created-ok'
    cfg_set b '.process.terminal = true'
    local sock="$TEST_TMP/c.sock"
    receiver "$sock" ''
    ctr_create t b --console-socket "$sock"
    assert_ok cove start "$(cid t)"
    received; local out=$RX_OUT
    assert_contains "$out" "/dev/pts/0
created-ok"
}

t_detached_terminal_without_console_socket_is_refused() {
    make_bundle b sh
    cfg_set b '.process.terminal = true'
    ctr_run t b -d
    assert_eq 1 "$RC"
    assert_contains "$ERR" "cannot allocate tty if cove will detach without setting console socket"
    assert_exit 1 cove create --bundle "$TEST_TMP/b" "$(cid t)"
    assert_contains "$ERR" "cannot allocate tty"
    assert_nothing_left
}

t_console_socket_without_terminal_is_refused() {
    make_bundle b true
    ctr_run t b -d --console-socket "$TEST_TMP/none.sock"
    assert_eq 1 "$RC"
    assert_contains "$ERR" "cannot use console socket if cove will not detach or allocate tty"
    assert_nothing_left
}

t_run_tty_relays_in_the_foreground() {
    make_bundle b sh -c 'tty; stty size; read x; echo got-$x; exit 7'
    pty_run $'abc\n' "$COVE" --root "$ROOT" run -t --bundle "$TEST_TMP/b" "$(cid r)"
    assert_eq 7 "$RC" "exit code through the relay (output: $OUT)"
    assert_eq "/dev/pts/0
22 77
abc
got-abc" "$OUT" "relayed output (size copied from cove's terminal)"
    # the terminal was restored: script's stty would show raw mode otherwise
    assert_nothing_left
}

t_exec_tty_with_console_socket() {
    make_bundle b sleep 1000
    ctr_run e b -d
    local sock="$TEST_TMP/c.sock"
    receiver "$sock" $'tty; echo h""i; exit 4\n'
    assert_ok cove exec -t -d --console-socket "$sock" "$(cid e)" sh
    received; local out=$RX_OUT
    assert_eq "fds=1 name=/dev/ptmx" "$(head -n1 "$TEST_TMP/rx.err")"
    assert_line "$out" '/dev/pts/0'
    assert_line "$out" 'hi'
}

t_exec_tty_relays_in_the_foreground() {
    make_bundle b sleep 1000
    ctr_run e b -d
    pty_run $'abc\n' "$COVE" --root "$ROOT" exec -t "$(cid e)" sh -c "'tty; read x; echo got-\$x; exit 9'"
    assert_eq 9 "$RC" "exit code (output: $OUT)"
    assert_eq "/dev/pts/0
abc
got-abc" "$OUT"
    assert_exit 1 cove exec -t -d "$(cid e)" sh
    assert_contains "$ERR" "cannot allocate tty"
    assert_exit 1 cove exec --console-socket "$TEST_TMP/x.sock" "$(cid e)" sh
    assert_contains "$ERR" "cannot use console socket"
}

t_run_tty_restores_the_terminal_mode() {
    make_bundle b true
    pty_run '' "stty -g > $TEST_TMP/before; $COVE --root $ROOT run -t --bundle $TEST_TMP/b $(cid r); stty -g > $TEST_TMP/after"
    assert_eq 0 "$RC" "run (output: $OUT)"
    assert_eq "$(cat "$TEST_TMP/before")" "$(cat "$TEST_TMP/after")" "stty -g before/after"
}

run_cases
