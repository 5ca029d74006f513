/* runtime/spec.c — see spec.h. The documents are data, kept as text so
 * they read like the config.json they produce. */
#include <stdio.h>
#include <stdlib.h>

#include "runtime/spec.h"
#include "version.h"

#define SPEC_HEAD                                                                  \
    "{\n"                                                                          \
    "\t\"ociVersion\": \"" COVE_SPEC_VERSION "\",\n"                               \
    "\t\"process\": {\n"                                                           \
    "\t\t\"terminal\": true,\n"                                                    \
    "\t\t\"user\": {\n\t\t\t\"uid\": 0,\n\t\t\t\"gid\": 0\n\t\t},\n"               \
    "\t\t\"args\": [\n\t\t\t\"sh\"\n\t\t],\n"                                      \
    "\t\t\"env\": [\n"                                                             \
    "\t\t\t\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n" \
    "\t\t\t\"TERM=xterm\"\n\t\t],\n"                                               \
    "\t\t\"cwd\": \"/\",\n"                                                        \
    "\t\t\"capabilities\": {\n"                                                    \
    "\t\t\t\"bounding\": [\n" CAPS "\t\t\t],\n"                                    \
    "\t\t\t\"effective\": [\n" CAPS "\t\t\t],\n"                                   \
    "\t\t\t\"permitted\": [\n" CAPS "\t\t\t]\n"                                    \
    "\t\t},\n"                                                                     \
    "\t\t\"rlimits\": [\n"                                                         \
    "\t\t\t{\n\t\t\t\t\"type\": \"RLIMIT_NOFILE\",\n\t\t\t\t\"hard\": 1024,\n\t\t\t\t\"soft\": 1024\n\t\t\t}\n" \
    "\t\t],\n"                                                                     \
    "\t\t\"noNewPrivileges\": true\n"                                              \
    "\t},\n"                                                                       \
    "\t\"root\": {\n\t\t\"path\": \"rootfs\",\n\t\t\"readonly\": true\n\t},\n"     \
    "\t\"hostname\": \"cove\",\n"

#define CAPS "\t\t\t\t\"CAP_AUDIT_WRITE\",\n\t\t\t\t\"CAP_KILL\",\n\t\t\t\t\"CAP_NET_BIND_SERVICE\"\n"

#define MOUNT(dst, type, src, opts) \
    "\t\t{\n\t\t\t\"destination\": \"" dst "\",\n\t\t\t\"type\": \"" type "\",\n\t\t\t\"source\": \"" src "\"" opts "\n\t\t}"
#define OPTS(...) ",\n\t\t\t\"options\": [" __VA_ARGS__ "]"

#define MOUNTS_COMMON                                                                          \
    MOUNT("/proc", "proc", "proc", "") ",\n"                                                   \
    MOUNT("/dev", "tmpfs", "tmpfs", OPTS("\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"")) ",\n" \
    MOUNT("/dev/pts", "devpts", "devpts", OPTS("\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"%s")) ",\n" \
    MOUNT("/dev/shm", "tmpfs", "shm", OPTS("\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"")) ",\n" \
    MOUNT("/dev/mqueue", "mqueue", "mqueue", OPTS("\"nosuid\", \"noexec\", \"nodev\"")) ",\n"

#define PATHS                                                                                 \
    "\t\t\"maskedPaths\": [\n"                                                                \
    "\t\t\t\"/proc/acpi\",\n\t\t\t\"/proc/asound\",\n\t\t\t\"/proc/kcore\",\n\t\t\t\"/proc/keys\",\n" \
    "\t\t\t\"/proc/latency_stats\",\n\t\t\t\"/proc/timer_list\",\n\t\t\t\"/proc/timer_stats\",\n"   \
    "\t\t\t\"/proc/sched_debug\",\n\t\t\t\"/sys/firmware\",\n\t\t\t\"/proc/scsi\"\n\t\t],\n"        \
    "\t\t\"readonlyPaths\": [\n"                                                              \
    "\t\t\t\"/proc/bus\",\n\t\t\t\"/proc/fs\",\n\t\t\t\"/proc/irq\",\n\t\t\t\"/proc/sys\",\n"        \
    "\t\t\t\"/proc/sysrq-trigger\"\n\t\t]\n"

