/* test_rt_host.c: host() sources and sinks through the embedding API, with descriptors
 * written by hand: rows pushed from a thread through a C kernel stage into a host sink
 * that reads them with the pipe.h accessors; values of every type incl. nulls; flush;
 * backpressure against a sink that holds the batches; pipe_stop while a push blocks; a
 * failing sink callback; invalid rows and misuse; an unbound sink; stats labels; and
 * pipe_main refusing a program with host connectors. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rt_internal.h"
#include "tap.h"

#define is_call(expr, want, name) \
  do { \
    long long got_ = (expr); \
    is_int(got_, want, name); \
  } while (0)

static const pipe_field_desc ev_fields[] = {{"name", PIPE_T_STRING, 0},
                                            {"qty", PIPE_T_I64, 0},
                                            {"price", PIPE_T_F64, 1},
                                            {"ok", PIPE_T_BOOL, 1}};
#define EV {ev_fields, 4, 0}

/* filter qty >= 10, copying every column */
static int64_t kernel(pipe_kctx *ctx, const pipe_batch *in, pipe_batch *out, int64_t start) {
  for (int64_t i = start; i < in->nrows; i++) {
    if (((int64_t *)in->cols[1].values)[i] < 10) {
      ctx->filtered[0]++;
      continue;
    }
    int64_t o = out->nrows++;
    pipe_str s = rt_str_at(&in->cols[0], i);
    rt_str_append(&out->cols[0], o, s.ptr, s.len);
    ((int64_t *)out->cols[1].values)[o] = ((int64_t *)in->cols[1].values)[i];
    ((double *)out->cols[2].values)[o] = ((double *)in->cols[2].values)[i];
    rt_set_valid(&out->cols[2], o, !rt_is_null(&in->cols[2], i));
    rt_bool_set(&out->cols[3], o, rt_bool_get(&in->cols[3], i));
    rt_set_valid(&out->cols[3], o, !rt_is_null(&in->cols[3], i));
    out->lines[o] = in->lines[i];
  }
  return in->nrows;
}

static pipe_op_desc ops[] = {{PIPE_OP_FILTER, 3, 5, {PIPE_ON_FAIL, 0}}};

#define HOST_CONN(l, c) {PIPE_CONN_HOST, -1, NULL, 0, 0, l, c}
#define NONE NULL, {PIPE_ON_FAIL, 0}, -1, 0, 0
static const pipe_node_desc nodes[3] = {
    {PIPE_NODE_SOURCE, -1, "ev", 2, 1, EV, HOST_CONN(2, 17), NONE, NULL, NULL, 0, 0, NULL, NULL},
    {PIPE_NODE_STAGE, 0, "stage", 3, 5, EV, {0, -1, NULL, 0, 0, 0, 0}, NONE, kernel, ops, 1, 0,
     NULL, NULL},
    {PIPE_NODE_SINK, 1, "host", 4, 5, EV, HOST_CONN(4, 10), NONE, NULL, NULL, 0, 0, NULL, NULL},
};
static const pipe_program_desc prog = {PIPE_ABI_VERSION, 3, "h.pipe", nodes, NULL, 0, 0, NULL};

/* source -> sink directly: every value arrives as pushed */
static const pipe_node_desc direct_nodes[2] = {
    {PIPE_NODE_SOURCE, -1, "ev", 2, 1, EV, HOST_CONN(2, 17), NONE, NULL, NULL, 0, 0, NULL, NULL},
    {PIPE_NODE_SINK, 0, "host", 3, 5, EV, HOST_CONN(3, 10), NONE, NULL, NULL, 0, 0, NULL, NULL},
};
static const pipe_program_desc direct = {PIPE_ABI_VERSION, 2, "d.pipe", direct_nodes, NULL, 0,
                                         0, NULL};

