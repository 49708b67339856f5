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
 *
 * host() connectors: a `source s: S = host()` is fed by pipe_host_push from any thread of
 * the caller after pipe_start (the row is copied; pushes to one source are serialised by
 * a lock), and ends with pipe_host_end. A `| sink host()` calls a pipe_sink_fn bound with
 * pipe_bind_sink before pipe_start, on the sink's own thread, once per batch; the batch
 * is borrowed for the call only. Every pushing thread must have returned from its last
 * pipe_host_* call before pipe_close.
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

/* One line of the --stats table. in = out + filtered + skipped + dead, except on the line
 * of a window or aggregate: there `out` counts the rows it emitted (one per fired group),
 * `late` the rows that came after their window had fired (0 on every other line), and
 * skipped / dead the rows its key and argument expressions failed on plus the output
 * rows its projection failed on; without the latter, in = aggregated + late + skipped +
 * dead. */
typedef struct pipe_stat {
  char label[128];      /* "source trades (p.pipe:14:1)", "filter (p.pipe:17:5)" */
  int64_t in, out, filtered, skipped, dead, late;
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

/* ---- host() connectors (docs/embedding.md) ----------------------------------------- */

/* Receives every batch a `sink host()` gets, on the sink's thread; `rows` and `schema`
 * are borrowed for the call. Return 0 to go on; any other value N fails the run with
 * "error: host sink returned N". */
typedef int (*pipe_sink_fn)(void *user, const pipe_batch *rows, const pipe_schema_desc *schema);

/* How many `sink host()` the program has, and the node of the i-th in node order (its
 * line, col and schema), or NULL when i is out of range. */
int pipe_host_sinks(const pipe_run *r);
const pipe_node_desc *pipe_host_sink_desc(const pipe_run *r, int i);
/* Binds the i-th host sink. Before pipe_start only; pipe_start fails (status 2) while a
 * host sink is unbound. 0, or -1: no such sink (the error, status 2, in pipe_get_error)
 * or the run has started (the run's error is left alone). */
int pipe_bind_sink(pipe_run *r, int i, pipe_sink_fn fn, void *user);

/* How many `source = host()` the program has, and the node of the i-th (its name and
 * schema: pushed rows give values in the schema's field order), or NULL. */
int pipe_host_sources(const pipe_run *r);
const pipe_node_desc *pipe_host_source_desc(const pipe_run *r, int i);

/* Appends one row to host source `source`: row[k] is the value of field k (bool, i64,
 * timestamp, duration in .i; f64 in .f; strings in .s/.slen, copied; .is_null). Rows are
 * collected into batches of 4096 and handed to the pipeline when a batch is full, at
 * pipe_host_flush or at pipe_host_end. Blocks while the pipeline is behind. After
 * pipe_start only. 0, or -1 with *err filled (err may be NULL): status 2 for a misuse (an
 * unknown source, a null in a non-nullable field, before pipe_start, after pipe_host_end;
 * the row is not taken and the run goes on), status 1 when the run has stopped or failed
 * (see pipe_get_error; rows not yet handed over are dropped). */
int pipe_host_push(pipe_run *r, const char *source, const pipe_value *row, pipe_error *err);
/* Hands the rows pushed so far to the pipeline now (for latency). 0, or -1 as above. */
int pipe_host_flush(pipe_run *r, const char *source, pipe_error *err);
/* The end of the source's input: flushes, then the source sends end-of-stream downstream.
 * The run cannot end before every host source has ended (or pipe_stop was called).
 * Calling it again does nothing. 0, or -1 as above (the source ends all the same). */
int pipe_host_end(pipe_run *r, const char *source, pipe_error *err);

/* Reading a batch from C (a pipe_sink_fn's rows) in the Arrow layout of pipe/abi.h:
 * `col` indexes schema->fields, `row` is below rows->nrows. Values of null rows are
 * unspecified: test pipe_row_is_null first for nullable fields. */
static inline int pipe_row_is_null(const pipe_batch *b, int col, int64_t row) {
  const uint8_t *v = b->cols[col].validity;
  return v && !(v[row >> 3] & (1u << (row & 7)));
}
/* i64, timestamp (microseconds since the epoch) and duration (microseconds) columns. */
static inline int64_t pipe_get_i64(const pipe_batch *b, int col, int64_t row) {
  return ((const int64_t *)b->cols[col].values)[row];
}
static inline double pipe_get_f64(const pipe_batch *b, int col, int64_t row) {
  return ((const double *)b->cols[col].values)[row];
}
/* Bools are bit-packed: row i is bit (i & 7) of byte i >> 3. */
static inline int pipe_get_bool(const pipe_batch *b, int col, int64_t row) {
  return (((const uint8_t *)b->cols[col].values)[row >> 3] >> (row & 7)) & 1;
}
/* The bytes of a string (not NUL-terminated), valid for the callback only. */
static inline pipe_str pipe_get_str(const pipe_batch *b, int col, int64_t row) {
  const int64_t *off = (const int64_t *)b->cols[col].values;
  pipe_str s = {b->cols[col].data + off[row], off[row + 1] - off[row]};
  return s;
}

#ifdef __cplusplus
}
#endif
#endif
