/* runtime/config/mountopts.c — mount option strings to MS_* flags,
 * propagation, mount_setattr(2) attributes and fs data. Pure: run at config
 * time so a bad option is reported before anything is mounted. */
#include "runtime/config/mountopts.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "lib/cleanup.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

enum opt_kind { OPT_SET, OPT_CLEAR };

struct flag_opt { const char *name; enum opt_kind kind; unsigned long flag; };

static const struct flag_opt flag_opts[] = {
    { "defaults", OPT_SET, 0 },
    { "ro", OPT_SET, MS_RDONLY },          { "rw", OPT_CLEAR, MS_RDONLY },
    { "nosuid", OPT_SET, MS_NOSUID },      { "suid", OPT_CLEAR, MS_NOSUID },
    { "nodev", OPT_SET, MS_NODEV },        { "dev", OPT_CLEAR, MS_NODEV },
    { "noexec", OPT_SET, MS_NOEXEC },      { "exec", OPT_CLEAR, MS_NOEXEC },
    { "sync", OPT_SET, MS_SYNCHRONOUS },   { "async", OPT_CLEAR, MS_SYNCHRONOUS },
    { "dirsync", OPT_SET, MS_DIRSYNC },
    { "remount", OPT_SET, MS_REMOUNT },
    { "mand", OPT_SET, MS_MANDLOCK },      { "nomand", OPT_CLEAR, MS_MANDLOCK },
    { "noatime", OPT_SET, MS_NOATIME },    { "atime", OPT_CLEAR, MS_NOATIME },
    { "nodiratime", OPT_SET, MS_NODIRATIME }, { "diratime", OPT_CLEAR, MS_NODIRATIME },
    { "relatime", OPT_SET, MS_RELATIME },  { "norelatime", OPT_CLEAR, MS_RELATIME },
    { "strictatime", OPT_SET, MS_STRICTATIME }, { "nostrictatime", OPT_CLEAR, MS_STRICTATIME },
    { "bind", OPT_SET, MS_BIND },          { "rbind", OPT_SET, MS_BIND | MS_REC },
    { "nosymfollow", OPT_SET, MS_NOSYMFOLLOW }, { "symfollow", OPT_CLEAR, MS_NOSYMFOLLOW },
};

/* Recursive attributes for mount_setattr(2). The atime settings are one
 * field in the kernel (MOUNT_ATTR__ATIME): setting one means clearing the
 * whole field and setting the value, and MOUNT_ATTR_RELATIME is 0. */
struct rec_opt { const char *name; uint64_t set, clr; };

static const struct rec_opt rec_opts[] = {
    { "rro", MOUNT_ATTR_RDONLY, 0 },       { "rrw", 0, MOUNT_ATTR_RDONLY },
    { "rnosuid", MOUNT_ATTR_NOSUID, 0 },   { "rsuid", 0, MOUNT_ATTR_NOSUID },
    { "rnodev", MOUNT_ATTR_NODEV, 0 },     { "rdev", 0, MOUNT_ATTR_NODEV },
    { "rnoexec", MOUNT_ATTR_NOEXEC, 0 },   { "rexec", 0, MOUNT_ATTR_NOEXEC },
    { "rnodiratime", MOUNT_ATTR_NODIRATIME, 0 }, { "rdiratime", 0, MOUNT_ATTR_NODIRATIME },
    { "rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME },
    { "ratime", 0, MOUNT_ATTR_NOATIME },
    { "rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME },
    { "rnorelatime", 0, MOUNT_ATTR_RELATIME },
    { "rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME },
    { "rnostrictatime", 0, MOUNT_ATTR_STRICTATIME },
    { "rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, 0 }, { "rsymfollow", 0, MOUNT_ATTR_NOSYMFOLLOW },
};

unsigned long cove_propagation_from_name(const char *name) {
    static const struct { const char *name; unsigned long flags; } props[] = {
        { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
        { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
        { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
        { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
    };
    if (!name)
        return 0;
    for (size_t i = 0; i < ARRAY_SIZE(props); i++)
        if (strcmp(props[i].name, name) == 0)
            return props[i].flags;
    return 0;
}

static bool apply_flag_opt(struct cove_mount_opts *o, const char *opt) {
    for (size_t i = 0; i < ARRAY_SIZE(flag_opts); i++) {
        if (strcmp(flag_opts[i].name, opt) != 0)
            continue;
        /* Later options win, as with mount(8): "ro,rw" is rw. */
        if (flag_opts[i].kind == OPT_SET) {
            o->flags |= flag_opts[i].flag;
            o->clear &= ~flag_opts[i].flag;
        } else {
            o->flags &= ~flag_opts[i].flag;
            o->clear |= flag_opts[i].flag;
        }
        return true;
    }
    return false;
}

static bool apply_rec_opt(struct cove_mount_opts *o, const char *opt) {
    for (size_t i = 0; i < ARRAY_SIZE(rec_opts); i++) {
        if (strcmp(rec_opts[i].name, opt) != 0)
            continue;
        if (rec_opts[i].clr & MOUNT_ATTR__ATIME)
            o->attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
        o->attr_set = (o->attr_set & ~rec_opts[i].clr) | rec_opts[i].set;
        o->attr_clr = (o->attr_clr & ~rec_opts[i].set) | rec_opts[i].clr;
        o->rec_attr = true;
        return true;
    }
    return false;
}

static int data_append(char **data, size_t *len, const char *opt, struct cove_err *err) {
    size_t ol = strlen(opt);
    char *n = realloc(*data, *len + ol + 2);
    if (!n)
        return cove_err_set(err, ENOMEM, "mount options: out of memory");
    if (*len)
        n[(*len)++] = ',';
    memcpy(n + *len, opt, ol + 1);
    *len += ol;
    *data = n;
    return 0;
}

int cove_mount_opts_parse(char *const *options, size_t n, struct cove_mount_opts *out, struct cove_err *err) {
    struct cove_mount_opts o = { 0 };
    _cleanup_free_ char *data = NULL;
    size_t dlen = 0;

    for (size_t i = 0; i < n; i++) {
        const char *opt = options[i];
        if (!opt || !*opt)
            return cove_err_set(err, EINVAL, "options[%zu]: empty mount option", i);
        unsigned long prop = cove_propagation_from_name(opt);
        if (prop) {
            o.propagation = prop;   /* the last one wins */
            continue;
        }
        if (apply_flag_opt(&o, opt) || apply_rec_opt(&o, opt))
            continue;
        if (strcmp(opt, "idmap") == 0) { o.idmap = true; continue; }
        if (strcmp(opt, "ridmap") == 0) { o.ridmap = true; continue; }
        if (strcmp(opt, "tmpcopyup") == 0) { o.tmpcopyup = true; continue; }
        /* Anything else is the filesystem's business ("mode=755",
         * "size=64k", "newinstance"): the kernel rejects what it does not
         * know, as with runc. */
        int r = data_append(&data, &dlen, opt, err);
        if (r < 0)
            return r;
    }
    o.data = TAKE_PTR(data);
    *out = o;
    return 0;
}
