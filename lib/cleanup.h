/* lib/cleanup.h — scope-bound ownership (../shared/STYLE.md §2).
 * Every owned resource is declared with a cleanup attribute so an early
 * return cannot leak it; ownership leaves a scope only through TAKE_PTR /
 * TAKE_FD. */
#ifndef COVE_CLEANUP_H
#define COVE_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd) {
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}
/* Close *fd if open and mark it closed; errno is kept, so it is safe on an
 * error path and twice in a row. */
static inline void cove_close(int *fd) {
    closep(fd);
    *fd = -1;
}
/* both ends of a pipe or socketpair */
static inline void closepairp(int (*p)[2]) {
    cove_close(&(*p)[0]);
    cove_close(&(*p)[1]);
}
static inline void fclosep(FILE **f) { if (*f) fclose(*f); }
static inline void closedirp(DIR **d) { if (*d) closedir(*d); }
/* NULL-terminated string vector */
static inline void strv_free(char **v) {
    if (!v) return;
    for (char **p = v; *p; p++) free(*p);
    free(v);
}
static inline void strv_freep(char ***v) { strv_free(*v); }
/* A deep copy of a NULL-terminated vector (NULL: out of memory) */
static inline char **cove_strv_dup(char *const *v) {
    size_t n = 0;
    while (v && v[n])
        n++;
    char **o = (char **)calloc(n + 1, sizeof(char *));
    for (size_t i = 0; o && i < n; i++)
        if (!(o[i] = strdup(v[i]))) {
            strv_free(o);
            return NULL;
        }
    return o;
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_close_pair_ _cleanup_(closepairp)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)
#define _cleanup_strv_ _cleanup_(strv_freep)

#define TAKE_PTR(p) ({ __typeof__(p) _tp = (p); (p) = NULL; _tp; })
#define TAKE_FD(fd) ({ int _tf = (fd); (fd) = -1; _tf; })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
