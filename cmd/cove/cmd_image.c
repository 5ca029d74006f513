/* cmd/cove/cmd_image.c — `cove image import|ls|inspect|rm|gc`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "image/image.h"
#include "runtime/sandbox/sandbox.h"

static const char image_help[] =
    "Usage: cove [--image-root DIR] image COMMAND\n\n"
    "Commands:\n"
    "   import [--name REF] [--platform OS/ARCH[/VARIANT]] [--max-layer-size SIZE]\n"
    "          [--max-layer-entries N] FILE|DIR\n"
    "                  import an OCI image layout dir, an oci-archive tar or a docker-archive tar;\n"
    "                  a layer stops past SIZE uncompressed (default 32G), N entries (default\n"
    "                  1000000), or when the store's filesystem would keep less than 1G or 5%% free\n"
    "   ls             list images (name, config digest, layers, imported)\n"
    "   inspect REF    print the image record and its config (JSON)\n"
    "   rm REF...      remove images (layers stay until gc)\n"
    "   gc             remove layers and blobs no image refers to\n";

static const char *image_root(void) {
    return g_cli.image_root ? g_cli.image_root : COVE_IMAGE_DEFAULT_ROOT;
}

static int image_import(int argc, char **argv) {
    enum { O_NAME = 256, O_PLATFORM, O_MAX_SIZE, O_MAX_ENTRIES };
    static const struct option opts[] = {
        {"name", required_argument, NULL, O_NAME},
        {"platform", required_argument, NULL, O_PLATFORM},
        {"max-layer-size", required_argument, NULL, O_MAX_SIZE},
        {"max-layer-entries", required_argument, NULL, O_MAX_ENTRIES},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    struct cove_import_opts o = {0};
    struct cove_err err = {0};
    cli_sub_argv(argv);
    int64_t size;
    char *end;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case O_NAME: o.name = optarg; break;
        case O_PLATFORM: o.platform = optarg; break;
        case O_MAX_SIZE:
            if (cove_sandbox_parse_size(optarg, &size, &err) < 0 || size <= 0)
                return cli_usage_error("image import", "--max-layer-size %s: a size like 512M or 40G", optarg);
            o.limits.max_bytes = (uint64_t)size;
            break;
        case O_MAX_ENTRIES:
            errno = 0;
            o.limits.max_entries = strtoull(optarg, &end, 10);
            if (errno || *end || !o.limits.max_entries || optarg[0] == '-')
                return cli_usage_error("image import", "--max-layer-entries %s: a positive number", optarg);
            break;
        case 'h': fputs(image_help, stdout); return 0;
        default: return cli_option_error("image import");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("image", "import requires exactly 1 argument (FILE or DIR)");
    o.source = argv[optind];
    struct cove_image_store s;
    if (cove_image_store_open(image_root(), true, &s, &err) < 0)
        return cli_fail(&err);
    char *name = NULL;
    int r = cove_image_import(&s, &o, &name, &err);
    cove_image_store_close(&s);
    if (r < 0)
        return cli_fail(&err);
    printf("%s\n", name);
    free(name);
    return 0;
}

static int image_ls(struct cove_image_store *s) {
    struct cove_err err = {0};
    struct cove_image *imgs;
    size_t n;
    if (cove_image_list(s, &imgs, &n, &err) < 0)
        return cli_fail(&err);
    printf("%-40s %-14s %-7s %s\n", "NAME", "ID", "LAYERS", "IMPORTED");
    for (size_t i = 0; i < n; i++) {
        printf("%-40s %-14.12s %-7zu %s\n", imgs[i].name, imgs[i].config_digest + 7, imgs[i].n_layers,
               imgs[i].created);
        cove_image_free(&imgs[i]);
    }
    free(imgs);
    return 0;
}

static void json_str(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20)
            printf("\\u%04x", ch);
        else
            putchar(ch);
    }
    putchar('"');
}

static int image_inspect(struct cove_image_store *s, const char *ref) {
    struct cove_err err = {0};
    struct cove_image img;
    if (cove_image_get(s, ref, &img, &err) < 0)
        return cli_fail(&err);
    char *cfg = NULL;
    size_t len = 0;
    int r = cove_image_blob_read(s, img.config_digest, &cfg, &len, &err);
    if (r == 0) {
        printf("{\n  \"name\": ");
        json_str(img.name);
        printf(",\n  \"manifest\": ");
        json_str(img.manifest_digest);
        printf(",\n  \"config_digest\": ");
        json_str(img.config_digest);
        printf(",\n  \"imported\": ");
        json_str(img.created);
        printf(",\n  \"layers\": [");
        for (size_t i = 0; i < img.n_layers; i++) {
            char *path = NULL;
            struct cove_err e2 = {0};
            printf("%s\n    {\"diff_id\": ", i ? "," : "");
            json_str(img.diff_ids[i]);
            if (cove_image_layer_path(s, img.diff_ids[i], &path, &e2) == 0) {
                printf(", \"path\": ");
                json_str(path);
                free(path);
            }
            printf("}");
        }
        /* the config blob is JSON already (verified against its digest) */
        printf("\n  ],\n  \"config\": %.*s\n}\n", (int)len, cfg);
    }
    free(cfg);
    cove_image_free(&img);
    return r < 0 ? cli_fail(&err) : 0;
}

/* ls, gc, inspect, rm take no options: name what is left over */
static int image_extra(const char *sub, int argc, char **argv, int max) {
    for (int i = 2; i < argc; i++)
        if (argv[i][0] == '-' || i >= max)
            return cli_usage_error("image", "%s: %s %s", sub, argv[i][0] == '-' ? "unknown option" : "unexpected argument",
                                   argv[i]);
    return 0;
}

int cmd_image(int argc, char **argv) {
    int g = cli_take_globals("image", &argc, argv);
    if (g)
        return g;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(image_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "import") == 0)
        return image_import(argc - 1, argv + 1);
    bool exclusive = strcmp(sub, "rm") == 0 || strcmp(sub, "gc") == 0;
    if (!exclusive && strcmp(sub, "ls") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "inspect") != 0)
        return cli_usage_error("image", "unknown command \"%s\"", sub);
    if (strcmp(sub, "inspect") == 0 && argc < 3)
        return cli_usage_error("image", "inspect requires exactly 1 argument (REF)");
    if (strcmp(sub, "rm") == 0 && argc < 3)
        return cli_usage_error("image", "rm requires at least 1 argument (REF)");
    int r = image_extra(sub, argc, argv, strcmp(sub, "rm") == 0 ? argc : strcmp(sub, "inspect") == 0 ? 3 : 2);
    if (r)
        return r;
    struct cove_err err = {0};
    struct cove_image_store s;
    if (cove_image_store_open(image_root(), exclusive, &s, &err) < 0)
        return cli_fail(&err);
    int rc = 0;
    if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0) {
        rc = image_ls(&s);
    } else if (strcmp(sub, "inspect") == 0) {
        rc = image_inspect(&s, argv[2]);
    } else if (strcmp(sub, "rm") == 0) {
        for (int i = 2; i < argc; i++) {
            if (cove_image_remove(&s, argv[i], &err) < 0)
                rc = cli_fail(&err);
            else
                printf("%s\n", argv[i]);
        }
    } else {
        size_t removed = 0;
        if (cove_image_gc(&s, &removed, &err) < 0)
            rc = cli_fail(&err);
        else
            printf("removed %zu layer(s)\n", removed);
    }
    cove_image_store_close(&s);
    return rc;
}
