/* image/import.c — OCI image layout dirs, oci-archive tars and
 * docker-archive tars into the store.
 *
 * A tar is first unpacked (by the same BENEATH-only code as layers) into a
 * private dir under <root>/tmp, so all three forms are then read as a
 * directory. Every blob is checked against its descriptor (size and
 * sha256, computed on the bytes actually used), every layer's uncompressed
 * digest against the config's rootfs.diff_ids. A layer becomes visible
 * under layers/ only by rename() once it is complete; on any failure the
 * layers this import added are removed again and no record is written. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "image/internal.h"
#include "lib/cleanup.h"
#include "lib/fileio.h"
#include "lib/proc.h"
#include "lib/syscalls.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MAX_LAYERS 500

struct import {
    struct cove_image_store *s;
    const struct cove_import_opts *o;
    int srcfd;                 /* the layout dir (or the unpacked archive) */
    char *tmp_src;             /* unpacked archive dir, removed at the end */
    char **added;              /* layers this import renamed into place */
    size_t n_added;
    char platform_os[32], platform_arch[32], platform_variant[32];
};

static int open_beneath(int dirfd, const char *path, int flags) {
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
    };
    return cove_openat2(dirfd, path, &how, sizeof(how));
}

static int read_small(int dirfd, const char *path, char **data, size_t *len, struct cove_err *err) {
    _cleanup_close_ int fd = open_beneath(dirfd, path, O_RDONLY);
    if (fd < 0)
        return cove_err_sys(err, errno, "open %s in the image", path);
    /* re-open the checked file through its fd: no second path walk */
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    int r = cove_read_file(AT_FDCWD, proc, IMG_JSON_MAX, data, len, err);
    return r < 0 ? cove_err_prefix(err, "%s", path) : 0;
}

/* Read blobs/sha256/<hex> of an OCI layout, checking size and digest. */
static int read_blob(struct import *im, yajl_val desc, const char *what, char **data, size_t *len,
                     struct cove_err *err) {
    const char *digest = img_json_str(desc, "digest");
    long long size = img_json_int(desc, "size");
    if (!digest || size < 0)
        return cove_err_set(err, EINVAL, "%s: descriptor needs \"digest\" and \"size\"", what);
    int r = cove_digest_validate(digest, err);
    if (r < 0)
        return cove_err_prefix(err, "%s", what);
    if ((unsigned long long)size > IMG_JSON_MAX)
        return cove_err_set(err, EFBIG, "%s %s: size %lld is too large for a JSON document", what, digest, size);
    char rel[128];
    snprintf(rel, sizeof(rel), "blobs/sha256/%s", digest + 7);
    if ((r = read_small(im->srcfd, rel, data, len, err)) < 0)
        return cove_err_prefix(err, "%s", what);
    char got[80];
    struct cove_sha256 *h = cove_sha256_new();
    if (!h)
        return cove_err_set(err, ENOMEM, "out of memory");
    cove_sha256_update(h, *data, *len);
    cove_sha256_final(h, got);
    if ((long long)*len != size || strcmp(got, digest) != 0) {
        free(*data);
        *data = NULL;
        return cove_err_set(err, EBADMSG, "%s %s: digest mismatch (got %s, %zu bytes, expected %lld bytes)", what,
                            digest, got, *len, size);
    }
    return 0;
}

/* ---------------------------------------------------------------- layers */

static int remember_added(struct import *im, const char *diff_id) {
    char **p = realloc(im->added, (im->n_added + 1) * sizeof(char *));
    if (!p)
        return -ENOMEM;
    im->added = p;
    if (!(p[im->n_added] = strdup(diff_id)))
        return -ENOMEM;
    im->n_added++;
    return 0;
}

/* Unpack one blob into tmp, verify, rename into layers/. want_blob may be
 * NULL (docker-archive: no descriptor digest). */
