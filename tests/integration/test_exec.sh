#!/bin/bash
# exec: output, exit codes, env/cwd/user, --process, namespaces and cgroup
# identical to the init's, caps and seccomp applied, refusals, --detach with
# --pid-file, signal forwarding; fds: --preserve-fds and LISTEN_FDS for exec
# and run, nothing else reaching the process. Fds are listed with a plain
# `ls /proc/$$/fd; true`: in a pipeline the shell itself holds the pipe's fds,
# and a last command is exec'd in place of the shell (then $$ is ls).
. "$(dirname "$0")/lib.sh"

# a running container NAME from bundle NAME (sleep), extra jq filter $2
running() {
    make_bundle "$1" sleep 1000
    [ -z "${2:-}" ] || cfg_set "$1" "$2"
    ctr_run "$1" "$1" -d
    assert_eq 0 "$RC" "run -d (stderr: $ERR)"
}
init_pid() { ctr_state "$1" .pid; }

# the runtime with extra redirections (cove() forces stdin to /dev/null and
# cannot carry fds 3+)
cove_fds() { timeout -k 5 "$COVE_TIMEOUT" "$COVE" --root "$ROOT" "$@"; }

t_exec_output_and_exit_codes() {
    running c
    assert_exit 0 cove exec "$(cid c)" echo hello
    assert_eq hello "$OUT" "stdout"
    assert_exit 3 cove exec "$(cid c)" sh -c 'echo to-stderr >&2; exit 3'
    assert_eq to-stderr "$ERR" "stderr"
    assert_exit 137 cove exec "$(cid c)" sh -c 'kill -9 $$'
}

t_exec_env_cwd_user_override_the_config() {
    running c '.process.env += ["FROMCFG=1"]'
    assert_ok cove exec -e FOO=bar -e FROMCFG=2 --cwd /tmp -u 1000:1000 -g 2000 "$(cid c)" \
        sh -c 'echo $FOO $FROMCFG; pwd; id'
    assert_eq "bar 2
/tmp
uid=1000(user) gid=1000(user) groups=2000(extra1)" "$OUT" "env, cwd, id"
    assert_ok cove exec "$(cid c)" sh -c 'echo $FROMCFG; pwd; id -u'
    assert_eq "1
/
0" "$OUT" "defaults from config.json"
}

t_exec_process_file_replaces_the_process() {
    running c
    cat > "$TEST_TMP/p.json" <<'JSON'
{"args": ["sh", "-c", "echo $A; pwd; id -u; id -g"], "env": ["A=fromfile", "PATH=/bin"],
 "cwd": "/tmp", "user": {"uid": 1000, "gid": 1000}}
JSON
    assert_ok cove exec --process "$TEST_TMP/p.json" "$(cid c)"
    assert_eq "fromfile
/tmp
1000
1000" "$OUT" "process.json"
    echo '{"args": [], "cwd": "/"}' > "$TEST_TMP/bad.json"
    assert_exit 1 cove exec -p "$TEST_TMP/bad.json" "$(cid c)"
    assert_contains "$ERR" "process.args"
}

t_exec_joins_every_namespace_and_the_cgroup_of_init() {
    running c
    assert_ok cove exec -d --pid-file "$TEST_TMP/exec.pid" "$(cid c)" sleep 1000
    local ip ep n
    ip=$(init_pid c); ep=$(cat "$TEST_TMP/exec.pid")
    assert_match "$ep" '^[0-9]+$' "pid file"
    assert_eq "sleep 1000" "$(tr '\0' ' ' < "/proc/$ep/cmdline" | sed 's/ $//')" "cmdline of the pid in --pid-file"
    for n in $(ls "/proc/$ip/ns"); do
        assert_eq "$(readlink "/proc/$ip/ns/$n")" "$(readlink "/proc/$ep/ns/$n")" "namespace $n"
    done
    assert_ne "$(readlink /proc/self/ns/mnt)" "$(readlink "/proc/$ep/ns/mnt")" "mnt ns differs from the host"
    assert_eq "$(cat "/proc/$ip/cgroup")" "$(cat "/proc/$ep/cgroup")" "cgroups"
    # pid 1 of the container is its init: the exec'd process is in its pid ns
    assert_ok cove exec "$(cid c)" sh -c 'cat /proc/1/cmdline | tr "\0" " "'
    assert_eq "sleep 1000 " "$OUT" "pid 1 seen from exec"
    kill -9 "$ep"
}

