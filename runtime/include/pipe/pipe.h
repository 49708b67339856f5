/* pipe/pipe.h: the embedding API of libpipert. A C program that links an object built by
 * `pipec build --emit=obj` runs its pipeline through these calls; `pipe_main`, the entry
 * point of every generated executable, is written on top of them.
 *
 *   pipe_error err;
 *   pipe_run *r = pipe_open(&my_program, &err);     // the descriptor from the object
 *   if (!r) { fputs(err.msg, stderr); return 1; }
 *   pipe_set_param(r, "input", "trades.csv");       // optional; -1 on a bad name/value
 *   if (pipe_start(r) == 0) pipe_wait(r);           // threads run between the two
 *   status = pipe_get_error(r)->status;             // 0 ok, 1 run-time failure, 2 usage
 *   pipe_close(r);
 *
 * Ownership: the caller owns the pipe_run handle and frees it with pipe_close (also after
 * a failed pipe_start). The program descriptor is borrowed and must outlive the handle.
 * pipe_set_param copies its strings. Error texts and stats labels belong to the handle and
 * stay valid until pipe_close. The runtime starts one thread per source, stage and sink in
 * pipe_start and joins them all in pipe_wait; pipe_stop may be called from any thread
 * (a signal handler excepted) and makes pipe_wait return promptly.
 * The runtime prints nothing itself: the error texts are returned for the caller to show.
 * TODO(host connectors): binding host() sources and sinks to callbacks comes with them.
 */
#ifndef PIPE_PIPE_H
#define PIPE_PIPE_H

#include <stdint.h>
#include <stdio.h>

#include "pipe/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PIPE_VERSION "0.1.0"

typedef struct pipe_run pipe_run;

/* The first error of a run. `msg` is the full text as pipe_main prints it to standard
 * error, one or more lines each ending in '\n' ("error: ...\n  --> p.pipe:3:1: in ...\n"),
 * or "" when status is 0. status: 0 ok, 1 run-time failure, 2 usage error. */
typedef struct pipe_error {
  int status;
  char msg[1024];
} pipe_error;

/* One line of the --stats table. in = out + filtered + skipped + dead. */
typedef struct pipe_stat {
  char label[128];      /* "source trades (p.pipe:14:1)", "filter (p.pipe:17:5)" */
  int64_t in, out, filtered, skipped, dead;
} pipe_stat;

/* NULL with *err filled when the descriptor is unusable (ABI version, malformed graph). */
pipe_run *pipe_open(const pipe_program_desc *prog, pipe_error *err);
/* Sets a param from its text form (as `--param NAME=VALUE`). Before pipe_start only.
 * 0, or -1 with the error (status 2) in pipe_get_error. */
int pipe_set_param(pipe_run *r, const char *name, const char *value);
/* Resolves defaults, opens every source and sink (so a missing file or column fails
 * before any row is read or written), then starts the threads. 0, or -1 with the error
 * in pipe_get_error (status 2 for a missing param, 1 otherwise). */
int pipe_start(pipe_run *r);
/* Waits for every thread; returns the exit status (0, or 1 after a failure). */
int pipe_wait(pipe_run *r);
/* Cancels the run: every channel wakes, threads stop, pipe_wait returns. Status stays as it
 * was (0 unless something failed). */
void pipe_stop(pipe_run *r);
/* Stops and joins if still running, then frees everything. NULL is ignored. */
void pipe_close(pipe_run *r);
const pipe_error *pipe_get_error(const pipe_run *r);
/* Fills up to max rows of the stats table (valid after pipe_wait); returns how many rows
 * the table has. */
int pipe_get_stats(const pipe_run *r, pipe_stat *rows, int max);
/* Prints the --stats table. */
void pipe_print_stats(const pipe_run *r, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
