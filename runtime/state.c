/* runtime/state.c — see state.h. The state file is cove's own format
 * (docs/state.md); it is read back only by cove. */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "runtime/cgops.h"
#include "lib/cleanup.h"
#include "runtime/state.h"

#define STATE_FILE "state.json"
#define STATE_MAX (1u << 20)

const char *cove_status_name(enum cove_status s) {
    switch (s) {
    case COVE_STATUS_CREATING: return "creating";
    case COVE_STATUS_CREATED: return "created";
    case COVE_STATUS_RUNNING: return "running";
    case COVE_STATUS_PAUSED: return "paused";
    case COVE_STATUS_STOPPED: return "stopped";
    }
    return "unknown";
}

int cove_state_validate_id(const char *id, struct cove_err *err) {
    if (!id || !*id)
        return cove_err_set(err, EINVAL, "container id cannot be empty");
    size_t n = strlen(id);
    if (n > COVE_ID_MAX)
        return cove_err_set(err, EINVAL, "invalid id format: longer than %d bytes", COVE_ID_MAX);
    if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return cove_err_set(err, EINVAL, "invalid id format: %s", id);
    for (const char *p = id; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (!(isalnum(ch) || ch == '_' || ch == '+' || ch == '-' || ch == '.'))
            return cove_err_set(err, EINVAL, "invalid id format: %s", id);
    }
    return 0;
}

/* ---------------------------------------------------------------- store */

static int store_lock(struct cove_store *st, const char *id, struct cove_err *err) {
    if (flock(st->dirfd, LOCK_EX) < 0)
        return cove_err_sys(err, errno, "lock %s", st->dir);
    /* A concurrent delete may have removed the directory while we waited. */
    struct stat sb;
    if (fstat(st->dirfd, &sb) < 0 || sb.st_nlink == 0)
        return cove_err_set(err, ENOENT, "container \"%s\" does not exist", id);
    return 0;
}

int cove_store_root_check(const char *root, struct cove_err *err) {
    if (root && *root)
        return 0;
    return cove_err_set(err, EINVAL, "--root: no state directory: a non-root user's default is "
                                     "$XDG_RUNTIME_DIR/cove and XDG_RUNTIME_DIR is not set; pass --root DIR");
}

/* Validates id first: nothing is allocated or touched for a bad one. */
static int store_init(struct cove_store *st, const char *root, const char *id, struct cove_err *err) {
    int r = cove_state_validate_id(id, err);
    if (r < 0 || (r = cove_store_root_check(root, err)) < 0)
        return r;
    st->dirfd = -1;
    st->root = strdup(root);
    if (asprintf(&st->dir, "%s/%s", root, id) < 0)
        st->dir = NULL;
    if (!st->root || !st->dir)
        return cove_err_set(err, ENOMEM, "out of memory");
    return 0;
}

static int store_create(const char *root, const char *id, struct cove_store *st, struct cove_err *err) {
    int r = store_init(st, root, id, err);
    if (r < 0)
        return r;
    r = cove_mkdir_p(root, 0711);
    if (r < 0)
        return cove_err_sys(err, -r, "create state root %s", root);
    if (mkdir(st->dir, 0711) < 0) {
        if (errno == EEXIST)
            return cove_err_set(err, EEXIST, "container with given ID already exists");
        return cove_err_sys(err, errno, "create %s", st->dir);
    }
    st->dirfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st->dirfd < 0) {
        int e = errno;
        rmdir(st->dir);
        return cove_err_sys(err, e, "open %s", st->dir);
    }
    return store_lock(st, id, err);
}

static int store_open(const char *root, const char *id, struct cove_store *st, struct cove_err *err) {
    int r = store_init(st, root, id, err);
    if (r < 0)
        return r;
    st->dirfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (st->dirfd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return cove_err_set(err, ENOENT, "container \"%s\" does not exist", id);
        return cove_err_sys(err, errno, "open %s", st->dir);
    }
    return store_lock(st, id, err);
}

