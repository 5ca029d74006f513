/* Regression tests for what fuzzing found (tests/fuzz, docs/fuzzing.md):
 * every input under tests/fuzz/regressions/<target>/ goes through its
 * parser under the unit-test sanitizers, plus the generated inputs too big
 * to keep in the repository. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cleanup.h"
#include "runtime/config/config.h"
#include "runtime/state.h"

#define REGRESSIONS COVE_FIXTURES "/../fuzz/regressions"

/* depth times open, then close; wrapped in prefix/suffix */
static char *nested(const char *prefix, size_t depth, const char *suffix, size_t *len) {
    size_t pl = strlen(prefix), sl = strlen(suffix);
    *len = pl + 2 * depth + sl;
    char *b = malloc(*len + 1);
    cr_assert_not_null(b);
    memcpy(b, prefix, pl);
    memset(b + pl, '[', depth);
    memset(b + pl + depth, ']', depth);
    memcpy(b + pl + 2 * depth, suffix, sl + 1);
    return b;
}

/* Found by fuzz_state: yajl_tree parses and frees recursively, and a
 * 1 MiB state file (the store's limit) nested 520k deep overflowed the
 * stack. Now refused before yajl sees it. */
Test(fuzz_regressions, state_nested_half_a_million_deep_is_an_error) {
    size_t len;
    _cleanup_free_ char *j = nested("{\"id\":\"a\",\"annotations\":", 520000, "}", &len);
    struct cove_state s;
    struct cove_err err = {0};
    cr_expect_eq(cove_state_from_json(j, len, &s, &err), -EINVAL);
    cr_expect(strstr(err.msg, "nested deeper") != NULL, "%s", err.msg);
}

Test(fuzz_regressions, config_nested_100k_deep_is_an_error) {
    size_t len;
    _cleanup_free_ char *j = nested("{\"ociVersion\":\"1.0.2\",\"annotations\":", 100000, "}", &len);
    struct cove_config *c = NULL;
    struct cove_err err = {0};
    cr_expect_lt(cove_config_parse(j, len, &c, &err), 0);
    cr_expect_null(c);
    cr_expect(strstr(err.msg, "nested deeper") != NULL, "%s", err.msg);
}

static void each_input(const char *target, void (*fn)(const char *name, const char *data, size_t len)) {
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/%s", REGRESSIONS, target);
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rbe");
        cr_assert_not_null(f, "%s", path);
        static char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        fn(de->d_name, buf, n);
    }
    closedir(d);
}

static void run_config(const char *name, const char *data, size_t len) {
    struct cove_config *c = NULL;
    struct cove_err err = {0};
    int r = cove_config_parse(data, len, &c, &err);
    cr_expect(r == 0 || err.msg[0], "%s: error without a message", name);
    if (c)
        cove_config_free(c);
}

static void run_state(const char *name, const char *data, size_t len) {
    struct cove_state s;
    struct cove_err err = {0};
    int r = cove_state_from_json(data, len, &s, &err);
    cr_expect(r == 0 || err.msg[0], "%s: error without a message", name);
    if (r == 0)
        cove_state_free(&s);
}

Test(fuzz_regressions, saved_config_inputs) { each_input("config", run_config); }
Test(fuzz_regressions, saved_state_inputs) { each_input("state", run_state); }
