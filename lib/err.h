/* lib/err.h — the caller-owned error every fallible function fills.
 *
 * Convention (../shared/STYLE.md §1): a function that can fail returns 0 or
 * -errno and, on failure, fills *err with a message a person can act on:
 * the config field, the path, the syscall. Callers add context while
 * unwinding with cove_err_prefix(); they never overwrite it. */
#ifndef COVE_ERR_H
#define COVE_ERR_H

#include <errno.h>
#include <stddef.h>

#define COVE_ERR_MAX 1024

struct cove_err {
    int code;                 /* positive errno (0: no error recorded) */
    char msg[COVE_ERR_MAX];   /* human text, no trailing newline */
};

/* Set the message (printf-style); returns -errnum (errnum > 0). A NULL err is
 * allowed and ignored. */
int cove_err_set(struct cove_err *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like cove_err_set, then appends ": strerror(errnum)". */
int cove_err_sys(struct cove_err *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend "<prefix>: " (or "<prefix>." when the message already starts
 * with a JSON-path-like field and prefix ends in a field). Returns -code. */
int cove_err_prefix(struct cove_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prepend "<path>" to a message that names a sub-field, joining with '.' or
 * directly for "[n]" — for building JSON paths while unwinding:
 *   cove_err_path(err, "process") on "rlimits[1].type: ..." gives
 *   "process.rlimits[1].type: ...". Returns -code. */
int cove_err_path(struct cove_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline void cove_err_clear(struct cove_err *err) {
    if (err) { err->code = 0; err->msg[0] = '\0'; }
}

#endif
