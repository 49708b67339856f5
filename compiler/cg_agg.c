/* cg_agg.c: the code of one aggregate call inside a window's update, merge and finalize
 * functions (cg_window.c makes the functions and the state layout). Semantics, which users
 * see in their results:
 * - nulls are ignored (SQL): a null argument leaves the state as it is; a call that saw no
 *   value gives null, except count, which gives 0;
 * - sum of i64 and duration wraps around in two's complement; avg sums in f64;
 * - min/max order values as keys are ordered: i64, timestamp and duration signed, bool
 *   false < true, strings bytewise then shorter first, f64 numerically with NaN above
 *   every number (max is NaN if any value is, min only if every value is);
 * - first/last keep the value with the smallest/largest arrival number (seq), so merged
 *   panes and sessions agree with arrival order;
 * - stddev is the sample standard deviation, null below two values: Welford's update per
 *   value and Chan's formula to merge two states. */
#include "cg.h"

static LLVMValueRef member(cg_fn *f, const cg_state *s, LLVMValueRef st, int idx) {
  return LLVMBuildStructGEP2(f->g->b, s->t, st, (unsigned)idx, "");
}

static LLVMValueRef ld(cg_fn *f, const cg_state *s, LLVMValueRef st, int idx, LLVMTypeRef t) {
  return LLVMBuildLoad2(f->g->b, t, member(f, s, st, idx), "");
}

static void put(cg_fn *f, const cg_state *s, LLVMValueRef st, int idx, LLVMValueRef v) {
  LLVMBuildStore(f->g->b, v, member(f, s, st, idx));
}

/* st.idx += delta (i64). */
static void bump(cg_fn *f, const cg_state *s, LLVMValueRef st, int idx, LLVMValueRef delta) {
  LLVMValueRef old = ld(f, s, st, idx, f->g->t_i64);
  put(f, s, st, idx, LLVMBuildAdd(f->g->b, old, delta, ""));
}

static LLVMValueRef to_f64(cg_fn *f, LLVMValueRef v) {
  if (LLVMTypeOf(v) == f->g->t_f64) return v;
  return LLVMBuildSIToFP(f->g->b, v, f->g->t_f64, "");
}

/* Code after open_if() runs only when cond holds; close_if() joins. */
static LLVMBasicBlockRef open_if(cg_fn *f, LLVMValueRef cond) {
  LLVMBasicBlockRef then = cg_block(f, "then"), join = cg_block(f, "endif");
  LLVMBuildCondBr(f->g->b, cond, then, join);
  LLVMPositionBuilderAtEnd(f->g->b, then);
  return join;
}

static void close_if(cg_fn *f, LLVMBasicBlockRef join) {
  LLVMBuildBr(f->g->b, join);
  LLVMPositionBuilderAtEnd(f->g->b, join);
}

static LLVMValueRef is_zero(cg_fn *f, LLVMValueRef v) {
  return LLVMBuildICmp(f->g->b, LLVMIntEQ, v, cg_const_i64(f->g, 0), "");
}

/* ---- values kept in a state ------------------------------------------------------- */

static cg_val load_value(cg_fn *f, const cg_state *s, const cg_agg *a, LLVMValueRef st) {
  cg_ctx *g = f->g;
  cg_val x = {NULL, NULL, NULL, -1};
  LLVMValueRef p = member(f, s, st, a->v);
  switch (a->arg.kind) {
  case TY_STRING:
    x.v = LLVMBuildLoad2(g->b, g->t_ptr, LLVMBuildStructGEP2(g->b, g->t_agg_str, p, 0, ""), "sv");
    x.len = LLVMBuildLoad2(g->b, g->t_i64, LLVMBuildStructGEP2(g->b, g->t_agg_str, p, 1, ""), "slen");
    break;
  case TY_F64: x.v = LLVMBuildLoad2(g->b, g->t_f64, p, ""); break;
  case TY_BOOL: x.v = LLVMBuildTrunc(g->b, LLVMBuildLoad2(g->b, g->t_i64, p, ""), g->t_i1, ""); break;
  default: x.v = LLVMBuildLoad2(g->b, g->t_i64, p, ""); break;
  }
  return x;
}

