#!/bin/bash
# tests/clients/podman_rootless.sh — rootless podman on cove (ctest
# clients.podman_rootless; docs/rootless.md).
#
# A throw-away user (useradd gives it /etc/subuid and /etc/subgid ranges,
# userdel at the end removes them) runs podman with cove as its runtime:
# podman enters its own user namespace (root inside, the user plus its
# sub-ids outside) and runs conmon and cove there. Its storage (vfs), run
# and tmp dirs, XDG_RUNTIME_DIR and containers.conf are under CL_TMP; no
# network (--network none: slirp4netns is not what is tested here).
# With systemd as init on pure cgroup v2 (ctest vm.clients_rootless) the
# same user also runs podman's systemd cgroup manager, which has cove use
# the user's own systemd instance.
source "$(dirname "$0")/lib.sh"

command -v podman >/dev/null || skip "podman not installed (scripts/setup)"
command -v conmon >/dev/null || skip "conmon not installed (scripts/setup)"
command -v newuidmap >/dev/null || skip "newuidmap not installed (package uidmap)"
source "$(dirname "$0")/../throwaway_user.sh"

tu_add cove-pr
U=$TU_USER UID_=$TU_UID GID_=$TU_GID
H="$CL_TMP/home"
X="$CL_TMP/xdg"
mkdir -p "$H" "$X" "$CL_TMP/vol"
chown "$UID_:$GID_" "$H" "$X" "$CL_TMP/vol"
chmod 700 "$X"
# the wrapper logs to CL_TMP: the user must be able to append to it
touch "$ARGV_LOG"; chown "$UID_:$GID_" "$ARGV_LOG"

cat >"$CL_TMP/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "cove"
runtime_supports_json = ["crun", "runc", "cove"]

[engine.runtimes]
cove = ["$WRAP"]
EOF
chmod 644 "$CL_TMP/containers.conf"

# P ARGS... — podman as the user, with nothing of root's environment
P() {
    timeout -k 5 120 setpriv --reuid="$UID_" --regid="$GID_" --init-groups env -i PATH="$PATH" HOME="$H" USER="$U" XDG_RUNTIME_DIR="$X" CONTAINERS_CONF="$CL_TMP/containers.conf" \
        podman --storage-driver vfs --root "$H/store" --runroot "$X/run" --tmpdir "$X/tmp" \
        --events-backend file "$@" </dev/null
}
IMG=localhost/cove-rootless-bb:latest
RUN=(P run --network none)

suite_cleanup() {
    P rm -af -t 0 >/dev/null 2>&1
    P system reset -f >/dev/null 2>&1
    # podman's pause process keeps its user namespace alive: tu_del ends it
    tu_del
}

make_rootfs_tar "$CL_TMP/rootfs.tar"
chmod 644 "$CL_TMP/rootfs.tar"
P import -q "$CL_TMP/rootfs.tar" "$IMG" >/dev/null || { bad "podman import (as $U)"; exit 1; }

# --- run: output, exit code, root inside mapped to the user and its sub-ids
out=$("${RUN[@]}" --rm "$IMG" sh -c 'id -u; cat /proc/self/uid_map' 2>&1)
expect_eq run_as_root_inside "$(head -n 1 <<<"$out")" 0
expect_has uid_map_is_the_users "$(tr -s ' ' <<<"$out")" " 0 $UID_ 1"
"${RUN[@]}" --rm "$IMG" sh -c 'exit 3'
expect_eq exit_code_propagates "$?" 3

# --- cove ran as root of podman's user namespace, with the user's state dir
check runtime_was_cove grep -q "argv: .* create " "$ARGV_LOG"

# --- detached, exec, stop, rm
id=$("${RUN[@]}" -d --name det "$IMG" sleep 1000 2>&1)
check run_detached [ -n "$id" ]
expect_eq inspect_running "$(P inspect -f '{{.State.Status}}' det 2>&1)" running
expect_eq exec_output "$(P exec det echo in-exec 2>&1)" in-exec
P exec det sh -c 'exit 5'
expect_eq exec_exit_code "$?" 5
P stop -t 1 det >/dev/null 2>&1
expect_eq stop "$(P inspect -f '{{.State.Status}}' det 2>&1)" exited
P rm det >/dev/null 2>&1
check rm_removes_container [ -z "$(P ps -aq 2>/dev/null)" ]

# --- --userns=keep-id: the user's own uid inside
out=$("${RUN[@]}" --rm --userns=keep-id "$IMG" id -u 2>&1)
expect_eq userns_keep_id "$out" "$UID_"

# --- a volume: files written inside belong to the user outside
"${RUN[@]}" --rm -v "$CL_TMP/vol:/vol" "$IMG" sh -c 'echo hi > /vol/f' >/dev/null 2>&1
expect_eq volume_file_owner "$(stat -c %u:%g "$CL_TMP/vol/f" 2>&1)" "$UID_:$GID_"

# --- nothing left in cove's per-user state dir (the podman ids)
left=$(find "$X" -maxdepth 3 -path "*/cove/*" -name state.json 2>/dev/null)
expect_eq no_cove_state_left "$left" ""

# --- systemd as init on a pure cgroup v2 host (the VM tier's systemd guest,
# ctest vm.clients_rootless): podman's systemd cgroup manager, cove's
# --systemd-cgroup through the user's own systemd instance
if [ -d /run/systemd/system ] && [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
    systemctl start "user@$UID_.service" >/dev/null 2>&1
    for _ in $(seq 100); do [ -S "/run/user/$UID_/bus" ] && break; sleep 0.1; done
    SDX="/run/user/$UID_"
    PS() {
        timeout -k 5 120 setpriv --reuid="$UID_" --regid="$GID_" --init-groups env -i PATH="$PATH" HOME="$H" USER="$U" \
            XDG_RUNTIME_DIR="$SDX" CONTAINERS_CONF="$CL_TMP/containers.conf" \
            podman --storage-driver vfs --root "$H/store-sd" --runroot "$SDX/run" --tmpdir "$SDX/tmp" \
            --events-backend file --cgroup-manager systemd "$@" </dev/null
    }
    PS import -q "$CL_TMP/rootfs.tar" "$IMG" >/dev/null || bad "podman import (systemd manager)"
    out=$(PS run --rm --network none --memory 64m "$IMG" sh -c 'cat /sys/fs/cgroup/memory.max; cat /proc/self/cgroup' 2>&1)
    expect_eq systemd_memory_limit "$(head -n 1 <<<"$out")" 67108864
    check systemd_ran_cove_with_systemd_cgroup grep -q "argv: .*--systemd-cgroup.* create " "$ARGV_LOG"
    id=$(PS run -d --network none --name sd "$IMG" sleep 1000 2>&1)
    scope=$(find "/sys/fs/cgroup/user.slice/user-$UID_.slice/user@$UID_.service" -type d -name "*$id*.scope" 2>/dev/null | head -n 1)
    check systemd_scope_in_the_users_manager [ -n "$scope" ]
    expect_eq systemd_exec "$(PS exec sd echo in-exec 2>&1)" in-exec
    PS rm -f -t 0 sd >/dev/null 2>&1
    # systemd removes a stopped scope's cgroup (and conmon's) on its own time
    for _ in $(seq 50); do [ -d "$scope" ] || break; sleep 0.1; done
    check systemd_scope_gone test -n "$scope" -a ! -d "$scope"
    PS system reset -f >/dev/null 2>&1
    systemctl stop "user@$UID_.service" >/dev/null 2>&1
fi
