/* inputs.c - expanding directories and @lists into capture paths (see ta_inputs.h). */
#include "ta_inputs.h"
#include "ta_zstream.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DEPTH 32

int ta_exit_worse(int a, int b)
{
    return (a == 2 || b == 2) ? 2 : (a > b ? a : b);
}

/* pcap (both byte orders, µs and ns), pcapng, or compressed (gzip, zstd, xz). */
static bool looks_like_capture(const char *path)
{
    static const unsigned char magics[][4] = {
        {0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, {0x4d, 0x3c, 0xb2, 0xa1},
        {0xa1, 0xb2, 0x3c, 0x4d}, {0x0a, 0x0d, 0x0d, 0x0a},
    };
    unsigned char head[4] = {0};
    size_t n = ta_read_head(path, head, sizeof(head));
    if (ta_zkind_of(path) != TA_Z_NONE) {
        return true;
    }
    for (size_t i = 0; n == 4 && i < sizeof(magics) / sizeof(magics[0]); i++) {
        if (memcmp(head, magics[i], 4) == 0) {
            return true;
        }
    }
    return false;
}

static int walk(const char *dir, int depth, ta_input_fn fn, void *arg, FILE *log)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    int rc = 0;

    if (n < 0) {
        fprintf(log, "tlsanalyze: %s: cannot read the directory: %s\n", dir, strerror(errno));
        return 2;
    }
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        struct stat st;
        char *path = NULL;
        size_t dl = strlen(dir);
        const char *sep = dl > 0 && dir[dl - 1] == '/' ? "" : "/";
        if (name[0] != '.' && asprintf(&path, "%s%s%s", dir, sep, name) >= 0 &&
            lstat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
                rc = ta_exit_worse(rc, walk(path, depth + 1, fn, arg, log));
            } else if (S_ISREG(st.st_mode) && looks_like_capture(path)) {
                rc = ta_exit_worse(rc, fn(arg, path));
            } else if (S_ISREG(st.st_mode)) {
                fprintf(log, "tlsanalyze: %s: skipped: not a pcap, pcapng or compressed capture\n",
                        path);
            }
        }
        free(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int one(const char *a, ta_input_fn fn, void *arg, FILE *log);

/* "@list.txt": one input per line; blank lines and "#" comments skipped. */
static int list(const char *file, ta_input_fn fn, void *arg, FILE *log)
{
    FILE *f = fopen(file, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;

    if (f == NULL) {
        fprintf(log, "tlsanalyze: %s: cannot open the list: %s\n", file, strerror(errno));
        return 2;
    }
    while ((len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
                           line[len - 1] == ' ' || line[len - 1] == '\t')) {
            line[--len] = '\0';
        }
        if (len == 0 || line[0] == '#') {
            continue;
        }
        if (line[0] == '@') {
            fprintf(log, "tlsanalyze: %s: lists do not nest: %s skipped\n", file, line);
            rc = 2;
            continue;
        }
        rc = ta_exit_worse(rc, one(line, fn, arg, log));
    }
    free(line);
    fclose(f);
    return rc;
}

static int one(const char *a, ta_input_fn fn, void *arg, FILE *log)
{
    struct stat st;
    if (a[0] == '@' && a[1] != '\0') {
        return list(a + 1, fn, arg, log);
    }
    if (strcmp(a, "-") != 0 && stat(a, &st) == 0 && S_ISDIR(st.st_mode)) {
        return walk(a, 0, fn, arg, log);
    }
    return fn(arg, a);
}

int ta_inputs_each(char *const *args, int num, ta_input_fn fn, void *arg, FILE *log)
{
    int rc = 0;
    for (int i = 0; i < num; i++) {
        rc = ta_exit_worse(rc, one(args[i], fn, arg, log));
    }
    return rc;
}
