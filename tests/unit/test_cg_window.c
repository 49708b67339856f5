/* test_cg_window.c: the generated update, merge and finalize functions of a window. One
 * program calls every aggregate on every type it takes; the test JIT-compiles it, fills
 * a PREP batch (the rows the window reads) from a table of source rows, and checks what
 * `final` writes against a brute-force reference computed here, for several subsets of
 * the rows, each folded four ways: one state (rows outside the subset get no state, as
 * late rows do), two states merged after splitting the rows in halves, two states of
 * alternate rows merged, and the same merged the other way round. first/last must follow
 * arrival order through merges, stddev after merging must equal one pass within 1e-12. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cg.h"
#include "parse.h"
#include "rt_batch.h"
#include "sema.h"
#include "tap.h"

#define N 12
enum { F_TS, F_K, F_I, F_NI, F_F, F_NF, F_S, F_NS, F_B, F_NB, F_D, NF };

typedef struct val {
  int null;
  int64_t i;
  double f;
  const char *s;
} val;

static const char *const PROGRAM =
    "schema E { ts: timestamp, k: string, i: i64, ni: i64?, f: f64, nf: f64?, s: string,\n"
    "           ns: string?, b: bool, nb: bool?, d: duration }\n"
    "source e: E = csv(\"e.csv\") watermark ts - 1s\n"
    "e | window tumbling 1m by k {\n"
    "  c = count(), cni = count(ni), cs = count(ns),\n"
    "  si = sum(i), sni = sum(ni), sf = sum(f), snf = sum(nf), sd = sum(d),\n"
    "  mini = min(i), maxni = max(ni), minf = min(f), minnf = min(nf), maxnf = max(nf),\n"
    "  mins = min(s), maxs = max(s), minns = min(ns), maxns = max(ns),\n"
    "  minb = min(b), maxnb = max(nb), maxts = max(ts), mind = min(d), maxd = max(d),\n"
    "  ai = avg(i), anf = avg(nf),\n"
    "  fi = first(ni), li = last(ni), fs = first(ns), ls = last(s), fb = first(nb),\n"
    "  lb = last(b), ff = first(nf), lt = last(ts), ld = last(d),\n"
    "  sdi = stddev(i), sdnf = stddev(nf), sdf = stddev(f)\n"
    "} | sink csv(stdout)\n";

static val src[NF][N];

/* The source rows: nullable fields are null in row 0 (a group of only that row has no
 * values) and here and there; nf has a NaN in row 7; strings repeat and share prefixes. */
static void make_rows(void) {
  static const int64_t is[N] = {5, -3, 7, 7, 0, 12, -8, 4, 1, INT64_MAX, 9, -2};
  static const double fs[N] = {1.5, 2.25, -0.5, 8, 0.75, -3.25, 4, 4, 0.125, 2, -1, 6.5};
  static const char *const ss[N] = {"pear", "apple", "fig", "apple", "banana", "", "figs",
                                    "zz", "appl", "kiwi", "fig", "b"};
  for (int r = 0; r < N; r++) {
    src[F_TS][r] = (val){0, 1000000 * (int64_t)(r % 5) - 2000000, 0, NULL};
    src[F_K][r] = (val){0, 0, 0, "a"};
    src[F_I][r] = (val){0, is[r], 0, NULL};
    src[F_NI][r] = (val){r == 0 || r == 3 || r == 4, is[r] % 1000 * 10, 0, NULL};
    src[F_F][r] = (val){0, 0, fs[r], NULL};
    src[F_NF][r] = (val){r == 0 || r == 2 || r == 5, 0, r == 7 ? NAN : fs[r] * 2, NULL};
    src[F_S][r] = (val){0, 0, 0, ss[r]};
    src[F_NS][r] = (val){r == 0 || r % 4 == 1, 0, 0, ss[(r * 5) % N]};
    src[F_B][r] = (val){0, r % 3 == 1, 0, NULL};
    src[F_NB][r] = (val){r == 0 || r == 6, r % 2, 0, NULL};
    src[F_D][r] = (val){0, (r - 4) * 250000, 0, NULL};
  }
}

/* ---- the reference ------------------------------------------------------------------ */

