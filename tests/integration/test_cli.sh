#!/bin/bash
# The command line itself: --version, --help, spec, features, logging,
# refused options.
. "$(dirname "$0")/lib.sh"

is_cove() { [ "$(basename "$COVE")" = cove ]; }

t_version_prints_a_version() {
    assert_ok cove --version
    assert_contains "$OUT" version
    assert_match "$OUT" '[0-9]+\.[0-9]+\.[0-9]+' "version output"
    if is_cove && [ -n "${COVE_SRC_DIR:-}" ]; then
        local v; v=$(sed -n 's/^project(cove VERSION \([0-9.]*\).*/\1/p' "$COVE_SRC_DIR/CMakeLists.txt")
        assert_contains "$OUT" "$v" "version output"
    fi
}

t_help_lists_every_command() {
    assert_ok cove --help
    local c
    for c in create start run state list kill delete spec features; do
        assert_match "$OUT" "(^|[[:space:]])$c([[:space:]]|$)" "--help lists $c"
    done
}

t_command_help_describes_its_flags() {
    assert_ok cove create --help
    assert_contains "$OUT" --bundle "create --help"
    assert_contains "$OUT" --pid-file "create --help"
    assert_ok cove run --help
    assert_contains "$OUT" --detach "run --help"
    assert_ok cove kill --help
    assert_contains "$OUT" --all "kill --help"
    assert_ok cove list --help
    assert_contains "$OUT" --format "list --help"
    assert_ok cove delete --help
    assert_contains "$OUT" --force "delete --help"
}

t_unknown_command_fails() {
    run_capture cove no-such-command
    assert_ne 0 "$RC" "exit code of an unknown command"
    assert_contains "$ERR$OUT" no-such-command
}

t_missing_container_id_fails() {
    run_capture cove state
    assert_ne 0 "$RC" "exit code of state without an id"
}

t_spec_writes_a_default_config() {
    mkdir -p "$TEST_TMP/s"
    assert_ok cove spec --bundle "$TEST_TMP/s"
    local c="$TEST_TMP/s/config.json"
    [ -s "$c" ] || fail "spec wrote no config.json"
    assert_eq '["sh"]' "$(jq -c .process.args "$c")" process.args
    assert_eq true "$(jq .process.terminal "$c")" process.terminal
    assert_eq rootfs "$(jq -r .root.path "$c")" root.path
    assert_match "$(jq -r .ociVersion "$c")" '^1\.' ociVersion
    local ns; ns=$(jq -r '[.linux.namespaces[].type] | sort | join(",")' "$c")
    for t in ipc mount network pid uts; do assert_contains "$ns" "$t" "linux.namespaces"; done
}

t_spec_in_current_directory_without_bundle_flag() {
    mkdir -p "$TEST_TMP/cwd"
    ( cd "$TEST_TMP/cwd" && "$COVE" spec ) > "$TEST_TMP/cwd.out" 2>&1 ||
        fail "spec in cwd failed: $(cat "$TEST_TMP/cwd.out")"
    [ -s "$TEST_TMP/cwd/config.json" ] || fail "spec wrote no ./config.json"
}

t_spec_refuses_to_overwrite_config() {
    mkdir -p "$TEST_TMP/s"
    echo '{"keep":1}' > "$TEST_TMP/s/config.json"
    run_capture cove spec --bundle "$TEST_TMP/s"
    assert_ne 0 "$RC" "exit code of spec over an existing config.json"
    assert_eq '{"keep":1}' "$(jq -c . "$TEST_TMP/s/config.json")" "existing config.json"
}

t_spec_rootless_adds_a_user_namespace() {
    mkdir -p "$TEST_TMP/rl"
    assert_ok cove spec --rootless --bundle "$TEST_TMP/rl"
    local c="$TEST_TMP/rl/config.json"
    assert_eq 1 "$(jq '[.linux.namespaces[] | select(.type == "user")] | length' "$c")" "user namespace"
    assert_eq 1 "$(jq '.linux.uidMappings | length' "$c")" "uidMappings"
    assert_eq 1 "$(jq '.linux.gidMappings | length' "$c")" "gidMappings"
}

t_spec_output_runs_after_editing_args_and_terminal() {
    mkdir -p "$TEST_TMP/s"
    assert_ok cove spec --bundle "$TEST_TMP/s"
    make_rootfs s/rootfs
    cfg_set s --arg cg "$CG_PARENT/s" \
        '.process.terminal = false | .process.args = ["sh", "-c", "echo spec-ok"] | .linux.cgroupsPath = $cg'
    ctr_run spec s
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq spec-ok "$OUT" "container output"
}

t_features_is_json_with_oci_version_range() {
    assert_ok cove features
    jq -e . >/dev/null <<<"$OUT" || fail "features is not JSON: $OUT"
    assert_match "$(jq -r .ociVersionMin <<<"$OUT")" '^1\.[0-9]+\.[0-9]+' ociVersionMin
    assert_match "$(jq -r .ociVersionMax <<<"$OUT")" '^1\.[0-9]+\.[0-9]+' ociVersionMax
    assert_eq true "$(jq '.linux.namespaces | index("pid") != null' <<<"$OUT")" "linux.namespaces has pid"
    assert_eq true "$(jq '.mountOptions | index("rbind") != null' <<<"$OUT")" "mountOptions has rbind"
    assert_eq true "$(jq '.linux.cgroup.systemd and .linux.cgroup.systemdUser' <<<"$OUT")" "systemd and systemdUser"
}

