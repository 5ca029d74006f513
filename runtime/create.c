/* runtime/create.c — `create` and the parent side of the clone protocol
 * (see init.h). The plan (config, rootfs, cgroup, seccomp) is complete
 * before the first thing is created on the host; from then on every step
 * is recorded in struct create_ctx so a failure undoes all of them: no
 * state dir, cgroup, mount or process is left behind. */
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroups.h"
#include "cgroups/systemd.h"
#include "image/image.h"
#include "lib/cleanup.h"
#include "lib/trace.h"
#include "runtime/container.h"
#include "runtime/create.h"
#include "runtime/fds.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/linux_extras.h"
#include "runtime/process.h"
#include "runtime/rootless.h"
#include "runtime/seccomp/seccomp.h"
#include "runtime/support.h"
#include "lib/syscalls.h"
#include "namespaces/nsjoin.h"
#include "namespaces/userns.h"
#include "namespaces/hostmounts.h"
#include "namespaces/rootfs.h"


/* The devices cove creates from linux.devices must also be usable: allow
 * them in the device controller after the configured rules, as runc does. */
static int plan_device_rules(struct cove_config *c, struct cove_err *err) {
    struct cove_linux *l = &c->linux;
    if (!l->n_devices)
        return 0;
    size_t n = l->resources.n_devices + l->n_devices;
    struct cove_device_rule *v = realloc(l->resources.devices, n * sizeof(*v));
    if (!v)
        return cove_err_set(err, ENOMEM, "out of memory");
    l->resources.devices = v;
    for (size_t i = 0; i < l->n_devices; i++) {
        const struct cove_device *d = &l->devices[i];
        if (d->type != 'c' && d->type != 'b' && d->type != 'u')
            continue; /* fifos need no device rule */
        v[l->resources.n_devices++] = (struct cove_device_rule){
            .allow = true, .type = d->type == 'b' ? 'b' : 'c', .major = d->major, .minor = d->minor, .access = "rwm"};
    }
    return 0;
}

/* The compiled-filter cache lives in <root>/.seccomp~cache: shared by the
 * containers of one --root, written only by the runtime. '~' cannot occur
 * in a container id, so no container's state dir can take this name, and
 * the leading dot keeps `list` from looking at it. A cache we cannot make
 * or do not trust (not ours, or writable by others) is simply not used:
 * it costs speed, never a container. NULL: no cache. */
static char *seccomp_cache_dir(const char *root) {
    char *dir = NULL;
    if (!root || asprintf(&dir, "%s/.seccomp~cache", root) < 0)
        return NULL;
    return dir;
}

/* --systemd-cgroup: the scope from cgroupsPath's "slice:prefix:name", its
 * unit properties, and its cgroup (absolute) as the container's path. On
 * a hybrid or v1 host the container also has that path in every v1
 * hierarchy (systemd makes those of the controllers it manages, cove the
 * rest: ctx_systemd_scope). No device property is sent: systemd then
 * leaves the devices controller (v1) or program (v2) to cove's rules. */
static int ctx_plan_systemd(struct create_ctx *x, struct cove_err *err) {
    int r;
    if ((r = cove_systemd_check(err)) < 0)
        return r;
    if ((r = cove_systemd_parse_path(x->config->linux.cgroups_path, x->opts->id, &x->sdunit, err)) < 0)
        return r;
    x->systemd = true;
    if ((r = cove_systemd_props_from_config(&x->config->linux.resources, x->config->annotations,
                                            x->config->n_annotations, &x->sdprops, err)) < 0)
        return r;
    return (x->cgpath = strdup(x->sdunit.path)) ? 0 : cove_err_set(err, ENOMEM, "out of memory");
}

/* Rootless (runtime/rootless.h): a cgroup the user may not write is
 * skipped when the config asks for none in particular — no cgroupsPath,
 * no limits — and refused otherwise, as runc does; the container then has
 * no cgroup at all (x->cgpath NULL). With the systemd driver the scope is
 * systemd's business. */
