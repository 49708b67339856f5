/* window.c: the thread of a window or aggregate node.
 *
 * The node keeps a clock C, the largest watermark seen (INT64_MIN at first). For each
 * input row in arrival order: C = max(C, the row's watermark, in->wm); every group whose
 * end is at most C fires; then the row is placed: its key is found (win_key.c) and its
 * group made or found (win_pane.c, win_keyed.c), or it is late. A WATERMARK message moves
 * C the same way; EOS fires everything and ends the output. Because lateness follows the
 * per-row watermark, results do not depend on where batches were cut. Windows do not
 * pass watermarks on. Aggregates (PIPE_WIN_ALL) have no clock: they fire at EOS only.
 *
 * Placing a row only records its state in states[i]; the generated `update` then folds a
 * whole run of rows at once, called once per run between two firings or session merges
 * (anything that frees states) and never per row. next_fire, the earliest end among open
 * groups, makes a row that fires nothing cost one comparison.
 *
 * When the node must stop early (a projection row under `fail`, a dead-letter write
 * error, cancellation, no consumer left) it hangs up its input as a stage does, closes
 * its outputs and frees its state.
 */
#include <stdlib.h>

#include "rt_window.h"

static int64_t gcd64(int64_t a, int64_t b) {
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* Whether the source feeding node `i` stamps watermarks. Without (the compiler refuses
 * a window there, but a hand-written descriptor may have one) in->wm is unspecified:
 * the clock then stays put and everything fires at EOS. */
static int has_watermark(const pipe_program_desc *p, int i) {
  while (p->nodes[i].kind != PIPE_NODE_SOURCE) i = p->nodes[i].input;
  return p->nodes[i].watermark_field >= 0;
}

rt_window *rt_win_new(rt_node *n) {
  rt_window *w = rt_xcalloc(1, sizeof *w);
  const pipe_window_desc *d = n->d->window;
  w->n = n;
  w->d = d;
  w->in = &n->run->prog->nodes[n->d->input].schema;
  w->kind = d->kind;
  w->clocked = d->kind != PIPE_WIN_ALL && has_watermark(n->run->prog, n->d->input);
  w->nkeys = d->nkeys;
  w->size = d->size;
  w->every = d->kind == PIPE_WIN_SLIDING ? d->every : d->size;
  if (d->kind == PIPE_WIN_TUMBLING || d->kind == PIPE_WIN_SLIDING) w->pane = gcd64(w->size, w->every);
  w->sstride = ((size_t)d->state_size + 15) & ~(size_t)15;
  w->nstates = d->kind == PIPE_WIN_SLIDING && w->every != w->size ? 2 : 1;
  w->gsize = RT_GROUP_HDR + (size_t)w->nstates * w->sstride;
  w->scan = INT64_MIN;
  w->batch_rows = rt_batch_rows();
  w->clock = INT64_MIN;
  w->next_fire = INT64_MAX;
  w->out_states = rt_xmalloc((size_t)w->batch_rows * sizeof *w->out_states);
  w->out_groups = rt_xmalloc((size_t)w->batch_rows * sizeof *w->out_groups);
  return w;
}

void rt_win_free(rt_window *w) {
  if (w->mid) rt_batch_release(w->mid);
  rt_win_groups_free(w);
  rt_win_slides_free(w);
  rt_win_keys_free(w);
  free(w->slots);
  free(w->hash);
  free(w->states);
  free(w->fired);
  free(w->sortbuf);
  free(w->out_states);
  free(w->out_groups);
  free(w);
}

void rt_win_flush(rt_window *w, int64_t end) {
  if (end > w->run) w->d->update(w->cur, w->states, w->run, end, w->seq0);
  w->run = end;
}

static int fire(rt_window *w, int64_t to, int eos) {
  if (w->kind == PIPE_WIN_TUMBLING || w->kind == PIPE_WIN_SLIDING)
    return rt_win_pane_fire(w, to, eos);
  return rt_win_keyed_fire(w, to, eos);
}

/* Whether C = max(C, c) makes something fire: a group ends at or before it. */
static int due(const rt_window *w, int64_t c) {
  return (c > w->clock ? c : w->clock) >= w->next_fire;
}

/* C = max(C, c), firing every group that ends at or before it. */
static int advance(rt_window *w, int64_t c) {
  if (due(w, c)) return fire(w, c > w->clock ? c : w->clock, 0);
  if (c > w->clock) w->clock = c;   /* nothing ends up to c: those windows are done */
  return 0;
}

static void *place(rt_window *w, rt_key *k, const pipe_batch *in, int64_t i, int64_t *late_end) {
  int64_t line = in->lines ? in->lines[i] : 0;
  if (w->kind == PIPE_WIN_ALL) return rt_win_all_place(w, k, line);
  int64_t ts = ((const int64_t *)in->cols[w->d->ts_col].values)[i];
  switch (w->kind) {
  case PIPE_WIN_SESSION: return rt_win_session_place(w, k, ts, line, late_end);
  case PIPE_WIN_COUNT: return rt_win_count_place(w, k, ts, line);
  default: return rt_win_pane_place(w, k, ts, line, late_end);
  }
}

static void reserve_rows(rt_window *w, int64_t n) {
  if (n <= w->rowcap) return;
  free(w->hash);
  free(w->states);
  w->rowcap = n;
  w->hash = rt_xmalloc((size_t)n * sizeof *w->hash);
  w->states = rt_xmalloc((size_t)n * sizeof *w->states);
}

/* Places every row of in (consumed). 0, or -1 to stop. */
static int on_batch(rt_window *w, pipe_batch *in) {
  rt_node *n = w->n;
  int64_t nr = in->nrows, i = 0;
  int rc = 0;
  reserve_rows(w, nr);
  rt_win_hash(w, in, w->hash);
  w->cur = in;
  w->run = 0;
  w->seq0 = n->rows_in;
  w->origin = in->origin;
  int clocked = w->clocked;
  for (; i < nr && rc == 0; i++) {
    if (clocked && due(w, in->wm[i])) {
      rt_win_flush(w, i);   /* firing frees the states of the rows so far */
      if ((rc = advance(w, in->wm[i])) != 0) break;
    } else if (clocked && in->wm[i] > w->clock) {
      w->clock = in->wm[i];
    }
    w->row = i;
    rt_key *k = rt_win_key(w, in, i, w->hash[i]);
    int64_t late_end = 0;
    w->states[i] = place(w, k, in, i, &late_end);
    if (!w->states[i]) {
      rt_win_key_unused(w, k);
      rc = rt_window_late(n, in, i, late_end, w->clock);
    } else if (clocked && w->next_fire <= w->clock) {
      /* Only a count window can end behind the clock: it filled with this row, and
       * fires now, as it would under any other cut of the batches. */
      rt_win_flush(w, i + 1);
      rc = fire(w, w->clock, 0);
    }
  }
  if (rc == 0) rt_win_flush(w, nr);
  n->rows_in += i;
  w->cur = NULL;
  rt_batch_release(in);
  return rc == 0 ? rt_win_emit_flush(w) : rc;
}

static int on_eos(rt_window *w) {
  int rc = fire(w, INT64_MAX, 1);
  if (rc == 0) rc = rt_win_emit_flush(w);
  w->n->win_live = w->live;
  w->n->win_peak = w->peak;
  return rc;
}

void *rt_window_main(void *arg) {
  rt_node *n = arg;
  rt_window *w = rt_win_new(n);
  rt_msg m;
  int rc = 0;
  while (rc == 0 && rt_chan_recv(n->in, &m) == 0) {
    if (m.kind == RT_MSG_BATCH) {
      rc = on_batch(w, m.batch);
    } else if (m.kind == RT_MSG_WATERMARK) {
      if (w->clocked) rc = advance(w, m.watermark);
      if (rc == 0) rc = rt_win_emit_flush(w);
    } else {
      rc = on_eos(w);
      if (rc == 0) {
        rt_node_close_outs(n);
        rt_win_free(w);
        return NULL;
      }
    }
  }
  rt_chan_hangup(n->in);   /* stopped before EOS: producers must not wait on us */
  if (!w->closed) rt_node_close_outs(n);
  rt_win_free(w);
  return NULL;
}