t_log_format_json_writes_json_lines() {
    local log="$TEST_TMP/json.log"
    run_capture cove --log "$log" --log-format json state "$(cid nope)"
    assert_eq 1 "$RC" "exit code of state on a missing container"
    [ -s "$log" ] || fail "nothing written to --log $log"
    local line n=0
    while IFS= read -r line; do
        n=$((n + 1))
        jq -e 'has("level") and has("msg") and has("time")' >/dev/null 2>&1 <<<"$line" ||
            fail "log line $n is not JSON with level/msg/time: $line"
    done < "$log"
    local err; err=$(jq -r 'select(.level == "error") | .msg' "$log")
    assert_contains "$err" "does not exist" "error in the log"
    assert_match "$(jq -r 'select(.level == "error") | .time' "$log" | head -1)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "time"
}

t_log_text_writes_the_error_to_the_file() {
    local log="$TEST_TMP/text.log"
    run_capture cove --log "$log" state "$(cid nope)"
    assert_eq 1 "$RC" "exit code of state on a missing container"
    assert_contains "$(cat "$log" 2>/dev/null)" "does not exist" "text log"
}

t_debug_flag_is_accepted() {
    make_bundle b true
    run_capture cove --debug --log "$TEST_TMP/debug.log" run --bundle "$TEST_TMP/b" "$(cid dbg)"
    assert_eq 0 "$RC" "exit code of run with --debug (stderr: $ERR)"
}

t_bundle_short_flag_b_works() {
    make_bundle b sh -c 'echo short-b'
    run_capture cove run -b "$TEST_TMP/b" "$(cid short)"
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq short-b "$OUT" output
}

t_root_flag_places_state_under_it() {
    make_bundle b sleep 600
    ctr_create st b
    [ -d "$ROOT/$(cid st)" ] || fail "no $ROOT/$(cid st) after create: $(ls -A "$ROOT")"
    if is_cove; then
        jq -e . "$ROOT/$(cid st)/state.json" >/dev/null || fail "$ROOT/$(cid st)/state.json is not JSON"
    fi
}

# every command either takes an option or refuses it naming it; none is
# ignored (cove image ls --image-root DIR used to list the default store)
t_every_command_names_an_unknown_option() {
    local cmd
    for cmd in create start run exec state list kill delete spec features wait logs pause resume ps \
               update events bundle sandbox "image import" "image ls" "image inspect x" "image rm x" "image gc"; do
        # shellcheck disable=SC2086  # "image ls" splits on purpose
        run_capture "$COVE" --root "$ROOT" $cmd --no-such-flag x
        assert_eq 1 "$RC" "cove $cmd --no-such-flag"
        assert_contains "$ERR" "--no-such-flag" "cove $cmd: the error names the option"
    done
}

t_a_global_option_after_a_runc_command_is_refused_naming_it() {
    local cmd
    for cmd in state kill delete list ps pause; do
        run_capture "$COVE" "$cmd" --root "$ROOT" x
        assert_eq 1 "$RC" "cove $cmd --root"
        assert_contains "$ERR" "--root is a global option: put it before the command"
    done
    run_capture "$COVE" state --log-format=json x
    assert_contains "$ERR" "--log-format is a global option"
}

t_coves_own_commands_take_global_options_after_the_command() {
    mkdir -p "$TEST_TMP/store"
    assert_ok "$COVE" image ls --image-root "$TEST_TMP/store"
    [ -d "$TEST_TMP/store/layers" ] || fail "image ls --image-root did not use $TEST_TMP/store"
    assert_ok "$COVE" image gc --image-root="$TEST_TMP/store2"
    [ -d "$TEST_TMP/store2/layers" ] || fail "image gc --image-root= did not use $TEST_TMP/store2"
    # wait/logs with --root after the command find the container there
    make_bundle b sh -c 'echo hello; exit 3'
    assert_ok "$COVE" --root "$ROOT" run -d --bundle "$TEST_TMP/b" "$(cid w)"
    assert_exit 3 "$COVE" wait --root "$ROOT" "$(cid w)"
    assert_ok "$COVE" logs "$(cid w)" --root "$ROOT"
    assert_eq hello "$OUT" "logs with --root after the command"
    assert_exit 1 "$COVE" image ls extra
    assert_contains "$ERR" "unexpected argument extra"
}

# --debug: the start-up breakdown (lib/trace.h), one line per phase, from
# before the protecting re-exec to the end of delete; nothing without it
t_debug_prints_the_start_up_breakdown() {
    make_bundle b true
    run_capture timeout 30 "$COVE" --root "$ROOT" --debug run --bundle "$(_abs b)" "$(cid b)"
    assert_eq 0 "$RC" "run --debug (stderr: $ERR)"
    local phase
    for phase in "start (before the re-exec)" "create: config.json parsed" "create: clone3 of the init" \
                 "create: GO to READY" "run: the workload exited" "delete: state dir removed" "cli: done"; do
        assert_contains "$ERR" "$phase"
    done
    assert_match "$(grep -m1 'create: clone3' <<<"$ERR")" 'timing: +[0-9]+\.[0-9]{3} ms'
    ctr_run b2 b
    assert_eq 0 "$RC" "run"
    case $ERR in *timing:*) fail "timing lines without --debug: $ERR" ;; esac
    assert_nothing_left
}

run_cases
