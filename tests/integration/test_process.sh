#!/bin/bash
# process: capabilities, rlimits, uid/gid/additionalGids, umask,
# noNewPrivileges, oomScoreAdj.
. "$(dirname "$0")/lib.sh"

# status_field FIELD... — a script printing "Field: value" lines of
# /proc/self/status (whitespace squeezed)
status_script() {
    local f re=""
    for f in "$@"; do re="$re${re:+|}^$f:"; done
    echo "grep -E '$re' /proc/self/status | tr -s '\\t ' '  ' | sed 's/ *\$//'"
}

# caps_json NAME... -> ["CAP_NAME",...]
caps_json() { local c out=""; for c in "$@"; do out="$out${out:+,}\"CAP_$c\""; done; echo "[$out]"; }

# CHOWN=0 KILL=5 NET_BIND_SERVICE=10 NET_RAW=13
set_caps() {   # BUNDLE
    cfg_set "$1" --argjson b "$(caps_json CHOWN KILL NET_BIND_SERVICE NET_RAW)" \
        --argjson e "$(caps_json KILL NET_BIND_SERVICE)" \
        --argjson p "$(caps_json KILL NET_BIND_SERVICE NET_RAW)" \
        --argjson i "$(caps_json NET_BIND_SERVICE NET_RAW)" \
        --argjson a "$(caps_json NET_BIND_SERVICE)" \
        '.process.capabilities = {bounding: $b, effective: $e, permitted: $p, inheritable: $i, ambient: $a}'
}

t_capabilities_of_non_root_user_match_config() {
    # after execve as non-root without file caps the kernel leaves
    # permitted = effective = ambient; bounding and inheritable as set
    make_bundle b sh -c "$(status_script CapInh CapPrm CapEff CapBnd CapAmb)"
    set_caps b
    cfg_set b '.process.user = {uid: 1000, gid: 1000}'
    ctr_run capu b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "CapInh: 0000000000002400
CapPrm: 0000000000000400
CapEff: 0000000000000400
CapBnd: 0000000000002421
CapAmb: 0000000000000400" "$OUT" "capability sets"
}

t_capabilities_of_root_match_config() {
    # root execve: permitted = effective = bounding | inheritable, but with
    # no_new_privs the kernel caps that at the permitted set held before exec
    make_bundle b sh -c "$(status_script CapInh CapPrm CapEff CapBnd CapAmb)"
    set_caps b
    cfg_set b '.process.noNewPrivileges = true'
    ctr_run capr b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "CapInh: 0000000000002400
CapPrm: 0000000000002420
CapEff: 0000000000002420
CapBnd: 0000000000002421
CapAmb: 0000000000000400" "$OUT" "capability sets"
}

t_missing_capability_is_enforced() {
    make_bundle b sh -c 'echo > /dev/shm/f; chown 1000 /dev/shm/f 2>/dev/null && echo chown-ok || echo chown-denied'
    cfg_set b --argjson c "$(caps_json KILL)" \
        '.process.capabilities = {bounding: $c, effective: $c, permitted: $c}'
    ctr_run nochown b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq chown-denied "$OUT" "chown without CAP_CHOWN"
    cfg_set b --argjson c "$(caps_json KILL CHOWN)" \
        '.process.capabilities = {bounding: $c, effective: $c, permitted: $c}'
    ctr_run chown b
    assert_eq chown-ok "$OUT" "chown with CAP_CHOWN"
}

t_empty_capabilities_give_no_capabilities() {
    make_bundle b sh -c "$(status_script CapPrm CapEff CapBnd)"
    cfg_set b '.process.capabilities = {}'
    ctr_run nocaps b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "CapPrm: 0000000000000000
CapEff: 0000000000000000
CapBnd: 0000000000000000" "$OUT" "capability sets"
}

t_rlimits_are_applied() {
    make_bundle b sh -c 'ulimit -n; ulimit -Hn; grep -E "^Max (open files|core file size)" /proc/self/limits | tr -s " "'
    cfg_set b '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 123, hard: 456},
                                   {type: "RLIMIT_CORE", soft: 0, hard: 4096}]'
    ctr_run rl b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "123
