/*
 * ta_parallel.h - analysing several captures at once (-j N) with worker
 * processes, writing their results in input order, byte for byte what a
 * single process would write.
 */
#ifndef TA_PARALLEL_H
#define TA_PARALLEL_H

#include <stdio.h>

#include "ta_rollup.h"

/* Runs one capture in a worker: writes its output to |out| (its stderr is
 * already redirected), adds its counts to |roll|, returns its exit status.
 * |first| says whether it is the first capture of the run. */
typedef int (*ta_work_fn)(void *arg, const char *path, FILE *out, int first, ta_rollup *roll);

/* ta_parallel_run runs |fn| on |num| paths with at most |jobs| workers at a
 * time; copies each worker's stdout and stderr to ours in path order and
 * merges its roll-up into |total|.  Returns the worst exit status (2 over
 * 1 over 0; a worker that died counts as 2). */
int ta_parallel_run(char *const *paths, int num, int jobs, ta_work_fn fn, void *arg,
                    ta_rollup *total);

#endif
