/* tests/unit/cgroup_fixture.h — the fake cgroupfs the cgroup unit tests
 * build in a temp dir: setup/teardown of the dir, paths in it, and the
 * directories and files the kernel would show. Included by one test file
 * each (static definitions); define CGF_TMP_TEMPLATE first, e.g.
 * "/tmp/cove-cgtest-XXXXXX". */
#ifndef COVE_TEST_CGROUP_FIXTURE_H
#define COVE_TEST_CGROUP_FIXTURE_H

#include <criterion/criterion.h>

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#ifndef CGF_TMP_TEMPLATE
#error "define CGF_TMP_TEMPLATE before including cgroup_fixture.h"
#endif

static char tmp[256];

static inline int cgf_rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

static inline void setup(void) {
    snprintf(tmp, sizeof(tmp), CGF_TMP_TEMPLATE);
    cr_assert_not_null(mkdtemp(tmp));
}

static inline void teardown(void) {
    nftw(tmp, cgf_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* path relative to tmp (8 rotating buffers, so a call can take several) */
static inline char *P(const char *fmt, ...) {
    static char bufs[8][1024];
    static int i;
    char *b = bufs[i++ % 8];
    char rel[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof(rel), fmt, ap);
    va_end(ap);
    snprintf(b, 1024, "%s/%s", tmp, rel);
    return b;
}

static inline void mkdirs(const char *path) {
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    mkdir(buf, 0755);
}

static inline void put(const char *path, const char *content) {
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(content, f);
    fclose(f);
}

#endif
