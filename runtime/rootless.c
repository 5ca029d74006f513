/* runtime/rootless.c — see rootless.h and docs/rootless.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/fileio.h"
#include "runtime/rootless.h"
#include "image/image.h"
#include "runtime/state.h"

int cove_rootless_parse(const char *s, enum cove_rootless *out) {
    static const struct { const char *word; enum cove_rootless v; } words[] = {
        {"auto", COVE_ROOTLESS_AUTO}, {"true", COVE_ROOTLESS_TRUE},  {"t", COVE_ROOTLESS_TRUE},
        {"1", COVE_ROOTLESS_TRUE},    {"false", COVE_ROOTLESS_FALSE}, {"f", COVE_ROOTLESS_FALSE},
        {"0", COVE_ROOTLESS_FALSE},
    };
    for (size_t i = 0; s && i < sizeof(words) / sizeof(words[0]); i++)
        if (strcasecmp(s, words[i].word) == 0) {
            *out = words[i].v;
            return 0;
        }
    return -EINVAL;
}

bool cove_rootless_resolve(enum cove_rootless mode) {
    if (mode != COVE_ROOTLESS_AUTO)
        return mode == COVE_ROOTLESS_TRUE;
    return geteuid() != 0 || cove_in_user_namespace();
}

bool cove_rootless_per_user_dirs(uid_t euid, const char *xdg, const char *user) {
    if (euid != 0)
        return true;
    /* root of a rootless podman's user namespace is still its user */
    return xdg && *xdg && (!user || strcmp(user, "root") != 0) && cove_in_user_namespace();
}

int cove_rootless_state_root(bool per_user, const char *xdg, char **out) {
    *out = NULL;
    if (!per_user)
        return (*out = strdup(COVE_DEFAULT_ROOT)) ? 0 : -ENOMEM;
    if (!xdg || xdg[0] != '/')
        return 0;
    return asprintf(out, "%s/cove", xdg) < 0 ? (*out = NULL, -ENOMEM) : 0;
}

int cove_rootless_image_root(bool per_user, const char *xdg_data_home, const char *home, char **out) {
    *out = NULL;
    int n = 0;
    if (!per_user)
        return (*out = strdup(COVE_IMAGE_DEFAULT_ROOT)) ? 0 : -ENOMEM;
    if (xdg_data_home && xdg_data_home[0] == '/')
        n = asprintf(out, "%s/cove", xdg_data_home);
    else if (home && home[0] == '/')
        n = asprintf(out, "%s/.local/share/cove", home);
    return n < 0 ? (*out = NULL, -ENOMEM) : 0;
}
