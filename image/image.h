/* image/image.h — OCI images for cove: a content-addressed store, layer
 * unpacking, overlay root filesystems, bundles made from images and the
 * `cove sandbox` plan. Nothing here prints; every function returns 0 or
 * -errno and fills a caller-owned struct cove_err (../shared/STYLE.md).
 *
 * Store layout under the image root (default /var/lib/cove, docs/image.md):
 *   <root>/lock                     flock: exclusive for import/rm/gc,
 *                                   shared while a bundle is being made
 *   <root>/blobs/sha256/<hex>       manifests and image configs (verified)
 *   <root>/layers/<hex>/            one unpacked layer per diff-id (the
 *                                   sha256 of the uncompressed tar), shared
 *                                   by every image that uses it; whiteouts
 *                                   already in overlayfs form
 *   <root>/images/<escaped name>    one small JSON record per image name
 *   <root>/tmp/                     work dirs of imports in progress; a
 *                                   layer appears under layers/ only by
 *                                   rename() once completely unpacked
 */
#ifndef COVE_IMAGE_H
#define COVE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/config/config.h"
#include "lib/err.h"

#define COVE_IMAGE_DEFAULT_ROOT "/var/lib/cove"

/* ---------------------------------------------------------------- digest */

/* "sha256:<64 hex>" is the only algorithm accepted. */
int cove_digest_validate(const char *digest, struct cove_err *err);

struct cove_sha256;  /* opaque incremental hasher (EVP) */
struct cove_sha256 *cove_sha256_new(void);
void cove_sha256_update(struct cove_sha256 *h, const void *buf, size_t n);
/* Writes "sha256:<hex>" (72 bytes with NUL) and frees h. */
void cove_sha256_final(struct cove_sha256 *h, char out[80]);
void cove_sha256_freep(struct cove_sha256 **h);
/* Hash a whole file; *size gets its length. */
int cove_sha256_file(int dirfd, const char *path, char out[80], uint64_t *size, struct cove_err *err);

/* ---------------------------------------------------------------- unpack */

struct cove_unpack_result {
    char diff_id[80];          /* sha256 of the uncompressed stream */
    char blob_digest[80];      /* sha256 of the bytes read from the fd */
    uint64_t blob_size;
    uint64_t entries;
};

/* A decompression bomb must not fill the disk: a layer stops with a clear
 * error past max_bytes of uncompressed tar, past max_entries entries, or
 * when the store's filesystem would keep less than keep_free bytes (or
 * 5% of its size, whichever is smaller) free. 0 fields take the defaults. */
struct cove_unpack_limits {
    uint64_t max_bytes;
    uint64_t max_entries;
    uint64_t keep_free;
};
#define COVE_UNPACK_MAX_BYTES (32ULL << 30)       /* 32 GiB per layer */
#define COVE_UNPACK_MAX_ENTRIES 1000000ULL
#define COVE_UNPACK_KEEP_FREE (1ULL << 30)        /* 1 GiB */

/* Unpack one layer (tar; gzip, zstd, xz or uncompressed — detected) read
 * from blob_fd into the directory layer_dirfd. Every entry is created by fd
 * under layer_dirfd (openat2 RESOLVE_BENEATH): absolute names, "..",
 * writes through symlinks and hardlinks leaving the directory are refused
 * with EXDEV/EINVAL and nothing outside is touched. Whiteouts become
 * overlayfs whiteouts (.wh.NAME → 0:0 char device NAME, .wh..wh..opq →
 * trusted.overlay.opaque=y on the directory). trusted.overlay.* xattrs in
 * the tar itself are dropped (they would steer overlayfs). Owners, modes,
 * xattrs, hardlinks, devices and timestamps are preserved. The caller
 * verifies res->blob_digest / diff_id against what it expected. */
int cove_layer_unpack(int blob_fd, int layer_dirfd, const struct cove_unpack_limits *lim,
                      struct cove_unpack_result *res, struct cove_err *err);

/* ---------------------------------------------------------------- store */

struct cove_image_store {
    char *root;
    int rootfd;    /* O_DIRECTORY */
    int lockfd;    /* flock'ed <root>/lock */
};

/* Open (creating the layout when missing) and lock the store. */
int cove_image_store_open(const char *root, bool exclusive, struct cove_image_store *s, struct cove_err *err);
void cove_image_store_close(struct cove_image_store *s);

struct cove_image {
    char *name;
    char *manifest_digest;     /* "" for docker-archive imports */
    char *config_digest;
    char **diff_ids;           /* bottom layer first */
    size_t n_layers;
    char *created;             /* import time, RFC 3339 */
};
void cove_image_free(struct cove_image *img);