static int ctx_plan_rootless_cgroup(struct create_ctx *x, struct cove_err *err) {
    if (x->systemd) {
        /* the user's own systemd instance makes the scope, which it owns;
         * in the v1 hierarchies next to it nothing is the user's */
        if (cove_systemd_user_manager() && x->cghost.mode != COVE_CG_UNIFIED)
            return cove_err_set(err, ENOTSUP, "--systemd-cgroup as a non-root user needs a pure cgroup v2 host "
                                              "(systemd's user instance delegates only there)");
        return 0;
    }
    _cleanup_free_ char *denied = NULL;
    int r = cove_cgroup_writable(&x->cghost, x->cgpath, &denied, err);
    if (r != 0)
        return r < 0 ? r : 0;
    const struct cove_linux *l = &x->config->linux;
    if (l->cgroups_path && *l->cgroups_path)
        return cove_err_set(err, EACCES, "linux.cgroupsPath: rootless: %s is not writable by uid %u (no cgroup is "
                                         "delegated to this user): delegate it, or leave linux.cgroupsPath out",
                            denied, (unsigned)geteuid());
    if (cove_resources_has_limits(&l->resources))
        return cove_err_set(err, EACCES, "linux.resources: rootless: limits need a cgroup and %s is not writable by "
                                         "uid %u (no cgroup is delegated to this user)",
                            denied, (unsigned)geteuid());
    cove_trace("create: rootless, no cgroup (not delegated)");
    free(x->cgpath);
    x->cgpath = NULL;
    return 0;
}

static int ctx_plan(struct create_ctx *x, struct cove_err *err) {
    const struct cove_create_opts *o = x->opts;
    int r;
    if ((r = cove_state_validate_id(o->id, err)) < 0)
        return r;
    char bundle[PATH_MAX];
    if (!realpath(o->bundle ? o->bundle : ".", bundle))
        return cove_err_sys(err, errno, "bundle %s", o->bundle ? o->bundle : ".");
    if (!(x->bundle = strdup(bundle)))
        return cove_err_set(err, ENOMEM, "out of memory");
    if ((r = cove_config_load(x->bundle, &x->config, err)) < 0)
        return r;
    cove_trace("create: config.json parsed");
    if ((r = cove_support_check(x->config, o, err)) < 0 || (r = plan_device_rules(x->config, err)) < 0 ||
        (r = cove_linux_extras_plan(x, err)) < 0)
        return r;
    if ((r = cove_create_io_plan(x, err)) < 0)
        return r;
    /* root.path is relative to the bundle */
    _cleanup_free_ char *root = NULL;
    if (x->config->root_path[0] == '/')
        root = strdup(x->config->root_path);
    else if (asprintf(&root, "%s/%s", x->bundle, x->config->root_path) < 0)
        root = NULL;
    if (!root)
        return cove_err_set(err, ENOMEM, "out of memory");
    char rootfs[PATH_MAX];
    if (!realpath(root, rootfs))
        return cove_err_sys(err, errno, "root.path: %s", root);
    struct stat sb;
    if (stat(rootfs, &sb) < 0 || !S_ISDIR(sb.st_mode))
        return cove_err_set(err, ENOTDIR, "root.path: %s is not a directory", rootfs);
    if (!(x->rootfs = strdup(rootfs)))
        return cove_err_set(err, ENOMEM, "out of memory");
    if ((r = cove_overlay_plan(x->bundle, x->rootfs, x->config->annotations, x->config->n_annotations, o->overlay,
                               &x->overlay, err)) < 0)
        return r;
    if (x->overlay.want_idmap && x->overlay.lowers) {
        const struct cove_linux *l = &x->config->linux;
        if (!cove_userns_is_new(x->config) || !l->n_uid_mappings || !l->n_gid_mappings ||
            cove_userns_host_root(l->uid_mappings, l->n_uid_mappings) == (uid_t)-1 ||
            cove_userns_host_root(l->gid_mappings, l->n_gid_mappings) == (uid_t)-1)
            return cove_err_set(err, EINVAL, "annotations[\"" COVE_ANN_OVERLAY_IDMAP "\"]: needs a new user namespace "
                                             "whose linux.uidMappings and gidMappings map the container's 0");
    }

    cove_trace("create: plan: support, rootfs, overlay");
    if ((r = cove_cgroup_host_detect(COVE_CGROUP_ROOT, &x->cghost, err)) < 0)
        return r;
    x->have_cghost = true;
    if (o->systemd_cgroup) {
        if ((r = ctx_plan_systemd(x, err)) < 0)
            return r;
    } else if ((r = cove_cgroup_resolve_path(x->config->linux.cgroups_path, o->id, &x->cgpath, err)) < 0)
        return cove_err_prefix(err, "linux.cgroupsPath");
    if (o->rootless && (r = ctx_plan_rootless_cgroup(x, err)) < 0)
        return r;
    if ((r = cove_cgroup_validate(&x->cghost, &x->config->linux.resources, err)) < 0)
        return r;
    if (x->config->linux.seccomp.set) {
        /* only a lookup: a new entry is stored once the container exists */
        x->seccomp_cache = seccomp_cache_dir(o->root);
        if ((r = cove_seccomp_build_cached(&x->config->linux.seccomp, x->seccomp_cache, &x->seccomp,
                                           &x->seccomp_miss, err)) < 0)
            return r;
        x->have_seccomp = true;
    }
    cove_trace("create: plan: cgroup host, seccomp");
    return 0;
}

