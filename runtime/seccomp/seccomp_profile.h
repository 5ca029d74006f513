/* runtime/seccomp_profile.h — containers.conf-style seccomp profiles
 * (podman/containers-common's seccomp.json, Docker's default profile) to
 * the runtime spec's linux.seccomp.
 *
 * That format is a superset of linux.seccomp: rules carry
 * includes/excludes conditions on the container's capabilities, the
 * architecture and the kernel version, an "archMap" lists the
 * sub-architectures of each native one, and errnos may be given by name.
 * Resolving it for one container (a capability set and an architecture)
 * gives a plain struct cove_seccomp that cove_seccomp_build compiles — what
 * podman does before it writes config.json, and what `cove sandbox` and
 * the tests need to run under the distribution's default profile. */
#ifndef COVE_SECCOMP_PROFILE_H
#define COVE_SECCOMP_PROFILE_H

#include <stddef.h>
#include "runtime/config/config.h"
#include "lib/err.h"

struct cove_seccomp_profile_target {
    /* The container's capability set ("CAP_SYS_ADMIN", ...): podman tests
     * the bounding set. */
    char *const *caps;
    size_t n_caps;
    /* libseccomp's name of the native architecture ("amd64", "arm64",
     * "x86", ...), as used in includes/excludes.arches; NULL: this host's
     * (cove_seccomp_profile_native_arch()). */
    const char *arch;
    /* Kernel "major.minor" compared with includes.minKernel; NULL: this
     * host's (uname). */
    const char *kernel;
};

/* Resolve the profile document json[0..len) for target into *out (zeroed
 * first; out->set is true). Errors name the profile's JSON path:
 * "syscalls[3].includes.caps[0]: must be a string". */
int cove_seccomp_profile_resolve(const char *json, size_t len, const struct cove_seccomp_profile_target *target,
                                 struct cove_seccomp *out, struct cove_err *err);

/* The same, reading the profile from path (at most 4 MiB). */
int cove_seccomp_profile_load(const char *path, const struct cove_seccomp_profile_target *target,
                              struct cove_seccomp *out, struct cove_err *err);

/* Free what resolve filled in (not s itself); s is zeroed. */
void cove_seccomp_profile_free(struct cove_seccomp *s);

/* libseccomp's name of this host's architecture ("amd64" on x86_64), or
 * NULL if unknown. */
const char *cove_seccomp_profile_native_arch(void);

#endif