static int import_layer(struct import *im, int blob_fd, const char *want_blob, long long want_size,
                        const char *want_diff, size_t idx, struct cove_err *err) {
    if (img_layer_exists(im->s, want_diff))
        return 0; /* content-addressed: verified when it was unpacked */
    _cleanup_free_ char *tmp = NULL;
    _cleanup_close_ int tfd = -1;
    int r = img_tmpdir(im->s, "layer", &tmp, &tfd, err);
    if (r < 0)
        return r;
    /* the layer root is the container's "/" */
    fchmod(tfd, 0755);
    struct cove_unpack_result res;
    r = cove_layer_unpack(blob_fd, tfd, &im->o->limits, &res, err);
    if (r == 0 && want_blob && strcmp(res.blob_digest, want_blob) != 0)
        r = cove_err_set(err, EBADMSG, "digest mismatch (blob has %s, descriptor says %s)", res.blob_digest, want_blob);
    if (r == 0 && want_size >= 0 && res.blob_size != (uint64_t)want_size)
        r = cove_err_set(err, EBADMSG, "size mismatch (blob has %llu bytes, descriptor says %lld)",
                         (unsigned long long)res.blob_size, want_size);
    if (r == 0 && strcmp(res.diff_id, want_diff) != 0)
        r = cove_err_set(err, EBADMSG, "diff-id mismatch (uncompressed digest %s, config says %s)", res.diff_id,
                         want_diff);
    if (r == 0) {
        char dst[128];
        snprintf(dst, sizeof(dst), "layers/%s", want_diff + 7);
        if (renameat(AT_FDCWD, tmp, im->s->rootfd, dst) == 0)
            r = remember_added(im, want_diff) < 0 ? cove_err_set(err, ENOMEM, "out of memory") : 0;
        else if (errno != EEXIST && errno != ENOTEMPTY)
            r = cove_err_sys(err, errno, "rename layer into %s/%s", im->s->root, dst);
    }
    img_tmpdir_remove(im->s, tmp); /* gone already after a rename */
    if (r < 0)
        return cove_err_prefix(err, "layers[%zu]", idx);
    return 0;
}

static void rollback(struct import *im) {
    _cleanup_close_ int lfd = openat(im->s->rootfd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (size_t i = 0; i < im->n_added; i++) {
        if (lfd >= 0)
            cove_rm_tree_at(lfd, im->added[i] + 7);
    }
}

/* rootfs.diff_ids of an image config, checked against the layer count. */
static int config_diff_ids(yajl_val cfg, size_t n_layers, yajl_val *ids, struct cove_err *err) {
    yajl_val rootfs = img_json_get(cfg, "rootfs");
    *ids = img_json_get(rootfs, "diff_ids");
    if (!*ids || !YAJL_IS_ARRAY(*ids))
        return cove_err_set(err, EINVAL, "image config: rootfs.diff_ids missing");
    if ((*ids)->u.array.len != n_layers)
        return cove_err_set(err, EINVAL, "image config: %zu rootfs.diff_ids for %zu layers", (*ids)->u.array.len,
                            n_layers);
    for (size_t i = 0; i < n_layers; i++) {
        yajl_val d = (*ids)->u.array.values[i];
        if (!YAJL_IS_STRING(d) || cove_digest_validate(YAJL_GET_STRING(d), err) < 0)
            return cove_err_set(err, EINVAL, "image config: rootfs.diff_ids[%zu]: not a sha256 digest", i);
    }
    return 0;
}

/* ---------------------------------------------------------------- OCI */

static bool platform_matches(struct import *im, yajl_val desc) {
    yajl_val p = img_json_get(desc, "platform");
    const char *os = img_json_str(p, "os"), *arch = img_json_str(p, "architecture");
    const char *variant = img_json_str(p, "variant");
    if (!os || !arch || strcmp(os, im->platform_os) != 0 || strcmp(arch, im->platform_arch) != 0)
        return false;
    return !im->platform_variant[0] || (variant && strcmp(variant, im->platform_variant) == 0);
}

static bool is_index(yajl_val desc) {
    const char *mt = img_json_str(desc, "mediaType");
    return mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0);
}

/* Pick the descriptor from an index: by ref name (top-level index only),
 * then by platform, then the only one. */
static int pick(struct import *im, yajl_val index, const char *what, const char *want_ref, yajl_val *out,
                struct cove_err *err) {
    yajl_val ms = img_json_get(index, "manifests");
    if (!ms || !YAJL_IS_ARRAY(ms) || ms->u.array.len == 0)
        return cove_err_set(err, EINVAL, "%s: no manifests", what);
    size_t n = ms->u.array.len;
    if (want_ref)
        for (size_t i = 0; i < n; i++) {
            const char *ref = img_json_str(img_json_get(ms->u.array.values[i], "annotations"),
                                           "org.opencontainers.image.ref.name");
            if (ref && strcmp(ref, want_ref) == 0) {
                *out = ms->u.array.values[i];
                return 0;
            }
        }
    for (size_t i = 0; i < n; i++)
        if (platform_matches(im, ms->u.array.values[i])) {
            *out = ms->u.array.values[i];
            return 0;
        }
    bool any_platform = false;
    for (size_t i = 0; i < n; i++)
        any_platform |= img_json_get(ms->u.array.values[i], "platform") != NULL;
    if (n == 1 || !any_platform) {
        *out = ms->u.array.values[0];
        return 0;
    }
    return cove_err_set(err, ENOENT, "%s: no manifest for platform %s/%s%s%s", what, im->platform_os,
                        im->platform_arch, im->platform_variant[0] ? "/" : "", im->platform_variant);
}