/* On failure the store is closed: callers never free a half-made one. */
int cove_store_create(const char *root, const char *id, struct cove_store *st, struct cove_err *err) {
    *st = (struct cove_store){.dirfd = -1};
    int r = store_create(root, id, st, err);
    if (r < 0)
        cove_store_close(st);
    return r;
}

int cove_store_open(const char *root, const char *id, struct cove_store *st, struct cove_err *err) {
    *st = (struct cove_store){.dirfd = -1};
    int r = store_open(root, id, st, err);
    if (r < 0)
        cove_store_close(st);
    return r;
}

int cove_store_remove(struct cove_store *st, struct cove_err *err) {
    int r = 0;
    int q = st->dirfd >= 0 ? cove_rm_contents_at(st->dirfd) : 0;
    if (q < 0)
        r = cove_err_sys(err, -q, "remove %s", st->dir);
    if (r == 0 && st->dir && rmdir(st->dir) < 0 && errno != ENOENT)
        r = cove_err_sys(err, errno, "remove %s", st->dir);
    cove_store_close(st);
    return r;
}

void cove_store_close(struct cove_store *st) {
    if (st->dirfd >= 0)
        close(st->dirfd); /* releases the flock */
    st->dirfd = -1;
    free(st->root);
    free(st->dir);
    st->root = st->dir = NULL;
}

int cove_store_list(const char *root, char ***ids, size_t *n, struct cove_err *err) {
    *ids = NULL;
    *n = 0;
    int r = cove_store_root_check(root, err);
    if (r < 0)
        return r;
    _cleanup_closedir_ DIR *d = opendir(root);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return cove_err_sys(err, errno, "open %s", root);
    }
    size_t cap = 0, cnt = 0;
    char **v = NULL;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || cove_state_validate_id(de->d_name, NULL) < 0)
            continue;
        if (faccessat(dirfd(d), de->d_name, F_OK, 0) < 0)
            continue;
        if (cnt + 2 > cap) {
            cap = cap ? cap * 2 : 16;
            char **nv = realloc(v, cap * sizeof(*v));
            if (!nv) {
                strv_free(v);
                return cove_err_set(err, ENOMEM, "out of memory");
            }
            v = nv;
        }
        v[cnt] = strdup(de->d_name);
        if (!v[cnt]) {
            strv_free(v);
            return cove_err_set(err, ENOMEM, "out of memory");
        }
        v[++cnt] = NULL;
    }
    for (size_t i = 1; i < cnt; i++) /* insertion sort: lists are short */
        for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
            char *t = v[j]; v[j] = v[j - 1]; v[j - 1] = t;
        }
    *ids = v;
    *n = cnt;
    return 0;
}

/* ---------------------------------------------------------------- json */

#define GEN_STR(g, s) yajl_gen_string((g), (const unsigned char *)(s), strlen(s))

static void gen_kv_str(yajl_gen g, const char *k, const char *v) {
    GEN_STR(g, k);
    if (v)
        GEN_STR(g, v);
    else
        yajl_gen_null(g);
}

/* intelRdt groups and moved netDevices: written only when present, so
 * state files stay as they were for containers without them. */
static void state_gen_linux_extras(yajl_gen g, const struct cove_state *s) {
    if (s->rdt_clos_dir) {
        GEN_STR(g, "intelRdt");
        yajl_gen_map_open(g);
        gen_kv_str(g, "closDir", s->rdt_clos_dir);
        GEN_STR(g, "closOwned");
        yajl_gen_bool(g, s->rdt_clos_owned);
        gen_kv_str(g, "monDir", s->rdt_mon_dir);
        yajl_gen_map_close(g);
    }
    if (s->n_net_devices) {
        GEN_STR(g, "netDevices");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < s->n_net_devices; i++) {
            yajl_gen_map_open(g);
            gen_kv_str(g, "hostName", s->net_devices[i].host_name);
            gen_kv_str(g, "name", s->net_devices[i].name);
            yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
    }
}

