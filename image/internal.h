/* image/internal.h — PRIVATE to the image/ sources: JSON access (yajl_tree) and
 * store helpers shared by the image files. Image documents come from
 * untrusted archives: every getter checks the type it expects. */
#ifndef COVE_IMAGE_INTERNAL_H
#define COVE_IMAGE_INTERNAL_H

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "image/image.h"

/* Largest manifest/index/config accepted (they are small JSON files). */
#define IMG_JSON_MAX (8u << 20)

int img_json_parse(const char *buf, size_t len, yajl_val *out, const char *what, struct cove_err *err);
static inline void img_json_freep(yajl_val *v) { if (*v) yajl_tree_free(*v); }
/* Member of an object, NULL when absent or v is not an object. */
yajl_val img_json_get(yajl_val obj, const char *key);
/* String member or NULL (absent / not a string). */
const char *img_json_str(yajl_val obj, const char *key);
/* Integer member; -1 when absent or not an integer >= 0. */
long long img_json_int(yajl_val obj, const char *key);
/* Emit a string (yajl_gen_string with strlen). */
void img_gen_str(yajl_gen g, const char *s);

/* Store internals. */
int img_blob_put(struct cove_image_store *s, const char *digest, const void *data, size_t len, struct cove_err *err);
/* A fresh private dir under <root>/tmp; *fd is its O_DIRECTORY fd. */
int img_tmpdir(struct cove_image_store *s, const char *prefix, char **path, int *fd, struct cove_err *err);
/* Remove a path made by img_tmpdir (best effort). */
void img_tmpdir_remove(struct cove_image_store *s, const char *path);
bool img_layer_exists(struct cove_image_store *s, const char *diff_id);

#endif
