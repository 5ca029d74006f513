/* runtime/process_sched.c — see process_sched.h. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/ioprio.h>
#include <linux/mempolicy.h>

#include "runtime/process_sched.h"

#define BITS_PER_LONG (sizeof(unsigned long) * CHAR_BIT)
/* The kernel's MAX_NUMNODES is at most 1 << 10. */
#define COVE_MAX_NODES 1024

/* glibc has no wrapper and <linux/sched/types.h> clashes with <sched.h> on
 * some header versions; the layout is kernel ABI (SCHED_ATTR_SIZE_VER0). */
struct cove_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};

static int parse_num(const char **s, unsigned long *v) {
    if (**s < '0' || **s > '9')
        return -EINVAL;
    char *end;
    errno = 0;
    *v = strtoul(*s, &end, 10);
    if (errno)
        return -ERANGE;
    *s = end;
    return 0;
}

int cove_sched_parse_list(const char *s, unsigned long *mask, size_t nbits, size_t *highest, struct cove_err *err) {
    const char *start = s;
    memset(mask, 0, (nbits + BITS_PER_LONG - 1) / BITS_PER_LONG * sizeof(unsigned long));
    size_t top = 0;
    while (*s) {
        unsigned long lo, hi;
        int r = parse_num(&s, &lo);
        if (r == 0) {
            hi = lo;
            if (*s == '-') {
                s++;
                r = parse_num(&s, &hi);
            }
        }
        if (r == 0 && hi < lo)
            r = -EINVAL;
        if (r == 0 && *s == ',' && !s[1])
            r = -EINVAL; /* trailing comma */
        if (r == 0 && *s && *s != ',')
            r = -EINVAL;
        if (r == -EINVAL)
            return cove_err_set(err, EINVAL, "invalid list \"%s\": expected numbers and ranges like \"0-3,5\"", start);
        if (r < 0 || hi >= nbits)
            return cove_err_set(err, ERANGE, "invalid list \"%s\": %lu is out of range (at most %zu)", start,
                                r < 0 ? lo : hi, nbits - 1);
        for (unsigned long b = lo; b <= hi; b++)
            mask[b / BITS_PER_LONG] |= 1UL << (b % BITS_PER_LONG);
        if (hi > top)
            top = hi;
        if (*s == ',')
            s++;
    }
    if (highest)
        *highest = top;
    return 0;
}

static int set_affinity(const char *list, const char *field, struct cove_err *err) {
    if (!list)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    unsigned long mask[CPU_SETSIZE / BITS_PER_LONG];
    if (cove_sched_parse_list(list, mask, CPU_SETSIZE, NULL, err) < 0)
        return cove_err_prefix(err, "%s", field);
    for (size_t b = 0; b < CPU_SETSIZE; b++)
        if (mask[b / BITS_PER_LONG] & (1UL << (b % BITS_PER_LONG)))
            CPU_SET(b, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0)
        return cove_err_sys(err, errno, "%s: sched_setaffinity \"%s\"", field, list);
    return 0;
}

int cove_process_set_initial_affinity(const struct cove_process *p, struct cove_err *err) {
    return set_affinity(p->exec_cpu_affinity.initial, "process.execCPUAffinity.initial", err);
}

int cove_process_set_final_affinity(const struct cove_process *p, struct cove_err *err) {
    return set_affinity(p->exec_cpu_affinity.final, "process.execCPUAffinity.final", err);
}

static int set_personality(const struct cove_personality *pe, struct cove_err *err) {
    if (!pe->set)
        return 0;
    /* the spec defines no flags yet; the config parser keeps them as
     * strings, so refuse rather than silently ignore one */
    if (pe->n_flags)
        return cove_err_set(err, EINVAL, "linux.personality.flags[0]: unknown flag \"%s\"", pe->flags[0]);
    if (personality(pe->domain) < 0)
        return cove_err_sys(err, errno, "linux.personality: personality(0x%lx)", pe->domain);
    return 0;
}

static int set_scheduler(const struct cove_scheduler *s, struct cove_err *err) {
    if (!s->set)
        return 0;
    struct cove_sched_attr a = {
        .size = sizeof(a),
        .sched_policy = (uint32_t)s->policy,
        .sched_flags = s->flags,
        .sched_nice = s->nice,
        .sched_priority = (uint32_t)s->priority,
        .sched_runtime = s->runtime,
        .sched_deadline = s->deadline,
        .sched_period = s->period,
    };
    if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
        return cove_err_sys(err, errno, "process.scheduler: sched_setattr(policy %d, priority %d, nice %d)",
                            s->policy, s->priority, s->nice);
    return 0;
}

static int set_io_priority(const struct cove_io_priority *io, struct cove_err *err) {
    if (!io->set)
        return 0;
    int v = IOPRIO_PRIO_VALUE(io->klass, io->priority);
    if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, v) < 0)
        return cove_err_sys(err, errno, "process.ioPriority: ioprio_set(class %d, priority %d)", io->klass,
                            io->priority);
    return 0;
}

static int set_memory_policy(const struct cove_memory_policy *mp, struct cove_err *err) {
    if (!mp->set)
        return 0;
    unsigned long mask[COVE_MAX_NODES / BITS_PER_LONG];
    size_t highest = 0;
    const char *nodes = mp->nodes ? mp->nodes : "";
    if (cove_sched_parse_list(nodes, mask, COVE_MAX_NODES, &highest, err) < 0)
        return cove_err_prefix(err, "linux.memoryPolicy.nodes");
    bool empty = !*nodes;
    /* MPOL_DEFAULT and MPOL_LOCAL take no nodes; the kernel would say only
     * EINVAL, so say which field is wrong */
    if (!empty && (mp->mode == MPOL_DEFAULT || mp->mode == MPOL_LOCAL))
        return cove_err_set(err, EINVAL, "linux.memoryPolicy.nodes: must be empty for mode %s",
                            mp->mode == MPOL_DEFAULT ? "MPOL_DEFAULT" : "MPOL_LOCAL");
    if (empty && mp->mode != MPOL_DEFAULT && mp->mode != MPOL_LOCAL && mp->mode != MPOL_PREFERRED)
        return cove_err_set(err, EINVAL, "linux.memoryPolicy.nodes: required for mode %d", mp->mode);
    /* maxnode counts bits and the kernel reads maxnode - 1 of them */
    unsigned long maxnode = empty ? 0 : highest + 2;
    if (syscall(SYS_set_mempolicy, mp->mode | (int)mp->flags, empty ? NULL : mask, maxnode) < 0) {
        int e = errno;
        return cove_err_sys(err, e, "linux.memoryPolicy: set_mempolicy(mode %d, nodes \"%s\", flags 0x%x)%s",
                            mp->mode, nodes, mp->flags,
                            e == EINVAL ? " refused by the kernel (node offline or not allowed by cpuset.mems?)"
                                        : "");
    }
    return 0;
}

int cove_process_set_sched(const struct cove_config *c, struct cove_err *err) {
    int r;
    if ((r = set_personality(&c->linux.personality, err)) < 0 ||
        (r = set_scheduler(&c->process.scheduler, err)) < 0 ||
        (r = set_io_priority(&c->process.io_priority, err)) < 0 ||
        (r = set_memory_policy(&c->linux.memory_policy, err)) < 0)
        return r;
    return 0;
}
