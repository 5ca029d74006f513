/* runtime/config/config_json.h — PRIVATE to runtime/config*.c: a small owned JSON
 * tree built from yajl's event parser, plus typed getters whose error
 * messages name the field ("limit: must be an integer") so callers only
 * prepend the outer path while unwinding (cove_err_path).
 *
 * Why not yajl_tree: it loses string lengths (an escaped \u0000 would
 * silently truncate a path such as linux.cgroupsPath), allows comments, and
 * keeps duplicate keys. Building our own tree lets us reject all three with
 * the JSON path of the offending value, and keeps yajl out of every header.
 * Nothing outside runtime/config*.c may include this file, except
 * runtime/seccomp_profile.c: a containers.conf seccomp profile is config
 * input too and gets the same strict reader. */
#ifndef COVE_CONFIG_JSON_H
#define COVE_CONFIG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/config/config.h"
#include "lib/err.h"

/* Deeper documents are refused before any tree is built. */
#define CJ_MAX_DEPTH 64

enum cj_type { CJ_NULL, CJ_BOOL, CJ_NUMBER, CJ_STRING, CJ_OBJECT, CJ_ARRAY };

struct cj_node {
    enum cj_type type;
    bool boolean;
    char *str;               /* string value, or the number's source text */
    size_t n, cap;           /* children of an object or array */
    char **keys;             /* object keys, parallel to items */
    struct cj_node **items;
};

int cj_parse(const char *buf, size_t len, struct cj_node **out, struct cove_err *err);
void cj_free(struct cj_node *n);
static inline void cj_freep(struct cj_node **n) { if (*n) cj_free(*n); }

const char *cj_type_name(const struct cj_node *v);
const struct cj_node *cj_get(const struct cj_node *obj, const char *key);

/* Node conversions: 0 or -EINVAL/-ERANGE, err says "must be ..." with no
 * field name (the caller adds it). */
int cj_to_i64(const struct cj_node *v, int64_t *out, struct cove_err *err);
int cj_to_u64(const struct cj_node *v, uint64_t *out, struct cove_err *err);
int cj_to_u32(const struct cj_node *v, uint32_t *out, struct cove_err *err);
int cj_to_str(const struct cj_node *v, char **out, struct cove_err *err);

/* Keyed getters. An absent key (or, for optional fields, an explicit null)
 * leaves *out alone and *has false. Errors read "<key>: must be ...". */
int cj_str(const struct cj_node *obj, const char *key, char **out, struct cove_err *err);
int cj_str_req(const struct cj_node *obj, const char *key, char **out, struct cove_err *err);
int cj_bool(const struct cj_node *obj, const char *key, bool *out, bool *has, struct cove_err *err);
int cj_i64(const struct cj_node *obj, const char *key, int64_t *out, bool *has, struct cove_err *err);
int cj_u64(const struct cj_node *obj, const char *key, uint64_t *out, bool *has, struct cove_err *err);
int cj_u32(const struct cj_node *obj, const char *key, uint32_t *out, bool *has, struct cove_err *err);
int cj_i64_range(const struct cj_node *obj, const char *key, int64_t min, int64_t max,
                 int64_t *out, bool *has, struct cove_err *err);
int cj_opt_i64(const struct cj_node *obj, const char *key, struct cove_opt_i64 *out, struct cove_err *err);
int cj_opt_u64(const struct cj_node *obj, const char *key, struct cove_opt_u64 *out, struct cove_err *err);
/* Array of strings, stored NULL-terminated with its count. */
int cj_strv(const struct cj_node *obj, const char *key, char ***out, size_t *n, struct cove_err *err);
int cj_obj(const struct cj_node *obj, const char *key, const struct cj_node **out, struct cove_err *err);
int cj_arr(const struct cj_node *obj, const char *key, const struct cj_node **out, struct cove_err *err);
/* Object of string values. */
int cj_kv(const struct cj_node *obj, const char *key, struct cove_kv **out, size_t *n, struct cove_err *err);

/* Allocation that cannot be confused with an empty array: n == 0 gives a
 * valid 1-element zeroed block. */
void *cj_calloc(size_t n, size_t size);

#define CJ_TRY(expr) do { int _r = (expr); if (_r < 0) return _r; } while (0)

/* Shared between the config*.c files. */
int config_parse_process(const struct cj_node *v, struct cove_process *p, struct cove_err *err);
int config_parse_linux(const struct cj_node *v, struct cove_linux *l, struct cove_err *err);
int config_parse_resources(const struct cj_node *v, struct cove_resources *r, struct cove_err *err);
int config_parse_idmaps(const struct cj_node *obj, const char *key, struct cove_idmap **out,
                        size_t *n, struct cove_err *err);
bool config_path_is_absolute(const char *p);
/* One seccomp rule's args[i] (an object): index and op required, value too
 * when value_required (config.json; a seccomp profile may leave it out). */
int config_parse_seccomp_arg(const struct cj_node *av, size_t i, bool value_required, struct cove_seccomp_arg *sa,
                             struct cove_err *err);
/* Each entry must be KEY=value with a non-empty KEY. */
int config_check_env(char **env, size_t n, const char *key, struct cove_err *err);
void config_free_process(struct cove_process *p);
void config_free_linux(struct cove_linux *l);
/* linux.seccomp, also what cove_seccomp_profile_resolve fills */
void config_free_seccomp(struct cove_seccomp *s);
void config_free_resources(struct cove_resources *r);

/* Name tables private to config (config_names.c). -1 if unknown. */
int config_sched_policy_from_name(const char *name);
int64_t config_sched_flag_from_name(const char *name);
int config_ioprio_class_from_name(const char *name);
int config_mpol_mode_from_name(const char *name);
int config_mpol_flag_from_name(const char *name);
int64_t config_personality_domain_from_name(const char *name);

#endif