static int import_oci_manifest(struct import *im, const char *mdigest, const char *mjson, size_t mlen,
                               const char *name, struct cove_err *err) {
    _cleanup_(img_json_freep) yajl_val m = NULL;
    int r = img_json_parse(mjson, mlen, &m, "manifest", err);
    if (r < 0)
        return r;
    yajl_val cdesc = img_json_get(m, "config"), layers = img_json_get(m, "layers");
    if (!cdesc || !layers || !YAJL_IS_ARRAY(layers))
        return cove_err_set(err, EINVAL, "manifest %s: needs config and layers", mdigest);
    size_t n = layers->u.array.len;
    if (n > MAX_LAYERS)
        return cove_err_set(err, E2BIG, "manifest %s: %zu layers (at most %d)", mdigest, n, MAX_LAYERS);
    _cleanup_free_ char *cjson = NULL;
    size_t clen;
    if ((r = read_blob(im, cdesc, "config", &cjson, &clen, err)) < 0)
        return r;
    _cleanup_(img_json_freep) yajl_val cfg = NULL;
    yajl_val ids;
    if ((r = img_json_parse(cjson, clen, &cfg, "image config", err)) < 0 ||
        (r = config_diff_ids(cfg, n, &ids, err)) < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        yajl_val l = layers->u.array.values[i];
        const char *digest = img_json_str(l, "digest");
        long long size = img_json_int(l, "size");
        if (!digest || size < 0 || cove_digest_validate(digest, err) < 0)
            return cove_err_set(err, EINVAL, "manifest layers[%zu]: needs a sha256 \"digest\" and a \"size\"", i);
        char rel[128];
        snprintf(rel, sizeof(rel), "blobs/sha256/%s", digest + 7);
        _cleanup_close_ int fd = open_beneath(im->srcfd, rel, O_RDONLY);
        if (fd < 0)
            return cove_err_sys(err, errno, "layers[%zu]: open %s", i, rel);
        if ((r = import_layer(im, fd, digest, size, YAJL_GET_STRING(ids->u.array.values[i]), i, err)) < 0)
            return r;
    }
    const char *cdigest = img_json_str(cdesc, "digest");
    if ((r = img_blob_put(im->s, mdigest, mjson, mlen, err)) < 0 ||
        (r = img_blob_put(im->s, cdigest, cjson, clen, err)) < 0)
        return r;
    struct cove_image img = {.name = (char *)name, .manifest_digest = (char *)mdigest,
                             .config_digest = (char *)cdigest, .n_layers = n};
    char created[64];
    cove_time_rfc3339(created);
    img.created = created;
    _cleanup_free_ char **diffs = calloc(n + 1, sizeof(char *));
    if (!diffs)
        return cove_err_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        diffs[i] = (char *)YAJL_GET_STRING(ids->u.array.values[i]);
    img.diff_ids = diffs;
    return cove_image_put(im->s, &img, err);
}

