/* lib/selfexe.h — run only from a read-only image of ourselves
 * (CVE-2019-5736; docs/security.md).
 *
 * Every process cove puts into a container is a clone of the cove binary
 * until its execve, and the kernel lets the workload's execve reach that
 * binary again through /proc/self/exe ("#!/proc/self/exe", a symlink, an
 * ELF interpreter path). The host's binary then runs as container root with
 * the image's dynamic loader, which can keep /proc/self/exe open and write
 * it once it is no longer busy. So the binaries that enter containers
 * (cove create/run/exec, cove-shim, cove-image sandbox) re-execute
 * themselves, before they touch a container, from an image nobody can
 * write: a detached read-only bind mount of the binary (open_tree +
 * mount_setattr, no copy), or, where mounting is not allowed (no
 * CAP_SYS_ADMIN, old kernels), a sealed memfd copy. */
#ifndef COVE_SELFEXE_H
#define COVE_SELFEXE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

/* The original path of a protected image travels in this variable across
 * the re-exec: a read-only clone's /proc/self/exe says "/", a memfd's
 * "/memfd:..", and sibling binaries (cove-shim, cove-image) are found next
 * to the original. Honoured only by a process that runs from such a clone,
 * and removed from the environment at start. */
#define COVE_SELFEXE_ENV "_COVE_SELF_EXE"

/* Call first in main(): reads and removes COVE_SELFEXE_ENV, so nothing
 * this process starts inherits it. */
void cove_selfexe_init(void);

/* Return 0 when /proc/self/exe already cannot be written (a sealed memfd
 * or a read-only mount); otherwise re-execute argv from a read-only clone
 * of it, which does not return on success. -errno with err filled when no
 * protected image can be made: the caller must not enter a container. */
int cove_selfexe_protect(char **argv, struct cove_err *err);

/* True when the running image cannot be written (what protect ensures). */
bool cove_selfexe_is_protected(void);

/* execv(path, argv) from a read-only clone of path, so the new program
 * starts protected (the shim, cove-image). Returns only on failure. */
int cove_selfexe_exec(const char *path, char **argv, struct cove_err *err);

/* Path of a binary NAME installed next to this one (the original path, not
 * the clone's). */
int cove_selfexe_sibling(const char *name, char *buf, size_t len, struct cove_err *err);
/* The helper binary NAME (cove-shim, cove-image): its sibling, or in a
 * development build (COVE_DEV_ENV) the path in the variable dev_env. */
int cove_selfexe_helper(const char *name, const char *dev_env, char *buf, size_t len, struct cove_err *err);

#endif
