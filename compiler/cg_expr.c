/* cg_expr.c: expressions of a kernel. A value is a cg_val: the LLVM value, an i1 null
 * flag when the type is nullable, and a length for strings (pointer + length, never
 * NUL-terminated). Semantics, all written down here because users see them:
 * - i64 + - * wrap around in two's complement; / and % truncate toward zero (as in C);
 *   division or remainder by zero is a row error "division by zero", and INT64_MIN / -1 a
 *   row error "integer overflow" (INT64_MIN % -1 is 0). f64 follows IEEE 754: x / 0.0 is
 *   inf or nan, never an error.
 * - Any null operand of arithmetic, ordering or a call makes the result null; `==` and `!=`
 *   are null-safe (null == null is true); `and`/`or` use SQL's three-valued logic and
 *   short-circuit; `if` takes the else branch on a null condition; `a ?? b` evaluates b
 *   only when a is null. */
#include <string.h>
#include "cg.h"

/* ---- helpers shared by the generators ------------------------------------------------ */

LLVMValueRef cg_const_i64(cg_ctx *g, int64_t v) {
  return LLVMConstInt(g->t_i64, (unsigned long long)v, 1);
}

LLVMValueRef cg_const_i32(cg_ctx *g, int32_t v) {
  return LLVMConstInt(g->t_i32, (unsigned long long)(int64_t)v, 1);
}

/* A private constant holding the bytes (not NUL-terminated; a NUL is added anyway). */
LLVMValueRef cg_string_ptr(cg_ctx *g, const char *s, int64_t len) {
  LLVMValueRef init = LLVMConstStringInContext(g->ctx, s, (unsigned)len, 0);
  LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), ".str");
  LLVMSetInitializer(gv, init);
  LLVMSetGlobalConstant(gv, 1);
  LLVMSetLinkage(gv, LLVMPrivateLinkage);
  LLVMSetUnnamedAddress(gv, LLVMGlobalUnnamedAddr);
  LLVMSetAlignment(gv, 1);
  return gv;
}

LLVMBasicBlockRef cg_block(cg_fn *f, const char *name) {
  return LLVMAppendBasicBlockInContext(f->g->ctx, f->fn, name);
}

LLVMValueRef cg_entry_alloca(cg_fn *f, LLVMTypeRef t, const char *name) {
  LLVMBasicBlockRef here = LLVMGetInsertBlock(f->g->b);
  LLVMPositionBuilderAtEnd(f->g->b, f->entry);
  LLVMValueRef v = LLVMBuildAlloca(f->g->b, t, name);
  LLVMPositionBuilderAtEnd(f->g->b, here);
  return v;
}

/* Runs make() with the builder at the end of the entry block: loop-invariant loads. */
LLVMValueRef cg_entry_value(cg_fn *f, LLVMValueRef (*make)(cg_fn *, void *), void *arg) {
  LLVMBasicBlockRef here = LLVMGetInsertBlock(f->g->b);
  LLVMPositionBuilderAtEnd(f->g->b, f->entry);
  LLVMValueRef v = make(f, arg);
  LLVMPositionBuilderAtEnd(f->g->b, here);
  return v;
}

LLVMValueRef cg_is_null(cg_fn *f, cg_val v) {
  return v.null ? v.null : LLVMConstInt(f->g->t_i1, 0, 0);
}

static LLVMValueRef null_or(cg_fn *f, LLVMValueRef a, LLVMValueRef b) {
  if (!a) return b;
  if (!b) return a;
  return LLVMBuildOr(f->g->b, a, b, "anynull");
}

static LLVMValueRef not1(cg_fn *f, LLVMValueRef v) { return LLVMBuildNot(f->g->b, v, "not"); }

cg_val cg_zero(cg_fn *f, ty t) {
  cg_val z = {LLVMConstNull(cg_value_type(f->g, t)), LLVMConstInt(f->g->t_i1, 1, 0), NULL, -1};
  if (t.kind == TY_STRING) z.len = cg_const_i64(f->g, 0);
  return z;
}

