#!/bin/bash
# The rest of process.* and linux.*: personality, scheduler, ioPriority,
# execCPUAffinity, memoryPolicy, intelRdt, LSM labels, oomScoreAdj,
# domainname, the session keyring and sysctl. A field this host cannot
# honour (no resctrl, no AppArmor/SELinux) must fail with a clear error
# that names it, and leave nothing behind.
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- applied
t_personality_linux32_makes_uname_report_i686() {
    [ "$(uname -m)" = x86_64 ] || skip_case "needs an x86_64 host"
    make_bundle b uname -m
    cfg_set b '.linux.personality = {domain: "LINUX32"}'
    ctr_run pers b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq i686 "$OUT" "uname -m"
}

t_scheduler_sched_batch_is_the_policy_of_the_process() {
    # /proc/PID/sched "policy : 3" is SCHED_BATCH; busybox has no chrt
    make_bundle b sh -c "grep -E '^policy ' /proc/self/sched | tr -s ' ' | cut -d' ' -f3"
    cfg_set b '.process.scheduler = {policy: "SCHED_BATCH", nice: 5}'
    ctr_run sched b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq 3 "$OUT" "scheduling policy"
}

t_scheduler_nice_is_applied() {
    make_bundle b sh -c 'cut -d" " -f19 /proc/self/stat'
    cfg_set b '.process.scheduler = {policy: "SCHED_OTHER", nice: 7}'
    ctr_run nice b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq 7 "$OUT" "nice"
}

t_io_priority_idle_is_the_class_of_the_process() {
    make_bundle b ionice -p 1
    cfg_set b '.process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0}'
    ctr_run ioprio b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$OUT" "idle" "ionice -p 1"
}

t_io_priority_best_effort_level_is_applied() {
    make_bundle b ionice -p 1
    cfg_set b '.process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 6}'
    ctr_run ioprio b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$OUT" "best-effort: prio 6" "ionice -p 1"
}

t_exec_cpu_affinity_final_is_the_affinity_after_exec() {
    make_bundle b sh -c "grep Cpus_allowed_list /proc/self/status | tr -d '\\t '"
    cfg_set b '.process.execCPUAffinity = {initial: "0", final: "0"}'
    ctr_run aff b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "Cpus_allowed_list:0" "$OUT" "affinity"
}

t_exec_cpu_affinity_initial_alone_stays_after_exec() {
    [ "$(nproc)" -ge 2 ] || skip_case "needs 2 CPUs"
    make_bundle b sh -c "grep Cpus_allowed_list /proc/self/status | tr -d '\\t '"
    cfg_set b '.process.execCPUAffinity = {initial: "1"}'
    ctr_run aff b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "Cpus_allowed_list:1" "$OUT" "affinity"
}

t_exec_cpu_affinity_on_a_missing_cpu_fails_naming_the_field() {
    make_bundle b true
    cfg_set b '.process.execCPUAffinity = {final: "1000"}'
    ctr_run aff b
    assert_ne 0 "$RC" "exit code"
    assert_contains "$ERR" "process.execCPUAffinity.final"
    assert_nothing_left
}

t_memory_policy_bind_shows_in_numa_maps() {
    [ -e /proc/self/numa_maps ] || skip_case "kernel without NUMA"
    make_bundle b sh -c 'grep -c bind:0 /proc/self/numa_maps'
    cfg_set b '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0"}'
    ctr_run mpol b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_match "$OUT" '^[1-9][0-9]*$' "mappings bound to node 0"
}

t_memory_policy_on_an_offline_node_fails_clearly() {
    [ -e /proc/self/numa_maps ] || skip_case "kernel without NUMA"
    [ ! -e /sys/devices/system/node/node7 ] || skip_case "host has a node 7"
    make_bundle b true
    cfg_set b '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "7"}'
    ctr_run mpol b
    assert_ne 0 "$RC" "exit code"
    assert_contains "$ERR" "linux.memoryPolicy"
    assert_contains "$ERR" "set_mempolicy"
    assert_nothing_left
}

t_oom_score_adj_negative_is_applied() {
    # lowering it below the minimum needs CAP_SYS_RESOURCE (bit 24)
    local eff; eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
    (( (0x$eff >> 24) & 1 )) || skip_case "the test runs without CAP_SYS_RESOURCE"
    make_bundle b cat /proc/self/oom_score_adj
    cfg_set b '.process.oomScoreAdj = -321'
    ctr_run oom b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq -321 "$OUT" oom_score_adj
}

t_oom_score_adj_positive_is_applied_before_the_process_runs() {
    make_bundle b cat /proc/self/oom_score_adj
    cfg_set b '.process.oomScoreAdj = 321'
    ctr_run oom b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq 321 "$OUT" oom_score_adj
}

t_domainname_comes_from_config() {
    make_bundle b cat /proc/sys/kernel/domainname
    cfg_set b '.domainname = "cove.example"'
    ctr_run dom b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq cove.example "$OUT" domainname
}

