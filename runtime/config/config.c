/* runtime/config/config.c — config.json to struct cove_config: the entry points,
 * the top-level fields (ociVersion, root, hostname, mounts, hooks,
 * annotations) and freeing. process, linux and linux.resources live in
 * config_process.c, config_linux.c and config_resources.c; the JSON layer
 * is config_json.c. Everything is parsed and validated here, once, so
 * nothing downstream touches JSON or finds a config error late. */
#include "runtime/config/config.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/config/mountopts.h"
#include "lib/cleanup.h"
#include "runtime/config/config_json.h"

/* Larger configs are refused on load; real ones are a few KiB. */
#define CONFIG_MAX_SIZE (16u << 20)

bool config_path_is_absolute(const char *p) {
    return p && p[0] == '/';
}

/* runtime-spec 1.0.0 through 1.3.x, with an optional pre-release or build
 * suffix ("1.0.2-dev", "1.2.0-rc.1"). Major 2 could change any field's
 * meaning, so it is refused rather than guessed at. */
static bool oci_version_supported(const char *v) {
    char *end;
    if (strncmp(v, "1.", 2) != 0 || v[2] < '0' || v[2] > '9')
        return false;
    unsigned long minor = strtoul(v + 2, &end, 10);
    if (minor > 3 || *end != '.' || end[1] < '0' || end[1] > '9')
        return false;
    strtoul(end + 1, &end, 10);
    return *end == '\0' || *end == '-' || *end == '+';
}

static int parse_mount(const struct cj_node *v, struct cove_mount *m, struct cove_err *err) {
    CJ_TRY(cj_str_req(v, "destination", &m->destination, err));
    if (!config_path_is_absolute(m->destination))
        return cove_err_set(err, EINVAL, "destination: must be an absolute path, got \"%s\"", m->destination);
    CJ_TRY(cj_str(v, "type", &m->type, err));
    CJ_TRY(cj_str(v, "source", &m->source, err));
    CJ_TRY(cj_strv(v, "options", &m->options, &m->n_options, err));
    CJ_TRY(config_parse_idmaps(v, "uidMappings", &m->uid_mappings, &m->n_uid_mappings, err));
    CJ_TRY(config_parse_idmaps(v, "gidMappings", &m->gid_mappings, &m->n_gid_mappings, err));
    /* An id-mapped mount needs both maps (mount_setattr takes one userns). */
    if (!m->n_uid_mappings != !m->n_gid_mappings)
        return cove_err_set(err, EINVAL, "%s: must be set together with %s",
                            m->n_uid_mappings ? "uidMappings" : "gidMappings",
                            m->n_uid_mappings ? "gidMappings" : "uidMappings");
    return cove_mount_opts_parse(m->options, m->n_options, &m->opts, err);
}

static int parse_mounts(const struct cj_node *root, struct cove_config *c, struct cove_err *err) {
    const struct cj_node *a;
    CJ_TRY(cj_arr(root, "mounts", &a, err));
    if (!a)
        return 0;
    c->mounts = cj_calloc(a->n, sizeof(*c->mounts));
    if (!c->mounts)
        return cove_err_set(err, ENOMEM, "mounts: out of memory");
    c->n_mounts = a->n;
    for (size_t i = 0; i < a->n; i++) {
        if (a->items[i]->type != CJ_OBJECT)
            return cove_err_set(err, EINVAL, "mounts[%zu]: must be an object", i);
        if (parse_mount(a->items[i], &c->mounts[i], err) < 0)
            return cove_err_path(err, "mounts[%zu]", i);
    }
    return 0;
}

static int parse_hook(const struct cj_node *v, struct cove_hook *h, struct cove_err *err) {
    CJ_TRY(cj_str_req(v, "path", &h->path, err));
    if (!config_path_is_absolute(h->path))
        return cove_err_set(err, EINVAL, "path: must be an absolute path, got \"%s\"", h->path);
    CJ_TRY(cj_strv(v, "args", &h->args, &h->n_args, err));
    CJ_TRY(cj_strv(v, "env", &h->env, &h->n_env, err));
    CJ_TRY(config_check_env(h->env, h->n_env, "env", err));
    int64_t t;
    CJ_TRY(cj_i64_range(v, "timeout", 1, INT32_MAX, &t, &h->has_timeout, err));
    if (h->has_timeout)
        h->timeout = (int)t;
    return 0;
}

