/* stage.c: the thread of a stage node (a fused chain of filter/select).
 *
 * For each batch received, runs the generated kernel over it into a fresh batch from the
 * node's pool. A kernel stops at a row it cannot evaluate; the row goes to the failing
 * operator's error policy and the kernel resumes after it. Scratch strings live until the
 * batch is done. Watermarks pass through unchanged (a stateless stage neither delays nor
 * reorders rows); EOS is forwarded once the input is drained.
 */
#include "rt_internal.h"

/* Runs the kernel over in; returns the output batch, or NULL to stop (in released). */
static pipe_batch *run_kernel(rt_node *n, pipe_batch *in) {
  pipe_batch *out = rt_batch_get_cap(n->pool, in->nrows);
  out->origin = in->origin;
  int64_t start = 0;
  for (;;) {
    int64_t r = n->d->kernel(&n->ctx, in, out, start);
    if (r >= in->nrows) break;
    if (rt_stage_rowerr(n, in, r) != 0) {
      rt_batch_release(out);
      out = NULL;
      break;
    }
    start = r + 1;
  }
  rt_scratch_reset(&n->ctx);
  rt_batch_release(in);
  return out;
}

static int on_batch(rt_node *n, pipe_batch *in) {
  n->rows_in += in->nrows;
  pipe_batch *out = in;
  if (n->d->kernel) {
    out = run_kernel(n, in);
    if (!out) return -1;
  }
  if (out->nrows == 0) {
    rt_batch_release(out);
    return 0;
  }
  n->rows_out += out->nrows;
  rt_msg m = {RT_MSG_BATCH, out, 0};
  return rt_node_emit(n, &m);
}

void *rt_stage_main(void *arg) {
  rt_node *n = arg;
  rt_msg m;
  while (rt_chan_recv(n->in, &m) == 0) {
    if (m.kind == RT_MSG_BATCH) {
      if (on_batch(n, m.batch) != 0) return NULL;
    } else if (m.kind == RT_MSG_WATERMARK) {
      if (rt_node_emit(n, &m) != 0) return NULL;
    } else {
      rt_node_close_outs(n);
      return NULL;
    }
  }
  return NULL;
}
