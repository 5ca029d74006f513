#!/bin/bash
# Seccomp profiles that allow little must not break cove's own setup:
# the filter is the last step before execve (runtime/child.h), whatever
# noNewPrivileges says, so a profile that allows only what the workload
# needs works. Syscalls newer than every syscall a profile names get ENOSYS
# (libc falls back), an explicit rule wins.
. "$(dirname "$0")/lib.sh"

command -v cc >/dev/null || skip "no C compiler for the syscall probe"
[ "$(uname -m)" = x86_64 ] || skip "syscall lists below are x86_64's"
PROBE="$TEST_TMP/syscall_probe"
cc -static -O1 -o "$PROBE" "$(dirname "$0")/syscall_probe.c" || fail "cannot build the probe"
FIXTURES=$(cd "$(dirname "$0")/../fixtures/seccomp" && pwd)

# what a static busybox `true` calls (strace), plus execve
TRUE_ONLY='{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"action": "SCMP_ACT_ALLOW",
  "names": ["execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq",
            "prlimit64", "readlink", "getrandom", "mprotect", "prctl", "getuid", "exit_group"]}]}'

t_a_profile_allowing_only_what_true_needs_runs_true() {
    make_bundle b true
    local nnp
    for nnp in true false; do
        cfg_set b --argjson s "$TRUE_ONLY" --argjson n "$nnp" '.linux.seccomp = $s | .process.noNewPrivileges = $n'
        ctr_run "t$nnp" b
        assert_eq 0 "$RC" "true under a true-only profile, noNewPrivileges $nnp (stderr: $ERR)"
    done
    # the same for a process cove exec starts (and as a non-root user)
    make_bundle e sleep 600
    ctr_create e e
    assert_ok cove start "$(cid e)"
    jq --argjson s "$TRUE_ONLY" '.process | .args = ["true"] | .noNewPrivileges = false
        | .user = {uid: 1000, gid: 1000}' "$TEST_TMP/e/config.json" > "$TEST_TMP/p.json"
    cfg_set e --argjson s "$TRUE_ONLY" '.linux.seccomp = $s'
    assert_ok cove exec --process "$TEST_TMP/p.json" "$(cid e)"
}

t_the_runtime_tools_default_profile_works_without_no_new_privileges() {
    # defaultAction ERRNO and an allow-list without openat2, clone3, close_range
    make_bundle b sh -c 'cd /tmp && echo ok && syscall_probe openat2 cachestat getpid'
    cp "$PROBE" "$TEST_TMP/b/rootfs/bin/syscall_probe"
    cfg_set b --slurpfile s "$FIXTURES/runtime-tools-default.json" \
        '.linux.seccomp = $s[0] | .process.noNewPrivileges = false | .process.user = {uid: 1000, gid: 1000}
         | .process.cwd = "/tmp"'
    ctr_run rt b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$OUT" ok
    # the list names landlock (444-446) but not openat2 (437): openat2 gets
    # the profile's default (EPERM), and cove, which opens its cwd with
    # openat2 before the filter, is not affected; cachestat (451) is newer
    # than anything the profile names: ENOSYS (38)
    assert_contains "$OUT" "openat2 1"
    assert_contains "$OUT" "cachestat 38"
    assert_contains "$OUT" "getpid 0"
}

t_an_explicit_rule_wins_over_enosys_and_default_errno_ret_applies() {
    make_bundle b syscall_probe openat2 cachestat sysfs getpid
    cp "$PROBE" "$TEST_TMP/b/rootfs/bin/syscall_probe"
    # openat2 listed as denied (EACCES); cachestat newer than anything
    # named; sysfs (139) older than openat2, not named: the default errno
    cfg_set b '.linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 95,
        syscalls: [{names: ["openat2"], action: "SCMP_ACT_ERRNO", errnoRet: 13},
                   {names: ["execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq",
                            "prlimit64", "readlink", "getrandom", "mprotect", "prctl", "getuid", "exit_group",
                            "write", "getpid", "ioctl", "fstat", "newfstatat"], action: "SCMP_ACT_ALLOW"}]}'
    ctr_run x b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$OUT" "openat2 13" "the profile's own rule"
    assert_contains "$OUT" "cachestat 38" "newer than the profile"
    assert_contains "$OUT" "sysfs 95" "defaultErrnoRet"
    assert_contains "$OUT" "getpid 0"
}

t_an_allow_default_with_a_denied_syscall_works() {
    # the runtime-tools linux_seccomp case: allow everything but getcwd
    make_bundle b sh -c 'pwd; echo done'
    cfg_set b '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{names: ["getcwd"], action: "SCMP_ACT_ERRNO"}]} | .process.noNewPrivileges = false'
    ctr_run g b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$OUT" done
}

run_cases
