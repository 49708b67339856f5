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
 *
 * Typed rows (the functions pipec's --header generates, docs/embedding.md): an array of
 * row structs pushed with pipe_host_push_rows is copied before the call returns; the row
 * structs a pipe_bind_sink_rows callback gets, and the strings they point to, are
 * borrowed for the call. Arrow (pipe/arrow.h): pipe_host_push_arrow takes ownership of
 * the ArrowArray and ArrowSchema it is given, also when it fails: the schema is released
 * before the call returns, the array's release is called exactly once, from whichever
 * thread drops the last batch made of it, at the latest in pipe_close. A
 * pipe_sink_arrow_fn receives an array and a schema it owns; whatever it leaves in them
 * (release != NULL) is released when it returns, so it keeps them by moving them out.
 */
#ifndef PIPE_PIPE_H
#define PIPE_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pipe/abi.h"
#include "pipe/arrow.h"

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

/* ---- typed rows: what the generated header's P_S_push and P_K_bind call ------------ */

/* Where field k of a C row struct lives. A string is `const char *` at `offset` with its
 * int64_t length at `len_offset`; a nullable field has a `bool` at `null_offset` (1:
 * null); bool fields are `bool`, f64 `double`, i64, timestamp and duration `int64_t`.
 * type and nullable repeat the field's schema, so that a header from another version of
 * the program is refused instead of misread. */
typedef struct pipe_field_layout {
  int32_t type;          /* enum pipe_type */
  int32_t nullable;
  int64_t offset;
  int64_t len_offset;    /* strings; -1 otherwise */
  int64_t null_offset;   /* nullable fields; -1 otherwise */
} pipe_field_layout;

/* Appends n rows (stride bytes apart, described by layout[nfields]) to the `source`-th
 * host source (in pipe_host_source_desc's numbering), as n calls of pipe_host_push would,
 * under one lock. Strings are copied. All or nothing for a misuse: a layout that does not
 * match the schema, a string with ptr NULL and len > 0 or len < 0 (status 2, no row
 * taken); status 1 as for pipe_host_push. */
int pipe_host_push_rows(pipe_run *r, int source, const void *rows, size_t n, size_t stride,
                        const pipe_field_layout *layout, int nfields, pipe_error *err);

/* Calls the typed callback `fn` (cast back by `call` to its own type; generated) with the
 * rows of a batch as an array of structs. */
typedef int (*pipe_rows_call_fn)(void (*fn)(void), void *user, const void *rows, size_t n);
/* Binds the i-th host sink to a typed callback: each batch becomes nrows structs (stride
 * bytes apart, laid out as layout[nfields] says; strings point into the batch) passed to
 * call(fn, user, rows, n) on the sink's thread, borrowed for the call. As pipe_bind_sink
 * otherwise; -1 with status 2 also when the layout does not match the sink's schema. */
int pipe_bind_sink_rows(pipe_run *r, int i, pipe_rows_call_fn call, void (*fn)(void), void *user,
                        size_t stride, const pipe_field_layout *layout, int nfields);

/* Sets a param from a typed value: type must be the param's (PIPE_T_*); bool, i64,
 * timestamp and duration in v->i, f64 in v->f, a string in v->s (NUL-terminated when
 * v->slen < 0, else slen bytes without NUL); v->is_null for a nullable param. As
 * pipe_set_param otherwise. */
int pipe_set_param_value(pipe_run *r, const char *name, int type, const pipe_value *v);

/* ---- Arrow C Data Interface (pipe/arrow.h) ------------------------------------------ */

/* Pushes a struct array (format "+s", no struct-level nulls) into host source `source`.
 * Its children are matched to the source's fields by name, in any order, each field
 * exactly once: bool "b", i64 "l", f64 "g", string "U" (large utf8, shared) or "u"
 * (utf8: its int32 offsets are widened to a copy, the bytes are shared), timestamp
 * "tsu:" or "tsu:UTC" (microseconds), duration "tDu". A child of a non-nullable field
 * must have no nulls. The buffers are not copied: the rows go downstream as batches of
 * at most 4096 rows that point into them (a bitmap at an offset that is not a multiple
 * of 8 is copied). Ownership of both structs moves to Pipe in every case (see the top
 * of this file). Rows pushed before with pipe_host_push go first. 0, or -1 with *err as
 * for pipe_host_push (status 2: a schema or array that does not fit; nothing taken). */
int pipe_host_push_arrow(pipe_run *r, const char *source, struct ArrowArray *array,
                         struct ArrowSchema *schema, pipe_error *err);

/* Receives each batch of a host sink as a struct array and its schema (formats as
 * above: "U" for strings, "tsu:UTC", "tDu"), exported without copying: the array holds a
 * reference to the batch, dropped by its release, so the data stays valid and unchanged
 * until then, on any thread, also after pipe_close. The structs are the callee's: keep
 * them by moving them (copy the struct, set the original's release to NULL); what is
 * left in them is released when the callback returns. Return 0 to go on; N fails the
 * run as for pipe_sink_fn. */
typedef int (*pipe_sink_arrow_fn)(void *user, struct ArrowArray *array, struct ArrowSchema *schema);
/* Binds the i-th host sink to an Arrow callback; as pipe_bind_sink. */
int pipe_bind_sink_arrow(pipe_run *r, int i, pipe_sink_arrow_fn fn, void *user);

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
