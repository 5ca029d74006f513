/* runtime/userns.h — user and time namespaces: the id maps the parent
 * writes for the container's init, the init becoming root in its user
 * namespace, the cgroup handed over to the container's root, and the time
 * namespace offsets. Design notes: docs/userns.md.
 *
 * Protocol additions (documented with the others in runtime/init.h): when
 * the config asks for a NEW user namespace the init sends READY_FOR_IDMAP
 * as its first message; the parent writes /proc/<pid>/{uid,gid}_map and
 * answers IDMAP_DONE; only then does the init change its ids. */
#ifndef COVE_USERNS_H
#define COVE_USERNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "runtime/config/config.h"
#include "lib/err.h"

struct cove_cgroup;

/* True when linux.namespaces has a user entry without path (a new userns). */
bool cove_userns_is_new(const struct cove_config *c);
/* The user namespace entry's path (joined), or NULL. */
const char *cove_userns_join_path(const struct cove_config *c);

/* "containerID hostID size\n" per entry, as the kernel wants it in one
 * write(2). Pure. Returns the length or -ENOSPC / -EINVAL (empty map). */
int cove_userns_format_map(const struct cove_idmap *m, size_t n, char *buf, size_t len);

/* The host id that container id 0 maps to (the container's root), or
 * (uid_t)-1 when 0 is not mapped. Pure. */
uid_t cove_userns_host_root(const struct cove_idmap *m, size_t n);

/* Write /proc/<pid>/uid_map and gid_map (procfs verified) and, when
 * deny_setgroups, "deny" to /proc/<pid>/setgroups first. field names the
 * config field for errors ("linux.uidMappings", "mounts[2].uidMappings"). */
int cove_userns_write_maps(pid_t pid, const struct cove_idmap *uid, size_t nu, const struct cove_idmap *gid,
                           size_t ng, bool deny_setgroups, const char *field, struct cove_err *err);

/* Parent side, between clone3 and GO: wait for READY_FOR_IDMAP, write the
 * maps of linux.uidMappings/gidMappings, answer IDMAP_DONE. No-op unless a
 * new user namespace is configured. */
int cove_userns_parent_sync(int sock, pid_t pid, const struct cove_config *c, struct cove_err *err);

/* Child side, first thing after clone3 (new userns) or after setns into a
 * joined one: in the new-userns case send READY_FOR_IDMAP and wait for
 * IDMAP_DONE; then become root (0:0, no supplementary groups) inside the
 * user namespace so that the rest of the setup runs with the namespace
 * root's ids. Joining by path happens here, before any other namespace. */
int cove_userns_child_setup(int sock, const struct cove_config *c, struct cove_err *err);

/* Give the container's root (host ids of container 0:0) the cgroup2 leaf
 * and its cgroup.procs, cgroup.subtree_control and cgroup.threads, so a
 * container manager inside may create sub-cgroups (cgroup v2 delegation).
 * Only on a unified host; no-op without a user namespace. */
int cove_userns_chown_cgroup(const struct cove_config *c, const struct cove_cgroup *cg, struct cove_err *err);

/* The runtime's own pid namespace, saved before clone3 (create.c may join
 * one by path: setns(CLONE_NEWPID) changes only the namespace of later
 * children) and restored after it, so hooks are not born in the
 * container's pid namespace. */
int cove_userns_pidns_prepare(const struct cove_config *c, int *saved, struct cove_err *err);
int cove_userns_pidns_restore(int *saved, struct cove_err *err);

/* Joining a user namespace by path AND creating a pid namespace: clone3
 * through a helper that first enters the user namespace (see userns.c).
 * Behaves like clone3(ca): returns the init's pid (and *pidfd) in the
 * runtime, 0 in the init. */
struct clone_args;
bool cove_userns_spawn_needs_helper(const struct cove_config *c);
pid_t cove_userns_clone_via_helper(const struct clone_args *ca, const struct cove_config *c, int *pidfd,
                                   struct cove_err *err);

/* Time namespace, parent side around clone3: unshare(CLONE_NEWTIME) for the
 * parent's future children only, write linux.timeOffsets to
 * /proc/self/timens_offsets, and remember the parent's own time namespace
 * in *saved (an fd). After clone3 cove_timens_restore puts the parent's
 * children-namespace back, so later children (hooks) stay in the host's
 * time namespace. *saved is -1 when nothing was done. */
int cove_timens_prepare(const struct cove_config *c, int *saved, struct cove_err *err);
int cove_timens_restore(int *saved, struct cove_err *err);
/* "monotonic S N\nboottime S N\n" for the configured clocks. Pure. */
int cove_timens_format_offsets(const struct cove_config *c, char *buf, size_t len);

#endif
