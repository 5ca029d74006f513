/* Valid configs: runc's own `runc spec` output, its rootless variant, a
 * minimal one and one using every field; key values must round-trip. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <linux/capability.h>

#include "lib/cleanup.h"
#include "runtime/config/config.h"
#include "runtime/seccomp/seccomp.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static char *slurp(const char *name, size_t *len) {
    char path[512];
    snprintf(path, sizeof(path), "%s/config/%s", COVE_FIXTURES, name);
    FILE *f = fopen(path, "re");
    cr_assert_not_null(f, "open %s", path);
    char *buf = NULL;
    size_t cap = 0;
    FILE *m = open_memstream(&buf, &cap);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(f);
    fclose(m);
    *len = cap;
    return buf;
}

static struct cove_config *parse_fixture(const char *name) {
    size_t len;
    _cleanup_free_ char *json = slurp(name, &len);
    struct cove_config *c = NULL;
    struct cove_err err = { 0 };
    int r = cove_config_parse(json, len, &c, &err);
    cr_assert_eq(r, 0, "%s: %s", name, err.msg);
    cr_assert_not_null(c);
    return c;
}

Test(config_valid, runc_spec_default) {
    _cleanup_(cove_config_freep) struct cove_config *c = parse_fixture("valid/runc_spec.json");
    cr_expect_str_eq(c->oci_version, "1.0.2-dev");
    cr_expect_str_eq(c->root_path, "rootfs");
    cr_expect(c->root_readonly);
    cr_expect(c->has_process);
    cr_expect(c->process.terminal);
    cr_expect_eq(c->process.n_args, 1);
    cr_expect_str_eq(c->process.args[0], "sh");
    cr_expect_null(c->process.args[1], "args are NULL-terminated");
    cr_expect_eq(c->process.n_env, 2);
    cr_expect_null(c->process.env[2]);
    cr_expect_str_eq(c->process.cwd, "/");
    cr_expect(c->process.caps.set);
    uint64_t want = (1ULL << CAP_AUDIT_WRITE) | (1ULL << CAP_KILL) | (1ULL << CAP_NET_BIND_SERVICE);
    cr_expect_eq(c->process.caps.bounding, want);
    cr_expect_eq(c->process.caps.permitted, want);
    cr_expect_eq(c->process.n_rlimits, 1);
    cr_expect_eq(c->process.rlimits[0].resource, RLIMIT_NOFILE);
    cr_expect_eq(c->process.rlimits[0].hard, 1024);
    cr_expect(c->process.no_new_privileges);
    cr_expect_str_eq(c->hostname, "runc");
    cr_expect_eq(c->n_mounts, 7);
    cr_expect_str_eq(c->mounts[0].destination, "/proc");
    /* /dev/pts: nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5 */
    const struct cove_mount *pts = &c->mounts[2];
    cr_expect_str_eq(pts->destination, "/dev/pts");
    cr_expect_eq(pts->opts.flags, MS_NOSUID | MS_NOEXEC);
    cr_expect_str_eq(pts->opts.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
    cr_expect_eq(c->linux.n_namespaces, 5);
    cr_expect(cove_config_has_ns(c, CLONE_NEWPID));
    cr_expect(cove_config_has_ns(c, CLONE_NEWNET));
    cr_expect_not(cove_config_has_ns(c, CLONE_NEWUSER));
    cr_expect_eq(c->linux.resources.n_devices, 1);
    cr_expect_not(c->linux.resources.devices[0].allow);
    cr_expect_str_eq(c->linux.resources.devices[0].access, "rwm");
    cr_expect_eq(c->linux.resources.devices[0].type, 'a');
    cr_expect_eq(c->linux.resources.devices[0].major, -1);
    cr_expect_gt(c->linux.n_masked_paths, 5);
    cr_expect_str_eq(c->linux.masked_paths[0], "/proc/acpi");
    cr_expect_null(c->linux.masked_paths[c->linux.n_masked_paths]);
    cr_expect_gt(c->linux.n_readonly_paths, 3);
}