/* -1, 0, 1 in the order of min/max: NaN above numbers, strings bytewise then shorter. */
static int cmp(ty_kind k, val a, val b) {
  if (k == TY_STRING) {
    size_t la = strlen(a.s), lb = strlen(b.s);
    int c = memcmp(a.s, b.s, la < lb ? la : lb);
    return c ? (c < 0 ? -1 : 1) : (la > lb) - (la < lb);
  }
  if (k == TY_F64) {
    if (isnan(a.f) || isnan(b.f)) return isnan(a.f) - isnan(b.f);
    return (a.f > b.f) - (a.f < b.f);
  }
  return (a.i > b.i) - (a.i < b.i);
}

static double num(ty_kind k, val v) { return k == TY_F64 ? v.f : (double)v.i; }

static val reference(agg_fn fn, int field, ty_kind k, const int *rows, int nrows) {
  val r = {1, 0, 0, NULL};
  int64_t n = 0;
  uint64_t isum = 0;
  double fsum = 0, m2 = 0;
  for (int x = 0; x < nrows; x++) {
    val v = field >= 0 ? src[field][rows[x]] : (val){0, 0, 0, NULL};
    if (v.null) continue;
    n++;
    isum += (uint64_t)v.i;
    fsum += num(k, v);
    if (fn == AGG_FIRST && n == 1) r = v;
    if (fn == AGG_LAST) r = v;
    if ((fn == AGG_MIN && (n == 1 || cmp(k, v, r) < 0)) || (fn == AGG_MAX && (n == 1 || cmp(k, v, r) > 0)))
      r = v;
  }
  for (int x = 0; fn == AGG_STDDEV && x < nrows; x++) {   /* two passes: independent of Welford */
    val v = src[field][rows[x]];
    if (!v.null) m2 += (num(k, v) - fsum / n) * (num(k, v) - fsum / n);
  }
  switch (fn) {
  case AGG_COUNT: return (val){0, n, 0, NULL};
  case AGG_SUM: return n ? (val){0, (int64_t)isum, fsum, NULL} : r;
  case AGG_AVG: return n ? (val){0, 0, fsum / n, NULL} : r;
  case AGG_STDDEV: return n >= 2 ? (val){0, 0, sqrt(m2 / (n - 1)), NULL} : r;
  default: return r;
  }
}

/* ---- the program -------------------------------------------------------------------- */

typedef struct prog {
  arena *a;
  plan_program *plan;
  cg_jit *jit;
  const pipe_program_desc *desc;
  const pipe_node_desc *node;     /* the window node */
  const pipe_window_desc *win;
  const ast_op *w;
  const plan_node *pn;            /* its plan node */
} prog;

static bool compile(prog *p, const char *text) {
  memset(p, 0, sizeof *p);
  p->a = arena_new();
  diag_ctx d;
  diag_init(&d, stderr);
  src_file *f = src_from_string(p->a, "t.pipe", text);
  ast_program *ap = arena_alloc(p->a, sizeof *ap);
  if (parse_file(p->a, &d, ap, f) || sema_check(p->a, &d, ap)) return false;
  p->plan = plan_build(p->a, ap, "t.pipe");
  backend_opts o = {.emit = EMIT_EXE, .opt_level = 2};
  p->jit = cg_jit_open(p->a, p->plan, &o);
  if (!p->jit || !(p->desc = cg_jit_lookup(p->jit, "t_program"))) return false;
  for (int i = 0; i < p->desc->nnodes && !p->node; i++)
    if (p->desc->nodes[i].kind == PIPE_NODE_WINDOW) {
      p->node = &p->desc->nodes[i];
      p->pn = p->plan->nodes[i];
      p->w = p->pn->window;
    }
  p->win = p->node ? p->node->window : NULL;
  return p->win != NULL;
}

static void done(prog *p) {
  if (p->jit) cg_jit_close(p->jit);
  arena_free(p->a);
}

/* The source field a PREP expression reads (through a widening), or -1. */
static int field_of(const ast_expr *e) {
  if (e && e->kind == EXPR_WIDEN) e = e->u.unary.e;
  return e && e->kind == EXPR_NAME && e->u.name.ref == REF_FIELD ? e->u.name.index : -1;
}

static void put(pipe_column *c, const pipe_field_desc *fd, int64_t r, val v) {
  switch (fd->type) {
  case PIPE_T_STRING: rt_str_append(c, r, v.s, v.null ? 0 : (int64_t)strlen(v.s)); break;
  case PIPE_T_BOOL: rt_bool_set(c, r, (int)v.i); break;
  case PIPE_T_F64: ((double *)c->values)[r] = v.f; break;
  default: ((int64_t *)c->values)[r] = v.i; break;
  }
  rt_set_valid(c, r, !v.null);
}

