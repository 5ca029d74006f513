/* runtime/logfile.c — the container log of detached containers (see
 * shim.h for the format): the writer cove-shim uses, with its size cap and
 * single rotation, and the reader behind `cove logs [-f]`. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "runtime/container.h"
#include "runtime/supervise.h"
#include "runtime/state.h"

/* ---------------------------------------------------------------- writer */

static int logfile_reopen(struct cove_logfile *lf, struct cove_err *err) {
    int fd = openat(lf->dirfd, lf->name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return cove_err_sys(err, errno, "open %s", lf->name);
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        int e = errno;
        close(fd);
        return cove_err_sys(err, e, "stat %s", lf->name);
    }
    if (lf->fd >= 0)
        close(lf->fd);
    lf->fd = fd;
    lf->size = (uint64_t)sb.st_size;
    return 0;
}

int cove_logfile_open(struct cove_logfile *lf, int dirfd, const char *name, uint64_t max, struct cove_err *err) {
    memset(lf, 0, sizeof(*lf));
    lf->fd = -1;
    lf->dirfd = dirfd;
    lf->max = max;
    if (snprintf(lf->name, sizeof(lf->name), "%s", name) >= (int)sizeof(lf->name))
        return cove_err_set(err, ENAMETOOLONG, "log file name %s: too long", name);
    return logfile_reopen(lf, err);
}

/* Keep one old generation: the newest output always fits, and the disk use
 * of a chatty container is bounded by 2 × max. */
static int logfile_rotate(struct cove_logfile *lf, struct cove_err *err) {
    char old[sizeof(lf->name) + 2];
    snprintf(old, sizeof(old), "%s.1", lf->name);
    if (renameat(lf->dirfd, lf->name, lf->dirfd, old) < 0)
        return cove_err_sys(err, errno, "rotate %s to %s", lf->name, old);
    close(lf->fd);
    lf->fd = -1;
    return logfile_reopen(lf, err);
}

static int logfile_record(struct cove_logfile *lf, const char *stream, bool partial, const char *text, size_t len,
                          struct cove_err *err) {
    char head[128], ts[64];
    cove_time_rfc3339(ts);
    int hn = snprintf(head, sizeof(head), "%s %s %c ", ts, stream, partial ? 'P' : 'F');
    if (hn < 0 || hn >= (int)sizeof(head))
        return cove_err_set(err, EINVAL, "log stream name %s: too long", stream);
    uint64_t total = (uint64_t)hn + len + 1;
    int r;
    if (lf->size > 0 && lf->size + total > lf->max && (r = logfile_rotate(lf, err)) < 0)
        return r;
    struct iovec iov[3] = {{head, (size_t)hn}, {(void *)text, len}, {"\n", 1}};
    /* one writev per record: a concurrent reader sees whole lines */
    ssize_t w = writev(lf->fd, iov, 3);
    if (w < 0)
        return cove_err_sys(err, errno, "write %s", lf->name);
    lf->size += (uint64_t)w;
    return 0;
}

int cove_logfile_write(struct cove_logfile *lf, const char *stream, const char *data, size_t len,
                       struct cove_err *err) {
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        size_t n = nl ? (size_t)(nl - data) : len;
        int r = logfile_record(lf, stream, !nl, data, n, err);
        if (r < 0)
            return r;
        n += nl ? 1 : 0;
        data += n;
        len -= n;
    }
    return 0;
}

void cove_logfile_close(struct cove_logfile *lf) {
    if (lf->fd >= 0)
        close(lf->fd);
    lf->fd = -1;
}

/* ---------------------------------------------------------------- reader */

static size_t field(const char *s, size_t len) {
    const char *sp = memchr(s, ' ', len);
    return sp ? (size_t)(sp - s) : len;
}

int cove_log_parse_line(const char *line, size_t len, struct cove_log_record *rec) {
    memset(rec, 0, sizeof(*rec));
    size_t n = field(line, len);
    if (n == 0 || n == len)
        return -EINVAL;
    rec->time = line;
    rec->time_len = n;
    line += n + 1;
    len -= n + 1;
    if ((n = field(line, len)) == 0 || n == len)
        return -EINVAL;
    rec->stream = line;
    rec->stream_len = n;
    line += n + 1;
    len -= n + 1;
    /* the tag, then one space, then the text (which may be empty) */
    if (len < 2 || (line[0] != 'F' && line[0] != 'P') || line[1] != ' ')
        return -EINVAL;
    rec->partial = line[0] == 'P';
    rec->text = line + 2;
    rec->text_len = len - 2;
    return 0;
}

#define LINE_MAX_LEN (256u << 10)

struct log_reader {
    int fd;
    char *buf;
    size_t used;
};

static void reader_close(struct log_reader *lr) {
    if (lr->fd >= 0)
        close(lr->fd);
    free(lr->buf);
    lr->fd = -1;
    lr->buf = NULL;
    lr->used = 0;
}

/* Emit every complete line available now; an incomplete last line stays
 * buffered until the rest is written. */