Test(config_valid, runc_spec_rootless) {
    _cleanup_(cove_config_freep) struct cove_config *c = parse_fixture("valid/runc_spec_rootless.json");
    cr_expect(cove_config_has_ns(c, CLONE_NEWUSER));
    cr_expect_not(cove_config_has_ns(c, CLONE_NEWNET));
    cr_expect_eq(c->linux.n_uid_mappings, 1);
    cr_expect_eq(c->linux.n_gid_mappings, 1);
    cr_expect_eq(c->linux.uid_mappings[0].size, 1);
    cr_expect_eq(c->linux.uid_mappings[0].container_id, 0);
    cr_expect_not(c->linux.resources.set);
    /* /sys is an rbind of the host's in rootless mode */
    const struct cove_mount *sys = NULL;
    for (size_t i = 0; i < c->n_mounts; i++)
        if (!strcmp(c->mounts[i].destination, "/sys"))
            sys = &c->mounts[i];
    cr_assert_not_null(sys);
    cr_expect_eq(sys->opts.flags & (MS_BIND | MS_REC), MS_BIND | MS_REC);
    cr_expect_eq(sys->opts.flags & MS_RDONLY, MS_RDONLY);
}

Test(config_valid, minimal) {
    _cleanup_(cove_config_freep) struct cove_config *c = parse_fixture("valid/minimal.json");
    cr_expect_str_eq(c->root_path, "/rootfs");
    cr_expect_not(c->has_process);
    cr_expect_eq(c->n_mounts, 0);
    cr_expect_not(c->linux.seccomp.set);
    cr_expect_null(cove_config_find_ns(c, CLONE_NEWPID));
}

Test(config_valid, every_field_process) {
    _cleanup_(cove_config_freep) struct cove_config *c = parse_fixture("valid/full.json");
    const struct cove_process *p = &c->process;
    cr_expect_str_eq(c->oci_version, "1.3.0");
    cr_expect(p->has_console_size);
    cr_expect_eq(p->console_height, 25);
    cr_expect_eq(p->console_width, 80);
    cr_expect_eq(p->user.uid, 1000);
    cr_expect_eq(p->user.gid, 1001);
    cr_expect(p->user.has_umask);
    cr_expect_eq(p->user.umask, 022);
    cr_expect_eq(p->user.n_additional_gids, 3);
    cr_expect_eq(p->user.additional_gids[2], 4294967295u);
    cr_expect_str_eq(p->user.username, "alice");
    cr_expect_eq(p->n_args, 3);
    cr_expect_str_eq(p->args[2], "echo hi");
    cr_expect_str_eq(p->env[2], "EMPTY=");
    cr_expect_eq(p->caps.effective, 1ULL << CAP_KILL);
    cr_expect_eq(p->caps.inheritable, 0);
    cr_expect_eq(p->caps.permitted, (1ULL << CAP_KILL) | (1ULL << CAP_SYS_ADMIN));
    cr_expect_eq(p->caps.ambient, 1ULL << CAP_NET_BIND_SERVICE);
    cr_expect_eq(p->n_rlimits, 2);
    cr_expect_eq(p->rlimits[1].resource, RLIMIT_CORE);
    cr_expect_eq(p->rlimits[1].hard, UINT64_MAX);
    cr_expect_eq(p->rlimits[1].soft, 0);
    cr_expect_str_eq(p->apparmor_profile, "cove-default");
    cr_expect(p->has_oom_score_adj);
    cr_expect_eq(p->oom_score_adj, -500);
    cr_expect_str_eq(p->selinux_label, "system_u:system_r:svirt_lxc_net_t:s0:c124,c675");
    cr_expect(p->scheduler.set);
    cr_expect_eq(p->scheduler.policy, 6 /* SCHED_DEADLINE */);
    cr_expect_eq(p->scheduler.nice, -5);
    cr_expect_eq(p->scheduler.flags, 0x03);
    cr_expect_eq(p->scheduler.runtime, 10000000);
    cr_expect_eq(p->scheduler.deadline, 20000000);
    cr_expect_eq(p->scheduler.period, 30000000);
    cr_expect(p->io_priority.set);
    cr_expect_eq(p->io_priority.klass, IOPRIO_CLASS_BE);
    cr_expect_eq(p->io_priority.priority, 4);
    cr_expect_str_eq(p->exec_cpu_affinity.initial, "0");
    cr_expect_str_eq(p->exec_cpu_affinity.final, "0-3,7");
}

