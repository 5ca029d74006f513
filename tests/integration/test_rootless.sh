#!/bin/bash
# cove run by an ordinary user (docs/rootless.md): a throw-away user with
# its own /etc/subuid and /etc/subgid ranges (useradd allocates them,
# userdel removes them) runs cove through setpriv. The id maps, the
# default --root under XDG_RUNTIME_DIR, exec/kill/ps/list/delete, what the
# container may not do to the host, cgroups that are not delegated, and
# that a refused create leaves nothing.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/../throwaway_user.sh"

tu_add cove-rl
RL_USER=$TU_USER RL_UID=$TU_UID RL_GID=$TU_GID RL_SUBUID=$TU_SUBUID RL_SUBGID=$TU_SUBGID
# the per-file temp dir is 0700: the user must traverse it
chmod 711 "$TEST_TMP"
RL_HOME="$TEST_TMP/home"
RL_XDG="$TEST_TMP/xdg"
mkdir -p "$RL_HOME" "$RL_XDG"
chown "$RL_UID:$RL_GID" "$RL_HOME" "$RL_XDG"
chmod 700 "$RL_XDG"
# the lib's cleanup force-deletes (as root) whatever is left here
ROOT="$RL_XDG/cove"

# userdel refuses a user with processes: the containers go first, then the
# user (and its sub-id ranges), then the lib's own checks
rl_remove_user() { delete_all; tu_del; }
trap 'rc=$?; rl_remove_user; (exit $rc); _cleanup' EXIT

# ucove ARGS... — cove as the test user, with only the environment a login
# would give it (no --root: the per-user default applies)
ucove() {
    timeout -k 5 "$COVE_TIMEOUT" setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups \
        env -i PATH="$PATH" HOME="$RL_HOME" XDG_RUNTIME_DIR="$RL_XDG" "$COVE" "$@" </dev/null
}
# as_user CMD... — any command as the test user
as_user() { tu_run "$@"; }

# rl_bundle DIR ARG... — a busybox rootfs owned by the user and the config
# `cove spec --rootless` writes, with process.args = ARGS
rl_bundle() {
    local dir; dir=$(_abs "$1"); shift
    local a args='[]'
    for a in "$@"; do args=$(jq -c --arg a "$a" '. + [$a]' <<<"$args"); done
    mkdir -p "$dir"
    make_rootfs "$dir/rootfs"
    chown -R "$RL_UID:$RL_GID" "$dir"
    as_user "$COVE" spec --rootless --bundle "$dir" || fail "cove spec --rootless failed"
    as_user jq --argjson a "$args" '.process.terminal = false | .process.args = $a' "$dir/config.json" > "$dir/c.json"
    mv "$dir/c.json" "$dir/config.json"
    chown "$RL_UID:$RL_GID" "$dir/config.json"
}
rl_cfg() { local d; d=$(_abs "$1"); shift; cfg_set "$d" "$@"; chown "$RL_UID:$RL_GID" "$d/config.json"; }
rl_run() { local id; id=$(cid "$1"); local b; b=$(_abs "$2"); shift 2; run_capture ucove run --bundle "$b" "$@" "$id"; }

t_spec_rootless_runs_unchanged_as_root_of_a_single_id_map() {
    rl_bundle b sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map'
    rl_run r b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$(printf '0\n0')" "$(head -n 2 <<<"$OUT")" "id inside"
    assert_eq "$(printf '0 %s 1\n0 %s 1' "$RL_UID" "$RL_GID")" "$(tail -n 2 <<<"$OUT" | awk '{ print $1, $2, $3 }')" \
        "uid_map/gid_map"
    assert_nothing_left
}

t_state_lives_under_xdg_runtime_dir_and_list_names_the_owner() {
    rl_bundle b sleep 100
    run_capture ucove create --bundle "$TEST_TMP/b" "$(cid c)"
    assert_eq 0 "$RC" "create (stderr: $ERR)"
    [ -f "$RL_XDG/cove/$(cid c)/state.json" ] || fail "no state under \$XDG_RUNTIME_DIR/cove"
    assert_eq "$RL_UID" "$(stat -c %u "$RL_XDG/cove/$(cid c)")" "owner of the state dir"
    assert_ok ucove list
    assert_match "$(grep "$(cid c)" <<<"$OUT")" "created .* $RL_USER\$" "list row"
    assert_ok ucove delete "$(cid c)"
    assert_nothing_left
}

