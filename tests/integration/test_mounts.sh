#!/bin/bash
# mounts: the default filesystems, config mounts (bind, rbind, tmpfs,
# propagation), destinations that try to leave the rootfs, masked and
# readonly paths, a read-only root.
. "$(dirname "$0")/lib.sh"

# add_mount BUNDLE JSON — append one entry to .mounts
add_mount() { cfg_set "$1" --argjson m "$2" '.mounts += [$m]'; }

# "mountpoint fstype options superopts" of every mount, as the container sees it
mounts_script='awk "{ for (i = 7; \$i != \"-\"; i++); print \$5, \$(i+1), \$6, \$(i+3) }" /proc/self/mountinfo'

t_default_filesystems_are_mounted() {
    make_bundle b sh -c "$mounts_script"
    ctr_run m b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    local want
    for want in "/proc proc" "/sys sysfs" "/dev tmpfs" "/dev/pts devpts" "/dev/shm tmpfs" "/dev/mqueue mqueue"; do
        grep -q "^$want " <<<"$OUT" || fail "no '$want' mount in the container: $OUT"
    done
}

t_default_devices_exist() {
    make_bundle b sh -c 'for d in null zero full random urandom tty; do [ -c /dev/$d ] && echo $d; done
        echo x > /dev/null && echo null-writable
        [ -L /dev/fd ] || [ -d /dev/fd ] && echo fd
        [ -e /dev/ptmx ] && echo ptmx'
    ctr_run d b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$(printf '%s\n' null zero full random urandom tty null-writable fd ptmx)" "$OUT" "devices"
}

t_bind_mount_ro_is_readable_not_writable() {
    mkdir -p "$TEST_TMP/hostdir"; echo from-host > "$TEST_TMP/hostdir/f"
    make_bundle b sh -c 'cat /mnt/ro/f; touch /mnt/ro/new 2>/dev/null && echo WRITABLE || echo ro-ok'
    add_mount b "{\"destination\":\"/mnt/ro\",\"type\":\"bind\",\"source\":\"$TEST_TMP/hostdir\",\"options\":[\"bind\",\"ro\"]}"
    ctr_run ro b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$(printf 'from-host\nro-ok')" "$OUT" "container output"
    [ ! -e "$TEST_TMP/hostdir/new" ] || fail "write through a ro bind mount reached the host"
}

t_bind_mount_rw_writes_reach_the_host() {
    mkdir -p "$TEST_TMP/hostdir"
    make_bundle b sh -c 'echo from-container > /mnt/rw/f'
    add_mount b "{\"destination\":\"/mnt/rw\",\"type\":\"bind\",\"source\":\"$TEST_TMP/hostdir\",\"options\":[\"bind\",\"rw\"]}"
    ctr_run rw b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq from-container "$(cat "$TEST_TMP/hostdir/f" 2>/dev/null)" "file written by the container"
}

t_bind_mount_of_a_file() {
    echo file-content > "$TEST_TMP/hostfile"
    make_bundle b cat /etc/bound-file
    add_mount b "{\"destination\":\"/etc/bound-file\",\"type\":\"bind\",\"source\":\"$TEST_TMP/hostfile\",\"options\":[\"bind\",\"ro\"]}"
    ctr_run bf b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq file-content "$OUT" "bound file"
}

t_rbind_includes_submounts_and_bind_does_not() {
    mkdir -p "$TEST_TMP/tree/sub"
    mount -t tmpfs -o size=1m cove-test-sub "$TEST_TMP/tree/sub"
    echo in-submount > "$TEST_TMP/tree/sub/f"
    make_bundle b sh -c 'cat /mnt/r/sub/f 2>/dev/null || echo missing; cat /mnt/b/sub/f 2>/dev/null || echo missing'
    add_mount b "{\"destination\":\"/mnt/r\",\"type\":\"bind\",\"source\":\"$TEST_TMP/tree\",\"options\":[\"rbind\"]}"
    add_mount b "{\"destination\":\"/mnt/b\",\"type\":\"bind\",\"source\":\"$TEST_TMP/tree\",\"options\":[\"bind\"]}"
    ctr_run rb b
    umount "$TEST_TMP/tree/sub"
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$(printf 'in-submount\nmissing')" "$OUT" "rbind / bind"
}

