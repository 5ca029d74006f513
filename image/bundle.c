/* image/bundle.c — config.json from an image config (and from the sandbox
 * plan): the runtime-spec default document (as `cove spec`) with the
 * image's process, plus the annotations that make create mount the image's
 * layers as an overlay root (image/overlay.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/internal.h"
#include "lib/cleanup.h"
#include "runtime/seccomp/seccomp_profile.h"
#include "lib/fileio.h"
#include "lib/syscalls.h"
#include "version.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void cove_bundle_plan_free(struct cove_bundle_plan *p) {
    strv_free(p->args);
    strv_free(p->env);
    strv_free(p->lowers);
    free(p->cwd);
    free(p->additional_gids);
    free(p->hostname);
    free(p->cgroups_path);
    free(p->uid_maps);
    free(p->gid_maps);
    for (size_t i = 0; i < p->n_binds; i++) {
        free(p->binds[i].src);
        free(p->binds[i].dst);
    }
    free(p->binds);
    for (size_t i = 0; i < p->n_annotations; i++) {
        free(p->annotations[i].key);
        free(p->annotations[i].value);
    }
    free(p->annotations);
    if (p->seccomp) {
        cove_seccomp_profile_free(p->seccomp);
        free(p->seccomp);
    }
    memset(p, 0, sizeof(*p));
}

/* ---------------------------------------------------------------- user */

static bool all_digits(const char *s) {
    return *s && strspn(s, "0123456789") == strlen(s) && strlen(s) <= 10;
}

/* Find name in a passwd/group file of the layers (top first; a layer that
 * has the file hides the ones below — the overlay would show that one).
 * field: the 0-based column holding the id (2 for both files). */
static int lookup_db(const char *const *dirs, size_t n, const char *file, const char *name, unsigned long *id,
                     unsigned long *gid) {
    for (size_t i = 0; i < n; i++) {
        _cleanup_close_ int dfd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
            continue;
        /* the layer is untrusted: no symlinks, stay inside it */
        struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
                               .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
        int fd = cove_openat2(dfd, file, &how, sizeof(how));
        if (fd < 0)
            continue;
        FILE *f = fdopen(fd, "re");
        if (!f) {
            close(fd);
            continue;
        }
        char line[1024];
        int found = -ENOENT;
        while (fgets(line, sizeof(line), f)) {
            char *save = NULL, *cols[4] = {0};
            char *t = strtok_r(line, ":\n", &save);
            for (int c = 0; t && c < 4; c++, t = strtok_r(NULL, ":\n", &save))
                cols[c] = t;
            /* passwd: name:x:uid:gid; group: name:x:gid */
            if (cols[0] && cols[2] && strcmp(cols[0], name) == 0 && all_digits(cols[2])) {
                *id = strtoul(cols[2], NULL, 10);
                if (gid)
                    *gid = cols[3] && all_digits(cols[3]) ? strtoul(cols[3], NULL, 10) : 0;
                found = 0;
                break;
            }
        }
        fclose(f);
        return found;
    }
    return -ENOENT;
}

int cove_bundle_resolve_user(const char *user, const char *const *dirs, size_t n, uid_t *uid, gid_t *gid,
                             struct cove_err *err) {
    *uid = 0;
    *gid = 0;
    if (!user || !*user)
        return 0;
    _cleanup_free_ char *u = strdup(user);
    if (!u)
        return cove_err_set(err, ENOMEM, "out of memory");
    char *g = strchr(u, ':');
    if (g)
        *g++ = '\0';
    unsigned long id = 0, pgid = 0;
    if (all_digits(u)) {
        id = strtoul(u, NULL, 10); /* group 0 unless given, as docker */
    } else if (lookup_db(dirs, n, "etc/passwd", u, &id, &pgid) < 0) {
        return cove_err_set(err, ENOENT, "User \"%s\": no such user in the image's /etc/passwd", user);
    }
    if (g && *g) {
        if (all_digits(g))
            pgid = strtoul(g, NULL, 10);
        else if (lookup_db(dirs, n, "etc/group", g, &pgid, NULL) < 0)
            return cove_err_set(err, ENOENT, "User \"%s\": no such group in the image's /etc/group", user);
    }
    if (id > UINT32_MAX - 1 || pgid > UINT32_MAX - 1)
        return cove_err_set(err, ERANGE, "User \"%s\": id out of range", user);
    *uid = (uid_t)id;
    *gid = (gid_t)pgid;
    return 0;
}

