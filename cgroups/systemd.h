/* cgroups/systemd.h — the systemd cgroup driver (`--systemd-cgroup`): the
 * container's cgroup is a transient scope unit that systemd creates through
 * its D-Bus API (StartTransientUnit on org.freedesktop.systemd1), with
 * Delegate=yes, so systemd knows it and leaves its inside to cove. The
 * scope's cgroup is then an ordinary cgroup for the rest of cove (limits
 * written to its files as with cgroupfs, exec born in it, kill, freeze).
 *
 * libsystemd (sd-bus) is loaded with dlopen only when the driver is used:
 * linked, its ~10 shared objects would cost every `cove` command the
 * dynamic loader's time (docs/benchmark.md). Pure cgroup v2 only for now;
 * docs/cgroups.md "The systemd driver". */
#ifndef COVE_CGROUPS_SYSTEMD_H
#define COVE_CGROUPS_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/config/config.h"
#include "lib/err.h"

/* Where a scope goes. */
struct cove_systemd_unit {
    char *slice;    /* "system.slice", "kubepods-besteffort-pod1.slice" */
    char *unit;     /* "docker-<id>.scope" */
    char *path;     /* its cgroup, from the hierarchy root: "/system.slice/docker-<id>.scope" */
};

/* runc's systemd form of linux.cgroupsPath, "slice:prefix:name":
 * "system.slice:docker:abc" -> unit "docker-abc.scope" in system.slice;
 * an empty slice means system.slice, an empty prefix gives "name.scope";
 * NULL or "" -> "system.slice:cove:<id>". A slice's cgroup is its parent
 * chain ("a-b.slice" lives in "/a.slice/a-b.slice"). Anything else is
 * EINVAL naming linux.cgroupsPath. Pure. */
int cove_systemd_parse_path(const char *cgroups_path, const char *id, struct cove_systemd_unit *u,
                            struct cove_err *err);
/* The cgroup directory of a slice from the root: "-.slice" -> "",
 * "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice". Pure. */
int cove_systemd_slice_path(const char *slice, char **out, struct cove_err *err);
void cove_systemd_unit_free(struct cove_systemd_unit *u);

/* One unit property for StartTransientUnit / SetUnitProperties. */
struct cove_systemd_prop {
    char *name;
    char sig;               /* D-Bus type: 't' 'x' 'u' 'i' 'b' 's', or 'y' for "ay" (bytes) */
    uint64_t u;             /* t, u */
    int64_t i;              /* x, i */
    bool b;
    char *s;
    uint8_t *bytes; size_t n_bytes;
};
struct cove_systemd_props { struct cove_systemd_prop *v; size_t n; };

/* The unit properties for linux.resources (MemoryMax, MemoryLow,
 * MemorySwapMax, CPUWeight from shares, CPUQuotaPerSecUSec +
 * CPUQuotaPeriodUSec, AllowedCPUs, AllowedMemoryNodes, TasksMax, IOWeight;
 * then the unified keys systemd has a property for: memory.max/high/low/
 * min/swap.max, pids.max, cpu.weight, cpu.max, cpuset.cpus/mems) and the `org.systemd.property.
 * <Name>` annotations, which override them (values as in runc: "true",
 * "false", "uint64 N", "int64 N", "uint32 N", "int32 N", a bare integer
 * (uint64 for names ending in "Sec" or "Max", else int32), a quoted
 * string). Errors name the field or annotation. Pure. */
int cove_systemd_props_from_config(const struct cove_resources *res, const struct cove_kv *ann, size_t n_ann,
                                   struct cove_systemd_props *p, struct cove_err *err);
/* Parse one annotation value into p (name set by the caller). Pure. */
int cove_systemd_parse_value(const char *value, const char *name, struct cove_systemd_prop *p, struct cove_err *err);
void cove_systemd_props_free(struct cove_systemd_props *p);

/* Is systemd the host's init (/run/systemd/system exists)? Else ENOTSUP
 * with the one-line reason. */
int cove_systemd_check(struct cove_err *err);
/* StartTransientUnit(u->unit, "replace") with Description, Slice,
 * Delegate=yes, DefaultDependencies=no, PIDs=[pid] and props, on the system
 * bus; waits for its job (JobRemoved) and fails unless the result is
 * "done". One bus connection, no polling. */
int cove_systemd_start_scope(const struct cove_systemd_unit *u, pid_t pid, const struct cove_systemd_props *props,
                             struct cove_err *err);
/* SetUnitProperties(unit, runtime=true, props): `update`. */
int cove_systemd_set_props(const char *unit, const struct cove_systemd_props *props, struct cove_err *err);
/* StopUnit(unit, "replace") and wait for its job; a unit systemd already
 * let go (all its processes gone) is not an error. */
int cove_systemd_stop_unit(const char *unit, struct cove_err *err);

/* Rootless (not root, or root of a non-initial user namespace): cove
 * talks to the user's own systemd instance on $XDG_RUNTIME_DIR/bus, whose
 * slices live below user@UID.service. */
bool cove_systemd_user_manager(void);
/* The scope's cgroup as the manager reports it (ControlGroup, e.g.
 * "/user.slice/user-1000.slice/user@1000.service/user.slice/x.scope"):
 * for the user instance, where the slice name alone does not say. */
int cove_systemd_unit_cgroup(const char *unit, char **path, struct cove_err *err);

#endif
