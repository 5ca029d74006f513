/* Unit tests: error message building (JSON paths while unwinding). */
#include <criterion/criterion.h>
#include <string.h>

#include "lib/err.h"

Test(err, path_joins_fields_and_indexes) {
    struct cove_err e = {0};
    cr_expect_eq(cove_err_set(&e, EINVAL, "type: unknown rlimit \"X\""), -EINVAL);
    cove_err_path(&e, "[1]");
    cove_err_path(&e, "rlimits");
    cove_err_path(&e, "process");
    cr_expect_str_eq(e.msg, "process.rlimits[1].type: unknown rlimit \"X\"");
}

Test(err, prefix_adds_context) {
    struct cove_err e = {0};
    cove_err_sys(&e, ENOENT, "open %s", "/x");
    cove_err_prefix(&e, "mounts[2]");
    cr_expect_str_eq(e.msg, "mounts[2]: open /x: No such file or directory");
    cr_expect_eq(e.code, ENOENT);
}

Test(err, long_messages_are_truncated_safely) {
    struct cove_err e = {0};
    char big[3000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    cove_err_set(&e, EINVAL, "%s", big);
    cove_err_prefix(&e, "%s", big);
    cr_expect_eq(strlen(e.msg), COVE_ERR_MAX - 1);
    cr_expect_eq(cove_err_set(NULL, 0, "x"), -EINVAL);
}
