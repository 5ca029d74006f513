/* runtime/protocol.c — see protocol.h. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "namespaces/userns.h"
#include "runtime/protocol.h"

int cove_msg_send(int sock, uint32_t type, const struct cove_err *e) {
    struct cove_msg m = {.type = type};
    size_t len = offsetof(struct cove_msg, text);
    if (e) {
        m.code = e->code;
        size_t n = strnlen(e->msg, sizeof(m.text) - 1);
        memcpy(m.text, e->msg, n);
        m.text[n] = '\0';
        len += n + 1;
    }
    /* MSG_NOSIGNAL: the peer (a `create` that already returned) may be gone */
    ssize_t w;
    do
        w = send(sock, &m, len, MSG_NOSIGNAL);
    while (w < 0 && errno == EINTR);
    return w < 0 ? -errno : 0;
}

int cove_msg_recv(int sock, struct cove_msg *msg) {
    memset(msg, 0, sizeof(*msg));
    ssize_t r;
    do
        r = recv(sock, msg, sizeof(*msg), 0);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return -errno;
    if (r == 0)
        return 0;
    if ((size_t)r < offsetof(struct cove_msg, text))
        return -EPROTO;
    msg->text[sizeof(msg->text) - 1] = '\0';
    return 1;
}

int cove_proto_recv(int sock, struct cove_msg *m, const char *peer, struct cove_err *err) {
    int r = cove_msg_recv(sock, m);
    if (r < 0)
        return cove_err_sys(err, -r, "receive from %s", peer);
    if (r > 0 && m->type == COVE_MSG_ERROR)
        return cove_err_set(err, m->code > 0 ? m->code : EIO, "%s", m->text);
    return r;
}

int32_t cove_proto_child_wait(int sock, uint32_t want) {
    struct cove_msg m;
    if (cove_msg_recv(sock, &m) <= 0 || m.type != want)
        _exit(1); /* the parent failed or went away: it cleans up, nobody to report to */
    return m.code;
}

_Noreturn void cove_proto_child_fail(int sock, struct cove_err *err) {
    cove_msg_send(sock, COVE_MSG_ERROR, err);
    _exit(1);
}

int cove_proto_userns_parent(int sock, pid_t pid, const struct cove_config *c, struct cove_err *err) {
    if (!cove_userns_is_new(c) && !cove_userns_join_path(c))
        return 0;
    struct cove_msg m;
    int r = cove_proto_recv(sock, &m, "container init", err);
    if (r < 0)
        return r;
    if (r == 0)
        return cove_err_set(err, EPIPE, "linux.namespaces: user: container init exited unexpectedly");
    if (m.type != COVE_MSG_READY_FOR_IDMAP)
        return cove_err_set(err, EPROTO, "linux.namespaces: user: unexpected message %u from container init", m.type);
    const struct cove_linux *l = &c->linux;
    /* A joined namespace has its maps: the message only says its
     * namespaces exist now. */
    if (cove_userns_is_new(c) &&
        (r = cove_userns_set_maps(pid, l->uid_mappings, l->n_uid_mappings, l->gid_mappings, l->n_gid_mappings,
                                  err)) < 0)
        return r;
    if ((r = cove_msg_send(sock, COVE_MSG_IDMAP_DONE, NULL)) < 0)
        return cove_err_sys(err, -r, "linux.namespaces: user: send to container init");
    return 0;
}

static int userns_ask_maps(int sock, struct cove_err *err) {
    int r = cove_msg_send(sock, COVE_MSG_READY_FOR_IDMAP, NULL);
    if (r < 0)
        return cove_err_sys(err, -r, "send READY_FOR_IDMAP");
    cove_proto_child_wait(sock, COVE_MSG_IDMAP_DONE);
    return 0;
}

int cove_proto_userns_child(int sock, const struct cove_config *c, bool user_maps, struct cove_err *err) {
    const char *path = cove_userns_join_path(c);
    int r;
    if (cove_userns_is_new(c)) {
        /* The init is non-dumpable (create.c), so its /proc files belong
         * to root: an ordinary user (or newuidmap acting for one) could
         * not write its maps. Dumpable for that moment only: nothing else
         * is in its namespaces yet, and the caller's own processes could
         * ptrace the caller's runtime anyway. */
        if (user_maps && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
            return cove_err_sys(err, errno, "prctl(PR_SET_DUMPABLE) for the id maps");
        if ((r = userns_ask_maps(sock, err)) < 0)
            return r;
        if (user_maps && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
            return cove_err_sys(err, errno, "prctl(PR_SET_DUMPABLE)");
    } else if (path) {
        /* with a new pid namespace the clone helper already put us in it;
         * then tell the parent our namespaces exist (netDevices move in) */
        if ((!cove_userns_spawn_needs_helper(c) && (r = cove_userns_join(path, err)) < 0) ||
            (r = cove_userns_unshare_after_join(c, err)) < 0 || (r = userns_ask_maps(sock, err)) < 0)
            return r;
    } else {
        return 0;
    }
    return cove_userns_become_root(err);
}