/* source -> a stage failing (policy fail) at qty == 5000 -> sink */
static int64_t kernel_fail(pipe_kctx *ctx, const pipe_batch *in, pipe_batch *out,
                           int64_t start) {
  for (int64_t i = start; i < in->nrows; i++) {
    if (((int64_t *)in->cols[1].values)[i] == 5000) {
      ctx->err_site = 0;
      return i;
    }
  }
  return in->nrows;   /* passes nothing on: only the failure matters */
}
static const pipe_site_desc fail_sites[] = {{0, 3, 12, 1, "division by zero"}};
static const pipe_node_desc fail_nodes[3] = {
    {PIPE_NODE_SOURCE, -1, "ev", 2, 1, EV, HOST_CONN(2, 17), NONE, NULL, NULL, 0, 0, NULL, NULL},
    {PIPE_NODE_STAGE, 0, "stage", 3, 5, EV, {0, -1, NULL, 0, 0, 0, 0}, NONE, kernel_fail, ops, 1,
     1, fail_sites, NULL},
    {PIPE_NODE_SINK, 1, "host", 4, 5, EV, HOST_CONN(4, 10), NONE, NULL, NULL, 0, 0, NULL, NULL},
};
static const pipe_program_desc failing = {PIPE_ABI_VERSION, 3, "f.pipe", fail_nodes, NULL, 0,
                                          0, NULL};

/* ---- a collecting sink -------------------------------------------------------------- */

typedef struct collect {
  char *text;              /* one line per row */
  size_t len, cap;
  int64_t rows, batches;
  int64_t next_qty;        /* ordered runs: the qty expected next, or -1 */
  int out_of_order;
  int fail_with;           /* non-zero: return this */
  pthread_mutex_t mu;      /* the gate: the callback waits while `hold` is set */
  pthread_cond_t cv;
  int hold;
  atomic_int entered;
} collect;

static void collect_init(collect *c) {
  memset(c, 0, sizeof *c);
  c->next_qty = -1;
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->cv, NULL);
}

static void collect_free(collect *c) {
  free(c->text);
  pthread_mutex_destroy(&c->mu);
  pthread_cond_destroy(&c->cv);
}

static void release_gate(collect *c) {
  pthread_mutex_lock(&c->mu);
  c->hold = 0;
  pthread_cond_broadcast(&c->cv);
  pthread_mutex_unlock(&c->mu);
}

static void put_text(collect *c, const char *s, size_t n) {
  if (c->len + n + 1 > c->cap) {
    c->cap = (c->len + n + 1) * 2;
    c->text = realloc(c->text, c->cap);
  }
  memcpy(c->text + c->len, s, n);
  c->len += n;
  c->text[c->len] = 0;
}

static int on_rows(void *user, const pipe_batch *b, const pipe_schema_desc *s) {
  collect *c = user;
  atomic_fetch_add(&c->entered, 1);
  pthread_mutex_lock(&c->mu);
  while (c->hold) pthread_cond_wait(&c->cv, &c->mu);
  pthread_mutex_unlock(&c->mu);
  c->batches++;
  for (int64_t i = 0; i < b->nrows; i++, c->rows++) {
    int64_t qty = pipe_get_i64(b, 1, i);
    if (c->next_qty >= 0) {
      if (qty != c->next_qty) c->out_of_order = 1;
      c->next_qty = qty + 1;
      continue;
    }
    char line[256];
    pipe_str name = pipe_get_str(b, 0, i);
    int n = snprintf(line, sizeof line, "%.*s|%lld|", (int)name.len, name.ptr, (long long)qty);
    n += pipe_row_is_null(b, 2, i) ? snprintf(line + n, sizeof line - n, "null|")
                                   : snprintf(line + n, sizeof line - n, "%g|", pipe_get_f64(b, 2, i));
    n += pipe_row_is_null(b, 3, i) ? snprintf(line + n, sizeof line - n, "null")
                                   : snprintf(line + n, sizeof line - n, "%s",
                                              pipe_get_bool(b, 3, i) ? "true" : "false");
    n += snprintf(line + n, sizeof line - n, " @%lld\n", (long long)b->lines[i]);
    put_text(c, line, (size_t)n);
  }
  (void)s;
  return c->fail_with;
}

/* ---- pushing -------------------------------------------------------------------------- */

static pipe_value vals[4];

