/* image/digest.c — sha256 through OpenSSL's EVP interface. Digests are
 * computed while the bytes stream past (import, unpack), never by a second
 * read of a file an attacker could change in between. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "image/image.h"
#include "image/libs.h"
#include "lib/cleanup.h"

struct cove_sha256 {
    EVP_MD_CTX *ctx;
};

int cove_digest_validate(const char *digest, struct cove_err *err) {
    if (!digest || strncmp(digest, "sha256:", 7) != 0)
        return cove_err_set(err, EINVAL, "digest \"%s\": only sha256 digests are supported", digest ? digest : "");
    const char *h = digest + 7;
    size_t n = strlen(h);
    if (n != 64 || strspn(h, "0123456789abcdef") != 64)
        return cove_err_set(err, EINVAL, "digest \"%s\": expected 64 lower-case hex digits", digest);
    return 0;
}

struct cove_sha256 *cove_sha256_new(void) {
    struct cove_err ignored = {0};
    if (cove_libcrypto_load(&ignored) < 0)
        return NULL; /* callers say "out of memory": libssl3 is a dependency of the package */
    struct cove_sha256 *h = calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(h->ctx);
        free(h);
        return NULL;
    }
    return h;
}

void cove_sha256_update(struct cove_sha256 *h, const void *buf, size_t n) {
    if (n)
        EVP_DigestUpdate(h->ctx, buf, n);
}

void cove_sha256_final(struct cove_sha256 *h, char out[80]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(h->ctx, md, &len);
    strcpy(out, "sha256:");
    for (unsigned i = 0; i < len && i < 32; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
    EVP_MD_CTX_free(h->ctx);
    free(h);
}

void cove_sha256_freep(struct cove_sha256 **h) {
    if (*h) {
        EVP_MD_CTX_free((*h)->ctx);
        free(*h);
        *h = NULL;
    }
}

int cove_sha256_file(int dirfd, const char *path, char out[80], uint64_t *size, struct cove_err *err) {
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return cove_err_sys(err, errno, "open %s", path);
    _cleanup_(cove_sha256_freep) struct cove_sha256 *h = cove_sha256_new();
    if (!h)
        return cove_err_set(err, ENOMEM, "sha256: out of memory");
    enum { BUFSZ = 1 << 16 };
    _cleanup_free_ char *buf = malloc(BUFSZ);
    if (!buf)
        return cove_err_set(err, ENOMEM, "sha256: out of memory");
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, BUFSZ);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return cove_err_sys(err, errno, "read %s", path);
        }
        if (n == 0)
            break;
        cove_sha256_update(h, buf, (size_t)n);
        total += (uint64_t)n;
    }
    cove_sha256_final(TAKE_PTR(h), out);
    if (size)
        *size = total;
    return 0;
}