t_without_xdg_runtime_dir_root_must_be_given() {
    rl_bundle b true
    run_capture timeout 20 setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups \
        env -i PATH="$PATH" "$COVE" run --bundle "$TEST_TMP/b" "$(cid x)"
    assert_eq 1 "$RC" "exit code"
    assert_contains "$ERR" "XDG_RUNTIME_DIR is not set; pass --root DIR"
    assert_nothing_left
}

t_subuid_ranges_are_mapped_through_newuidmap() {
    command -v newuidmap >/dev/null || skip_case "newuidmap not installed (package uidmap)"
    rl_bundle b sh -c 'cat /proc/self/uid_map /proc/self/gid_map; touch /tmp/f && chown 1000:1000 /tmp/f && stat -c %u:%g /tmp/f'
    rl_cfg b --argjson u "$RL_UID" --argjson g "$RL_GID" --argjson su "$RL_SUBUID" --argjson sg "$RL_SUBGID" \
        '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $su, size: 65536}]
         | .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: $sg, size: 65536}]
         | .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs"}]
         | .process.capabilities |= with_entries(.value += ["CAP_CHOWN"])'
    rl_run s b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    local maps; maps=$(awk 'NF == 3 { print $1, $2, $3 }' <<<"$OUT")
    assert_eq "$(printf '0 %s 1\n1 %s 65536\n0 %s 1\n1 %s 65536' "$RL_UID" "$RL_SUBUID" "$RL_GID" "$RL_SUBGID")" \
        "$maps" "uid_map/gid_map"
    assert_eq 1000:1000 "$(tail -n 1 <<<"$OUT")" "chown to a mapped sub-id"
}

t_a_range_not_granted_is_refused_by_newuidmap_and_leaves_nothing() {
    command -v newuidmap >/dev/null || skip_case "newuidmap not installed (package uidmap)"
    rl_bundle b true
    rl_cfg b --argjson u "$RL_UID" \
        '.linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: 1, size: 999}]'
    rl_run n b
    assert_eq 1 "$RC" "exit code"
    assert_contains "$ERR" "linux.uidMappings: newuidmap refused the mapping"
    assert_nothing_left
}

t_exec_ps_kill_and_delete_as_the_user() {
    rl_bundle b sleep 100
    run_capture ucove run -d --bundle "$TEST_TMP/b" "$(cid e)"
    assert_eq 0 "$RC" "run -d (stderr: $ERR)"
    assert_ok ucove exec "$(cid e)" sh -c 'id -u; cat /proc/1/cmdline | tr "\0" " "'
    assert_eq "0
sleep 100 " "$OUT" "exec sees the init as root's pid 1"
    local pid; pid=$(ucove state "$(cid e)" | jq -r .pid)
    assert_ok ucove ps "$(cid e)"
    assert_contains "$OUT" " $pid " "ps lists the init"
    assert_ok ucove kill "$(cid e)" KILL
    wait_pid_gone "$pid"
    assert_ok ucove delete "$(cid e)"
    assert_nothing_left
}

t_no_power_over_the_host() {
    echo original > "$TEST_TMP/hostfile"
    chmod 644 "$TEST_TMP/hostfile"
    sleep 100 & local victim=$!
    rl_bundle b sh -c "
        echo x >> /mnt/hostfile && echo WROTE
        chown 0 /mnt/hostfile 2>/dev/null && echo CHOWNED
        kill -0 $victim 2>/dev/null && echo SIGNALLED
        cat /proc/$victim/environ >/dev/null 2>&1 && echo TRACED
        mkdir /sys/fs/cgroup/cove-rl-escape 2>/dev/null && echo CGROUP
        mount -o remount,rw /sys 2>/dev/null && echo REMOUNTED
        echo done"
    # no pid namespace: the host's processes are visible, and still out of reach
    rl_cfg b --arg f "$TEST_TMP/hostfile" '.linux.namespaces |= map(select(.type != "pid"))
        | .mounts |= map(select(.destination != "/proc"))
        | .mounts += [{destination: "/proc", type: "bind", source: "/proc", options: ["rbind"]},
                      {destination: "/mnt/hostfile", type: "bind", source: $f, options: ["bind", "rw"]}]'
    mkdir -p "$TEST_TMP/b/rootfs/mnt"; touch "$TEST_TMP/b/rootfs/mnt/hostfile"
    rl_run h b
    kill "$victim"; wait "$victim" 2>/dev/null || true
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq done "$OUT" "what the container's root did to the host"
    assert_eq original "$(cat "$TEST_TMP/hostfile")" "host file"
    assert_eq 0 "$(stat -c %u "$TEST_TMP/hostfile")" "host file owner"
}