static int import_oci(struct import *im, char **name_out, struct cove_err *err) {
    _cleanup_free_ char *ijson = NULL;
    size_t ilen;
    int r = read_small(im->srcfd, "index.json", &ijson, &ilen, err);
    if (r < 0)
        return r;
    _cleanup_(img_json_freep) yajl_val index = NULL;
    if ((r = img_json_parse(ijson, ilen, &index, "index.json", err)) < 0)
        return r;
    yajl_val desc;
    if ((r = pick(im, index, "index.json", im->o->name, &desc, err)) < 0)
        return r;
    const char *ref0 = img_json_str(img_json_get(desc, "annotations"), "org.opencontainers.image.ref.name");
    _cleanup_free_ char *ref = ref0 ? strdup(ref0) : NULL;
    /* nested indexes (multi-platform images): follow a few levels */
    _cleanup_free_ char *json = NULL;
    size_t len;
    for (int depth = 0;; depth++) {
        free(json);
        json = NULL;
        if ((r = read_blob(im, desc, "manifest", &json, &len, err)) < 0)
            return r;
        if (!is_index(desc))
            break;
        if (depth == 4)
            return cove_err_set(err, ELOOP, "index.json: indexes nested too deeply");
        _cleanup_(img_json_freep) yajl_val sub = NULL;
        if ((r = img_json_parse(json, len, &sub, "image index", err)) < 0 ||
            (r = pick(im, sub, "image index", NULL, &desc, err)) < 0)
            return r;
        /* desc points into sub: keep sub alive by re-reading below */
        _cleanup_free_ char *d = strdup(img_json_str(desc, "digest") ? img_json_str(desc, "digest") : "");
        long long sz = img_json_int(desc, "size");
        const char *mt = img_json_str(desc, "mediaType");
        _cleanup_free_ char *mtd = strdup(mt ? mt : "");
        if (!d || !mtd)
            return cove_err_set(err, ENOMEM, "out of memory");
        /* rebuild a detached descriptor for the next round */
        char buf[512];
        snprintf(buf, sizeof(buf), "{\"digest\":\"%s\",\"size\":%lld,\"mediaType\":\"%s\"}", d, sz, mtd);
        yajl_tree_free(index);
        index = yajl_tree_parse(buf, NULL, 0);
        if (!index)
            return cove_err_set(err, EINVAL, "image index: invalid descriptor");
        desc = index;
    }
    const char *mdigest = img_json_str(desc, "digest");
    _cleanup_free_ char *fallback = NULL;
    const char *name = im->o->name ? im->o->name : ref;
    if (!name || cove_image_validate_name(name, NULL) < 0) {
        if (asprintf(&fallback, "sha256-%.12s", mdigest + 7) < 0)
            return cove_err_set(err, ENOMEM, "out of memory");
        name = fallback;
    }
    if ((r = cove_image_validate_name(name, err)) < 0)
        return r;
    _cleanup_free_ char *mdig = strdup(mdigest);
    if (!mdig || !(*name_out = strdup(name)))
        return cove_err_set(err, ENOMEM, "out of memory");
    return import_oci_manifest(im, mdig, json, len, name, err);
}

/* ---------------------------------------------------------------- docker */

