/* parallel.c - worker processes for -j N (see ta_parallel.h).  Each worker
 * writes into temporary files; the parent replays them in input order. */
#include "ta_parallel.h"
#include "ta_inputs.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    pid_t pid;
    FILE *out;
    FILE *err;
    FILE *roll;
    int status;
    bool done;
} job;

static void copy(FILE *from, FILE *to)
{
    char buf[65536];
    size_t n;
    rewind(from);
    while ((n = fread(buf, 1, sizeof(buf), from)) > 0) {
        fwrite(buf, 1, n, to);
    }
}

/* The worker: output, messages and counts go to the job's files. */
static void work(job *j, const char *path, int first, ta_work_fn fn, void *arg)
{
    fflush(stderr);
    if (dup2(fileno(j->err), STDERR_FILENO) < 0) {
        _exit(2);
    }
    ta_rollup *roll = ta_rollup_new();
    int rc = roll != NULL ? fn(arg, path, j->out, first, roll) : 2;
    fflush(j->out);
    json_t *dump = ta_rollup_dump(roll);
    json_dumpf(dump, j->roll, JSON_COMPACT);
    json_decref(dump);
    fflush(j->roll);
    fflush(stderr);
    ta_rollup_free(roll);
    _exit(rc);
}

static int start(job *j, const char *path, int first, ta_work_fn fn, void *arg)
{
    j->out = tmpfile();
    j->err = tmpfile();
    j->roll = tmpfile();
    if (j->out == NULL || j->err == NULL || j->roll == NULL) {
        return 0;
    }
    fflush(stdout);
    fflush(stderr);
    j->pid = fork();
    if (j->pid == 0) {
        work(j, path, first, fn, arg);
    }
    return j->pid > 0;
}

/* Replays a finished job and frees it. */
static int finish(job *j, ta_rollup *total)
{
    int rc = WIFEXITED(j->status) ? WEXITSTATUS(j->status) : 2;
    copy(j->out, stdout);
    fflush(stdout);
    copy(j->err, stderr);
    rewind(j->roll);
    json_t *dump = json_loadf(j->roll, 0, NULL);
    if (dump != NULL) {
        ta_rollup_load(total, dump);
        json_decref(dump);
    } else {
        rc = 2;
    }
    fclose(j->out);
    fclose(j->err);
    fclose(j->roll);
    return rc > 2 ? 2 : rc;
}

int ta_parallel_run(char *const *paths, int num, int jobs, ta_work_fn fn, void *arg,
                    ta_rollup *total)
{
    job *js = calloc((size_t)num, sizeof(*js));
    int next = 0;        /* next job to start */
    int emit = 0;        /* next job to write out */
    int running = 0;
    int worst = 0;

    if (js == NULL) {
        return 2;
    }
    while (emit < num) {
        while (running < jobs && next < num) {
            if (!start(&js[next], paths[next], next == 0, fn, arg)) {
                js[next].done = true;
                js[next].status = 2 << 8;
            } else {
                running++;
            }
            next++;
        }
        if (!js[emit].done) {
            int status;
            pid_t pid = wait(&status);
            for (int i = emit; pid > 0 && i < next; i++) {
                if (js[i].pid == pid) {
                    js[i].status = status;
                    js[i].done = true;
                    running--;
                }
            }
            continue;
        }
        worst = ta_exit_worse(worst, js[emit].pid > 0 ? finish(&js[emit], total) : 2);
        emit++;
    }
    free(js);
    return worst;
}