t_files_in_a_volume_belong_to_the_user_outside() {
    mkdir -p "$TEST_TMP/vol"; chown "$RL_UID:$RL_GID" "$TEST_TMP/vol"
    rl_bundle b sh -c 'echo hi > /vol/new && ls -ln /vol/new'
    rl_cfg b --arg v "$TEST_TMP/vol" '.mounts += [{destination: "/vol", type: "bind", source: $v, options: ["rbind", "rw"]}]'
    mkdir -p "$TEST_TMP/b/rootfs/vol"
    rl_run v b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$RL_UID:$RL_GID" "$(stat -c %u:%g "$TEST_TMP/vol/new")" "owner outside"
    assert_match "$OUT" "^-[rw-]+ +1 0 +0 " "owner inside"
}

t_limits_without_a_delegated_cgroup_are_refused() {
    rl_bundle b true
    rl_cfg b '.linux.resources = {memory: {limit: 67108864}}'
    rl_run m b
    assert_eq 1 "$RC" "exit code"
    assert_contains "$ERR" "linux.resources: rootless: limits need a cgroup"
    assert_contains "$ERR" "not writable by uid $RL_UID"
    assert_nothing_left
}

t_an_explicit_cgroups_path_not_delegated_is_refused() {
    rl_bundle b true
    rl_cfg b --arg p "$CG_PARENT/x" '.linux.cgroupsPath = $p'
    rl_run p b
    assert_eq 1 "$RC" "exit code"
    assert_contains "$ERR" "linux.cgroupsPath: rootless:"
    assert_nothing_left
}

t_rootless_false_makes_the_cgroup_mandatory() {
    rl_bundle b true
    run_capture ucove --rootless false run --bundle "$TEST_TMP/b" "$(cid f)"
    assert_eq 1 "$RC" "exit code"
    assert_contains "$ERR" "Permission denied"
    assert_nothing_left
}

t_supplementary_groups_need_a_gid_range() {
    rl_bundle b true
    rl_cfg b '.process.user.additionalGids = [5]'
    rl_run g b
    assert_eq 1 "$RC" "exit code"
    assert_contains "$ERR" "process.user.additionalGids: setgroups is denied in this user namespace"
    assert_nothing_left
}

t_timeout_and_rm_clean_up_without_a_cgroup() {
    rl_bundle b sh -c 'sleep 100 & sleep 100'
    run_capture ucove run --timeout 1 --timeout-grace 1 --bundle "$TEST_TMP/b" "$(cid t)"
    assert_eq 124 "$RC" "exit code (stderr: $ERR)"
    assert_nothing_left
}

t_a_mount_the_kernel_refuses_in_a_user_namespace_names_the_rule() {
    rl_bundle b true
    # proc without a pid namespace of the container's own
    rl_cfg b '.linux.namespaces |= map(select(.type != "pid"))'
    rl_run p b
    assert_eq 1 "$RC" "exit code"
    assert_contains "$ERR" "mounts[0] (/proc)"
    assert_contains "$ERR" "proc needs a pid namespace owned by the container's user namespace"
    assert_nothing_left
}

# ---------------------------------------------------------------- sandbox
# usb ARGS... — `cove sandbox` as the test user (its default --root and
# image root), --rootfs being a user-owned busybox tree
usb() { ucove sandbox "$@"; }
rl_rootfs() { make_rootfs "$1"; chown -R "$RL_UID:$RL_GID" "$(_abs "$1")"; }
assert_user_sandbox_gone() {
    assert_eq "" "$(ls -A "$ROOT" 2>/dev/null | { grep -vx '.seccomp~cache' || true; })" "state and temporary bundle removed"
    assert_nothing_left
    assert_eq "" "$(pgrep -u "$RL_UID" || true)" "processes of the test user"
}

