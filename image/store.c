/* image/store.c — the on-disk image store (layout in image.h): locking,
 * image records, blobs, layer paths and garbage collection. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/internal.h"
#include "lib/cleanup.h"
#include "lib/fileio.h"

/* ---------------------------------------------------------------- json */

int img_json_parse(const char *buf, size_t len, yajl_val *out, const char *what, struct cove_err *err) {
    if (len > IMG_JSON_MAX)
        return cove_err_set(err, EFBIG, "%s: larger than %u bytes", what, IMG_JSON_MAX);
    _cleanup_free_ char *z = malloc(len + 1);
    if (!z)
        return cove_err_set(err, ENOMEM, "out of memory");
    memcpy(z, buf, len);
    z[len] = '\0';
    char ebuf[256] = "";
    *out = yajl_tree_parse(z, ebuf, sizeof(ebuf));
    if (!*out) {
        char *nl = strchr(ebuf, '\n');
        if (nl)
            *nl = '\0';
        return cove_err_set(err, EINVAL, "%s: invalid JSON: %s", what, ebuf);
    }
    if (!YAJL_IS_OBJECT(*out)) {
        yajl_tree_free(*out);
        *out = NULL;
        return cove_err_set(err, EINVAL, "%s: not a JSON object", what);
    }
    return 0;
}

yajl_val img_json_get(yajl_val obj, const char *key) {
    if (!obj || !YAJL_IS_OBJECT(obj))
        return NULL;
    for (size_t i = 0; i < obj->u.object.len; i++)
        if (strcmp(obj->u.object.keys[i], key) == 0)
            return obj->u.object.values[i];
    return NULL;
}

const char *img_json_str(yajl_val obj, const char *key) {
    yajl_val v = img_json_get(obj, key);
    return v && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

long long img_json_int(yajl_val obj, const char *key) {
    yajl_val v = img_json_get(obj, key);
    if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0)
        return -1;
    return YAJL_GET_INTEGER(v);
}

void img_gen_str(yajl_gen g, const char *s) {
    yajl_gen_string(g, (const unsigned char *)(s ? s : ""), s ? strlen(s) : 0);
}

/* ---------------------------------------------------------------- helpers */

int cove_image_validate_name(const char *name, struct cove_err *err) {
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 255)
        return cove_err_set(err, EINVAL, "image name \"%s\": must be 1 to 255 characters", name ? name : "");
    if (name[0] == '.' || name[0] == '-' || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                         "0123456789._:/@-") != n || strstr(name, ".."))
        return cove_err_set(err, EINVAL,
                            "image name \"%s\": only [A-Za-z0-9._:/@-] allowed, not starting with '.' or '-', no \"..\"",
                            name);
    return 0;
}

/* '/' cannot appear in a file name: "%2F" (and '%' is not a valid name char). */
static char *escape_name(const char *name) {
    char *o = malloc(3 * strlen(name) + 1), *p = o;
    if (!o)
        return NULL;
    for (; *name; name++) {
        if (*name == '/') {
            memcpy(p, "%2F", 3);
            p += 3;
        } else {
            *p++ = *name;
        }
    }
    *p = '\0';
    return o;
}

/* ---------------------------------------------------------------- open */