/* Adapts v (of type `from`) to a slot of type `to`: the literal null, or i64 for f64. */
static cg_val fit(cg_fn *f, cg_val v, ty from, ty to) {
  if (from.kind == TY_NULL && to.kind != TY_NULL) return cg_zero(f, to);
  if (to.kind == TY_F64 && LLVMTypeOf(v.v) == f->g->t_i64)
    v.v = LLVMBuildSIToFP(f->g->b, v.v, f->g->t_f64, "widen");
  return v;
}

/* Phi-merges values of type t computed in blocks bbs[0..n) into the current block. */
static cg_val merge(cg_fn *f, ty t, LLVMBasicBlockRef *bbs, cg_val *vals, int n) {
  cg_ctx *g = f->g;
  cg_val r = {NULL, NULL, NULL, -1};
  r.v = LLVMBuildPhi(g->b, cg_value_type(g, t), "v");
  bool any_null = false;
  for (int i = 0; i < n; i++) {
    LLVMAddIncoming(r.v, &vals[i].v, &bbs[i], 1);
    any_null |= vals[i].null != NULL;
  }
  if (any_null) {
    r.null = LLVMBuildPhi(g->b, g->t_i1, "isnull");
    for (int i = 0; i < n; i++) {
      LLVMValueRef nv = cg_is_null(f, vals[i]);
      LLVMAddIncoming(r.null, &nv, &bbs[i], 1);
    }
  }
  if (t.kind == TY_STRING) {
    r.len = LLVMBuildPhi(g->b, g->t_i64, "len");
    for (int i = 0; i < n; i++) LLVMAddIncoming(r.len, &vals[i].len, &bbs[i], 1);
  }
  if (n == 2 && vals[0].field == vals[1].field) r.field = vals[0].field;
  return r;
}

/* ---- row errors -------------------------------------------------------------------- */

static int add_site(cg_fn *f, span at, int field, const char *message) {
  if (f->nsites == f->cap_sites) {
    int cap = f->cap_sites ? f->cap_sites * 2 : 8;
    cg_site *s = arena_alloc(f->g->a, cap * sizeof *s);
    if (f->nsites) memcpy(s, f->sites, f->nsites * sizeof *s);
    f->sites = s, f->cap_sites = cap;
  }
  f->sites[f->nsites] = (cg_site){f->op, at.line, at.col, field, message};
  return f->nsites++;
}

void cg_fail_if(cg_fn *f, LLVMValueRef bad, span at, int field, const char *message) {
  cg_ctx *g = f->g;
  int site = add_site(f, at, field, message);
  LLVMTypeRef i1 = g->t_i1;
  LLVMValueRef expect = LLVMGetIntrinsicDeclaration(
      g->mod, LLVMLookupIntrinsicID("llvm.expect", 11), &i1, 1);
  LLVMValueRef args[2] = {bad, LLVMConstInt(i1, 0, 0)};
  bad = LLVMBuildCall2(g->b, LLVMIntrinsicGetType(g->ctx, LLVMLookupIntrinsicID("llvm.expect", 11),
                                                  &i1, 1),
                       expect, args, 2, "unlikely");
  LLVMBasicBlockRef err = cg_block(f, "rowerr"), ok = cg_block(f, "ok");
  LLVMBuildCondBr(g->b, bad, err, ok);
  LLVMPositionBuilderAtEnd(g->b, err);
  LLVMBuildStore(g->b, cg_const_i32(g, site), f->site_slot);
  LLVMBuildBr(g->b, f->fail);
  LLVMPositionBuilderAtEnd(g->b, ok);
}

/* ---- leaves -------------------------------------------------------------------------- */

typedef struct col_arg { int field; int member; } col_arg;

static LLVMValueRef load_col_member(cg_fn *f, void *arg) {
  cg_ctx *g = f->g;
  col_arg *c = arg;
  LLVMValueRef cols = LLVMBuildLoad2(g->b, g->t_ptr,
                                     LLVMBuildStructGEP2(g->b, g->t_batch, f->in, CG_BATCH_COLS, ""),
                                     "in.cols");
  LLVMValueRef col = LLVMBuildGEP2(g->b, g->t_column, cols,
                                   (LLVMValueRef[]){cg_const_i64(g, c->field)}, 1, "col");
  return LLVMBuildLoad2(g->b, g->t_ptr, LLVMBuildStructGEP2(g->b, g->t_column, col, c->member, ""),
                        c->member == CG_COL_VALUES ? "values" : c->member == CG_COL_DATA ? "data"
                                                                                       : "validity");
}