t_exec_applies_the_containers_capabilities_and_cap_flag() {
    running c '.process.capabilities = {bounding: ["CAP_CHOWN","CAP_KILL"], effective: ["CAP_CHOWN","CAP_KILL"],
        permitted: ["CAP_CHOWN","CAP_KILL"]}'
    assert_ok cove exec "$(cid c)" sh -c 'grep -E "^Cap(Eff|Bnd)" /proc/self/status | tr -s "\t" " "'
    assert_eq "CapEff: 0000000000000021
CapBnd: 0000000000000021" "$OUT" "caps from config"
    assert_ok cove exec --cap CAP_NET_RAW "$(cid c)" sh -c 'grep ^CapEff /proc/self/status | tr -s "\t" " "'
    assert_eq "CapEff: 0000000000002021" "$OUT" "--cap adds"
}

t_exec_applies_the_containers_seccomp_filter() {
    running c '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
        syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}'
    assert_exit 1 cove exec "$(cid c)" mkdir /tmp/x
    assert_contains "$ERR" "Operation not permitted" "mkdir under seccomp"
    assert_ok cove exec "$(cid c)" sh -c 'grep ^Seccomp: /proc/self/status | tr -s "\t" " "'
    assert_eq "Seccomp: 2" "$OUT" "filter mode"
}

t_exec_no_new_privs_flag() {
    running c
    assert_ok cove exec --no-new-privs "$(cid c)" sh -c 'grep ^NoNewPrivs /proc/self/status | tr -s "\t" " "'
    assert_eq "NoNewPrivs: 1" "$OUT"
}

t_exec_in_a_created_container() {
    make_bundle c sleep 1000
    ctr_create c c
    assert_ok cove exec "$(cid c)" hostname
    assert_eq cove-test "$OUT" "hostname seen by exec"
    assert_eq created "$(ctr_state c)"
}

t_exec_refused_in_a_stopped_container() {
    make_bundle c true
    ctr_create c c
    assert_ok cove start "$(cid c)"
    wait_status c stopped
    assert_exit 1 cove exec "$(cid c)" echo hi
    assert_contains "$ERR" "cannot exec in a stopped container"
}

t_exec_missing_container_does_not_exist() {
    assert_exit 1 cove exec "$(cid nope)" true
    assert_contains "$ERR" "does not exist"
}

t_exec_missing_command_says_no_such_file() {
    running c
    assert_exit 1 cove exec "$(cid c)" /no/such/thing
    assert_contains "$ERR" "no such file or directory"
    assert_exit 1 cove exec "$(cid c)" nosuchcmd
    assert_contains "$ERR" "no such file or directory"
    assert_exit 1 cove exec "$(cid c)" /etc/passwd
    assert_contains "$ERR" "permission denied"
}

t_exec_lsm_flags_fail_clearly_without_the_lsm() {
    running c
    [ -d /sys/kernel/security/apparmor ] || {
        assert_exit 1 cove exec --apparmor cove-no-such-profile "$(cid c)" true
        assert_contains "$ERR" "apparmorProfile"
    }
    [ -d /sys/fs/selinux ] && skip_case "SELinux is enabled here"
    assert_exit 1 cove exec --process-label system_u:system_r:container_t:s0 "$(cid c)" true
    assert_contains "$ERR" "selinuxLabel"
}

t_exec_forwards_signals_in_the_foreground() {
    running c
    "$COVE" --root "$ROOT" exec "$(cid c)" sh -c 'trap "echo got-term; exit 11" TERM; echo ready; while :; do sleep 0.1; done' \
        > "$TEST_TMP/fw.out" 2>&1 </dev/null &
    local p=$! rc=0
    wait_file "$TEST_TMP/fw.out"
    kill -TERM "$p"
    wait "$p" || rc=$?
    assert_eq 11 "$rc" "exit code after SIGTERM"
    assert_contains "$(cat "$TEST_TMP/fw.out")" got-term
}