t_sandbox_job_is_root_of_a_user_namespace_with_the_hardening() {
    rl_rootfs r
    run_capture usb --rootfs "$TEST_TMP/r" --env CI=1 -- sh -c 'id -u; awk "{print \$1, \$2, \$3}" /proc/self/uid_map;
        grep -E "^(NoNewPrivs|Seccomp|CapBnd):" /proc/self/status; ls /sys/class/net | tr "\n" " "; echo $CI'
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$ERR" "runs without a cgroup" "the missing limits are said"
    assert_eq 0 "$(head -n 1 <<<"$OUT")" "root inside"
    assert_contains "$OUT" "0 $RL_UID 1" "the caller outside"
    assert_contains "$OUT" "NoNewPrivs:	1"
    assert_contains "$OUT" "Seccomp:	2"
    assert_contains "$OUT" "CapBnd:	0000000020000420" "only AUDIT_WRITE, KILL, NET_BIND_SERVICE"
    assert_contains "$OUT" "lo 1" "only lo; env"
    assert_user_sandbox_gone
}

t_sandbox_writes_vanish_and_the_rootfs_is_untouched() {
    rl_rootfs r
    run_capture usb --rootfs "$TEST_TMP/r" -- sh -c 'echo 1 > /etc/scratch && rm /bin/true && cat /etc/scratch'
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq 1 "$OUT"
    [ ! -e "$TEST_TMP/r/etc/scratch" ] || fail "a write reached the rootfs"
    [ -L "$TEST_TMP/r/bin/true" ] || fail "a deletion reached the rootfs"
    assert_user_sandbox_gone
}

t_sandbox_timeout_ends_the_whole_job_without_a_cgroup() {
    rl_rootfs r
    local t0=$SECONDS
    run_capture usb --rootfs "$TEST_TMP/r" --timeout 1 --timeout-grace 1 -- sh -c 'trap "" TERM; sleep 60 & sleep 60'
    assert_eq 124 "$RC" "exit code (stderr: $ERR)"
    [ $((SECONDS - t0)) -lt 10 ] || fail "timeout took $((SECONDS - t0))s"
    assert_user_sandbox_gone
}

t_sandbox_sigint_cleans_up() {
    rl_rootfs r
    setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups env -i PATH="$PATH" HOME="$RL_HOME" \
        XDG_RUNTIME_DIR="$RL_XDG" "$COVE" sandbox --rootfs "$TEST_TMP/r" -- sh -c 'sleep 60 & sleep 60' \
        </dev/null >/dev/null 2>&1 &
    local pid=$! rc=0
    for _ in $(seq 50); do
        [ -n "$(pgrep -u "$RL_UID" -x sleep || true)" ] && break
        sleep 0.1
    done
    kill -INT $pid
    wait $pid || rc=$?
    assert_eq 130 "$rc" "128+SIGINT"
    assert_user_sandbox_gone
}

t_sandbox_limits_without_a_delegated_cgroup_are_refused() {
    rl_rootfs r
    run_capture usb --rootfs "$TEST_TMP/r" --memory 64M -- true
    assert_eq 125 "$RC" "exit code"
    assert_contains "$ERR" "--memory, --cpus and --pids need a cgroup"
    assert_user_sandbox_gone
}

t_sandbox_binds_are_read_only() {
    rl_rootfs r
    mkdir -p "$TEST_TMP/data"; echo keep > "$TEST_TMP/data/f"; chown -R "$RL_UID:$RL_GID" "$TEST_TMP/data"
    run_capture usb --rootfs "$TEST_TMP/r" --bind "$TEST_TMP/data:/data" -- sh -c \
        'echo x >> /data/f || echo RO'
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$OUT" "RO"
    assert_eq keep "$(cat "$TEST_TMP/data/f")" "bound file"
    assert_user_sandbox_gone
}

t_sandbox_runs_an_image_the_user_imported() {
    command -v python3 >/dev/null || skip_case "python3 not installed"
    python3 "$(dirname "$0")/make_oci_image.py" "$TEST_TMP/imgs" >/dev/null || fail "make_oci_image.py"
    chmod -R a+rX "$TEST_TMP/imgs"
    # opaque directories need user.* xattrs where the store is (not tmpfs
    # before Linux 6.6, which is the VM tier's /tmp)
    python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.cove-probe", b"1")' "$RL_HOME" 2>/dev/null ||
        skip_case "the store's filesystem ($(stat -fc %T "$RL_HOME")) has no user.* xattrs"
    assert_ok ucove image import "$TEST_TMP/imgs/layout"
    [ -d "$RL_HOME/.local/share/cove" ] || fail "the store is not under ~/.local/share/cove"
    run_capture usb --image test:latest --user 0:0 -- sh -c '
        test ! -e /victim && echo whiteout-ok
        echo olddir: $(ls /olddir)
        echo links: $(stat -c %h /data/h1) $(cat /data/h2)
        echo suid: $(stat -c %a /suid)
        echo owner: $(stat -c %u:%g /data/h1)
        echo x > /olddir/new && echo write-ok'
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$OUT" whiteout-ok
    assert_contains "$OUT" "olddir: c" "opaque dir (user.overlay.opaque) hides the lower layer's a and b"
    assert_contains "$OUT" "links: 2 hard"
    assert_contains "$OUT" "suid: 4755"
    assert_contains "$OUT" "owner: 0:0" "rootless: every file is the user's, root inside"
    assert_contains "$OUT" write-ok
    assert_user_sandbox_gone
}