static LLVMValueRef in_col(cg_fn *f, LLVMValueRef *cache, int field, int member) {
  if (!cache[field]) {
    col_arg c = {field, member};
    cache[field] = cg_entry_value(f, load_col_member, &c);
  }
  return cache[field];
}

/* Bit i of an LSB-first bitmap (a validity bitmap or bool values) as an i8, 0 or 1. */
static LLVMValueRef bit_at(cg_fn *f, LLVMValueRef bits, LLVMValueRef i) {
  cg_ctx *g = f->g;
  LLVMValueRef byte_at = LLVMBuildLShr(g->b, i, cg_const_i64(g, 3), "");
  LLVMValueRef byte = LLVMBuildLoad2(g->b, g->t_i8,
                                     LLVMBuildGEP2(g->b, g->t_i8, bits, &byte_at, 1, ""), "bbyte");
  LLVMValueRef sh = LLVMBuildTrunc(g->b, LLVMBuildAnd(g->b, i, cg_const_i64(g, 7), ""), g->t_i8, "");
  return LLVMBuildAnd(g->b, LLVMBuildLShr(g->b, byte, sh, ""), LLVMConstInt(g->t_i8, 1, 0), "");
}

/* The null flag of row `i` of a column with a validity bitmap. */
LLVMValueRef cg_bit_is_null(cg_fn *f, LLVMValueRef validity, LLVMValueRef i) {
  cg_ctx *g = f->g;
  return LLVMBuildICmp(g->b, LLVMIntEQ, bit_at(f, validity, i), LLVMConstInt(g->t_i8, 0, 0),
                       "isnull");
}

/* Row f->row of stage input field `field`, of type t. */
cg_val cg_load_field(cg_fn *f, int field, ty t) {
  cg_ctx *g = f->g;
  cg_val r = {NULL, NULL, NULL, field};
  LLVMValueRef values = in_col(f, f->col_values, field, CG_COL_VALUES);
  LLVMValueRef i = f->row;
  switch (t.kind) {
  case TY_BOOL: /* bit-packed, as in Arrow */
    r.v = LLVMBuildICmp(g->b, LLVMIntNE, bit_at(f, values, i), LLVMConstInt(g->t_i8, 0, 0), "b");
    break;
  case TY_F64:
    r.v = LLVMBuildLoad2(g->b, g->t_f64, LLVMBuildGEP2(g->b, g->t_f64, values, &i, 1, ""), "f");
    break;
  case TY_STRING: {
    LLVMValueRef data = in_col(f, f->col_data, field, CG_COL_DATA);
    LLVMValueRef i1 = LLVMBuildAdd(g->b, i, cg_const_i64(g, 1), "");
    LLVMValueRef o0 = LLVMBuildLoad2(g->b, g->t_i64, LLVMBuildGEP2(g->b, g->t_i64, values, &i, 1, ""), "o0");
    LLVMValueRef o1 = LLVMBuildLoad2(g->b, g->t_i64, LLVMBuildGEP2(g->b, g->t_i64, values, &i1, 1, ""), "o1");
    r.v = LLVMBuildGEP2(g->b, g->t_i8, data, &o0, 1, "s");
    r.len = LLVMBuildSub(g->b, o1, o0, "slen");
    break;
  }
  default:
    r.v = LLVMBuildLoad2(g->b, g->t_i64, LLVMBuildGEP2(g->b, g->t_i64, values, &i, 1, ""), "i");
    break;
  }
  if (t.nullable) r.null = cg_bit_is_null(f, in_col(f, f->col_valid, field, CG_COL_VALIDITY), i);
  return r;
}

static LLVMValueRef load_params(cg_fn *f, void *arg) {
  (void)arg;
  cg_ctx *g = f->g;
  return LLVMBuildLoad2(g->b, g->t_ptr,
                        LLVMBuildStructGEP2(g->b, g->t_kctx, f->kctx, CG_KCTX_PARAMS, ""), "params");
}