static const pipe_value *row(const char *name, int64_t qty, int price_null, double price,
                             int ok_null, int ok) {
  memset(vals, 0, sizeof vals);
  vals[0].s = name;
  vals[0].slen = name ? (int64_t)strlen(name) : 0;
  vals[1].i = qty;
  vals[2].f = price;
  vals[2].is_null = (int8_t)price_null;
  vals[3].i = ok;
  vals[3].is_null = (int8_t)ok_null;
  return vals;
}

typedef struct pusher {
  pipe_run *r;
  int64_t nrows;
  atomic_llong pushed;     /* rows accepted so far */
  int last_rc;
  pipe_error err;
  int end;                 /* call pipe_host_end after the rows */
} pusher;

static void *push_main(void *arg) {
  pusher *p = arg;
  pipe_value v[4];
  memset(v, 0, sizeof v);
  v[0].s = "x";
  v[0].slen = 1;
  p->last_rc = 0;
  for (int64_t i = 0; i < p->nrows; i++) {
    v[1].i = i;
    v[2].f = (double)i;
    if (pipe_host_push(p->r, "ev", v, &p->err) != 0) {
      p->last_rc = -1;
      break;
    }
    atomic_store(&p->pushed, i + 1);
  }
  if (p->end) pipe_host_end(p->r, "ev", NULL);
  return NULL;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Waits until `pushed` has not moved for 100ms (the pusher is blocked). */
static long long settle(pusher *p) {
  long long last = -1, cur;
  while ((cur = atomic_load(&p->pushed)) != last) {
    last = cur;
    usleep(100000);
  }
  return cur;
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_stage_and_values(void) {
  collect c;
  collect_init(&c);
  pipe_error err;
  pipe_run *r = pipe_open(&prog, &err);
  ok(r != NULL, "open a program with host connectors");
  is_int(pipe_host_sinks(r), 1, "one host sink");
  is_int(pipe_host_sources(r), 1, "one host source");
  const pipe_node_desc *d = pipe_host_sink_desc(r, 0);
  ok(d && d->line == 4 && d->col == 5 && d->schema.nfields == 4, "host sink desc");
  ok(pipe_host_sink_desc(r, 1) == NULL && pipe_host_sink_desc(r, -1) == NULL, "no sink 1");
  ok(pipe_host_source_desc(r, 0) && strcmp(pipe_host_source_desc(r, 0)->name, "ev") == 0,
     "host source desc");
  is_call(pipe_host_push(r, "ev", row("a", 10, 0, 1.5, 0, 1), &err), -1, "push before start");
  is_int(err.status, 2, "... is a misuse");
  is_call(pipe_bind_sink(r, 1, on_rows, &c), -1, "bind a missing sink");
  is_call(pipe_bind_sink(r, 0, on_rows, &c), 0, "bind sink 0");
  is_call(pipe_start(r), 0, "start");

  is_call(pipe_host_push(r, "ev", row("apple", 10, 0, 1.5, 0, 1), &err), 0, "push 1");
  is_call(pipe_host_push(r, "ev", row("b", 5, 0, 2, 0, 0), &err), 0, "push 2 (filtered)");
  is_call(pipe_host_push(r, "ev", row("", 20, 1, 0, 0, 0), &err), 0, "push: empty string, null");
  is_call(pipe_host_push(r, "ev", row("d,\"q\"", 30, 0, -0.25, 1, 0), &err), 0, "push: null bool");
  is_call(pipe_host_push(r, "nope", row("a", 1, 0, 1, 0, 1), &err), -1, "unknown source");
  is_str(err.msg, "error: the program has no host() source named `nope`\n", "... its text");
  is_call(pipe_host_push(r, "ev", row(NULL, 40, 0, 1, 0, 1), &err), 0, "NULL with slen 0: empty");
  vals[0].slen = 3;
  is_call(pipe_host_push(r, "ev", vals, &err), -1, "NULL string bytes with slen 3");
  is_call(pipe_host_push(r, "ev", row("n", 50, 0, 1, 0, 1), &err), 0, "push after a bad row");
  vals[1].is_null = 1;
  is_call(pipe_host_push(r, "ev", vals, &err), -1, "null in a non-nullable field");
  is_int(err.status, 2, "... status 2");
  is_str(err.msg, "error: host source `ev`: field `qty` is not nullable, the value is null\n",
         "... its text");
  is_call(pipe_host_flush(r, "ev", &err), 0, "flush");
  for (int i = 0; i < 200 && atomic_load(&c.entered) == 0; i++) usleep(10000);
  ok(atomic_load(&c.entered) >= 1, "flushed rows reach the sink before the end");
  is_call(pipe_host_end(r, "ev", &err), 0, "end");
  is_call(pipe_host_end(r, "ev", &err), 0, "end again is harmless");
  is_call(pipe_host_push(r, "ev", row("z", 99, 0, 1, 0, 1), &err), -1, "push after end");
  is_str(err.msg, "error: host source `ev` has ended (pipe_host_end)\n", "... its text");
  is_call(pipe_wait(r), 0, "the run ends after pipe_host_end");
  is_str(c.text ? c.text : "",
         "apple|10|1.5|true @1\n|20|null|false @3\nd,\"q\"|30|-0.25|null @4\n"
         "|40|1|true @5\nn|50|1|true @6\n",
         "the host sink got every passing row, values intact");

  pipe_stat s[4];
  is_int(pipe_get_stats(r, s, 4), 3, "three stats rows");
  is_str(s[0].label, "source ev (h.pipe:2:1)", "source label");
  is_str(s[2].label, "sink host (h.pipe:4:5)", "sink label");
  ok(s[0].in == 6 && s[0].out == 6, "source counts pushed rows");
  ok(s[1].in == 6 && s[1].filtered == 1 && s[1].out == 5, "filter counts");
  ok(s[2].in == 5 && s[2].out == 5, "sink counts");
  pipe_close(r);
  collect_free(&c);
}

/* Many batches from a thread against a sink that holds them: the pusher blocks with a
 * bounded number of rows in flight, then everything arrives in order. */
static void test_backpressure(void) {
  collect c;
  collect_init(&c);
  c.next_qty = 0;
  c.hold = 1;
  pipe_run *r = pipe_open(&direct, NULL);
  pipe_bind_sink(r, 0, on_rows, &c);
  is_call(pipe_start(r), 0, "backpressure: start");
  pusher p = {.r = r, .nrows = 200 * 4096, .end = 1};
  pthread_t t;
  pthread_create(&t, NULL, push_main, &p);
  long long held = settle(&p);
  /* push channel + source batch + edge channel + the batch in the callback */
  long long bound = (long long)(RT_CHAN_CAP + 1 + RT_CHAN_CAP + 2) * 4096;
  ok(held > 0 && held <= bound, "a blocked pusher holds a bounded number of rows");
  if (!(held > 0 && held <= bound)) tap_diag("pushed %lld, bound %lld", held, bound);
  release_gate(&c);
  pthread_join(t, NULL);
  is_int(p.last_rc, 0, "every push succeeded once the sink went on");
  is_call(pipe_wait(r), 0, "backpressure: status 0");
  is_int(c.rows, 200 * 4096, "every row arrived");
  is_int(c.out_of_order, 0, "in order");
  pipe_close(r);
  collect_free(&c);
}

static void test_stop_while_blocked(void) {
  collect c;
  collect_init(&c);
  c.next_qty = 0;
  c.hold = 1;
  pipe_run *r = pipe_open(&direct, NULL);
  pipe_bind_sink(r, 0, on_rows, &c);
  is_call(pipe_start(r), 0, "stop: start");
  pusher p = {.r = r, .nrows = 100 * 4096, .end = 0};
  pthread_t t;
  pthread_create(&t, NULL, push_main, &p);
  settle(&p);
  double t0 = now();
  pipe_stop(r);
  pthread_join(t, NULL);
  ok(now() - t0 < 1.0, "pipe_stop wakes a blocked push promptly");
  is_int(p.last_rc, -1, "the blocked push returns -1");
  is_int(p.err.status, 1, "... status 1");
  is_str(p.err.msg, "error: host source `ev`: the run has stopped (see pipe_get_error)\n",
         "... its text");
  release_gate(&c);
  is_call(pipe_wait(r), 0, "pipe_wait returns after pipe_stop");
  pipe_error err;
  is_call(pipe_host_push(r, "ev", row("a", 1, 0, 1, 0, 1), &err), -1, "push after the stop");
  pipe_close(r);
  collect_free(&c);
}

static void test_sink_fails(void) {
  collect c;
  collect_init(&c);
  c.next_qty = 0;
  c.fail_with = 7;
  pipe_run *r = pipe_open(&direct, NULL);
  pipe_bind_sink(r, 0, on_rows, &c);
  is_call(pipe_start(r), 0, "failing sink: start");
  pusher p = {.r = r, .nrows = 50 * 4096, .end = 1};
  push_main(&p);   /* on this thread: the pushes must not deadlock */
  is_int(p.last_rc, -1, "pushes fail once the sink failed");
  is_int(p.err.status, 1, "... status 1");
  is_call(pipe_wait(r), 1, "the run fails");
  is_str(pipe_get_error(r)->msg, "error: host sink returned 7\n  --> d.pipe:3:5: in sink host\n",
         "the error names the sink");
  pipe_close(r);
  collect_free(&c);
}

/* A row error under fail stops the run gracefully (no channel is cancelled): pushes on
 * one thread must still end with -1 instead of blocking, and the run ends. */
static void test_row_error(void) {
  collect c;
  collect_init(&c);
  pipe_run *r = pipe_open(&failing, NULL);
  pipe_bind_sink(r, 0, on_rows, &c);
  is_call(pipe_start(r), 0, "row error: start");
  pusher p = {.r = r, .nrows = 100 * 4096, .end = 1};
  push_main(&p);
  is_int(p.last_rc, -1, "pushes fail after the row error");
  ok(atomic_load(&p.pushed) < 100 * 4096, "... before every row was pushed");
  is_call(pipe_wait(r), 1, "the run fails");
  is_str(pipe_get_error(r)->msg,
         "error[R0011]: host:ev:5001: field `qty` = \"5000\": division by zero\n"
         "  --> f.pipe:3:12: in filter\n",
         "the row error names the host origin and the row ordinal");
  pipe_close(r);
  collect_free(&c);
}

static void test_unbound(void) {
  pipe_run *r = pipe_open(&prog, NULL);
  is_call(pipe_start(r), -1, "unbound host sink: pipe_start fails");
  is_int(pipe_get_error(r)->status, 2, "... status 2");
  is_str(pipe_get_error(r)->msg,
         "error: host sink (h.pipe:4:5) is not bound: call pipe_bind_sink before pipe_start\n",
         "... its text");
  pipe_close(r);

  /* Ending before the start is allowed: the source is simply empty. */
  collect c;
  collect_init(&c);
  r = pipe_open(&direct, NULL);
  pipe_bind_sink(r, 0, on_rows, &c);
  is_call(pipe_host_end(r, "ev", NULL), 0, "end before start");
  is_call(pipe_start(r), 0, "start");
  is_call(pipe_bind_sink(r, 0, on_rows, &c), -1, "bind after start");
  is_call(pipe_wait(r), 0, "an empty host source ends the run");
  is_int(c.rows, 0, "no rows");
  pipe_close(r);
  collect_free(&c);
}

static void test_pipe_main(void) {
  char path[64];
  snprintf(path, sizeof path, "/tmp/pipe_host_%d.txt", (int)getpid());
  fflush(stderr);
  int saved = dup(2);
  FILE *ef = freopen(path, "w", stderr);
  (void)ef;
  char *argv[] = {(char *)"prog", NULL};
  int st = pipe_main(1, argv, &prog);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  is_int(st, 2, "pipe_main refuses host connectors with status 2");
  char buf[256] = {0};
  FILE *f = fopen(path, "r");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  buf[n] = 0;
  if (f) fclose(f);
  unlink(path);
  const char *got = buf;
  is_str(got, "error: host() connectors need a C program that embeds this pipeline"
              " (see docs/embedding.md)\n", "... with this text");
}

int main(void) {
  test_stage_and_values();
  test_backpressure();
  test_stop_while_blocked();
  test_sink_fails();
  test_row_error();
  test_unbound();
  test_pipe_main();
  return tap_done();
}