/* Load one image record by name (or by a config-digest prefix of at least
 * 12 hex digits). ENOENT: `image "x" does not exist`. */
int cove_image_get(struct cove_image_store *s, const char *ref, struct cove_image *img, struct cove_err *err);
int cove_image_list(struct cove_image_store *s, struct cove_image **imgs, size_t *n, struct cove_err *err);
int cove_image_put(struct cove_image_store *s, const struct cove_image *img, struct cove_err *err);
int cove_image_remove(struct cove_image_store *s, const char *ref, struct cove_err *err);
/* Remove layers and blobs no image refers to, and stale tmp/ entries.
 * *removed counts the layers removed. */
int cove_image_gc(struct cove_image_store *s, size_t *removed, struct cove_err *err);
/* Absolute path of a layer dir: <root>/layers/<hex>. */
int cove_image_layer_path(const struct cove_image_store *s, const char *diff_id, char **path, struct cove_err *err);
/* Read a verified blob (manifest/config) from the store. */
int cove_image_blob_read(struct cove_image_store *s, const char *digest, char **data, size_t *len, struct cove_err *err);

/* Names are [A-Za-z0-9._:/@-], 1..255 bytes, not starting with '.' or '-'. */
int cove_image_validate_name(const char *name, struct cove_err *err);

/* ---------------------------------------------------------------- import */

struct cove_import_opts {
    const char *source;        /* oci layout dir, oci-archive or docker-archive tar */
    const char *name;          /* --name (NULL: from the source's ref name / RepoTags) */
    const char *platform;      /* "os/arch[/variant]" (NULL: linux/<host arch>) */
    struct cove_unpack_limits limits;   /* per layer (and per archive) */
};

/* Import; on any failure (digest or size mismatch, hostile layer, ...)
 * nothing new is left in the store. *name_out gets the stored name. */
int cove_image_import(struct cove_image_store *s, const struct cove_import_opts *o, char **name_out,
                      struct cove_err *err);

/* ---------------------------------------------------------------- overlay */

/* An overlay as a detached mount (*out, close-on-exec): lowers[0] is the
 * TOP layer. upper/work may be NULL together (read-only overlay, needs at
 * least 2 lowers). Uses the new mount API with "lowerdir+" (Linux 6.8+) so
 * the number of layers is not bounded by the one-page mount option limit;
 * older kernels get mount(2) on scratch (a directory only root can reach)
 * with the layers named relative to a common parent, then a detached copy,
 * and the mount on scratch is gone before this returns. userxattr: the
 * overlay is mounted in a user namespace (rootless) and reads user.overlay.*
 * xattrs instead of trusted.overlay.* (Linux 5.11+). */
int cove_overlay_mount_fd(const char *const *lowers, size_t n, const char *upper, const char *work, bool userxattr,
                          const char *scratch, int *out, struct cove_err *err);

/* ---------------------------------------------------------------- bundle */

/* A bundle made from an image names its layers in <bundle>/cove-lowers,
 * one absolute directory per line, top first. create believes the file only
 * when it and the bundle directory are its own and writable by nobody else;
 * the annotation COVE_ANN_OVERLAY_LOWERS (the old channel) is refused in a
 * config, and image labels under "dev.cove." never become annotations: a
 * caller that passes annotations through, or an image, must not choose host
 * directories as a root (docs/security.md). */
#define COVE_BUNDLE_LOWERS_FILE "cove-lowers"
#define COVE_ANN_OVERLAY_LOWERS "dev.cove.overlay.lowers"   /* refused */
#define COVE_ANN_OVERLAY "dev.cove.overlay"                 /* "true": overlay over root.path */
/* "true": with a new user namespace, the layers are id-mapped through its
 * mapping, so that files of the host's root are the container root's
 * (cove sandbox run by root). Needs root, Linux 5.19+ and a filesystem
 * that supports id-mapped mounts under the layers. */
#define COVE_ANN_OVERLAY_IDMAP "dev.cove.overlay.idmap"
#define COVE_ANN_RESERVED_PREFIX "dev.cove."

struct cove_bind {
    char *src, *dst;
    bool rw;
};