/* ---------------------------------------------------------------- from image */

static char **strv_from_json(yajl_val arr, size_t extra_front, size_t *n) {
    size_t len = arr && YAJL_IS_ARRAY(arr) ? arr->u.array.len : 0;
    char **v = calloc(len + extra_front + 1, sizeof(char *));
    if (!v)
        return NULL;
    size_t k = extra_front;
    for (size_t i = 0; i < len; i++) {
        const char *s = YAJL_IS_STRING(arr->u.array.values[i]) ? YAJL_GET_STRING(arr->u.array.values[i]) : NULL;
        if (!s)
            continue;
        if (!(v[k++] = strdup(s))) {
            strv_free(v);
            return NULL;
        }
    }
    *n = k;
    return v;
}

int cove_bundle_plan_from_image_config(const char *json, size_t len, const char *const *lookup_dirs, size_t n_dirs,
                                       struct cove_bundle_plan *p, struct cove_err *err) {
    _cleanup_(img_json_freep) yajl_val root = NULL;
    int r = img_json_parse(json, len, &root, "image config", err);
    if (r < 0)
        return r;
    yajl_val c = img_json_get(root, "config");
    size_t ne = 0, nc = 0;
    _cleanup_strv_ char **ep = strv_from_json(img_json_get(c, "Entrypoint"), 0, &ne);
    _cleanup_strv_ char **cmd = strv_from_json(img_json_get(c, "Cmd"), 0, &nc);
    if (!ep || !cmd)
        return cove_err_set(err, ENOMEM, "out of memory");
    /* Entrypoint + Cmd, as docker/podman run without arguments */
    p->args = calloc(ne + nc + 2, sizeof(char *));
    if (!p->args)
        return cove_err_set(err, ENOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < ne; i++)
        p->args[k++] = TAKE_PTR(ep[i]);
    for (size_t i = 0; i < nc; i++)
        p->args[k++] = TAKE_PTR(cmd[i]);
    if (k == 0 && !(p->args[k++] = strdup("sh")))
        return cove_err_set(err, ENOMEM, "out of memory");
    size_t nenv = 0;
    if (!(p->env = strv_from_json(img_json_get(c, "Env"), 0, &nenv)))
        return cove_err_set(err, ENOMEM, "out of memory");
    bool has_path = false;
    for (size_t i = 0; i < nenv; i++)
        has_path |= strncmp(p->env[i], "PATH=", 5) == 0;
    if (!has_path) {
        char **e = realloc(p->env, (nenv + 2) * sizeof(char *));
        if (!e || !(e[nenv] = strdup(DEFAULT_PATH)))
            return cove_err_set(err, ENOMEM, "out of memory");
        e[nenv + 1] = NULL;
        p->env = e;
    }
    const char *wd = img_json_str(c, "WorkingDir");
    if (!(p->cwd = strdup(wd && wd[0] == '/' ? wd : "/")))
        return cove_err_set(err, ENOMEM, "out of memory");
    if ((r = cove_bundle_resolve_user(img_json_str(c, "User"), lookup_dirs, n_dirs, &p->uid, &p->gid, err)) < 0)
        return cove_err_prefix(err, "image config");
    yajl_val labels = img_json_get(c, "Labels");
    if (labels && YAJL_IS_OBJECT(labels) && labels->u.object.len) {
        size_t nl = labels->u.object.len;
        p->annotations = calloc(nl, sizeof(*p->annotations));
        if (!p->annotations)
            return cove_err_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < nl; i++) {
            yajl_val v = labels->u.object.values[i];
            const char *val = YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
            /* cove's own keys are not an image's to set */
            if (!val || strncmp(labels->u.object.keys[i], COVE_ANN_RESERVED_PREFIX,
                                strlen(COVE_ANN_RESERVED_PREFIX)) == 0)
                continue;
            struct cove_kv *kv = &p->annotations[p->n_annotations++];
            kv->key = strdup(labels->u.object.keys[i]);
            kv->value = strdup(val);
            if (!kv->key || !kv->value)
                return cove_err_set(err, ENOMEM, "out of memory");
        }
    }
    return 0;
}