static int parse_hooks(const struct cj_node *hooks, struct cove_config *c, struct cove_err *err) {
    for (int k = 0; k < COVE_HOOK__MAX; k++) {
        /* the config.json key of each kind is named in one place, hooks.c */
        const char *name = cove_hook_kind_name((enum cove_hook_kind)k);
        const struct cj_node *a;
        CJ_TRY(cj_arr(hooks, name, &a, err));
        if (!a)
            continue;
        struct cove_hook_list *l = &c->hooks[k];
        l->items = cj_calloc(a->n, sizeof(*l->items));
        if (!l->items)
            return cove_err_set(err, ENOMEM, "%s: out of memory", name);
        l->n = a->n;
        for (size_t i = 0; i < a->n; i++) {
            if (a->items[i]->type != CJ_OBJECT)
                return cove_err_set(err, EINVAL, "%s[%zu]: must be an object", name, i);
            if (parse_hook(a->items[i], &l->items[i], err) < 0)
                return cove_err_path(err, "%s[%zu]", name, i);
        }
    }
    return 0;
}

static int parse_root(const struct cj_node *doc, struct cove_config *c, struct cove_err *err) {
    const struct cj_node *o;

    CJ_TRY(cj_str_req(doc, "ociVersion", &c->oci_version, err));
    if (!oci_version_supported(c->oci_version))
        return cove_err_set(err, EINVAL, "ociVersion: unsupported version \"%s\"", c->oci_version);

    /* Optional in the schema, required on Linux by config.md. */
    CJ_TRY(cj_obj(doc, "root", &o, err));
    if (!o)
        return cove_err_set(err, EINVAL, "root: is required");
    if (cj_str_req(o, "path", &c->root_path, err) < 0 ||
        cj_bool(o, "readonly", &c->root_readonly, NULL, err) < 0)
        return cove_err_path(err, "root");
    if (!c->root_path[0])
        return cove_err_set(err, EINVAL, "root.path: must not be empty");

    CJ_TRY(cj_obj(doc, "process", &o, err));
    if (o) {
        c->has_process = true;
        if (config_parse_process(o, &c->process, err) < 0)
            return cove_err_path(err, "process");
    }
    CJ_TRY(cj_str(doc, "hostname", &c->hostname, err));
    CJ_TRY(cj_str(doc, "domainname", &c->domainname, err));
    CJ_TRY(parse_mounts(doc, c, err));
    CJ_TRY(cj_obj(doc, "hooks", &o, err));
    if (o && parse_hooks(o, c, err) < 0)
        return cove_err_path(err, "hooks");
    CJ_TRY(cj_kv(doc, "annotations", &c->annotations, &c->n_annotations, err));
    for (size_t i = 0; i < c->n_annotations; i++)
        if (!c->annotations[i].key[0])
            return cove_err_set(err, EINVAL, "annotations: keys must not be empty");
    CJ_TRY(cj_obj(doc, "linux", &o, err));
    if (o && config_parse_linux(o, &c->linux, err) < 0)
        return cove_err_path(err, "linux");

    /* Without a private UTS namespace these would rename the host. */
    if (c->hostname && c->hostname[0] && !cove_config_has_ns(c, CLONE_NEWUTS))
        return cove_err_set(err, EINVAL, "hostname: requires a uts namespace in linux.namespaces");
    if (c->domainname && c->domainname[0] && !cove_config_has_ns(c, CLONE_NEWUTS))
        return cove_err_set(err, EINVAL, "domainname: requires a uts namespace in linux.namespaces");
    return 0;
}

