/* Unit tests: the list parser behind process.execCPUAffinity and
 * linux.memoryPolicy.nodes, and the pure LSM mount-data helper. */
#include <criterion/criterion.h>
#include <limits.h>
#include <string.h>

#include "runtime/lsm.h"
#include "runtime/process_sched.h"

#define NBITS 256
#define BPL (sizeof(unsigned long) * CHAR_BIT)

static bool bit(const unsigned long *m, size_t b) { return m[b / BPL] & (1UL << (b % BPL)); }

static size_t count(const unsigned long *m) {
    size_t n = 0;
    for (size_t b = 0; b < NBITS; b++)
        n += bit(m, b);
    return n;
}

Test(sched_list, parses_single_numbers_and_ranges) {
    unsigned long m[NBITS / BPL];
    size_t hi = 0;
    struct cove_err err = {0};
    cr_assert_eq(cove_sched_parse_list("0-3,5,7-8", m, NBITS, &hi, &err), 0, "%s", err.msg);
    cr_expect_eq(count(m), 7);
    for (size_t b = 0; b <= 3; b++)
        cr_expect(bit(m, b));
    cr_expect(!bit(m, 4));
    cr_expect(bit(m, 5));
    cr_expect(!bit(m, 6));
    cr_expect(bit(m, 7) && bit(m, 8));
    cr_expect_eq(hi, 8);
}

Test(sched_list, sets_bits_across_word_boundaries) {
    unsigned long m[NBITS / BPL];
    size_t hi = 0;
    cr_assert_eq(cove_sched_parse_list("63-65,200", m, NBITS, &hi, NULL), 0);
    cr_expect(bit(m, 63) && bit(m, 64) && bit(m, 65) && bit(m, 200));
    cr_expect_eq(count(m), 4);
    cr_expect_eq(hi, 200);
}

Test(sched_list, empty_string_is_an_empty_set) {
    unsigned long m[NBITS / BPL];
    memset(m, 0xff, sizeof(m));
    cr_assert_eq(cove_sched_parse_list("", m, NBITS, NULL, NULL), 0);
    cr_expect_eq(count(m), 0);
}

Test(sched_list, overlapping_and_repeated_entries_are_fine) {
    unsigned long m[NBITS / BPL];
    cr_assert_eq(cove_sched_parse_list("1-4,2-3,4,4", m, NBITS, NULL, NULL), 0);
    cr_expect_eq(count(m), 4);
}

Test(sched_list, rejects_bad_syntax) {
    const char *bad[] = {"a", "1-", "-1", "3-1", "1,", ",1", "1,,2", "1 2", "1-2-3", "0x1", "1;2", " 1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        unsigned long m[NBITS / BPL];
        struct cove_err err = {0};
        cr_expect_eq(cove_sched_parse_list(bad[i], m, NBITS, NULL, &err), -EINVAL, "\"%s\" accepted", bad[i]);
        cr_expect(strstr(err.msg, "invalid list"), "\"%s\": %s", bad[i], err.msg);
    }
}

Test(sched_list, rejects_numbers_out_of_range) {
    unsigned long m[NBITS / BPL];
    struct cove_err err = {0};
    cr_expect_eq(cove_sched_parse_list("0-256", m, NBITS, NULL, &err), -ERANGE);
    cr_expect(strstr(err.msg, "256 is out of range"), "%s", err.msg);
    cr_expect_eq(cove_sched_parse_list("99999999999999999999999", m, NBITS, NULL, &err), -ERANGE);
    cr_expect_eq(cove_sched_parse_list("255", m, NBITS, NULL, NULL), 0);
}

Test(lsm, mount_data_appends_the_context) {
    char *out = NULL;
    cr_assert_eq(cove_lsm_mount_data("mode=755,size=65536k", "system_u:object_r:container_file_t:s0", &out, NULL), 0);
    cr_expect_str_eq(out, "mode=755,size=65536k,context=\"system_u:object_r:container_file_t:s0\"");
    free(out);
    cr_assert_eq(cove_lsm_mount_data(NULL, "l:s0", &out, NULL), 0);
    cr_expect_str_eq(out, "context=\"l:s0\"");
    free(out);
    cr_assert_eq(cove_lsm_mount_data("", "l:s0", &out, NULL), 0);
    cr_expect_str_eq(out, "context=\"l:s0\"");
    free(out);
}

Test(lsm, mount_data_without_label_is_unchanged) {
    char *out = NULL;
    cr_assert_eq(cove_lsm_mount_data("mode=755", NULL, &out, NULL), 0);
    cr_expect_str_eq(out, "mode=755");
    free(out);
    cr_assert_eq(cove_lsm_mount_data(NULL, NULL, &out, NULL), 0);
    cr_expect_null(out);
}