int cove_state_to_json(const struct cove_state *s, char **json, size_t *len, struct cove_err *err) {
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return cove_err_set(err, ENOMEM, "out of memory");
    yajl_gen_map_open(g);
    gen_kv_str(g, "id", s->id);
    gen_kv_str(g, "bundle", s->bundle);
    gen_kv_str(g, "rootfs", s->rootfs);
    GEN_STR(g, "pid");
    yajl_gen_integer(g, s->pid);
    GEN_STR(g, "pidStart");
    yajl_gen_integer(g, (long long)s->pid_start);
    gen_kv_str(g, "created", s->created);
    gen_kv_str(g, "owner", s->owner ? s->owner : "");
    gen_kv_str(g, "cgroupPath", s->cgroup_path);
    GEN_STR(g, "cgroupOwned");
    yajl_gen_bool(g, s->cgroup_owned);
    if (s->systemd_unit)
        gen_kv_str(g, "systemdUnit", s->systemd_unit);
    if (s->has_exit) {
        GEN_STR(g, "exitCode");
        yajl_gen_integer(g, s->exit_code);
        gen_kv_str(g, "finished", s->finished);
    }
    GEN_STR(g, "annotations");
    yajl_gen_map_open(g);
    for (size_t i = 0; i < s->n_annotations; i++)
        gen_kv_str(g, s->annotations[i].key, s->annotations[i].value);
    yajl_gen_map_close(g);
    state_gen_linux_extras(g, s);
    yajl_gen_map_close(g);
    const unsigned char *buf;
    size_t blen;
    int r = 0;
    if (yajl_gen_get_buf(g, &buf, &blen) != yajl_gen_status_ok || !(*json = strndup((const char *)buf, blen)))
        r = cove_err_set(err, ENOMEM, "state: cannot serialize");
    else
        *len = blen;
    yajl_gen_free(g);
    return r;
}

static int dup_str(yajl_val root, const char *key, char **out, bool required, struct cove_err *err) {
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(root, path, yajl_t_any);
    if (!v || YAJL_IS_NULL(v)) {
        if (required)
            return cove_err_set(err, EINVAL, "%s: missing", key);
        return 0;
    }
    if (!YAJL_IS_STRING(v))
        return cove_err_set(err, EINVAL, "%s: must be a string", key);
    *out = strdup(v->u.string);
    return *out ? 0 : cove_err_set(err, ENOMEM, "out of memory");
}

static int get_int(yajl_val root, const char *key, long long *out, bool *present, struct cove_err *err) {
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(root, path, yajl_t_any);
    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    if (!YAJL_IS_INTEGER(v))
        return cove_err_set(err, EINVAL, "%s: must be an integer", key);
    *out = YAJL_GET_INTEGER(v);
    return 0;
}

static int state_parse_linux_extras(yajl_val root, struct cove_state *s, struct cove_err *err) {
    const char *rdt[] = {"intelRdt", NULL};
    yajl_val o = yajl_tree_get(root, rdt, yajl_t_object);
    int r;
    if (o) {
        if ((r = dup_str(o, "closDir", &s->rdt_clos_dir, true, err)) < 0 ||
            (r = dup_str(o, "monDir", &s->rdt_mon_dir, false, err)) < 0)
            return cove_err_prefix(err, "intelRdt");
        const char *owned[] = {"closOwned", NULL};
        s->rdt_clos_owned = YAJL_IS_TRUE(yajl_tree_get(o, owned, yajl_t_any));
    }
    const char *nd[] = {"netDevices", NULL};
    yajl_val a = yajl_tree_get(root, nd, yajl_t_array);
    if (!a || !a->u.array.len)
        return 0;
    if (!(s->net_devices = calloc(a->u.array.len, sizeof(*s->net_devices))))
        return cove_err_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < a->u.array.len; i++) {
        struct cove_state_netdev *d = &s->net_devices[s->n_net_devices++];
        if ((r = dup_str(a->u.array.values[i], "hostName", &d->host_name, true, err)) < 0 ||
            (r = dup_str(a->u.array.values[i], "name", &d->name, true, err)) < 0)
            return cove_err_prefix(err, "netDevices[%zu]", i);
    }
    return 0;
}

