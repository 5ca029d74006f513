#!/bin/bash
# Real seccomp profile: busybox runs under containers-common's default
# profile (podman's format, resolved for the container's capabilities the
# way podman does), normal commands work, and what the profile refuses an
# unprivileged container fails with the profile's errno. Also checks that
# the compiled-filter cache is used and gives the same filter.
. "$(dirname "$0")/lib.sh"

# Debian 12: golang-github-containers-common (scripts/setup installs it)
# ships /usr/share/containers/seccomp.json; the -dev package has the same
# file in the Go source tree.
PROFILE=${COVE_SECCOMP_PROFILE:-}
for f in /usr/share/containers/seccomp.json \
         /usr/share/gocode/src/github.com/containers/common/pkg/seccomp/seccomp.json; do
    [ -z "$PROFILE" ] && [ -f "$f" ] && PROFILE=$f
done
[ -n "$PROFILE" ] || skip "no containers-common seccomp.json (run scripts/setup)"
command -v cc >/dev/null || skip "no C compiler for the syscall probe"
[ "$(uname -m)" = x86_64 ] || skip "profile resolution below is written for x86_64"

PROBE_SRC="$(dirname "$0")/syscall_probe.c"
PROBE="$TEST_TMP/syscall_probe"
cc -static -O1 -o "$PROBE" "$PROBE_SRC" || fail "cannot build $PROBE_SRC"

