#!/bin/bash
# hooks: every kind runs at its moment, in its namespace, with the state on
# stdin; failures fail create (and clean up) except poststart/poststop,
# which only warn; timeouts kill the hook. Annotations reach state and hooks.
. "$(dirname "$0")/lib.sh"

# recorder script (host path): appends "KIND MNTNS STATE-JSON" to $2
write_recorder() {
    cat > "$TEST_TMP/rec.sh" <<'SH'
#!/bin/sh
kind=$1 log=$2
state=$(cat)
echo "$kind $(readlink /proc/self/ns/mnt) $state" >> "$log"
SH
    chmod 755 "$TEST_TMP/rec.sh"
}

# kinds LOG — the recorded kinds, space-separated, in order
kinds() { cut -d' ' -f1 "$1" | paste -sd' '; }

# hook JSON for the recorder
rec_hook() { jq -cn --arg p "$TEST_TMP/rec.sh" --arg k "$1" --arg l "$2" '{path:$p, args:["rec.sh",$k,$l]}'; }

t_every_hook_kind_runs_in_order_in_its_namespace_with_the_state() {
    write_recorder
    local log="$TEST_TMP/log/hooks.log"
    mkdir -p "$TEST_TMP/log"
    make_bundle b sleep 100
    local k
    for k in prestart createRuntime createContainer poststart poststop; do
        cfg_set b --argjson h "$(rec_hook $k "$log")" --arg k $k '.hooks[$k] += [$h]'
    done
    # startContainer runs after pivot_root: its path is the container's
    cfg_set b '.hooks.startContainer = [{"path":"/bin/sh","args":["sh","-c",
        "sleep 0.3; echo startContainer $(readlink /proc/self/ns/mnt) $(cat) >> /log/hooks.log"]}]
        | .mounts += [{"destination":"/log","type":"bind","source":"'"$TEST_TMP/log"'","options":["rbind","rw"]}]
        | .annotations = {"org.example.k":"v1"}'
    mkdir -p "$TEST_TMP/b/rootfs/log"
    ctr_create h b
    local pid host_mnt ctr_mnt
    pid=$(ctr_state h .pid)
    host_mnt=$(readlink /proc/self/ns/mnt)
    ctr_mnt=$(readlink /proc/"$pid"/ns/mnt)
    assert_ne "$host_mnt" "$ctr_mnt" "container mount namespace"
    assert_eq "prestart createRuntime createContainer" "$(kinds "$log")" "hooks after create"
    assert_ok cove start "$(cid h)"
    wait_status h running
    assert_ok cove kill "$(cid h)" KILL
    wait_status h stopped
    assert_ok cove delete "$(cid h)"
    # `start` returns once the init is released; startContainer runs in the
    # init meanwhile, so it may be recorded after poststart (as with runc)
    # poststart follows the exec, so startContainer (before the exec) is
    # recorded first
    assert_eq "prestart createRuntime createContainer startContainer poststart poststop" "$(kinds "$log")" "hook order"
    local kind mnt json want_mnt want_status want_pid
    while read -r kind mnt json; do
        case $kind in
            createContainer|startContainer) want_mnt=$ctr_mnt ;;
            *) want_mnt=$host_mnt ;;
        esac
        case $kind in
            createRuntime|createContainer) want_status=creating ;;
            prestart|startContainer) want_status=created ;;
            poststart) want_status=running ;;
            poststop) want_status=stopped ;;
        esac
        want_pid=$pid; [ "$kind" = poststop ] && want_pid=0
        assert_eq "$want_mnt" "$mnt" "$kind: mount namespace"
        assert_eq "$want_status" "$(jq -r .status <<<"$json")" "$kind: status"
        assert_eq "$(cid h)" "$(jq -r .id <<<"$json")" "$kind: id"
        assert_eq "$want_pid" "$(jq -r .pid <<<"$json")" "$kind: pid"
        assert_eq "$TEST_TMP/b" "$(jq -r .bundle <<<"$json")" "$kind: bundle"
        assert_eq v1 "$(jq -r '.annotations["org.example.k"]' <<<"$json")" "$kind: annotations"
    done < "$log"
}

