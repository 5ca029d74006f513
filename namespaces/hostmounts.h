/* namespaces/hostmounts.h — the mounts of a container that has no mount
 * namespace of its own. The spec says a namespace left out of the config
 * is inherited; for the mount namespace that means the container's mounts
 * (proc, /dev, binds, ...) are made in the runtime's own, the host's,
 * below root.path, as runc does. runc leaves them there after delete;
 * cove records which mounts existed below root.path before the container
 * (in the state dir, before the clone) and removes every newer one with
 * the container: on delete, after a failed create, after a crash. */
#ifndef COVE_HOSTMOUNTS_H
#define COVE_HOSTMOUNTS_H

#include "lib/err.h"

/* state_dirfd/hostmounts: rootfs and the ids of the mounts below it now. */
int cove_hostmounts_record(int state_dirfd, const char *rootfs, struct cove_err *err);

/* Unmount (lazily, children first) every mount below the recorded rootfs
 * that was not there at record time. No file: nothing to do (0). */
int cove_hostmounts_remove(int state_dirfd, struct cove_err *err);

#endif