int cove_image_store_open(const char *root, bool exclusive, struct cove_image_store *s, struct cove_err *err) {
    memset(s, 0, sizeof(*s));
    s->rootfd = s->lockfd = -1;
    static const char *const subdirs[] = {"blobs", "blobs/sha256", "layers", "images", "tmp"};
    int r = cove_mkdir_p(root, 0700);
    if (r < 0)
        return cove_err_sys(err, -r, "image root %s", root);
    char real[PATH_MAX];
    if (!realpath(root, real))
        return cove_err_sys(err, errno, "image root %s", root);
    s->rootfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->rootfd < 0)
        return cove_err_sys(err, errno, "open image root %s", real);
    for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++)
        if (mkdirat(s->rootfd, subdirs[i], 0700) < 0 && errno != EEXIST) {
            r = cove_err_sys(err, errno, "mkdir %s/%s", real, subdirs[i]);
            cove_image_store_close(s);
            return r;
        }
    s->lockfd = openat(s->rootfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (s->lockfd < 0 || flock(s->lockfd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
        r = cove_err_sys(err, errno, "lock %s/lock", real);
        cove_image_store_close(s);
        return r;
    }
    if (!(s->root = strdup(real))) {
        cove_image_store_close(s);
        return cove_err_set(err, ENOMEM, "out of memory");
    }
    return 0;
}

void cove_image_store_close(struct cove_image_store *s) {
    if (s->lockfd >= 0)
        close(s->lockfd); /* releases the flock */
    if (s->rootfd >= 0)
        close(s->rootfd);
    free(s->root);
    s->root = NULL;
    s->rootfd = s->lockfd = -1;
}

int img_tmpdir(struct cove_image_store *s, const char *prefix, char **path, int *fd, struct cove_err *err) {
    _cleanup_free_ char *p = NULL;
    if (asprintf(&p, "%s/tmp/%s-XXXXXX", s->root, prefix) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    if (!mkdtemp(p))
        return cove_err_sys(err, errno, "mkdtemp %s", p);
    *fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0) {
        int e = errno;
        rmdir(p);
        return cove_err_sys(err, e, "open %s", p);
    }
    *path = TAKE_PTR(p);
    return 0;
}

void img_tmpdir_remove(struct cove_image_store *s, const char *path) {
    if (!path)
        return;
    const char *slash = strrchr(path, '/');
    _cleanup_close_ int tmpfd = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (slash && tmpfd >= 0)
        cove_rm_tree_at(tmpfd, slash + 1);
}

/* ---------------------------------------------------------------- blobs, layers */

int cove_image_layer_path(const struct cove_image_store *s, const char *diff_id, char **path, struct cove_err *err) {
    int r = cove_digest_validate(diff_id, err);
    if (r < 0)
        return r;
    if (asprintf(path, "%s/layers/%s", s->root, diff_id + 7) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    return 0;
}

bool img_layer_exists(struct cove_image_store *s, const char *diff_id) {
    char rel[128];
    snprintf(rel, sizeof(rel), "layers/%s", diff_id + 7);
    struct stat st;
    return fstatat(s->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

int img_blob_put(struct cove_image_store *s, const char *digest, const void *data, size_t len, struct cove_err *err) {
    _cleanup_close_ int dfd = openat(s->rootfd, "blobs/sha256", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return cove_err_sys(err, errno, "open %s/blobs/sha256", s->root);
    return cove_write_file_atomic(dfd, digest + 7, data, len, 0644, err);
}

int cove_image_blob_read(struct cove_image_store *s, const char *digest, char **data, size_t *len,
                         struct cove_err *err) {
    int r = cove_digest_validate(digest, err);
    if (r < 0)
        return r;
    char rel[128];
    snprintf(rel, sizeof(rel), "blobs/sha256/%s", digest + 7);
    if ((r = cove_read_file(s->rootfd, rel, IMG_JSON_MAX, data, len, err)) < 0)
        return r;
    struct cove_sha256 *h = cove_sha256_new();
    if (!h)
        return cove_err_set(err, ENOMEM, "out of memory");
    char got[80];
    cove_sha256_update(h, *data, *len);
    cove_sha256_final(h, got);
    if (strcmp(got, digest) != 0) {
        free(*data);
        *data = NULL;
        return cove_err_set(err, EBADMSG, "blob %s: stored content has digest %s (store corrupted)", digest, got);
    }
    return 0;
}

/* ---------------------------------------------------------------- records */

void cove_image_free(struct cove_image *img) {
    free(img->name);
    free(img->manifest_digest);
    free(img->config_digest);
    strv_free(img->diff_ids);
    free(img->created);
    memset(img, 0, sizeof(*img));
}

static int record_parse(const char *json, size_t len, struct cove_image *img, const char *what, struct cove_err *err) {
    _cleanup_(img_json_freep) yajl_val v = NULL;
    int r = img_json_parse(json, len, &v, what, err);
    if (r < 0)
        return r;
    const char *name = img_json_str(v, "name"), *cfg = img_json_str(v, "config");
    yajl_val layers = img_json_get(v, "layers");
    if (!name || !cfg || !layers || !YAJL_IS_ARRAY(layers))
        return cove_err_set(err, EINVAL, "%s: missing name, config or layers", what);
    memset(img, 0, sizeof(*img));
    img->name = strdup(name);
    img->config_digest = strdup(cfg);
    img->manifest_digest = strdup(img_json_str(v, "manifest") ? img_json_str(v, "manifest") : "");
    img->created = strdup(img_json_str(v, "created") ? img_json_str(v, "created") : "");
    img->n_layers = layers->u.array.len;
    img->diff_ids = calloc(img->n_layers + 1, sizeof(char *));
    if (!img->name || !img->config_digest || !img->manifest_digest || !img->created || !img->diff_ids) {
        cove_image_free(img);
        return cove_err_set(err, ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < img->n_layers; i++) {
        yajl_val l = layers->u.array.values[i];
        const char *d = YAJL_IS_STRING(l) ? YAJL_GET_STRING(l) : NULL;
        if (!d || cove_digest_validate(d, NULL) < 0 || !(img->diff_ids[i] = strdup(d))) {
            cove_image_free(img);
            return cove_err_set(err, EINVAL, "%s: layers[%zu]: not a sha256 digest", what, i);
        }
    }
    return 0;
}

int cove_image_put(struct cove_image_store *s, const struct cove_image *img, struct cove_err *err) {
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return cove_err_set(err, ENOMEM, "out of memory");
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_map_open(g);
    img_gen_str(g, "name"); img_gen_str(g, img->name);
    img_gen_str(g, "manifest"); img_gen_str(g, img->manifest_digest);
    img_gen_str(g, "config"); img_gen_str(g, img->config_digest);
    img_gen_str(g, "created"); img_gen_str(g, img->created);
    img_gen_str(g, "layers");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < img->n_layers; i++)
        img_gen_str(g, img->diff_ids[i]);
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    const unsigned char *buf;
    size_t len;
    yajl_gen_get_buf(g, &buf, &len);
    _cleanup_free_ char *file = escape_name(img->name);
    _cleanup_close_ int dfd = openat(s->rootfd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int r;
    if (!file)
        r = cove_err_set(err, ENOMEM, "out of memory");
    else if (dfd < 0)
        r = cove_err_sys(err, errno, "open %s/images", s->root);
    else
        r = cove_write_file_atomic(dfd, file, buf, len, 0644, err);
    yajl_gen_free(g);
    return r;
}

static int load_record(struct cove_image_store *s, const char *file, struct cove_image *img, struct cove_err *err) {
    _cleanup_free_ char *rel = NULL, *data = NULL;
    size_t len;
    if (asprintf(&rel, "images/%s", file) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    int r = cove_read_file(s->rootfd, rel, 1 << 20, &data, &len, err);
    if (r < 0)
        return r;
    return record_parse(data, len, img, rel, err);
}

int cove_image_list(struct cove_image_store *s, struct cove_image **imgs, size_t *n, struct cove_err *err) {
    *imgs = NULL;
    *n = 0;
    int fd = openat(s->rootfd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return cove_err_sys(err, errno, "open %s/images", s->root);
    _cleanup_closedir_ DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return cove_err_sys(err, errno, "open %s/images", s->root);
    }
    struct dirent *de;
    size_t cap = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue; /* ".", "..", and atomic-write temp files */
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            struct cove_image *p = realloc(*imgs, cap * sizeof(**imgs));
            if (!p)
                return cove_err_set(err, ENOMEM, "out of memory");
            *imgs = p;
        }
        struct cove_err ignored = {0};
        if (load_record(s, de->d_name, &(*imgs)[*n], &ignored) == 0)
            (*n)++;
    }
    return 0;
}

static void free_list(struct cove_image *imgs, size_t n) {
    for (size_t i = 0; i < n; i++)
        cove_image_free(&imgs[i]);
    free(imgs);
}

/* A config digest (or a prefix of >= 12 hex digits, with or without
 * "sha256:") names the image too, like `docker image inspect <id>`. */
static bool digest_matches(const char *digest, const char *ref) {
    if (strncmp(ref, "sha256:", 7) == 0)
        ref += 7;
    size_t n = strlen(ref);
    return n >= 12 && n <= 64 && strspn(ref, "0123456789abcdef") == n && strncmp(digest + 7, ref, n) == 0;
}

int cove_image_get(struct cove_image_store *s, const char *ref, struct cove_image *img, struct cove_err *err) {
    memset(img, 0, sizeof(*img));
    if (cove_image_validate_name(ref, NULL) == 0) {
        _cleanup_free_ char *file = escape_name(ref);
        if (!file)
            return cove_err_set(err, ENOMEM, "out of memory");
        int r = load_record(s, file, img, err);
        if (r != -ENOENT)
            return r;
    }
    struct cove_image *all;
    size_t n;
    int r = cove_image_list(s, &all, &n, err);
    if (r < 0)
        return r;
    ssize_t found = -1;
    for (size_t i = 0; i < n; i++)
        if (digest_matches(all[i].config_digest, ref)) {
            found = (ssize_t)i;
            break;
        }
    if (found >= 0) {
        *img = all[found];
        memset(&all[found], 0, sizeof(all[found]));
    }
    free_list(all, n);
    if (found < 0)
        return cove_err_set(err, ENOENT, "image \"%s\" does not exist", ref);
    return 0;
}

int cove_image_remove(struct cove_image_store *s, const char *ref, struct cove_err *err) {
    struct cove_image img;
    int r = cove_image_get(s, ref, &img, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *file = escape_name(img.name), *rel = NULL;
    cove_image_free(&img);
    if (!file || asprintf(&rel, "images/%s", file) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    if (unlinkat(s->rootfd, rel, 0) < 0)
        return cove_err_sys(err, errno, "remove %s/%s", s->root, rel);
    return 0;
}

/* ---------------------------------------------------------------- gc */

static bool referenced(struct cove_image *imgs, size_t n, const char *hex, bool layers) {
    for (size_t i = 0; i < n; i++) {
        if (layers) {
            for (size_t j = 0; j < imgs[i].n_layers; j++)
                if (strcmp(imgs[i].diff_ids[j] + 7, hex) == 0)
                    return true;
        } else if (strcmp(imgs[i].config_digest + 7, hex) == 0 ||
                   (imgs[i].manifest_digest[0] && strcmp(imgs[i].manifest_digest + 7, hex) == 0)) {
            return true;
        }
    }
    return false;
}

static int sweep(struct cove_image_store *s, const char *sub, struct cove_image *imgs, size_t n, int mode,
                 size_t *removed, struct cove_err *err) {
    int fd = openat(s->rootfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return cove_err_sys(err, errno, "open %s/%s", s->root, sub);
    _cleanup_closedir_ DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return cove_err_sys(err, errno, "open %s/%s", s->root, sub);
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        /* mode 2: tmp/ — everything is stale under the exclusive lock */
        if (mode != 2 && referenced(imgs, n, de->d_name, mode == 1))
            continue;
        int q = cove_rm_tree_at(dirfd(d), de->d_name);
        if (q < 0)
            return cove_err_sys(err, -q, "remove %s/%s/%s", s->root, sub, de->d_name);
        if (mode == 1 && removed)
            (*removed)++;
    }
    return 0;
}

int cove_image_gc(struct cove_image_store *s, size_t *removed, struct cove_err *err) {
    struct cove_image *imgs;
    size_t n;
    *removed = 0;
    int r = cove_image_list(s, &imgs, &n, err);
    if (r < 0)
        return r;
    if ((r = sweep(s, "layers", imgs, n, 1, removed, err)) == 0 &&
        (r = sweep(s, "blobs/sha256", imgs, n, 0, NULL, err)) == 0)
        r = sweep(s, "tmp", imgs, n, 2, NULL, err);
    free_list(imgs, n);
    return r;
}