static int state_parse_tree(yajl_val root, struct cove_state *s, struct cove_err *err) {
    if (!YAJL_IS_OBJECT(root))
        return cove_err_set(err, EINVAL, "not an object");
    int r;
    if ((r = dup_str(root, "id", &s->id, true, err)) < 0 ||
        (r = dup_str(root, "bundle", &s->bundle, true, err)) < 0 ||
        (r = dup_str(root, "rootfs", &s->rootfs, true, err)) < 0 ||
        (r = dup_str(root, "created", &s->created, true, err)) < 0 ||
        (r = dup_str(root, "owner", &s->owner, false, err)) < 0 ||
        (r = dup_str(root, "cgroupPath", &s->cgroup_path, false, err)) < 0 ||
        (r = dup_str(root, "systemdUnit", &s->systemd_unit, false, err)) < 0 ||

        (r = dup_str(root, "finished", &s->finished, false, err)) < 0)
        return r;
    long long v = 0;
    if ((r = get_int(root, "pid", &v, NULL, err)) < 0)
        return r;
    if (v < 0 || v > INT32_MAX)
        return cove_err_set(err, EINVAL, "pid: out of range");
    s->pid = (pid_t)v;
    v = 0;
    if ((r = get_int(root, "pidStart", &v, NULL, err)) < 0)
        return r;
    s->pid_start = (uint64_t)v;
    v = 0;
    if ((r = get_int(root, "exitCode", &v, &s->has_exit, err)) < 0)
        return r;
    s->exit_code = (int)v;
    const char *owned[] = {"cgroupOwned", NULL};
    s->cgroup_owned = YAJL_IS_TRUE(yajl_tree_get(root, owned, yajl_t_any));
    const char *ann[] = {"annotations", NULL};
    yajl_val a = yajl_tree_get(root, ann, yajl_t_object);
    if (a && a->u.object.len) {
        s->annotations = calloc(a->u.object.len, sizeof(*s->annotations));
        if (!s->annotations)
            return cove_err_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < a->u.object.len; i++) {
            yajl_val av = a->u.object.values[i];
            if (!YAJL_IS_STRING(av))
                return cove_err_set(err, EINVAL, "annotations.%s: must be a string", a->u.object.keys[i]);
            s->annotations[i].key = strdup(a->u.object.keys[i]);
            s->annotations[i].value = strdup(av->u.string);
            s->n_annotations++;
            if (!s->annotations[i].key || !s->annotations[i].value)
                return cove_err_set(err, ENOMEM, "out of memory");
        }
    }
    return state_parse_linux_extras(root, s, err);
}

/* yajl_tree builds and frees its tree recursively: a corrupt state file of
 * under STATE_MAX bytes nested ~500k deep overflowed the stack (found by
 * tests/fuzz/fuzz_state.c). A state file is at most 3 levels deep; screen
 * the nesting (outside strings) before handing it to yajl. */
#define STATE_MAX_DEPTH 16

static bool state_json_too_deep(const char *json, size_t len) {
    unsigned depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char ch = json[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = false;
        } else if (ch == '"') {
            in_str = true;
        } else if (ch == '{' || ch == '[') {
            if (++depth > STATE_MAX_DEPTH)
                return true;
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            depth--;
        }
    }
    return false;
}