static cg_val param(cg_fn *f, const ast_expr *e) {
  cg_ctx *g = f->g;
  if (!f->params) f->params = cg_entry_value(f, load_params, NULL);
  LLVMValueRef pv = LLVMBuildGEP2(g->b, g->t_value, f->params,
                                  (LLVMValueRef[]){cg_const_i64(g, e->u.name.index)}, 1, "param");
  cg_val r = {NULL, NULL, NULL, -1};
  switch (e->type.kind) {
  case TY_F64:
    r.v = LLVMBuildLoad2(g->b, g->t_f64, LLVMBuildStructGEP2(g->b, g->t_value, pv, CG_VAL_F, ""), "p");
    break;
  case TY_STRING:
    r.v = LLVMBuildLoad2(g->b, g->t_ptr, LLVMBuildStructGEP2(g->b, g->t_value, pv, CG_VAL_S, ""), "p");
    r.len = LLVMBuildLoad2(g->b, g->t_i64,
                           LLVMBuildStructGEP2(g->b, g->t_value, pv, CG_VAL_SLEN, ""), "plen");
    break;
  default: {
    LLVMValueRef i = LLVMBuildLoad2(g->b, g->t_i64,
                                    LLVMBuildStructGEP2(g->b, g->t_value, pv, CG_VAL_I, ""), "p");
    r.v = e->type.kind == TY_BOOL ? LLVMBuildICmp(g->b, LLVMIntNE, i, cg_const_i64(g, 0), "") : i;
  }
  }
  if (e->type.nullable) {
    LLVMValueRef n = LLVMBuildLoad2(g->b, g->t_i8,
                                    LLVMBuildStructGEP2(g->b, g->t_value, pv, CG_VAL_IS_NULL, ""), "");
    r.null = LLVMBuildICmp(g->b, LLVMIntNE, n, LLVMConstInt(g->t_i8, 0, 0), "pnull");
  }
  return r;
}

static cg_val name(cg_fn *f, const ast_expr *e) {
  if (e->u.name.ref == REF_PARAM) return param(f, e);
  const cg_slot *s = &f->slots[e->u.name.index];
  if (s->in_field >= 0) return cg_load_field(f, s->in_field, f->node->in.fields[s->in_field].type);
  return s->val;
}

static cg_val literal(cg_fn *f, const ast_expr *e) {
  cg_ctx *g = f->g;
  cg_val r = {NULL, NULL, NULL, -1};
  switch (e->kind) {
  case EXPR_FLOAT: r.v = LLVMConstReal(g->t_f64, e->u.f); break;
  case EXPR_BOOL: r.v = LLVMConstInt(g->t_i1, e->u.b, 0); break;
  case EXPR_STRING:
    r.v = cg_string_ptr(g, e->u.str.s, e->u.str.len);
    r.len = cg_const_i64(g, e->u.str.len);
    break;
  case EXPR_NULL: return cg_zero(f, e->type);
  default: r.v = cg_const_i64(g, e->u.i); break;
  }
  return r;
}

/* ---- operators ----------------------------------------------------------------------- */

static cg_val unary(cg_fn *f, const ast_expr *e) {
  cg_ctx *g = f->g;
  cg_val x = cg_expr(f, e->u.unary.e);
  cg_val r = {NULL, x.null, NULL, -1};
  if (e->kind == EXPR_WIDEN) {
    r.v = LLVMTypeOf(x.v) == g->t_f64 ? x.v : LLVMBuildSIToFP(g->b, x.v, g->t_f64, "widen");
  } else if (e->u.unary.op == UN_NOT) {
    r.v = not1(f, x.v);
  } else if (LLVMTypeOf(x.v) == g->t_f64) {
    r.v = LLVMBuildFNeg(g->b, x.v, "neg");
  } else {
    r.v = LLVMBuildSub(g->b, cg_const_i64(g, 0), x.v, "neg");   /* wraps */
  }
  return r;
}

