/* runtime/config/config_json.c — the JSON layer of the config parser: input
 * screening, an owned tree built from yajl's event API, typed getters.
 * See config_json.h for why this is not yajl_tree. */
#include "runtime/config/config_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#include "lib/cleanup.h"

void *cj_calloc(size_t n, size_t size) {
    return calloc(n ? n : 1, size);
}

/* ------------------------------------------------------------ screening */

/* Returns the offset of the first byte that is not valid UTF-8, or len. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t need;
        uint32_t cp;
        if (c < 0x80) { i++; continue; }
        else if (c >= 0xc2 && c <= 0xdf) { need = 1; cp = c & 0x1f; }
        else if (c >= 0xe0 && c <= 0xef) { need = 2; cp = c & 0x0f; }
        else if (c >= 0xf0 && c <= 0xf4) { need = 3; cp = c & 0x07; }
        else return i;
        if (len - i <= need)
            return i;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        /* overlong 3/4-byte forms, UTF-16 surrogates, beyond U+10FFFF */
        if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return i;
        i += need + 1;
    }
    return len;
}

/* Bracket depth outside strings, before any allocation: a 100k-deep
 * document must be refused without recursing or allocating per level. */
static int check_depth(const char *buf, size_t len, struct cove_err *err) {
    size_t depth = 0;
    bool in_str = false, esc = false;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_str) {
            if (esc) esc = false;
            else if (c == '\\') esc = true;
            else if (c == '"') in_str = false;
            continue;
        }
        if (c == '"') in_str = true;
        else if (c == '[' || c == '{') {
            if (++depth > CJ_MAX_DEPTH)
                return cove_err_set(err, EINVAL,
                                    "config: JSON nested deeper than %d levels (offset %zu)",
                                    CJ_MAX_DEPTH, i);
        } else if ((c == ']' || c == '}') && depth > 0)
            depth--;
    }
    return 0;
}

static int screen_input(const char *buf, size_t len, struct cove_err *err) {
    if (!buf || len == 0)
        return cove_err_set(err, EINVAL, "config: empty document");
    const char *nul = memchr(buf, '\0', len);
    if (nul)
        return cove_err_set(err, EINVAL, "config: NUL byte at offset %zu", (size_t)(nul - buf));
    size_t bad = utf8_invalid_at((const unsigned char *)buf, len);
    if (bad != len)
        return cove_err_set(err, EINVAL, "config: invalid UTF-8 at offset %zu", bad);
    size_t i = 0;
    while (i < len && strchr(" \t\r\n", buf[i]))
        i++;
    if (i == len)
        return cove_err_set(err, EINVAL, "config: empty document");
    return check_depth(buf, len, err);
}

/* ------------------------------------------------------------ tree build */

struct builder {
    struct cj_node *root;
    struct cj_node *stack[CJ_MAX_DEPTH + 1];
    size_t depth;
    char *pending_key;
    struct cove_err *err;
    int failed;          /* -errno once a callback refused */
};

void cj_free(struct cj_node *n) {
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys)
            free(n->keys[i]);
        cj_free(n->items[i]);
    }
    free(n->keys);
    free(n->items);
    free(n->str);
    free(n);
}

/* Path of the container at stack[upto-1], e.g. "linux.resources.devices[2]". */
static void stack_path(const struct builder *b, size_t upto, char *buf, size_t sz) {
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i + 1 < upto && off < sz; i++) {
        const struct cj_node *p = b->stack[i];
        if (p->type == CJ_OBJECT)
            off += snprintf(buf + off, sz - off, "%s%s", off ? "." : "", p->keys[p->n - 1]);
        else
            off += snprintf(buf + off, sz - off, "[%zu]", p->n - 1);
    }
}

