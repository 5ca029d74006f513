#!/bin/bash
# create -> created -> start -> running -> stopped -> delete, and the
# commands that inspect it (state, list).
. "$(dirname "$0")/lib.sh"

t_create_leaves_container_created_without_running_the_process() {
    make_bundle b sh -c 'echo started'
    ctr_create c1 b
    assert_eq created "$(ctr_state c1)" status
    local pid; pid=$(ctr_state c1 .pid)
    assert_match "$pid" '^[1-9][0-9]*$' "state .pid"
    [ -d "/proc/$pid" ] || fail "init pid $pid of a created container is not alive"
    sleep 0.2
    assert_eq "" "$(ctr_output c1)" "output before start"
}

t_start_runs_the_process_until_it_exits() {
    make_bundle b sh -c 'echo started'
    ctr_create c1 b
    assert_ok cove start "$(cid c1)"
    wait_status c1 stopped
    assert_eq started "$(ctr_output c1)" "container output"
}

t_started_container_is_running_until_killed() {
    make_bundle b sleep 600
    ctr_create c1 b
    assert_ok cove start "$(cid c1)"
    assert_eq running "$(ctr_state c1)" status
    assert_ok cove kill "$(cid c1)" KILL
    wait_status c1 stopped
}

t_pid_file_holds_the_init_pid() {
    make_bundle b sleep 600
    ctr_create c1 b --pid-file "$TEST_TMP/c1.pid"
    [ -s "$TEST_TMP/c1.pid" ] || fail "pid file not written"
    assert_eq "$(ctr_state c1 .pid)" "$(cat "$TEST_TMP/c1.pid")" "pid file"
}

t_delete_removes_a_stopped_container() {
    make_bundle b true
    ctr_create c1 b
    assert_ok cove start "$(cid c1)"
    wait_status c1 stopped
    assert_ok cove delete "$(cid c1)"
    assert_exit 1 cove state "$(cid c1)"
    assert_contains "$ERR" "does not exist"
    assert_nothing_left
}

t_delete_removes_a_created_container() {
    make_bundle b true
    ctr_create c1 b
    local pid; pid=$(ctr_state c1 .pid)
    assert_ok cove delete "$(cid c1)"
    wait_pid_gone "$pid"
    assert_nothing_left
}

t_delete_of_running_container_is_refused_without_force() {
    make_bundle b sleep 600
    ctr_create c1 b
    assert_ok cove start "$(cid c1)"
    run_capture cove delete "$(cid c1)"
    assert_ne 0 "$RC" "exit code of delete of a running container"
    assert_eq running "$(ctr_state c1)" "status after refused delete"
}

t_delete_force_kills_and_removes_a_running_container() {
    make_bundle b sleep 600
    ctr_create c1 b
    assert_ok cove start "$(cid c1)"
    local pid; pid=$(ctr_state c1 .pid)
    assert_ok cove delete --force "$(cid c1)"
    assert_exit 1 cove state "$(cid c1)"
    assert_contains "$ERR" "does not exist"
    wait_pid_gone "$pid"
    assert_nothing_left
}

t_delete_of_missing_container_says_does_not_exist() {
    assert_exit 1 cove delete "$(cid nope)"
    assert_contains "$ERR" "container \"$(cid nope)\" does not exist"
}

t_state_has_oci_and_runc_fields() {
    make_bundle b sleep 600
    cfg_set b '.annotations = {"org.cove.test": "yes", "k": "v"}'
    ctr_create c1 b
    assert_ok cove state "$(cid c1)"
    local s=$OUT
    jq -e . >/dev/null <<<"$s" || fail "state is not JSON: $s"
    assert_match "$(jq -r .ociVersion <<<"$s")" '^1\.[0-9]+\.[0-9]+' ociVersion
    assert_eq "$(cid c1)" "$(jq -r .id <<<"$s")" id
    assert_eq created "$(jq -r .status <<<"$s")" status
    assert_match "$(jq -r .pid <<<"$s")" '^[1-9][0-9]*$' pid
    assert_eq "$TEST_TMP/b" "$(jq -r .bundle <<<"$s")" bundle
    assert_eq "$TEST_TMP/b/rootfs" "$(jq -r .rootfs <<<"$s")" rootfs
    assert_eq yes "$(jq -r '.annotations["org.cove.test"]' <<<"$s")" annotations
    assert_eq v "$(jq -r '.annotations.k' <<<"$s")" annotations
    assert_match "$(jq -r .created <<<"$s")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+)$' created
    # runc leaves owner "" for root-owned containers; only its presence is fixed
    assert_eq true "$(jq 'has("owner")' <<<"$s")" "has owner"
}

t_state_bundle_is_absolute_for_relative_bundle_path() {
    make_bundle b true
    local id; id=$(cid rel)
    ( cd "$TEST_TMP" && cove create --bundle b "$id" > "$TEST_TMP/rel.out" 2>&1 ) ||
        fail "create with relative bundle failed: $(cat "$TEST_TMP/rel.out")"
    assert_eq "$TEST_TMP/b" "$(ctr_state rel .bundle)" bundle
}

t_state_of_missing_container_says_does_not_exist() {
    assert_exit 1 cove state "$(cid nope)"
    assert_contains "$ERR" "container \"$(cid nope)\" does not exist"
}

