#!/bin/bash
# Escape class: overwriting the runtime binary through /proc/<pid>/exe
# (CVE-2019-5736). Until its execve, a container's init is an image of the
# cove binary; a hostile process already in the container's pid namespace
# must not get an fd to that binary or that memory. The defence: cove
# makes itself non-dumpable before clone3, so the init's /proc/<pid>/{exe,
# mem,fd} need CAP_SYS_PTRACE (which containers do not get), and it never
# re-executes itself inside the container.
#
# The direct attack is tested first: the workload's path leads the kernel
# to /proc/self/exe ("#!/proc/self/exe" as the program; a symlink to it is
# refused before exec, see t_a_workload_path_through_a_magic_link_is_refused),
# so the host's runtime binary runs inside the container, with the image's
# dynamic loader and the image's /etc/ld.so.preload. The payload
# (attack/exe_overwrite.c) keeps /proc/self/exe open and rewrites it once
# it is no longer busy. The defence: cove, cove-shim and cove-image run
# only from a read-only clone of themselves (lib/selfexe.c), so what
# /proc/self/exe reaches from inside a container cannot be written.
#
# The race is tested twice: against `cove exec` (its child is a cove image
# inside the pid namespace until execve; a short window, hit 40 times), and
# against a second container joining a running one's pid namespace: that
# joining init is visible for as long as it waits in "created", which makes
# the window as wide as we like (and gives the positive control).
. "$(dirname "$0")/lib.sh"

# ------------------------------------------------------------ the overwrite
# copy_build — run a copy of the build ($TEST_TMP/bin): an attack that
# works destroys the copy, not the build the other tests use
copy_build() {
    mkdir -p "$TEST_TMP/bin"
    local b
    for b in cove cove-shim cove-image; do
        [ -x "$(dirname "$COVE")/$b" ] && cp "$(dirname "$COVE")/$b" "$TEST_TMP/bin/$b"
    done
    COVE=$TEST_TMP/bin/cove
    SUMS=$(cd "$TEST_TMP/bin" && sha256sum -- *)
}

# make_exe_attack_bundle NAME ARG... — a bundle whose image can run the
# runtime binary: its dynamic loader and libraries, /etc/ld.so.preload
# naming the payload, /bin/evil ("#!/proc/self/exe") and /bin/evil-link
# (-> /proc/self/exe). The payload logs to $TEST_TMP/log.
make_exe_attack_bundle() {
    local n=$1; shift
    make_bundle "$n" "$@"
    local r="$TEST_TMP/$n/rootfs" lib
    mkdir -p "$r/lib64" "$r/lib/x86_64-linux-gnu" "$r/log" "$TEST_TMP/log"
    for lib in $(for b in "$TEST_TMP"/bin/*; do ldd "$b"; done |
                 awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*[^:]$/ { print $1 }' | sort -u); do
        cp -L "$lib" "$r/lib/x86_64-linux-gnu/"
        case $lib in */ld-linux*) cp -L "$lib" "$r/lib64/" ;; esac
    done
    cc -shared -fPIC -O1 -o "$r/lib/payload.so" "$(dirname "$0")/attack/exe_overwrite.c" ||
        fail "cannot build the payload"
    echo /lib/payload.so > "$r/etc/ld.so.preload"
    printf '#!/proc/self/exe\n' > "$r/bin/evil"
    chmod 755 "$r/bin/evil"
    ln -s /proc/self/exe "$r/bin/evil-link"
    # under ASan (scripts/test's second build) the runtime refuses to start
    # when a preloaded library comes before its own: let the payload in
    cfg_set "$n" --arg l "$TEST_TMP/log" \
        '.mounts += [{destination: "/log", type: "bind", source: $l, options: ["bind", "rw"]}]
         | .process.env += ["ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0"]'
}

# expect_overwrite_refused — the payload ran as the runtime binary inside
# the container, tried for 4 s, and every binary of the copy is unchanged
expect_overwrite_refused() {
    wait_file "$TEST_TMP/log/result" 20
    [ -s "$TEST_TMP/log/ran" ] || fail "the payload never ran as the runtime (no /log/ran)"
    note "payload: $(head -1 "$TEST_TMP/log/ran"), result: $(cat "$TEST_TMP/log/result")"
    assert_eq refused "$(cat "$TEST_TMP/log/result")" "the payload's write to /proc/self/exe"
    assert_eq "$SUMS" "$(cd "$TEST_TMP/bin" && sha256sum -- *)" "sha256 of the runtime binaries"
}