static int reader_drain(struct log_reader *lr, cove_log_emit_fn emit, void *ud, struct cove_err *err) {
    if (lr->fd < 0)
        return 0;
    if (!lr->buf && !(lr->buf = malloc(LINE_MAX_LEN)))
        return cove_err_set(err, ENOMEM, "out of memory");
    for (;;) {
        ssize_t n = read(lr->fd, lr->buf + lr->used, LINE_MAX_LEN - lr->used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return cove_err_sys(err, errno, "read " COVE_LOG_FILE);
        if (n == 0)
            return 0;
        lr->used += (size_t)n;
        char *p = lr->buf, *end = lr->buf + lr->used, *nl;
        while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
            struct cove_log_record rec;
            if (cove_log_parse_line(p, (size_t)(nl - p), &rec) == 0) {
                int r = emit(&rec, ud);
                if (r < 0)
                    return r;
            }
            p = nl + 1;
        }
        lr->used = (size_t)(end - p);
        memmove(lr->buf, p, lr->used);
        if (lr->used == LINE_MAX_LEN) /* not our format: drop it */
            lr->used = 0;
    }
}

/* The recorder (shim or foreground run) is done once the exit file holds a
 * code (written after the last log record) or its lock is free. */
static bool recorder_done(int exit_fd) {
    struct stat sb;
    if (exit_fd < 0 || (fstat(exit_fd, &sb) == 0 && sb.st_size > 0))
        return true;
    if (flock(exit_fd, LOCK_SH | LOCK_NB) == 0) {
        flock(exit_fd, LOCK_UN);
        return true;
    }
    return false;
}

/* ctr.log was rotated when the name no longer points at our inode. */
static int reader_follow_rotation(struct log_reader *lr, int dirfd, cove_log_emit_fn emit, void *ud,
                                  struct cove_err *err) {
    struct stat a, b;
    if (fstat(lr->fd, &a) < 0 || fstatat(dirfd, COVE_LOG_FILE, &b, 0) < 0)
        return 0;
    if (a.st_ino == b.st_ino && a.st_dev == b.st_dev)
        return 0;
    int r = reader_drain(lr, emit, ud, err);
    if (r < 0)
        return r;
    int fd = openat(dirfd, COVE_LOG_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    close(lr->fd);
    lr->fd = fd;
    lr->used = 0;
    return reader_drain(lr, emit, ud, err);
}

static int logs_follow(const char *dir, int dirfd, int exit_fd, struct log_reader *lr, cove_log_emit_fn emit,
                       void *ud, struct cove_err *err) {
    _cleanup_close_ int ino = inotify_init1(IN_CLOEXEC);
    if (ino < 0)
        return cove_err_sys(err, errno, "inotify_init1");
    /* added before the first done-check, so no write can slip between them */
    if (inotify_add_watch(ino, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF) < 0)
        return cove_err_sys(err, errno, "inotify_add_watch %s", dir);
    char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        bool done = recorder_done(exit_fd);
        int r = reader_follow_rotation(lr, dirfd, emit, ud, err);
        if (r < 0 || (r = reader_drain(lr, emit, ud, err)) < 0)
            return r;
        if (done)
            return 0;
        ssize_t n = read(ino, ev, sizeof(ev));
        if (n < 0 && errno != EINTR)
            return cove_err_sys(err, errno, "read inotify");
        for (char *p = ev; n > 0 && p < ev + n;) {
            const struct inotify_event *e = (const struct inotify_event *)p;
            if (e->mask & (IN_IGNORED | IN_DELETE_SELF)) {
                /* deleted under us: the recorder still finishes; wait for it */
                while (flock(exit_fd, LOCK_SH) < 0 && errno == EINTR)
                    ;
                return reader_drain(lr, emit, ud, err);
            }
            p += sizeof(*e) + e->len;
        }
    }
}

int cove_container_logs(const char *root, const char *id, bool follow, cove_log_emit_fn emit, void *userdata,
                        struct cove_err *err) {
    struct cove_store st;
    int r = cove_store_open(root, id, &st, err);
    if (r < 0)
        return r;
    /* our own descriptors, then drop the lock: logs must not block the shim */
    _cleanup_close_ int dirfd = openat(st.dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int exit_fd = openat(st.dirfd, COVE_EXIT_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct log_reader old = {.fd = openat(st.dirfd, COVE_LOG_FILE ".1", O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
    struct log_reader cur = {.fd = openat(st.dirfd, COVE_LOG_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
    _cleanup_free_ char *dir = strdup(st.dir);
    cove_store_close(&st);
    if (dirfd < 0 || !dir)
        r = cove_err_sys(err, dirfd < 0 ? errno : ENOMEM, "open state directory of \"%s\"", id);
    else if (cur.fd < 0)
        r = cove_err_set(err, ENOENT,
                         "container \"%s\" has no log: only detached containers (run -d, create --shim) are logged", id);
    else if ((r = reader_drain(&old, emit, userdata, err)) == 0)
        r = follow ? logs_follow(dir, dirfd, exit_fd, &cur, emit, userdata, err)
                   : reader_drain(&cur, emit, userdata, err);
    reader_close(&old);
    reader_close(&cur);
    return r;
}