t_start_twice_fails() {
    make_bundle b sleep 600
    ctr_create c1 b
    assert_ok cove start "$(cid c1)"
    run_capture cove start "$(cid c1)"
    assert_ne 0 "$RC" "exit code of second start"
    assert_eq running "$(ctr_state c1)" "status after second start"
}

t_start_of_stopped_container_fails() {
    make_bundle b true
    ctr_create c1 b
    assert_ok cove start "$(cid c1)"
    wait_status c1 stopped
    run_capture cove start "$(cid c1)"
    assert_ne 0 "$RC" "exit code of start on a stopped container"
}

t_start_of_missing_container_says_does_not_exist() {
    assert_exit 1 cove start "$(cid nope)"
    assert_contains "$ERR" "does not exist"
}

t_duplicate_id_is_refused_and_first_container_kept() {
    make_bundle b sleep 600
    make_bundle b2 sleep 600
    ctr_create c1 b
    local pid; pid=$(ctr_state c1 .pid)
    run_capture cove create --bundle "$TEST_TMP/b2" "$(cid c1)"
    assert_ne 0 "$RC" "exit code of create with a duplicate id"
    assert_eq created "$(ctr_state c1)" "first container's status"
    assert_eq "$pid" "$(ctr_state c1 .pid)" "first container's pid"
    assert_eq "$TEST_TMP/b" "$(ctr_state c1 .bundle)" "first container's bundle"
    [ -z "$(_cgroups_of b2)" ] || fail "cgroup of refused duplicate left: $(_cgroups_of b2)"
}

t_refused_duplicate_create_keeps_the_first_pid_file() {
    make_bundle b sleep 600
    run_capture cove create --bundle "$TEST_TMP/b" --pid-file "$TEST_TMP/c1.pid" "$(cid c1)"
    assert_eq 0 "$RC" "first create (stderr: $ERR)"
    local pid; pid=$(cat "$TEST_TMP/c1.pid")
    run_capture cove create --bundle "$TEST_TMP/b" --pid-file "$TEST_TMP/c1.pid" "$(cid c1)"
    assert_ne 0 "$RC" "exit code of the duplicate create"
    [ -f "$TEST_TMP/c1.pid" ] || fail "the duplicate create removed the first container's pid file"
    assert_eq "$pid" "$(cat "$TEST_TMP/c1.pid")" "pid file content"
}

t_invalid_container_id_is_refused() {
    make_bundle b true
    local bad
    for bad in "../escape" "a/b" ".."; do
        run_capture cove create --bundle "$TEST_TMP/b" "$bad"
        assert_ne 0 "$RC" "exit code of create with id '$bad'"
    done
    assert_nothing_left
    [ ! -e "$TEST_TMP/escape" ] || fail "id ../escape created $TEST_TMP/escape"
}

t_list_table_shows_id_pid_status_bundle() {
    make_bundle b sleep 600
    make_bundle b2 true
    ctr_create c1 b
    ctr_create c2 b2
    assert_ok cove start "$(cid c1)"
    assert_ok cove list
    local header row
    header=$(head -1 <<<"$OUT")
    for col in ID PID STATUS BUNDLE CREATED OWNER; do assert_contains "$header" "$col" "list header"; done
    row=$(grep "^$(cid c1) " <<<"$OUT") || fail "no row for $(cid c1) in: $OUT"
    assert_contains "$row" running "row of c1"
    assert_contains "$row" "$(ctr_state c1 .pid)" "row of c1"
    assert_contains "$row" "$TEST_TMP/b" "row of c1"
    row=$(grep "^$(cid c2) " <<<"$OUT") || fail "no row for $(cid c2) in: $OUT"
    assert_contains "$row" created "row of c2"
}

t_list_json_has_one_object_per_container() {
    make_bundle b sleep 600
    make_bundle b2 true
    ctr_create c1 b
    ctr_create c2 b2
    assert_ok cove list --format json
    assert_eq 2 "$(jq length <<<"$OUT")" "number of containers"
    assert_eq created "$(jq -r --arg id "$(cid c1)" '.[] | select(.id == $id) | .status' <<<"$OUT")" "c1 status"
    assert_eq "$TEST_TMP/b2" "$(jq -r --arg id "$(cid c2)" '.[] | select(.id == $id) | .bundle' <<<"$OUT")" "c2 bundle"
    assert_eq "$(ctr_state c1 .pid)" "$(jq -r --arg id "$(cid c1)" '.[] | select(.id == $id) | .pid' <<<"$OUT")" "c1 pid"
}

t_list_quiet_prints_only_ids() {
    make_bundle b true
    make_bundle b2 true
    ctr_create c1 b
    ctr_create c2 b2
    assert_ok cove list -q
    assert_eq "$(printf '%s\n' "$(cid c1)" "$(cid c2)" | sort)" "$(sort <<<"$OUT")" "list -q"
    assert_ok cove list --quiet
    assert_eq "$(printf '%s\n' "$(cid c1)" "$(cid c2)" | sort)" "$(sort <<<"$OUT")" "list --quiet"
}

t_list_shows_stopped_after_exit() {
    make_bundle b true
    ctr_create c1 b
    assert_ok cove start "$(cid c1)"
    wait_status c1 stopped
    assert_ok cove list --format json
    assert_eq stopped "$(jq -r '.[0].status' <<<"$OUT")" "status in list"
}

run_cases
