/* test_rt_delivery.h: what the delivery tests share (test_rt_delivery.c,
 * test_rt_delivery_breaker.c): a fake kind of writer that fails on chosen attempts and
 * records what it committed and when each attempt came, and a run built by pipe_open
 * from a two-node descriptor (a source, never started, and the sink under test) whose
 * sink and dead-letter writers are swapped for fakes. Tests call rt_deliver directly. */
#ifndef TEST_RT_DELIVERY_H
#define TEST_RT_DELIVERY_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rt_internal.h"
#include "tap.h"

#define FAKE_MAX 256

/* tap.h's is_int evaluates its argument twice: calls with effects go through this. */
#define is_call(expr, want, name) \
  do { \
    long long got_ = (expr); \
    is_int(got_, want, name); \
  } while (0)

/* One fake writer: attempt k (0-based) answers script[k], RT_WRITE_OK after the script. */
typedef struct fake {
  rt_writer base;
  int script[64];
  int nscript;
  int attempts;
  int64_t at_us[FAKE_MAX];    /* when each attempt came (monotonic) */
  int64_t rows[1 << 14];      /* the first column of every committed row, in order */
  int nrows;
  char text[1 << 14];         /* string columns 0 and 1 of committed rows ("code error;"):
                               * a dead letter's code and message */
  int *freed;                 /* set to 1 by commit or abort */
} fake;

/* The first line of an error text, for a TAP line. */
static inline const char *line1(const char *msg) {
  static char buf[4][256];
  static int k;
  char *b = buf[k++ % 4];
  snprintf(b, sizeof buf[0], "%.*s", (int)strcspn(msg, "\n"), msg);
  return b;
}

static int64_t mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int fake_write(rt_writer *w, const pipe_batch *b, rt_ioerr *err) {
  fake *f = (fake *)w;
  int k = __atomic_fetch_add(&f->attempts, 1, __ATOMIC_SEQ_CST);   /* tests poll it */
  if (k < FAKE_MAX) f->at_us[k] = mono_us();
  int rc = k < f->nscript ? f->script[k] : RT_WRITE_OK;
  if (rc != RT_WRITE_OK) {
    rt_ioerr_set(err, "fake.db: attempt %d failed", k + 1);
    return rc;
  }
  for (int64_t i = 0; i < b->nrows && f->nrows < (int)(sizeof f->rows / sizeof f->rows[0]); i++) {
    if (b->cols[0].data) {
      pipe_str s = rt_str_at(&b->cols[0], i), m = {"", 0};
      if (b->ncols > 1) m = rt_str_at(&b->cols[1], i);
      size_t len = strlen(f->text);
      snprintf(f->text + len, sizeof f->text - len, "%.*s %.*s;", (int)s.len, s.ptr,
               (int)m.len, m.ptr);
      f->nrows++;
    } else {
      f->rows[f->nrows++] = ((const int64_t *)b->cols[0].values)[i];
    }
  }
  return 0;
}
static int fake_commit(rt_writer *w, rt_ioerr *err) {
  fake *f = (fake *)w;
  if (f->freed) *f->freed = 1;
  free(f);
  return 0;
}
static void fake_abort(rt_writer *w) { fake_commit(w, NULL); }
static const rt_writer_ops fake_ops = {fake_write, fake_commit, fake_abort};

static fake *fake_new(const int *script, int n, int *freed) {
  fake *f = calloc(1, sizeof *f);
  rt_writer_init(&f->base, &fake_ops);
  if (n > 0) memcpy(f->script, script, sizeof(int) * (size_t)n);
  f->nscript = n;
  f->freed = freed;
  if (freed) *freed = 0;
  return f;
}

/* ---- a run with one sink ----------------------------------------------------------- */

static const pipe_field_desc n_fields[] = {{"n", PIPE_T_I64, 0}};
static const pipe_conn_desc dead_conn = {PIPE_CONN_JSONL, -1, "dead.jsonl", 0, 0, 9, 30};

typedef struct harness {
  pipe_node_desc nodes[2];
  pipe_program_desc prog;
  pipe_run *r;
  rt_node *sink;
  fake *w, *dead;             /* borrowed: the run frees them */
  int w_freed, dead_freed;
} harness;

/* A run whose sink (at d.pipe:7:5) has delivery `dl` and writer script `script`. */
static harness *harness_new(pipe_delivery_desc dl, const int *script, int n) {
  harness *h = calloc(1, sizeof *h);
  pipe_schema_desc s = {n_fields, 1, 0};
  pipe_node_desc src = {PIPE_NODE_SOURCE, -1, "s", 2, 1, s,
                        {PIPE_CONN_CSV, -1, "in.csv", 1, ',', 2, 15}};
  src.watermark_field = -1;
  pipe_node_desc snk = {PIPE_NODE_SINK, 0, "sqlite", 7, 5, s, {PIPE_CONN_SQLITE, -1, "fake.db"}};
  snk.delivery = dl;
  h->nodes[0] = src;
  h->nodes[1] = snk;
  h->prog = (pipe_program_desc){PIPE_ABI_VERSION, 2, "d.pipe", h->nodes, NULL, 0, 1, &dead_conn};
  pipe_error err;
  h->r = pipe_open(&h->prog, &err);
  if (!h->r) {
    tap_diag("pipe_open: %s", err.msg);
    free(h);
    return NULL;
  }
  h->sink = &h->r->nodes[1];
  h->w = fake_new(script, n, &h->w_freed);
  h->sink->writer = &h->w->base;
  if (h->r->dead[0].used) {
    h->dead = fake_new(NULL, 0, &h->dead_freed);
    h->r->dead[0].writer = &h->dead->base;
  }
  rt_delivery_start(h->sink);
  return h;
}

static void harness_free(harness *h) {
  if (!h) return;
  pipe_close(h->r);
  free(h);
}

/* A batch of rows first, first + 1, ... (a borrowed batch: release it after). */
static pipe_batch *batch_of(int64_t first, int64_t n) {
  pipe_schema_desc s = {n_fields, 1, 0};
  pipe_batch *b = rt_batch_new(&s, n);
  for (int64_t i = 0; i < n; i++) {
    ((int64_t *)b->cols[0].values)[i] = first + i;
    b->lines[i] = first + i + 1;
  }
  b->nrows = n;
  b->origin = "in.csv";
  return b;
}

/* Delivers rows [first, first + n) as one batch; rt_deliver's result. */
static int deliver(harness *h, int64_t first, int64_t n) {
  pipe_batch *b = batch_of(first, n);
  int rc = rt_deliver(h->sink, b);
  rt_batch_release(b);
  return rc;
}

static inline pipe_delivery_desc retry_desc(int max, int64_t lo, int64_t hi, int on_error) {
  pipe_delivery_desc d = {max, 0, lo, hi, 0, {on_error, 0}};
  return d;
}

#endif