# /proc/keys lists the keyrings the process may view; the container's own
# session keyring is named "_ses.<id>". /proc/keys is masked by the default
# spec, so unmask it for this test.
keys_bundle() {
    make_bundle b cat /proc/keys
    cfg_set b '.linux.maskedPaths -= ["/proc/keys"]'
}

t_new_session_keyring_by_default() {
    [ -e /proc/keys ] || skip_case "kernel without keyrings"
    keys_bundle
    ctr_run keys b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_contains "$OUT" "_ses.$(cid keys)" "/proc/keys"
}

t_no_new_keyring_keeps_the_callers_keyring() {
    [ -e /proc/keys ] || skip_case "kernel without keyrings"
    keys_bundle
    ctr_run keys b --no-new-keyring
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_not_contains "$OUT" "_ses.$(cid keys)" "/proc/keys"
}

t_sysctl_net_is_set_inside_and_host_unchanged() {
    local before; before=$(cat /proc/sys/net/ipv4/ip_forward)
    local want=1; [ "$before" = 1 ] && want=0
    make_bundle b cat /proc/sys/net/ipv4/ip_forward
    cfg_set b --arg v "$want" '.linux.sysctl = {"net.ipv4.ip_forward": $v}
        | .linux.namespaces |= (map(select(.type != "network")) + [{type: "network"}])'
    ctr_run sysctl b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$want" "$OUT" "ip_forward inside"
    assert_eq "$before" "$(cat /proc/sys/net/ipv4/ip_forward)" "ip_forward on the host"
}

t_sysctl_ipc_is_set_inside_and_host_unchanged() {
    local before; before=$(cat /proc/sys/kernel/msgmax)
    local want=$((before - 1))
    make_bundle b cat /proc/sys/kernel/msgmax
    cfg_set b --arg v "$want" '.linux.sysctl = {"kernel.msgmax": $v}'
    ctr_run sysctl b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq "$want" "$OUT" "kernel.msgmax inside"
    assert_eq "$before" "$(cat /proc/sys/kernel/msgmax)" "kernel.msgmax on the host"
}

t_sysctl_net_without_network_namespace_is_refused() {
    make_bundle b true
    cfg_set b '.linux.sysctl = {"net.ipv4.ip_forward": "1"}
        | .linux.namespaces |= map(select(.type != "network"))'
    ctr_run sysctl b
    assert_ne 0 "$RC" "exit code"
    assert_contains "$ERR" "net.ipv4.ip_forward"
    assert_nothing_left
}

# ---------------------------------------------------------------- refused here
t_intel_rdt_without_resctrl_fails_clearly() {
    grep -qw resctrl /proc/mounts && skip_case "resctrl is mounted on this host"
    make_bundle b true
    cfg_set b '.linux.intelRdt = {l3CacheSchema: "L3:0=ff", enableMonitoring: true}'
    ctr_run rdt b
    assert_ne 0 "$RC" "exit code"
    assert_contains "$ERR" "linux.intelRdt: resctrl is not mounted"
    assert_nothing_left
}

t_apparmor_profile_without_apparmor_fails_clearly() {
    [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && skip_case "AppArmor is enabled here"
    make_bundle b true
    cfg_set b '.process.apparmorProfile = "cove-test"'
    ctr_run aa b
    assert_ne 0 "$RC" "exit code"
    assert_contains "$ERR" "process.apparmorProfile: AppArmor is not enabled"
    assert_nothing_left
}

t_selinux_label_without_selinux_fails_clearly() {
    [ -e /sys/fs/selinux/enforce ] && skip_case "SELinux is enabled here"
    make_bundle b true
    cfg_set b '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
    ctr_run se b
    assert_ne 0 "$RC" "exit code"
    assert_contains "$ERR" "process.selinuxLabel: SELinux is not enabled"
    assert_nothing_left
}

t_mount_label_without_selinux_is_dropped() {
    # as crun: a label on a host without SELinux labels nothing, and a
    # context= mount option would fail every mount
    [ -e /sys/fs/selinux/enforce ] && skip_case "SELinux is enabled here"
    make_bundle b sh -c 'grep -c context= /proc/self/mountinfo || true'
    cfg_set b '.linux.mountLabel = "system_u:object_r:container_file_t:s0"'
    ctr_run ml b
    assert_eq 0 "$RC" "exit code (stderr: $ERR)"
    assert_eq 0 "$OUT" "no mount got a context= option"
}

t_features_lists_the_fields_as_supported() {
    run_capture "$COVE" features
    assert_eq 0 "$RC" "features exit code"
    assert_eq "true true true true true" \
        "$(jq -r '[.linux.intelRdt.enabled, .linux.intelRdt.schemata, .linux.netDevices.enabled,
                  .linux.apparmor.enabled, .linux.selinux.enabled] | map(tostring) | join(" ")' <<<"$OUT")" \
        "features"
    assert_contains "$(jq -c .linux.memoryPolicy.modes <<<"$OUT")" MPOL_BIND
}

run_cases