456
Max core file size 0 4096 bytes 
Max open files 123 456 files " "$OUT" "limits"
}

t_uid_gid_and_additional_gids_are_applied() {
    make_bundle b sh -c "id -u; id -g; $(status_script Uid Gid Groups)"
    cfg_set b '.process.user = {uid: 1000, gid: 1000, additionalGids: [2000, 3000]}'
    ctr_run ids b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "1000
1000
Uid: 1000 1000 1000 1000
Gid: 1000 1000 1000 1000
Groups: 2000 3000" "$OUT" "ids"
}

t_uid_without_passwd_entry_works() {
    make_bundle b sh -c 'id -u; id -g; grep ^Groups: /proc/self/status | tr -s "\t " "  " | sed "s/ *$//"'
    cfg_set b '.process.user = {uid: 4242, gid: 4343}'
    ctr_run nopw b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "4242
4343
Groups:" "$OUT" "ids"
}

t_umask_is_applied() {
    make_bundle b sh -c 'umask; : > /dev/shm/f; mkdir /dev/shm/d; stat -c %a /dev/shm/f /dev/shm/d'
    cfg_set b '.process.user.umask = 23'   # 0027
    ctr_run um b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "0027
640
750" "$OUT" "umask and modes"
}

t_no_new_privileges_true_sets_NoNewPrivs() {
    make_bundle b sh -c "$(status_script NoNewPrivs)"
    cfg_set b '.process.noNewPrivileges = true'
    ctr_run nnp b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "NoNewPrivs: 1" "$OUT" NoNewPrivs
}

t_no_new_privileges_false_leaves_NoNewPrivs_clear() {
    make_bundle b sh -c "$(status_script NoNewPrivs)"
    cfg_set b '.process.noNewPrivileges = false'
    ctr_run nnp0 b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "NoNewPrivs: 0" "$OUT" NoNewPrivs
}

t_oom_score_adj_is_applied() {
    make_bundle b cat /proc/self/oom_score_adj
    cfg_set b '.process.oomScoreAdj = 500'
    ctr_run oom b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq 500 "$OUT" oom_score_adj
}

t_namespaces_differ_from_host() {
    make_bundle b sh -c 'for n in pid net ipc uts mnt; do readlink /proc/1/ns/$n; done'
    ctr_run ns b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    local n line
    for n in pid net ipc uts mnt; do
        line=$(grep "^$n:" <<<"$OUT") || fail "no $n namespace line in: $OUT"
        assert_ne "$(readlink /proc/self/ns/$n)" "$line" "$n namespace"
    done
}

t_home_comes_from_the_containers_passwd_when_env_has_none() {
    # runc's rule (docker run -u NAME relies on it): HOME of the uid in the
    # image's /etc/passwd, "/" without an entry; an explicit HOME stays
    make_bundle b sh -c 'echo "$HOME"'
    cfg_set b '.process.env = ["PATH=/bin"] | .process.user = {uid: 1000, gid: 1000}'
    ctr_run h1 b
    assert_eq /home/user "$OUT" "HOME of uid 1000 (stderr: $ERR)"
    cfg_set b '.process.user = {uid: 4242, gid: 4242}'
    ctr_run h2 b
    assert_eq / "$OUT" "HOME of a uid without an entry"
    cfg_set b '.process.user = {uid: 0, gid: 0} | .process.env = ["PATH=/bin", "HOME=/elsewhere"]'
    ctr_run h3 b
    assert_eq /elsewhere "$OUT" "an explicit HOME"
    # exec as another user
    make_bundle e sleep 600
    cfg_set e '.process.env = ["PATH=/bin"]'
    ctr_create e e
    assert_ok cove start "$(cid e)"
    assert_ok cove exec --user 1000:1000 "$(cid e)" sh -c 'echo "$HOME"'
    assert_eq /home/user "$OUT" "HOME for cove exec --user 1000"
}

run_cases