t_init_running_proc_self_exe_cannot_overwrite_cove() {
    copy_build
    make_exe_attack_bundle a /bin/evil
    ctr_create a a
    assert_ok cove start "$(cid a)"
    expect_overwrite_refused
}

t_a_workload_path_through_a_magic_link_is_refused() {
    # a symlink to /proc/self/exe as the program: the lookup resolves it in
    # the root without magic links and refuses, for create and exec alike
    copy_build
    make_exe_attack_bundle a /bin/evil-link
    run_capture cove create --bundle "$(_abs a)" "$(cid a)"
    assert_eq 1 "$RC" "create of a /proc/self/exe symlink"
    assert_contains "$ERR" '/bin/evil-link: a magic link (/proc/.../fd, exe, cwd, root) cannot be executed'
    assert_nothing_left
    make_exe_attack_bundle b sleep 600
    ctr_create b b
    assert_ok cove start "$(cid b)"
    assert_exit 1 cove exec "$(cid b)" /bin/evil-link
    assert_contains "$ERR" 'a magic link'
    [ ! -e "$TEST_TMP/log/ran" ] || fail "the payload ran: $(cat "$TEST_TMP/log/ran")"
    assert_eq "$SUMS" "$(cd "$TEST_TMP/bin" && sha256sum -- *)" "sha256 of the runtime binaries"
}

t_exec_running_proc_self_exe_cannot_overwrite_cove() {
    copy_build
    make_exe_attack_bundle a sleep 600
    ctr_create a a
    assert_ok cove start "$(cid a)"
    cove exec "$(cid a)" /bin/evil >/dev/null 2>&1 || true
    expect_overwrite_refused
}

t_detached_run_through_the_shim_cannot_overwrite_cove_shim() {
    # no pid namespace: the payload outlives the init and the shim
    copy_build
    [ -x "$TEST_TMP/bin/cove-shim" ] || skip_case "no cove-shim next to $COVE"
    make_exe_attack_bundle a /bin/evil
    cfg_set a '.linux.namespaces |= map(select(.type != "pid"))'
    assert_ok cove run -d --bundle "$(_abs a)" "$(cid a)"
    # the payload forks and its parent, the init, exits: the shim exits
    # too, and its binary is no longer busy
    expect_overwrite_refused
    # the payload's loop (no pid namespace: not killed with the init)
    for pid in $(_pids_in_tmp); do kill -KILL "$pid" 2>/dev/null || true; done
}

wait_file_exists() {   # FILE — up to 10 s
    local i
    for ((i = 0; i < 200; i++)); do [ -e "$1" ] && return 0; sleep 0.05; done
    fail "$1 never appeared"
}

