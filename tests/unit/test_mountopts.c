/* Mount option strings to flags, propagation, recursive attrs and data. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "runtime/config/mountopts.h"
#include "lib/cleanup.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

static struct cove_mount_opts parse(char *const *opts, size_t n) {
    struct cove_mount_opts o;
    memset(&o, 0xff, sizeof(o));   /* must be fully overwritten */
    struct cove_err err = { 0 };
    cr_assert_eq(cove_mount_opts_parse(opts, n, &o, &err), 0, "%s", err.msg);
    return o;
}

#define PARSE(...) ({ char *const _o[] = { __VA_ARGS__ }; parse(_o, ARRAY_SIZE(_o)); })

Test(mountopts, empty_list_is_all_zero) {
    struct cove_mount_opts o = parse(NULL, 0);
    cr_expect_eq(o.flags, 0);
    cr_expect_eq(o.clear, 0);
    cr_expect_eq(o.propagation, 0);
    cr_expect_not(o.rec_attr);
    cr_expect_null(o.data);
}

Test(mountopts, plain_flags) {
    struct cove_mount_opts o = PARSE("defaults", "ro", "nosuid", "nodev", "noexec", "sync", "dirsync",
                                     "remount", "mand", "noatime", "nodiratime", "relatime", "strictatime",
                                     "nosymfollow");
    cr_expect_eq(o.flags, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_DIRSYNC |
                          MS_REMOUNT | MS_MANDLOCK | MS_NOATIME | MS_NODIRATIME | MS_RELATIME |
                          MS_STRICTATIME | MS_NOSYMFOLLOW);
    cr_expect_eq(o.clear, 0);
    cr_expect_null(o.data);
}

Test(mountopts, clearing_flags) {
    struct cove_mount_opts o = PARSE("rw", "suid", "dev", "exec", "async", "nomand", "atime", "diratime",
                                     "norelatime", "nostrictatime", "symfollow");
    cr_expect_eq(o.flags, 0);
    cr_expect_eq(o.clear, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_MANDLOCK |
                          MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW);
}

Test(mountopts, later_option_wins) {
    struct cove_mount_opts o = PARSE("ro", "rw");
    cr_expect_eq(o.flags & MS_RDONLY, 0);
    cr_expect_eq(o.clear & MS_RDONLY, MS_RDONLY);
    o = PARSE("rw", "ro");
    cr_expect_eq(o.flags & MS_RDONLY, MS_RDONLY);
    cr_expect_eq(o.clear & MS_RDONLY, 0);
}

Test(mountopts, bind_and_rbind) {
    cr_expect_eq(PARSE("bind").flags, MS_BIND);
    cr_expect_eq(PARSE("rbind").flags, MS_BIND | MS_REC);
}

Test(mountopts, propagation) {
    cr_expect_eq(PARSE("shared").propagation, MS_SHARED);
    cr_expect_eq(PARSE("rshared").propagation, MS_SHARED | MS_REC);
    cr_expect_eq(PARSE("slave").propagation, MS_SLAVE);
    cr_expect_eq(PARSE("rslave").propagation, MS_SLAVE | MS_REC);
    cr_expect_eq(PARSE("private").propagation, MS_PRIVATE);
    cr_expect_eq(PARSE("rprivate").propagation, MS_PRIVATE | MS_REC);
    cr_expect_eq(PARSE("unbindable").propagation, MS_UNBINDABLE);
    cr_expect_eq(PARSE("runbindable").propagation, MS_UNBINDABLE | MS_REC);
    struct cove_mount_opts o = PARSE("rbind", "rprivate");
    cr_expect_eq(o.flags, MS_BIND | MS_REC, "propagation is not mixed into flags");
    cr_expect_eq(PARSE("shared", "rslave").propagation, MS_SLAVE | MS_REC);
    cr_expect_eq(cove_propagation_from_name("sideways"), 0);
    cr_expect_eq(cove_propagation_from_name(NULL), 0);
}

Test(mountopts, recursive_attrs) {
    struct cove_mount_opts o = PARSE("rro", "rnosuid", "rnodev", "rnoexec", "rnosymfollow");
    cr_expect(o.rec_attr);
    cr_expect_eq(o.attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                             MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW);
    cr_expect_eq(o.attr_clr, 0);
    cr_expect_eq(o.flags, 0, "recursive attrs are not mount(2) flags");

    o = PARSE("rrw", "rsuid", "rdev", "rexec", "rsymfollow");
    cr_expect_eq(o.attr_set, 0);
    cr_expect_eq(o.attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                             MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW);

    o = PARSE("rro", "rrw");
    cr_expect_eq(o.attr_set & MOUNT_ATTR_RDONLY, 0, "later wins");
    cr_expect_eq(o.attr_clr & MOUNT_ATTR_RDONLY, MOUNT_ATTR_RDONLY);
}

Test(mountopts, recursive_atime_uses_the_atime_field) {
    struct cove_mount_opts o = PARSE("rnoatime");
    cr_expect_eq(o.attr_set, MOUNT_ATTR_NOATIME);
    cr_expect_eq(o.attr_clr, MOUNT_ATTR__ATIME);
    o = PARSE("rstrictatime");
    cr_expect_eq(o.attr_set, MOUNT_ATTR_STRICTATIME);
    cr_expect_eq(o.attr_clr, MOUNT_ATTR__ATIME);
    o = PARSE("rnoatime", "rrelatime");
    cr_expect_eq(o.attr_set, MOUNT_ATTR_RELATIME);   /* == 0 */
    cr_expect_eq(o.attr_clr, MOUNT_ATTR__ATIME);
    cr_expect(o.rec_attr);
    o = PARSE("ratime");
    cr_expect_eq(o.attr_clr, MOUNT_ATTR_NOATIME);
}

Test(mountopts, idmap_and_tmpcopyup) {
    struct cove_mount_opts o = PARSE("idmap", "tmpcopyup");
    cr_expect(o.idmap);
    cr_expect_not(o.ridmap);
    cr_expect(o.tmpcopyup);
    cr_expect_null(o.data);
    cr_expect(PARSE("ridmap").ridmap);
}

Test(mountopts, unknown_options_become_data) {
    struct cove_mount_opts o = PARSE("nosuid", "mode=755", "newinstance", "size=65536k", "ro");
    cr_expect_str_eq(o.data, "mode=755,newinstance,size=65536k");
    cr_expect_eq(o.flags, MS_NOSUID | MS_RDONLY);
    free(o.data);
}

Test(mountopts, rejects_empty_option) {
    char *const opts[] = { "ro", "" };
    struct cove_mount_opts o = { 0 };
    struct cove_err err = { 0 };
    cr_expect_eq(cove_mount_opts_parse(opts, 2, &o, &err), -EINVAL);
    cr_expect_str_eq(err.msg, "options[1]: empty mount option");
    cr_expect_null(o.data, "out untouched on failure");
}
