#!/bin/bash
# tests/clients/docker.sh — cove under Docker (dockerd → containerd → runc
# shim with BinaryName = cove). ctest clients.docker.
#
# A private dockerd started here: --add-runtime cove=<wrapper>, its own
# --data-root, --exec-root, --pidfile and --host unix://$CL_TMP/docker.sock,
# vfs storage, and --bridge=none --iptables=false --ip6tables=false so it never
# touches the host's network; it starts its own containerd under the exec
# root. Containers run with --network none under --cgroup-parent
# /cove-test-$$. The client is /usr/bin/docker (Debian's), stopped at the
# end by pid.
source "$(dirname "$0")/lib.sh"

suite_cleanup() { dockerd_stop; }   # dockerd stops the containerd it started
dockerd_start 300 --add-runtime "cove=$WRAP" || skip "$DK_ERR"

make_rootfs_tar "$CL_TMP/rootfs.tar"
IMG=cove-test/bb:latest
"${D[@]}" import "$CL_TMP/rootfs.tar" "$IMG" >/dev/null 2>&1 || { bad "docker import"; exit 1; }
RUN=("${D[@]}" run --runtime cove --network none --cgroup-parent "$CG_PARENT")

# --- run with output captured; exit code
out=$("${RUN[@]}" --rm "$IMG" echo hello-from-cove 2>&1)
expect_eq run_output "$out" hello-from-cove
"${RUN[@]}" --rm "$IMG" sh -c 'exit 3' >/dev/null 2>&1
expect_eq exit_code_propagates "$?" 3

# --- a missing command: docker maps "no such file or directory" to 127
err=$("${RUN[@]}" --rm "$IMG" /nonexistent 2>&1)
expect_eq missing_command_exit_127 "$?" 127
expect_has missing_command_message_is_coves "$err" 'exec: "/nonexistent"'
expect_has missing_command_words "$err" 'no such file or directory'

# --- env / workdir / user, read-only rootfs
out=$("${RUN[@]}" --rm -e FOO=bar -w /tmp -u 65534 "$IMG" sh -c 'echo "$FOO $(pwd) $(id -u)"' 2>&1)
expect_eq env_workdir_user "$out" "bar /tmp 65534"
"${RUN[@]}" --rm --read-only "$IMG" touch /x >/dev/null 2>&1
check read_only_rootfs_refuses_writes [ $? -ne 0 ]
out=$("${RUN[@]}" --rm --read-only --tmpfs /tmp "$IMG" sh -c 'touch /tmp/x && echo ok' 2>&1)
expect_eq read_only_rootfs_tmpfs_writable "$out" ok

# --- tty
if command -v script >/dev/null; then
    out=$(script -qec "${RUN[*]} --rm -t $IMG sh -c 'test -t 0 && echo TTY'" /dev/null </dev/null | tr -d '\r')
    expect_has run_tty "$out" TTY
fi

# --- detached + limits + exec + pause + kill + logs + inspect + stop + rm
id=$("${RUN[@]}" -d --name det --memory 64m --pids-limit 50 "$IMG" \
     sh -c 'echo log-line; trap "exit 7" USR1; while :; do sleep 0.1; done' 2>&1)
check run_detached [ -n "$id" ]
expect_eq inspect_state "$("${D[@]}" inspect -f '{{.State.Status}}' det 2>&1)" running
expect_eq inspect_runtime "$("${D[@]}" inspect -f '{{.HostConfig.Runtime}}' det 2>&1)" cove
expect_eq memory_limit_applied "$(cgroup_file memory "*$id*" memory.limit_in_bytes || cgroup_file . "*$id*" memory.max)" 67108864
expect_eq pids_limit_applied "$(cgroup_file pids "*$id*" pids.max || cgroup_file . "*$id*" pids.max)" 50
expect_eq exec_output "$("${D[@]}" exec det echo in-exec 2>&1)" in-exec
"${D[@]}" exec det sh -c 'exit 5'
expect_eq exec_exit_code "$?" 5
"${D[@]}" update --memory 128m --memory-swap 256m det >/dev/null 2>&1
expect_eq update_memory "$(cgroup_file memory "*$id*" memory.limit_in_bytes || cgroup_file . "*$id*" memory.max)" 134217728
"${D[@]}" pause det >/dev/null 2>&1
expect_eq pause "$("${D[@]}" inspect -f '{{.State.Status}}' det 2>&1)" paused
"${D[@]}" unpause det >/dev/null 2>&1
expect_eq unpause "$("${D[@]}" inspect -f '{{.State.Status}}' det 2>&1)" running
check top bash -c '"$@" top det | grep -q sleep' _ "${D[@]}"
"${D[@]}" kill -s USR1 det >/dev/null 2>&1
expect_eq kill_signal_delivered "$(timeout 20 "${D[@]}" wait det 2>&1)" 7
expect_eq logs "$("${D[@]}" logs det 2>&1)" log-line
"${D[@]}" rm det >/dev/null 2>&1
check rm_removes_container bash -c '! "$@" inspect det >/dev/null 2>&1' _ "${D[@]}"

"${RUN[@]}" -d --name st "$IMG" sleep 1000 >/dev/null 2>&1
"${D[@]}" stop -t 1 st >/dev/null 2>&1
expect_eq stop "$("${D[@]}" inspect -f '{{.State.Status}}' st 2>&1)" exited
"${D[@]}" rm st >/dev/null 2>&1

# --- the contract: docker's shim passes its own --root and the json log
grep -q -- "^argv: --root $DK/exec/runtime-[a-z]*/moby --log .*log.json --log-format json" "$ARGV_LOG" &&
    ok argv_root_and_json_log || bad "dockerd's --root/--log not seen in $ARGV_LOG"
if grep '^rc=[1-9]' "$ARGV_LOG" | grep -v ' create ' | grep -q .; then
    bad "a call other than the failing create failed: $(grep '^rc=[1-9]' "$ARGV_LOG" | grep -v ' create ' | head -3)"
else
    ok lifecycle_calls_succeed
fi
suite_cleanup