static void store_value(cg_fn *f, const cg_state *s, const cg_agg *a, LLVMValueRef st, cg_val x) {
  cg_ctx *g = f->g;
  LLVMValueRef p = member(f, s, st, a->v);
  if (a->arg.kind == TY_STRING) {
    LLVMValueRef set = cg_runtime_fn(g, "pipe_rt_agg_str_set", g->t_void,
                                     (LLVMTypeRef[]){g->t_ptr, g->t_ptr, g->t_i64}, 3);
    LLVMBuildCall2(g->b, LLVMGlobalGetValueType(set), set, (LLVMValueRef[]){p, x.v, x.len}, 3, "");
  } else {
    LLVMValueRef v = a->arg.kind == TY_BOOL ? LLVMBuildZExt(g->b, x.v, g->t_i64, "") : x.v;
    LLVMBuildStore(g->b, v, p);
  }
}

/* memcmp over the shorter length, then the shorter string first: <0, 0 or >0 (i64). */
static LLVMValueRef str_cmp(cg_fn *f, cg_val x, cg_val y) {
  cg_ctx *g = f->g;
  LLVMValueRef shorter = LLVMBuildICmp(g->b, LLVMIntSLT, x.len, y.len, "");
  LLVMValueRef n = LLVMBuildSelect(g->b, shorter, x.len, y.len, "");
  LLVMValueRef fn = cg_runtime_fn(g, "memcmp", g->t_i32, (LLVMTypeRef[]){g->t_ptr, g->t_ptr, g->t_i64}, 3);
  LLVMValueRef c = LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn, (LLVMValueRef[]){x.v, y.v, n},
                                  3, "memcmp");
  LLVMValueRef bytes = LLVMBuildSExt(g->b, c, g->t_i64, "");
  LLVMValueRef lens = LLVMBuildSub(g->b, x.len, y.len, "");
  return LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, c, cg_const_i32(g, 0), ""), lens, bytes, "");
}

/* x < y (less) or x > y in the order of the file comment. */
static LLVMValueRef before(cg_fn *f, ty_kind k, bool less, cg_val x, cg_val y) {
  cg_ctx *g = f->g;
  switch (k) {
  case TY_STRING: {
    LLVMValueRef c = str_cmp(f, x, y);
    return LLVMBuildICmp(g->b, less ? LLVMIntSLT : LLVMIntSGT, c, cg_const_i64(g, 0), "");
  }
  case TY_F64: {
    LLVMValueRef lo = less ? x.v : y.v, hi = less ? y.v : x.v;
    LLVMValueRef num = LLVMBuildFCmp(g->b, LLVMRealOLT, lo, hi, "");
    LLVMValueRef hi_nan = LLVMBuildFCmp(g->b, LLVMRealUNO, hi, hi, "");
    LLVMValueRef lo_num = LLVMBuildFCmp(g->b, LLVMRealORD, lo, lo, "");
    return LLVMBuildOr(g->b, num, LLVMBuildAnd(g->b, hi_nan, lo_num, ""), "");
  }
  case TY_BOOL: return LLVMBuildICmp(g->b, less ? LLVMIntULT : LLVMIntUGT, x.v, y.v, "");
  default: return LLVMBuildICmp(g->b, less ? LLVMIntSLT : LLVMIntSGT, x.v, y.v, "");
  }
}

/* Replaces dst's value by x (of arrival number seq) when dst has none, or when x comes
 * before it: min, max, first and last differ only in that test. */
static void replace(cg_fn *f, const cg_state *s, const cg_agg *a, LLVMValueRef dst, cg_val x,
                    LLVMValueRef seq) {
  cg_ctx *g = f->g;
  LLVMBasicBlockRef cmp = cg_block(f, "cmp"), set = cg_block(f, "set"), kept = cg_block(f, "kept");
  LLVMBuildCondBr(g->b, is_zero(f, ld(f, s, dst, a->has, g->t_i64)), set, cmp);
  LLVMPositionBuilderAtEnd(g->b, cmp);
  agg_fn fn = a->call->fn;
  LLVMValueRef better;
  if (fn == AGG_MIN || fn == AGG_MAX) {
    better = before(f, a->arg.kind, fn == AGG_MIN, x, load_value(f, s, a, dst));
  } else {
    LLVMValueRef old = ld(f, s, dst, a->seq, g->t_i64);
    better = LLVMBuildICmp(g->b, fn == AGG_FIRST ? LLVMIntSLT : LLVMIntSGT, seq, old, "");
  }
  LLVMBuildCondBr(g->b, better, set, kept);
  LLVMPositionBuilderAtEnd(g->b, set);
  store_value(f, s, a, dst, x);
  if (a->seq >= 0) put(f, s, dst, a->seq, seq);
  put(f, s, dst, a->has, cg_const_i64(g, 1));
  LLVMBuildBr(g->b, kept);
  LLVMPositionBuilderAtEnd(g->b, kept);
}

