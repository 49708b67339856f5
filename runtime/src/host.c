/* host.c: host() connectors, the sources and sinks a C program binds through pipe/pipe.h.
 *
 * A host source is an rt_reader like a CSV reader, run by an ordinary source thread, but
 * its rows come from pipe_host_push calls on the caller's threads. Pushed rows are copied
 * into a batch from the source's own push pool; a full batch (or one handed over by
 * pipe_host_flush / pipe_host_end) goes through a bounded channel to the reader, whose
 * next() moves its buffers into the source thread's batch without copying. The channel
 * gives backpressure (a push blocks while RT_CHAN_CAP batches wait) and cancellation: it
 * is one of the run's channels, so pipe_stop and every failure that cancels wake a
 * blocked push, and the source thread hangs it up when it exits early, so a push never
 * waits for a reader that is gone. A graceful failure (a row error under fail) cancels
 * nothing; pushes notice it when they start a new batch. The push side of one source is
 * guarded by one mutex, held across a blocking send: pushes from several threads are
 * serialised and their rows never interleave within a row.
 *
 * Typed rows (host_rows.c) and Arrow arrays (arrow_import.c) go through the same state
 * and lock; the functions they share are declared in rt_host.h. Host sinks need no state
 * here beyond the binding in rt_node; sink.c calls them, host_sink.c adapts typed and
 * Arrow callbacks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_host.h"

/* ---- the reader side (the source thread) --------------------------------------------- */

static int host_next(rt_reader *rd, pipe_batch *out, rt_rowerr *re, rt_ioerr *err) {
  rt_host *h = (rt_host *)rd;
  if (out->nrows > 0) return RT_READ_BATCH;   /* never happens: fill() sends first */
  rt_msg m;
  if (rt_chan_recv(h->chan, &m) != 0 || m.kind == RT_MSG_EOS) return RT_READ_EOF;
  if (m.kind != RT_MSG_BATCH) return RT_READ_BATCH;
  rt_batch_move(out, m.batch);
  rt_batch_release(m.batch);
  return RT_READ_BATCH;
}

static void host_close(rt_reader *rd) {
  rt_host *h = (rt_host *)rd;
  rt_batch_release(h->cur);
  rt_chan_free(h->chan);
  rt_pool_free(h->pool);
  pthread_mutex_destroy(&h->mu);
  free(h->origin);
  free(h);
}

static const rt_reader_ops host_ops = {host_next, host_close};

int rt_host_source_new(pipe_run *r, rt_node *n) {
  rt_host *h = calloc(1, sizeof *h);
  const char *name = n->d->name ? n->d->name : "?";
  char *origin = malloc(strlen(name) + 6);
  if (!h || !origin) {
    free(h);
    free(origin);
    return -1;
  }
  snprintf(origin, strlen(name) + 6, "host:%s", name);
  h->base.ops = &host_ops;
  h->base.origin = origin;
  h->origin = origin;
  h->run = r;
  h->d = n->d;
  pthread_mutex_init(&h->mu, NULL);
  h->chan = rt_chan_new(r->chan_cap);
  h->pool = rt_pool_new(&n->d->schema, rt_batch_rows());
  r->chans[r->nchans++] = h->chan;   /* cancelled with the others */
  n->host = h;
  n->reader = &h->base;
  return 0;
}

void rt_host_start(pipe_run *r) {
  for (int i = 0; i < r->prog->nnodes; i++) {
    rt_host *h = r->nodes[i].host;
    if (!h) continue;
    pthread_mutex_lock(&h->mu);
    h->live = 1;
    pthread_mutex_unlock(&h->mu);
  }
}

void rt_host_done(rt_node *n) {
  if (n->host) rt_chan_hangup(n->host->chan);
}

/* ---- the push side (the caller's threads) --------------------------------------------- */