int cove_bundle_plan_image(struct cove_image_store *s, const char *ref, struct cove_bundle_plan *p, char ***lowers,
                           struct cove_err *err) {
    struct cove_image img;
    int r = cove_image_get(s, ref, &img, err);
    if (r < 0)
        return r;
    _cleanup_strv_ char **l = calloc(img.n_layers + 1, sizeof(char *));
    if (!l) {
        cove_image_free(&img);
        return cove_err_set(err, ENOMEM, "out of memory");
    }
    /* overlay wants the top layer first; the manifest lists the base first */
    for (size_t i = 0; i < img.n_layers && r == 0; i++)
        r = cove_image_layer_path(s, img.diff_ids[img.n_layers - 1 - i], &l[i], err);
    _cleanup_free_ char *cfg = NULL;
    size_t len = 0;
    if (r == 0)
        r = cove_image_blob_read(s, img.config_digest, &cfg, &len, err);
    if (r == 0)
        r = cove_bundle_plan_from_image_config(cfg, len, (const char *const *)l, img.n_layers, p, err);
    cove_image_free(&img);
    if (r < 0)
        return cove_err_prefix(err, "image \"%s\"", ref);
    *lowers = TAKE_PTR(l);
    return 0;
}

void cove_bundle_plan_overlay(struct cove_bundle_plan *p, char ***lowers) {
    strv_free(p->lowers);
    p->lowers = TAKE_PTR(*lowers);
}

int cove_bundle_write_lowers(int dirfd, const struct cove_bundle_plan *p, struct cove_err *err) {
    if (!p->lowers)
        return 0;
    size_t len = 0;
    for (char **l = p->lowers; *l; l++)
        len += strlen(*l) + 1;
    _cleanup_free_ char *text = malloc(len + 1);
    if (!text)
        return cove_err_set(err, ENOMEM, "out of memory");
    char *o = text;
    for (char **l = p->lowers; *l; l++) {
        o = stpcpy(o, *l);
        *o++ = '\n';
    }
    return cove_write_file_atomic(dirfd, COVE_BUNDLE_LOWERS_FILE, text, len, 0600, err);
}

int cove_bundle_from_image(struct cove_image_store *s, const char *ref, const char *dir, char *const *args,
                           struct cove_err *err) {
    _cleanup_(cove_bundle_plan_free) struct cove_bundle_plan p = {0};
    _cleanup_strv_ char **lowers = NULL;
    int r = cove_bundle_plan_image(s, ref, &p, &lowers, err);
    if (r < 0)
        return r;
    if (args && args[0]) {
        strv_free(p.args);
        if (!(p.args = cove_strv_dup(args)))
            return cove_err_set(err, ENOMEM, "out of memory");
    }
    cove_bundle_plan_overlay(&p, &lowers);
    _cleanup_free_ char *json = NULL;
    size_t len = 0;
    if ((r = cove_bundle_config_json(&p, &json, &len, err)) < 0)
        return r;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return cove_err_sys(err, errno, "mkdir %s", dir);
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return cove_err_sys(err, errno, "open %s", dir);
    if (mkdirat(dfd, "rootfs", 0755) < 0 && errno != EEXIST)
        return cove_err_sys(err, errno, "mkdir %s/rootfs", dir);
    if ((r = cove_bundle_write_lowers(dfd, &p, err)) < 0 ||
        (r = cove_write_file_atomic(dfd, "config.json", json, len, 0644, err)) < 0)
        return cove_err_prefix(err, "%s", dir);
    return 0;
}
