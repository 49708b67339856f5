/* batch.c: columnar batches, their reference counts and the pools that recycle them.
 *
 * A batch is one malloc'd header (struct batch, with the public pipe_batch first) plus one
 * array per column in the Arrow layout of pipe/abi.h. Batches are handed out by a pool
 * owned by one producer; when the last reference is released the batch goes back on the
 * pool's free list with its buffers (and string capacity) intact, so a steady-state
 * pipeline allocates nothing. The pool mutex is taken once per batch, never per row.
 * A pool freed while batches are still out is only marked closed: the last release
 * frees it, so shutdown order between producers and consumers does not matter.
 *
 * A batch can be lent foreign columns (rt_batch_lend: Arrow buffers a host pushed): its
 * own columns wait aside until the last release, which gives them back and calls the
 * lender's drop, so the pool only ever recycles memory it allocated.
 */
#include "rt_batch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_DATA_CAP 256     /* initial string bytes per column */
#define DATA_PER_ROW 16      /* initial string bytes per row of capacity */

typedef struct batch {
  pipe_batch b;              /* first: a pipe_batch * is a struct batch * */
  const pipe_schema_desc *schema;
  struct batch *next;        /* free list link while pooled */
  pipe_column *own_cols;     /* while lent (drop != NULL): the batch's own columns */
  void (*drop)(void *);      /* while lent: called with drop_arg at the last release */
  void *drop_arg;
} batch;

struct rt_pool {
  pthread_mutex_t mu;
  const pipe_schema_desc *schema;
  int64_t cap;
  batch *free;               /* released batches, ready for reuse */
  int64_t live;              /* batches handed out and not yet released */
  int closed;                /* rt_pool_free was called; the last release frees the pool */
};

static _Noreturn void out_of_memory(size_t n) {
  fprintf(stderr, "pipe: out of memory (%zu bytes)\n", n);
  abort();
}

void *rt_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) out_of_memory(n);
  return p;
}

void *rt_xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p) out_of_memory(n * size);
  return p;
}

void *rt_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) out_of_memory(n);
  return q;
}

/* Bytes of the values array of a column of `rows` rows (bools are bit-packed). */
static size_t values_size(int type, size_t rows) {
  switch (type) {
  case PIPE_T_BOOL: return (rows + 7) / 8;
  case PIPE_T_F64: return rows * sizeof(double);
  default: return rows * sizeof(int64_t);
  }
}

/* (Re)allocates the row-indexed arrays of column c for `cap` rows. Contents are not kept:
 * only empty batches are resized. */
static void col_alloc(pipe_column *c, const pipe_field_desc *f, int64_t cap) {
  size_t rows = (size_t)cap;
  free(c->values);
  free(c->validity);
  c->validity = f->nullable ? rt_xmalloc((rows + 7) / 8) : NULL;
  if (f->type == PIPE_T_STRING) {
    c->values = rt_xmalloc((rows + 1) * sizeof(int64_t));
    int64_t want = cap * DATA_PER_ROW < MIN_DATA_CAP ? MIN_DATA_CAP : cap * DATA_PER_ROW;
    if (c->data_cap < want) {
      free(c->data);
      c->data = rt_xmalloc((size_t)want);
      c->data_cap = want;
    }
  } else {
    c->values = rt_xmalloc(values_size(f->type, rows));
  }
}

static void batch_resize(batch *bt, int64_t cap) {
  pipe_batch *b = &bt->b;
  free(b->lines);
  free(b->wm);
  b->lines = rt_xmalloc((size_t)cap * sizeof(int64_t));
  b->wm = rt_xmalloc((size_t)cap * sizeof(int64_t));
  for (int32_t i = 0; i < b->ncols; i++)
    col_alloc(&b->cols[i], &bt->schema->fields[i], cap);
  b->cap = cap;
}

/* Makes b an empty batch: no rows, no string bytes, every nullable value null. */
static void batch_reset(batch *bt) {
  pipe_batch *b = &bt->b;
  b->nrows = 0;
  b->origin = NULL;
  for (int32_t i = 0; i < b->ncols; i++) {
    pipe_column *c = &b->cols[i];
    if (c->validity) memset(c->validity, 0, (size_t)(b->cap + 7) / 8);
    c->data_len = 0;
    if (c->data) ((int64_t *)c->values)[0] = 0;
  }
}

static batch *batch_alloc(const pipe_schema_desc *s, int64_t cap) {
  batch *bt = rt_xmalloc(sizeof *bt);
  memset(bt, 0, sizeof *bt);
  bt->schema = s;
  bt->b.ncols = s->nfields;
  bt->b.cols = rt_xmalloc(sizeof(pipe_column) * (size_t)(s->nfields ? s->nfields : 1));
  memset(bt->b.cols, 0, sizeof(pipe_column) * (size_t)(s->nfields ? s->nfields : 1));
  batch_resize(bt, cap < 1 ? 1 : cap);
  return bt;
}

static void batch_destroy(batch *bt) {
  for (int32_t i = 0; i < bt->b.ncols; i++) {
    free(bt->b.cols[i].validity);
    free(bt->b.cols[i].values);
    free(bt->b.cols[i].data);
  }
  free(bt->b.cols);
  free(bt->b.lines);
  free(bt->b.wm);
  free(bt);
}

/* refs is a plain int32_t in the ABI struct (generated code never touches it); the runtime
 * accesses it only through this C11 atomic view, which has the same size and alignment. */
static _Atomic int32_t *refs_of(pipe_batch *b) {
  return (_Atomic int32_t *)&b->refs;
}