t_tmpfs_options_are_applied() {
    make_bundle b sh -c "stat -c %a /mnt/t; $mounts_script | grep '^/mnt/t '"
    add_mount b '{"destination":"/mnt/t","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","noexec","mode=1770","size=1m"]}'
    ctr_run t b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq 1770 "$(head -1 <<<"$OUT")" "mode of /mnt/t"
    local line; line=$(sed -n 2p <<<"$OUT")
    assert_match "$line" '^/mnt/t tmpfs ' "mount line"
    local o
    for o in nosuid nodev noexec; do assert_contains "$(awk '{print $3}' <<<"$line")" "$o" "mount options"; done
    assert_contains "$(awk '{print $4}' <<<"$line")" "size=1024k" "superblock options"
}

t_mount_propagation_option_is_applied() {
    mkdir -p "$TEST_TMP/p1" "$TEST_TMP/p2"
    # optional fields (7th.. before "-") hold shared:N / master:N
    make_bundle b sh -c 'awk "{ o = \"\"; for (i = 7; \$i != \"-\"; i++) o = o \$i \" \"; print \$5, (o == \"\" ? \"private\" : o) }" /proc/self/mountinfo | grep "^/mnt/p"'
    add_mount b "{\"destination\":\"/mnt/p1\",\"type\":\"bind\",\"source\":\"$TEST_TMP/p1\",\"options\":[\"rbind\",\"rshared\"]}"
    add_mount b "{\"destination\":\"/mnt/p2\",\"type\":\"bind\",\"source\":\"$TEST_TMP/p2\",\"options\":[\"rbind\",\"rprivate\"]}"
    ctr_run p b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_match "$(grep '^/mnt/p1 ' <<<"$OUT")" '^/mnt/p1 shared:[0-9]+' "propagation of /mnt/p1"
    assert_eq "/mnt/p2 private" "$(grep '^/mnt/p2 ' <<<"$OUT")" "propagation of /mnt/p2"
}

t_rootfs_propagation_unbindable_is_applied() {
    # an unbindable "/" cannot be cloned onto the rootfs: private while the
    # rootfs is set up, unbindable at the end (runtime-tools
    # linux_rootfs_propagation; runc fails it with EINVAL)
    make_bundle b sh -c 'awk "\$5 == \"/\" { for (i = 7; \$i != \"-\"; i++) print \$i }" /proc/self/mountinfo'
    cfg_set b '.linux.rootfsPropagation = "unbindable"'
    ctr_run u b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$OUT" unbindable "optional fields of / in the container"
}

t_destination_symlink_pointing_outside_lands_inside_rootfs() {
    local secret="$TEST_TMP/host-secret-dir"
    mkdir -p "$secret"
    make_bundle b sh -c 'echo pwned > /mnt/evil/pwned 2>/dev/null; true'
    mkdir -p "$TEST_TMP/b/rootfs/mnt"
    ln -s "$secret" "$TEST_TMP/b/rootfs/mnt/evil"   # absolute, host path
    cfg_set b '.root.readonly = false'
    add_mount b '{"destination":"/mnt/evil","type":"tmpfs","source":"tmpfs","options":["size=1m"]}'
    ctr_run evil b
    # refusing the mount is acceptable; touching the host is not
    [ -z "$(ls -A "$secret")" ] || fail "container wrote into the host dir: $(ls -A "$secret")"
    ! grep -qF " $secret " /proc/self/mountinfo || fail "mount landed on the host dir $secret"
    if [ "$RC" = 0 ]; then
        [ -d "$TEST_TMP/b/rootfs$secret" ] || fail "symlink target was not created inside the rootfs"
    fi
}

t_destination_with_dotdot_stays_inside_rootfs() {
    make_bundle b sh -c 'echo inside > /x/f'
    cfg_set b '.root.readonly = false'
    add_mount b '{"destination":"/../../../../x","type":"tmpfs","source":"tmpfs","options":["size=1m"]}'
    ctr_run dd b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    [ ! -e /x/f ] || fail "/../../x landed on the host's /x"
}

t_missing_destination_is_created() {
    echo f > "$TEST_TMP/hostfile"
    make_bundle b sh -c '[ -d /new/deep/dir ] && echo dir; [ -f /new/file ] && echo file'
    add_mount b '{"destination":"/new/deep/dir","type":"tmpfs","source":"tmpfs","options":["size=1m"]}'
    add_mount b "{\"destination\":\"/new/file\",\"type\":\"bind\",\"source\":\"$TEST_TMP/hostfile\",\"options\":[\"bind\"]}"
    cfg_set b '.root.readonly = false'
    ctr_run mk b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$(printf 'dir\nfile')" "$OUT" "created destinations"
}