#define SPEC_ROOT_FMT \
    SPEC_HEAD \
    "\t\"mounts\": [\n" \
    MOUNTS_COMMON \
    MOUNT("/sys", "sysfs", "sysfs", OPTS("\"nosuid\", \"noexec\", \"nodev\", \"ro\"")) ",\n" \
    MOUNT("/sys/fs/cgroup", "cgroup", "cgroup", OPTS("\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"")) "\n" \
    "\t],\n" \
    "\t\"linux\": {\n" \
    "\t\t\"resources\": {\n\t\t\t\"devices\": [\n\t\t\t\t{\n\t\t\t\t\t\"allow\": false,\n\t\t\t\t\t\"access\": \"rwm\"\n\t\t\t\t}\n\t\t\t]\n\t\t},\n" \
    "\t\t\"namespaces\": [\n" \
    "\t\t\t{\n\t\t\t\t\"type\": \"pid\"\n\t\t\t},\n" \
    "\t\t\t{\n\t\t\t\t\"type\": \"network\"\n\t\t\t},\n" \
    "\t\t\t{\n\t\t\t\t\"type\": \"ipc\"\n\t\t\t},\n" \
    "\t\t\t{\n\t\t\t\t\"type\": \"uts\"\n\t\t\t},\n" \
    "\t\t\t{\n\t\t\t\t\"type\": \"mount\"\n\t\t\t},\n" \
    "\t\t\t{\n\t\t\t\t\"type\": \"cgroup\"\n\t\t\t}\n" \
    "\t\t],\n" \
    PATHS \
    "\t}\n" \
    "}\n"

#define SPEC_ROOTLESS_FMT \
    SPEC_HEAD \
    "\t\"mounts\": [\n" \
    MOUNTS_COMMON \
    MOUNT("/sys", "none", "/sys", OPTS("\"rbind\", \"nosuid\", \"noexec\", \"nodev\", \"ro\"")) "\n" \
    "\t],\n" \
    "\t\"linux\": {\n" \
    "\t\t\"uidMappings\": [\n\t\t\t{\n\t\t\t\t\"containerID\": 0,\n\t\t\t\t\"hostID\": %u,\n\t\t\t\t\"size\": 1\n\t\t\t}\n\t\t],\n" \
    "\t\t\"gidMappings\": [\n\t\t\t{\n\t\t\t\t\"containerID\": 0,\n\t\t\t\t\"hostID\": %u,\n\t\t\t\t\"size\": 1\n\t\t\t}\n\t\t],\n" \
    "\t\t\"namespaces\": [\n" \
    "\t\t\t{\n\t\t\t\t\"type\": \"pid\"\n\t\t\t},\n" \
    "\t\t\t{\n\t\t\t\t\"type\": \"ipc\"\n\t\t\t},\n" \
    "\t\t\t{\n\t\t\t\t\"type\": \"uts\"\n\t\t\t},\n" \
    "\t\t\t{\n\t\t\t\t\"type\": \"mount\"\n\t\t\t},\n" \
    "\t\t\t{\n\t\t\t\t\"type\": \"cgroup\"\n\t\t\t},\n" \
    "\t\t\t{\n\t\t\t\t\"type\": \"user\"\n\t\t\t}\n" \
    "\t\t],\n" \
    PATHS \
    "\t}\n" \
    "}\n"

int cove_spec_default(bool rootless, uid_t uid, gid_t gid, char **json, struct cove_err *err) {
    int n;
    if (rootless)
        n = asprintf(json, SPEC_ROOTLESS_FMT, "", (unsigned)uid, (unsigned)gid);
    else
        n = asprintf(json, SPEC_ROOT_FMT, ", \"gid=5\"");
    if (n < 0)
        return cove_err_set(err, ENOMEM, "out of memory");
    return 0;
}
