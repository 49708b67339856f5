/* run_fail.c: failing and stopping a run, and how nodes are named in its messages.
 *
 * Every failure records the run's first error text under its mutex (later ones are
 * dropped: one error is printed) and sets `stopping`. A graceful failure (a row error
 * under fail, a read error) stops there: the failing node drains itself and the sources
 * stop between batches, so everything before the failing row is still written. An
 * emergency (a writer's I/O error, pipe_stop, EPIPE on stdout) also cancels every channel
 * so that all threads wake and exit at once. pipe_wait then returns the status and
 * pipe_main prints the text. Row errors and their policies are in rowerr.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

const char *rt_origin_name(const char *origin) {
  if (!origin) return "<unknown>";
  return strcmp(origin, "-") == 0 ? "<stdin>" : origin;
}

/* Wakes every thread: those blocked on a channel, and sinks waiting to retry. */
static void cancel_all(pipe_run *r) {
  for (int i = 0; i < r->nchans; i++) rt_chan_cancel(r->chans[i]);
  rt_run_wake(r);
}

void rt_run_fail_drain(pipe_run *r, int status, const char *text) {
  pthread_mutex_lock(&r->mu);
  if (r->err.status == 0) {
    r->err.status = status;
    snprintf(r->err.msg, sizeof r->err.msg, "%s", text);
  }
  r->stopping = 1;
  pthread_mutex_unlock(&r->mu);
}

void rt_run_fail(pipe_run *r, int status, const char *text) {
  rt_run_fail_drain(r, status, text);
  cancel_all(r);
}

int rt_run_stopping(pipe_run *r) {
  pthread_mutex_lock(&r->mu);   /* once per batch: cheap next to reading 4096 rows */
  int s = r->stopping;
  pthread_mutex_unlock(&r->mu);
  return s;
}

void rt_run_stop(pipe_run *r) {
  pthread_mutex_lock(&r->mu);
  r->stopping = 1;
  pthread_mutex_unlock(&r->mu);
  cancel_all(r);
}

void rt_format_open_error(pipe_run *r, const pipe_node_desc *d, const char *where,
                          const char *msg, pipe_error *err) {
  err->status = 1;
  snprintf(err->msg, sizeof err->msg, "error: %s\n  --> %s:%d:%d: in %s\n", msg,
           r->prog->file ? r->prog->file : "?", d->line, d->col, where);
}

static const char *sink_kind(int kind) {
  switch (kind) {
  case PIPE_CONN_CSV: return "csv";
  case PIPE_CONN_JSONL: return "jsonl";
  case PIPE_CONN_SQLITE: return "sqlite";
  case PIPE_CONN_POSTGRES: return "postgres";
  default: return "host";
  }
}

/* "window" or "aggregate": a window node, or the window a PREP operator of stage
 * `stage` prepares (the node that reads the stage). */
static const char *window_word(const pipe_program_desc *p, int node) {
  const pipe_node_desc *d = &p->nodes[node];
  if (d->kind == PIPE_NODE_STAGE)
    for (int i = node + 1; i < p->nnodes; i++)
      if (p->nodes[i].input == node && p->nodes[i].kind == PIPE_NODE_WINDOW) {
        d = &p->nodes[i];
        break;
      }
  if (d->kind != PIPE_NODE_WINDOW) return "window";
  if (d->window) return d->window->kind == PIPE_WIN_ALL ? "aggregate" : "window";
  return d->nops > 0 && d->ops[0].kind == PIPE_OP_AGGREGATE ? "aggregate" : "window";
}

static const char *op_word(const rt_node *n, int kind) {
  switch (kind) {
  case PIPE_OP_FILTER: return "filter";
  case PIPE_OP_SELECT: return "select";
  case PIPE_OP_PREP: return window_word(n->run->prog, n->index);
  case PIPE_OP_WINDOW: return "window";
  case PIPE_OP_AGGREGATE: return "aggregate";
  default: return "stage";
  }
}

void rt_node_label(const rt_node *n, int op, int quoted, char *buf, size_t size) {
  const pipe_node_desc *d = n->d;
  const char *q = quoted ? "`" : "";
  switch (d->kind) {
  case PIPE_NODE_SOURCE:
    snprintf(buf, size, "source %s%s%s", q, d->name ? d->name : "?", q);
    break;
  case PIPE_NODE_STAGE:
    snprintf(buf, size, "%s", op_word(n, op >= 0 && op < d->nops ? d->ops[op].kind : 0));
    break;
  case PIPE_NODE_WINDOW:
    snprintf(buf, size, "%s", window_word(n->run->prog, n->index));
    break;
  default: snprintf(buf, size, "sink %s", sink_kind(d->conn.kind)); break;
  }
}

void rt_node_ioerr(rt_node *n, const char *msg, int was_epipe) {
  if (was_epipe && n->path && strcmp(n->path, "-") == 0) {
    rt_run_stop(n->run);   /* `prog | head`: the reader of our output is done, so are we */
    return;
  }
  char where[160], text[1024];
  rt_node_label(n, 0, 1, where, sizeof where);
  snprintf(text, sizeof text, "error: %s\n  --> %s:%d:%d: in %s\n", msg,
           n->run->prog->file ? n->run->prog->file : "?", n->d->line, n->d->col, where);
  /* A bad read is like a bad record: what came before it is still written. A writer's
   * error cannot be drained around (its output is broken), so it cancels everything. */
  if (n->d->kind == PIPE_NODE_SOURCE) rt_run_fail_drain(n->run, 1, text);
  else rt_run_fail(n->run, 1, text);
}

