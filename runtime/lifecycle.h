/* runtime/lifecycle.h — the container state machine
 *   creating → created → running ⇄ paused → stopped
 * The CLI asks these functions; it never re-derives the rules. The error
 * texts keep runc's words, which orchestrators match on. */
#ifndef COVE_LIFECYCLE_H
#define COVE_LIFECYCLE_H

#include <stdbool.h>
#include "lib/err.h"
#include "runtime/state.h"

bool cove_can_start(enum cove_status s);
bool cove_can_kill(enum cove_status s);
bool cove_can_delete(enum cove_status s, bool force);
bool cove_can_pause(enum cove_status s);
bool cove_can_resume(enum cove_status s);
bool cove_can_exec(enum cove_status s);

/* Each returns 0 when allowed, else fills err with runc's text. */
int cove_check_start(const char *id, enum cove_status s, struct cove_err *err);
int cove_check_kill(const char *id, enum cove_status s, struct cove_err *err);
int cove_check_delete(const char *id, enum cove_status s, bool force, struct cove_err *err);
int cove_check_pause(const char *id, enum cove_status s, struct cove_err *err);
int cove_check_resume(const char *id, enum cove_status s, struct cove_err *err);
int cove_check_exec(const char *id, enum cove_status s, struct cove_err *err);

#endif
