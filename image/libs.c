/* image/libs.c — see libs.h. */
#define COVE_IMAGE_LIBS_IMPL
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>

#include "image/libs.h"

struct cove_image_libs cove_image_libs;

struct sym { void **slot; const char *name; };

static int load(const char *soname, const char *package, const struct sym *syms, size_t n, bool *done,
                struct cove_err *err) {
    if (*done)
        return 0;
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return cove_err_set(err, ENOENT, "cannot load %s (package %s): %s", soname, package, dlerror());
    for (size_t i = 0; i < n; i++)
        if (!(*syms[i].slot = dlsym(h, syms[i].name)))
            return cove_err_set(err, ENOSYS, "%s: no symbol %s", soname, syms[i].name);
    /* never dlclose'd: the table points into it for the process's life */
    *done = true;
    return 0;
}

#define COVE_LIBS_SYM(f) {(void **)&cove_image_libs.f, #f},

int cove_libarchive_load(struct cove_err *err) {
    static bool done;
    static const struct sym syms[] = {COVE_LIBARCHIVE_FUNCS(COVE_LIBS_SYM)};
    return load("libarchive.so.13", "libarchive13", syms, sizeof(syms) / sizeof(syms[0]), &done, err);
}

int cove_libcrypto_load(struct cove_err *err) {
    static bool done;
    static const struct sym syms[] = {COVE_LIBCRYPTO_FUNCS(COVE_LIBS_SYM)};
    return load("libcrypto.so.3", "libssl3", syms, sizeof(syms) / sizeof(syms[0]), &done, err);
}
