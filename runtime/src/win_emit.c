/* win_emit.c: fired groups become output rows.
 *
 * Each fired group becomes one row of a `mid` batch: its key values (copied from the
 * key), window_start and window_end (windows only), then the generated `final` fills the
 * aggregate columns for the whole batch at once. A fired group leaves the lookup
 * structures at once (no later row can reach it) and is freed right after `final` has
 * read it. A mid batch holds at most rt_batch_rows() rows and goes out when it is full
 * or when the input batch that fired its groups is done: firing often (sessions end
 * all the time) must not mean a channel message per row. Without a projection the
 * mid batch is the node's output; with one, the projection kernel runs over it like a
 * stage kernel (row errors under ops[0]'s policy, with the node's sites) into a batch of
 * the node's own schema. Output rows carry the line of the input row that opened their
 * group, so that a projection error can name a place in the input.
 */
#include "rt_window.h"

static void put_key(pipe_column *c, int type, int64_t row, const rt_kval *v) {
  if (v->null) {
    rt_put_null(c, type, row);
    return;
  }
  rt_set_valid(c, row, 1);
  switch (type) {
  case PIPE_T_STRING: rt_str_append(c, row, v->s, v->len); break;
  case PIPE_T_BOOL: rt_bool_set(c, row, (int)v->v.i); break;
  case PIPE_T_F64: ((double *)c->values)[row] = v->v.f; break;
  default: ((int64_t *)c->values)[row] = v->v.i; break;
  }
}

static rt_pool *mid_pool(const rt_window *w) {
  return w->d->project ? w->n->mid_pool : w->n->pool;
}

int rt_win_emit(rt_window *w, rt_group *g) {
  rt_win_group_retire(w, g);
  if (!w->mid) w->mid = rt_batch_get_cap(mid_pool(w), w->batch_rows);
  pipe_batch *mid = w->mid;
  int64_t r = w->nout;
  for (int c = 0; c < w->nkeys; c++) put_key(&mid->cols[c], w->in->fields[c].type, r, &g->key->vals[c]);
  if (w->kind != PIPE_WIN_ALL) {
    ((int64_t *)mid->cols[w->nkeys].values)[r] = g->start;
    ((int64_t *)mid->cols[w->nkeys + 1].values)[r] = g->end;
  }
  mid->lines[r] = g->line;
  mid->wm[r] = INT64_MIN;   /* windows do not pass a watermark on */
  w->out_states[r] = rt_group_state(g);
  w->out_groups[r] = g;
  w->nout++;
  return w->nout >= w->batch_rows ? rt_win_emit_flush(w) : 0;
}

/* Runs the projection over mid (consumed) and sends the result. Under `fail` it stops as
 * a stage does: hangs up its input, sends the rows before the failing one, closes. */
static int project(rt_window *w, pipe_batch *mid) {
  rt_node *n = w->n;
  pipe_batch *out = rt_batch_get_cap(n->pool, mid->nrows);
  out->origin = mid->origin;
  int stop;
  rt_kernel_run(n, w->d->project, &w->d->mid, mid, out, &stop);
  if (!stop) return rt_node_send(n, out);
  rt_node_stop_after(n, out);
  w->closed = 1;
  return -1;
}

int rt_win_emit_flush(rt_window *w) {
  if (w->nout == 0) return 0;
  pipe_batch *mid = w->mid;
  int32_t col = w->nkeys + (w->kind != PIPE_WIN_ALL ? 2 : 0);
  w->d->final(w->out_states, w->nout, mid, 0, col);
  mid->nrows = w->nout;
  mid->origin = w->origin;
  for (int64_t i = 0; i < w->nout; i++) rt_win_group_free(w, w->out_groups[i]);
  w->mid = NULL;
  w->nout = 0;
  if (w->d->project) return project(w, mid);
  return rt_node_send(w->n, mid);
}

int rt_win_emit_fired(rt_window *w) {
  rt_win_sort(w, w->fired, w->nfired);
  int64_t n = w->nfired;
  w->nfired = 0;
  for (int64_t i = 0; i < n; i++) {
    if (rt_win_emit(w, w->fired[i]) != 0) return -1;
  }
  return 0;
}