/* Path of the value being added right now. */
static void current_path(const struct builder *b, char *buf, size_t sz) {
    stack_path(b, b->depth, buf, sz);
    if (b->depth == 0)
        return;
    size_t off = strlen(buf);
    const struct cj_node *p = b->stack[b->depth - 1];
    if (off >= sz)
        return;
    if (p->type == CJ_OBJECT)
        snprintf(buf + off, sz - off, "%s%s", off ? "." : "", b->pending_key ? b->pending_key : "");
    else
        snprintf(buf + off, sz - off, "[%zu]", p->n);
}

static int fail(struct builder *b, int r) {
    b->failed = r;
    return 0;   /* tells yajl to stop */
}

static int add_child(struct builder *b, struct cj_node *v) {
    if (b->depth == 0) {
        b->root = v;
        return 1;
    }
    struct cj_node *p = b->stack[b->depth - 1];
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 4;
        struct cj_node **items = realloc(p->items, cap * sizeof(*items));
        if (!items) { cj_free(v); return fail(b, cove_err_set(b->err, ENOMEM, "config: out of memory")); }
        p->items = items;
        if (p->type == CJ_OBJECT) {
            char **keys = realloc(p->keys, cap * sizeof(*keys));
            if (!keys) { cj_free(v); return fail(b, cove_err_set(b->err, ENOMEM, "config: out of memory")); }
            p->keys = keys;
        }
        p->cap = cap;
    }
    if (p->type == CJ_OBJECT)
        p->keys[p->n] = TAKE_PTR(b->pending_key);
    p->items[p->n++] = v;
    return 1;
}

static struct cj_node *new_node(struct builder *b, enum cj_type t) {
    struct cj_node *v = calloc(1, sizeof(*v));
    if (!v)
        fail(b, cove_err_set(b->err, ENOMEM, "config: out of memory"));
    else
        v->type = t;
    return v;
}

static int cb_null(void *ctx) {
    struct builder *b = ctx;
    struct cj_node *v = new_node(b, CJ_NULL);
    return v ? add_child(b, v) : 0;
}

static int cb_bool(void *ctx, int val) {
    struct builder *b = ctx;
    struct cj_node *v = new_node(b, CJ_BOOL);
    if (!v)
        return 0;
    v->boolean = val;
    return add_child(b, v);
}

static int cb_number(void *ctx, const char *s, size_t len) {
    struct builder *b = ctx;
    struct cj_node *v = new_node(b, CJ_NUMBER);
    if (!v)
        return 0;
    v->str = strndup(s, len);
    if (!v->str) { cj_free(v); return fail(b, cove_err_set(b->err, ENOMEM, "config: out of memory")); }
    return add_child(b, v);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len) {
    struct builder *b = ctx;
    if (memchr(s, '\0', len)) {
        /* An escaped \u0000 would truncate the C string: refuse it with the
         * field's path rather than act on a shorter path or name. */
        char path[512];
        current_path(b, path, sizeof(path));
        return fail(b, cove_err_set(b->err, EINVAL, "%s: must not contain NUL (\\u0000)", path));
    }
    struct cj_node *v = new_node(b, CJ_STRING);
    if (!v)
        return 0;
    v->str = strndup((const char *)s, len);
    if (!v->str) { cj_free(v); return fail(b, cove_err_set(b->err, ENOMEM, "config: out of memory")); }
    return add_child(b, v);
}

static int cb_key(void *ctx, const unsigned char *s, size_t len) {
    struct builder *b = ctx;
    free(b->pending_key);
    b->pending_key = strndup((const char *)s, len);
    if (!b->pending_key)
        return fail(b, cove_err_set(b->err, ENOMEM, "config: out of memory"));
    if (memchr(s, '\0', len)) {
        char path[512];
        current_path(b, path, sizeof(path));
        return fail(b, cove_err_set(b->err, EINVAL, "%s: key must not contain NUL (\\u0000)", path));
    }
    return 1;
}

