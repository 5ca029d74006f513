/* runtime/lifecycle.c — see lifecycle.h. */
#include "runtime/lifecycle.h"

bool cove_can_start(enum cove_status s) { return s == COVE_STATUS_CREATED; }
bool cove_can_kill(enum cove_status s) {
    return s == COVE_STATUS_CREATED || s == COVE_STATUS_RUNNING || s == COVE_STATUS_PAUSED;
}
/* like runc, a created container (its process never ran) may be deleted
 * without --force; a running one needs it */
bool cove_can_delete(enum cove_status s, bool force) {
    return force || s == COVE_STATUS_STOPPED || s == COVE_STATUS_CREATED;
}
bool cove_can_pause(enum cove_status s) { return s == COVE_STATUS_RUNNING || s == COVE_STATUS_CREATED; }
bool cove_can_resume(enum cove_status s) { return s == COVE_STATUS_PAUSED; }
bool cove_can_exec(enum cove_status s) { return s == COVE_STATUS_CREATED || s == COVE_STATUS_RUNNING; }

int cove_check_start(const char *id, enum cove_status s, struct cove_err *err) {
    if (cove_can_start(s))
        return 0;
    if (s == COVE_STATUS_STOPPED)
        return cove_err_set(err, EINVAL, "cannot start a container that has stopped");
    return cove_err_set(err, EINVAL, "cannot start an already running container");
}

int cove_check_kill(const char *id, enum cove_status s, struct cove_err *err) {
    if (cove_can_kill(s))
        return 0;
    return cove_err_set(err, ESRCH, "container not running");
}

int cove_check_delete(const char *id, enum cove_status s, bool force, struct cove_err *err) {
    if (cove_can_delete(s, force))
        return 0;
    return cove_err_set(err, EBUSY, "cannot delete container %s that is not stopped: %s", id, cove_status_name(s));
}

int cove_check_pause(const char *id, enum cove_status s, struct cove_err *err) {
    if (cove_can_pause(s))
        return 0;
    if (s == COVE_STATUS_PAUSED)
        return cove_err_set(err, EINVAL, "container already paused");
    return cove_err_set(err, ESRCH, "container not running");
}

int cove_check_resume(const char *id, enum cove_status s, struct cove_err *err) {
    if (cove_can_resume(s))
        return 0;
    return cove_err_set(err, EINVAL, "container not paused");
}

int cove_check_exec(const char *id, enum cove_status s, struct cove_err *err) {
    if (cove_can_exec(s))
        return 0;
    if (s == COVE_STATUS_PAUSED)
        return cove_err_set(err, EINVAL, "cannot exec in a paused container (use --ignore-paused to override)");
    return cove_err_set(err, EINVAL, "cannot exec in a stopped container");
}
