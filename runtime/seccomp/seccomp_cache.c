/* runtime/seccomp/seccomp_cache.c — compiled-filter cache for cove_seccomp_build.
 *
 * Compiling a full default profile with libseccomp costs milliseconds on
 * every container start; the result only depends on the profile, the
 * native architecture and the libseccomp version, so it is cached.
 *
 * File: <cache_dir>/<16 hex digits of key>.bpf, where key is FNV-1a 64 of a
 * canonical serialisation of everything that feeds the compiler. Layout:
 *   struct cache_header | canonical profile (canon_len bytes) | sock_filter[n_insns]
 * The canonical bytes are stored and compared on load, so a hash collision
 * can only cause a miss, never a wrong filter. insn_sum (FNV-1a of the
 * instructions) catches torn or corrupted files. Anything that does not
 * verify is a miss and gets rebuilt and replaced.
 *
 * Trust: a cache file is a seccomp filter the container will run under, so
 * the cache directory must be writable only by the runtime. Files not owned
 * by our euid, or writable by group/other, are ignored.
 *
 * Writes are atomic (temp file, fsync, rename, fsync dir) and best effort:
 * a read-only or full cache directory costs speed, never a container. A
 * lookup only reads; the directory and a new entry are written after the
 * container exists (cove_seccomp_cache_store), so a create that fails
 * leaves nothing behind.
 */
#include "runtime/seccomp/seccomp.h"

#include <fcntl.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"

#define CACHE_MAGIC "COVESECC"
#define CACHE_FORMAT 2u /* 2: the ENOSYS stub for syscalls newer than the profile */
/* Bounds a file we are willing to read: a filter is at most BPF_MAXINSNS
 * instructions and the canonical profile is small (a large default profile
 * serialises to ~10 KiB). */
#define CACHE_MAX_CANON (4u << 20)

struct cache_header {
    char magic[8];
    uint32_t format;
    uint32_t flags;       /* SECCOMP_FILTER_FLAG_* */
    uint32_t notify;
    uint32_t n_insns;
    uint64_t key;
    uint64_t canon_len;
    uint64_t insn_sum;
};

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv1a(uint64_t h, const void *data, size_t len) {
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

/* ---------------------------------------------------- canonical profile */

struct canon {
    unsigned char *buf;
    size_t len, cap;
    bool oom;
};

static void canon_put(struct canon *c, const void *data, size_t len) {
    if (c->oom)
        return;
    if (c->len + len > c->cap) {
        size_t cap = c->cap ? c->cap : 4096;
        while (cap < c->len + len)
            cap *= 2;
        unsigned char *nb = realloc(c->buf, cap);
        if (!nb) {
            c->oom = true;
            return;
        }
        c->buf = nb;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, data, len);
    c->len += len;
}

static void canon_u64(struct canon *c, uint64_t v) { canon_put(c, &v, sizeof(v)); }

/* Length-prefixed, so ["ab","c"] and ["a","bc"] differ. NULL differs from "". */
static void canon_str(struct canon *c, const char *s) {
    if (!s) {
        canon_u64(c, UINT64_MAX);
        return;
    }
    size_t n = strlen(s);
    canon_u64(c, n);
    canon_put(c, s, n);
}

static void canon_strv(struct canon *c, char **v, size_t n) {
    canon_u64(c, n);
    for (size_t i = 0; i < n; i++)
        canon_str(c, v[i]);
}

/* Everything that changes the compiled program, and nothing else
 * (listenerPath/listenerMetadata do not reach the BPF). */
static int canon_profile(const struct cove_seccomp *s, struct canon *c) {
    const struct scmp_version *v = seccomp_version();
    canon_put(c, CACHE_MAGIC, 8);
    canon_u64(c, CACHE_FORMAT);
    canon_u64(c, ((uint64_t)v->major << 32) | ((uint64_t)v->minor << 16) | v->micro);
    canon_u64(c, seccomp_arch_native());
    canon_u64(c, (uint64_t)s->default_action);
    canon_u64(c, s->has_default_errno_ret);
    canon_u64(c, s->default_errno_ret);
    canon_strv(c, s->architectures, s->n_architectures);
    canon_strv(c, s->flags, s->n_flags);
    canon_u64(c, s->n_syscalls);
    for (size_t i = 0; i < s->n_syscalls; i++) {
        const struct cove_seccomp_rule *r = &s->syscalls[i];
        canon_strv(c, r->names, r->n_names);
        canon_u64(c, (uint64_t)r->action);
        canon_u64(c, r->has_errno_ret);
        canon_u64(c, r->errno_ret);
        canon_u64(c, r->n_args);
        for (size_t a = 0; a < r->n_args; a++) {
            canon_u64(c, r->args[a].index);
            canon_u64(c, (uint64_t)r->args[a].op);
            canon_u64(c, r->args[a].value);
            canon_u64(c, r->args[a].value_two);
        }
    }
    return c->oom ? -ENOMEM : 0;
}

/* ---------------------------------------------------------------- load */

/* Read into rbuf, or write wbuf, exactly len bytes: short transfers and
 * EINTR are retried, end of file is -EIO. */
static int io_all(int fd, void *rbuf, const void *wbuf, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = rbuf ? read(fd, (char *)rbuf + done, len - done) : write(fd, (const char *)wbuf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        done += (size_t)n;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t len) {
    return io_all(fd, buf, NULL, len);
}

/* Returns 1 and fills *out on a verified hit, 0 on any miss. */
static int cache_load(int dirfd, const char *name, const struct canon *c, uint64_t key, struct cove_seccomp_prog *out) {
    _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022))
        return 0;
    struct cache_header h;
    if (read_all(fd, &h, sizeof(h)) < 0)
        return 0;
    if (memcmp(h.magic, CACHE_MAGIC, 8) != 0 || h.format != CACHE_FORMAT || h.key != key || h.canon_len != c->len ||
        h.n_insns == 0 || h.n_insns > BPF_MAXINSNS)
        return 0;
    size_t insn_bytes = (size_t)h.n_insns * sizeof(struct sock_filter);
    if ((uint64_t)st.st_size != sizeof(h) + h.canon_len + insn_bytes)
        return 0;
    _cleanup_free_ unsigned char *canon = malloc(c->len);
    _cleanup_free_ struct sock_filter *insns = malloc(insn_bytes);
    if (!canon || !insns)
        return 0;
    if (read_all(fd, canon, c->len) < 0 || memcmp(canon, c->buf, c->len) != 0)
        return 0;
    if (read_all(fd, insns, insn_bytes) < 0 || fnv1a(FNV_OFFSET, insns, insn_bytes) != h.insn_sum)
        return 0;
    *out = (struct cove_seccomp_prog){
        .prog = { .len = (unsigned short)h.n_insns, .filter = TAKE_PTR(insns) },
        .flags = h.flags,
        .notify = h.notify != 0,
    };
    return 1;
}

