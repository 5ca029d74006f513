#!/bin/bash
# Bad bundles: each fails with exit 1, a message naming the JSON path or
# file, and leaves NOTHING behind (no state under --root, no cgroup, no
# mount, no process) — for create and for run.
. "$(dirname "$0")/lib.sh"

# expect_refused NAME BUNDLE NEEDLE... — create and run both exit 1 with
# every NEEDLE in stderr (or the --log file), and nothing is left.
expect_refused() {
    local n=$1 b=$2 cmd needle; shift 2
    for cmd in create run; do
        run_capture cove --log "$TEST_TMP/$n-$cmd.log" "$cmd" --bundle "$TEST_TMP/$b" "$(cid "$n-$cmd")"
        local msg; msg="$ERR $(cat "$TEST_TMP/$n-$cmd.log" 2>/dev/null)"
        assert_eq 1 "$RC" "exit code of $cmd (stderr: $ERR)"
        for needle in "$@"; do assert_contains "$msg" "$needle" "error of $cmd"; done
        assert_nothing_left "$b"
        assert_exit 1 cove state "$(cid "$n-$cmd")"
    done
}

t_invalid_json_is_refused() {
    make_bundle b true
    printf '{ "ociVersion": "1.0.2", "process": ' > "$TEST_TMP/b/config.json"
    expect_refused json b config.json
}

t_missing_config_json_is_refused() {
    make_bundle b true
    rm "$TEST_TMP/b/config.json"
    expect_refused noconfig b config.json
}

t_unknown_rlimit_is_refused_naming_the_field() {
    make_bundle b true
    cfg_set b '.process.rlimits = [{type: "RLIMIT_FOO", soft: 1, hard: 1}]'
    expect_refused rlimit b 'process.rlimits[0].type' RLIMIT_FOO
}

t_relative_cwd_is_refused_naming_the_field() {
    make_bundle b true
    cfg_set b '.process.cwd = "relative/dir"'
    expect_refused cwd b process.cwd
}

t_missing_rootfs_is_refused_naming_the_path() {
    make_bundle b true
    cfg_set b '.root.path = "no-such-rootfs"'
    expect_refused rootfs b no-such-rootfs
}

t_nonexistent_command_is_refused_naming_it() {
    make_bundle b /no/such/command
    expect_refused cmd b /no/such/command
}

t_command_not_on_path_is_refused_naming_it() {
    make_bundle b no-such-command-on-path
    expect_refused cmdpath b no-such-command-on-path
}

t_empty_args_are_refused_naming_the_field() {
    make_bundle b true
    cfg_set b '.process.args = []'
    expect_refused args b process.args
}

t_unknown_namespace_type_is_refused_naming_the_field() {
    make_bundle b true
    local i; i=$(cfg_get b '.linux.namespaces | length')
    cfg_set b '.linux.namespaces += [{type: "bogus"}]'
    expect_refused ns b "linux.namespaces[$i]" bogus
}

t_missing_bind_source_is_refused_naming_it() {
    make_bundle b true
    cfg_set b --arg src "$TEST_TMP/no-such-source" \
        '.mounts += [{destination: "/mnt/x", type: "bind", source: $src, options: ["bind"]}]'
    expect_refused bind b "$TEST_TMP/no-such-source"
}

t_bad_mount_type_fails_without_leftovers() {
    make_bundle b true
    cfg_set b '.mounts += [{destination: "/mnt/x", type: "nosuchfs", source: "none"}]'
    expect_refused fstype b /mnt/x
}

t_missing_bundle_dir_is_refused() {
    run_capture cove create --bundle "$TEST_TMP/no-such-bundle" "$(cid nob)"
    assert_eq 1 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$ERR" no-such-bundle
    assert_nothing_left
}

t_failed_create_leaves_other_containers_alone() {
    make_bundle good sleep 600
    make_bundle bad /no/such/command
    ctr_create good good
    run_capture cove create --bundle "$TEST_TMP/bad" "$(cid bad)"
    assert_eq 1 "$RC" "exit code (stderr: $ERR)"
    assert_eq created "$(ctr_state good)" "status of the good container"
    [ -z "$(_cgroups_of bad)" ] || fail "cgroup of failed container left: $(_cgroups_of bad)"
    assert_ok cove delete --force "$(cid good)"
    assert_nothing_left
}

run_cases
