/* test_rt_window.h: a window program written by hand, shared by the test_rt_window*.c
 * tests: what pipec would generate for
 *
 *   source ev: Ev = csv(input) watermark ts - LAG          # ts, sym: string?, qty: i64?, name: string?
 *     | window KIND by sym { n = count(), total = sum(qty), lo = min(name), first = first(qty) }
 *     | sink host()
 *
 * (or `aggregate by sym { ... }`), with the PREP stage (keys, event time, arguments; it
 * fails on qty == -1 as a division by zero would), the aggregate state and its
 * init/update/merge/final, and an optional projection `per = 100 / total` that fails on
 * total == 0. Tests change the descriptor between runs (kind, sizes, lag, policies) and
 * run it through the embedding API with a host sink that prints every row as
 * "sym|window_start|window_end|n|total|lo|first" (null as "null", times in microseconds).
 */
#ifndef TEST_RT_WINDOW_H
#define TEST_RT_WINDOW_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_internal.h"
#include "tap.h"

#define is_call(expr, want, name) \
  do { \
    long long got_ = (expr); \
    is_int(got_, want, name); \
  } while (0)

static const pipe_field_desc ev_fields[] = {{"ts", PIPE_T_TIMESTAMP, 0},
                                            {"sym", PIPE_T_STRING, 1},
                                            {"qty", PIPE_T_I64, 1},
                                            {"name", PIPE_T_STRING, 1}};
static const uint8_t ev_needed[] = {1, 1, 1, 1};
/* PREP rows: keys, the event time (windows only), then one column per call argument. */
static const pipe_field_desc prep_fields[] = {{"sym", PIPE_T_STRING, 1},
                                              {"ts", PIPE_T_TIMESTAMP, 0},
                                              {"qty", PIPE_T_I64, 1},
                                              {"name", PIPE_T_STRING, 1},
                                              {"qty2", PIPE_T_I64, 1}};
static const pipe_field_desc prep_all_fields[] = {{"sym", PIPE_T_STRING, 1},
                                                  {"qty", PIPE_T_I64, 1},
                                                  {"name", PIPE_T_STRING, 1},
                                                  {"qty2", PIPE_T_I64, 1}};
static const pipe_field_desc mid_fields[] = {
    {"sym", PIPE_T_STRING, 1},     {"window_start", PIPE_T_TIMESTAMP, 0},
    {"window_end", PIPE_T_TIMESTAMP, 0}, {"n", PIPE_T_I64, 0},
    {"total", PIPE_T_I64, 1},      {"lo", PIPE_T_STRING, 1},
    {"first", PIPE_T_I64, 1}};
static const pipe_field_desc mid_all_fields[] = {{"sym", PIPE_T_STRING, 1},
                                                 {"n", PIPE_T_I64, 0},
                                                 {"total", PIPE_T_I64, 1},
                                                 {"lo", PIPE_T_STRING, 1},
                                                 {"first", PIPE_T_I64, 1}};
static const pipe_field_desc proj_fields[] = {
    {"sym", PIPE_T_STRING, 1},           {"window_start", PIPE_T_TIMESTAMP, 0},
    {"window_end", PIPE_T_TIMESTAMP, 0}, {"n", PIPE_T_I64, 0},
    {"per", PIPE_T_I64, 1}};

/* ---- the PREP kernel ------------------------------------------------------------- */

static int with_ts = 1;   /* 0: the aggregate form, without the event-time column */

static void copy_i64(const pipe_column *a, int64_t i, pipe_column *b, int64_t o) {
  ((int64_t *)b->values)[o] = ((const int64_t *)a->values)[i];
  rt_set_valid(b, o, !rt_is_null(a, i));
}

static void copy_str(const pipe_column *a, int64_t i, pipe_column *b, int64_t o) {
  if (rt_is_null(a, i)) {
    rt_put_null(b, PIPE_T_STRING, o);
    return;
  }
  pipe_str s = rt_str_at(a, i);
  rt_str_append(b, o, s.ptr, s.len);
  rt_set_valid(b, o, 1);
}

