/* lib/fileio.h — small whole-file helpers: atomic write, bounded read,
 * mkdir -p, rm -r. Used by the state store, the config loader, the pid file, the
 * image store. */
#ifndef COVE_FILEIO_H
#define COVE_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"

/* Write a small file atomically: dirfd/name via a random O_EXCL temp +
 * fsync + rename. For what must survive a crash of the host (the image
 * store, a bundle's config.json). */
int cove_write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode, struct cove_err *err);
/* The same without the fsync: readers never see a partial file, but a
 * crash of the host may lose it. For the container state under --root,
 * which means nothing after a reboot (its processes are gone): runc does
 * not sync it either, and an fsync on a disk-backed /run costs
 * milliseconds per container (docs/benchmark.md). */
int cove_write_file_replace(int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                            struct cove_err *err);
/* Read a whole file (at most max bytes; EFBIG beyond). */
int cove_read_file(int dirfd, const char *path, size_t max, char **data, size_t *len, struct cove_err *err);
/* The same from an open fd (path only names it in errors). */
int cove_read_fd(int fd, const char *path, size_t max, char **data, size_t *len, struct cove_err *err);
/* mkdir -p path: each missing component with mode, existing ones left as
 * they are. Returns 0 or -errno and fills no cove_err, so each caller says
 * which root it was creating (the state root, the image root). */
int cove_mkdir_p(const char *path, mode_t mode);
/* rm -r without following symlinks: everything inside the directory
 * dirfd (the directory itself stays), or dirfd/name whatever it is (a
 * missing name is no error). Go on past a failing entry; return 0 or the
 * last -errno. */
int cove_rm_contents_at(int dirfd);
int cove_rm_tree_at(int dirfd, const char *name);

#endif
