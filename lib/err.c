/* lib/err.c — see err.h. */
#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int err_vset(struct cove_err *err, int errnum, const char *fmt, va_list ap) {
    if (errnum <= 0)
        errnum = EINVAL;
    if (!err)
        return -errnum;
    err->code = errnum;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    return -errnum;
}

int cove_err_set(struct cove_err *err, int errnum, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = err_vset(err, errnum, fmt, ap);
    va_end(ap);
    return r;
}

int cove_err_sys(struct cove_err *err, int errnum, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = err_vset(err, errnum, fmt, ap);
    va_end(ap);
    if (err) {
        size_t len = strlen(err->msg);
        snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(-r));
    }
    return r;
}

static int err_vprepend(struct cove_err *err, const char *sep_rule, const char *fmt, va_list ap) {
    if (!err)
        return -EINVAL;
    if (err->code <= 0)
        err->code = EINVAL;
    char head[COVE_ERR_MAX];
    vsnprintf(head, sizeof(head), fmt, ap);
    const char *sep = ": ";
    if (sep_rule) /* JSON path join */
        sep = (err->msg[0] == '[' || err->msg[0] == '\0') ? "" : ".";
    /* head + sep + old message, truncated to the buffer */
    size_t hl = strlen(head), sl = strlen(sep), ml = strlen(err->msg);
    if (hl + sl >= COVE_ERR_MAX)
        hl = COVE_ERR_MAX - 1 - sl;
    if (hl + sl + ml >= COVE_ERR_MAX)
        ml = COVE_ERR_MAX - 1 - hl - sl;
    memmove(err->msg + hl + sl, err->msg, ml);
    memcpy(err->msg, head, hl);
    memcpy(err->msg + hl, sep, sl);
    err->msg[hl + sl + ml] = '\0';
    return -err->code;
}

int cove_err_prefix(struct cove_err *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = err_vprepend(err, NULL, fmt, ap);
    va_end(ap);
    return r;
}

int cove_err_path(struct cove_err *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int r = err_vprepend(err, "path", fmt, ap);
    va_end(ap);
    return r;
}