/* The PREP batch of the source rows: each column filled from the field it reads. */
static pipe_batch *prep_batch(const prog *p) {
  const pipe_schema_desc *s = &p->desc->nodes[p->node->input].schema;
  int *from = calloc((size_t)s->nfields, sizeof *from);
  int nkeys = p->w->u.window.keys.len;
  for (int k = 0; k < nkeys; k++)
    from[k] = field_of(((ast_sel_item *)p->w->u.window.keys.items[k])->value);
  if (plan_ts_col(p->w) >= 0) from[plan_ts_col(p->w)] = p->w->u.window.ts_index;
  for (int c = 0; c < p->w->u.window.calls.len; c++)
    if (plan_arg_col(p->pn, c) >= 0)
      from[plan_arg_col(p->pn, c)] = field_of(((ast_agg_call *)p->w->u.window.calls.items[c])->arg);
  pipe_batch *b = rt_batch_new(s, N);
  for (int r = 0; r < N; r++) {
    for (int j = 0; j < s->nfields; j++) {
      val v = src[from[j]][r];
      if (s->fields[j].type == PIPE_T_F64 && from[j] != F_F && from[j] != F_NF)
        v.f = (double)v.i;   /* a widened i64 */
      put(&b->cols[j], &s->fields[j], r, v);
    }
    b->lines[r] = r + 2;
    b->nrows = r + 1;
  }
  free(from);
  return b;
}

/* ---- states ------------------------------------------------------------------------- */

static void *state_new(const prog *p) {
  void *st = calloc(1, (size_t)p->win->state_size);
  if (p->win->init) p->win->init(st);
  return st;
}

static void state_free(const prog *p, void *st) {
  for (int i = 0; i < p->win->nstr; i++) free(((pipe_agg_str *)((char *)st + p->win->str_offs[i]))->ptr);
  free(st);
}

/* Folds the rows of `in` selected by which(): 0 none (late), 1 into a, 2 into b. */
static void fold(const prog *p, const pipe_batch *in, void *a, void *b, int (*which)(int, void *),
                 void *arg) {
  void *states[N];
  for (int r = 0; r < N; r++) {
    int w = which(r, arg);
    states[r] = w == 1 ? a : w == 2 ? b : NULL;
  }
  p->win->update(in, states, 0, 5, 1000);   /* two runs, as between two firings */
  p->win->update(in, states, 5, N, 1000);
}

typedef struct subset { const int *rows; int n; } subset;

static int in_subset(int r, const subset *s) {
  for (int x = 0; x < s->n; x++)
    if (s->rows[x] == r) return 1;
  return 0;
}

static int one(int r, void *arg) { return in_subset(r, arg); }
static int halves(int r, void *arg) { return in_subset(r, arg) ? 1 + (r >= N / 2) : 0; }
static int alternate(int r, void *arg) { return in_subset(r, arg) ? 1 + r % 2 : 0; }

/* ---- checks ------------------------------------------------------------------------- */

static bool same(ty_kind k, val want, val got, bool approx) {
  if (want.null || got.null) return want.null == got.null;
  if (k == TY_STRING) return strcmp(want.s, got.s) == 0;
  if (k == TY_F64) {
    if (isnan(want.f) || isnan(got.f)) return isnan(want.f) && isnan(got.f);
    return approx ? fabs(want.f - got.f) <= 1e-12 * fmax(1, fabs(want.f)) : want.f == got.f;
  }
  return want.i == got.i;
}

static val read_val(const pipe_batch *b, const pipe_field_desc *fd, int col, int64_t r, char *buf) {
  const pipe_column *c = &b->cols[col];
  val v = {rt_is_null(c, r), 0, 0, NULL};
  switch (fd->type) {
  case PIPE_T_STRING: {
    pipe_str s = rt_str_at(c, r);
    snprintf(buf, 64, "%.*s", (int)s.len, s.ptr);
    v.s = buf;
    break;
  }
  case PIPE_T_BOOL: v.i = rt_bool_get(c, r); break;
  case PIPE_T_F64: v.f = ((const double *)c->values)[r]; break;
  default: v.i = ((const int64_t *)c->values)[r]; break;
  }
  return v;
}

static void show(char *out, ty_kind k, val v) {
  if (v.null) snprintf(out, 64, "null");
  else if (k == TY_STRING) snprintf(out, 64, "\"%s\"", v.s);
  else if (k == TY_F64) snprintf(out, 64, "%.17g", v.f);
  else snprintf(out, 64, "%lld", (long long)v.i);
}

