/* tests/integration/selfexe_probe.c — drives lib/selfexe.c for
 * test_escape_exe.sh: protects itself, then prints how the running image
 * is protected, its task name and where it would find a sibling.
 * Exit 1 (message on stderr) when no protected image could be made. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/selfexe.h"

int main(int argc, char **argv) {
    struct cove_err err = {0};
    cove_selfexe_init();
    if (cove_selfexe_protect(argv, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    struct statvfs sv;
    int seals = fcntl(fd, F_GET_SEALS);
    const char *how = fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY) ? "read-only-mount"
                      : seals >= 0 && (seals & F_SEAL_WRITE)               ? "sealed-memfd"
                                                                           : "writable";
    char comm[17] = "", sib[4096] = "";
    prctl(PR_GET_NAME, comm, 0, 0, 0);
    cove_selfexe_sibling("cove-shim", sib, sizeof(sib), &err);
    printf("%s %s %s %s\n", how, comm, sib, getenv(COVE_SELFEXE_ENV) ? "env-leaked" : "env-clean");
    return argc > 1 && strcmp(argv[1], "--fail") == 0;
}