static cg_val int_div(cg_fn *f, const ast_expr *e, cg_val l, cg_val r, LLVMValueRef anynull) {
  cg_ctx *g = f->g;
  bool mod = e->u.binary.op == BIN_MOD;
  LLVMValueRef zero = LLVMBuildICmp(g->b, LLVMIntEQ, r.v, cg_const_i64(g, 0), "divzero");
  LLVMValueRef m1 = LLVMBuildICmp(g->b, LLVMIntEQ, r.v, cg_const_i64(g, -1), "");
  LLVMValueRef lmin = LLVMBuildICmp(g->b, LLVMIntEQ, l.v, cg_const_i64(g, INT64_MIN), "");
  LLVMValueRef live = anynull ? not1(f, anynull) : NULL;
  LLVMValueRef bad = live ? LLVMBuildAnd(g->b, zero, live, "") : zero;
  cg_fail_if(f, bad, e->at, r.field, "division by zero");
  if (!mod) {
    LLVMValueRef ovf = LLVMBuildAnd(g->b, lmin, m1, "ovf");
    if (live) ovf = LLVMBuildAnd(g->b, ovf, live, "");
    cg_fail_if(f, ovf, e->at, -1, "integer overflow");
  }
  /* A divisor of 1 where the real one would trap: the value is then unused or correct. */
  LLVMValueRef trap = LLVMBuildOr(g->b, zero, mod ? m1 : LLVMBuildAnd(g->b, lmin, m1, ""), "");
  LLVMValueRef d = LLVMBuildSelect(g->b, trap, cg_const_i64(g, 1), r.v, "divisor");
  cg_val out = {mod ? LLVMBuildSRem(g->b, l.v, d, "rem") : LLVMBuildSDiv(g->b, l.v, d, "div"),
                anynull, NULL, -1};
  return out;
}

static cg_val arith(cg_fn *f, const ast_expr *e, cg_val l, cg_val r) {
  cg_ctx *g = f->g;
  LLVMValueRef anynull = null_or(f, l.null, r.null);
  cg_val out = {NULL, anynull, NULL, -1};
  bool fl = LLVMTypeOf(l.v) == g->t_f64 || LLVMTypeOf(r.v) == g->t_f64;
  if (fl) {
    if (LLVMTypeOf(l.v) != g->t_f64) l.v = LLVMBuildSIToFP(g->b, l.v, g->t_f64, "");
    if (LLVMTypeOf(r.v) != g->t_f64) r.v = LLVMBuildSIToFP(g->b, r.v, g->t_f64, "");
  }
  switch (e->u.binary.op) {
  case BIN_ADD: out.v = fl ? LLVMBuildFAdd(g->b, l.v, r.v, "") : LLVMBuildAdd(g->b, l.v, r.v, ""); break;
  case BIN_SUB: out.v = fl ? LLVMBuildFSub(g->b, l.v, r.v, "") : LLVMBuildSub(g->b, l.v, r.v, ""); break;
  case BIN_MUL: out.v = fl ? LLVMBuildFMul(g->b, l.v, r.v, "") : LLVMBuildMul(g->b, l.v, r.v, ""); break;
  case BIN_DIV:
    if (!fl) return int_div(f, e, l, r, anynull);
    out.v = LLVMBuildFDiv(g->b, l.v, r.v, "");
    break;
  default:
    if (!fl) return int_div(f, e, l, r, anynull);
    out.v = LLVMBuildFRem(g->b, l.v, r.v, "");
    break;
  }
  return out;
}

/* Runs body() only when isnull is false; the result is null otherwise. */
cg_val cg_guard(cg_fn *f, LLVMValueRef isnull, ty t, cg_val (*body)(cg_fn *, void *), void *arg) {
  if (!isnull) return body(f, arg);
  cg_ctx *g = f->g;
  LLVMBasicBlockRef run = cg_block(f, "notnull"), skip = cg_block(f, "null"),
                    join = cg_block(f, "join");
  LLVMBuildCondBr(g->b, isnull, skip, run);
  LLVMPositionBuilderAtEnd(g->b, run);
  cg_val vals[2];
  vals[0] = body(f, arg);
  if (!vals[0].null) vals[0].null = LLVMConstInt(g->t_i1, 0, 0);
  LLVMBasicBlockRef bbs[2] = {LLVMGetInsertBlock(g->b), skip};
  LLVMBuildBr(g->b, join);
  LLVMPositionBuilderAtEnd(g->b, skip);
  vals[1] = cg_zero(f, t);
  LLVMBuildBr(g->b, join);
  LLVMPositionBuilderAtEnd(g->b, join);
  ty nt = t;
  nt.nullable = true;
  return merge(f, nt, bbs, vals, 2);
}

