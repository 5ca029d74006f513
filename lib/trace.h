/* lib/trace.h — timing points for the start-up breakdown (docs/benchmark.md).
 * Off unless `--debug` (cmd/cove) turns them on: then every cove_trace()
 * records CLOCK_MONOTONIC under a static name, and the CLI logs one debug
 * line per point at exit ("+0.412 ms create: plan"). Off, a point costs
 * one branch. The first point is taken before a protecting re-exec
 * (lib/selfexe.h) and carried across it, so the re-exec is measured too. */
#ifndef COVE_TRACE_H
#define COVE_TRACE_H

#include <stdbool.h>

extern bool cove_trace_on;

/* name: a string literal (kept, not copied). */
void cove_trace(const char *name);

/* For each point, in order: its name and ms since the previous point and
 * since the first. */
void cove_trace_each(void (*fn)(const char *name, double step_ms, double total_ms, void *arg), void *arg);

/* The first point's time as an environment entry for a re-exec
 * ("_COVE_TRACE_T0=<ns>"), and its reading at start (cove_selfexe_init). */
#define COVE_TRACE_ENV "_COVE_TRACE_T0"
void cove_trace_inherit(const char *t0_ns);
long long cove_trace_t0(void);

#endif
