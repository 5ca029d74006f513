/* image/libs.h — libarchive and libcrypto, loaded (dlopen) when first
 * needed instead of at start. Linked normally they, and what libarchive
 * pulls in (libxml2, ICU, libstdc++: 19 shared objects), cost every
 * cove-image start about 5 ms, `cove sandbox --rootfs` included, which
 * uses neither (docs/benchmark.md). Files that call them include this
 * header instead of <archive.h>/<openssl/evp.h>: the names become calls
 * through the loaded table. */
#ifndef COVE_IMAGE_LIBS_H
#define COVE_IMAGE_LIBS_H

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "lib/err.h"

#define COVE_LIBARCHIVE_FUNCS(X)                                                                           \
    X(archive_entry_atime) X(archive_entry_atime_is_set) X(archive_entry_atime_nsec)                        \
    X(archive_entry_filetype) X(archive_entry_gid) X(archive_entry_hardlink) X(archive_entry_mtime)         \
    X(archive_entry_mtime_nsec) X(archive_entry_pathname) X(archive_entry_perm) X(archive_entry_rdev)       \
    X(archive_entry_size) X(archive_entry_size_is_set) X(archive_entry_symlink) X(archive_entry_uid)        \
    X(archive_entry_xattr_next) X(archive_entry_xattr_reset) X(archive_errno) X(archive_error_string)       \
    X(archive_read_data) X(archive_read_data_block) X(archive_read_free) X(archive_read_new)                \
    X(archive_read_next_header) X(archive_read_open) X(archive_read_support_filter_bzip2)                   \
    X(archive_read_support_filter_gzip) X(archive_read_support_filter_xz)                                  \
    X(archive_read_support_filter_zstd) X(archive_read_support_format_raw)                                 \
    X(archive_read_support_format_tar) X(archive_set_error)
#define COVE_LIBCRYPTO_FUNCS(X)                                                                            \
    X(EVP_DigestFinal_ex) X(EVP_DigestInit_ex) X(EVP_DigestUpdate) X(EVP_MD_CTX_free) X(EVP_MD_CTX_new)     \
    X(EVP_sha256)

#define COVE_LIBS_MEMBER(f) __typeof__(&f) f;
struct cove_image_libs {
    COVE_LIBARCHIVE_FUNCS(COVE_LIBS_MEMBER)
    COVE_LIBCRYPTO_FUNCS(COVE_LIBS_MEMBER)
};
#undef COVE_LIBS_MEMBER
extern struct cove_image_libs cove_image_libs;

/* Load once (thread-unsafe, as all of cove-image); -ENOENT etc. naming
 * the library and its package. */
int cove_libarchive_load(struct cove_err *err);
int cove_libcrypto_load(struct cove_err *err);

#ifndef COVE_IMAGE_LIBS_IMPL
#define archive_entry_atime (cove_image_libs.archive_entry_atime)
#define archive_entry_atime_is_set (cove_image_libs.archive_entry_atime_is_set)
#define archive_entry_atime_nsec (cove_image_libs.archive_entry_atime_nsec)
#define archive_entry_filetype (cove_image_libs.archive_entry_filetype)
#define archive_entry_gid (cove_image_libs.archive_entry_gid)
#define archive_entry_hardlink (cove_image_libs.archive_entry_hardlink)
#define archive_entry_mtime (cove_image_libs.archive_entry_mtime)
#define archive_entry_mtime_nsec (cove_image_libs.archive_entry_mtime_nsec)
#define archive_entry_pathname (cove_image_libs.archive_entry_pathname)
#define archive_entry_perm (cove_image_libs.archive_entry_perm)
#define archive_entry_rdev (cove_image_libs.archive_entry_rdev)
#define archive_entry_size (cove_image_libs.archive_entry_size)
#define archive_entry_size_is_set (cove_image_libs.archive_entry_size_is_set)
#define archive_entry_symlink (cove_image_libs.archive_entry_symlink)
#define archive_entry_uid (cove_image_libs.archive_entry_uid)
#define archive_entry_xattr_next (cove_image_libs.archive_entry_xattr_next)
#define archive_entry_xattr_reset (cove_image_libs.archive_entry_xattr_reset)
#define archive_errno (cove_image_libs.archive_errno)
#define archive_error_string (cove_image_libs.archive_error_string)
#define archive_read_data (cove_image_libs.archive_read_data)
#define archive_read_data_block (cove_image_libs.archive_read_data_block)
#define archive_read_free (cove_image_libs.archive_read_free)
#define archive_read_new (cove_image_libs.archive_read_new)
#define archive_read_next_header (cove_image_libs.archive_read_next_header)
#define archive_read_open (cove_image_libs.archive_read_open)
#define archive_read_support_filter_bzip2 (cove_image_libs.archive_read_support_filter_bzip2)
#define archive_read_support_filter_gzip (cove_image_libs.archive_read_support_filter_gzip)
#define archive_read_support_filter_xz (cove_image_libs.archive_read_support_filter_xz)
#define archive_read_support_filter_zstd (cove_image_libs.archive_read_support_filter_zstd)
#define archive_read_support_format_raw (cove_image_libs.archive_read_support_format_raw)
#define archive_read_support_format_tar (cove_image_libs.archive_read_support_format_tar)
#define archive_set_error (cove_image_libs.archive_set_error)
#define EVP_DigestFinal_ex (cove_image_libs.EVP_DigestFinal_ex)
#define EVP_DigestInit_ex (cove_image_libs.EVP_DigestInit_ex)
#define EVP_DigestUpdate (cove_image_libs.EVP_DigestUpdate)
#define EVP_MD_CTX_free (cove_image_libs.EVP_MD_CTX_free)
#define EVP_MD_CTX_new (cove_image_libs.EVP_MD_CTX_new)
#define EVP_sha256 (cove_image_libs.EVP_sha256)
#endif

#endif
