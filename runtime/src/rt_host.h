/* rt_host.h: what the host() connector files share (host.c, host_rows.c, host_sink.c,
 * arrow_import.c, arrow_export.c).
 *
 * host.c owns the push side of a host source (rt_host: the batch being filled, the push
 * channel, the lock) and the lookup of host nodes; host_rows.c pushes arrays of typed row
 * structs and arrow_import.c Arrow arrays through the same state, under the same lock.
 * host_sink.c binds a host sink to a typed or Arrow callback through an adapter that
 * converts each batch; the adapter is freed with the graph (see rt_host_sink_adapter).
 */
#ifndef RT_HOST_H
#define RT_HOST_H

#include "rt_internal.h"

struct rt_host {
  rt_reader base;          /* first: n->reader points at the whole rt_host */
  pipe_run *run;
  const pipe_node_desc *d;
  pthread_mutex_t mu;      /* guards everything below */
  rt_chan *chan;           /* push side -> the source thread */
  rt_pool *pool;           /* batches the push side fills */
  pipe_batch *cur;         /* the batch being filled, or NULL */
  int64_t ordinal;         /* rows taken so far: a row's `line` */
  int live;                /* pipe_start has started the threads */
  int ended;               /* pipe_host_end was called */
  int broken;              /* a send failed: the run is stopping, nothing more goes in */
  char *origin;            /* "host:NAME" */
};

/* Fills err (may be NULL) with status and the message plus '\n'; returns -1. */
int rt_host_fail(pipe_error *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The host source named `source`, or the `index`-th; NULL with err filled (status 2). */
rt_host *rt_host_find(pipe_run *r, const char *source, pipe_error *err);
rt_host *rt_host_nth(pipe_run *r, int index, pipe_error *err);
/* The i-th node of `kind` (PIPE_NODE_SOURCE or _SINK) with a host() connector, or NULL. */
rt_node *rt_host_node(const pipe_run *r, int kind, int i);

/* With h->mu held: */
/* Why h takes no rows now (status 1 or 2, err filled, -1), or 0 when it does. */
int rt_host_closed(rt_host *h, pipe_error *err);
/* The batch being filled, made when there is none; NULL (err filled, status 1) when the
 * run is stopping. */
pipe_batch *rt_host_cur(rt_host *h, pipe_error *err);
/* The run has stopped: h takes nothing more; err filled (status 1), -1. */
int rt_host_stopped(rt_host *h, pipe_error *err);
/* Sends the batch being filled, if it has rows. 0, or -1 when the run has stopped. */
int rt_host_send_cur(rt_host *h, pipe_error *err);
/* Sends b (consumed; rows ready, lines set) after the batch being filled. */
int rt_host_send(rt_host *h, pipe_batch *b, pipe_error *err);

/* host_sink.c: a sink's adapter from batches to a typed or Arrow callback. */
typedef struct rt_sink_adapter rt_sink_adapter;
/* Binds host sink i to fn(user) through a new adapter (freed with the graph), or -1
 * (the error in r->err when the run has not started). Shared by pipe_bind_sink_rows
 * and pipe_bind_sink_arrow. */
int rt_host_bind_adapter(pipe_run *r, int i, pipe_sink_fn fn, rt_sink_adapter *a);

/* arrow_export.c: exports b (borrowed; a reference is taken) as a struct array. */
void rt_arrow_export(pipe_batch *b, const pipe_schema_desc *s, struct ArrowArray *array,
                     struct ArrowSchema *schema);

#endif