int cove_state_from_json(const char *json, size_t len, struct cove_state *s, struct cove_err *err) {
    memset(s, 0, sizeof(*s));
    if (state_json_too_deep(json, len))
        return cove_err_set(err, EINVAL, "state file is corrupt: nested deeper than %d levels", STATE_MAX_DEPTH);
    /* yajl_tree needs a NUL-terminated buffer; embedded NULs are corrupt */
    if (memchr(json, '\0', len))
        return cove_err_set(err, EINVAL, "state file is corrupt: contains NUL bytes");
    _cleanup_free_ char *copy = strndup(json, len);
    if (!copy)
        return cove_err_set(err, ENOMEM, "out of memory");
    char ebuf[256] = "";
    yajl_val root = yajl_tree_parse(copy, ebuf, sizeof(ebuf));
    if (!root) {
        char *nl = strchr(ebuf, '\n');
        if (nl)
            *nl = '\0';
        return cove_err_set(err, EINVAL, "state file is corrupt: %s", ebuf);
    }
    int r = state_parse_tree(root, s, err);
    yajl_tree_free(root);
    if (r < 0) {
        cove_err_prefix(err, "state file is corrupt");
        cove_state_free(s);
    }
    return r;
}

int cove_state_save(const struct cove_store *st, const struct cove_state *s, struct cove_err *err) {
    _cleanup_free_ char *json = NULL;
    size_t len = 0;
    int r = cove_state_to_json(s, &json, &len, err);
    if (r < 0)
        return r;
    r = cove_write_file_replace(st->dirfd, STATE_FILE, json, len, 0600, err);
    if (r < 0)
        return cove_err_prefix(err, "%s", st->dir);
    return 0;
}

int cove_state_load(const struct cove_store *st, const char *id, struct cove_state *s, struct cove_err *err) {
    _cleanup_free_ char *json = NULL;
    size_t len = 0;
    int r = cove_read_file(st->dirfd, STATE_FILE, STATE_MAX, &json, &len, err);
    if (r == -ENOENT)
        return cove_err_set(err, ENOENT, "container \"%s\" does not exist", id);
    if (r < 0)
        return cove_err_prefix(err, "%s", st->dir);
    r = cove_state_from_json(json, len, s, err);
    if (r < 0)
        return cove_err_prefix(err, "%s/%s", st->dir, STATE_FILE);
    return 0;
}

void cove_state_free(struct cove_state *s) {
    free(s->id);
    free(s->bundle);
    free(s->rootfs);
    free(s->created);
    free(s->owner);
    free(s->cgroup_path);
    free(s->systemd_unit);
    free(s->finished);
    for (size_t i = 0; i < s->n_annotations; i++) {
        free(s->annotations[i].key);
        free(s->annotations[i].value);
    }
    free(s->annotations);
    free(s->rdt_clos_dir);
    free(s->rdt_mon_dir);
    for (size_t i = 0; i < s->n_net_devices; i++) {
        free(s->net_devices[i].host_name);
        free(s->net_devices[i].name);
    }
    free(s->net_devices);
    memset(s, 0, sizeof(*s));
}

/* ---------------------------------------------------------------- status */