static uint64_t clone_flags(const struct cove_config *c) {
    uint64_t f = 0;
    for (size_t i = 0; i < c->linux.n_namespaces; i++) {
        const struct cove_namespace *ns = &c->linux.namespaces[i];
        /* cgroup: unshared by the child once it is in its cgroup */
        if (!ns->path && ns->type != CLONE_NEWCGROUP)
            f |= (uint64_t)ns->type;
    }
    /* time: the parent unshares it for its children (cove_timens_prepare);
     * joining a user namespace: the init unshares the others after setns so
     * they belong to it, and a new pid namespace is made inside it by a
     * helper (cove_userns_clone_via_helper) */
    f &= ~(uint64_t)CLONE_NEWTIME;
    if (cove_userns_join_path(c))
        f = 0;
    return f;
}

/* The exec fifo the init waits on; O_RDWR never blocks on a fifo (see
 * runtime/protocol.h). */
static int ctx_make_fifo(struct create_ctx *x, struct cove_err *err) {
    if (mkfifoat(x->store.dirfd, "exec.fifo", 0600) < 0)
        return cove_err_sys(err, errno, "mkfifo %s/exec.fifo", x->store.dir);
    x->fifo = openat(x->store.dirfd, "exec.fifo", O_RDWR | O_CLOEXEC);
    if (x->fifo < 0)
        return cove_err_sys(err, errno, "open %s/exec.fifo", x->store.dir);
    return 0;
}

/* What clone3 gives the init besides its namespaces: the pid and time
 * namespaces this process switched for its children, and its own
 * non-dumpable flag. Put back right after the clone, in the parent. */
struct spawn_ns {
    int pid_saved, time_saved;
};

static void spawn_ns_restore(struct spawn_ns *n) {
    /* cannot fail in practice (single-threaded root going back to its
     * own namespaces); should it, hooks would only see the container's */
    cove_timens_restore(&n->time_saved, NULL);
    cove_ns_restore(&n->pid_saved, CLONE_NEWPID, NULL);
}

