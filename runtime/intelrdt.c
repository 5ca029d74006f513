/* runtime/intelrdt.c — see intelrdt.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "runtime/intelrdt.h"

#ifndef RDTGROUP_SUPER_MAGIC
#define RDTGROUP_SUPER_MAGIC 0x7655821
#endif

int cove_intelrdt_check_mounted(const char *root, struct cove_err *err) {
    struct statfs sf;
    if (statfs(root, &sf) < 0 || sf.f_type != RDTGROUP_SUPER_MAGIC)
        return cove_err_set(err, ENOTSUP,
                            "linux.intelRdt: resctrl is not mounted at %s (no Intel RDT / AMD QoS support, or "
                            "mount -t resctrl resctrl %s)", root, root);
    return 0;
}

static int append_line(char **buf, const char *line, struct cove_err *err) {
    char *n;
    if (asprintf(&n, "%s%s%s", *buf, **buf ? "\n" : "", line) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    free(*buf);
    *buf = n;
    return 0;
}

int cove_intelrdt_schemata(const struct cove_intel_rdt *r, char **out, struct cove_err *err) {
    _cleanup_free_ char *buf = strdup("");
    if (!buf)
        return cove_err_set(err, ENOMEM, "out of memory");
    if (r->l3_cache_schema && append_line(&buf, r->l3_cache_schema, err) < 0)
        return -ENOMEM;
    if (r->mem_bw_schema && append_line(&buf, r->mem_bw_schema, err) < 0)
        return -ENOMEM;
    for (size_t i = 0; i < r->n_schemata; i++)
        if (append_line(&buf, r->schemata[i], err) < 0)
            return -ENOMEM;
    *out = TAKE_PTR(buf);
    return 0;
}

/* The kernel explains a refused write in info/last_cmd_status. */
static void last_cmd_status(const char *root, char *buf, size_t len) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/info/last_cmd_status", root);
    buf[0] = '\0';
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, len - 1);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

/* One write per line. O_CREAT only matters on the unit tests' plain
 * directory; resctrl's files always exist. */
static int write_lines(const char *root, const char *dir, const char *file, const char *text, const char *field,
                       struct cove_err *err) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return cove_err_sys(err, errno, "%s: open %s", field, path);
    for (const char *s = text; *s;) {
        size_t n = strcspn(s, "\n");
        if (n == 0) {
            s++;
            continue;
        }
        _cleanup_free_ char *line = NULL;
        if (asprintf(&line, "%.*s\n", (int)n, s) < 0) {
            line = NULL;
            return cove_err_set(err, ENOMEM, "out of memory");
        }
        ssize_t w = write(fd, line, n + 1);
        if (w < 0 || (size_t)w != n + 1) {
            int e = w < 0 ? errno : EIO;
            char why[256];
            last_cmd_status(root, why, sizeof(why));
            return cove_err_sys(err, e, "%s: write \"%.*s\" to %s%s%s", field, (int)n, s, path, why[0] ? ": " : "",
                                why);
        }
        s += n;
        if (*s == '\n')
            s++;
    }
    return 0;
}

/* Compare line by line, ignoring surrounding blanks: an existing group
 * must already have every requested line (the kernel prints each resource
 * on its own line). */
static int check_existing_schemata(const char *dir, const char *want, struct cove_err *err) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/schemata", dir);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cove_err_sys(err, errno, "linux.intelRdt: open %s", path);
    char have[8192];
    ssize_t n = read(fd, have, sizeof(have) - 1);
    if (n < 0)
        return cove_err_sys(err, errno, "linux.intelRdt: read %s", path);
    have[n] = '\0';
    for (const char *s = want; *s;) {
        size_t len = strcspn(s, "\n");
        bool found = false;
        for (const char *h = have; *h && !found;) {
            while (*h == ' ' || *h == '\t')
                h++;
            size_t hl = strcspn(h, "\n");
            while (hl && (h[hl - 1] == ' ' || h[hl - 1] == '\t'))
                hl--;
            found = hl == len && !strncmp(h, s, len);
            h += strcspn(h, "\n");
            if (*h)
                h++;
        }
        if (!found)
            return cove_err_set(err, EEXIST,
                                "linux.intelRdt.closID: group %s exists with a different schemata (no line \"%.*s\")",
                                dir, (int)len, s);
        s += len;
        if (*s)
            s++;
    }
    return 0;
}

