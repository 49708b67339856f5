/* test_cg_key.c: the generated key hashing and equality of a window (compiler/cg_key.c)
 * against the runtime's generic key code (runtime/src/win_key.c), which hand-written
 * descriptors use. Window and aggregate programs keyed by every type, nullable and not,
 * and by several keys at once are JIT-compiled; their PREP batches are made by hand with
 * awkward values: -0.0 and 0.0, NaNs of either sign and with payloads, infinities,
 * extreme integers, empty, non-ASCII and NUL-holding strings around the 8-byte word,
 * nulls over stale values. For every pair of rows (i, j):
 *   - generated eq(row i, the key the runtime stored from row j) is 1 iff the generic
 *     runtime put rows i and j in one key, and that is what a reference written here says;
 *   - rows of one key get one generated hash, and rows of different keys different ones
 *     (a collision among so few keys would mean a weak mix);
 *   - the runtime driven by the descriptor's hash and eq groups rows exactly as the
 *     generic runtime does. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cg.h"
#include "parse.h"
#include "rt_window.h"
#include "sema.h"
#include "tap.h"

#define MAXROWS 160
#define MAXKEYS 6

typedef struct val {
  int null;
  int64_t i;
  double f;
  const char *s;
  int64_t slen;
} val;

/* ---- value pools: the tricky values first (the multi-key programs use the first few) -- */

#define S(lit) {0, 0, 0, lit, (int64_t)sizeof(lit) - 1}
static const val str_pool[] = {
    S(""), S("ab"), S("ab\0"), S("a"), S("\0"), S("abcdefg"), S("abcdefgh"), S("abcdefgi"),
    S("abcdefghi"), S("abcdefgh\0"), S("h\xc3\xa9llo"), S("\xe6\x97\xa5\xe6\x9c\xac"),
    S("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e, a key longer than 16 bytes"), S("\xff\xfe"), S("AB")};
#define I(v) {0, v, 0, NULL, 0}
static const val i64_pool[] = {I(0), I(-1), I(1), I(42), I(INT64_MIN), I(INT64_MAX),
                               I(0x100000000LL), I(-86400000000LL), I(1767225600000000LL)};
static const val bool_pool[] = {I(0), I(1)};
static val f64_pool[12];
static void make_f64_pool(void) {
  const uint64_t nan_payload = 0xfff8000000000123ULL, snan = 0x7ff0000000000001ULL;
  double p1, p2;
  memcpy(&p1, &nan_payload, 8);
  memcpy(&p2, &snan, 8);
  const double fs[12] = {0.0, -0.0, NAN, p1, -NAN, p2, INFINITY, -INFINITY, 1.5, -1.5,
                         5e-324, DBL_MAX};
  for (int k = 0; k < 12; k++) f64_pool[k] = (val){0, 0, fs[k], NULL, 0};
}

static const val *pool_of(int type, int *n) {
  switch (type) {
  case PIPE_T_STRING: *n = (int)(sizeof str_pool / sizeof *str_pool); return str_pool;
  case PIPE_T_F64: *n = 12; return f64_pool;
  case PIPE_T_BOOL: *n = 2; return bool_pool;
  default: *n = (int)(sizeof i64_pool / sizeof *i64_pool); return i64_pool;
  }
}

/* ---- the reference: grouping equality from the values themselves ------------------- */

static int ref_val_eq(int type, val a, val b) {
  if (a.null || b.null) return a.null == b.null;
  switch (type) {
  case PIPE_T_STRING: return a.slen == b.slen && memcmp(a.s, b.s, (size_t)a.slen) == 0;
  case PIPE_T_F64: return a.f == b.f || (isnan(a.f) && isnan(b.f));
  default: return a.i == b.i;
  }
}

/* ---- the program -------------------------------------------------------------------- */

typedef struct prog {
  arena *a;
  cg_jit *jit;
  const pipe_program_desc *desc;
  const pipe_window_desc *win;
  const pipe_schema_desc *in;   /* the PREP rows */
} prog;

static bool compile(prog *p, const char *text) {
  memset(p, 0, sizeof *p);
  p->a = arena_new();
  diag_ctx d;
  diag_init(&d, stderr);
  src_file *f = src_from_string(p->a, "t.pipe", text);
  ast_program *ap = arena_alloc(p->a, sizeof *ap);
  if (parse_file(p->a, &d, ap, f) || sema_check(p->a, &d, ap)) return false;
  plan_program *plan = plan_build(p->a, ap, "t.pipe");
  backend_opts o = {.emit = EMIT_EXE, .opt_level = 2};
  p->jit = cg_jit_open(p->a, plan, &o);
  if (!p->jit || !(p->desc = cg_jit_lookup(p->jit, "t_program"))) return false;
  for (int i = 0; i < p->desc->nnodes && !p->win; i++)
    if (p->desc->nodes[i].kind == PIPE_NODE_WINDOW) {
      p->win = p->desc->nodes[i].window;
      p->in = &p->desc->nodes[p->desc->nodes[i].input].schema;
    }
  return p->win != NULL;
}

