#!/bin/bash
# Escape class: inheritable capabilities (CVE-2022-29162). runc once gave
# the inheritable set the bounding set when the config said nothing; an
# unprivileged workload exec'ing a file with inheritable file capabilities
# then gained them. cove's inheritable set is exactly the config's (empty
# when absent), and so is the ambient set.
. "$(dirname "$0")/lib.sh"

caps_script="grep -E '^Cap(Inh|Amb|Bnd):' /proc/self/status | tr -s '\\t ' '  '"

t_no_capabilities_section_means_no_capabilities() {
    # root with noNewPrivileges off and no process.capabilities: every set
    # empty (runc: all 0). Before: the bounding set stayed full and execve
    # gave uid 0 all of it (CapEff 000001fffeffffff): umount /proc/sys,
    # then write the host's core_pattern. (Opened for writing, never
    # written: on a broken runtime this must not change the host.)
    make_bundle b sh -c "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status | tr -s '\\t ' '  '
        umount /proc/sys 2>/dev/null && echo umounted
        (: >> /proc/sys/kernel/core_pattern) 2>/dev/null && echo core_pattern-writable
        true"
    cfg_set b 'del(.process.capabilities) | .process.noNewPrivileges = false'
    local before; before=$(cat /proc/sys/kernel/core_pattern)
    ctr_run none b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    local set
    for set in Inh Prm Eff Bnd Amb; do
        assert_contains "$OUT" "Cap$set: 0000000000000000" "Cap$set without process.capabilities"
    done
    assert_not_contains "$OUT" umounted
    assert_not_contains "$OUT" core_pattern-writable
    assert_eq "$before" "$(cat /proc/sys/kernel/core_pattern)" "the host's core_pattern"
    # and for a process cove exec starts with no capabilities in its process.json
    make_bundle e sleep 60
    cfg_set e 'del(.process.capabilities) | .process.noNewPrivileges = false'
    ctr_create e e
    assert_ok cove start "$(cid e)"
    jq '.process | del(.capabilities) | .args = ["grep", "^CapBnd:", "/proc/self/status"]' \
        "$TEST_TMP/e/config.json" > "$TEST_TMP/proc.json"
    assert_ok cove exec --process "$TEST_TMP/proc.json" "$(cid e)"
    assert_contains "$OUT" "0000000000000000" "CapBnd of an exec'd process without capabilities"
}

t_inheritable_is_empty_when_the_config_has_none() {
    make_bundle b sh -c "$caps_script"
    # a full set everywhere but inheritable/ambient (absent)
    cfg_set b '.process.capabilities = {bounding: ["CAP_SYS_ADMIN","CAP_NET_ADMIN","CAP_KILL","CAP_SETPCAP"],
        effective: ["CAP_SYS_ADMIN","CAP_NET_ADMIN","CAP_KILL","CAP_SETPCAP"],
        permitted: ["CAP_SYS_ADMIN","CAP_NET_ADMIN","CAP_KILL","CAP_SETPCAP"]}'
    ctr_run root b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$OUT" "CapInh: 0000000000000000" "inheritable of root"
    assert_contains "$OUT" "CapAmb: 0000000000000000" "ambient of root"
    # the same for a non-root user
    cfg_set b '.process.user = {uid: 1000, gid: 1000}'
    ctr_run user b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$OUT" "CapInh: 0000000000000000" "inheritable of uid 1000"
    assert_contains "$OUT" "CapAmb: 0000000000000000" "ambient of uid 1000"
}

t_inheritable_is_exactly_the_configured_set() {
    make_bundle b sh -c "$caps_script"
    # KILL=5 NET_BIND_SERVICE=10: 0x420
    cfg_set b '.process.capabilities = {bounding: ["CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SYS_ADMIN"],
        effective: ["CAP_KILL"], permitted: ["CAP_KILL","CAP_NET_BIND_SERVICE"],
        inheritable: ["CAP_KILL","CAP_NET_BIND_SERVICE"]}'
    ctr_run inh b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$OUT" "CapInh: 0000000000000420" "inheritable"
    assert_contains "$OUT" "CapAmb: 0000000000000000" "ambient"
}

t_spec_default_gives_no_inheritable_capabilities() {
    # the generated spec (as an orchestrator would use it unchanged)
    make_bundle b sh -c "$caps_script"
    ctr_run def b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    local want; want=$(cfg_get b '.process.capabilities.inheritable // [] | length')
    [ "$want" = 0 ] || skip_case "the spec template sets inheritable capabilities"
    assert_contains "$OUT" "CapInh: 0000000000000000" "inheritable with the default spec"
}

t_unknown_capability_is_a_config_error() {
    # stricter than runc, which only warns: a typo must not silently drop a
    # capability the operator meant to drop or keep
    make_bundle b true
    cfg_set b '.process.capabilities.inheritable = ["CAP_KILL", "CAP_NOT_A_CAP"]'
    ctr_run bad b
    assert_eq 1 "$RC" "exit code"
    assert_contains "$ERR" "process.capabilities.inheritable" "error names the field"
    assert_contains "$ERR" "CAP_NOT_A_CAP" "error names the value"
    assert_nothing_left
}

run_cases