enum cove_status cove_state_status(const struct cove_store *st, const struct cove_state *s) {
    if (s->pid <= 0)
        return COVE_STATUS_STOPPED;
    bool zombie = false;
    uint64_t start = cove_proc_start_time(s->pid, &zombie);
    if (start == 0 || start != s->pid_start || zombie)
        return COVE_STATUS_STOPPED;
    /* paused: the freezer says so (runtime/cgops.c) */
    if (cove_cgops_paused(st ? st->dir : NULL, s))
        return COVE_STATUS_PAUSED;
    if (st && faccessat(st->dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        return COVE_STATUS_CREATED;
    return COVE_STATUS_RUNNING;
}

/* ---------------------------------------------------------------- owns */

/* The second save (with the init's pid) rewrites the first in place: a
 * rename over an existing file makes ext4 allocate its blocks at once
 * (auto_da_alloc), and on a filesystem mounted with `discard` the unlink at
 * delete then waits for the device's discard: 0.5 ms per container here
 * (docs/benchmark.md). One small pwrite is as good a record: the text only
 * grows (the pid line), nothing reads it while create holds the state
 * dir's lock, and a torn write needs a crash inside the syscall. */
static int owns_overwrite(const struct cove_store *st, const char *text, size_t n, struct cove_err *err) {
    _cleanup_close_ int fd = openat(st->dirfd, COVE_OWNS_FILE, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? -ENOENT : cove_err_sys(err, errno, "%s/" COVE_OWNS_FILE, st->dir);
    ssize_t w = pwrite(fd, text, n, 0);
    if (w != (ssize_t)n)
        return cove_err_sys(err, w < 0 ? errno : EIO, "%s/" COVE_OWNS_FILE ": write", st->dir);
    struct stat sb;
    if (fstat(fd, &sb) == 0 && (size_t)sb.st_size > n && ftruncate(fd, (off_t)n) < 0)
        return cove_err_sys(err, errno, "%s/" COVE_OWNS_FILE ": truncate", st->dir);
    return 0;
}

int cove_owns_save(const struct cove_store *st, const struct cove_owns *o, struct cove_err *err) {
    if (o->cgroup_path && strchr(o->cgroup_path, '\n'))
        return cove_err_set(err, EINVAL, "linux.cgroupsPath: a newline is not allowed");
    if (o->systemd_unit && (strchr(o->systemd_unit, '\n') || !*o->systemd_unit))
        return cove_err_set(err, EINVAL, "linux.cgroupsPath: a unit name without a newline expected");
    char *text = NULL;
    int n = asprintf(&text, "cgroup %s\npid %d %llu\n%s%s%s", o->cgroup_path ? o->cgroup_path : "", (int)o->pid,
                     o->pid_start, o->systemd_unit ? "unit " : "", o->systemd_unit ? o->systemd_unit : "",
                     o->systemd_unit ? "\n" : "");
    if (n < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    int r = owns_overwrite(st, text, (size_t)n, err);
    if (r == -ENOENT) {
        cove_err_clear(err);
        r = cove_write_file_replace(st->dirfd, COVE_OWNS_FILE, text, (size_t)n, 0600, err);
    }
    free(text);
    return r;
}

int cove_owns_load(const struct cove_store *st, struct cove_owns *o, struct cove_err *err) {
    memset(o, 0, sizeof(*o));
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    int r = cove_read_file(st->dirfd, COVE_OWNS_FILE, 64 << 10, &data, &len, err);
    if (r < 0)
        return r;
    if (memchr(data, '\0', len) || strncmp(data, "cgroup ", 7) != 0)
        return cove_err_set(err, EINVAL, "%s/" COVE_OWNS_FILE ": damaged", st->dir);
    char *nl = strchr(data + 7, '\n');
    int pid = 0;
    if (!nl || sscanf(nl + 1, "pid %d %llu", &pid, &o->pid_start) != 2 || pid < 0)
        return cove_err_set(err, EINVAL, "%s/" COVE_OWNS_FILE ": damaged", st->dir);
    o->pid = pid;
    if (nl > data + 7 && !(o->cgroup_path = strndup(data + 7, (size_t)(nl - data - 7))))
        return cove_err_set(err, ENOMEM, "out of memory");
    const char *unit = strstr(nl, "\nunit ");
    if (unit) {
        unit += strlen("\nunit ");
        const char *end = strchr(unit, '\n');
        if (!end || end == unit || !(o->systemd_unit = strndup(unit, (size_t)(end - unit)))) {
            cove_owns_free(o);
            return end && end != unit ? cove_err_set(err, ENOMEM, "out of memory")
                                      : cove_err_set(err, EINVAL, "%s/" COVE_OWNS_FILE ": damaged", st->dir);
        }
    }
    return 0;
}

void cove_owns_free(struct cove_owns *o) {
    free(o->cgroup_path);
    free(o->systemd_unit);
    o->cgroup_path = NULL;
    o->systemd_unit = NULL;
}
