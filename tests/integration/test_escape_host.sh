#!/bin/bash
# Escape class: reaching the host from a default container. With the
# spec's default capabilities and namespaces, a root process in the
# container cannot mount, load kernel modules, change the host's hostname
# or clock, see host processes, or open host block devices that are not in
# linux.devices — even when given CAP_MKNOD (the device cgroup is the
# barrier there). Each case performs the attack and checks the host.
. "$(dirname "$0")/lib.sh"

command -v cc >/dev/null || skip "no C compiler for the syscall probe"
PROBE="$TEST_TMP/syscall_probe"
cc -static -O1 -o "$PROBE" "$(dirname "$0")/syscall_probe.c" || fail "cannot build syscall_probe.c"

probe_bundle() {   # BUNDLE ARGS...
    local b=$1; shift
    make_bundle "$b" "$@"
    cp "$PROBE" "$TEST_TMP/$b/rootfs/bin/syscall_probe"
}

t_cannot_mount() {
    probe_bundle b sh -c 'mount -t tmpfs none /tmp 2>/dev/null && echo MOUNTED; syscall_probe mount-tmpfs /tmp'
    ctr_run m b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "mount-tmpfs 1" "$OUT" "mount(2) without CAP_SYS_ADMIN"
}

t_cannot_load_kernel_modules() {
    probe_bundle b syscall_probe init_module finit_module delete_module
    ctr_run mod b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    # EPERM (no CAP_SYS_MODULE), or ENOSYS on a kernel built without modules
    local l
    while read -r l; do
        [[ $l =~ ^[a-z_]+\ (1|38)$ ]] || fail "module syscall without CAP_SYS_MODULE: '$l' (all: $OUT)"
    done <<<"$OUT"
    assert_eq 3 "$(wc -l <<<"$OUT")" "probe lines"
    # and no module file is reachable: /lib/modules of the host is not there
    probe_bundle c sh -c 'ls /lib/modules 2>/dev/null | wc -l'
    ctr_run modfs c
    assert_eq 0 "$OUT" "host modules visible in the container"
}

t_cannot_change_host_hostname_or_clock() {
    local before; before=$(hostname)
    probe_bundle b sh -c 'hostname evil-$$ 2>/dev/null; hostname; syscall_probe settimeofday clock_settime'
    ctr_run hn b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    # the container has its own UTS namespace, and no CAP_SYS_ADMIN in it
    assert_contains "$OUT" "cove-test" "hostname inside"
    assert_contains "$OUT" "settimeofday 1" "settimeofday without CAP_SYS_TIME"
    assert_eq "$before" "$(hostname)" "host hostname"
    # with CAP_SYS_ADMIN, only its own UTS namespace changes
    cfg_set b '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
    ctr_run hn2 b
    assert_contains "$OUT" "evil-1" "hostname set inside with CAP_SYS_ADMIN"
    assert_eq "$before" "$(hostname)" "host hostname after a container set its own"
}

t_sees_no_host_processes() {
    # the shell expands the glob itself: pid 1 is the only process
    make_bundle b sh -c 'echo /proc/[0-9]*; ls /proc | grep -c "^[0-9]"'
    ctr_run ps b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "/proc/1" "$(head -n1 <<<"$OUT")" "pids visible to the container's init"
    make_bundle c ps -o pid
    ctr_run ps2 c
    assert_eq "PID
    1" "$OUT" "ps in the container"
}

host_block_dev() {   # "MAJ MIN" of a block device of the host, or nothing
    local d
    for d in /sys/dev/block/*; do
        [ -e "$d" ] || continue
        d=${d##*/}
        case $d in 7:*) continue ;; esac   # loop devices: prefer a disk
        echo "${d%:*} ${d#*:}"; return 0
    done
    d=$(ls /sys/dev/block 2>/dev/null | head -n1)
    [ -n "$d" ] && echo "${d%:*} ${d#*:}"
    return 0
}

t_cannot_open_host_block_devices() {
    local dev; dev=$(host_block_dev)
    [ -n "$dev" ] || skip_case "the host has no block device"
    set -- $dev
    # without CAP_MKNOD: mknod refused
    probe_bundle b syscall_probe mknod-b /dev/hostdisk "$1" "$2"
    ctr_run mk b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "mknod-b 1" "$OUT" "mknod of the host disk $1:$2 without CAP_MKNOD"
    # with CAP_MKNOD the node can be made, but the device cgroup refuses to
    # open it (EPERM): it is not in linux.devices / resources.devices
    cfg_set b '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
    ctr_run mk2 b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "mknod-b 1" "$OUT" "open of the host disk $1:$2 with CAP_MKNOD"
}

t_listed_block_device_is_reachable() {
    # control for the case above: the same node listed in linux.devices
    # opens (so EPERM there came from the policy, not from the probe)
    local dev; dev=$(host_block_dev)
    [ -n "$dev" ] || skip_case "the host has no block device"
    set -- $dev
    probe_bundle b syscall_probe mknod-b /dev/hostdisk "$1" "$2"
    cfg_set b --argjson ma "$1" --argjson mi "$2" \
        '.linux.devices = [{path: "/dev/hostdisk", type: "b", major: $ma, minor: $mi}]
         | .process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
    ctr_run ok b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "mknod-b 0" "$OUT" "open of a device listed in linux.devices"
}

# --pid-file in a directory others can write (/tmp): its temp file used
# to be ".NAME.tmp.<pid>", opened with O_TRUNC but without O_EXCL, so a
# link planted under the coming pids had cove truncate and overwrite the
# link's target, any file of root's.
t_pid_file_temp_name_cannot_be_planted() {
    mkdir -p "$TEST_TMP/pub"
    chmod 1777 "$TEST_TMP/pub"
    echo precious > "$TEST_TMP/victim"
    make_bundle b true
    # hard links for the next few thousand pids (cove's will be among
    # them), made by one process so that they do not use up the pids
    python3 -c 'import os, sys
base, top = os.getpid(), int(open("/proc/sys/kernel/pid_max").read())
for n in range(base, base + 3000):
    os.link(sys.argv[1], "%s/.pid.tmp.%d" % (sys.argv[2], n % top))' \
        "$TEST_TMP/victim" "$TEST_TMP/pub"
    ctr_create p b --pid-file "$TEST_TMP/pub/pid"
    assert_eq "$(ctr_state p .pid)" "$(cat "$TEST_TMP/pub/pid")" "the pid file"
    assert_eq precious "$(cat "$TEST_TMP/victim")" "the planted link's target"
    assert_eq 3001 "$(stat -c %h "$TEST_TMP/victim")" "links to the victim (none consumed)"
}

run_cases
