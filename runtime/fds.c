/* runtime/fds.c — see fds.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "runtime/fds.h"
#include "lib/syscalls.h"

unsigned cove_fds_listen_count(void) {
    const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
    if (!fds || !pid)
        return 0;
    char *end;
    errno = 0;
    unsigned long p = strtoul(pid, &end, 10);
    /* the variables are meant for the process systemd started; a child
     * that inherited them must not take fds that are not its own */
    if (errno || *end || p != (unsigned long)getpid())
        return 0;
    unsigned long n = strtoul(fds, &end, 10);
    if (errno || *end || n > 4096)
        return 0;
    return (unsigned)n;
}

int cove_fds_env_set(struct cove_process *p, const char *name, const char *value, struct cove_err *err) {
    _cleanup_free_ char *kv = NULL;
    if (asprintf(&kv, "%s=%s", name, value) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    size_t len = strlen(name);
    for (size_t i = 0; i < p->n_env; i++) {
        if (strncmp(p->env[i], name, len) == 0 && p->env[i][len] == '=') {
            free(p->env[i]);
            p->env[i] = TAKE_PTR(kv);
            return 0;
        }
    }
    char **v = realloc(p->env, (p->n_env + 2) * sizeof(*v));
    if (!v)
        return cove_err_set(err, ENOMEM, "out of memory");
    p->env = v;
    v[p->n_env++] = TAKE_PTR(kv);
    v[p->n_env] = NULL;
    return 0;
}

int cove_fds_apply_listen(struct cove_process *p, unsigned n, struct cove_err *err) {
    if (n == 0)
        return 0;
    char buf[16];
    snprintf(buf, sizeof(buf), "%u", n);
    int r = cove_fds_env_set(p, "LISTEN_FDS", buf, err);
    if (r == 0)
        r = cove_fds_env_set(p, "LISTEN_PID", "1", err);
    return r;
}

int cove_fds_move_above(int *fd, unsigned min, struct cove_err *err) {
    if (*fd < 0 || (unsigned)*fd >= min)
        return 0;
    int n = fcntl(*fd, F_DUPFD_CLOEXEC, (int)min);
    if (n < 0)
        return cove_err_sys(err, errno, "fcntl(F_DUPFD_CLOEXEC) fd %d", *fd);
    close(*fd);
    *fd = n;
    return 0;
}

static int cmp_int(const void *a, const void *b) {
    return *(const int *)a - *(const int *)b;
}

int cove_fds_close_inherited(unsigned n, const int *keep, size_t nkeep, struct cove_err *err) {
    unsigned first = 3 + n;
    for (unsigned fd = 3; fd < first; fd++) {
        int fl = fcntl((int)fd, F_GETFD);
        if (fl >= 0 && fcntl((int)fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
            return cove_err_sys(err, errno, "--preserve-fds: fd %u", fd);
    }
    int kept[8];
    size_t k = 0;
    for (size_t i = 0; i < nkeep && k < ARRAY_SIZE(kept); i++)
        if (keep[i] >= (int)first)
            kept[k++] = keep[i];
    qsort(kept, k, sizeof(int), cmp_int);
    unsigned from = first;
    for (size_t i = 0; i <= k; i++) {
        unsigned to = i < k ? (unsigned)kept[i] : ~0U;
        if (to > from && cove_close_range(from, i < k ? to - 1 : ~0U, 0) < 0)
            return cove_err_sys(err, errno, "close_range");
        if (i < k) {
            if (fcntl(kept[i], F_SETFD, FD_CLOEXEC) < 0)
                return cove_err_sys(err, errno, "fcntl fd %d", kept[i]);
            from = to + 1;
        }
    }
    return 0;
}

int cove_fds_reserve(unsigned n, struct cove_err *err) {
    /* a hole in 3..3+n-1 would be taken by the next fd cove opens (a
     * socket, the state dir...), which would then be handed to the
     * container: fill holes with /dev/null first */
    for (unsigned fd = 3; fd < 3 + n; fd++) {
        if (fcntl((int)fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        int nfd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (nfd < 0)
            return cove_err_sys(err, errno, "--preserve-fds: open /dev/null");
        if ((unsigned)nfd != fd) {
            int d = dup3(nfd, (int)fd, O_CLOEXEC);
            close(nfd);
            if (d < 0)
                return cove_err_sys(err, errno, "--preserve-fds: dup3 to fd %u", fd);
        }
    }
    return 0;
}