/* Everything a config.json is made of, in one plan (bundle + sandbox). */
struct cove_bundle_plan {
    char **args;               /* NULL-terminated */
    char **env;                /* NULL-terminated, "K=V" */
    char *cwd;
    uid_t uid; gid_t gid;
    gid_t *additional_gids; size_t n_additional_gids;
    char *hostname;
    bool network_host;         /* no network namespace */
    bool root_readonly;
    int64_t memory;            /* bytes, 0: unset */
    int64_t cpu_quota; uint64_t cpu_period; /* 0: unset */
    int64_t pids;              /* 0: unset */
    char *cgroups_path;        /* NULL: unset */
    struct cove_bind *binds; size_t n_binds;
    struct cove_kv *annotations; size_t n_annotations;
    struct cove_seccomp *seccomp;  /* owned; NULL: no linux.seccomp */
    char **lowers;                 /* NULL-terminated, top first; NULL: no image */
    /* a new user namespace with these maps (owned); none: n_uid_maps 0 */
    struct cove_idmap *uid_maps, *gid_maps; size_t n_uid_maps, n_gid_maps;
    bool idmap_binds;              /* binds id-mapped through that mapping (root's sandbox) */
};
void cove_bundle_plan_free(struct cove_bundle_plan *p);

/* Fill plan from an image config blob (JSON): Entrypoint+Cmd, Env,
 * WorkingDir, User (numeric, or names looked up in the image's
 * /etc/passwd and /etc/group through rootfs_lookup_dirs, top first, may
 * be NULL), Labels → annotations. ExposedPorts/Volumes are ignored. */
int cove_bundle_plan_from_image_config(const char *json, size_t len, const char *const *lookup_dirs, size_t n_dirs,
                                       struct cove_bundle_plan *p, struct cove_err *err);
/* "UID[:GID]" or "NAME[:GROUP]" resolved in the layers (top first). */
int cove_bundle_resolve_user(const char *user, const char *const *dirs, size_t n, uid_t *uid, gid_t *gid,
                             struct cove_err *err);
/* The config.json text. */
int cove_bundle_config_json(const struct cove_bundle_plan *p, char **json, size_t *len, struct cove_err *err);

/* `cove bundle --image REF DIR`: DIR/config.json + empty DIR/rootfs +
 * DIR/cove-lowers. With args non-NULL they replace the image's
 * Entrypoint/Cmd. */
int cove_bundle_from_image(struct cove_image_store *s, const char *ref, const char *dir, char *const *args,
                           struct cove_err *err);
/* Take lowers (NULL-terminated, top first) into the plan. */
void cove_bundle_plan_overlay(struct cove_bundle_plan *p, char ***lowers);
/* Write the plan's lowers as dirfd/cove-lowers (0600). */
int cove_bundle_write_lowers(int dirfd, const struct cove_bundle_plan *p, struct cove_err *err);
/* Plan only (for sandbox): lowers are returned top first. */
int cove_bundle_plan_image(struct cove_image_store *s, const char *ref, struct cove_bundle_plan *p, char ***lowers,
                           struct cove_err *err);

/* ---------------------------------------------------------------- create step */

struct cove_overlay_plan {
    char **lowers;   /* NULL: no overlay */
    size_t n_lowers;
    char *upper, *work, *scratch;   /* set by cove_overlay_setup */
    bool deferred;                  /* the init mounts it (cove_overlay_mount_planned) */
    /* COVE_ANN_OVERLAY_IDMAP: the layers id-mapped through the user
     * namespace idmap_userns (an fd, -1: none; set by create), the upper
     * dir owned by the container's root (upper_uid/gid) */
    bool want_idmap;
    int idmap_userns;
    uid_t upper_uid; gid_t upper_gid;
};

/* Planning (nothing is created): the lowers from <bundle>/cove-lowers, or
 * root.path itself when force_overlay (`run --overlay`) or the annotation
 * COVE_ANN_OVERLAY is "true"; p->lowers stays NULL when neither. */
int cove_overlay_plan(const char *bundle, const char *rootfs, const struct cove_kv *ann, size_t n_ann,
                      bool force_overlay, struct cove_overlay_plan *p, struct cove_err *err);
void cove_overlay_plan_free(struct cove_overlay_plan *p);
/* After the state dir exists: upper/work in <state_dir>/overlay and the
 * overlay as a detached mount in *out (-1 when the plan has no lowers).
 * The container's init attaches it at root.path in its own mount
 * namespace; nothing is mounted on the host, so nothing needs undoing
 * beyond closing *out and removing the state dir. */
int cove_overlay_setup(struct cove_overlay_plan *p, const char *state_dir, bool defer, int *out,
                       struct cove_err *err);
/* With defer (cove run by an ordinary user: overlayfs can then only be
 * mounted by root of a user namespace, Linux 5.11+) setup makes the
 * directories only and the init, root in the container's user namespace,
 * mounts the overlay itself with this. */
int cove_overlay_mount_planned(const struct cove_overlay_plan *p, int *out, struct cove_err *err);

#endif
