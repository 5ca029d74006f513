#!/bin/bash
# `cove run`: the container's process, its identity and its exit code.
. "$(dirname "$0")/lib.sh"

t_process_is_pid_1_in_its_pid_namespace() {
    make_bundle b sh -c 'echo $$'
    ctr_run pid1 b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq 1 "$OUT" "\$\$ inside the container"
}

t_hostname_comes_from_config() {
    make_bundle b hostname
    cfg_set b '.hostname = "cove-run-basics"'
    ctr_run host b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq cove-run-basics "$OUT" hostname
    assert_ne cove-run-basics "$(hostname)" "host's hostname"
}

t_exit_code_0_propagates() {
    make_bundle b true
    ctr_run e0 b
    assert_eq 0 "$RC" "exit code of run (stderr: $ERR)"
}

t_exit_code_3_propagates() {
    make_bundle b sh -c 'exit 3'
    ctr_run e3 b
    assert_eq 3 "$RC" "exit code of run (stderr: $ERR)"
}

t_exit_137_when_process_exits_with_killed_childs_status() {
    # PID 1 cannot SIGKILL itself from inside its namespace (the kernel drops
    # signals without a handler to a namespace's init), so the shell reports
    # its child's death by SIGKILL as 137
    make_bundle b sh -c 'sh -c "kill -9 \$\$"; exit $?'
    ctr_run e137 b
    assert_eq 137 "$RC" "exit code of run (stderr: $ERR)"
}

t_exit_137_when_init_is_killed_by_sigkill_from_outside() {
    make_bundle b sleep 600
    local id; id=$(cid k9)
    cove run --bundle "$TEST_TMP/b" "$id" > "$TEST_TMP/k9.out" 2>&1 &
    local runner=$!
    wait_status k9 running
    assert_ok cove kill "$id" KILL
    local rc=0; wait "$runner" || rc=$?
    assert_eq 137 "$rc" "exit code of run ($(cat "$TEST_TMP/k9.out"))"
}

t_exit_is_128_plus_signal_number_without_pid_namespace() {
    # without a pid namespace the shell is an ordinary process and can kill
    # itself with any signal: SIGUSR1 (10) -> 138
    make_bundle b sh -c 'kill -USR1 $$; sleep 5'
    cfg_set b 'del(.linux.namespaces[] | select(.type == "pid"))'
    ctr_run usr1 b
    assert_eq 138 "$RC" "exit code of run (stderr: $ERR)"
}

t_env_comes_from_config() {
    make_bundle b sh -c 'echo "$FOO|$EMPTY|$PATH"'
    cfg_set b '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]'
    ctr_run env b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "bar baz||/bin:/usr/bin" "$OUT" "environment"
}

t_env_has_only_configured_variables() {
    make_bundle b env
    cfg_set b '.process.env = ["PATH=/bin", "A=1"]'
    HOST_ONLY_VAR=leak ctr_run envonly b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_not_contains "$OUT" HOST_ONLY_VAR "environment"
    assert_contains "$OUT" "A=1" "environment"
}

t_cwd_comes_from_config() {
    make_bundle b pwd
    cfg_set b '.process.cwd = "/home/user"'
    ctr_run cwd b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq /home/user "$OUT" "working directory"
}

t_args_are_passed_verbatim() {
    make_bundle b sh -c 'printf "%s|" "$0" "$@"' argv0 'a b' '*' '$HOME' ''
    ctr_run args b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq 'argv0|a b|*|$HOME||' "$OUT" "arguments"
}

t_command_is_found_on_configured_path() {
    mkdir -p "$TEST_TMP/b/rootfs/opt/tools"
    make_bundle b mytool
    cp "$TEST_TMP/b/rootfs/bin/busybox" "$TEST_TMP/b/rootfs/opt/tools/busybox"
    printf '#!/bin/sh\necho found-on-path\n' > "$TEST_TMP/b/rootfs/opt/tools/mytool"
    chmod +x "$TEST_TMP/b/rootfs/opt/tools/mytool"
    cfg_set b '.process.env = ["PATH=/opt/tools:/bin"]'
    ctr_run path b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq found-on-path "$OUT" "output"
}

t_loopback_is_up_in_new_network_namespace() {
    # IFF_UP (0x1) | IFF_LOOPBACK (0x8)
    make_bundle b cat /sys/class/net/lo/flags
    ctr_run lo b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq 0x9 "$OUT" "lo flags"
}

t_run_deletes_the_container_afterwards() {
    make_bundle b true
    ctr_run gone b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_exit 1 cove state "$(cid gone)"
    assert_contains "$ERR" "does not exist"
    assert_nothing_left
}

t_run_keep_leaves_a_stopped_container() {
    make_bundle b true
    ctr_run kept b --keep
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq stopped "$(ctr_state kept)" status
    assert_ok cove delete "$(cid kept)"
    assert_nothing_left
}

t_run_detach_returns_while_container_runs() {
    make_bundle b sleep 600
    ctr_run det b --detach
    assert_eq 0 "$RC" "exit code of run -d (stderr: $ERR)"
    assert_eq running "$(ctr_state det)" status
    assert_ok cove kill "$(cid det)" KILL
    wait_status det stopped
    assert_ok cove delete "$(cid det)"
}

t_stdout_and_stderr_are_passed_through() {
    make_bundle b sh -c 'echo to-out; echo to-err >&2'
    ctr_run stdio b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq to-out "$OUT" stdout
    assert_contains "$ERR" to-err stderr
}

run_cases
