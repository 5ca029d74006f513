#!/bin/bash
# tests/clients/podman.sh — cove under podman + conmon (ctest clients.podman).
#
# A private podman: its own --root/--runroot/--tmpdir under CL_TMP, vfs
# storage, cgroupfs manager, file events, its own containers.conf through
# CONTAINERS_CONF (cove registered in [engine.runtimes] and in
# runtime_supports_json, so podman passes --log/--log-format json). Every
# container runs under --cgroup-parent=/cove-test-$$.
#
# conmon calls cove without --root, so cove keeps these containers under its
# default root (/run/cove); the ids are podman's 64-hex ids and the suite
# checks that none is left there.
source "$(dirname "$0")/lib.sh"

command -v podman >/dev/null || skip "podman not installed (scripts/setup)"
command -v conmon >/dev/null || skip "conmon not installed (scripts/setup)"

# Root here cannot raise a hard rlimit (no CAP_SYS_RESOURCE in the sandbox
# kinds CI uses) and podman's defaults (nofile/nproc 1048576 or its own
# hard limit) would be refused by any runtime, runc included: ask for
# values any process may set.
cat >"$CL_TMP/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "cove"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "cove"]

[engine.runtimes]
cove = ["$WRAP"]
EOF
export CONTAINERS_CONF="$CL_TMP/containers.conf"
P=(podman --root "$CL_TMP/store" --runroot "$CL_TMP/run" --tmpdir "$CL_TMP/ptmp"
   --storage-driver vfs --cgroup-manager cgroupfs --events-backend file
   --runtime cove)
IMG=localhost/cove-test-bb:latest
RUN=("${P[@]}" run --cgroup-parent="$CG_PARENT")

suite_cleanup() {
    "${P[@]}" rm -af -t 0 >/dev/null 2>&1
    "${P[@]}" system reset -f >/dev/null 2>&1 # unmounts storage
    # conmon is gone with the containers; nothing else runs in the background
}

make_rootfs_tar "$CL_TMP/rootfs.tar"
"${P[@]}" import -q "$CL_TMP/rootfs.tar" "$IMG" >/dev/null || { bad "podman import"; exit 1; }

# --- run with output captured; exit code propagation
out=$("${RUN[@]}" --rm "$IMG" echo hello-from-cove 2>&1)
expect_eq run_output "$out" hello-from-cove
"${RUN[@]}" --rm "$IMG" sh -c 'exit 3'
expect_eq exit_code_propagates "$?" 3

# --- a missing command: podman maps cove's "no such file or directory" to 127
err=$("${RUN[@]}" --rm "$IMG" /nonexistent 2>&1)
rc=$?
expect_eq missing_command_exit_127 "$rc" 127
expect_has missing_command_message_is_coves "$err" 'cove: exec: "/nonexistent"'
expect_has missing_command_words "$err" 'no such file or directory'

# --- env / workdir / user
out=$("${RUN[@]}" --rm -e FOO=bar -w /tmp -u 65534 "$IMG" sh -c 'echo "$FOO $(pwd) $(id -u)"' 2>&1)
expect_eq env_workdir_user "$out" "bar /tmp 65534"

# --- read-only rootfs (podman adds a writable tmpfs /tmp)
"${RUN[@]}" --rm --read-only "$IMG" touch /x 2>/dev/null
check read_only_rootfs_refuses_writes [ $? -ne 0 ]
out=$("${RUN[@]}" --rm --read-only "$IMG" sh -c 'touch /tmp/x && echo ok' 2>&1)
expect_eq read_only_rootfs_tmp_writable "$out" ok