static int import_docker(struct import *im, char **name_out, struct cove_err *err) {
    _cleanup_free_ char *mjson = NULL;
    size_t mlen;
    int r = read_small(im->srcfd, "manifest.json", &mjson, &mlen, err);
    if (r < 0)
        return r;
    /* manifest.json is an array: wrap it so the object parser accepts it */
    _cleanup_free_ char *wrapped = NULL;
    if (asprintf(&wrapped, "{\"m\":%.*s}", (int)mlen, mjson) < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    _cleanup_(img_json_freep) yajl_val top = NULL;
    if ((r = img_json_parse(wrapped, strlen(wrapped), &top, "manifest.json", err)) < 0)
        return r;
    yajl_val arr = img_json_get(top, "m");
    if (!arr || !YAJL_IS_ARRAY(arr) || arr->u.array.len == 0)
        return cove_err_set(err, EINVAL, "manifest.json: expected a non-empty array");
    yajl_val m = arr->u.array.values[0];
    const char *cpath = img_json_str(m, "Config");
    yajl_val layers = img_json_get(m, "Layers"), tags = img_json_get(m, "RepoTags");
    if (!cpath || !layers || !YAJL_IS_ARRAY(layers))
        return cove_err_set(err, EINVAL, "manifest.json[0]: needs Config and Layers");
    size_t n = layers->u.array.len;
    if (n > MAX_LAYERS)
        return cove_err_set(err, E2BIG, "manifest.json[0]: %zu layers (at most %d)", n, MAX_LAYERS);
    _cleanup_free_ char *cjson = NULL;
    size_t clen;
    if ((r = read_small(im->srcfd, cpath, &cjson, &clen, err)) < 0)
        return r;
    char cdigest[80];
    struct cove_sha256 *h = cove_sha256_new();
    if (!h)
        return cove_err_set(err, ENOMEM, "out of memory");
    cove_sha256_update(h, cjson, clen);
    cove_sha256_final(h, cdigest);
    _cleanup_(img_json_freep) yajl_val cfg = NULL;
    yajl_val ids;
    if ((r = img_json_parse(cjson, clen, &cfg, cpath, err)) < 0 || (r = config_diff_ids(cfg, n, &ids, err)) < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        yajl_val l = layers->u.array.values[i];
        if (!YAJL_IS_STRING(l))
            return cove_err_set(err, EINVAL, "manifest.json[0].Layers[%zu]: not a path", i);
        _cleanup_close_ int fd = open_beneath(im->srcfd, YAJL_GET_STRING(l), O_RDONLY);
        if (fd < 0)
            return cove_err_sys(err, errno, "layers[%zu]: open %s", i, YAJL_GET_STRING(l));
        if ((r = import_layer(im, fd, NULL, -1, YAJL_GET_STRING(ids->u.array.values[i]), i, err)) < 0)
            return r;
    }
    const char *tag = tags && YAJL_IS_ARRAY(tags) && tags->u.array.len && YAJL_IS_STRING(tags->u.array.values[0])
                          ? YAJL_GET_STRING(tags->u.array.values[0]) : NULL;
    const char *name = im->o->name ? im->o->name : tag;
    char fallback[32];
    if (!name || cove_image_validate_name(name, NULL) < 0) {
        snprintf(fallback, sizeof(fallback), "sha256-%.12s", cdigest + 7);
        name = fallback;
    }
    if ((r = cove_image_validate_name(name, err)) < 0 || (r = img_blob_put(im->s, cdigest, cjson, clen, err)) < 0)
        return r;
    char created[64];
    cove_time_rfc3339(created);
    _cleanup_free_ char **diffs = calloc(n + 1, sizeof(char *));
    if (!diffs)
        return cove_err_set(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        diffs[i] = (char *)YAJL_GET_STRING(ids->u.array.values[i]);
    struct cove_image img = {.name = (char *)name, .manifest_digest = "", .config_digest = cdigest,
                             .diff_ids = diffs, .n_layers = n, .created = created};
    if ((r = cove_image_put(im->s, &img, err)) < 0)
        return r;
    if (!(*name_out = strdup(name)))
        return cove_err_set(err, ENOMEM, "out of memory");
    return 0;
}

/* ---------------------------------------------------------------- entry */

static int set_platform(struct import *im, const char *p, struct cove_err *err) {
    if (!p) {
        struct utsname u;
        uname(&u);
        const char *arch = strcmp(u.machine, "x86_64") == 0 ? "amd64"
                           : strcmp(u.machine, "aarch64") == 0 ? "arm64" : u.machine;
        snprintf(im->platform_os, sizeof(im->platform_os), "linux");
        snprintf(im->platform_arch, sizeof(im->platform_arch), "%.31s", arch);
        return 0;
    }
    if (sscanf(p, "%31[^/]/%31[^/]/%31s", im->platform_os, im->platform_arch, im->platform_variant) < 2)
        return cove_err_set(err, EINVAL, "--platform \"%s\": expected OS/ARCH[/VARIANT]", p);
    return 0;
}

static int open_source(struct import *im, struct cove_err *err) {
    const char *src = im->o->source;
    _cleanup_close_ int fd = open(src, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cove_err_sys(err, errno, "open %s", src);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return cove_err_sys(err, errno, "stat %s", src);
    if (S_ISDIR(st.st_mode)) {
        im->srcfd = TAKE_FD(fd);
        return 0;
    }
    int r = img_tmpdir(im->s, "archive", &im->tmp_src, &im->srcfd, err);
    if (r < 0)
        return r;
    struct cove_unpack_result res;
    if ((r = cove_layer_unpack(fd, im->srcfd, &im->o->limits, &res, err)) < 0)
        return cove_err_prefix(err, "unpack archive %s", src);
    return 0;
}

int cove_image_import(struct cove_image_store *s, const struct cove_import_opts *o, char **name_out,
                      struct cove_err *err) {
    struct import im = {.s = s, .o = o, .srcfd = -1};
    *name_out = NULL;
    int r = 0;
    if (o->name)
        r = cove_image_validate_name(o->name, err);
    if (r == 0)
        r = set_platform(&im, o->platform, err);
    if (r == 0)
        r = open_source(&im, err);
    struct stat st;
    if (r == 0) {
        if (fstatat(im.srcfd, "index.json", &st, AT_SYMLINK_NOFOLLOW) == 0)
            r = import_oci(&im, name_out, err);
        else if (fstatat(im.srcfd, "manifest.json", &st, AT_SYMLINK_NOFOLLOW) == 0)
            r = import_docker(&im, name_out, err);
        else
            r = cove_err_set(err, EINVAL, "%s: neither an OCI image layout (index.json) nor a docker archive "
                                          "(manifest.json)", o->source);
    }
    if (r < 0) {
        rollback(&im);
        free(*name_out);
        *name_out = NULL;
        cove_err_prefix(err, "import %s", o->source);
    }
    if (im.srcfd >= 0)
        close(im.srcfd);
    img_tmpdir_remove(s, im.tmp_src);
    free(im.tmp_src);
    for (size_t i = 0; i < im.n_added; i++)
        free(im.added[i]);
    free(im.added);
    return r;
}
