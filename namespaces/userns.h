/* namespaces/userns.h — user and time namespaces: the id maps the parent
 * writes for the container's init, joining a user namespace and becoming
 * root in it, the clone helper for a pid namespace inside a joined user
 * namespace, and the time namespace offsets. Design notes: docs/userns.md.
 * When the parent and the init talk about it (READY_FOR_IDMAP, IDMAP_DONE)
 * is the protocol's business: runtime/protocol.h. */
#ifndef COVE_NAMESPACES_USERNS_H
#define COVE_NAMESPACES_USERNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/config/config.h"
#include "lib/err.h"

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

/* Pure: the map is one line mapping the host id self alone. */
bool cove_userns_map_is_self(const struct cove_idmap *m, size_t n, uint32_t self);
/* The container's linux.uidMappings/gidMappings onto the new user
 * namespace of pid, by whoever may: root writes them; an ordinary user
 * writes a map of its own uid/gid alone (setgroups denied, as the kernel
 * requires) and hands anything else to newuidmap/newgidmap. */
int cove_userns_set_maps(pid_t pid, const struct cove_idmap *uid, size_t nu, const struct cove_idmap *gid,
                         size_t ng, struct cove_err *err);

/* Child side. Enter the user namespace at path (first of all namespaces:
 * joining the others needs the privileges held in this one). */
int cove_userns_join(const char *path, struct cove_err *err);
/* After joining one by path: unshare the configured new mount, uts, ipc
 * and net namespaces so that the joined user namespace owns them. */
int cove_userns_unshare_after_join(const struct cove_config *c, struct cove_err *err);
/* Become 0:0 with no supplementary groups inside the user namespace. */
int cove_userns_become_root(struct cove_err *err);

/* Joining a user namespace by path AND creating a pid namespace: clone3
 * through a helper that first enters the user namespace (see userns.c).
 * Behaves like clone3(ca): returns the init's pid (and *pidfd) in the
 * runtime, 0 in the init. */
struct clone_args;
bool cove_userns_spawn_needs_helper(const struct cove_config *c);
/* The helper itself: a short-lived child that setns(nsfd, nstype) (a
 * user namespace fd, or a pidfd with CLONE_NEWUSER|CLONE_NEWPID), with
 * new_pid unshares a pid namespace, and clone3(ca | CLONE_PARENT)s the
 * real child, which is thus the caller's child, born in those namespaces
 * (`exec` by an ordinary user: joining a pid namespace needs the
 * privileges held only inside the container's user namespace). what
 * prefixes the error. */
pid_t cove_clone_via_helper(const struct clone_args *ca, int nsfd, int nstype, bool new_pid, const char *what,
                            int *pidfd, struct cove_err *err);
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
