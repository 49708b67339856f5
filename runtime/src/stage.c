/* stage.c: the thread of a stage node (a fused chain of filter/select).
 *
 * For each batch received, runs the generated kernel over it into a fresh batch from the
 * node's pool. A kernel stops at a row it cannot evaluate; the row goes to the failing
 * operator's error policy and the kernel resumes after it. Scratch strings live until the
 * batch is done. Watermarks pass through unchanged (a stateless stage neither delays nor
 * reorders rows); EOS is forwarded once the input is drained.
 *
 * Under `fail` the stage stops gracefully: it hangs up its input (producers blocked on it
 * wake, nothing more piles up there), sends the output rows made before the failing row,
 * then EOS, and exits. Whenever the stage exits before EOS it hangs up its input, so no
 * producer can block forever on a channel nobody reads.
 */
#include "rt_internal.h"

int64_t rt_kernel_run(rt_node *n, pipe_kernel_fn kernel, const pipe_schema_desc *schema,
                      pipe_batch *in, pipe_batch *out, int *stop) {
  int64_t start = 0, done = in->nrows;
  *stop = 0;
  for (;;) {
    int64_t r = kernel(&n->ctx, in, out, start);
    if (r >= in->nrows) break;
    if (rt_kernel_rowerr(n, in, schema, r) != 0) {
      *stop = 1;
      done = r + 1;   /* the rows after the failing one were never looked at */
      break;
    }
    start = r + 1;
  }
  rt_scratch_reset(&n->ctx);
  rt_batch_release(in);
  return done;
}

int rt_node_send(rt_node *n, pipe_batch *out) {
  if (out->nrows == 0) {
    rt_batch_release(out);
    return 0;
  }
  n->rows_out += out->nrows;
  rt_msg m = {RT_MSG_BATCH, out, 0};
  return rt_node_emit(n, &m);
}

void rt_node_stop_after(rt_node *n, pipe_batch *out) {
  rt_chan_hangup(n->in);   /* first: wake our producers while we send what we have */
  rt_node_send(n, out);
  rt_node_close_outs(n);
}

/* 0 to go on, -1 to stop (the run failed here, or nobody is left to send to). */
static int on_batch(rt_node *n, pipe_batch *in) {
  if (!n->d->kernel) {
    n->rows_in += in->nrows;
    return rt_node_send(n, in);
  }
  pipe_batch *out = rt_batch_get_cap(n->pool, in->nrows);
  out->origin = in->origin;
  int stop;
  const pipe_schema_desc *schema = &n->run->prog->nodes[n->d->input].schema;
  n->rows_in += rt_kernel_run(n, n->d->kernel, schema, in, out, &stop);
  if (!stop) return rt_node_send(n, out);
  rt_node_stop_after(n, out);
  return -1;
}

void *rt_stage_main(void *arg) {
  rt_node *n = arg;
  rt_msg m;
  while (rt_chan_recv(n->in, &m) == 0) {
    if (m.kind == RT_MSG_BATCH) {
      if (on_batch(n, m.batch) != 0) break;
    } else if (m.kind == RT_MSG_WATERMARK) {
      if (rt_node_emit(n, &m) != 0) break;
    } else {
      rt_node_close_outs(n);
      return NULL;
    }
  }
  rt_chan_hangup(n->in);   /* stopped before EOS: producers must not wait on us */
  return NULL;
}
