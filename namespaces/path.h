/* namespaces/path.h — the one place that resolves paths inside a rootfs.
 * Every lookup goes through openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
 * relative to an fd of the rootfs, so a symlink inside the rootfs can never
 * lead out of it (CVE-2021-30465 class). */
#ifndef COVE_PATH_H
#define COVE_PATH_H

#include <stdbool.h>
#include <sys/types.h>
#include "lib/err.h"

/* Open path (absolute or relative, interpreted inside rootfd) with flags
 * (O_CLOEXEC is added). Returns fd >= 0 or -errno. */
int cove_path_open_in_root(int rootfd, const char *path, int flags, struct cove_err *err);

/* Ensure path exists inside rootfd, creating missing parent directories
 * (mode 0755) and the last component as a directory (is_dir) or an empty
 * regular file; returns an O_PATH fd of it (>= 0) or -errno. Never follows a
 * symlink out of rootfd. */
int cove_path_mkdir_p_in_root(int rootfd, const char *path, bool is_dir, struct cove_err *err);

/* Lexically clean an absolute or relative path: collapse "//", ".", and
 * resolve ".." without going above "/". Pure. Returns malloc'd string. */
char *cove_path_clean(const char *path);

#endif
