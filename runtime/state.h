/* runtime/state.h — the on-disk container state store.
 *
 * Layout under --root (default /run/cove), documented in docs/state.md:
 *   <root>/<id>/            one directory per container (mode 0711)
 *   <root>/<id>/state.json  written atomically: temp file, fsync, rename
 *   <root>/<id>/exec.fifo   exists while the container is "created"
 * A container exists when its state.json exists. Every command that changes a
 * container holds an exclusive flock on its directory, so concurrent
 * commands on one id are serialized. */
#ifndef COVE_STATE_H
#define COVE_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/config/config.h"
#include "lib/err.h"
#include "lib/fileio.h"
#include "lib/proc.h"

#define COVE_DEFAULT_ROOT "/run/cove"
#define COVE_ID_MAX 1024
/* copy of the creator's /proc/self/cgroup, kept when cgroupsPath is relative */
#define COVE_CGROUP_OWN_FILE "cgroup.own"

/* A linux.netDevices entry moved into the container: delete moves it back. */
struct cove_state_netdev { char *host_name; char *name; };

struct cove_state {
    char *id;
    char *bundle;            /* absolute */
    char *rootfs;            /* absolute */
    pid_t pid;               /* init pid in the host pid namespace (0 if none) */
    uint64_t pid_start;      /* /proc/<pid>/stat field 22, guards against pid reuse */
    char *created;           /* RFC 3339, UTC, nanoseconds */
    char *owner;             /* "" unless rootless */
    char *cgroup_path;       /* resolved cgroup path, e.g. "/cove-test-1/abc" (NULL: none) */
    bool cgroup_owned;       /* cove created the leaf cgroup and removes it on delete */
    char *systemd_unit;      /* --systemd-cgroup: the scope systemd made for it (NULL: none) */
    bool has_exit;           /* the exit status was recorded (by the shim or run) */
    int exit_code;
    char *finished;          /* RFC 3339, when has_exit */
    struct cove_kv *annotations; size_t n_annotations;
    /* linux.intelRdt (runtime/intelrdt.h): removed on delete; absent in
     * older state files */
    char *rdt_clos_dir;      /* NULL: none */
    bool rdt_clos_owned;     /* created by cove (not a shared closID group) */
    char *rdt_mon_dir;       /* NULL: no monitoring group */
    struct cove_state_netdev *net_devices; size_t n_net_devices;
};

enum cove_status {
    COVE_STATUS_CREATING,
    COVE_STATUS_CREATED,
    COVE_STATUS_RUNNING,
    COVE_STATUS_PAUSED,
    COVE_STATUS_STOPPED,
};

const char *cove_status_name(enum cove_status s);

/* Ids: non-empty, at most COVE_ID_MAX bytes, [A-Za-z0-9_+.-] only (no "/",
 * no ".", no ".."), as runc. */
int cove_state_validate_id(const char *id, struct cove_err *err);

/* An open container directory with its lock held. */
struct cove_store {
    char *root;       /* --root */
    char *dir;        /* <root>/<id> */
    int dirfd;        /* O_DIRECTORY fd of <root>/<id>, flock'ed */
};

/* -EINVAL unless root is set: a non-root caller without XDG_RUNTIME_DIR
 * has no default --root (runtime/rootless.h). */
int cove_store_root_check(const char *root, struct cove_err *err);
/* Make <root>/<id> (failing with EEXIST: "container with given ID already
 * exists") and lock it. */
int cove_store_create(const char *root, const char *id, struct cove_store *st, struct cove_err *err);
/* Open and lock an existing container directory. ENOENT: `container "x" does not exist`. */
int cove_store_open(const char *root, const char *id, struct cove_store *st, struct cove_err *err);
/* Remove the whole container directory and close the store. */
int cove_store_remove(struct cove_store *st, struct cove_err *err);
void cove_store_close(struct cove_store *st);

/* <state dir>/owns: what a create in progress has made on the host, written
 * (atomically) before each step that makes it, so that `delete --force`
 * can undo a create that was killed at any moment, or a container whose
 * state.json is damaged: the cgroup path (before the cgroup is made) and
 * then the init's pid and start time (right after the clone). */
#define COVE_OWNS_FILE "owns"
struct cove_owns {
    char *cgroup_path;   /* NULL: no cgroup yet */
    char *systemd_unit;  /* --systemd-cgroup: the scope's name; NULL: none */
    pid_t pid;           /* 0: no process yet */
    unsigned long long pid_start;
};
int cove_owns_save(const struct cove_store *st, const struct cove_owns *o, struct cove_err *err);
/* ENOENT (no file) or EINVAL (damaged) leave *o zeroed */
int cove_owns_load(const struct cove_store *st, struct cove_owns *o, struct cove_err *err);
void cove_owns_free(struct cove_owns *o);

/* state.json: atomic write / load. load gives ENOENT with
 * `container "x" does not exist` when the file is absent. */
int cove_state_save(const struct cove_store *st, const struct cove_state *s, struct cove_err *err);
int cove_state_load(const struct cove_store *st, const char *id, struct cove_state *s, struct cove_err *err);
/* The same without a store (pure, for tests and fuzzing). */
int cove_state_to_json(const struct cove_state *s, char **json, size_t *len, struct cove_err *err);
int cove_state_from_json(const char *json, size_t len, struct cove_state *s, struct cove_err *err);
void cove_state_free(struct cove_state *s);

/* Status from the recorded pid + start time + exec fifo. */
enum cove_status cove_state_status(const struct cove_store *st, const struct cove_state *s);

/* Names of containers under root (sorted), for list. */
int cove_store_list(const char *root, char ***ids, size_t *n, struct cove_err *err);

#endif