static int clos_setup(const char *root, const char *name, bool named, const char *schemata, struct cove_rdt_group *g,
                      struct cove_err *err) {
    if (asprintf(&g->clos_dir, "%s/%s", root, name) < 0) {
        g->clos_dir = NULL;
        return cove_err_set(err, ENOMEM, "out of memory");
    }
    const char *field = named ? "linux.intelRdt.closID" : "linux.intelRdt";
    if (mkdir(g->clos_dir, 0755) == 0) {
        g->clos_owned = true;
        return write_lines(root, g->clos_dir, "schemata", schemata, "linux.intelRdt", err);
    }
    if (errno != EEXIST)
        return cove_err_sys(err, errno, "%s: mkdir %s", field, g->clos_dir);
    if (!named) /* our own id: a leftover of a crashed container, not ours to reuse */
        return cove_err_set(err, EEXIST, "linux.intelRdt: %s already exists", g->clos_dir);
    return *schemata ? check_existing_schemata(g->clos_dir, schemata, err) : 0;
}

int cove_intelrdt_create(const char *root, const char *id, const struct cove_intel_rdt *r, struct cove_rdt_group *g,
                         struct cove_err *err) {
    memset(g, 0, sizeof(*g));
    _cleanup_free_ char *schemata = NULL;
    int ret = cove_intelrdt_schemata(r, &schemata, err);
    if (ret < 0)
        return ret;
    const char *name = r->clos_id ? r->clos_id : id;
    /* spec: a closID without any schema names a pre-configured group,
     * which must exist */
    if (r->clos_id && !*schemata) {
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof(path), "%s/%s", root, name);
        if (stat(path, &sb) < 0 || !S_ISDIR(sb.st_mode))
            return cove_err_set(err, ENOENT, "linux.intelRdt.closID: no pre-configured group %s", path);
    }
    ret = clos_setup(root, name, r->clos_id != NULL, schemata, g, err);
    if (ret == 0 && r->enable_monitoring) {
        if (asprintf(&g->mon_dir, "%s/mon_groups/%s", g->clos_dir, id) < 0) {
            g->mon_dir = NULL;
            ret = cove_err_set(err, ENOMEM, "out of memory");
        } else if (mkdir(g->mon_dir, 0755) < 0) {
            ret = cove_err_sys(err, errno, "linux.intelRdt.enableMonitoring: mkdir %s", g->mon_dir);
            free(g->mon_dir);
            g->mon_dir = NULL;
        }
    }
    if (ret < 0) {
        struct cove_err ignored = {0};
        cove_intelrdt_remove(g, &ignored);
        cove_rdt_group_free(g);
    }
    return ret;
}

int cove_intelrdt_add_pid(const struct cove_rdt_group *g, pid_t pid, struct cove_err *err) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%d", (int)pid);
    int r = 0;
    /* the root is only used for last_cmd_status: it is the parent of clos_dir */
    _cleanup_free_ char *root = g->clos_dir ? strdup(g->clos_dir) : NULL;
    if (root && strrchr(root, '/'))
        *strrchr(root, '/') = '\0';
    if (g->clos_dir && (r = write_lines(root, g->clos_dir, "tasks", buf, "linux.intelRdt", err)) < 0)
        return r;
    if (g->mon_dir &&
        (r = write_lines(root, g->mon_dir, "tasks", buf, "linux.intelRdt.enableMonitoring", err)) < 0)
        return r;
    return 0;
}

int cove_intelrdt_remove(const struct cove_rdt_group *g, struct cove_err *err) {
    int r = 0;
    if (g->mon_dir && rmdir(g->mon_dir) < 0 && errno != ENOENT)
        r = cove_err_sys(err, errno, "linux.intelRdt: rmdir %s", g->mon_dir);
    if (g->clos_owned && g->clos_dir && rmdir(g->clos_dir) < 0 && errno != ENOENT && r == 0)
        r = cove_err_sys(err, errno, "linux.intelRdt: rmdir %s", g->clos_dir);
    return r;
}

void cove_rdt_group_free(struct cove_rdt_group *g) {
    free(g->clos_dir);
    free(g->mon_dir);
    g->clos_dir = g->mon_dir = NULL;
    g->clos_owned = false;
}