Test(config_valid, every_field_top_level) {
    _cleanup_(cove_config_freep) struct cove_config *c = parse_fixture("valid/full.json");
    cr_expect_str_eq(c->hostname, "full");
    cr_expect_str_eq(c->domainname, "example.org");
    cr_expect_eq(c->n_mounts, 3);
    const struct cove_mount *dev = &c->mounts[1];
    cr_expect_eq(dev->opts.flags, MS_NOSUID | MS_STRICTATIME);
    cr_expect_str_eq(dev->opts.data, "mode=755,size=65536k");
    const struct cove_mount *data = &c->mounts[2];
    cr_expect_eq(data->opts.flags, MS_BIND | MS_REC);
    cr_expect_eq(data->opts.propagation, MS_PRIVATE | MS_REC);
    cr_expect(data->opts.rec_attr);
    cr_expect_eq(data->opts.attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID);
    cr_expect(data->opts.idmap);
    cr_expect_null(data->opts.data);
    cr_expect_eq(data->n_uid_mappings, 1);
    cr_expect_eq(data->uid_mappings[0].host_id, 100000);
    cr_expect_eq(data->gid_mappings[0].size, 65536);

    const struct cove_hook_list *pre = &c->hooks[COVE_HOOK_PRESTART];
    cr_expect_eq(pre->n, 1);
    cr_expect_str_eq(pre->items[0].path, "/usr/bin/prestart");
    cr_expect_eq(pre->items[0].n_args, 2);
    cr_expect_null(pre->items[0].args[2]);
    cr_expect_str_eq(pre->items[0].env[0], "X=1");
    cr_expect(pre->items[0].has_timeout);
    cr_expect_eq(pre->items[0].timeout, 5);
    cr_expect_eq(c->hooks[COVE_HOOK_CREATE_RUNTIME].n, 2);
    cr_expect_null(c->hooks[COVE_HOOK_CREATE_RUNTIME].items[0].args);
    cr_expect_eq(c->hooks[COVE_HOOK_CREATE_CONTAINER].n, 1);
    cr_expect_eq(c->hooks[COVE_HOOK_START_CONTAINER].n, 1);
    cr_expect_eq(c->hooks[COVE_HOOK_POSTSTART].n, 1);
    cr_expect_eq(c->hooks[COVE_HOOK_POSTSTOP].items[0].timeout, 30);

    cr_expect_eq(c->n_annotations, 2);
    cr_expect_str_eq(c->annotations[0].key, "org.example.key");
    cr_expect_str_eq(c->annotations[0].value, "value");
    cr_expect_str_eq(c->annotations[1].value, "");
}

