/* sink.c: the thread of a sink node.
 *
 * Writes every batch it receives through the writer pipe_start opened, ignores
 * watermarks, and commits the writer on EOS (a file is renamed into place, see
 * file_write.c), so that a commit error (a full disk) still fails the run. EOS also comes
 * after a graceful stop (`fail`, an interrupt): what was written before it is committed.
 * Each batch goes through rt_deliver (delivery.c), which retries it, waits for the
 * circuit breaker or dead-letters it as the sink's `retry`, `breaker` and `on error` say.
 * A write error that ends there aborts the writer (a file sink leaves its target as it
 * was) and fails the run, except EPIPE on standard output, which means whoever reads our
 * output has had enough (`prog | head`): the run stops quietly with status 0. A host()
 * sink has no writer: it hands each batch to the callback bound with pipe_bind_sink, and
 * a non-zero return cancels the run.
 */
#include <errno.h>
#include <stdio.h>

#include "rt_internal.h"

static int call_host(rt_node *n, pipe_batch *b) {
  int rc = n->sink_fn(n->sink_user, b, &n->d->schema);
  int64_t rows = b->nrows;
  rt_batch_release(b);
  if (rc == 0) {
    n->rows_in += rows;
    return 0;
  }
  const pipe_program_desc *p = n->run->prog;
  char text[256];
  snprintf(text, sizeof text, "error: host sink returned %d\n  --> %s:%d:%d: in sink host\n", rc,
           p->file ? p->file : "?", n->d->line, n->d->col);
  rt_run_fail(n->run, 1, text);
  return -1;
}

static int write_batch(rt_node *n, pipe_batch *b) {
  if (n->sink_fn) return call_host(n, b);
  int rc = rt_deliver(n, b);
  rt_batch_release(b);
  return rc;
}

static void finish(rt_node *n) {
  rt_ioerr ioerr;
  rt_writer *w = n->writer;
  if (!w) return;   /* a host sink */
  n->writer = NULL;
  errno = 0;
  if (rt_writer_close(w, &ioerr) != 0) rt_node_ioerr(n, ioerr.msg, errno == EPIPE);
}

void *rt_sink_main(void *arg) {
  rt_node *n = arg;
  rt_msg m;
  rt_delivery_start(n);
  while (rt_chan_recv(n->in, &m) == 0) {
    if (m.kind == RT_MSG_BATCH) {
      if (write_batch(n, m.batch) != 0) return NULL;
    } else if (m.kind == RT_MSG_EOS) {
      finish(n);
      return NULL;
    }
  }
  return NULL;   /* cancelled: pipe_close commits the writer */
}
