/* lat.c — a tiny per-iteration timer for bench/density.sh.
 *
 * Build:  cc -O2 -Wall -Wextra -o lat lat.c
 *
 * Usage:  lat [-q] N -- CMD [ARG...] [';;' CMD [ARG...]]...
 *   Runs CMD N times, one after the other, each spawned directly with
 *   posix_spawnp (no shell). In every argument, each "%i" is replaced by the
 *   iteration number (0 .. N-1). With ';;' an iteration is a sequence of
 *   commands (e.g. a runtime's create ;; start), run in order; the sequence
 *   stops at its first failing command.
 *   -q  the commands' stderr goes to /dev/null too (stdin and stdout always
 *       do: stdout is lat's result stream; without -q stderr is inherited).
 *
 * Output, one line per iteration, as soon as it ends:
 *   ITER USEC STATUS
 * ITER the iteration number, USEC its wall duration in microseconds
 * (CLOCK_MONOTONIC, from just before the first spawn to just after the last
 * wait), STATUS 0 on success, else the failing command's exit code, 128+SIG
 * if a signal ended it, 127 if it could not be spawned.
 * Exit status: 0 if every iteration succeeded, 1 if any failed, 2 on misuse.
 * lat gets SIGTERM if its parent dies (so an orphaned lat stops spawning).
 * No statistics here: density.sh computes them in awk.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAXSTEPS 8

static void usage(void)
{
    fprintf(stderr, "usage: lat [-q] N -- CMD [ARG...] [';;' CMD [ARG...]]...\n");
    exit(2);
}

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* s with every "%i" replaced by it (a new string) */
static char *subst(const char *s, long it)
{
    char num[24];
    int nl = snprintf(num, sizeof num, "%ld", it);
    size_t cnt = 0;
    for (const char *p = s; (p = strstr(p, "%i")); p += 2) cnt++;
    char *out = malloc(strlen(s) + cnt * (size_t)nl + 1);
    if (!out) { perror("lat: malloc"); exit(2); }
    char *o = out;
    for (const char *p = s; *p;) {
        if (p[0] == '%' && p[1] == 'i') { memcpy(o, num, (size_t)nl); o += nl; p += 2; }
        else *o++ = *p++;
    }
    *o = '\0';
    return out;
}

int main(int argc, char **argv)
{
    int quiet = 0, a = 1;
    if (a < argc && strcmp(argv[a], "-q") == 0) { quiet = 1; a++; }
    if (a >= argc) usage();
    char *end;
    errno = 0;
    long n = strtol(argv[a], &end, 10);
    if (errno || *end || n < 0) usage();
    a++;
    if (a >= argc || strcmp(argv[a], "--") != 0) usage();
    a++;

    /* split the command line into steps at ";;" */
    int nsteps = 0, start[MAXSTEPS], len[MAXSTEPS];
    int s = a;
    for (int i = a; i <= argc; i++) {
        if (i == argc || strcmp(argv[i], ";;") == 0) {
            if (i == s || nsteps == MAXSTEPS) usage();
            start[nsteps] = s; len[nsteps] = i - s; nsteps++;
            s = i + 1;
        }
    }
    if (nsteps == 0) usage();

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none, dfl;
    if (posix_spawn_file_actions_init(&fa) ||
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) ||
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) ||
        (quiet && posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)) ||
        posix_spawnattr_init(&at)) {
        fprintf(stderr, "lat: posix_spawn setup failed\n");
        return 2;
    }
    sigemptyset(&none);
    sigemptyset(&dfl);
    sigaddset(&dfl, SIGPIPE);
    sigaddset(&dfl, SIGINT);
    sigaddset(&dfl, SIGTERM);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dfl);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    setvbuf(stdout, NULL, _IOLBF, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    char **av[MAXSTEPS];
    for (int k = 0; k < nsteps; k++) {
        av[k] = calloc((size_t)len[k] + 1, sizeof(char *));
        if (!av[k]) { perror("lat: calloc"); return 2; }
    }

    int anyfail = 0;
    for (long it = 0; it < n; it++) {
        /* argument substitution is done before the clock starts */
        for (int k = 0; k < nsteps; k++)
            for (int j = 0; j < len[k]; j++) av[k][j] = subst(argv[start[k] + j], it);
        int status = 0;
        long long t0 = now_us();
        for (int k = 0; k < nsteps && status == 0; k++) {
            pid_t pid;
            int e = posix_spawnp(&pid, av[k][0], &fa, &at, av[k], environ);
            if (e) {
                fprintf(stderr, "lat: %s: %s\n", av[k][0], strerror(e));
                status = 127;
                break;
            }
            int ws;
            while (waitpid(pid, &ws, 0) < 0) {
                if (errno != EINTR) { perror("lat: waitpid"); return 2; }
            }
            if (WIFEXITED(ws)) status = WEXITSTATUS(ws);
            else if (WIFSIGNALED(ws)) status = 128 + WTERMSIG(ws);
            else status = 1;
        }
        long long t1 = now_us();
        if (status) anyfail = 1;
        printf("%ld %lld %d\n", it, t1 - t0, status);
        for (int k = 0; k < nsteps; k++)
            for (int j = 0; j < len[k]; j++) free(av[k][j]);
    }
    return anyfail;
}