Test(config_valid, every_field_linux) {
    _cleanup_(cove_config_freep) struct cove_config *c = parse_fixture("valid/full.json");
    const struct cove_linux *l = &c->linux;
    cr_expect_eq(l->n_namespaces, 8);
    const struct cove_namespace *net = cove_config_find_ns(c, CLONE_NEWNET);
    cr_assert_not_null(net);
    cr_expect_str_eq(net->path, "/var/run/netns/full");
    cr_expect_null(cove_config_find_ns(c, CLONE_NEWPID)->path);
    cr_expect(cove_config_has_ns(c, CLONE_NEWTIME));
    cr_expect(l->time_monotonic.set);
    cr_expect_eq(l->time_monotonic.secs, -100);
    cr_expect_eq(l->time_monotonic.nanosecs, 5);
    cr_expect_eq(l->time_boottime.secs, 3600);
    cr_expect_eq(l->n_devices, 3);
    cr_expect_eq(l->devices[0].type, 'c');
    cr_expect_eq(l->devices[0].major, 10);
    cr_expect_eq(l->devices[0].minor, 229);
    cr_expect(l->devices[0].has_file_mode);
    cr_expect_eq(l->devices[0].file_mode, 0666);
    cr_expect(l->devices[0].has_uid);
    cr_expect_eq(l->devices[1].file_mode, 0660, "podman's st_mode (S_IFBLK|0660) keeps the permission bits");
    cr_expect_eq(l->devices[2].type, 'p');
    cr_expect_not(l->devices[2].has_uid);
    cr_expect_str_eq(l->cgroups_path, "/cove/full");
    cr_expect_eq(l->n_sysctl, 4);
    cr_expect_eq(l->rootfs_propagation, MS_SLAVE | MS_REC);
    cr_expect_eq(l->n_masked_paths, 2);
    cr_expect_eq(l->n_readonly_paths, 2);
    cr_expect_str_eq(l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811");
    cr_expect(l->intel_rdt.set);
    cr_expect_str_eq(l->intel_rdt.clos_id, "guaranteed");
    cr_expect_str_eq(l->intel_rdt.l3_cache_schema, "L3:0=7f0");
    cr_expect_str_eq(l->intel_rdt.mem_bw_schema, "MB:0=20");
    cr_expect_eq(l->intel_rdt.n_schemata, 1);
    cr_expect(l->intel_rdt.enable_monitoring);
    cr_expect(l->personality.set);
    cr_expect_eq(l->personality.domain, PER_LINUX32);
    cr_expect_eq(l->n_net_devices, 2);
    cr_expect_str_eq(l->net_devices[0].host_name, "eth1");
    cr_expect_str_eq(l->net_devices[0].name, "ceth1");
    cr_expect_str_eq(l->net_devices[1].name, "dummy0", "name defaults to the host name");
    cr_expect(l->memory_policy.set);
    cr_expect_eq(l->memory_policy.mode, MPOL_INTERLEAVE);
    cr_expect_str_eq(l->memory_policy.nodes, "0-1");
    cr_expect_eq(l->memory_policy.flags, MPOL_F_STATIC_NODES);
}

Test(config_valid, every_field_resources) {
    _cleanup_(cove_config_freep) struct cove_config *c = parse_fixture("valid/full.json");
    const struct cove_resources *r = &c->linux.resources;
    cr_expect(r->set);
    cr_expect_eq(r->n_devices, 3);
    cr_expect_eq(r->devices[1].type, 'c');
    cr_expect_str_eq(r->devices[1].access, "rw");
    cr_expect_eq(r->devices[2].minor, -1);
    cr_expect(r->has_memory);
    cr_expect(r->memory.limit.set);
    cr_expect_eq(r->memory.limit.v, 536870912);
    cr_expect_eq(r->memory.swap.v, -1);
    cr_expect_eq(r->memory.swappiness.v, 60);
    cr_expect(r->memory.has_disable_oom_killer);
    cr_expect_not(r->memory.disable_oom_killer);
    cr_expect(r->memory.check_before_update);
    cr_expect(r->has_cpu);
    cr_expect_eq(r->cpu.shares.v, 1024);
    cr_expect_eq(r->cpu.quota.v, 100000);
    cr_expect_eq(r->cpu.burst.v, 1000);
    cr_expect_eq(r->cpu.realtime_runtime.v, 950000);
    cr_expect_str_eq(r->cpu.cpus, "0-3");
    cr_expect(r->cpu.idle.set);
    cr_expect(r->has_pids);
    cr_expect_eq(r->pids_limit.v, 32);
    cr_expect(r->has_blkio);
    cr_expect_eq(r->blkio.weight.v, 500);
    cr_expect_eq(r->blkio.n_weight_device, 1);
    cr_expect_eq(r->blkio.weight_device[0].leaf_weight.v, 100);
    cr_expect_eq(r->blkio.throttle_write_iops[0].rate, 200);
    cr_expect_eq(r->blkio.throttle_read_bps[0].rate, 1048576);
    cr_expect_eq(r->n_hugepages, 1);
    cr_expect_str_eq(r->hugepages[0].page_size, "2MB");
    cr_expect(r->has_network);
    cr_expect_eq(r->net_class_id.v, 1048577);
    cr_expect_str_eq(r->net_priorities[0].name, "eth0");
    cr_expect_eq(r->n_rdma, 1);
    cr_expect_str_eq(r->rdma[0].device, "mlx5_1");
    cr_expect_eq(r->rdma[0].hca_objects.v, 10000);
    cr_expect_eq(r->n_unified, 2);
    cr_expect_str_eq(r->unified[1].key, "memory.high");
}

Test(config_valid, every_field_seccomp) {
    _cleanup_(cove_config_freep) struct cove_config *c = parse_fixture("valid/full.json");
    const struct cove_seccomp *s = &c->linux.seccomp;
    cr_expect(s->set);
    cr_expect_eq(s->default_action, COVE_SCMP_ERRNO);
    cr_expect(s->has_default_errno_ret);
    cr_expect_eq(s->default_errno_ret, 1);
    cr_expect_eq(s->n_architectures, 3);
    cr_expect_str_eq(s->architectures[0], "SCMP_ARCH_X86_64");
    cr_expect_eq(s->n_flags, 2);
    cr_expect_str_eq(s->listener_path, "/run/seccomp-agent.sock");
    cr_expect_str_eq(s->listener_metadata, "meta");
    cr_expect_eq(s->n_syscalls, 4);
    cr_expect_eq(s->syscalls[0].n_names, 2);
    cr_expect_str_eq(s->syscalls[0].names[1], "write");
    cr_expect_eq(s->syscalls[1].n_args, 2);
    cr_expect_eq(s->syscalls[1].args[1].index, 1);
    cr_expect_eq(s->syscalls[1].args[1].value, UINT64_MAX);
    cr_expect_eq(s->syscalls[1].args[1].value_two, 4);
    cr_expect_eq(s->syscalls[1].args[1].op, COVE_SCMP_OP_MASKED_EQ);
    cr_expect_eq(s->syscalls[2].action, COVE_SCMP_NOTIFY);
    cr_expect(s->syscalls[3].has_errno_ret);
    cr_expect_eq(s->syscalls[3].errno_ret, 38);
}

Test(config_valid, accepts_versions_and_ignores_unknown_keys) {
    static const char *const versions[] = { "1.0.0", "1.0.2-dev", "1.1.0", "1.2.0-rc.1", "1.3.9", "1.2.1+build" };
    for (size_t i = 0; i < ARRAY_SIZE(versions); i++) {
        char json[256];
        snprintf(json, sizeof(json),
                 "{\"ociVersion\":\"%s\",\"root\":{\"path\":\"r\",\"x\":1},\"unknownTop\":[{}],"
                 "\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"someFutureField\":null}}", versions[i]);
        struct cove_config *c = NULL;
        struct cove_err err = { 0 };
        cr_expect_eq(cove_config_parse(json, strlen(json), &c, &err), 0, "%s: %s", versions[i], err.msg);
        cove_config_free(c);
    }
}

Test(config_valid, null_optional_fields_are_absent) {
    const char *json = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"hostname\":null,"
                       "\"mounts\":null,\"linux\":{\"resources\":null,\"seccomp\":null}}";
    _cleanup_(cove_config_freep) struct cove_config *c = NULL;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_config_parse(json, strlen(json), &c, &err), 0, "%s", err.msg);
    cr_expect_null(c->hostname);
    cr_expect_not(c->linux.resources.set);
}