typedef struct str_args { cg_val l, r; } str_args;

static cg_val concat_body(cg_fn *f, void *arg) {
  cg_ctx *g = f->g;
  str_args *a = arg;
  LLVMValueRef out = cg_entry_alloca(f, g->t_str, "concat");
  LLVMTypeRef P = g->t_ptr, I = g->t_i64;
  LLVMValueRef fn = cg_runtime_fn(g, "pipe_std_concat", g->t_void, (LLVMTypeRef[]){P, P, I, P, I, P}, 6);
  LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn,
                 (LLVMValueRef[]){f->kctx, a->l.v, a->l.len, a->r.v, a->r.len, out}, 6, "");
  cg_val r = {NULL, NULL, NULL, -1};
  r.v = LLVMBuildLoad2(g->b, P, LLVMBuildStructGEP2(g->b, g->t_str, out, 0, ""), "cat");
  r.len = LLVMBuildLoad2(g->b, I, LLVMBuildStructGEP2(g->b, g->t_str, out, 1, ""), "catlen");
  return r;
}

static LLVMValueRef str_eq(cg_fn *f, cg_val l, cg_val r) {
  cg_ctx *g = f->g;
  LLVMValueRef same = LLVMBuildICmp(g->b, LLVMIntEQ, l.len, r.len, "samelen");
  LLVMValueRef n = LLVMBuildSelect(g->b, same, l.len, cg_const_i64(g, 0), "");
  LLVMValueRef fn = cg_runtime_fn(g, "memcmp", g->t_i32, (LLVMTypeRef[]){g->t_ptr, g->t_ptr, g->t_i64}, 3);
  LLVMValueRef c = LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn,
                                  (LLVMValueRef[]){l.v, r.v, n}, 3, "memcmp");
  return LLVMBuildAnd(g->b, same, LLVMBuildICmp(g->b, LLVMIntEQ, c, cg_const_i32(g, 0), ""), "streq");
}

static LLVMValueRef compare(cg_fn *f, bin_op op, ty_kind k, cg_val l, cg_val r) {
  cg_ctx *g = f->g;
  static const LLVMIntPredicate ipred[] = {LLVMIntEQ, LLVMIntNE, LLVMIntSLT, LLVMIntSLE,
                                           LLVMIntSGT, LLVMIntSGE};
  static const LLVMIntPredicate upred[] = {LLVMIntEQ, LLVMIntNE, LLVMIntULT, LLVMIntULE,
                                           LLVMIntUGT, LLVMIntUGE};
  static const LLVMRealPredicate fpred[] = {LLVMRealOEQ, LLVMRealUNE, LLVMRealOLT, LLVMRealOLE,
                                            LLVMRealOGT, LLVMRealOGE};
  int at = (int)op - (int)BIN_EQ;
  if (k == TY_STRING) {
    if (op == BIN_EQ) return str_eq(f, l, r);
    if (op == BIN_NE) return not1(f, str_eq(f, l, r));
    LLVMValueRef fn = cg_runtime_fn(g, "pipe_std_cmp", g->t_i32,
                                    (LLVMTypeRef[]){g->t_ptr, g->t_i64, g->t_ptr, g->t_i64}, 4);
    LLVMValueRef c = LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn,
                                    (LLVMValueRef[]){l.v, l.len, r.v, r.len}, 4, "cmp");
    return LLVMBuildICmp(g->b, ipred[at], c, cg_const_i32(g, 0), "");
  }
  if (LLVMTypeOf(l.v) == g->t_f64 || LLVMTypeOf(r.v) == g->t_f64) {
    if (LLVMTypeOf(l.v) != g->t_f64) l.v = LLVMBuildSIToFP(g->b, l.v, g->t_f64, "");
    if (LLVMTypeOf(r.v) != g->t_f64) r.v = LLVMBuildSIToFP(g->b, r.v, g->t_f64, "");
    return LLVMBuildFCmp(g->b, fpred[at], l.v, r.v, "");
  }
  return LLVMBuildICmp(g->b, k == TY_BOOL ? upred[at] : ipred[at], l.v, r.v, "");
}

