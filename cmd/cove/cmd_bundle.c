/* cmd/cove/cmd_bundle.c — `cove bundle --image REF DIR [-- CMD...]`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "image/image.h"

int cmd_bundle(int argc, char **argv) {
    int g = cli_take_globals("bundle", &argc, argv);
    if (g)
        return g;
    enum { O_IMAGE = 256 };
    static const struct option opts[] = {
        {"image", required_argument, NULL, O_IMAGE},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *ref = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case O_IMAGE: ref = optarg; break;
        case 'h':
            printf("Usage: cove [--image-root DIR] bundle --image REF DIR [-- CMD ARGS...]\n\n"
                   "Write DIR/config.json from the image's config (Entrypoint/Cmd, Env, WorkingDir, User,\n"
                   "Labels as annotations) and an empty DIR/rootfs. `cove run`/`create` mount the image's\n"
                   "layers there as an overlay with a private upper dir; `delete` removes it.\n"
                   "CMD replaces the image's Entrypoint and Cmd.\n");
            return 0;
        default: return cli_option_error("bundle");
        }
    }
    if (!ref)
        return cli_usage_error("bundle", "--image REF is required");
    if (optind >= argc)
        return cli_usage_error("bundle", "the bundle directory is required");
    const char *dir = argv[optind++];
    if (optind < argc && strcmp(argv[optind], "--") == 0)
        optind++;
    struct cove_err err = {0};
    struct cove_image_store s;
    if (cove_image_store_open(g_cli.image_root ? g_cli.image_root : COVE_IMAGE_DEFAULT_ROOT, false, &s, &err) < 0)
        return cli_fail(&err);
    int r = cove_bundle_from_image(&s, ref, dir, optind < argc ? argv + optind : NULL, &err);
    cove_image_store_close(&s);
    return r < 0 ? cli_fail(&err) : 0;
}