rt_pool *rt_pool_new(const pipe_schema_desc *schema, int64_t cap) {
  rt_pool *p = rt_xmalloc(sizeof *p);
  memset(p, 0, sizeof *p);
  pthread_mutex_init(&p->mu, NULL);
  p->schema = schema;
  p->cap = cap < 1 ? 1 : cap;
  return p;
}

static void pool_destroy(rt_pool *p) {
  while (p->free) {
    batch *bt = p->free;
    p->free = bt->next;
    batch_destroy(bt);
  }
  pthread_mutex_destroy(&p->mu);
  free(p);
}

void rt_pool_free(rt_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->closed = 1;
  int last = p->live == 0;
  pthread_mutex_unlock(&p->mu);
  if (last) pool_destroy(p);
}

pipe_batch *rt_batch_get_cap(rt_pool *p, int64_t cap) {
  if (cap < p->cap) cap = p->cap;
  pthread_mutex_lock(&p->mu);
  batch *bt = p->free;
  if (bt) p->free = bt->next;
  p->live++;
  pthread_mutex_unlock(&p->mu);
  if (!bt) {
    bt = batch_alloc(p->schema, cap);
  } else if (bt->b.cap < cap) {
    batch_resize(bt, cap);
  }
  bt->next = NULL;
  bt->b.pool = p;
  batch_reset(bt);
  /* Relaxed: nobody else can see this batch yet; publishing it (channel mutex) orders it. */
  atomic_store_explicit(refs_of(&bt->b), 1, memory_order_relaxed);
  return &bt->b;
}

pipe_batch *rt_batch_get(rt_pool *p) {
  return rt_batch_get_cap(p, p->cap);
}

pipe_batch *rt_batch_new(const pipe_schema_desc *schema, int64_t cap) {
  batch *bt = batch_alloc(schema, cap);
  batch_reset(bt);
  atomic_store_explicit(refs_of(&bt->b), 1, memory_order_relaxed);
  return &bt->b;
}

void rt_batch_retain(pipe_batch *b, int n) {
  if (n <= 0) return;
  /* Relaxed is enough: the caller already holds a reference, so the count cannot reach
   * zero concurrently, and the new references are handed over through a channel whose
   * mutex provides the happens-before edge to their users. */
  atomic_fetch_add_explicit(refs_of(b), n, memory_order_relaxed);
}

static void pool_put(rt_pool *p, batch *bt) {
  pthread_mutex_lock(&p->mu);
  bt->next = p->free;
  p->free = bt;
  p->live--;
  int last = p->closed && p->live == 0;
  pthread_mutex_unlock(&p->mu);
  if (last) pool_destroy(p);
}

void rt_batch_lend(pipe_batch *b, pipe_column *cols, void (*drop)(void *), void *arg) {
  batch *bt = (batch *)b;
  bt->own_cols = b->cols;
  b->cols = cols;
  bt->drop = drop;
  bt->drop_arg = arg;
}

void rt_batch_move(pipe_batch *to, pipe_batch *from) {
  batch *t = (batch *)to, *f = (batch *)from;
  pipe_batch tb = *to;
  batch tt = *t;
  to->nrows = from->nrows;
  to->cap = from->cap;
  to->lines = from->lines;
  to->wm = from->wm;
  to->cols = from->cols;
  t->own_cols = f->own_cols;
  t->drop = f->drop;
  t->drop_arg = f->drop_arg;
  from->nrows = 0;
  from->cap = tb.cap;
  from->lines = tb.lines;
  from->wm = tb.wm;
  from->cols = tb.cols;
  f->own_cols = tt.own_cols;
  f->drop = tt.drop;
  f->drop_arg = tt.drop_arg;
}

void rt_batch_release(pipe_batch *b) {
  if (!b) return;
  /* acq_rel: the release half publishes this thread's reads of the batch before the
   * count drops; the acquire half (on the final decrement) makes every other holder's
   * accesses happen before the batch is reused or freed here. */
  if (atomic_fetch_sub_explicit(refs_of(b), 1, memory_order_acq_rel) != 1) return;
  batch *bt = (batch *)b;
  if (bt->drop) {   /* lent columns go back to their lender, ours come back */
    b->cols = bt->own_cols;
    bt->drop(bt->drop_arg);
    bt->drop = NULL;
  }
  if (b->pool) pool_put(b->pool, bt);
  else batch_destroy(bt);
}

void pipe_rt_col_reserve(pipe_column *c, int64_t extra) {
  int64_t need = c->data_len + extra;
  if (need <= c->data_cap) return;
  int64_t cap = c->data_cap < MIN_DATA_CAP ? MIN_DATA_CAP : c->data_cap;
  while (cap < need) cap *= 2;
  c->data = rt_xrealloc(c->data, (size_t)cap);
  c->data_cap = cap;
}

void rt_str_append(pipe_column *c, int64_t i, const char *p, int64_t n) {
  if (c->data_len + n > c->data_cap) pipe_rt_col_reserve(c, n);
  if (n) memcpy(c->data + c->data_len, p, (size_t)n);
  c->data_len += n;
  ((int64_t *)c->values)[i + 1] = c->data_len;
}

void rt_put_null(pipe_column *c, int type, int64_t i) {
  switch (type) {
  case PIPE_T_STRING: rt_str_append(c, i, "", 0); break;
  case PIPE_T_BOOL: rt_bool_set(c, i, 0); break;
  case PIPE_T_F64: ((double *)c->values)[i] = 0; break;
  default: ((int64_t *)c->values)[i] = 0; break;
  }
  rt_set_valid(c, i, 0);
}

void rt_batch_undo_row(pipe_batch *b, const pipe_schema_desc *s) {
  for (int32_t j = 0; j < s->nfields; j++)
    if (s->fields[j].type == PIPE_T_STRING)
      b->cols[j].data_len = ((const int64_t *)b->cols[j].values)[b->nrows];
}