static int64_t prep_kernel(pipe_kctx *ctx, const pipe_batch *in, pipe_batch *out, int64_t start) {
  for (int64_t i = start; i < in->nrows; i++) {
    if (!rt_is_null(&in->cols[2], i) && ((const int64_t *)in->cols[2].values)[i] == -1) {
      ctx->err_site = 0;
      return i;
    }
    int64_t o = out->nrows++;
    int c = 0;
    copy_str(&in->cols[1], i, &out->cols[c++], o);
    if (with_ts) copy_i64(&in->cols[0], i, &out->cols[c++], o);
    copy_i64(&in->cols[2], i, &out->cols[c++], o);
    copy_str(&in->cols[3], i, &out->cols[c++], o);
    copy_i64(&in->cols[2], i, &out->cols[c++], o);
    out->lines[o] = in->lines[i];
    out->wm[o] = in->wm[i];
  }
  return in->nrows;
}

/* ---- the aggregate state and its functions ----------------------------------------- */

typedef struct agg {
  int64_t n;
  int64_t total, has_total;
  pipe_agg_str lo;
  int64_t has_lo;
  int64_t first, first_seq;   /* first_seq: INT64_MAX until a value is seen (init) */
} agg;
static const int32_t agg_str_offs[] = {offsetof(agg, lo)};
static int64_t init_calls;

static void agg_init(void *state) {
  ((agg *)state)->first_seq = INT64_MAX;
  init_calls++;
}

static int str_less(const char *a, int64_t an, const char *b, int64_t bn) {
  int64_t n = an < bn ? an : bn;
  int m = n ? memcmp(a, b, (size_t)n) : 0;
  return m < 0 || (m == 0 && an < bn);
}

static void agg_update(const pipe_batch *in, void *const *states, int64_t start, int64_t end,
                       int64_t seq0) {
  int base = with_ts ? 2 : 1;   /* first argument column */
  const pipe_column *qty = &in->cols[base], *name = &in->cols[base + 1], *q2 = &in->cols[base + 2];
  for (int64_t i = start; i < end; i++) {
    agg *s = states[i];
    if (!s) continue;
    s->n++;
    if (!rt_is_null(qty, i)) {
      s->total += ((const int64_t *)qty->values)[i];
      s->has_total = 1;
    }
    if (!rt_is_null(name, i)) {
      pipe_str v = rt_str_at(name, i);
      if (!s->has_lo || str_less(v.ptr, v.len, s->lo.ptr, s->lo.len)) {
        pipe_rt_agg_str_set(&s->lo, v.ptr, v.len);
        s->has_lo = 1;
      }
    }
    if (!rt_is_null(q2, i) && seq0 + i < s->first_seq) {
      s->first = ((const int64_t *)q2->values)[i];
      s->first_seq = seq0 + i;
    }
  }
}

static void agg_merge(void *dst, const void *src) {
  agg *d = dst;
  const agg *s = src;
  d->n += s->n;
  d->total += s->total;
  d->has_total |= s->has_total;
  if (s->has_lo && (!d->has_lo || str_less(s->lo.ptr, s->lo.len, d->lo.ptr, d->lo.len))) {
    pipe_rt_agg_str_set(&d->lo, s->lo.ptr, s->lo.len);
    d->has_lo = 1;
  }
  if (s->first_seq < d->first_seq) {
    d->first = s->first;
    d->first_seq = s->first_seq;
  }
}

static void agg_final(void *const *states, int64_t n, pipe_batch *out, int64_t row0, int32_t col) {
  for (int64_t k = 0; k < n; k++) {
    const agg *s = states[k];
    int64_t r = row0 + k;
    ((int64_t *)out->cols[col].values)[r] = s->n;
    ((int64_t *)out->cols[col + 1].values)[r] = s->total;
    rt_set_valid(&out->cols[col + 1], r, (int)s->has_total);
    if (s->has_lo) {
      rt_str_append(&out->cols[col + 2], r, s->lo.ptr, s->lo.len);
      rt_set_valid(&out->cols[col + 2], r, 1);
    } else {
      rt_put_null(&out->cols[col + 2], PIPE_T_STRING, r);
    }
    ((int64_t *)out->cols[col + 3].values)[r] = s->first;
    rt_set_valid(&out->cols[col + 3], r, s->first_seq != INT64_MAX);
  }
}

