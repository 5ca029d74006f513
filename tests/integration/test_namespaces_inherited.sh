#!/bin/bash
# Namespaces left out of linux.namespaces are inherited from the runtime
# (runtime-spec: "If a namespace type is not specified, the container
# inherits it"), the mount namespace included: the container's mounts are
# then made below root.path in the host's namespace and the root is entered
# with chroot, as runc does; unlike runc, cove removes those mounts with
# the container (namespaces/hostmounts.h).
. "$(dirname "$0")/lib.sh"

ns_of() { readlink "/proc/$1/ns/$2"; }

# no_namespaces BUNDLE ARGS... — a bundle with no namespaces at all, and no
# masks (they would need a mount namespace of its own)
no_namespaces() {
    local b=$1; shift
    make_bundle "$b" "$@"
    cfg_set "$b" '.linux.namespaces = [] | del(.hostname) | .linux.maskedPaths = [] | .linux.readonlyPaths = []
        | .root.readonly = false'
}

t_every_namespace_left_out_is_the_runtimes() {
    no_namespaces b sleep 600
    ctr_create c b
    local pid n; pid=$(ctr_state c .pid)
    for n in mnt net ipc uts pid cgroup user; do
        assert_eq "$(ns_of $$ "$n")" "$(ns_of "$pid" "$n")" "namespace $n of the init"
    done
    assert_eq "$TEST_TMP/b/rootfs" "$(readlink "/proc/$pid/root")" "the init's root (chroot)"
    # its /proc is mounted below root.path in the host's namespace
    assert_contains "$(_mounts_in_tmp)" "$TEST_TMP/b/rootfs/proc"
    assert_ok cove start "$(cid c)"
    # exec enters the same root
    assert_ok cove exec "$(cid c)" sh -c 'ls /.cove-test-rootfs-* >/dev/null && echo inside'
    assert_eq inside "$OUT" "cove exec runs in the container's root"
    assert_ok cove delete --force "$(cid c)"
    assert_eq "" "$(_mounts_in_tmp)" "the container's mounts are gone with it"
}

t_mounts_made_before_the_container_stay() {
    # a mount below root.path that was there before is not the container's
    no_namespaces b true
    mkdir -p "$TEST_TMP/b/rootfs/mnt/mine"
    mount -t tmpfs mine "$TEST_TMP/b/rootfs/mnt/mine"
    ctr_run r b
    local left; left=$(_mounts_in_tmp)
    umount "$TEST_TMP/b/rootfs/mnt/mine"
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$TEST_TMP/b/rootfs/mnt/mine" "$left" "only the caller's own mount is left"
}

t_a_failed_create_leaves_no_host_mount() {
    no_namespaces b /no/such/binary
    ctr_run f b
    assert_eq 1 "$RC" "exit code of a missing binary"
    assert_nothing_left
}

t_what_would_change_the_hosts_mounts_is_refused() {
    make_bundle b true
    cfg_set b '.linux.namespaces |= map(select(.type != "mount"))'
    ctr_run m b
    assert_eq 1 "$RC" "masked paths without a mount namespace"
    assert_contains "$ERR" "linux.maskedPaths: needs a mount namespace of the container's own"
    assert_nothing_left
    cfg_set b '.linux.maskedPaths = [] | .linux.readonlyPaths = []'
    ctr_run ro b
    assert_eq 1 "$RC" "root.readonly without a mount namespace"
    assert_contains "$ERR" "root.readonly: needs a mount namespace of the container's own"
    assert_nothing_left
}

run_cases