Test(config_valid, sysctl_slash_spelling_is_normalised) {
    const char *json = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"linux\":{"
                       "\"namespaces\":[{\"type\":\"network\"}],\"sysctl\":{\"net/ipv4/ip_forward\":\"1\"}}}";
    _cleanup_(cove_config_freep) struct cove_config *c = NULL;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_config_parse(json, strlen(json), &c, &err), 0, "%s", err.msg);
    cr_expect_str_eq(c->linux.sysctl[0].key, "net.ipv4.ip_forward");
}

/* ---------------------------------------------------------------- load */

static char tmpdir[64];

static void make_tmp(void) {
    strcpy(tmpdir, "/tmp/cove-config-test.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmp(void) {
    char path[128];
    snprintf(path, sizeof(path), "%s/config.json", tmpdir);
    unlink(path);
    rmdir(tmpdir);
}

static void write_config(const char *text) {
    char path[128];
    snprintf(path, sizeof(path), "%s/config.json", tmpdir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

Test(config_load, loads_bundle_config, .init = make_tmp, .fini = remove_tmp) {
    write_config("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"}}");
    _cleanup_(cove_config_freep) struct cove_config *c = NULL;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_config_load(tmpdir, &c, &err), 0, "%s", err.msg);
    cr_expect_str_eq(c->root_path, "rootfs");
}

Test(config_load, parse_error_names_the_file, .init = make_tmp, .fini = remove_tmp) {
    write_config("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":7}}");
    struct cove_config *c = NULL;
    struct cove_err err = { 0 };
    cr_assert_lt(cove_config_load(tmpdir, &c, &err), 0);
    cr_expect_null(c);
    char want[256];
    snprintf(want, sizeof(want), "%s/config.json: root.path: must be a string", tmpdir);
    cr_expect_str_eq(err.msg, want);
}