t_sandbox_userns_self_maps_the_users_uid_alone() {
    rl_rootfs r
    run_capture usb --rootfs "$TEST_TMP/r" --userns self -- sh -c 'awk "{ print \$1, \$2, \$3 }" /proc/self/uid_map; ls /dev/pts'
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "0 $RL_UID 1" "$(head -n 1 <<<"$OUT")" "uid_map: the caller alone, no newuidmap"
    assert_contains "$OUT" ptmx "devpts mounted without the tty gid the map lacks"
    assert_user_sandbox_gone
}

# ---------------------------------------------------------------- delegation
# rl_delegate — $CG_PARENT/rl as a cgroup v2 subtree delegated to the test
# user, the way systemd's Delegate=yes hands one out: the user owns the
# directory and its cgroup.procs/subtree_control/threads, memory and pids
# are enabled down to it, and the user's processes start inside it (in
# rl/launcher: moving a process needs write access to the cgroup.procs of
# the common ancestor of where it is and where it goes)
rl_delegate() {
    [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] ||
        skip_case "needs a pure cgroup v2 host to delegate a subtree (the VM tier runs it: vm.cgroupv2)"
    RL_CG=/sys/fs/cgroup${CG_PARENT}/rl
    mkdir -p "$RL_CG/launcher"
    local c
    for c in memory pids; do
        echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control
        echo "+$c" > "/sys/fs/cgroup${CG_PARENT}/cgroup.subtree_control"
    done
    chown -R "$RL_UID:$RL_GID" "$RL_CG"
}
# ucove_delegated ARGS... — ucove started from inside the delegated subtree
ucove_delegated() {
    timeout -k 5 "$COVE_TIMEOUT" sh -c 'echo $$ > "$0/launcher/cgroup.procs" && shift && exec "$@"' "$RL_CG" x \
        setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups \
        env -i PATH="$PATH" HOME="$RL_HOME" XDG_RUNTIME_DIR="$RL_XDG" "$COVE" "$@" </dev/null
}

t_a_delegated_cgroup_v2_subtree_gets_the_limits() {
    rl_delegate
    rl_bundle b sleep 100
    rl_cfg b --arg p "$CG_PARENT/rl/ctr" '.linux.cgroupsPath = $p
        | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 20}}'
    run_capture ucove_delegated create --bundle "$TEST_TMP/b" "$(cid d)"
    assert_eq 0 "$RC" "create (stderr: $ERR)"
    assert_eq 67108864 "$(cat "$RL_CG/ctr/memory.max")" "memory.max"
    assert_eq 20 "$(cat "$RL_CG/ctr/pids.max")" "pids.max"
    assert_eq "$(ucove state "$(cid d)" | jq -r .pid)" "$(cat "$RL_CG/ctr/cgroup.procs")" "the init in its cgroup"
    assert_ok ucove delete --force "$(cid d)"
    [ ! -d "$RL_CG/ctr" ] || fail "delete left $RL_CG/ctr"
}

t_a_sandbox_under_a_delegated_parent_is_limited() {
    rl_delegate
    rl_rootfs r
    run_capture ucove_delegated sandbox --rootfs "$TEST_TMP/r" --cgroup-parent "$CG_PARENT/rl" --pids 8 -- \
        sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & done; wait; echo forked'
    assert_contains "$ERR" "fork" "the 9th process refused (stderr: $ERR)"
    assert_not_contains "$ERR" "runs without a cgroup"
    assert_eq "" "$(find "$RL_CG" -mindepth 1 -maxdepth 1 -type d ! -name launcher)" "sandbox cgroups left"
    rmdir "$RL_CG/launcher" "$RL_CG" # the test's own delegation, empty again
    assert_user_sandbox_gone
}

run_cases