# --- detached + exec + stop + rm, with --memory / --pids-limit
id=$("${RUN[@]}" -d --name det --memory 64m --pids-limit 50 "$IMG" sleep 1000 2>&1)
check run_detached [ -n "$id" ]
expect_eq inspect_state "$("${P[@]}" inspect -f '{{.State.Status}}' det 2>&1)" running
expect_eq inspect_runtime "$("${P[@]}" inspect -f '{{.OCIRuntime}}' det 2>&1)" cove
expect_eq exec_output "$("${P[@]}" exec det echo in-exec 2>&1)" in-exec
"${P[@]}" exec det sh -c 'exit 5'
expect_eq exec_exit_code "$?" 5
err=$("${P[@]}" exec det /nonexistent 2>&1)
expect_eq exec_missing_command_127 "$?" 127
expect_eq memory_limit_applied "$(cgroup_file memory "*$id*" memory.limit_in_bytes || cgroup_file . "*$id*" memory.max)" 67108864
expect_eq pids_limit_applied "$(cgroup_file pids "*$id*" pids.max || cgroup_file . "*$id*" pids.max)" 50
expect_eq exec_tty "$(script -qec "${P[*]} exec -t det sh -c 'test -t 0 && echo TTY'" /dev/null </dev/null | tr -d '\r')" TTY

# --- pause / unpause
"${P[@]}" pause det >/dev/null 2>&1
expect_eq pause "$("${P[@]}" inspect -f '{{.State.Status}}' det 2>&1)" paused
"${P[@]}" unpause det >/dev/null 2>&1
expect_eq unpause "$("${P[@]}" inspect -f '{{.State.Status}}' det 2>&1)" running

"${P[@]}" stop -t 2 det >/dev/null 2>&1
expect_eq stop "$("${P[@]}" inspect -f '{{.State.Status}}' det 2>&1)" exited
"${P[@]}" rm det >/dev/null 2>&1
check rm_removes_container bash -c '! "$@" container exists det' _ "${P[@]}"

# --- kill with a signal: the container's trap sets the exit code
"${RUN[@]}" -d --name sig "$IMG" sh -c 'trap "exit 7" USR1; while :; do sleep 0.1; done' >/dev/null 2>&1
sleep 0.5
"${P[@]}" kill -s USR1 sig >/dev/null 2>&1
expect_eq kill_signal_delivered "$("${P[@]}" wait sig 2>&1)" 7
"${P[@]}" rm -f sig >/dev/null 2>&1

# --- logs
"${RUN[@]}" -d --name lg "$IMG" sh -c 'echo log-line-1; echo log-line-2' >/dev/null 2>&1
"${P[@]}" wait lg >/dev/null 2>&1
expect_eq logs "$("${P[@]}" logs lg 2>&1 | tr '\n' ' ')" "log-line-1 log-line-2 "
"${P[@]}" rm lg >/dev/null 2>&1

# --- tty: `script` gives podman a pty, conmon hands cove --console-socket
if command -v script >/dev/null; then
    out=$(script -qec "${RUN[*]} --rm -t $IMG sh -c 'test -t 0 && test -t 1 && echo TTY'" /dev/null </dev/null | tr -d '\r')
    expect_eq run_tty "$out" TTY
fi

# --- the contract: what conmon and podman passed
grep -q -- '--console-socket' "$ARGV_LOG" && ok argv_console_socket_seen || bad "no --console-socket in $ARGV_LOG"
grep -q -- '--log-format=json --log ' "$ARGV_LOG" && ok argv_json_log_seen || bad "no --log-format=json in $ARGV_LOG"
if grep -q '^rc=[1-9].*\(start\|state\|kill\|pause\|resume\|delete\)' "$ARGV_LOG"; then
    bad "a lifecycle call failed: $(grep '^rc=[1-9]' "$ARGV_LOG" | head -3)"
else
    ok lifecycle_calls_succeed
fi

suite_cleanup
# none of podman's containers is left in cove's default root
left=$(find /run/cove -mindepth 1 -maxdepth 1 -newer "$CL_TMP/containers.conf" -name '[0-9a-f]*' 2>/dev/null |
       while read -r d; do grep -qF "$CL_TMP" "$d/state.json" 2>/dev/null && echo "$d"; done)
expect_eq nothing_left_in_cove_root "$left" ""