static void done(prog *p) {
  if (p->jit) cg_jit_close(p->jit);
  arena_free(p->a);
}

/* ---- rows --------------------------------------------------------------------------- */

typedef struct rows {
  int n, nkeys;
  val v[MAXROWS][MAXKEYS];
} rows;

/* A null with a stale value under it: the value of pool entry `stale`. */
static val null_over(int type, int stale) {
  int n;
  const val *pool = pool_of(type, &n);
  val v = pool[stale % n];
  v.null = 1;
  return v;
}

/* One key: every pool value twice (in opposite orders), and nulls over three stale
 * values when the column is nullable. */
static void rows_single(rows *r, const pipe_field_desc *fd) {
  int n;
  const val *pool = pool_of(fd->type, &n);
  r->nkeys = 1;
  r->n = 0;
  for (int k = 0; k < n; k++) r->v[r->n++][0] = pool[k];
  for (int k = n - 1; k >= 0; k--) r->v[r->n++][0] = pool[k];
  for (int k = 0; fd->nullable && k < 3; k++) r->v[r->n++][0] = null_over(fd->type, k + 1);
}

/* Several keys: 150 rows drawn from the first three pool values of each column (bools
 * have two; nullable columns add a null), so many rows share their keys and many differ
 * in one column only. */
static void rows_multi(rows *r, const pipe_field_desc *fds, int nkeys) {
  uint64_t x = 0x2545f4914f6cdd1dULL;
  r->nkeys = nkeys;
  r->n = 150;
  for (int i = 0; i < r->n; i++)
    for (int c = 0; c < nkeys; c++) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      int choices = fds[c].nullable ? 4 : 3, k = (int)((x >> 33) % (uint64_t)choices), n;
      const val *pool = pool_of(fds[c].type, &n);
      r->v[i][c] = k == 3 ? null_over(fds[c].type, i) : pool[k % n];
    }
}

static void put(pipe_column *c, int type, int64_t r, val v) {
  switch (type) {
  case PIPE_T_STRING: rt_str_append(c, r, v.s, v.slen); break;   /* stale bytes under a null */
  case PIPE_T_BOOL: rt_bool_set(c, r, (int)v.i); break;
  case PIPE_T_F64: ((double *)c->values)[r] = v.f; break;
  default: ((int64_t *)c->values)[r] = v.i; break;
  }
  if (c->validity) rt_set_valid(c, r, !v.null);
}

static pipe_batch *make_batch(const prog *p, const rows *r) {
  pipe_batch *b = rt_batch_new(p->in, r->n);
  for (int i = 0; i < r->n; i++)
    for (int c = 0; c < r->nkeys; c++) put(&b->cols[c], p->in->fields[c].type, i, r->v[i][c]);
  b->nrows = r->n;
  return b;
}

/* ---- checks ------------------------------------------------------------------------- */

static void show_row(char *out, size_t cap, const prog *p, const rows *r, int i) {
  size_t n = (size_t)snprintf(out, cap, "row %d (", i);
  for (int c = 0; c < r->nkeys && n < cap; c++) {
    val v = r->v[i][c];
    const char *sep = c ? ", " : "";
    int type = p->in->fields[c].type;
    if (v.null) n += (size_t)snprintf(out + n, cap - n, "%snull", sep);
    else if (type == PIPE_T_STRING)
      n += (size_t)snprintf(out + n, cap - n, "%s\"%.*s\"/%lld", sep, (int)v.slen, v.s,
                            (long long)v.slen);
    else if (type == PIPE_T_F64) n += (size_t)snprintf(out + n, cap - n, "%s%g", sep, v.f);
    else n += (size_t)snprintf(out + n, cap - n, "%s%lld", sep, (long long)v.i);
  }
  if (n < cap) snprintf(out + n, cap - n, ")");
}

/* The first pair (i, j) where bad(i, j) holds, shown; true when there is none. */
typedef int (*pair_fn)(void *ctx, int i, int j);
static bool all_pairs(const prog *p, const rows *r, pair_fn bad, void *ctx) {
  for (int i = 0; i < r->n; i++)
    for (int j = 0; j < r->n; j++)
      if (bad(ctx, i, j)) {
        char a[256], b[256];
        show_row(a, sizeof a, p, r, i);
        show_row(b, sizeof b, p, r, j);
        tap_diag("%s vs %s", a, b);
        return false;
      }
  return true;
}