/* per = 100 / total: fails (site 0) on total == 0 */
static int64_t project_kernel(pipe_kctx *ctx, const pipe_batch *in, pipe_batch *out,
                              int64_t start) {
  for (int64_t i = start; i < in->nrows; i++) {
    const pipe_column *total = &in->cols[4];
    int null = rt_is_null(total, i);
    int64_t t = ((const int64_t *)total->values)[i];
    if (!null && t == 0) {
      ctx->err_site = 0;
      return i;
    }
    int64_t o = out->nrows++;
    copy_str(&in->cols[0], i, &out->cols[0], o);
    copy_i64(&in->cols[1], i, &out->cols[1], o);
    copy_i64(&in->cols[2], i, &out->cols[2], o);
    copy_i64(&in->cols[3], i, &out->cols[3], o);
    ((int64_t *)out->cols[4].values)[o] = null ? 0 : 100 / t;
    rt_set_valid(&out->cols[4], o, !null);
    out->lines[o] = in->lines[i];
    out->wm[o] = in->wm[i];
  }
  return in->nrows;
}

/* ---- the descriptor ------------------------------------------------------------------ */

static pipe_param_desc params[] = {{"input", PIPE_T_STRING, 0, NULL}};
static pipe_op_desc prep_ops[] = {{PIPE_OP_PREP, 5, 5, {PIPE_ON_FAIL, 0}}};
static const pipe_site_desc prep_sites[] = {{0, 5, 30, 2, "division by zero"}};
static pipe_op_desc win_ops[] = {{PIPE_OP_WINDOW, 5, 5, {PIPE_ON_FAIL, 0}}};
static const pipe_site_desc win_sites[] = {{0, 6, 13, 4, "division by zero"}};
static char dead_path[128];
static pipe_conn_desc dead[] = {{PIPE_CONN_CSV, -1, dead_path, 1, ',', 7, 20}};

/* No key hash and eq: the runtime's generic key code (test_cg_key.c compares the two). */
static pipe_window_desc wdesc = {
    PIPE_WIN_TUMBLING, 1, 1, 4, 60000000, 0, (int32_t)sizeof(agg), 1, agg_str_offs,
    {mid_fields, 7, 0}, agg_init, agg_update, agg_merge, agg_final, NULL, {PIPE_ON_SKIP, 0},
    NULL, NULL};

#define NOPOL {PIPE_ON_FAIL, 0}
static pipe_node_desc nodes[4] = {
    {PIPE_NODE_SOURCE, -1, "ev", 2, 1, {ev_fields, 4, 0}, {PIPE_CONN_CSV, 0, NULL, 1, ',', 2, 17},
     ev_needed, NOPOL, 0, 0, 5000000, NULL, NULL, 0, 0, NULL, NULL},
    {PIPE_NODE_STAGE, 0, "stage", 5, 5, {prep_fields, 5, 0}, {0, -1, NULL, 0, 0, 0, 0}, NULL,
     NOPOL, -1, 0, 0, prep_kernel, prep_ops, 1, 1, prep_sites, NULL},
    {PIPE_NODE_WINDOW, 1, "window", 5, 5, {mid_fields, 7, 0}, {0, -1, NULL, 0, 0, 0, 0}, NULL,
     NOPOL, -1, 0, 0, NULL, win_ops, 1, 1, win_sites, &wdesc},
    {PIPE_NODE_SINK, 2, "host", 8, 5, {mid_fields, 7, 0}, {PIPE_CONN_HOST, -1, NULL, 0, 0, 8, 10},
     NULL, NOPOL, -1, 0, 0, NULL, NULL, 0, 0, NULL, NULL},
};
static pipe_program_desc prog = {PIPE_ABI_VERSION, 4, "w.pipe", nodes, params, 1, 1, dead};

/* Sets the window up: kind, size (us or rows), slide, lag (us); a projection or not. */
static void setup(int kind, int64_t size, int64_t every, int64_t lag, int project) {
  int all = kind == PIPE_WIN_ALL;
  with_ts = !all;
  wdesc.kind = kind;
  wdesc.size = size;
  wdesc.every = every;
  wdesc.ts_col = all ? -1 : 1;
  wdesc.mid.fields = all ? mid_all_fields : mid_fields;
  wdesc.mid.nfields = all ? 5 : 7;
  wdesc.project = project ? project_kernel : NULL;
  nodes[0].watermark_delay = lag;
  nodes[0].watermark_field = 0;
  nodes[1].schema.fields = all ? prep_all_fields : prep_fields;
  nodes[1].schema.nfields = all ? 4 : 5;
  win_ops[0].kind = all ? PIPE_OP_AGGREGATE : PIPE_OP_WINDOW;
  pipe_schema_desc out = project ? (pipe_schema_desc){proj_fields, 5, 0} : wdesc.mid;
  nodes[2].schema = out;
  nodes[3].schema = out;
  prep_ops[0].policy.kind = PIPE_ON_FAIL;
  win_ops[0].policy.kind = PIPE_ON_FAIL;
  wdesc.late.kind = PIPE_ON_SKIP;
}