t_exec_into_a_sub_cgroup() {
    running c
    local d
    # removed again even when an assertion fails: delete cannot rmdir a
    # cgroup that still has children it did not create
    trap 'for d in $(_cgroups_of c); do rmdir "$d/sub" 2>/dev/null; done' EXIT
    for d in $(_cgroups_of c); do
        mkdir "$d/sub"
        # a new v1 cpuset starts empty: seed it from its parent
        if [ -f "$d/cpuset.cpus" ]; then
            cat "$d/cpuset.cpus" > "$d/sub/cpuset.cpus"; cat "$d/cpuset.mems" > "$d/sub/cpuset.mems"
        fi
    done
    assert_ok cove exec --cgroup sub "$(cid c)" cat /proc/self/cgroup
    local line
    while read -r line; do
        case $line in *:/) ;; *) assert_match "$line" '/sub$' "cgroup line" ;; esac
    done <<<"$OUT"
    assert_exit 1 cove exec --cgroup ../x "$(cid c)" true
    assert_contains "$ERR" "--cgroup"
}

# ---------------------------------------------------------------- fds

t_exec_preserve_fds_pass_exactly_those() {
    running c
    echo secret > "$TEST_TMP/f"
    run_capture cove_fds exec --preserve-fds 1 "$(cid c)" sh -c 'cat <&3; ls /proc/$$/fd; true' \
        3<"$TEST_TMP/f" 4<"$TEST_TMP/f" </dev/null
    assert_eq 0 "$RC" "exit (stderr: $ERR)"
    assert_eq "secret
$(seq 0 3)" "$OUT" "fd 3 readable, fd 4 not passed"
    run_capture cove_fds exec "$(cid c)" sh -c 'ls /proc/$$/fd; true' 3<"$TEST_TMP/f" </dev/null
    assert_eq "$(seq 0 2)" "$OUT" "no fd without --preserve-fds"
}

t_listen_fds_are_passed_with_listen_pid_1() {
    running c
    echo sock > "$TEST_TMP/f"
    # LISTEN_PID must name cove itself (sd_listen_fds rules): exec keeps the pid
    run_capture timeout 30 sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"' "$COVE" --root "$ROOT" \
        exec "$(cid c)" sh -c 'cat <&3; echo $LISTEN_FDS $LISTEN_PID; ls /proc/$$/fd; true' \
        3<"$TEST_TMP/f" 4<"$TEST_TMP/f" </dev/null
    assert_eq "sock
1 1
$(seq 0 3)" "$OUT" "exec with LISTEN_FDS (stderr: $ERR)"
    # a LISTEN_PID meant for another process is ignored
    run_capture env LISTEN_PID=1 LISTEN_FDS=1 "$COVE" --root "$ROOT" exec "$(cid c)" \
        sh -c 'echo "[$LISTEN_FDS]"; ls /proc/$$/fd; true' 3<"$TEST_TMP/f" </dev/null
    assert_eq "[]
$(seq 0 2)" "$OUT" "foreign LISTEN_PID"
}

t_run_passes_listen_fds_then_preserved_fds() {
    make_bundle r sh -c 'cat <&3; cat <&4; echo $LISTEN_FDS $LISTEN_PID; ls /proc/$$/fd; true'
    echo one > "$TEST_TMP/a"; echo two > "$TEST_TMP/b"
    run_capture timeout 30 sh -c 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"' "$COVE" --root "$ROOT" \
        run --preserve-fds 1 --bundle "$TEST_TMP/r" "$(cid r)" 3<"$TEST_TMP/a" 4<"$TEST_TMP/b" 5<"$TEST_TMP/a" </dev/null
    assert_eq 0 "$RC" "exit (stderr: $ERR)"
    assert_eq "one
two
1 1
$(seq 0 4)" "$OUT" "listen fd 3, preserved fd 4, nothing else"
}

run_cases
