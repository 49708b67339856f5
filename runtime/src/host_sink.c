/* host_sink.c: host sinks bound to a typed callback (pipe_bind_sink_rows, what the
 * generated header's P_K_bind calls) or to an Arrow callback (pipe_bind_sink_arrow).
 *
 * Both go through an adapter, an ordinary pipe_sink_fn whose user data is the adapter:
 * the typed one turns each batch into an array of row structs in a buffer it keeps for
 * the next batch (one tight loop per column, strings pointing into the batch), the Arrow
 * one exports the batch (arrow_export.c). The node owns the adapter through
 * n->sink_free, which frees it with the run or when the sink is bound again. The adapter
 * is used by the sink's thread only: no lock.
 */
#include <stdlib.h>
#include <string.h>

#include "rt_host.h"

struct rt_sink_adapter {
  pipe_rows_call_fn call;      /* typed: call(fn, user, rows, n) */
  void (*fn)(void);
  pipe_sink_arrow_fn arrow;    /* Arrow: arrow(user, array, schema) */
  void *user;
  size_t stride;
  pipe_field_layout *layout;   /* [nfields], a copy */
  int nfields;
  char *buf;                   /* the row structs of the current batch */
  size_t cap;                  /* rows buf holds */
};

static void adapter_free(void *user) {
  rt_sink_adapter *a = user;
  free(a->layout);
  free(a->buf);
  free(a);
}

#define AT(base, i, stride, off, T) (*(T *)((base) + (size_t)(i) * (stride) + (size_t)(off)))

/* Writes column c (n rows) into field l of every struct of buf. */
static void get_column(char *buf, size_t stride, const pipe_field_layout *l, const pipe_column *c,
                       int64_t n) {
  if (l->null_offset >= 0)
    for (int64_t i = 0; i < n; i++) AT(buf, i, stride, l->null_offset, bool) = rt_is_null(c, i);
  switch (l->type) {
  case PIPE_T_STRING: {
    const int64_t *off = (const int64_t *)c->values;
    for (int64_t i = 0; i < n; i++) {
      AT(buf, i, stride, l->offset, const char *) = c->data + off[i];
      AT(buf, i, stride, l->len_offset, int64_t) = off[i + 1] - off[i];
    }
    break;
  }
  case PIPE_T_F64: {
    const double *v = (const double *)c->values;
    for (int64_t i = 0; i < n; i++) AT(buf, i, stride, l->offset, double) = v[i];
    break;
  }
  case PIPE_T_BOOL:
    for (int64_t i = 0; i < n; i++) AT(buf, i, stride, l->offset, bool) = rt_bool_get(c, i);
    break;
  default: {
    const int64_t *v = (const int64_t *)c->values;
    for (int64_t i = 0; i < n; i++) AT(buf, i, stride, l->offset, int64_t) = v[i];
    break;
  }
  }
}

static int rows_sink(void *user, const pipe_batch *b, const pipe_schema_desc *s) {
  rt_sink_adapter *a = user;
  (void)s;
  if ((size_t)b->nrows > a->cap) {
    free(a->buf);
    a->cap = (size_t)b->nrows;
    a->buf = rt_xcalloc(a->cap, a->stride);
  }
  for (int k = 0; k < a->nfields; k++) get_column(a->buf, a->stride, &a->layout[k], &b->cols[k], b->nrows);
  return a->call(a->fn, a->user, a->buf, (size_t)b->nrows);
}

static int arrow_sink(void *user, const pipe_batch *b, const pipe_schema_desc *s) {
  rt_sink_adapter *a = user;
  struct ArrowArray array;
  struct ArrowSchema schema;
  /* The batch is const for sinks that only read it; exporting takes a reference. */
  rt_arrow_export((pipe_batch *)b, s, &array, &schema);
  int rc = a->arrow(a->user, &array, &schema);
  if (array.release) array.release(&array);   /* not moved out: done with it */
  if (schema.release) schema.release(&schema);
  return rc;
}

int rt_host_bind_adapter(pipe_run *r, int i, pipe_sink_fn fn, rt_sink_adapter *a) {
  rt_node *n = i >= 0 ? rt_host_node(r, PIPE_NODE_SINK, i) : NULL;
  if (r->state != RUN_NEW || !n) {
    adapter_free(a);
    if (r->state != RUN_NEW) return -1;   /* r->err belongs to the running threads now */
    return rt_host_fail(&r->err, 2, "error: the program has no host sink %d (it has %d)", i,
                        pipe_host_sinks(r));
  }
  if (n->sink_free) n->sink_free(n->sink_user);   /* bound before: the old adapter goes */
  n->sink_fn = fn;
  n->sink_user = a;
  n->sink_free = adapter_free;
  return 0;
}

static rt_sink_adapter *adapter_new(void *user) {
  rt_sink_adapter *a = rt_xcalloc(1, sizeof *a);
  a->user = user;
  return a;
}

/* Whether layout[nfields] fits the schema of host sink i; fills r->err when not. */
static int check_layout(pipe_run *r, int i, size_t stride, const pipe_field_layout *l, int nfields) {
  const pipe_node_desc *d = pipe_host_sink_desc(r, i);
  if (!d || r->state != RUN_NEW) return 0;   /* rt_host_bind_adapter says why */
  int bad = nfields != d->schema.nfields || (nfields > 0 && !l) || stride == 0;
  for (int k = 0; !bad && k < nfields; k++) {
    const pipe_field_desc *f = &d->schema.fields[k];
    bad = l[k].type != f->type || (l[k].nullable != 0) != (f->nullable != 0) ||
          (f->type == PIPE_T_STRING && l[k].len_offset < 0) || (f->nullable && l[k].null_offset < 0);
  }
  if (!bad) return 0;
  return rt_host_fail(&r->err, 2, "error: host sink %d: the row layout does not match its schema "
                      "(a header from another version of the program?)", i);
}

int pipe_bind_sink_rows(pipe_run *r, int i, pipe_rows_call_fn call, void (*fn)(void), void *user,
                        size_t stride, const pipe_field_layout *layout, int nfields) {
  if (check_layout(r, i, stride, layout, nfields) != 0) return -1;
  rt_sink_adapter *a = adapter_new(user);
  a->call = call;
  a->fn = fn;
  a->stride = stride;
  a->nfields = nfields;
  a->layout = rt_xmalloc(sizeof *layout * (size_t)(nfields ? nfields : 1));
  if (nfields) memcpy(a->layout, layout, sizeof *layout * (size_t)nfields);
  return rt_host_bind_adapter(r, i, rows_sink, a);
}

int pipe_bind_sink_arrow(pipe_run *r, int i, pipe_sink_arrow_fn fn, void *user) {
  rt_sink_adapter *a = adapter_new(user);
  a->arrow = fn;
  return rt_host_bind_adapter(r, i, arrow_sink, a);
}