static cg_val comparison(cg_fn *f, const ast_expr *e, cg_val l, cg_val r) {
  cg_ctx *g = f->g;
  bin_op op = e->u.binary.op;
  ty lt = e->u.binary.l->type, rt = e->u.binary.r->type;
  cg_val out = {NULL, NULL, NULL, -1};
  bool eq = op == BIN_EQ || op == BIN_NE;
  if (lt.kind == TY_NULL || rt.kind == TY_NULL) {
    /* `x == null`: a test of x's null flag. */
    LLVMValueRef both = LLVMBuildAnd(g->b, cg_is_null(f, l), cg_is_null(f, r), "");
    out.v = op == BIN_NE ? not1(f, both) : both;
    if (!eq) out = cg_zero(f, e->type);
    return out;
  }
  ty_kind k = lt.kind == TY_NULL ? rt.kind : lt.kind;
  LLVMValueRef c = compare(f, op, k, l, r);
  LLVMValueRef anynull = null_or(f, l.null, r.null);
  if (!eq || !anynull) {
    out.v = c;
    out.null = eq ? NULL : anynull;
    return out;
  }
  /* null-safe: equal when both are null, or both are values that compare equal. */
  LLVMValueRef ln = cg_is_null(f, l), rn = cg_is_null(f, r);
  LLVMValueRef both = LLVMBuildAnd(g->b, ln, rn, "bothnull");
  LLVMValueRef eqv = op == BIN_EQ ? c : not1(f, c);
  LLVMValueRef valeq = LLVMBuildAnd(g->b, not1(f, anynull), eqv, "");
  out.v = LLVMBuildOr(g->b, both, valeq, "nseq");
  if (op == BIN_NE) out.v = not1(f, out.v);
  return out;
}

/* `and` / `or` with three-valued logic; the right side only runs when it can matter. */
static cg_val logic(cg_fn *f, const ast_expr *e) {
  cg_ctx *g = f->g;
  bool is_and = e->u.binary.op == BIN_AND;
  cg_val l = cg_expr(f, e->u.binary.l);
  LLVMValueRef lnull = cg_is_null(f, l);
  /* decided: non-null false for `and`, non-null true for `or` */
  LLVMValueRef decided = LLVMBuildAnd(g->b, not1(f, lnull), is_and ? not1(f, l.v) : l.v, "decided");
  LLVMBasicBlockRef rhs = cg_block(f, "rhs"), join = cg_block(f, "logic");
  LLVMBasicBlockRef lbb = LLVMGetInsertBlock(g->b);
  LLVMBuildCondBr(g->b, decided, join, rhs);
  LLVMPositionBuilderAtEnd(g->b, rhs);
  cg_val r = cg_expr(f, e->u.binary.r);
  LLVMValueRef rnull = cg_is_null(f, r);
  LLVMValueRef rdec = LLVMBuildAnd(g->b, not1(f, rnull), is_and ? not1(f, r.v) : r.v, "");
  LLVMValueRef nul = LLVMBuildAnd(g->b, not1(f, rdec), LLVMBuildOr(g->b, lnull, rnull, ""), "");
  LLVMValueRef val = is_and ? LLVMBuildAnd(g->b, not1(f, rdec), not1(f, nul), "") : rdec;
  LLVMBasicBlockRef rbb = LLVMGetInsertBlock(g->b);
  LLVMBuildBr(g->b, join);
  LLVMPositionBuilderAtEnd(g->b, join);
  cg_val vals[2] = {{LLVMConstInt(g->t_i1, !is_and, 0), LLVMConstInt(g->t_i1, 0, 0), NULL, -1},
                    {val, nul, NULL, -1}};
  LLVMBasicBlockRef bbs[2] = {lbb, rbb};
  ty t = {TY_BOOL, true};
  cg_val out = merge(f, t, bbs, vals, 2);
  if (!e->type.nullable) out.null = NULL;
  return out;
}