typedef struct run {
  const prog *p;
  const rows *r;
  pipe_batch *b;
  rt_key *gen_k[MAXROWS];        /* keys of the generic runtime */
  rt_key *dsc_k[MAXROWS];        /* keys of the runtime using the descriptor's hash and eq */
  uint64_t gh[MAXROWS];          /* generated hashes */
} run;

static int one_key(const run *x, int i, int j) { return x->gen_k[i] == x->gen_k[j]; }

static int bad_ref(void *ctx, int i, int j) {
  run *x = ctx;
  int same = 1;
  for (int c = 0; c < x->r->nkeys; c++)
    same &= ref_val_eq(x->p->in->fields[c].type, x->r->v[i][c], x->r->v[j][c]);
  return same != one_key(x, i, j);
}
static int bad_eq(void *ctx, int i, int j) {
  run *x = ctx;
  return x->p->win->eq(x->b, i, x->gen_k[j]->vals) != one_key(x, i, j);
}
static int bad_hash(void *ctx, int i, int j) {
  run *x = ctx;
  return one_key(x, i, j) && x->gh[i] != x->gh[j];
}
static int collision(void *ctx, int i, int j) {
  run *x = ctx;
  return !one_key(x, i, j) && x->gh[i] == x->gh[j];
}
static int bad_dsc(void *ctx, int i, int j) {
  run *x = ctx;
  return (x->dsc_k[i] == x->dsc_k[j]) != one_key(x, i, j);
}

static void keys_of(rt_window *w, const pipe_batch *b, rt_key **k) {
  uint64_t h[MAXROWS];
  rt_win_hash(w, b, h);
  for (int i = 0; i < b->nrows; i++) k[i] = rt_win_key(w, b, i, h[i]);
}

static void check_rows(const prog *p, const rows *r, const char *name) {
  run *x = calloc(1, sizeof *x);
  x->p = p;
  x->r = r;
  x->b = make_batch(p, r);
  rt_window generic = {0}, described = {0};
  generic.in = described.in = p->in;
  generic.nkeys = described.nkeys = r->nkeys;
  described.d = p->win;
  keys_of(&generic, x->b, x->gen_k);
  keys_of(&described, x->b, x->dsc_k);
  p->win->hash(x->b, x->gh);
  ok(all_pairs(p, r, bad_ref, x), "%s: the generic runtime groups as the reference (%lld keys)",
     name, (long long)generic.nkey);
  ok(all_pairs(p, r, bad_eq, x), "%s: generated eq agrees with the runtime on every pair", name);
  ok(all_pairs(p, r, bad_hash, x), "%s: rows of one key get one generated hash", name);
  ok(all_pairs(p, r, collision, x), "%s: rows of different keys get different hashes", name);
  ok(all_pairs(p, r, bad_dsc, x), "%s: the runtime with generated hash and eq groups alike", name);
  rt_win_keys_free(&generic);
  rt_win_keys_free(&described);
  rt_batch_release(x->b);
  free(x);
}

static const char *const SCHEMA =
    "schema K { ts: timestamp, b: bool, nb: bool?, i: i64, ni: i64?, f: f64, nf: f64?,\n"
    "           s: string, ns: string?, t: timestamp, nt: timestamp?, d: duration,\n"
    "           nd: duration? }\n"
    "source k: K = csv(\"k.csv\") watermark ts - 1s\n";

/* `k | aggregate by KEYS` (window 0) or `k | window tumbling 1m by KEYS` (1). */
static void check_program(const char *keys, int window) {
  char text[1024], name[128];
  snprintf(text, sizeof text, "%sk | %s by %s { n = count() } | sink csv(stdout)\n", SCHEMA,
           window ? "window tumbling 1m" : "aggregate", keys);
  snprintf(name, sizeof name, "%s by %s", window ? "window" : "aggregate", keys);
  prog p;
  if (!ok(compile(&p, text), "%s compiles", name) ||
      !ok(p.win->hash && p.win->eq, "%s: the descriptor has hash and eq", name)) {
    done(&p);
    return;
  }
  rows *r = calloc(1, sizeof *r);
  int nkeys = p.win->nkeys;
  if (nkeys == 1) rows_single(r, &p.in->fields[0]);
  else rows_multi(r, p.in->fields, nkeys);
  check_rows(&p, r, name);
  free(r);
  done(&p);
}

int main(void) {
  make_f64_pool();
  static const char *const single[] = {"b", "nb", "i", "ni", "f", "nf", "s", "ns", "t", "nt", "d", "nd"};
  for (size_t k = 0; k < sizeof single / sizeof *single; k++) check_program(single[k], 0);
  check_program("ns", 1);
  check_program("nf", 1);
  check_program("ns, nf, b, ni", 0);
  check_program("s, nt, nd, nb", 0);
  check_program("nf, f, ns, s, ni, nb", 1);
  return tap_done();
}