static int spawn_ns_prepare(struct create_ctx *x, struct spawn_ns *n, struct cove_err *err) {
    int r;
    /* pid namespaces are entered by the parent: setns(CLONE_NEWPID)
     * applies to children only, so it must happen before clone3 */
    if ((r = cove_ns_save(CLONE_NEWPID, &n->pid_saved, err)) < 0 ||
        (r = cove_ns_join_pid_for_children(x->config, err)) < 0)
        return r;
    /* CVE-2019-5736 class: until its execve the child is an image of this
     * binary; non-dumpable, its /proc/<pid>/{exe,mem,fd} belong to root and
     * cannot be ptrace-opened by anything already in the container. The
     * flag is inherited by the child and reset by the workload's execve. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return cove_err_sys(err, errno, "prctl(PR_SET_DUMPABLE)");
    return cove_timens_prepare(x->config, &n->time_saved, err);
}

/* The init's side of the clone; never returns. */
static _Noreturn void ctx_child(struct create_ctx *x, int parent_sock, int child_sock) {
    /* the parent's fds stay with the parent: above all the state dir,
     * whose flock a waiting init would otherwise hold until `start` */
    close(parent_sock);
    close(x->store.dirfd);
    cove_close(&x->console_parent);
    cove_close(&x->cg.v2_fd);
    struct cove_init_args a = {
        .config = x->config,
        .id = x->opts->id,
        .rootfs = x->rootfs,
        .no_pivot = x->opts->no_pivot,
        .no_new_keyring = x->opts->no_new_keyring,
        .preserve_fds = x->opts->preserve_fds + x->listen_fds,
        .console_fd = x->console_child,
        .sock = child_sock,
        .fifo_fd = x->fifo,
        .seccomp = x->have_seccomp ? &x->seccomp : NULL,
        .cgroup_host = &x->cghost,
        .cgroup_path = x->cgpath,
        .cgroup = &x->cg,
        .cgroup_join = &x->cg_join,
        .bundle = x->bundle,
        .created = x->created,
        .idmap_fds = x->idmap_fds,
        .root_mount_fd = x->overlay_fd,
        .overlay = x->overlay.deferred ? &x->overlay : NULL,
        .user_maps = x->user_maps,
        .runtime_in_userns = x->runtime_in_userns,
    };
    cove_init_main(&a);
}

static int ctx_spawn(struct create_ctx *x, struct cove_err *err) {
    _cleanup_close_pair_ int sp[2] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
        return cove_err_sys(err, errno, "socketpair");
    int r = ctx_make_fifo(x, err);
    if (r < 0)
        return r;
    struct clone_args ca = {
        .flags = clone_flags(x->config) | CLONE_PIDFD | CLONE_CLEAR_SIGHAND,
        .pidfd = (uint64_t)(uintptr_t)&x->pidfd,
        .exit_signal = SIGCHLD,
    };
    if (x->cg.v2_fd >= 0) {
        ca.flags |= CLONE_INTO_CGROUP;
        ca.cgroup = (uint64_t)x->cg.v2_fd;
    }
    if ((r = cove_cgroup_self_join_open(&x->cg, &x->cg_join, err)) < 0)
        return r;
    struct spawn_ns ns = {-1, -1};
    if ((r = spawn_ns_prepare(x, &ns, err)) < 0) {
        spawn_ns_restore(&ns);
        return r;
    }
    bool helper = cove_userns_spawn_needs_helper(x->config);
    pid_t pid = helper ? cove_userns_clone_via_helper(&ca, x->config, &x->pidfd, err) : cove_clone3(&ca, sizeof(ca));
    int e = errno;
    if (pid == 0)
        ctx_child(x, sp[0], sp[1]);
    spawn_ns_restore(&ns);
    /* the init writes itself into the v1 hierarchies: add_pid skips them */
    cove_cgroup_self_join_close(&x->cg_join);
    x->cg.v1_self_joined = pid > 0;
    /* the kernel's ENOENT for CLONE_INTO_CGROUP: the cgroup went offline
     * between its mkdir and now (someone removed that very cgroupsPath) */
    if (pid < 0 && !helper && e == ENOENT && (ca.flags & CLONE_INTO_CGROUP))
        return cove_err_sys(err, e, "clone3 into the cgroup %s: it was removed meanwhile (another container "
                                    "with the same linux.cgroupsPath being deleted?)", x->cgpath);
    if (pid < 0)
        return helper ? pid : cove_err_sys(err, e, "clone3");
    x->sock = TAKE_FD(sp[0]);
    cove_close(&sp[1]);
    cove_create_io_spawned(x);
    x->pid = pid;
    x->cg.v2_born_inside = (ca.flags & CLONE_INTO_CGROUP) != 0;
    return 0;
}

/* right after the clone, before anything else can fail or be killed */
static int ctx_record_pid(struct create_ctx *x, struct cove_err *err) {
    struct cove_owns owns = {.cgroup_path = x->cgpath, .systemd_unit = x->systemd ? x->sdunit.unit : NULL,
                             .pid = x->pid, .pid_start = cove_proc_start_time(x->pid, NULL)};
    return cove_owns_save(&x->store, &owns, err);
}

static int ctx_place_child(struct create_ctx *x, struct cove_err *err) {
    int r = cove_cgroup_add_pid(&x->cg, x->pid, err);
    if (r < 0)
        return r;
    const struct cove_process *p = &x->config->process;
    if (p->has_oom_score_adj && (r = cove_process_set_oom_score_adj(x->pid, p->oom_score_adj, err)) < 0)
        return r;
    return cove_linux_extras_place(x, err);
}

/* With a new user namespace the container's root (the host ids of its
 * 0:0) gets its cgroup2 leaf, so a manager inside may create sub-cgroups. */
static int ctx_delegate_cgroup(struct create_ctx *x, struct cove_err *err) {
    const struct cove_linux *l = &x->config->linux;
    if (!cove_userns_is_new(x->config))
        return 0;
    uid_t u = cove_userns_host_root(l->uid_mappings, l->n_uid_mappings);
    gid_t g = (gid_t)cove_userns_host_root(l->gid_mappings, l->n_gid_mappings);
    if (u == (uid_t)-1 || g == (gid_t)-1)
        return 0; /* no root in the container: nobody to delegate to */
    return cove_cgroup_delegate(&x->cg, u, g, err);
}

/* Wait for READY; an ERROR carries the child's message. */
static int ctx_wait_ready(struct create_ctx *x, struct cove_err *err) {
    struct cove_msg m;
    int r = cove_proto_recv(x->sock, &m, "container init", err);
    if (r < 0)
        return r;
    if (r == 0)
        return cove_err_set(err, EPIPE, "container init exited unexpectedly during setup");
    if (m.type == COVE_MSG_HOOKS) /* prestart + createRuntime, then READY */
        return (r = cove_create_answer_hooks(x, err)) < 0 ? r : ctx_wait_ready(x, err);
    if (m.type != COVE_MSG_READY)
        return cove_err_set(err, EPROTO, "unexpected message %u from container init", m.type);
    return 0;
}

static int ctx_record(struct create_ctx *x, struct cove_err *err) {
    struct cove_state s = {0};
    char *created = x->created;
    s.id = (char *)x->opts->id;
    s.bundle = x->bundle;
    s.rootfs = x->rootfs;
    s.pid = x->pid;
    s.pid_start = cove_proc_start_time(x->pid, NULL);
    s.created = created;
    s.owner = "";
    s.cgroup_path = x->cgpath;
    s.cgroup_owned = true;
    s.systemd_unit = x->systemd ? x->sdunit.unit : NULL;
    s.annotations = x->config->annotations;
    s.n_annotations = x->config->n_annotations;
    cove_linux_extras_record(x, &s);
    int r = cove_state_save(&x->store, &s, err);
    if (r < 0 || (r = cove_hooks_persist(x->store.dirfd, x->bundle, x->config, err)) < 0)
        return r;
    if (x->opts->pid_file) {
        if ((r = cove_write_pid_file(x->opts->pid_file, x->pid, err)) < 0)
            return r;
        x->wrote_pid_file = true;
    }
    return 0;
}

int cove_write_pid_file(const char *path, pid_t pid, struct cove_err *err) {
    char dir[PATH_MAX], buf[32];
    if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
        return cove_err_set(err, ENAMETOOLONG, "--pid-file %s: name too long", path);
    char *slash = strrchr(dir, '/');
    const char *name = path;
    if (slash == dir) {
        name = slash + 1;
        dir[1] = '\0';
    } else if (slash) {
        *slash = '\0';
        name = slash + 1;
    } else {
        strcpy(dir, ".");
    }
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return cove_err_sys(err, errno, "--pid-file %s", path);
    int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
    int r = cove_write_file_replace(dfd, name, buf, (size_t)n, 0644, err);
    return r < 0 ? cove_err_prefix(err, "--pid-file") : 0;
}

/* A relative cgroupsPath is resolved against the creator's cgroups: keep a
 * copy so kill --all/delete from elsewhere find the same directories. */
static int ctx_save_own_cgroup(struct create_ctx *x, struct cove_err *err) {
    if (!x->cgpath || x->cgpath[0] == '/')
        return 0;
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    int r = cove_read_file(AT_FDCWD, "/proc/self/cgroup", 1 << 16, &data, &len, err);
    if (r < 0)
        return r;
    return cove_write_file_replace(x->store.dirfd, COVE_CGROUP_OWN_FILE, data, len, 0600, err);
}

/* linux.resources and the device rules into the container's cgroup */
static int ctx_limit_cgroup(struct create_ctx *x, struct cove_err *err) {
    const struct cove_resources *res = &x->config->linux.resources;
    int r = cove_cgroup_apply(&x->cg, res, err);
    /* rootless: loading a device program (v2) or writing devices.deny
     * (v1) needs privileges over the host; the container's root has no
     * device node it did not get bound in (namespaces/dev.c), as in runc */
    if (r < 0 || x->opts->rootless)
        return r;
    return cove_cgroup_set_devices(&x->cg, res->devices, res->n_devices, err);
}

/* The cgroup and its limits (cgroupfs driver: before the clone, so that
 * the init is born in it). */
static int ctx_make_cgroup(struct create_ctx *x, struct cove_err *err) {
    if (!x->cgpath)
        return 0; /* rootless without a cgroup: ctx_plan_rootless_cgroup */
    int r = cove_cgroup_create(&x->cghost, x->cgpath, &x->cg, err);
    if (r < 0)
        return r;
    x->have_cg = true;
    return ctx_limit_cgroup(x, err);
}

/* The user instance's slices hang below user@UID.service: the scope's
 * cgroup is asked from systemd, and recorded again for delete. */
static int ctx_user_scope_path(struct create_ctx *x, struct cove_err *err) {
    char *path = NULL;
    int r = cove_systemd_unit_cgroup(x->sdunit.unit, &path, err);
    if (r < 0)
        return r;
    free(x->cgpath);
    x->cgpath = path;
    return ctx_record_pid(x, err);
}

/* --systemd-cgroup: a scope needs a pid to exist, so it is made after the
 * clone: systemd moves the init (still waiting for GO) into it. Then the
 * scope's cgroup is the container's, for the limits systemd has no
 * property for and the device filter, as with cgroupfs. */
static int ctx_systemd_scope(struct create_ctx *x, struct cove_err *err) {
    /* before the call: a job that fails after systemd made the unit still
     * leaves one for abort to stop (a unit that never came is fine there) */
    x->sd_started = true;
    int r = cove_systemd_start_scope(&x->sdunit, x->pid, &x->sdprops, err);
    if (r < 0) {
        x->sd_started = r != -EEXIST; /* someone else's unit: not ours to stop */
        return r;
    }
    cove_trace("create: systemd scope started");
    if (cove_systemd_user_manager() && (r = ctx_user_scope_path(x, err)) < 0)
        return r;
    /* v1 hierarchies: the path in those systemd does not manage is made
     * here (mkdir of an existing one is fine), and ctx_place_child puts the
     * init in each, as runc's v1 systemd driver does */
    if ((r = x->cghost.mode == COVE_CG_UNIFIED ? cove_cgroup_open(&x->cghost, x->cgpath, &x->cg, err)
                                               : cove_cgroup_create(&x->cghost, x->cgpath, &x->cg, err)) < 0)
        return r;
    x->have_cg = true;
    x->cg.v2_born_inside = true; /* systemd put it there */
    return ctx_limit_cgroup(x, err);
}

/* COVE_ANN_OVERLAY_IDMAP: the user namespace that carries the container's
 * mapping for the layers (image/overlay.c), and who owns the upper dir. */
static int ctx_overlay_idmap(struct create_ctx *x, bool deferred, struct cove_err *err) {
    struct cove_overlay_plan *p = &x->overlay;
    if (!p->lowers || !p->want_idmap || deferred)
        return 0; /* deferred: the init mounts it in the container's namespace, no mapping needed */
    const struct cove_linux *l = &x->config->linux;
    p->upper_uid = cove_userns_host_root(l->uid_mappings, l->n_uid_mappings);
    p->upper_gid = (gid_t)cove_userns_host_root(l->gid_mappings, l->n_gid_mappings);
    int fd = cove_idmap_userns_fd(l->uid_mappings, l->n_uid_mappings, l->gid_mappings, l->n_gid_mappings,
                                  "annotations[\"" COVE_ANN_OVERLAY_IDMAP "\"]", err);
    if (fd < 0)
        return fd;
    p->idmap_userns = fd;
    return 0;
}

int cove_create_begin(struct create_ctx *x, const struct cove_create_opts *o, struct cove_err *err) {
    memset(x, 0, sizeof(*x));
    x->opts = o;
    x->sock = x->fifo = x->pidfd = -1;
    x->console_child = x->console_parent = -1;
    x->cg.v2_fd = -1;
    x->store.dirfd = -1;
    x->overlay_fd = -1;
    x->user_maps = geteuid() != 0; /* the child cannot tell: in its new user namespace it is nobody */
    x->runtime_in_userns = cove_in_user_namespace();
    int r;
    cove_time_rfc3339(x->created);
    if ((r = ctx_plan(x, err)) < 0 || (r = cove_fds_reserve(o->preserve_fds + x->listen_fds, err)) < 0)
        return r;
    /* ---- nothing exists on the host before this line ---- */
    if ((r = cove_store_create(o->root, o->id, &x->store, err)) < 0)
        return r;
    x->have_store = true;
    cove_trace("create: state dir");
    /* an ordinary user cannot mount overlayfs here: its init will, as root
     * of the container's user namespace */
    bool defer_overlay = x->user_maps && cove_userns_is_new(x->config);
    if ((r = ctx_overlay_idmap(x, defer_overlay, err)) < 0 ||
        (r = cove_overlay_setup(&x->overlay, x->store.dir, defer_overlay, &x->overlay_fd, err)) < 0)
        return r;
    /* recorded before it exists: delete --force finds it after a crash */
    struct cove_owns owns = {.cgroup_path = x->cgpath, .systemd_unit = x->systemd ? x->sdunit.unit : NULL};
    if ((r = ctx_save_own_cgroup(x, err)) < 0 || (r = cove_owns_save(&x->store, &owns, err)) < 0 ||
        (!x->systemd && (r = ctx_make_cgroup(x, err)) < 0))
        return r;
    cove_trace("create: owns + cgroup mkdir");
    if ((r = cove_linux_extras_setup(x, err)) < 0 ||
        (r = cove_create_io_setup(x, err)) < 0 ||
        (r = cove_idmap_mounts_prepare(x->config, &x->idmap_fds, err)) < 0 ||
        (!cove_config_has_ns(x->config, CLONE_NEWNS) &&
         (r = cove_hostmounts_record(x->store.dirfd, x->rootfs, err)) < 0) ||
        (cove_trace("create: cgroup limits, devices, extras, io"), (r = ctx_spawn(x, err)) < 0) ||
        (cove_trace("create: clone3 of the init"), (r = ctx_record_pid(x, err)) < 0) ||
        (x->systemd && (r = ctx_systemd_scope(x, err)) < 0) ||
        (r = cove_proto_userns_parent(x->sock, x->pid, x->config, err)) < 0 ||
        (r = ctx_place_child(x, err)) < 0 ||
        (r = ctx_delegate_cgroup(x, err)) < 0)
        return r;
    cove_trace("create: owns pid, id maps, cgroup.procs, oom_score_adj");
    struct cove_err go = {.code = (int)x->pid}; /* the hooks' state needs it */
    if ((r = cove_msg_send(x->sock, COVE_MSG_GO, &go)) < 0)
        return cove_err_sys(err, -r, "send to container init");
    if ((r = ctx_wait_ready(x, err)) < 0)
        return r;
    cove_trace("create: GO to READY: the init's setup (mounts, pivot, caps)");
    if ((r = ctx_record(x, err)) < 0)
        return r;
    cove_trace("create: state.json, pid file");
    if (x->seccomp_miss)
        cove_seccomp_cache_store(&x->config->linux.seccomp, x->seccomp_cache, &x->seccomp);
    return 0;
}

/* Undo everything create_begin made; used on failure and by `run`. */
void cove_create_abort(struct create_ctx *x) {
    struct cove_err ignored = {0};
    cove_linux_extras_abort(x); /* netdevs back, netns pin unmounted: before the store goes */
    if (x->pid > 0) {
        if (x->pidfd >= 0)
            cove_pidfd_send_signal(x->pidfd, SIGKILL, NULL, 0);
        else
            kill(x->pid, SIGKILL);
        waitpid(x->pid, NULL, 0);
        x->pid = 0;
    }
    if (x->have_store)
        cove_hostmounts_remove(x->store.dirfd, &ignored);
    if (x->have_cg) {
        cove_cgroup_destroy(&x->cg, &ignored);
        x->have_cg = false;
    }
    if (x->sd_started) {
        cove_systemd_stop_unit(x->sdunit.unit, &ignored);
        x->sd_started = false;
    }
    if (x->have_store) {
        cove_store_remove(&x->store, &ignored);
        x->have_store = false;
    }
    /* only a pid file we wrote: a failed duplicate create must not remove
     * the running container's */
    if (x->wrote_pid_file)
        unlink(x->opts->pid_file);
}

void cove_create_free(struct create_ctx *x) {
    if (x->sock >= 0)
        close(x->sock);
    if (x->fifo >= 0)
        close(x->fifo);
    if (x->pidfd >= 0)
        close(x->pidfd);
    x->sock = x->fifo = x->pidfd = -1;
    cove_create_io_free(x);
    if (x->have_store)
        cove_store_close(&x->store);
    cove_cgroup_self_join_close(&x->cg_join);
    cove_cgroup_free(&x->cg);
    cove_systemd_unit_free(&x->sdunit);
    cove_systemd_props_free(&x->sdprops);
    if (x->have_cghost)
        cove_cgroup_host_free(&x->cghost);
    if (x->have_seccomp)
        cove_seccomp_prog_free(&x->seccomp);
    free(x->seccomp_cache);
    x->seccomp_cache = NULL;
    cove_linux_extras_free(x);
    if (x->config)
        cove_idmap_mounts_close(x->idmap_fds, x->config->n_mounts);
    x->idmap_fds = NULL;
    cove_config_freep(&x->config);
    free(x->bundle);
    free(x->rootfs);
    free(x->cgpath);
    if (x->overlay_fd >= 0)
        close(x->overlay_fd);
    x->overlay_fd = -1;
    cove_overlay_plan_free(&x->overlay);
    x->bundle = x->rootfs = x->cgpath = NULL;
}

int cove_container_create(const struct cove_create_opts *o, struct cove_err *err) {
    struct create_ctx x;
    int r = cove_create_begin(&x, o, err);
    if (r < 0)
        cove_create_abort(&x);
    cove_create_free(&x);
    return r;
}

int cove_create_release(struct create_ctx *x, struct cove_err *err) {
    if (write(x->fifo, "0", 1) != 1)
        return cove_err_sys(err, errno, "write %s/exec.fifo", x->store.dir);
    unlinkat(x->store.dirfd, "exec.fifo", 0);
    struct cove_msg m;
    int r = cove_proto_recv(x->sock, &m, "container init", err);
    return r < 0 ? r : 0;
}