/* ---- update ----------------------------------------------------------------------- */

static void welford(cg_fn *f, const cg_state *s, const cg_agg *a, LLVMValueRef st, LLVMValueRef x) {
  cg_ctx *g = f->g;
  LLVMValueRef n = LLVMBuildAdd(g->b, ld(f, s, st, a->n, g->t_i64), cg_const_i64(g, 1), "n");
  LLVMValueRef mean = ld(f, s, st, a->mean, g->t_f64), m2 = ld(f, s, st, a->m2, g->t_f64);
  LLVMValueRef d = LLVMBuildFSub(g->b, x, mean, "d");
  LLVMValueRef mean1 = LLVMBuildFAdd(g->b, mean, LLVMBuildFDiv(g->b, d, to_f64(f, n), ""), "mean");
  LLVMValueRef m21 = LLVMBuildFAdd(g->b, m2, LLVMBuildFMul(g->b, d, LLVMBuildFSub(g->b, x, mean1, ""), ""), "m2");
  put(f, s, st, a->n, n);
  put(f, s, st, a->mean, mean1);
  put(f, s, st, a->m2, m21);
}

static void add_value(cg_fn *f, const cg_state *s, int idx, LLVMValueRef st, LLVMValueRef x) {
  cg_ctx *g = f->g;
  if (LLVMTypeOf(x) == g->t_f64) {
    LLVMValueRef old = ld(f, s, st, idx, g->t_f64);
    put(f, s, st, idx, LLVMBuildFAdd(g->b, old, x, ""));
  } else {
    bump(f, s, st, idx, x);   /* wraps */
  }
}

void cg_agg_update(cg_fn *f, const cg_state *s, const cg_agg *a, LLVMValueRef st, LLVMValueRef seq) {
  cg_ctx *g = f->g;
  cg_val x = {NULL, NULL, NULL, -1};
  LLVMBasicBlockRef join = NULL;
  if (a->col >= 0) {
    x = cg_load_field(f, a->col, a->arg);
    if (x.null) join = open_if(f, LLVMBuildNot(g->b, x.null, "valid"));
  }
  LLVMValueRef one = cg_const_i64(g, 1);
  switch (a->call->fn) {
  case AGG_COUNT: bump(f, s, st, a->n, one); break;
  case AGG_SUM:
    add_value(f, s, a->v, st, x.v);
    bump(f, s, st, a->has, one);
    break;
  case AGG_AVG:
    add_value(f, s, a->v, st, to_f64(f, x.v));
    bump(f, s, st, a->n, one);
    break;
  case AGG_STDDEV: welford(f, s, a, st, to_f64(f, x.v)); break;
  default: replace(f, s, a, st, x, seq); break;   /* min, max, first, last */
  }
  if (join) close_if(f, join);
}

/* ---- merge ------------------------------------------------------------------------ */

/* Chan et al.: the n, mean and M2 of the union of two sets of values. An empty side
 * leaves the other exactly as it is. */
static void chan(cg_fn *f, const cg_state *s, const cg_agg *a, LLVMValueRef dst, LLVMValueRef src) {
  cg_ctx *g = f->g;
  LLVMValueRef na = ld(f, s, dst, a->n, g->t_i64), nb = ld(f, s, src, a->n, g->t_i64);
  LLVMValueRef ma = ld(f, s, dst, a->mean, g->t_f64), mb = ld(f, s, src, a->mean, g->t_f64);
  LLVMValueRef qa = ld(f, s, dst, a->m2, g->t_f64), qb = ld(f, s, src, a->m2, g->t_f64);
  LLVMValueRef n = LLVMBuildAdd(g->b, na, nb, "n");
  LLVMValueRef fa = to_f64(f, na), fb = to_f64(f, nb), fn = to_f64(f, n);
  LLVMValueRef d = LLVMBuildFSub(g->b, mb, ma, "d");
  LLVMValueRef mean = LLVMBuildFAdd(g->b, ma, LLVMBuildFMul(g->b, d, LLVMBuildFDiv(g->b, fb, fn, ""), ""), "");
  LLVMValueRef w = LLVMBuildFDiv(g->b, LLVMBuildFMul(g->b, fa, fb, ""), fn, "");
  LLVMValueRef m2 = LLVMBuildFAdd(g->b, LLVMBuildFAdd(g->b, qa, qb, ""),
                                  LLVMBuildFMul(g->b, LLVMBuildFMul(g->b, d, d, ""), w, ""), "");
  LLVMValueRef a_empty = is_zero(f, na), b_empty = is_zero(f, nb);
  mean = LLVMBuildSelect(g->b, a_empty, mb, LLVMBuildSelect(g->b, b_empty, ma, mean, ""), "mean");
  m2 = LLVMBuildSelect(g->b, a_empty, qb, LLVMBuildSelect(g->b, b_empty, qa, m2, ""), "m2");
  put(f, s, dst, a->n, n);
  put(f, s, dst, a->mean, mean);
  put(f, s, dst, a->m2, m2);
}

