/* runtime/shim/shim.h — the cove-shim process (docs/shim.md; its client and
 * the supervision it shares with `run`: runtime/supervise.h). */
#ifndef COVE_RUNTIME_SHIM_SHIM_H
#define COVE_RUNTIME_SHIM_SHIM_H

/* cove-shim's main (cmd/cove-shim/main.c only calls this). Never prints;
 * create errors go back to the client over --report-fd. Returns the
 * process exit code. */
int cove_shim_main(int argc, char **argv);

#endif
