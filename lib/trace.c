/* lib/trace.c — see trace.h. */
#include <stdlib.h>
#include <time.h>

#include "lib/trace.h"

bool cove_trace_on;

#define TRACE_MAX 64
static struct { const char *name; long long ns; } points[TRACE_MAX];
static unsigned n_points;
static long long inherited_t0;

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void cove_trace(const char *name) {
    if (!cove_trace_on || n_points >= TRACE_MAX)
        return;
    if (n_points == 0 && inherited_t0) {
        points[n_points++] = (typeof(points[0])){"start (before the re-exec)", inherited_t0};
        if (n_points >= TRACE_MAX)
            return;
    }
    points[n_points++] = (typeof(points[0])){name, now_ns()};
}

void cove_trace_inherit(const char *t0_ns) {
    char *end;
    long long v = t0_ns ? strtoll(t0_ns, &end, 10) : 0;
    if (t0_ns && *end == '\0' && v > 0)
        inherited_t0 = v;
}

long long cove_trace_t0(void) {
    return n_points ? points[0].ns : now_ns();
}

void cove_trace_each(void (*fn)(const char *name, double step_ms, double total_ms, void *arg), void *arg) {
    for (unsigned i = 0; i < n_points; i++)
        fn(points[i].name, i ? (double)(points[i].ns - points[i - 1].ns) / 1e6 : 0.0,
           (double)(points[i].ns - points[0].ns) / 1e6, arg);
}