/* ---- running it ---------------------------------------------------------------------- */

static char dir[64], in_path[128];

typedef struct result {
  int status;
  char err[1024];
  char *out;                 /* the sink's rows, one line each */
  size_t len, cap;
  int64_t batches;
  pipe_stat stats[8];
  int nstats;
  int64_t live, peak;        /* the window's groups after the last firing, and at most */
} result;

static void put_text(result *res, const char *s, size_t n) {
  if (res->len + n + 1 > res->cap) {
    res->cap = (res->len + n + 1) * 2;
    res->out = realloc(res->out, res->cap);
  }
  memcpy(res->out + res->len, s, n);
  res->len += n;
  res->out[res->len] = 0;
}

static int on_rows(void *user, const pipe_batch *b, const pipe_schema_desc *s) {
  result *res = user;
  res->batches++;
  for (int64_t i = 0; i < b->nrows; i++) {
    char line[512];
    int n = 0;
    for (int c = 0; c < s->nfields; c++) {
      const char *sep = c ? "|" : "";
      if (pipe_row_is_null(b, c, i)) {
        n += snprintf(line + n, sizeof line - (size_t)n, "%snull", sep);
      } else if (s->fields[c].type == PIPE_T_STRING) {
        pipe_str v = pipe_get_str(b, c, i);
        n += snprintf(line + n, sizeof line - (size_t)n, "%s%.*s", sep, (int)v.len, v.ptr);
      } else {
        n += snprintf(line + n, sizeof line - (size_t)n, "%s%lld", sep,
                      (long long)pipe_get_i64(b, c, i));
      }
    }
    line[n++] = '\n';
    put_text(res, line, (size_t)n);
  }
  return 0;
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

/* Runs the program over `input` (CSV text) with PIPE_BATCH_ROWS = rows and PIPE_CHAN_CAP
 * = cap (NULL: the defaults). The caller frees res->out. */
static void run(result *res, const char *input, const char *rows, const char *cap) {
  memset(res, 0, sizeof *res);
  put_text(res, "", 0);
  write_file(in_path, input);
  unlink(dead_path);
  if (rows) setenv("PIPE_BATCH_ROWS", rows, 1);
  else unsetenv("PIPE_BATCH_ROWS");
  if (cap) setenv("PIPE_CHAN_CAP", cap, 1);
  else unsetenv("PIPE_CHAN_CAP");
  pipe_error err;
  pipe_run *r = pipe_open(&prog, &err);
  if (!r) {
    res->status = -1;
    snprintf(res->err, sizeof res->err, "%s", err.msg);
    return;
  }
  pipe_set_param(r, "input", in_path);
  pipe_bind_sink(r, 0, on_rows, res);
  if (pipe_start(r) == 0) pipe_wait(r);
  res->status = pipe_get_error(r)->status;
  snprintf(res->err, sizeof res->err, "%s", pipe_get_error(r)->msg);
  res->nstats = pipe_get_stats(r, res->stats, 8);
  res->live = r->nodes[2].win_live;
  res->peak = r->nodes[2].win_peak;
  pipe_close(r);
}

/* The whole file, or "<missing>"; the caller frees. */
__attribute__((unused)) static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return strdup("<missing>");
  char *buf = NULL;
  size_t len = 0, n;
  char chunk[4096];
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    buf = realloc(buf, len + n + 1);
    memcpy(buf + len, chunk, n);
    len += n;
  }
  fclose(f);
  if (!buf) return strdup("");
  buf[len] = 0;
  return buf;
}

static void make_dir(void) {
  snprintf(dir, sizeof dir, "/tmp/pipe_win_XXXXXX");
  if (!mkdtemp(dir)) abort();
  snprintf(in_path, sizeof in_path, "%s/in.csv", dir);
  snprintf(dead_path, sizeof dead_path, "%s/dead.csv", dir);
}

static void remove_dir(void) {
  unlink(in_path);
  unlink(dead_path);
  rmdir(dir);
}

#endif