int rt_host_fail(pipe_error *err, int status, const char *fmt, ...) {
  if (!err) return -1;
  err->status = status;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(err->msg, sizeof err->msg - 1, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if (n > (int)sizeof err->msg - 2) n = (int)sizeof err->msg - 2;
  err->msg[n] = '\n';
  err->msg[n + 1] = 0;
  return -1;
}

rt_host *rt_host_find(pipe_run *r, const char *source, pipe_error *err) {
  for (int i = 0; source && i < r->prog->nnodes; i++) {
    rt_host *h = r->nodes[i].host;
    if (h && h->d->name && strcmp(h->d->name, source) == 0) return h;
  }
  rt_host_fail(err, 2, "error: the program has no host() source named `%s`", source ? source : "(null)");
  return NULL;
}

int rt_host_stopped(rt_host *h, pipe_error *err) {
  h->broken = 1;
  return rt_host_fail(err, 1, "error: host source `%s`: the run has stopped (see pipe_get_error)",
              h->d->name);
}

int rt_host_send_cur(rt_host *h, pipe_error *err) {
  pipe_batch *b = h->cur;
  if (!b) return 0;
  h->cur = NULL;
  if (b->nrows == 0) {
    rt_batch_release(b);
    return 0;
  }
  rt_msg m = {RT_MSG_BATCH, b, 0};
  if (rt_chan_send(h->chan, &m) != 0) return rt_host_stopped(h, err);   /* ECANCELED or EPIPE */
  return 0;
}

/* Whether row can go into the source; fills err when not. */
static int check_row(rt_host *h, const pipe_value *row, pipe_error *err) {
  const pipe_schema_desc *s = &h->d->schema;
  if (!row && s->nfields > 0) return rt_host_fail(err, 2, "error: host source `%s`: no row", h->d->name);
  for (int k = 0; k < s->nfields; k++) {
    const pipe_field_desc *f = &s->fields[k];
    const pipe_value *v = &row[k];
    if (v->is_null && !f->nullable)
      return rt_host_fail(err, 2, "error: host source `%s`: field `%s` is not nullable, the value is null",
                  h->d->name, f->name);
    if (!v->is_null && f->type == PIPE_T_STRING && (v->slen < 0 || (!v->s && v->slen > 0)))
      return rt_host_fail(err, 2, "error: host source `%s`: field `%s` has no string (s NULL or slen < 0)",
                  h->d->name, f->name);
  }
  return 0;
}

static void put_value(pipe_column *c, const pipe_field_desc *f, int64_t o, const pipe_value *v) {
  int null = v->is_null != 0;
  rt_set_valid(c, o, !null);
  switch (f->type) {
  case PIPE_T_BOOL: rt_bool_set(c, o, !null && v->i != 0); break;
  case PIPE_T_F64: ((double *)c->values)[o] = null ? 0.0 : v->f; break;
  case PIPE_T_STRING: rt_str_append(c, o, v->s, null ? 0 : v->slen); break;
  default: ((int64_t *)c->values)[o] = null ? 0 : v->i; break;
  }
}

int rt_host_closed(rt_host *h, pipe_error *err) {
  if (h->broken) return rt_host_stopped(h, err);
  if (h->ended)
    return rt_host_fail(err, 2, "error: host source `%s` has ended (pipe_host_end)", h->d->name);
  if (!h->live)
    return rt_host_fail(err, 2, "error: host source `%s` is not running: push after pipe_start",
                h->d->name);
  return 0;
}

pipe_batch *rt_host_cur(rt_host *h, pipe_error *err) {
  if (!h->cur) {
    /* A graceful failure cancels no channel: notice it here, once per batch. */
    if (rt_run_stopping(h->run)) {
      rt_host_stopped(h, err);
      return NULL;
    }
    h->cur = rt_batch_get(h->pool);
  }
  return h->cur;
}

int rt_host_send(rt_host *h, pipe_batch *b, pipe_error *err) {
  if (rt_host_send_cur(h, err) != 0) {
    rt_batch_release(b);
    return -1;
  }
  rt_msg m = {RT_MSG_BATCH, b, 0};
  if (rt_chan_send(h->chan, &m) != 0) return rt_host_stopped(h, err);
  return 0;
}

static int push(rt_host *h, const pipe_value *row, pipe_error *err) {
  if (rt_host_closed(h, err) != 0) return -1;
  pipe_batch *b = rt_host_cur(h, err);
  if (!b) return -1;
  int64_t o = b->nrows;
  for (int k = 0; k < h->d->schema.nfields; k++)
    put_value(&b->cols[k], &h->d->schema.fields[k], o, &row[k]);
  b->lines[o] = ++h->ordinal;
  b->nrows++;
  return b->nrows >= b->cap ? rt_host_send_cur(h, err) : 0;
}

int pipe_host_push(pipe_run *r, const char *source, const pipe_value *row, pipe_error *err) {
  rt_host *h = rt_host_find(r, source, err);
  if (!h || check_row(h, row, err) != 0) return -1;
  pthread_mutex_lock(&h->mu);
  int rc = push(h, row, err);
  pthread_mutex_unlock(&h->mu);
  return rc;
}

int pipe_host_flush(pipe_run *r, const char *source, pipe_error *err) {
  rt_host *h = rt_host_find(r, source, err);
  if (!h) return -1;
  pthread_mutex_lock(&h->mu);
  int rc = h->broken ? rt_host_stopped(h, err) : rt_host_send_cur(h, err);
  pthread_mutex_unlock(&h->mu);
  return rc;
}

int pipe_host_end(pipe_run *r, const char *source, pipe_error *err) {
  rt_host *h = rt_host_find(r, source, err);
  if (!h) return -1;
  pthread_mutex_lock(&h->mu);
  int rc = 0;
  if (!h->ended) {
    rc = h->broken ? rt_host_stopped(h, err) : rt_host_send_cur(h, err);
    h->ended = 1;
    rt_chan_close(h->chan);   /* the source thread gets EOS after what is queued */
  }
  pthread_mutex_unlock(&h->mu);
  return rc;
}

/* ---- lookup and binding ------------------------------------------------------------- */

rt_node *rt_host_node(const pipe_run *r, int kind, int i) {
  for (int k = 0; r->nodes && k < r->prog->nnodes; k++) {
    rt_node *n = &r->nodes[k];
    if (n->d->kind == kind && n->d->conn.kind == PIPE_CONN_HOST && i-- == 0) return n;
  }
  return NULL;
}

rt_host *rt_host_nth(pipe_run *r, int index, pipe_error *err) {
  rt_node *n = index >= 0 ? rt_host_node(r, PIPE_NODE_SOURCE, index) : NULL;
  if (n && n->host) return n->host;
  rt_host_fail(err, 2, "error: the program has no host() source %d (it has %d)", index,
               pipe_host_sources(r));
  return NULL;
}

static int count_host(const pipe_run *r, int kind) {
  int c = 0;
  while (rt_host_node(r, kind, c)) c++;
  return c;
}

int pipe_host_sinks(const pipe_run *r) { return count_host(r, PIPE_NODE_SINK); }
int pipe_host_sources(const pipe_run *r) { return count_host(r, PIPE_NODE_SOURCE); }

const pipe_node_desc *pipe_host_sink_desc(const pipe_run *r, int i) {
  rt_node *n = i >= 0 ? rt_host_node(r, PIPE_NODE_SINK, i) : NULL;
  return n ? n->d : NULL;
}

const pipe_node_desc *pipe_host_source_desc(const pipe_run *r, int i) {
  rt_node *n = i >= 0 ? rt_host_node(r, PIPE_NODE_SOURCE, i) : NULL;
  return n ? n->d : NULL;
}

int pipe_bind_sink(pipe_run *r, int i, pipe_sink_fn fn, void *user) {
  rt_node *n = i >= 0 ? rt_host_node(r, PIPE_NODE_SINK, i) : NULL;
  if (r->state != RUN_NEW) return -1;   /* r->err belongs to the running threads now */
  if (!n)
    return rt_host_fail(&r->err, 2, "error: the program has no host sink %d (it has %d)", i,
                pipe_host_sinks(r));
  if (n->sink_free) n->sink_free(n->sink_user);   /* an adapter bound before */
  n->sink_fn = fn;
  n->sink_user = user;
  n->sink_free = NULL;
  return 0;
}
