#!/bin/bash
# Escape class: symlink races on mount destinations (CVE-2021-30465). While
# containers are being created, a loop swaps a directory of the rootfs on a
# mount destination's path for a symlink to a host directory (absolute, and
# relative with enough ../ to leave the rootfs) and back. A runtime that
# resolves the destination by path, or checks then mounts, creates the
# missing mount points on the host and mounts there. cove resolves every
# destination with openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS) from an
# fd of the rootfs and mounts on the fd it got (namespaces/path.c,
# mnt.c), so the symlink is followed inside the rootfs at worst.
# Checked on the host: the host directory never gets a file, a directory
# or a mount, and its contents never show up in a container.
. "$(dirname "$0")/lib.sh"

ITER=${ESCAPE_RACE_ITERATIONS:-30}

t_swapped_destination_never_reaches_the_host() {
    local H="$TEST_TMP/hostdir" stop="$TEST_TMP/stop"
    mkdir -p "$H"; echo host-secret > "$H/sentinel"
    make_bundle b sh -c 'cat /mnt/a/sentinel 2>/dev/null; ls /mnt/a/sub >/dev/null && echo ok'
    # a tmpfs below the racy directory (its mount point must be created),
    # and a file bind mount beside it (an empty file must be created)
    echo vol > "$TEST_TMP/volfile"
    cfg_set b --arg f "$TEST_TMP/volfile" '.mounts += [
        {destination: "/mnt/a/sub", type: "tmpfs", source: "tmpfs", options: ["nosuid"]},
        {destination: "/mnt/a/file", type: "bind", source: $f, options: ["bind"]}]'
    local R="$TEST_TMP/b/rootfs/mnt"
    mkdir -p "$R/a"
    local rel="../../../../../../../../../../../../..$H"
    (
        # every step may lose a race with the runtime's own mkdir: go on
        set +eE; trap - ERR
        n=0
        while [ ! -e "$stop" ]; do
            rm -rf "$R/a"; ln -s "$H" "$R/a"
            rm -f "$R/a"; mkdir "$R/a"
            rm -rf "$R/a"; ln -s "$rel" "$R/a"
            rm -f "$R/a"; mkdir "$R/a"
            n=$((n + 1))
        done
        echo "$n" > "$TEST_TMP/swaps"
    ) 2>/dev/null &
    local swapper=$! i ok=0 refused=0 seen=""
    for ((i = 0; i < ITER; i++)); do
        ctr_run "r$i" b
        if [ "$RC" = 0 ]; then ok=$((ok + 1)); else refused=$((refused + 1)); fi
        case $OUT in *host-secret*) seen="run $i: $OUT" ;; esac
        # the host directory: only the sentinel, ever
        [ "$(ls -A "$H")" = sentinel ] || { touch "$stop"; wait "$swapper"; fail "host dir changed during run $i: $(ls -lA "$H")"; }
    done
    touch "$stop"; wait "$swapper" || true
    note "$ITER creates racing a symlink swap: $ok ran, $refused refused; swapper made $(cat "$TEST_TMP/swaps" 2>/dev/null || echo 0) swaps"
    [ -z "$seen" ] || fail "host file visible in a container: $seen"
    assert_eq sentinel "$(ls -A "$H")" "host dir contents"
    assert_eq host-secret "$(cat "$H/sentinel")" "host sentinel"
    # no mount on the host dir, in our mount namespace
    ! awk -v h="$H" '$5 == h || index($5, h "/") == 1' /proc/self/mountinfo | grep -q . ||
        fail "a mount appeared on the host dir"
    assert_nothing_left
}

t_static_symlink_destination_is_resolved_inside_the_rootfs() {
    # the non-racy version: the destination's parent is a symlink to the
    # host dir from the start. The mount lands inside the rootfs.
    local H="$TEST_TMP/hostdir"
    mkdir -p "$H"; echo host-secret > "$H/sentinel"
    make_bundle b sh -c 'cat /mnt/a/sentinel 2>/dev/null; echo x > /mnt/a/sub/written && echo wrote'
    cfg_set b '.mounts += [{destination: "/mnt/a/sub", type: "tmpfs", source: "tmpfs", options: ["nosuid"]}]
        | .root.readonly = false'
    mkdir -p "$TEST_TMP/b/rootfs/mnt"
    ln -s "$H" "$TEST_TMP/b/rootfs/mnt/a"
    ctr_run s b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq wrote "$OUT" "container output"
    assert_eq sentinel "$(ls -A "$H")" "host dir contents"
    # the mount point was made inside the rootfs, under the symlink's target
    [ -d "$TEST_TMP/b/rootfs$H/sub" ] || fail "mount point not created inside the rootfs"
}

# linux.devices in a rootfs whose /dev is a plain directory (no tmpfs):
# a process sharing that directory keeps replacing the node with a symlink
# to a host file of root's (mode 0600). The runtime used to chmod the node
# by name after mknod, following the symlink: the host file became 0666
# (before the fix: hit after 22 to 131 creates in 4 of 6 runs; it is a
# race, so a miss proves less than a hit). Now the mode comes from mknod
# itself and the owner is set through an fd of the node.
t_device_node_mode_is_not_applied_through_a_swapped_symlink() {
    command -v cc >/dev/null || skip_case "no cc"
    cc -O2 -o "$TEST_TMP/swap" "$(dirname "$0")/attack/swap_symlink.c" || fail "cannot build swap_symlink"
    echo secret > "$TEST_TMP/victim"
    chmod 600 "$TEST_TMP/victim"
    make_bundle b true
    cfg_set b '.root.readonly = false | .linux.maskedPaths = [] | .linux.readonlyPaths = []
        | .mounts |= map(select(.destination | startswith("/dev") | not))
        | .linux.devices = [{path: "/dev/xdev", type: "c", major: 1, minor: 3, fileMode: 438, uid: 0, gid: 0}]'
    mkdir -p "$TEST_TMP/b/rootfs/dev"
    "$TEST_TMP/swap" "$TEST_TMP/b/rootfs/dev" xdev "$TEST_TMP/victim" "$TEST_TMP/stop" 10 &
    local sw=$! i ok=0 mode last_err=
    # until 100 creates got through to the node (or 800 tries)
    for ((i = 0; i < 800 && ok < 100; i++)); do
        ctr_run "d$i" b
        if [ "$RC" = 0 ]; then ok=$((ok + 1)); else last_err=$ERR; fi
        mode=$(stat -c %a "$TEST_TMP/victim")
        [ "$mode" = 600 ] || break
    done
    touch "$TEST_TMP/stop"
    wait "$sw" || true
    note "$ok of $i creates won the race against the swapper; the rest were refused (last: $last_err)"
    assert_eq 600 "$(stat -c %a "$TEST_TMP/victim")" "mode of the host file behind the symlink"
    assert_eq 0 "$(stat -c %u "$TEST_TMP/victim")" "owner of the host file behind the symlink"
    assert_nothing_left
}

run_cases