# every process cove, cove-shim or cove-image puts into a container runs
# a binary that cannot be opened for writing, even by the host's root
assert_exe_not_writable() {   # PID WHAT
    # a busy binary answers ETXTBSY before the mount is checked: ask the
    # mount (statvfs through the magic link) and the seals instead
    local how
    how=$(python3 -c '
import fcntl, os, sys
p = "/proc/%s/exe" % sys.argv[1]
fd = os.open(p, os.O_RDONLY)
try:
    seals = fcntl.fcntl(fd, 1034)   # F_GET_SEALS
except OSError:
    seals = 0
ro = os.fstatvfs(fd).f_flag & os.ST_RDONLY
print("read-only mount" if ro else "sealed memfd" if seals & 8 else "writable")' "$1") ||
        fail "$2: cannot inspect /proc/$1/exe"
    assert_ne writable "$how" "$2: the image behind /proc/$1/exe"
}

t_every_process_entering_a_container_runs_a_read_only_image() {
    make_bundle b sleep 600
    cfg_set b '.root.readonly = false'
    ctr_create c b
    assert_exe_not_writable "$(ctr_state c .pid)" "init waiting in created"
    assert_ok cove start "$(cid c)"
    cove exec "$(cid c)" sh -c 'touch /tmp/exec-ran; sleep 600' >/dev/null 2>&1 &
    local job=$! i p ex=
    wait_file_exists "$TEST_TMP/b/rootfs/tmp/exec-ran"
    # the `cove exec` process (comm cove) waiting for its process
    for p in /proc/[0-9]*; do
        [ "$(cat "$p/comm" 2>/dev/null)" = cove ] || continue
        tr '\0' ' ' < "$p/cmdline" 2>/dev/null | grep -q " exec $(cid c) " && ex=${p#/proc/}
    done
    [ -n "$ex" ] || fail "no cove exec process found"
    assert_exe_not_writable "$ex" "cove exec"
    cove kill "$(cid c)" KILL >/dev/null
    wait "$job" 2>/dev/null || true
    cove delete --force "$(cid c)" >/dev/null
    if [ -x "$(dirname "$COVE")/cove-shim" ]; then
        assert_ok cove create --shim --bundle "$(_abs b)" "$(cid s)"
        assert_exe_not_writable "$(ctr_state s .pid)" "init created through cove-shim"
    fi
}

# lib/selfexe.c on its own, through tests/integration/selfexe_probe.c
PROBE=$(cd "${COVE_BUILD_DIR:-$(dirname "$COVE")}" && pwd)/tests/selfexe_probe

t_protected_image_is_a_read_only_clone_for_root() {
    [ -x "$PROBE" ] || skip_case "no $PROBE"
    # the caller's _COVE_SELF_EXE is not believed: siblings come from the
    # binary's real path, and the variable does not reach what it starts
    run_capture env _COVE_SELF_EXE=/elsewhere/cove "$PROBE"
    assert_eq 0 "$RC" "probe exit ($ERR)"
    assert_eq "read-only-mount selfexe_probe $(dirname "$PROBE")/cove-shim env-clean" "$OUT"
}

t_without_mount_rights_the_image_is_a_sealed_memfd() {
    [ -x "$PROBE" ] || skip_case "no $PROBE"
    # a user namespace without its own mount namespace: open_tree is EPERM
    run_capture unshare --user --map-root-user "$PROBE"
    assert_eq 0 "$RC" "probe exit ($ERR)"
    assert_eq "sealed-memfd selfexe_probe $(dirname "$PROBE")/cove-shim env-clean" "$OUT"
}

t_an_ordinary_user_runs_a_root_owned_binary_as_it_is() {
    [ -x "$PROBE" ] || skip_case "no $PROBE"
    [ "$(stat -c %u "$PROBE")" = 0 ] && [ $(( 0$(stat -c %a "$PROBE") & 022 )) = 0 ] ||
        skip_case "$PROBE is not root's alone"
    # nothing uid 65533 (or a container of its) holds may write the file:
    # no copy is needed, and none is made
    run_capture setpriv --reuid=65533 --regid=65533 --clear-groups "$PROBE"
    assert_eq 0 "$RC" "probe exit ($ERR)"
    assert_eq "writable selfexe_probe $(dirname "$PROBE")/cove-shim env-clean" "$OUT"
    run_capture setpriv --reuid=65533 --regid=65533 --clear-groups sh -c "echo x >> '$PROBE'"
    assert_ne 0 "$RC" "uid 65533 wrote the binary"
}

t_an_ordinary_users_own_binary_is_still_protected() {
    [ -x "$PROBE" ] || skip_case "no $PROBE"
    chmod 711 "$TEST_TMP"
    cp "$PROBE" "$TEST_TMP/probe"
    chown 65533:65533 "$TEST_TMP/probe"
    run_capture setpriv --reuid=65533 --regid=65533 --clear-groups "$TEST_TMP/probe"
    assert_eq 0 "$RC" "probe exit ($ERR)"
    assert_eq "sealed-memfd probe $TEST_TMP/cove-shim env-clean" "$OUT"
}

t_init_is_not_dumpable_before_exec() {
    # the files under /proc/<pid> of a non-dumpable process are owned by
    # root whatever its uid; of a dumpable one, by its euid. The waiting init already runs as
    # uid 1000 (user+caps are set before the fifo wait).
    make_bundle b sleep 30
    cfg_set b '.process.user = {uid: 1000, gid: 1000}'
    ctr_create d b
    local pid; pid=$(ctr_state d .pid)
    assert_eq 1000 "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" "uid of the waiting init"
    assert_eq 0 "$(stat -c %u "/proc/$pid/status")" "owner of /proc/<init>/status before exec (non-dumpable)"
    # after exec the workload is an ordinary, dumpable process again
    assert_ok cove start "$(cid d)"
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(stat -c %u "/proc/$pid/status" 2>/dev/null)" = 1000 ] && break
        sleep 0.05
    done
    assert_eq 1000 "$(stat -c %u "/proc/$pid/status")" "owner of /proc/<pid>/status after exec"
}

# make_attacker [exec] — bundle "a": the attacker, root in its container
# with the default capabilities; logs every success to $TEST_TMP/log/hits.
# With "exec" it only logs readlink and open-for-write: a process `cove exec`
# starts becomes an ordinary, readable container process at its execve, so a
# read that lands after that execve is not a hit.
make_attacker() {
    local reads='cat $p/exe > /dev/null 2>&1 && echo "open-r $p" >> /log/hits
                cat $p/environ > /dev/null 2>&1 && echo "environ $p" >> /log/hits'
    [ "${1:-}" = exec ] && reads=:
    # It loops over every other pid it can see and tries to open
    # /proc/<pid>/exe for reading and writing, and to read its link; any
    # success is logged to a file the test reads.
    mkdir -p "$TEST_TMP/log"
    # (external commands and subshells only: a failed redirection on a
    # shell builtin would make A's init, and with it A's pid ns, exit)
    make_bundle a sh -c '
        while [ ! -e /log/stop ]; do
            for p in /proc/[0-9]*; do
                case $p in /proc/1|/proc/$$) continue ;; esac
                l=$(readlink $p/exe 2>/dev/null)
                [ "$l" = /bin/busybox ] && continue   # our own children
                [ -n "$l" ] && echo "readlink $p -> $l" >> /log/hits
                ( exec 3>>$p/exe ) 2>/dev/null && echo "open-w $p" >> /log/hits
                '"$reads"'
                echo "$p" > /log/seen
            done
        done; echo stopped > /log/done'
    cfg_set a --arg l "$TEST_TMP/log" \
        '.mounts += [{destination: "/log", type: "bind", source: $l, options: ["bind", "rw"]}]'
}

# attack CAPS_JQ — run the attack with A's capabilities edited by CAPS_JQ;
# leaves A's findings in $TEST_TMP/log/hits
attack() {
    make_attacker
    cfg_set a "$1"
    ctr_create a a
    assert_ok cove start "$(cid a)"
    local apid; apid=$(ctr_state a .pid)

    # B joins A's pid namespace; its init waits in "created" (a cove image)
    make_bundle b true
    cfg_set b --arg ns "/proc/$apid/ns/pid" \
        '.linux.namespaces = [.linux.namespaces[] | if .type == "pid" then .path = $ns else . end]'
    local i j bpid
    for i in 1 2 3; do
        ctr_create "b$i" b
        bpid=$(ctr_state "b$i" .pid)
        # B's init really is visible to A (same pid ns) and really is cove
        assert_eq "$(sha256sum < "$COVE")" "$(sha256sum < "/proc/$bpid/exe")" "image of the waiting init (host view)"
        # wait until A has had a go at B's init
        for ((j = 0; j < 100; j++)); do
            [ "$(cat "$TEST_TMP/log/seen" 2>/dev/null)" = "/proc/$(awk '/^NSpid:/ { print $3 }' "/proc/$bpid/status")" ] && break
            sleep 0.05
        done
        [ "$j" -lt 100 ] || fail "container A never saw the init of b$i (pid $bpid)"
        cove delete --force "$(cid "b$i")" >/dev/null
    done
    touch "$TEST_TMP/log/stop"
    wait_file "$TEST_TMP/log/done" 10
    cove delete --force "$(cid a)" >/dev/null
}

t_container_cannot_open_the_exe_of_a_joining_init() {
    attack .
    [ ! -s "$TEST_TMP/log/hits" ] || fail "container A reached a joining init: $(cat "$TEST_TMP/log/hits")"
}

t_container_cannot_reach_cove_exec_joining_its_pid_namespace() {
    # the same attacker, racing `cove exec`: the exec'd process is a copy of
    # cove inside A's pid namespace until its execve
    make_attacker exec
    ctr_create a a
    assert_ok cove start "$(cid a)"
    local sum; sum=$(sha256sum < "$COVE")
    local i
    for ((i = 0; i < 40; i++)); do
        cove exec "$(cid a)" true >/dev/null 2>&1 || fail "cove exec $i failed"
    done
    touch "$TEST_TMP/log/stop"
    wait_file "$TEST_TMP/log/done" 10
    cove delete --force "$(cid a)" >/dev/null
    [ ! -s "$TEST_TMP/log/hits" ] || fail "container reached a cove exec process: $(cat "$TEST_TMP/log/hits")"
    assert_eq "$sum" "$(sha256sum < "$COVE")" "cove binary unchanged"
}

t_attack_detects_access_when_the_barrier_is_lifted() {
    # positive control: with CAP_SYS_PTRACE the non-dumpable barrier does not
    # apply, and the same attack must report hits (else it proves nothing)
    attack '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
    grep -q "^readlink /proc/[0-9]* -> " "$TEST_TMP/log/hits" ||
        fail "attack with CAP_SYS_PTRACE found nothing: $(cat "$TEST_TMP/log/hits" 2>/dev/null)"
}

run_cases
