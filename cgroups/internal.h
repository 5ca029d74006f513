/* cgroups/internal.h — shared by the files of cgroups/ only; nothing outside
 * this directory includes it. fsutil.c holds the file helpers (one
 * open+write per value, errors naming the file), v1.c / v2.c the backends,
 * v2_devices.c the eBPF device filter, cgroups.c the dispatch. */
#ifndef COVE_CGROUPS_INTERNAL_H
#define COVE_CGROUPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroups/cgroups.h"

/* ---------------------------------------------------------------- fsutil */
/* Write value to <dir>/<file> with one open(O_WRONLY|O_TRUNC)+write. The
 * error reads `<dir>/<file>: write "<value>": <strerror>`. */
int cgfs_write(const char *dir, const char *file, const char *value, struct cove_err *err);
int cgfs_writef(struct cove_err *err, const char *dir, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Read <dir>/<file> whole into a NUL-terminated malloc'd buffer. */
int cgfs_read(const char *dir, const char *file, char **out, struct cove_err *err);
/* Does <dir>/<file> exist (one faccessat, no read)? */
bool cgfs_exists(const char *dir, const char *file);
/* Parse a cgroup.procs buffer into a pid array. */
int cgfs_parse_pids(const char *buf, pid_t **pids, size_t *n, struct cove_err *err);
int cgfs_read_pids(const char *dir, pid_t **pids, size_t *n, struct cove_err *err);
/* Sleep ms milliseconds (bounded waits in freeze/destroy only). */
void cgfs_sleep_ms(unsigned ms);
/* Values v1 and v2 spell alike: cpuset.cpus/cpuset.mems (the unset ones
 * left alone) and one rdma.max line ("<dev>[ hca_handle=N][ hca_object=N]"). */
int cgfs_write_cpuset(const char *dir, const struct cove_cpu *c, struct cove_err *err);
int cgfs_write_rdma(const char *dir, const struct cove_rdma *x, struct cove_err *err);

/* ---------------------------------------------------------------- leaves */
/* The leaf of cg in the v1 hierarchy that carries controller ctrl
 * ("memory", "cpuacct", "name=systemd"); NULL if none. */
const struct cove_cgroup_leaf *cg_find_v1(const struct cove_cgroup *cg, const char *ctrl);
/* The cgroup2 leaf (unified mode or the hybrid <root>/unified); NULL if none. */
const struct cove_cgroup_leaf *cg_find_v2(const struct cove_cgroup *cg);
/* Does the comma-separated hierarchy name hier carry controller ctrl? */
bool cg_hier_has(const char *hier, const char *ctrl);

/* ---------------------------------------------------------------- v1 */
int cgv1_validate(const struct cove_cgroup_host *host, const struct cove_resources *res, struct cove_err *err);
int cgv1_apply(const struct cove_cgroup *cg, const struct cove_resources *res, struct cove_err *err);
int cgv1_set_devices(const struct cove_cgroup *cg, const struct cove_device_rule *rules, size_t n,
                     struct cove_err *err);
/* Every directory from base (the hierarchy root) down to leaf with an
 * empty cpuset.cpus/mems gets its parent's value, so a pid may join. */
int cgv1_cpuset_fill(const char *base, const char *leaf, struct cove_err *err);
int cgv1_freeze(const char *freezer_dir, bool frozen, struct cove_err *err);

/* ---------------------------------------------------------------- v2 */
int cgv2_validate(const struct cove_resources *res, struct cove_err *err);
int cgv2_apply(const struct cove_cgroup *cg, const char *dir, const struct cove_resources *res, struct cove_err *err);
/* Enable the available controllers in every subtree_control from root down
 * to leaf's parent. leaf_rel is the leaf path relative to root. */
int cgv2_enable_controllers(const char *root, const char *leaf_rel, struct cove_err *err);
int cgv2_freeze(const char *dir, bool frozen, struct cove_err *err);
/* runc's conversions of the v1-shaped spec values (also the systemd
 * driver's unit properties): cpu.shares [2, 262144] -> cpu.weight
 * [1, 10000]; blkio weight [10, 1000] -> io.weight [1, 10000] (0: unset);
 * memory.swap (memory+swap) -> memory.swap.max (*out -1 "max", 0 unset). */
uint64_t cgv2_shares_to_weight(uint64_t shares);
uint64_t cgv2_blkio_to_io_weight(uint64_t w);
int cgv2_swap_to_v2(int64_t swap, int64_t limit, int64_t *out, struct cove_err *err);

/* v2 eBPF device filter. Builds the program for rules + the default allow
 * list; cgv2_devices_build is pure (for tests), cgv2_devices_apply loads and
 * attaches it to dir (replacing programs attached before). */
struct bpf_insn;
int cgv2_devices_build(const struct cove_device_rule *rules, size_t n, struct bpf_insn **prog, size_t *len,
                       struct cove_err *err);
int cgv2_devices_apply(const char *dir, const struct cove_device_rule *rules, size_t n, struct cove_err *err);

/* The devices runc allows in every container (the ones the runtime creates
 * in /dev), appended after the user's rules so they always win. */
extern const struct cove_device_rule cg_default_device_rules[];
extern const size_t cg_n_default_device_rules;
/* "c 1:3 rwm", "a", "b *:* m" into buf (>= 64 bytes). */
void cg_device_rule_string(const struct cove_device_rule *r, char *buf, size_t size);

#endif
