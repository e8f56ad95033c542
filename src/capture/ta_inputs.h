/*
 * ta_inputs.h - the command line's inputs as a list of capture paths:
 * files as given, "-" for standard input, directories walked recursively in
 * name order (files that are not captures skipped with one line each), and
 * "@list.txt" naming one input per line.
 */
#ifndef TA_INPUTS_H
#define TA_INPUTS_H

#include <stdio.h>

/* ta_exit_worse combines two exit statuses: 2 (bad input) over 1 (a
 * failure diagnosed) over 0. */
int ta_exit_worse(int a, int b);

/* Called for each capture path, in order; returns the path's exit status
 * contribution. */
typedef int (*ta_input_fn)(void *arg, const char *path);

/* ta_inputs_each expands |num| arguments and calls |fn| on every capture;
 * notes about skipped files go to |log|.  Returns the worst status: 2 for
 * an unreadable argument or list, else the worst of |fn|'s results (2 over
 * 1 over 0). */
int ta_inputs_each(char *const *args, int num, ta_input_fn fn, void *arg, FILE *log);

#endif