/* Evaluates e into a value of type t in its own branch, ending at `join`. */
static cg_val branch(cg_fn *f, const ast_expr *e, ty t, LLVMBasicBlockRef join,
                     LLVMBasicBlockRef *end) {
  cg_val v = fit(f, cg_expr(f, e), e->type, t);
  if (t.nullable && !v.null) v.null = LLVMConstInt(f->g->t_i1, 0, 0);
  *end = LLVMGetInsertBlock(f->g->b);
  LLVMBuildBr(f->g->b, join);
  return v;
}

static cg_val choose(cg_fn *f, const ast_expr *e, LLVMValueRef take_first, cg_val first,
                     const ast_expr *first_e, const ast_expr *second_e) {
  cg_ctx *g = f->g;
  LLVMBasicBlockRef a = cg_block(f, "then"), b = cg_block(f, "else"), join = cg_block(f, "endif");
  LLVMBuildCondBr(g->b, take_first, a, b);
  cg_val vals[2];
  LLVMBasicBlockRef bbs[2];
  LLVMPositionBuilderAtEnd(g->b, a);
  if (first_e) {
    vals[0] = branch(f, first_e, e->type, join, &bbs[0]);
  } else {
    vals[0] = first;   /* computed before the branch: it dominates `a` */
    vals[0].null = e->type.nullable ? LLVMConstInt(g->t_i1, 0, 0) : NULL;
    bbs[0] = a;
    LLVMBuildBr(g->b, join);
  }
  LLVMPositionBuilderAtEnd(g->b, b);
  vals[1] = branch(f, second_e, e->type, join, &bbs[1]);
  LLVMPositionBuilderAtEnd(g->b, join);
  cg_val out = merge(f, e->type, bbs, vals, 2);
  if (!e->type.nullable) out.null = NULL;
  return out;
}

static cg_val if_expr(cg_fn *f, const ast_expr *e) {
  cg_val c = cg_expr(f, e->u.cond.c);
  LLVMValueRef yes = c.null ? LLVMBuildAnd(f->g->b, c.v, not1(f, c.null), "") : c.v;
  cg_val none = {NULL, NULL, NULL, -1};
  return choose(f, e, yes, none, e->u.cond.t, e->u.cond.e);
}

static cg_val coalesce(cg_fn *f, const ast_expr *e) {
  cg_val l = cg_expr(f, e->u.binary.l);
  if (!l.null) return l;
  if (e->u.binary.l->type.kind == TY_NULL) return fit(f, cg_expr(f, e->u.binary.r), e->u.binary.r->type, e->type);
  l = fit(f, l, e->u.binary.l->type, e->type);
  return choose(f, e, not1(f, l.null), l, NULL, e->u.binary.r);
}

static cg_val binary(cg_fn *f, const ast_expr *e) {
  bin_op op = e->u.binary.op;
  if (op == BIN_AND || op == BIN_OR) return logic(f, e);
  if (op == BIN_COALESCE) return coalesce(f, e);
  cg_val l = cg_expr(f, e->u.binary.l), r = cg_expr(f, e->u.binary.r);
  if (op >= BIN_EQ && op <= BIN_GE) return comparison(f, e, l, r);
  if (e->u.binary.l->type.kind == TY_NULL || e->u.binary.r->type.kind == TY_NULL)
    return cg_zero(f, e->type);
  if (e->type.kind == TY_STRING) {
    str_args a = {l, r};
    return cg_guard(f, null_or(f, l.null, r.null), e->type, concat_body, &a);
  }
  return arith(f, e, l, r);
}

cg_val cg_expr(cg_fn *f, const ast_expr *e) {
  switch (e->kind) {
  case EXPR_NAME: return name(f, e);
  case EXPR_UNARY: case EXPR_WIDEN: return unary(f, e);
  case EXPR_BINARY: return binary(f, e);
  case EXPR_IF: return if_expr(f, e);
  case EXPR_CALL: return cg_call(f, e);
  default: return literal(f, e);
  }
}
