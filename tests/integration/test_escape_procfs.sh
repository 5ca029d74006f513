#!/bin/bash
# Escape class: procfs and /dev/null substitution (CVE-2019-16884,
# CVE-2023-27561, and the 2025 masked-path and procfs-write classes).
# A hostile image or config replaces /dev/null (whose bind mount "masks"
# linux.maskedPaths) or /proc (through which the runtime writes sysctls)
# with something it controls, so that the runtime's mask exposes, or its
# write lands in, a file of the attacker's choosing.
#   masks:   namespaces/masked.c checks that the very /dev/null it binds is
#            the 1:3 char device, or refuses
#   writes:  runtime/process.c cove_procfs_open() refuses a /proc that is
#            not procfs (statfs magic) and opens below it with openat2
#            RESOLVE_BENEATH|NO_MAGICLINKS|NO_XDEV
#   oomScoreAdj is written by the parent through the host's /proc, which
#            the container cannot touch.
. "$(dirname "$0")/lib.sh"

add_mount() { cfg_set "$1" --argjson m "$2" '.mounts += [$m]'; }

t_regular_file_as_dev_null_refuses_masked_paths() {
    # the config binds a directory of the attacker on /dev whose "null" is a
    # regular file: masking /proc/keys with it would expose that file
    mkdir -p "$TEST_TMP/fdev"
    echo "attacker-controlled" > "$TEST_TMP/fdev/null"
    make_bundle b sh -c 'cat /proc/keys; echo ran'
    cfg_set b --arg d "$TEST_TMP/fdev" '.mounts = [.mounts[] | if .destination == "/dev"
        then {destination: "/dev", type: "bind", source: $d, options: ["rbind"]} else . end]'
    ctr_run fnull b
    assert_eq 1 "$RC" "exit code (stdout: $OUT)"
    assert_contains "$ERR" "linux.maskedPaths" "error names the field"
    assert_contains "$ERR" "/dev/null: not the null device" "error says why"
    assert_eq "attacker-controlled" "$(cat "$TEST_TMP/fdev/null")" "the fake /dev/null"
    assert_nothing_left
}

t_other_char_device_as_dev_null_refuses_masked_paths() {
    # linux.devices makes /dev/null the 1:5 (zero) device: masked files
    # would read as endless zeros, and a later write-mask would not be null
    make_bundle b true
    cfg_set b '.linux.devices = [{path: "/dev/null", type: "c", major: 1, minor: 5}]'
    ctr_run zero b
    assert_eq 1 "$RC" "exit code"
    assert_contains "$ERR" "linux.maskedPaths" "error names the field"
    assert_contains "$ERR" "/dev/null: not the null device (1:5)" "error says why"
    assert_nothing_left
}

t_config_mount_over_dev_null_is_refused() {
    # a file bound straight onto /dev/null: refused (the default devices
    # are created on top of the mounts, and cannot be)
    echo "attacker-controlled" > "$TEST_TMP/fake-null"
    make_bundle b true
    cfg_set b --arg f "$TEST_TMP/fake-null" \
        '.mounts += [{destination: "/dev/null", type: "bind", source: $f, options: ["bind"]}]'
    ctr_run fnull2 b
    assert_eq 1 "$RC" "exit code"
    assert_contains "$ERR" "/dev/null" "error names the path"
    assert_eq "attacker-controlled" "$(cat "$TEST_TMP/fake-null")" "the fake /dev/null"
    assert_nothing_left
}

t_symlinked_dev_null_in_the_image_refuses_or_is_replaced() {
    # no /dev tmpfs: the image's own /dev is used, and its /dev/null is a
    # symlink to a file of the rootfs. Either cove replaces it with the real
    # device, or masking refuses; the target file is never bound anywhere.
    make_bundle b sh -c 'wc -c < /proc/kcore; cat /etc/secret'
    cfg_set b '.mounts = [.mounts[] | select(.destination != "/dev")] | .root.readonly = false'
    echo "secret" > "$TEST_TMP/b/rootfs/etc/secret"
    ln -s /etc/secret "$TEST_TMP/b/rootfs/dev/null"
    ctr_run symnull b
    if [ "$RC" = 0 ]; then
        # masked /proc/kcore reads as the empty null device
        assert_eq "0
secret" "$OUT" "masked /proc/kcore and the untouched file"
    else
        assert_eq 1 "$RC" "exit code"
        assert_contains "$ERR" "null" "error says why"
    fi
    assert_eq secret "$(cat "$TEST_TMP/b/rootfs/etc/secret")" "the symlink's target"
    assert_nothing_left
}

# sysctls are written before the container's mounts exist (runtime/init.c),
# through the procfs the runtime verified (cove_procfs_open): a /proc the
# config replaces can neither redirect nor receive the write
t_sysctl_is_not_redirected_by_a_fake_proc() {
    # the attack: bind a directory of the attacker over /proc after the
    # real proc mount, holding a regular file where the sysctl would go
    mkdir -p "$TEST_TMP/fakeproc/sys/net/ipv4"
    echo 0 > "$TEST_TMP/fakeproc/sys/net/ipv4/ip_forward"
    make_bundle b cat /proc/sys/net/ipv4/ip_forward
    add_mount b "{\"destination\":\"/proc\",\"type\":\"bind\",\"source\":\"$TEST_TMP/fakeproc\",\"options\":[\"rbind\"]}"
    cfg_set b '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
    ctr_run fakeproc b
    if [ "$RC" != 0 ]; then
        assert_eq 1 "$RC" "exit code"
        assert_contains "$ERR" "/proc" "error says why"
    fi
    assert_eq 0 "$(cat "$TEST_TMP/fakeproc/sys/net/ipv4/ip_forward")" "the attacker's file"
    assert_nothing_left
}

