/* runtime/seccomp.h — linux.seccomp to a BPF program. The program is built
 * in the parent (before clone) and installed by the child as late as
 * possible before exec. */
#ifndef COVE_SECCOMP_H
#define COVE_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include "runtime/config/config.h"
#include "lib/err.h"

struct cove_seccomp_prog {
    struct sock_fprog prog;   /* filter, owned (prog.filter malloc'd) */
    unsigned flags;           /* SECCOMP_FILTER_FLAG_* to pass to seccomp(2) */
    bool notify;              /* has a NOTIFY rule: install returns a listener fd */
};

/* Compile; skips syscall names libseccomp does not know (as runc does). */
int cove_seccomp_build(const struct cove_seccomp *s, struct cove_seccomp_prog *out, struct cove_err *err);

/* In the child: install with seccomp(SECCOMP_SET_MODE_FILTER). Sets
 * *listener_fd when the program has NOTIFY rules (else -1). */
int cove_seccomp_install(const struct cove_seccomp_prog *p, int *listener_fd, struct cove_err *err);

void cove_seccomp_prog_free(struct cove_seccomp_prog *p);

/* cove_seccomp_build through a compiled-filter cache in cache_dir (used
 * only when it is ours and writable by nobody else; see seccomp_cache.c).
 * Only reads: a missing, unreadable or corrupt entry is compiled and *miss
 * set, and the caller stores it with cove_seccomp_cache_store once that
 * may create files. cache_dir NULL: plain build. */
int cove_seccomp_build_cached(const struct cove_seccomp *s, const char *cache_dir, struct cove_seccomp_prog *out,
                              bool *miss, struct cove_err *err);
/* Store p as s's entry, creating cache_dir (0700) when missing. Best
 * effort: failing costs speed next time, nothing else. */
void cove_seccomp_cache_store(const struct cove_seccomp *s, const char *cache_dir, const struct cove_seccomp_prog *p);

/* Validate names used by config.c: action, operator, arch and flag names. */

#endif