/* --------------------------------------------------------------- store */

static int write_all(int fd, const void *buf, size_t len) {
    return io_all(fd, NULL, buf, len);
}

static int cache_store(int dirfd, const char *name, const struct canon *c, uint64_t key, const struct cove_seccomp_prog *p) {
    char tmp[64];
    snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
    size_t insn_bytes = (size_t)p->prog.len * sizeof(struct sock_filter);
    struct cache_header h = {
        .format = CACHE_FORMAT,
        .flags = p->flags,
        .notify = p->notify,
        .n_insns = p->prog.len,
        .key = key,
        .canon_len = c->len,
        .insn_sum = fnv1a(FNV_OFFSET, p->prog.filter, insn_bytes),
    };
    memcpy(h.magic, CACHE_MAGIC, 8);

    (void)unlinkat(dirfd, tmp, 0);  /* a leftover from a crashed run with our pid */
    _cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -errno;
    int r = write_all(fd, &h, sizeof(h));
    if (r == 0)
        r = write_all(fd, c->buf, c->len);
    if (r == 0)
        r = write_all(fd, p->prog.filter, insn_bytes);
    if (r == 0 && fsync(fd) < 0)
        r = -errno;
    if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
        r = -errno;
    if (r < 0) {
        (void)unlinkat(dirfd, tmp, 0);
        return r;
    }
    (void)fsync(dirfd);  /* make the rename durable; a lost entry is only a miss */
    return 0;
}

/* The cache directory, if it is one we trust: a directory of our euid
 * that nobody else may write. -1 otherwise. */
static int cache_dir_open(const char *cache_dir) {
    int fd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct stat sb;
    if (fd >= 0 && (fstat(fd, &sb) < 0 || sb.st_uid != geteuid() || (sb.st_mode & 022))) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The key and file name of s; -1 when it cannot be keyed. c->buf is the
 * caller's to free. */
static int cache_key(const struct cove_seccomp *s, struct canon *c, uint64_t *key, char name[32]) {
    *c = (struct canon){0};
    if (canon_profile(s, c) < 0 || c->len > CACHE_MAX_CANON)
        return -1;
    *key = fnv1a(FNV_OFFSET, c->buf, c->len);
    snprintf(name, 32, "%016" PRIx64 ".bpf", *key);
    return 0;
}

int cove_seccomp_build_cached(const struct cove_seccomp *s, const char *cache_dir, struct cove_seccomp_prog *out,
                              bool *miss, struct cove_err *err) {
    *miss = false;
    struct canon c = {0};
    uint64_t key;
    char name[32];
    int keyed = cache_dir ? cache_key(s, &c, &key, name) : -1;
    _cleanup_free_ unsigned char *canon_buf = c.buf;
    if (keyed < 0)  /* no cache, or cannot key it: just compile */
        return cove_seccomp_build(s, out, err);
    _cleanup_close_ int dirfd = cache_dir_open(cache_dir);
    if (dirfd >= 0 && cache_load(dirfd, name, &c, key, out) == 1)
        return 0;
    int r = cove_seccomp_build(s, out, err);
    if (r == 0)
        *miss = true;
    return r;
}

void cove_seccomp_cache_store(const struct cove_seccomp *s, const char *cache_dir, const struct cove_seccomp_prog *p) {
    struct canon c = {0};
    uint64_t key;
    char name[32];
    int keyed = cache_dir ? cache_key(s, &c, &key, name) : -1;
    _cleanup_free_ unsigned char *canon_buf = c.buf;
    if (keyed < 0)
        return;
    (void)mkdir(cache_dir, 0700);
    _cleanup_close_ int dirfd = cache_dir_open(cache_dir);
    if (dirfd >= 0)
        (void)cache_store(dirfd, name, &c, key, p);
}