t_sysctl_is_not_redirected_by_a_tmpfs_over_proc() {
    make_bundle b sh -c 'ls /proc | wc -l'
    add_mount b '{"destination":"/proc","type":"tmpfs","source":"tmpfs","options":["nosuid"]}'
    cfg_set b '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
    ctr_run tmpproc b
    if [ "$RC" = 0 ]; then
        assert_eq 0 "$OUT" "the container's /proc is the empty tmpfs (no file created in it)"
    else
        assert_eq 1 "$RC" "exit code"
    fi
    assert_nothing_left
}

t_sysctl_name_cannot_leave_proc_sys() {
    make_bundle b true
    cfg_set b '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
    ctr_run ok b
    assert_eq 0 "$RC" "a plain sysctl works (stderr: $ERR)"
    local k
    for k in "../self/oom_score_adj" "net/../../self/oom_score_adj" "/proc/self/oom_score_adj"; do
        cfg_set b --arg k "$k" '.linux.sysctl = {($k): "1000"}'
        ctr_run redirect b
        assert_eq 1 "$RC" "exit code of sysctl '$k'"
        assert_contains "$ERR" "linux.sysctl" "error names the field"
    done
    assert_nothing_left
}

t_oom_score_adj_is_written_through_the_hosts_proc() {
    make_bundle b sleep 30
    add_mount b '{"destination":"/proc","type":"tmpfs","source":"tmpfs","options":["nosuid"]}'
    cfg_set b '.process.oomScoreAdj = 123 | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
    ctr_create oom b
    local pid; pid=$(ctr_state oom .pid)
    assert_eq 123 "$(cat "/proc/$pid/oom_score_adj")" "oom_score_adj of the init"
}

# A mount over part of /proc or /sys (the config's, or one slipped in
# through a shared mount) would take the mask in place of the kernel file;
# unmounting it later would expose the real one. Refused, nothing left.
t_a_mount_over_a_masked_or_readonly_kernel_path_is_refused() {
    make_bundle b cat /sys/firmware/x
    cfg_set b '.mounts += [{destination: "/sys/firmware", type: "tmpfs", source: "tmpfs"}]'
    ctr_run m b
    assert_eq 1 "$RC" "a tmpfs over the masked /sys/firmware"
    assert_contains "$ERR" "linux.maskedPaths"
    assert_contains "$ERR" "something is mounted over (part of) /sys/firmware"
    assert_nothing_left
    make_bundle c true
    cfg_set c '.mounts += [{destination: "/proc/sys", type: "tmpfs", source: "tmpfs"}]'
    ctr_run r c
    assert_eq 1 "$RC" "a tmpfs over the read-only /proc/sys"
    assert_contains "$ERR" "linux.readonlyPaths"
    assert_contains "$ERR" "something is mounted over (part of) /proc/sys"
    assert_nothing_left
    # the ordinary case still masks and protects
    make_bundle d sh -c 'ls /sys/firmware | wc -l; echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null || echo ro'
    ctr_run ok d
    assert_eq 0 "$RC" "default masks (stderr: $ERR)"
    assert_eq "0
ro" "$OUT" "/sys/firmware masked, /proc/sys read-only"
}

# net.* sysctls go to the network namespace the container gets; joined by
# path that may be the host's own. (The value written is the host's
# current one: on a runtime that lets it through, the host is unchanged.)
t_sysctl_in_the_hosts_namespace_joined_by_path_is_refused() {
    local cur; cur=$(cat /proc/sys/net/ipv4/ip_forward)
    make_bundle b true
    cfg_set b --arg v "$cur" --arg ns "/proc/$$/ns/net" \
        '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = $ns else . end]
         | .linux.sysctl = {"net.ipv4.ip_forward": $v}'
    ctr_run h b
    assert_eq 1 "$RC" "net.ipv4.ip_forward in the host's network namespace"
    assert_contains "$ERR" 'linux.sysctl["net.ipv4.ip_forward"]: the network namespace joined at'
    assert_contains "$ERR" "is the runtime's own (the host's)"
    assert_nothing_left
    # another container's network namespace, joined by path: allowed
    make_bundle a sleep 600
    ctr_create a a
    assert_ok cove start "$(cid a)"
    cfg_set b --arg ns "/proc/$(ctr_state a .pid)/ns/net" \
        '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = $ns else . end]
         | .linux.sysctl = {"net.ipv4.ip_forward": "1"} | .process.args = ["cat", "/proc/sys/net/ipv4/ip_forward"]'
    ctr_run j b
    assert_eq 0 "$RC" "sysctl in a joined container's namespace (stderr: $ERR)"
    assert_eq 1 "$OUT"
    assert_eq "$cur" "$(cat /proc/sys/net/ipv4/ip_forward)" "the host's ip_forward"
}

# procfs and sysfs go only onto real directories (CVE-2019-19921 /
# CVE-2023-27561 class): a rootfs whose /proc or /sys is a symlink, to a
# directory inside it or to a host path, is refused naming the mount.
t_proc_or_sys_as_a_symlink_is_refused() {
    local target kind
    for kind in proc sys; do
        for target in "/tmp/decoy" "/etc" "../../../../../../tmp"; do
            make_bundle b true
            rm -rf "$TEST_TMP/b/rootfs/$kind"
            ln -s "$target" "$TEST_TMP/b/rootfs/$kind"
            mkdir -p "$TEST_TMP/b/rootfs/tmp/decoy"
            ctr_run "l$kind" b
            assert_eq 1 "$RC" "/$kind -> $target"
            assert_contains "$ERR" "must be mounted on a real directory"
            assert_contains "$ERR" "(/$kind)"
            assert_nothing_left
            rm -rf "$TEST_TMP/b"
        done
    done
}

run_cases
