/* tests/integration/attack/swap_symlink.c — a process sharing a rootfs
 * directory with the runtime: it keeps replacing DIR/NAME with a symlink to
 * TARGET (symlink + rename, so NAME always exists) until STOP exists.
 * Usage: swap_symlink DIR NAME TARGET STOP [PAUSE_US]
 * PAUSE_US (default 0) between swaps lets some creates get through. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 5 && argc != 6)
        return 2;
    unsigned pause = argc == 6 ? (unsigned)atoi(argv[5]) : 0;
    int d = open(argv[1], O_DIRECTORY | O_CLOEXEC);
    if (d < 0)
        return 1;
    for (unsigned long i = 0;; i++) {
        symlinkat(argv[3], d, ".swap");
        renameat(d, ".swap", d, argv[2]);
        if (pause)
            usleep(pause);
        if ((i & 1023) == 0 && access(argv[4], F_OK) == 0)
            return 0;
    }
}