t_run_runs_poststart_and_poststop() {
    write_recorder
    local log="$TEST_TMP/hooks.log"
    make_bundle b true
    local k
    for k in poststart poststop; do
        cfg_set b --argjson h "$(rec_hook $k "$log")" --arg k $k '.hooks[$k] += [$h]'
    done
    ctr_run r b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "poststart poststop" "$(kinds "$log")" "hooks of run"
}

t_failing_create_runtime_hook_fails_create_and_leaves_nothing() {
    make_bundle b true
    cfg_set b '.hooks.createRuntime = [{"path":"/bin/sh","args":["sh","-c","exit 3"]}]'
    run_capture cove create --bundle "$TEST_TMP/b" "$(cid f)"
    assert_ne 0 "$RC" "create exit code"
    assert_contains "$ERR" "hooks.createRuntime[0] (/bin/sh): exited with status 3"
    assert_nothing_left b
}

t_failing_create_container_hook_fails_create_and_leaves_nothing() {
    make_bundle b true
    cfg_set b '.hooks.createContainer = [{"path":"/bin/false"}]'
    run_capture cove create --bundle "$TEST_TMP/b" "$(cid f)"
    assert_ne 0 "$RC" "create exit code"
    assert_contains "$ERR" "hooks.createContainer[0] (/bin/false): exited with status 1"
    assert_nothing_left b
}

t_hook_timeout_kills_the_hook() {
    make_bundle b true
    cfg_set b --arg f "$TEST_TMP/hook.pid" \
        '.hooks.createRuntime = [{"path":"/bin/sh","args":["sh","-c","echo $$ > \($f); exec sleep 100"],"timeout":1}]'
    local t0=$SECONDS
    run_capture cove create --bundle "$TEST_TMP/b" "$(cid t)"
    assert_ne 0 "$RC" "create exit code"
    [ $((SECONDS - t0)) -le 10 ] || fail "create took $((SECONDS - t0))s with a 1s hook timeout"
    assert_contains "$ERR" "hooks.createRuntime[0] (/bin/sh): timed out after 1s"
    wait_pid_gone "$(cat "$TEST_TMP/hook.pid")" 2
    assert_nothing_left b
}

t_poststop_failure_only_warns() {
    make_bundle b true
    cfg_set b '.hooks.poststop = [{"path":"/bin/false"}]'
    ctr_create p b
    assert_ok cove start "$(cid p)"
    wait_status p stopped
    assert_ok cove delete "$(cid p)"
    assert_contains "$ERR" "hooks.poststop[0] (/bin/false): exited with status 1"
    assert_nothing_left b
}

t_poststart_failure_only_warns() {
    make_bundle b sleep 100
    cfg_set b '.hooks.poststart = [{"path":"/bin/false"}]'
    ctr_create p b
    assert_ok cove start "$(cid p)"
    assert_contains "$ERR" "hooks.poststart[0] (/bin/false): exited with status 1"
    assert_eq running "$(ctr_state p)" "status after a failing poststart"
    assert_ok cove delete --force "$(cid p)"
}

t_hook_gets_args_env_and_only_stdio() {
    make_bundle b true
    # the second hook's stdout is cove's: ls lists its own fds (3 is the
    # directory it reads)
    cfg_set b --arg f "$TEST_TMP/out" '.hooks.prestart = [{"path":"/bin/sh",
        "args":["sh","-c","echo \"$0 $1 $FOO\" > \($f)", "zero", "one"], "env":["FOO=bar"]},
        {"path":"/bin/ls","args":["ls","/proc/self/fd"]}]'
    ctr_run a b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "zero one bar" "$(cat "$TEST_TMP/out")" "args and env"
    assert_eq "0 1 2 3" "$(sort -n <<<"$OUT" | paste -sd' ')" "fds of the hook"
}

t_annotations_are_returned_by_state() {
    make_bundle b sleep 100
    cfg_set b '.annotations = {"org.example.a":"1","org.example.b":"two words"}'
    ctr_create s b
    assert_eq 1 "$(ctr_state s '.annotations["org.example.a"]')" "annotation a"
    assert_eq "two words" "$(ctr_state s '.annotations["org.example.b"]')" "annotation b"
    assert_ok cove delete --force "$(cid s)"
}

run_cases