/* Row r of mid against the reference of every call over the subset. */
static void check_row(const prog *p, const pipe_batch *mid, int64_t r, const subset *s, const char *how) {
  const pipe_schema_desc *ms = &p->win->mid;
  int base = ms->nfields - p->win->ncalls;
  for (int c = 0; c < p->win->ncalls; c++) {
    const ast_agg_call *call = p->w->u.window.calls.items[c];
    int field = field_of(call->arg);
    ty_kind ak = call->arg ? call->arg->type.kind : TY_I64;
    val want = reference(call->fn, field, ak, s->rows, s->n);
    if (call->fn == AGG_SUM && ak == TY_F64) want.i = 0;
    if ((call->fn == AGG_AVG || call->fn == AGG_STDDEV) && !want.null) want.i = 0;
    char buf[64], w1[64], g1[64];
    ty_kind rk = ms->fields[base + c].type == PIPE_T_F64 ? TY_F64
                 : ms->fields[base + c].type == PIPE_T_STRING ? TY_STRING : TY_I64;
    val got = read_val(mid, &ms->fields[base + c], base + c, r, buf);
    show(w1, rk, want);
    show(g1, rk, got);
    bool approx = call->fn == AGG_STDDEV || call->fn == AGG_AVG;
    bool null_ok = ms->fields[base + c].nullable || !got.null;
    ok(same(rk, want, got, approx) && null_ok, "%s: %s (want %s, got %s%s)", how,
       ms->fields[base + c].name, w1, g1, null_ok ? "" : " in a non-nullable column");
  }
}

/* Folds the subset the four ways, finalizes them into rows 0..3 of one mid batch. */
static void check_subset(const prog *p, const pipe_batch *in, const subset *s, const char *name) {
  void *st[7];
  for (int i = 0; i < 7; i++) st[i] = state_new(p);
  fold(p, in, st[0], NULL, one, (void *)s);
  fold(p, in, st[1], st[2], halves, (void *)s);
  p->win->merge(st[1], st[2]);
  fold(p, in, st[3], st[4], alternate, (void *)s);
  fold(p, in, st[6], st[5], alternate, (void *)s);   /* the same, merged the other way */
  p->win->merge(st[3], st[4]);
  p->win->merge(st[5], st[6]);
  pipe_batch *mid = rt_batch_new(&p->win->mid, 8);
  void *fired[4] = {st[0], st[1], st[3], st[5]};
  int col = p->win->mid.nfields - p->win->ncalls;
  p->win->final(fired, 1, mid, 0, col);
  p->win->final(fired + 1, 3, mid, 1, col);
  static const char *const hows[] = {"one state", "halves merged", "alternate merged",
                                     "alternate merged back"};
  for (int h = 0; h < 4; h++) {
    char how[96];
    snprintf(how, sizeof how, "%s, %s", name, hows[h]);
    check_row(p, mid, h, s, how);
  }
  rt_batch_release(mid);
  for (int i = 0; i < 7; i++) state_free(p, st[i]);
}

static void test_aggregates(void) {
  prog p;
  if (!ok(compile(&p, PROGRAM), "window with every aggregate compiles")) {
    done(&p);
    return;
  }
  is_int(p.win->ncalls, 36, "36 calls");
  ok(p.win->init == NULL, "no init: zero is every call's empty state");
  ok(p.win->state_size > 0 && p.win->state_size % 8 == 0, "state size is a multiple of 8");
  is_int(p.win->nstr, 6, "six string slots (min, max, first, last of strings)");
  pipe_batch *in = prep_batch(&p);
  static const int all[N] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  static const int first_only[] = {0}, two[] = {1, 2}, no_nan[] = {1, 3, 4, 6, 8, 10, 11};
  static const int late_mix[] = {2, 5, 6, 9};
  subset cases[] = {{all, N}, {first_only, 1}, {two, 2}, {no_nan, 7}, {late_mix, 4}};
  static const char *const names[] = {"all rows", "row 0 (nulls only)", "rows 1-2",
                                      "rows without NaN", "rows 2 5 6 9"};
  for (int i = 0; i < 5; i++) check_subset(&p, in, &cases[i], names[i]);
  rt_batch_release(in);
  done(&p);
}

int main(void) {
  make_rows();
  test_aggregates();
  return tap_done();
}