Test(config_load, missing_file_names_the_path, .init = make_tmp, .fini = remove_tmp) {
    struct cove_config *c = NULL;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_config_load(tmpdir, &c, &err), -ENOENT);
    char want[256];
    snprintf(want, sizeof(want), "open %s/config.json", tmpdir);
    cr_expect(strncmp(err.msg, want, strlen(want)) == 0, "%s", err.msg);
}

Test(config_load, refuses_oversized_file, .init = make_tmp, .fini = remove_tmp) {
    char path[128];
    snprintf(path, sizeof(path), "%s/config.json", tmpdir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, (off_t)17 << 20), 0);   /* sparse */
    close(fd);
    struct cove_config *c = NULL;
    struct cove_err err = { 0 };
    cr_assert_eq(cove_config_load(tmpdir, &c, &err), -EFBIG);
    cr_expect(strstr(err.msg, "config.json: larger than") != NULL, "%s", err.msg);
}

/* ---------------------------------------------------------------- names */

Test(config_names, rlimits_round_trip) {
    cr_expect_eq(cove_rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
    cr_expect_eq(cove_rlimit_from_name("RLIMIT_RTTIME"), RLIMIT_RTTIME);
    cr_expect_eq(cove_rlimit_from_name("RLIMIT_FOO"), -1);
    cr_expect_eq(cove_rlimit_from_name(NULL), -1);
    cr_expect_str_eq(cove_rlimit_name(RLIMIT_CORE), "RLIMIT_CORE");
    cr_expect_null(cove_rlimit_name(999));
}

Test(config_names, namespaces_round_trip) {
    static const char *const names[] = { "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        int f = cove_namespace_from_name(names[i]);
        cr_expect_neq(f, 0, "%s", names[i]);
        cr_expect_str_eq(cove_namespace_name(f), names[i]);
    }
    cr_expect_eq(cove_namespace_from_name("net"), 0);
    cr_expect_eq(cove_namespace_from_name("mount"), CLONE_NEWNS);
    cr_expect_eq(cove_namespace_from_name("time"), CLONE_NEWTIME);
}

Test(config_names, seccomp_names) {
    cr_expect_eq(cove_seccomp_action_from_name("SCMP_ACT_KILL_PROCESS"), COVE_SCMP_KILL_PROCESS);
    cr_expect_eq(cove_seccomp_action_from_name("SCMP_ACT_NOPE"), -1);
    cr_expect_eq(cove_seccomp_op_from_name("SCMP_CMP_GE"), COVE_SCMP_OP_GE);
    cr_expect_eq(cove_seccomp_op_from_name("SCMP_CMP_XX"), -1);
    cr_expect(cove_seccomp_arch_known("SCMP_ARCH_AARCH64"));
    cr_expect_not(cove_seccomp_arch_known("SCMP_ARCH_VAX"));
    cr_expect(cove_seccomp_flag_known("SECCOMP_FILTER_FLAG_TSYNC"));
    cr_expect_not(cove_seccomp_flag_known("SECCOMP_FILTER_FLAG_NOPE"));
}