void cg_agg_merge(cg_fn *f, const cg_state *s, const cg_agg *a, LLVMValueRef dst, LLVMValueRef src) {
  cg_ctx *g = f->g;
  switch (a->call->fn) {
  case AGG_COUNT: bump(f, s, dst, a->n, ld(f, s, src, a->n, g->t_i64)); break;
  case AGG_SUM: case AGG_AVG: {
    bool fl = a->call->fn == AGG_AVG || a->arg.kind == TY_F64;
    add_value(f, s, a->v, dst, ld(f, s, src, a->v, fl ? g->t_f64 : g->t_i64));
    int cnt = a->call->fn == AGG_AVG ? a->n : a->has;
    bump(f, s, dst, cnt, ld(f, s, src, cnt, g->t_i64));
    break;
  }
  case AGG_STDDEV: chan(f, s, a, dst, src); break;
  default: {   /* min, max, first, last */
    LLVMBasicBlockRef join = open_if(f, LLVMBuildNot(g->b, is_zero(f, ld(f, s, src, a->has, g->t_i64)), ""));
    LLVMValueRef seq = a->seq >= 0 ? ld(f, s, src, a->seq, g->t_i64) : NULL;
    replace(f, s, a, dst, load_value(f, s, a, src), seq);
    close_if(f, join);
  }
  }
}

/* ---- finalize --------------------------------------------------------------------- */

static LLVMValueRef stddev(cg_fn *f, const cg_state *s, const cg_agg *a, LLVMValueRef st, LLVMValueRef n) {
  cg_ctx *g = f->g;
  LLVMValueRef m2 = ld(f, s, st, a->m2, g->t_f64);
  LLVMValueRef var = LLVMBuildFDiv(g->b, m2, to_f64(f, LLVMBuildSub(g->b, n, cg_const_i64(g, 1), "")), "var");
  unsigned id = LLVMLookupIntrinsicID("llvm.sqrt", 9);
  LLVMTypeRef t = g->t_f64;
  LLVMValueRef sqrt = LLVMGetIntrinsicDeclaration(g->mod, id, &t, 1);
  return LLVMBuildCall2(g->b, LLVMIntrinsicGetType(g->ctx, id, &t, 1), sqrt, &var, 1, "stddev");
}

cg_val cg_agg_final(cg_fn *f, const cg_state *s, const cg_agg *a, LLVMValueRef st) {
  cg_ctx *g = f->g;
  cg_val r = {NULL, NULL, NULL, -1};
  switch (a->call->fn) {
  case AGG_COUNT: r.v = ld(f, s, st, a->n, g->t_i64); break;
  case AGG_AVG: {
    LLVMValueRef n = ld(f, s, st, a->n, g->t_i64);
    r.v = LLVMBuildFDiv(g->b, ld(f, s, st, a->v, g->t_f64), to_f64(f, n), "avg");
    r.null = is_zero(f, n);
    break;
  }
  case AGG_STDDEV: {
    LLVMValueRef n = ld(f, s, st, a->n, g->t_i64);
    r.v = stddev(f, s, a, st, n);
    r.null = LLVMBuildICmp(g->b, LLVMIntSLT, n, cg_const_i64(g, 2), "");
    break;
  }
  default:   /* sum, min, max, first, last */
    r = load_value(f, s, a, st);
    r.null = is_zero(f, ld(f, s, st, a->has, g->t_i64));
    break;
  }
  if (a->res.kind == TY_F64) r.v = to_f64(f, r.v);
  return r;
}