static int push(struct builder *b, enum cj_type t) {
    if (b->depth >= CJ_MAX_DEPTH)   /* screened already; belt and braces */
        return fail(b, cove_err_set(b->err, EINVAL, "config: JSON nested deeper than %d levels", CJ_MAX_DEPTH));
    struct cj_node *v = new_node(b, t);
    if (!v || !add_child(b, v))
        return 0;
    b->stack[b->depth++] = v;
    return 1;
}

static int cb_start_map(void *ctx) { return push(ctx, CJ_OBJECT); }
static int cb_start_array(void *ctx) { return push(ctx, CJ_ARRAY); }
static int cb_end_array(void *ctx) { ((struct builder *)ctx)->depth--; return 1; }

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A duplicate key would make the first or the last value win depending on
 * the reader; refuse it so cove and any other tool see the same config. */
static int cb_end_map(void *ctx) {
    struct builder *b = ctx;
    struct cj_node *m = b->stack[b->depth - 1];
    if (m->n > 1) {
        _cleanup_free_ char **sorted = malloc(m->n * sizeof(char *));
        if (!sorted)
            return fail(b, cove_err_set(b->err, ENOMEM, "config: out of memory"));
        memcpy(sorted, m->keys, m->n * sizeof(char *));
        qsort(sorted, m->n, sizeof(char *), cmp_str);
        for (size_t i = 1; i < m->n; i++) {
            if (strcmp(sorted[i - 1], sorted[i]) == 0) {
                char path[512];
                stack_path(b, b->depth, path, sizeof(path));
                size_t off = strlen(path);
                snprintf(path + off, sizeof(path) - off, "%s%s", off ? "." : "", sorted[i]);
                return fail(b, cove_err_set(b->err, EINVAL, "%s: duplicate key", path));
            }
        }
    }
    b->depth--;
    return 1;
}

static const yajl_callbacks callbacks = {
    .yajl_null = cb_null,
    .yajl_boolean = cb_bool,
    .yajl_number = cb_number,
    .yajl_string = cb_string,
    .yajl_start_map = cb_start_map,
    .yajl_map_key = cb_key,
    .yajl_end_map = cb_end_map,
    .yajl_start_array = cb_start_array,
    .yajl_end_array = cb_end_array,
};

int cj_parse(const char *buf, size_t len, struct cj_node **out, struct cove_err *err) {
    CJ_TRY(screen_input(buf, len, err));

    struct builder b = { .err = err };
    yajl_handle h = yajl_alloc(&callbacks, NULL, &b);
    if (!h)
        return cove_err_set(err, ENOMEM, "config: out of memory");
    /* Defaults are what we want: no comments, UTF-8 validated, no trailing
     * garbage, a single top-level value. */
    yajl_status st = yajl_parse(h, (const unsigned char *)buf, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    int r = 0;
    if (st != yajl_status_ok) {
        if (b.failed < 0) {
            r = b.failed;
        } else {
            unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)buf, len);
            size_t off = yajl_get_bytes_consumed(h);
            char text[256];
            snprintf(text, sizeof(text), "%s", msg ? (const char *)msg : "parse error");
            for (char *p = text; *p; p++)
                if (*p == '\n') *p = ' ';
            size_t tl = strlen(text);
            while (tl > 0 && text[tl - 1] == ' ')
                text[--tl] = '\0';
            if (msg)
                yajl_free_error(h, msg);
            r = cove_err_set(err, EINVAL, "config: invalid JSON near offset %zu: %s", off, text);
        }
    }
    yajl_free(h);
    free(b.pending_key);
    if (r < 0) {
        cj_free(b.root);
        return r;
    }
    *out = b.root;
    return 0;
}

/* ------------------------------------------------------------ access */

const char *cj_type_name(const struct cj_node *v) {
    static const char *const names[] = {
        [CJ_NULL] = "null", [CJ_BOOL] = "boolean", [CJ_NUMBER] = "number",
        [CJ_STRING] = "string", [CJ_OBJECT] = "object", [CJ_ARRAY] = "array",
    };
    return v ? names[v->type] : "nothing";
}

