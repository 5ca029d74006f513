#!/bin/bash
# Escape class: leaked fds and a cwd outside the root (CVE-2024-21626).
# No host fd other than stdio and the preserved fds reaches the container;
# process.cwd is resolved inside the rootfs, so "/proc/self/fd/N" cannot
# name a directory of the host.
. "$(dirname "$0")/lib.sh"

# list_fds: the fds of the container's init, which is ls itself (exec'd by
# the runtime, nothing in between): "N -> target" lines. ls opens the
# directory it lists, so that one fd (-> /proc/1/fd) is its own.
list_fds_args=(ls -l /proc/self/fd)
fds_of() { awk '$(NF-1) == "->" { print $(NF-2), $NF }' <<<"$1" | grep -v ' /proc/1/fd$' | awk '{ print $1 }' | sort -n | xargs; }

t_only_stdio_reaches_the_container() {
    make_bundle b "${list_fds_args[@]}"
    # fds the caller holds open, directories of the host among them, must
    # not be inherited: 5 = a host directory, 6 = a host file
    ctr_run_fds() { exec 5</ 6</etc/hostname; ctr_run "$@"; exec 5<&- 6<&-; }
    ctr_run_fds fds b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "0 1 2" "$(fds_of "$OUT")" "fds of the container's process ($OUT)"
}

t_preserved_fds_and_nothing_more_reach_the_container() {
    make_bundle b "${list_fds_args[@]}"
    echo preserved > "$TEST_TMP/p"
    local id; id=$(cid pres)
    RC=0
    cove run --bundle "$TEST_TMP/b" --preserve-fds 1 "$id" 3<"$TEST_TMP/p" 4</ \
        > "$TEST_TMP/o" 2> "$TEST_TMP/e" || RC=$?
    assert_eq 0 "$RC" "exit code (stderr: $(cat "$TEST_TMP/e"))"
    local out; out=$(cat "$TEST_TMP/o")
    assert_eq "0 1 2 3" "$(fds_of "$out")" "fds of the container's process ($out)"
    assert_contains "$out" "3 -> $TEST_TMP/p" "the preserved fd"
}

# The attack: a cwd of /proc/self/fd/N, where N is any fd the runtime's init
# might still hold when it chdirs. Whatever N is, the workload either does
# not start, or runs with a cwd inside its own root.
t_cwd_via_proc_self_fd_cannot_reach_the_host() {
    local n started=0
    make_bundle b sh -c 'cd . && pwd -P && ls -a . > /dev/null && ls /.cove-test-rootfs-* >/dev/null && echo inside'
    # a host directory fd in the caller, for good measure
    exec 7</
    for n in 3 4 5 6 7 8 9 10 11 12; do
        cfg_set b --arg c "/proc/self/fd/$n" '.process.cwd = $c'
        ctr_run "cwd$n" b
        if [ "$RC" = 0 ]; then
            started=$((started + 1))
            assert_not_contains "$OUT" "unreachable" "cwd via fd $n"
            assert_contains "$OUT" "inside" "cwd via fd $n"
            # the cwd the container got is a directory of its own rootfs
            [[ $(head -n1 <<<"$OUT") == /* ]] || fail "cwd via fd $n: pwd printed '$OUT'"
        else
            assert_eq 1 "$RC" "exit code of a refused cwd /proc/self/fd/$n"
        fi
    done
    exec 7<&-
    note "cwd=/proc/self/fd/N: $started of 10 started (inside their root), the rest refused"
    assert_nothing_left
}

# The same attack on `cove exec --cwd`, which used a plain chdir: the
# running container turns its cwd into a symlink to /proc/self/fd/N, and
# the caller of `cove exec` holds a directory of the host as fd N.
t_exec_cwd_through_a_symlink_to_proc_self_fd_cannot_reach_the_host() {
    mkdir -p "$TEST_TMP/hostdir"
    echo secret > "$TEST_TMP/hostdir/host-secret"
    make_bundle b sleep 600
    cfg_set b '.root.readonly = false'
    ctr_create c b
    assert_ok cove start "$(cid c)"
    local n
    for n in 3 4 5 6 7 8 9 10 11 12; do
        ln -sfn "/proc/self/fd/$n" "$TEST_TMP/b/rootfs/work$n"
        RC=0
        # every fd from 3 to 12 is the host directory in the caller
        ( exec 3<"$TEST_TMP/hostdir" 4<&3 5<&3 6<&3 7<&3 8<&3 9<&3 10<&3 11<&3 12<&3
          timeout 20 "$COVE" --root "$ROOT" exec --cwd "/work$n" "$(cid c)" sh -c 'ls; pwd -P' \
            > "$TEST_TMP/o" 2> "$TEST_TMP/e" ) || RC=$?
        assert_not_contains "$(cat "$TEST_TMP/o")" host-secret "exec --cwd /work$n (-> /proc/self/fd/$n)"
        if [ "$RC" != 0 ]; then
            assert_contains "$(cat "$TEST_TMP/e")" "process.cwd" "why exec --cwd /work$n was refused"
        fi
        # and the cwd named directly
        RC=0
        ( exec 3<"$TEST_TMP/hostdir" 4<&3 5<&3 6<&3 7<&3 8<&3 9<&3 10<&3 11<&3 12<&3
          timeout 20 "$COVE" --root "$ROOT" exec --cwd "/proc/self/fd/$n" "$(cid c)" ls \
            > "$TEST_TMP/o" 2> "$TEST_TMP/e" ) || RC=$?
        assert_not_contains "$(cat "$TEST_TMP/o")" host-secret "exec --cwd /proc/self/fd/$n"
    done
    # an ordinary symlinked cwd inside the container still works
    mkdir -p "$TEST_TMP/b/rootfs/real"
    ln -sfn /real "$TEST_TMP/b/rootfs/alias"
    assert_ok cove exec --cwd /alias "$(cid c)" pwd -P
    assert_eq /real "$OUT" "exec --cwd through an ordinary symlink"
}

t_relative_and_dotdot_cwd_stays_inside() {
    make_bundle b sh -c 'pwd -P; ls /.cove-test-rootfs-* >/dev/null && echo inside'
    cfg_set b '.process.cwd = "/../../../../../../../"'
    ctr_run dd b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "/
inside" "$OUT" "cwd /../../..: the container's own root"
}

run_cases