# podman_resolve CAPS_JSON — the profile as linux.seccomp for a container
# holding CAPS_JSON on amd64 (containers/common pkg/seccomp semantics: an
# entry is kept when none of excludes.caps/arches match and all of
# includes.caps and one of includes.arches match; archMap picks the native
# architecture and its sub-architectures). runtime/seccomp_profile.c does
# the same in C; its unit tests compare the two on this very file.
podman_resolve() {
    jq -c --argjson caps "$1" --arg arch amd64 --arg sarch SCMP_ARCH_X86_64 '
      def held($c): $caps | index($c) != null;
      { defaultAction,
        architectures: ([.archMap[]? | select(.architecture == $sarch)
                         | [.architecture] + .subArchitectures] | add // []),
        syscalls: [ .syscalls[]
          | select(((.excludes.arches // []) | index($arch)) == null)
          | select(all((.excludes.caps // [])[]; held(.) | not))
          | select((.includes.arches // []) as $a | ($a | length) == 0 or ($a | index($arch)) != null)
          | select(all((.includes.caps // [])[]; held(.)))
          | {names: (.names // [.name]), action, args: (.args // [])}
            + (if .errnoRet then {errnoRet} else {} end) ] }
      + (if .defaultErrnoRet then {defaultErrnoRet} else {} end)' "$PROFILE"
}

# bundle_with_profile BUNDLE CAPS_JSON ARGS... — ARGS run under the profile
# with exactly CAPS_JSON as every capability set.
bundle_with_profile() {
    local b=$1 caps=$2; shift 2
    make_bundle "$b" "$@"
    cp "$PROBE" "$TEST_TMP/$b/rootfs/bin/syscall_probe"
    cfg_set "$b" --argjson s "$(podman_resolve "$caps")" --argjson c "$caps" \
        '.linux.seccomp = $s | .process.capabilities = {bounding: $c, effective: $c, permitted: $c}'
}

DEFAULT_CAPS='["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_CHOWN","CAP_SETUID","CAP_SETGID"]'

t_profile_is_resolved_for_the_capability_set() {
    local s
    s=$(podman_resolve "$DEFAULT_CAPS")
    assert_eq 38 "$(jq .defaultErrnoRet <<<"$s")" "defaultErrnoRet"
    assert_eq '["SCMP_ARCH_X86_64","SCMP_ARCH_X86","SCMP_ARCH_X32"]' "$(jq -c .architectures <<<"$s")" "architectures"
    # bpf: the CAP_SYS_ADMIN-excluded ERRNO(EPERM) rule is in, the allow is out
    assert_eq '["SCMP_ACT_ERRNO"]' "$(jq -c '[.syscalls[] | select(.names | index("bpf")) | .action]' <<<"$s")" "rules for bpf"
    s=$(podman_resolve '["CAP_SYS_ADMIN"]')
    assert_eq '["SCMP_ACT_ALLOW"]' "$(jq -c '[.syscalls[] | select(.names | index("bpf")) | .action]' <<<"$s")" "rules for bpf with CAP_SYS_ADMIN"
}

t_busybox_works_under_the_default_profile() {
    bundle_with_profile b "$DEFAULT_CAPS" sh -c \
        'echo hi > /dev/shm/f && cat /dev/shm/f && ls / >/dev/null && ps -o pid,comm | wc -l >/dev/null && id -u && wc -c < /proc/self/status >/dev/null && date >/dev/null && echo done'
    ctr_run ok b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "hi
0
done" "$OUT" "output"
}

t_refused_syscalls_fail_with_the_profile_errno() {
    bundle_with_profile b "$DEFAULT_CAPS" syscall_probe kexec_load sysfs swapon bpf perf_event_open \
        init_module settimeofday cachestat getpid unshare mount-tmpfs /tmp
    ctr_run probe b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    # This profile version (containers-common 0.50) lists kexec_load, sysfs
    # and swapon in its explicit ERRNO(EPERM) rule; bpf, perf_event_open
    # (no CAP_SYS_ADMIN), init_module (no CAP_SYS_MODULE), settimeofday (no
    # CAP_SYS_TIME) get the cap-excluded EPERM rules; cachestat is in no
    # rule: defaultErrnoRet, ENOSYS (38). getpid and unshare(0) are allowed;
    # mount is allowed by the profile too, capabilities are the barrier
    # there (EPERM from the kernel, not the filter).
    assert_eq "kexec_load 1
sysfs 1
swapon 1
bpf 1
perf_event_open 1
init_module 1
settimeofday 1
cachestat 38
getpid 0
unshare 0
mount-tmpfs 1" "$OUT" "probe results"
}

t_without_seccomp_the_same_probe_reaches_the_kernel() {
    # control: proves the errnos above come from the filter, not the kernel
    make_bundle b syscall_probe sysfs cachestat
    cp "$PROBE" "$TEST_TMP/b/rootfs/bin/syscall_probe"
    ctr_run ctl b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "sysfs 22
cachestat 9" "$OUT" "probe results without seccomp"
}

t_cap_sys_admin_profile_allows_bpf_past_the_filter() {
    bundle_with_profile b '["CAP_SYS_ADMIN","CAP_KILL"]' syscall_probe bpf cachestat
    ctr_run adm b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    # bpf(-1, ...) reaches the kernel: EINVAL, not the filter's EPERM
    assert_eq "bpf 22
cachestat 38" "$OUT" "probe results with CAP_SYS_ADMIN"
}

t_compiled_filter_cache_is_used_and_equivalent() {
    bundle_with_profile b "$DEFAULT_CAPS" syscall_probe cachestat getpid
    rm -rf "$ROOT/.seccomp~cache"
    ctr_run c1 b    # no cache dir content yet: compiles and stores
    assert_eq "cachestat 38
getpid 0" "$OUT" "first run"
    local n; n=$(find "$ROOT/.seccomp~cache" -name '*.bpf' 2>/dev/null | wc -l)
    assert_eq 1 "$n" "cache entries after the first create"
    assert_eq 700 "$(stat -c %a "$ROOT/.seccomp~cache")" "cache dir mode"
    ctr_run c2 b    # served from the cache
    assert_eq "cachestat 38
getpid 0" "$OUT" "cached run"
    # a corrupted entry is a miss, rebuilt: the container still gets the filter
    local f; f=$(find "$ROOT/.seccomp~cache" -name '*.bpf')
    printf 'garbage' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
    ctr_run c3 b
    assert_eq "cachestat 38
getpid 0" "$OUT" "run after corrupting the cache"
    rm -rf "$ROOT/.seccomp~cache"
}

# the cache dir is shared by the --root, not a container: lib.sh's
# leftover check would count it
rc=0
run_cases || rc=$?
rm -rf "$ROOT/.seccomp~cache"
exit $rc