t_masked_paths_read_empty() {
    make_bundle b sh -c 'echo "timer_list=$(wc -c < /proc/timer_list)"; echo "fw=$(ls -A /sys/firmware | wc -l)"
        echo "file=$(cat /etc/secret)"; echo "dir=$(ls -A /secretdir | wc -l)"'
    echo top-secret > "$TEST_TMP/b/rootfs/etc/secret"
    mkdir -p "$TEST_TMP/b/rootfs/secretdir"; echo x > "$TEST_TMP/b/rootfs/secretdir/x"
    cfg_set b '.linux.maskedPaths += ["/etc/secret", "/secretdir", "/does/not/exist"]'
    ctr_run mask b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$(printf 'timer_list=0\nfw=0\nfile=\ndir=0')" "$OUT" "masked paths"
}

# masked directories share one empty read-only tmpfs (one superblock per
# container, not one per directory): same device in mountinfo, read-only,
# and nothing written to one shows in another
t_masked_directories_share_one_read_only_tmpfs() {
    make_bundle b sh /probe
    # per directory: "<major:minor> <mount options> <fs type>" (the type
    # follows the " - " that ends the optional fields)
    cat > "$TEST_TMP/b/rootfs/probe" <<'PROBE'
for d in /secretdir /otherdir /sys/firmware; do
    grep " $d " /proc/self/mountinfo | while read -r id par dev root mp opts rest; do
        rest=" $rest"
        echo "$dev $opts ${rest#* - }"
    done
done
touch /secretdir/x 2>/dev/null && echo WRITABLE || echo ro
PROBE
    mkdir -p "$TEST_TMP/b/rootfs/secretdir" "$TEST_TMP/b/rootfs/otherdir"
    cfg_set b '.linux.maskedPaths += ["/secretdir", "/otherdir"]'
    ctr_run share b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    local lines dev opts fs; lines=$(head -n 3 <<<"$OUT")
    assert_eq 3 "$(grep -c . <<<"$lines")" "three masked directories in mountinfo: $OUT"
    assert_eq 1 "$(cut -d' ' -f1 <<<"$lines" | sort -u | wc -l)" "one device for all: $lines"
    while read -r dev opts fs; do
        assert_match "$fs" '^tmpfs ' "filesystem of $dev"
        assert_match "$opts" '^ro(,|$)' "mount options of $dev"
    done <<<"$lines"
    assert_eq ro "$(tail -n 1 <<<"$OUT")" "a masked directory is read-only"
}

t_readonly_paths_are_read_only() {
    make_bundle b sh -c 'touch /data/x 2>/dev/null && echo data-WRITABLE || echo data-ro
        touch /other 2>/dev/null && echo other-rw
        echo 1 > /proc/sys/kernel/sysrq 2>/dev/null && echo procsys-WRITABLE || echo procsys-ro
        cat /data/keep'
    mkdir -p "$TEST_TMP/b/rootfs/data"; echo kept > "$TEST_TMP/b/rootfs/data/keep"
    cfg_set b '.root.readonly = false | .linux.readonlyPaths += ["/data", "/does/not/exist"]'
    ctr_run ro b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$(printf 'data-ro\nother-rw\nprocsys-ro\nkept')" "$OUT" "readonly paths"
}

t_root_readonly_true_makes_root_read_only() {
    make_bundle b sh -c 'touch /x 2>/dev/null && echo root-WRITABLE || echo root-ro
        touch /dev/shm/x && echo shm-rw'
    cfg_set b '.root.readonly = true'
    ctr_run rro b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$(printf 'root-ro\nshm-rw')" "$OUT" "writes"
}

t_root_readonly_false_makes_root_writable() {
    make_bundle b sh -c 'touch /x && echo root-rw'
    cfg_set b '.root.readonly = false'
    ctr_run rrw b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq root-rw "$OUT" "writes"
    [ -e "$TEST_TMP/b/rootfs/x" ] || fail "file written at / is not in the rootfs"
}

t_host_mounts_are_not_visible_in_the_container() {
    make_bundle b sh -c "$mounts_script"
    ctr_run iso b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_not_contains "$OUT" "$TEST_TMP" "container mounts"
    assert_eq "" "$(awk '$1 == "/home" || $1 == "/boot" || $1 == "/work"' <<<"$OUT")" "host mounts"
}

run_cases
