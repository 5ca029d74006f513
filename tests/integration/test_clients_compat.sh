#!/bin/bash
# clients_compat: config shapes real clients send that plain `spec` bundles
# do not (found by tests/clients/*.sh, kept here so they are checked without
# podman/docker installed).
. "$(dirname "$0")/lib.sh"

# Docker's HostConfig sends "blockIO": {"weight": 0} meaning "unset"; runc
# skips it, the kernel refuses 0 with ERANGE.
t_blkio_weight_zero_is_ignored() {
    make_bundle b sh -c 'echo ran'
    cfg_set b '.linux.resources.blockIO = {"weight": 0, "leafWeight": 0,
                 "weightDevice": [{"major": 8, "minor": 0, "weight": 0}]}'
    ctr_run w b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq ran "$OUT" "container output"
}

# podman --privileged lists the host's devices with their whole st_mode in
# fileMode (S_IFCHR|0640 = 8608); runc accepts it and keeps the permissions.
t_device_file_mode_with_type_bits() {
    make_bundle d sh -c 'stat -c "%A %t:%T" /dev/xnull'
    cfg_set d '.linux.devices = [{path: "/dev/xnull", type: "c", major: 1, minor: 3, fileMode: 8608, uid: 0, gid: 0}]
               | .linux.resources.devices = [{allow: false, access: "rwm"}, {allow: true, type: "c", major: 1, minor: 3, access: "rwm"}]'
    ctr_run w d
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "crw-r----- 1:3" "$OUT" "the device's mode and numbers"
}

# podman --read-only mounts tmpfs on /tmp, /var/tmp, /run with "tmpcopyup":
# the tmpfs starts with the image's content of that directory.
t_tmpcopyup_copies_image_content_into_tmpfs() {
    make_bundle b sh -c 'cat /data/f /data/sub/g; readlink /data/l; stat -c %a /data/sub
        grep " /data " /proc/self/mountinfo | grep -q tmpfs && echo tmpfs
        touch /data/new && echo writable'
    mkdir -p "$TEST_TMP/b/rootfs/data/sub"
    echo file-f > "$TEST_TMP/b/rootfs/data/f"
    echo file-g > "$TEST_TMP/b/rootfs/data/sub/g"
    chmod 750 "$TEST_TMP/b/rootfs/data/sub"
    ln -s /etc/passwd "$TEST_TMP/b/rootfs/data/l"
    cfg_set b '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs",
                            "options": ["rw", "nosuid", "nodev", "tmpcopyup"]}]'
    ctr_run t b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$(printf 'file-f\nfile-g\n/etc/passwd\n750\ntmpfs\nwritable')" "$OUT" "container output"
    [ ! -e "$TEST_TMP/b/rootfs/data/new" ] || fail "write went to the image, not the tmpfs"
}

t_tmpcopyup_on_non_tmpfs_is_refused() {
    make_bundle b true
    cfg_set b '.mounts += [{"destination": "/data", "type": "bind", "source": "/tmp",
                            "options": ["bind", "tmpcopyup"]}]'
    ctr_run n b
    assert_ne 0 "$RC" "exit code"
    assert_contains "$ERR" "tmpcopyup needs type tmpfs"
}

run_cases