int cove_config_parse(const char *json, size_t len, struct cove_config **out, struct cove_err *err) {
    _cleanup_(cj_freep) struct cj_node *doc = NULL;
    CJ_TRY(cj_parse(json, len, &doc, err));
    if (doc->type != CJ_OBJECT)
        return cove_err_set(err, EINVAL, "config: must be a JSON object, got %s", cj_type_name(doc));

    _cleanup_(cove_config_freep) struct cove_config *c = calloc(1, sizeof(*c));
    if (!c)
        return cove_err_set(err, ENOMEM, "config: out of memory");
    CJ_TRY(parse_root(doc, c, err));
    *out = TAKE_PTR(c);
    return 0;
}

static int read_file(const char *path, char **buf_out, size_t *len_out, struct cove_err *err) {
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return cove_err_sys(err, errno, "open %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return cove_err_sys(err, errno, "stat %s", path);
    if (!S_ISREG(st.st_mode))
        return cove_err_set(err, EINVAL, "%s: not a regular file", path);
    if ((uint64_t)st.st_size > CONFIG_MAX_SIZE)
        return cove_err_set(err, EFBIG, "%s: larger than %u bytes", path, CONFIG_MAX_SIZE);
    _cleanup_free_ char *buf = malloc((size_t)st.st_size + 1);
    if (!buf)
        return cove_err_set(err, ENOMEM, "%s: out of memory", path);
    /* Read to EOF but never past the cap, in case the file grows. */
    size_t len = 0;
    for (;;) {
        if (len > (size_t)st.st_size)
            return cove_err_set(err, EFBIG, "%s: changed size while being read", path);
        ssize_t n = read(fd, buf + len, (size_t)st.st_size + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return cove_err_sys(err, errno, "read %s", path);
        if (n == 0)
            break;
        len += (size_t)n;
    }
    *buf_out = TAKE_PTR(buf);
    *len_out = len;
    return 0;
}

int cove_config_load(const char *bundle_dir, struct cove_config **out, struct cove_err *err) {
    _cleanup_free_ char *path = NULL;
    if (asprintf(&path, "%s/config.json", bundle_dir && *bundle_dir ? bundle_dir : ".") < 0)
        return cove_err_set(err, ENOMEM, "config: out of memory");
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    CJ_TRY(read_file(path, &buf, &len, err));
    if (cove_config_parse(buf, len, out, err) < 0)
        return cove_err_prefix(err, "%s", path);
    return 0;
}

const struct cove_namespace *cove_config_find_ns(const struct cove_config *c, int clone_flag) {
    if (!c)
        return NULL;
    for (size_t i = 0; i < c->linux.n_namespaces; i++)
        if (c->linux.namespaces[i].type == clone_flag)
            return &c->linux.namespaces[i];
    return NULL;
}

bool cove_config_has_ns(const struct cove_config *c, int clone_flag) {
    return cove_config_find_ns(c, clone_flag) != NULL;
}

static void free_mount(struct cove_mount *m) {
    free(m->destination);
    free(m->type);
    free(m->source);
    strv_free(m->options);
    free(m->uid_mappings);
    free(m->gid_mappings);
    free(m->opts.data);
}

void cove_config_free(struct cove_config *c) {
    if (!c)
        return;
    free(c->oci_version);
    free(c->root_path);
    config_free_process(&c->process);
    free(c->hostname);
    free(c->domainname);
    for (size_t i = 0; i < c->n_mounts; i++)
        free_mount(&c->mounts[i]);
    free(c->mounts);
    for (int k = 0; k < COVE_HOOK__MAX; k++) {
        for (size_t i = 0; i < c->hooks[k].n; i++) {
            free(c->hooks[k].items[i].path);
            strv_free(c->hooks[k].items[i].args);
            strv_free(c->hooks[k].items[i].env);
        }
        free(c->hooks[k].items);
    }
    for (size_t i = 0; i < c->n_annotations; i++) {
        free(c->annotations[i].key);
        free(c->annotations[i].value);
    }
    free(c->annotations);
    config_free_linux(&c->linux);
    free(c);
}