const struct cj_node *cj_get(const struct cj_node *obj, const char *key) {
    if (!obj || obj->type != CJ_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

/* JSON integers only: no fraction, no exponent ("1.0" is not a uid). */
static bool is_integer_text(const char *s) {
    if (*s == '-')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int cj_to_i64(const struct cj_node *v, int64_t *out, struct cove_err *err) {
    if (!v || v->type != CJ_NUMBER || !is_integer_text(v->str))
        return cove_err_set(err, EINVAL, "must be an integer");
    errno = 0;
    long long x = strtoll(v->str, NULL, 10);
    if (errno == ERANGE)
        return cove_err_set(err, ERANGE, "integer %s out of range", v->str);
    *out = x;
    return 0;
}

int cj_to_u64(const struct cj_node *v, uint64_t *out, struct cove_err *err) {
    if (!v || v->type != CJ_NUMBER || !is_integer_text(v->str))
        return cove_err_set(err, EINVAL, "must be an integer");
    if (v->str[0] == '-')
        return cove_err_set(err, ERANGE, "must not be negative (got %s)", v->str);
    errno = 0;
    unsigned long long x = strtoull(v->str, NULL, 10);
    if (errno == ERANGE)
        return cove_err_set(err, ERANGE, "integer %s out of range", v->str);
    *out = x;
    return 0;
}

int cj_to_u32(const struct cj_node *v, uint32_t *out, struct cove_err *err) {
    uint64_t x;
    CJ_TRY(cj_to_u64(v, &x, err));
    if (x > UINT32_MAX)
        return cove_err_set(err, ERANGE, "%" PRIu64 " does not fit in 32 bits", x);
    *out = (uint32_t)x;
    return 0;
}

int cj_to_str(const struct cj_node *v, char **out, struct cove_err *err) {
    if (!v || v->type != CJ_STRING)
        return cove_err_set(err, EINVAL, "must be a string");
    char *s = strdup(v->str);
    if (!s)
        return cove_err_set(err, ENOMEM, "out of memory");
    free(*out);
    *out = s;
    return 0;
}

/* Optional fields may be written as null by generators; treat as absent. */
static const struct cj_node *get_present(const struct cj_node *obj, const char *key) {
    const struct cj_node *v = cj_get(obj, key);
    return (v && v->type == CJ_NULL) ? NULL : v;
}

int cj_str(const struct cj_node *obj, const char *key, char **out, struct cove_err *err) {
    const struct cj_node *v = get_present(obj, key);
    if (!v)
        return 0;
    if (cj_to_str(v, out, err) < 0)
        return cove_err_prefix(err, "%s", key);
    return 0;
}

int cj_str_req(const struct cj_node *obj, const char *key, char **out, struct cove_err *err) {
    if (!get_present(obj, key))
        return cove_err_set(err, EINVAL, "%s: is required", key);
    return cj_str(obj, key, out, err);
}

int cj_bool(const struct cj_node *obj, const char *key, bool *out, bool *has, struct cove_err *err) {
    const struct cj_node *v = get_present(obj, key);
    if (has)
        *has = false;
    if (!v)
        return 0;
    if (v->type != CJ_BOOL)
        return cove_err_set(err, EINVAL, "%s: must be a boolean", key);
    *out = v->boolean;
    if (has)
        *has = true;
    return 0;
}

int cj_i64(const struct cj_node *obj, const char *key, int64_t *out, bool *has, struct cove_err *err) {
    const struct cj_node *v = get_present(obj, key);
    if (has)
        *has = false;
    if (!v)
        return 0;
    if (cj_to_i64(v, out, err) < 0)
        return cove_err_prefix(err, "%s", key);
    if (has)
        *has = true;
    return 0;
}

int cj_u64(const struct cj_node *obj, const char *key, uint64_t *out, bool *has, struct cove_err *err) {
    const struct cj_node *v = get_present(obj, key);
    if (has)
        *has = false;
    if (!v)
        return 0;
    if (cj_to_u64(v, out, err) < 0)
        return cove_err_prefix(err, "%s", key);
    if (has)
        *has = true;
    return 0;
}

int cj_u32(const struct cj_node *obj, const char *key, uint32_t *out, bool *has, struct cove_err *err) {
    const struct cj_node *v = get_present(obj, key);
    if (has)
        *has = false;
    if (!v)
        return 0;
    if (cj_to_u32(v, out, err) < 0)
        return cove_err_prefix(err, "%s", key);
    if (has)
        *has = true;
    return 0;
}

int cj_i64_range(const struct cj_node *obj, const char *key, int64_t min, int64_t max,
                 int64_t *out, bool *has, struct cove_err *err) {
    int64_t x;
    bool h = false;
    CJ_TRY(cj_i64(obj, key, &x, &h, err));
    if (h && (x < min || x > max))
        return cove_err_set(err, ERANGE, "%s: %" PRId64 " out of range %" PRId64 "..%" PRId64,
                            key, x, min, max);
    if (h)
        *out = x;
    if (has)
        *has = h;
    return 0;
}

int cj_opt_i64(const struct cj_node *obj, const char *key, struct cove_opt_i64 *out, struct cove_err *err) {
    return cj_i64(obj, key, &out->v, &out->set, err);
}

int cj_opt_u64(const struct cj_node *obj, const char *key, struct cove_opt_u64 *out, struct cove_err *err) {
    return cj_u64(obj, key, &out->v, &out->set, err);
}

int cj_obj(const struct cj_node *obj, const char *key, const struct cj_node **out, struct cove_err *err) {
    const struct cj_node *v = get_present(obj, key);
    *out = NULL;
    if (!v)
        return 0;
    if (v->type != CJ_OBJECT)
        return cove_err_set(err, EINVAL, "%s: must be an object", key);
    *out = v;
    return 0;
}

int cj_arr(const struct cj_node *obj, const char *key, const struct cj_node **out, struct cove_err *err) {
    const struct cj_node *v = get_present(obj, key);
    *out = NULL;
    if (!v)
        return 0;
    if (v->type != CJ_ARRAY)
        return cove_err_set(err, EINVAL, "%s: must be an array", key);
    *out = v;
    return 0;
}

int cj_strv(const struct cj_node *obj, const char *key, char ***out, size_t *n, struct cove_err *err) {
    const struct cj_node *a;
    CJ_TRY(cj_arr(obj, key, &a, err));
    if (!a)
        return 0;
    _cleanup_strv_ char **v = calloc(a->n + 1, sizeof(char *));
    if (!v)
        return cove_err_set(err, ENOMEM, "%s: out of memory", key);
    for (size_t i = 0; i < a->n; i++)
        if (cj_to_str(a->items[i], &v[i], err) < 0)
            return cove_err_prefix(err, "%s[%zu]", key, i);
    strv_free(*out);
    *out = TAKE_PTR(v);
    *n = a->n;
    return 0;
}

int cj_kv(const struct cj_node *obj, const char *key, struct cove_kv **out, size_t *n, struct cove_err *err) {
    const struct cj_node *o;
    CJ_TRY(cj_obj(obj, key, &o, err));
    if (!o)
        return 0;
    struct cove_kv *kv = cj_calloc(o->n, sizeof(*kv));
    if (!kv)
        return cove_err_set(err, ENOMEM, "%s: out of memory", key);
    /* Hand over first so a failure below is freed by the config's free. */
    *out = kv;
    *n = o->n;
    for (size_t i = 0; i < o->n; i++) {
        kv[i].key = strdup(o->keys[i]);
        if (!kv[i].key)
            return cove_err_set(err, ENOMEM, "%s: out of memory", key);
        if (cj_to_str(o->items[i], &kv[i].value, err) < 0)
            return cove_err_prefix(err, "%s[\"%s\"]", key, o->keys[i]);
    }
    return 0;
}
