/* source.c: the thread of a source node.
 *
 * Reads its input through the reader opened in pipe_start into batches of RT_BATCH_ROWS
 * rows from the node's pool and sends each non-empty batch to every consumer. A bad
 * record goes to the source's error policy and reading goes on in the same batch. With a
 * watermark field, every row is stamped with the watermark in force when it was read
 * (batch->wm), and a WATERMARK(max event time seen - delay) follows a batch whenever it
 * advances. At the end of the input the consumers get EOS, which windows take as a
 * watermark of +infinity.
 *
 * A host() source reads through the same interface (host.c): its reader waits on the
 * channel pipe_host_push feeds.
 *
 * Stopping: when this source fails (a bad record under fail, a read error) it sends the
 * rows already in the batch, then EOS, so every row before the bad one is written. When
 * another node fails, the run is `stopping` and the source checks that between batches,
 * then ends with EOS as at the end of its input. A flag checked per batch is the honest
 * mechanism here: read(2) cannot also wait on a channel or a condition variable, so a
 * source cannot be woken in the middle of a read; a batch is at most 4096 records, so it
 * notices within one batch (except on a terminal or idle pipe, where the read itself
 * waits). Channel sends are cancellable, and a hung-up consumer makes them fail at once.
 */
#include <errno.h>
#include <stdint.h>

#include "rt_internal.h"

enum { FILL_SEND, FILL_EOF, FILL_STOP };

/* Reads into b until it is full, the input pauses with rows in hand, or the input ends. */
static int fill(rt_node *n, pipe_batch *b, const char *origin) {
  rt_rowerr re;
  rt_ioerr ioerr;
  for (;;) {
    int64_t before = b->nrows;
    int st = rt_reader_next(n->reader, b, &re, &ioerr);
    n->rows_in += b->nrows - before;
    switch (st) {
    case RT_READ_ROWERR:
      n->rows_in++;
      if (rt_source_rowerr(n, origin, &re) != 0) return FILL_STOP;
      if (b->nrows >= b->cap) return FILL_SEND;
      break;
    case RT_READ_BATCH:
      if (b->nrows > 0) return FILL_SEND;
      break;                       /* a pause with nothing read: read on */
    case RT_READ_EOF: return FILL_EOF;
    default:
      rt_node_ioerr(n, ioerr.msg, 0);
      return FILL_STOP;
    }
  }
}

/* The watermark after event time `seen`: seen - delay, clamped; INT64_MIN before any. */
static int64_t watermark_of(const rt_node *n, int64_t seen) {
  int64_t delay = n->d->watermark_delay;
  if (seen == INT64_MIN) return INT64_MIN;
  return seen < INT64_MIN + 1 + delay ? INT64_MIN + 1 : seen - delay;
}

/* Stamps every row of b with the watermark in force when it was read (the largest event
 * time of the rows before it, minus the delay) and advances *seen past b. */
static void stamp_rows(rt_node *n, pipe_batch *b, int64_t *seen) {
  const pipe_column *c = &b->cols[n->d->watermark_field];
  const int64_t *v = (const int64_t *)c->values;
  int64_t m = *seen;
  for (int64_t i = 0; i < b->nrows; i++) {
    b->wm[i] = watermark_of(n, m);
    if (v[i] > m && !rt_is_null(c, i)) m = v[i];
  }
  *seen = m;
}

/* Sends b and, when it moves, the watermark. -1: stop. */
static int send_batch(rt_node *n, pipe_batch *b, int64_t *seen, int64_t *sent) {
  int wf = n->d->watermark_field;
  if (wf >= 0 && wf < b->ncols) stamp_rows(n, b, seen);
  int64_t rows = b->nrows;
  rt_msg msg = {RT_MSG_BATCH, b, 0};
  if (rt_node_emit(n, &msg) != 0) return -1;
  n->rows_out += rows;
  int64_t wm = watermark_of(n, *seen);
  if (wf < 0 || wm <= *sent) return 0;
  *sent = wm;
  rt_msg w = {RT_MSG_WATERMARK, NULL, wm};
  return rt_node_emit(n, &w);
}

void *rt_source_main(void *arg) {
  rt_node *n = arg;
  const char *origin = rt_reader_origin(n->reader);
  int64_t seen = INT64_MIN, sent = INT64_MIN;
  while (!rt_run_stopping(n->run)) {
    pipe_batch *b = rt_batch_get(n->pool);
    b->origin = origin;
    int st = fill(n, b, origin);
    /* On FILL_STOP b holds exactly the rows read before the failure: they go out too. */
    if (b->nrows == 0) rt_batch_release(b);
    else if (send_batch(n, b, &seen, &sent) != 0) break;   /* cancelled or nobody reads */
    if (st != FILL_SEND) break;
  }
  rt_node_close_outs(n);   /* harmless on cancelled or hung-up channels */
  rt_host_done(n);         /* a host source: later pushes fail instead of waiting */
  return NULL;
}
