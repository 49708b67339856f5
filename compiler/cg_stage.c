/* cg_stage.c: the kernel of one fused stage (pipe_kernel_fn in pipe/abi.h).
 *
 *   entry:  loop-invariant loads (column pointers, params), counters
 *   loop:   i = phi(start, i + 1); i < in->nrows ?
 *   body:   each op in order: a filter branches to `drop` (count, next row) unless its
 *           condition is true; a select computes the new row's values; then the row is
 *           appended to `out`
 *   exit:   store out->nrows and the filtered counts; return in->nrows
 *   fail:   the same stores, ctx->err_site = site; return i
 *
 * Counters live in allocas that mem2reg turns into registers, so the hot loop calls the
 * runtime only to grow string data. Output fields nobody downstream reads are left empty
 * (null when nullable), since projection pushdown may not have parsed their inputs. */
#include <string.h>
#include "cg.h"

static LLVMValueRef load(cg_ctx *g, LLVMTypeRef st, LLVMValueRef p, int field, LLVMTypeRef t,
                         const char *name) {
  return LLVMBuildLoad2(g->b, t, LLVMBuildStructGEP2(g->b, st, p, (unsigned)field, ""), name);
}

static void store_field(cg_ctx *g, LLVMTypeRef st, LLVMValueRef p, int field, LLVMValueRef v) {
  LLVMBuildStore(g->b, v, LLVMBuildStructGEP2(g->b, st, p, (unsigned)field, ""));
}

static LLVMValueRef index_ptr(cg_ctx *g, LLVMTypeRef t, LLVMValueRef base, LLVMValueRef i) {
  return LLVMBuildGEP2(g->b, t, base, &i, 1, "");
}

/* ---- appending a row to `out` ------------------------------------------------------- */

typedef struct out_cols {
  LLVMValueRef *col;      /* &out->cols[j] */
  LLVMValueRef *values, *validity;
  LLVMValueRef lines, in_lines, wm, in_wm;
} out_cols;

/* Sets (on true) or clears bit n of an LSB-first bitmap: a validity bitmap or bool values.
 * Pooled batches keep stale bits, so both cases are written. */
void cg_set_bit(cg_fn *f, LLVMValueRef bits, LLVMValueRef n, LLVMValueRef on) {
  cg_ctx *g = f->g;
  LLVMValueRef at = index_ptr(g, g->t_i8, bits, LLVMBuildLShr(g->b, n, cg_const_i64(g, 3), ""));
  LLVMValueRef old = LLVMBuildLoad2(g->b, g->t_i8, at, "bbyte");
  LLVMValueRef sh = LLVMBuildTrunc(g->b, LLVMBuildAnd(g->b, n, cg_const_i64(g, 7), ""), g->t_i8, "");
  LLVMValueRef bit = LLVMBuildShl(g->b, LLVMConstInt(g->t_i8, 1, 0), sh, "bit");
  LLVMValueRef set = LLVMBuildOr(g->b, old, bit, "");
  LLVMValueRef clr = LLVMBuildAnd(g->b, old, LLVMBuildNot(g->b, bit, ""), "");
  LLVMBuildStore(g->b, LLVMBuildSelect(g->b, on, set, clr, ""), at);
}

/* Copies len bytes to the end of the column's string data, growing it when needed. */
static void append_string(cg_fn *f, LLVMValueRef col, LLVMValueRef offsets, LLVMValueRef n,
                          LLVMValueRef p, LLVMValueRef len) {
  cg_ctx *g = f->g;
  LLVMValueRef used = load(g, g->t_column, col, CG_COL_DATA_LEN, g->t_i64, "dlen");
  LLVMValueRef cap = load(g, g->t_column, col, CG_COL_DATA_CAP, g->t_i64, "dcap");
  LLVMValueRef end = LLVMBuildAdd(g->b, used, len, "dend");
  LLVMBasicBlockRef grow = cg_block(f, "grow"), copy = cg_block(f, "copy");
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, end, cap, ""), grow, copy);
  LLVMPositionBuilderAtEnd(g->b, grow);
  LLVMValueRef reserve = cg_runtime_fn(g, "pipe_rt_col_reserve", g->t_void,
                                       (LLVMTypeRef[]){g->t_ptr, g->t_i64}, 2);
  LLVMBuildCall2(g->b, LLVMGlobalGetValueType(reserve), reserve, (LLVMValueRef[]){col, len}, 2, "");
  LLVMBuildBr(g->b, copy);
  LLVMPositionBuilderAtEnd(g->b, copy);
  LLVMValueRef data = load(g, g->t_column, col, CG_COL_DATA, g->t_ptr, "data");
  LLVMBuildMemCpy(g->b, index_ptr(g, g->t_i8, data, used), 1, p, 1, len);
  store_field(g, g->t_column, col, CG_COL_DATA_LEN, end);
  LLVMValueRef n1 = LLVMBuildAdd(g->b, n, cg_const_i64(g, 1), "");
  LLVMBuildStore(g->b, end, index_ptr(g, g->t_i64, offsets, n1));
}

void cg_store_value(cg_fn *f, LLVMValueRef col, LLVMValueRef values, LLVMValueRef validity, ty t,
                    cg_val v, LLVMValueRef n) {
  cg_ctx *g = f->g;
  LLVMValueRef isnull = t.nullable ? cg_is_null(f, v) : NULL;
  switch (t.kind) {
  case TY_STRING: {
    LLVMValueRef len = isnull ? LLVMBuildSelect(g->b, isnull, cg_const_i64(g, 0), v.len, "") : v.len;
    append_string(f, col, values, n, v.v, len);
    break;
  }
  case TY_BOOL: /* bit-packed, as in Arrow */
    cg_set_bit(f, values, n, v.v);
    break;
  case TY_F64:
    LLVMBuildStore(g->b, v.v, index_ptr(g, g->t_f64, values, n));
    break;
  case TY_NULL: break;
  default:
    LLVMBuildStore(g->b, v.v, index_ptr(g, g->t_i64, values, n));
    break;
  }
  if (isnull) cg_set_bit(f, validity, n, LLVMBuildNot(g->b, isnull, ""));
}

static void append_row(cg_fn *f, const out_cols *oc) {
  cg_ctx *g = f->g;
  const plan_node *node = f->node;
  LLVMValueRef n = LLVMBuildLoad2(g->b, g->t_i64, f->out_n, "n");
  for (int j = 0; j < node->out.nfields; j++) {
    ty t = node->out.fields[j].type;
    cg_val v;
    if (node->needed && !node->needed[j]) v = cg_zero(f, t);
    else if (f->slots[j].in_field >= 0)
      v = cg_load_field(f, f->slots[j].in_field, node->in.fields[f->slots[j].in_field].type);
    else
      v = f->slots[j].val;
    if (!t.nullable) v.null = NULL;
    cg_store_value(f, oc->col[j], oc->values[j], oc->validity[j], t, v, n);
  }
  LLVMValueRef line = LLVMBuildLoad2(g->b, g->t_i64, index_ptr(g, g->t_i64, oc->in_lines, f->row), "line");
  LLVMBuildStore(g->b, line, index_ptr(g, g->t_i64, oc->lines, n));
  LLVMValueRef wm = LLVMBuildLoad2(g->b, g->t_i64, index_ptr(g, g->t_i64, oc->in_wm, f->row), "wm");
  LLVMBuildStore(g->b, wm, index_ptr(g, g->t_i64, oc->wm, n));
  LLVMBuildStore(g->b, LLVMBuildAdd(g->b, n, cg_const_i64(g, 1), ""), f->out_n);
}

/* Loads of out's column pointers, in the entry block. */
static out_cols out_columns(cg_fn *f) {
  cg_ctx *g = f->g;
  int n = f->node->out.nfields;
  out_cols oc;
  oc.col = arena_alloc(g->a, (n + 1) * sizeof *oc.col);
  oc.values = arena_alloc(g->a, (n + 1) * sizeof *oc.values);
  oc.validity = arena_alloc(g->a, (n + 1) * sizeof *oc.validity);
  LLVMValueRef cols = load(g, g->t_batch, f->out, CG_BATCH_COLS, g->t_ptr, "out.cols");
  for (int j = 0; j < n; j++) {
    oc.col[j] = index_ptr(g, g->t_column, cols, cg_const_i64(g, j));
    oc.values[j] = load(g, g->t_column, oc.col[j], CG_COL_VALUES, g->t_ptr, "ovalues");
    oc.validity[j] = f->node->out.fields[j].type.nullable
                         ? load(g, g->t_column, oc.col[j], CG_COL_VALIDITY, g->t_ptr, "ovalid")
                         : NULL;
  }
  oc.lines = load(g, g->t_batch, f->out, CG_BATCH_LINES, g->t_ptr, "out.lines");
  oc.in_lines = load(g, g->t_batch, f->in, CG_BATCH_LINES, g->t_ptr, "in.lines");
  oc.wm = load(g, g->t_batch, f->out, CG_BATCH_WM, g->t_ptr, "out.wm");
  oc.in_wm = load(g, g->t_batch, f->in, CG_BATCH_WM, g->t_ptr, "in.wm");
  return oc;
}

/* ---- operators ------------------------------------------------------------------------ */

static void gen_filter(cg_fn *f, const ast_op *op, int k) {
  cg_ctx *g = f->g;
  cg_val c = cg_expr(f, op->u.filter.cond);
  LLVMValueRef keep = c.null ? LLVMBuildAnd(g->b, c.v, LLVMBuildNot(g->b, c.null, ""), "keep") : c.v;
  if (op->u.filter.cond->type.kind == TY_NULL) keep = LLVMConstInt(g->t_i1, 0, 0);
  LLVMBasicBlockRef drop = cg_block(f, "drop"), pass = cg_block(f, "pass");
  LLVMBuildCondBr(g->b, keep, pass, drop);
  LLVMPositionBuilderAtEnd(g->b, drop);
  LLVMValueRef cnt = LLVMBuildLoad2(g->b, g->t_i64, f->filtered[k], "filtered");
  LLVMBuildStore(g->b, LLVMBuildAdd(g->b, cnt, cg_const_i64(g, 1), ""), f->filtered[k]);
  LLVMBuildBr(g->b, f->next);
  LLVMPositionBuilderAtEnd(g->b, pass);
}

static void gen_select(cg_fn *f, const ast_op *op) {
  int n = op->out.nfields;
  cg_slot *next = arena_alloc(f->g->a, (n + 1) * sizeof *next);
  for (int j = 0; j < n; j++) {
    const ast_expr *v = plan_select_value(op, j);
    if (!v) {
      int k = row_find(&op->in, op->out.fields[j].name);
      next[j] = k >= 0 ? f->slots[k] : (cg_slot){-1, cg_zero(f, op->out.fields[j].type)};
    } else if (v->kind == EXPR_NAME && v->u.name.ref == REF_FIELD) {
      next[j] = f->slots[v->u.name.index];
    } else {
      cg_val x = cg_expr(f, v);
      ty to = op->out.fields[j].type;
      if (v->type.kind == TY_NULL) x = cg_zero(f, to);
      else if (to.kind == TY_F64 && LLVMTypeOf(x.v) == f->g->t_i64)
        x.v = LLVMBuildSIToFP(f->g->b, x.v, f->g->t_f64, "");
      next[j] = (cg_slot){-1, x};
    }
  }
  f->slots = next;
  f->row_in = &op->out;
}

/* ---- the kernel ------------------------------------------------------------------------ */

static void flush(cg_fn *f) {
  cg_ctx *g = f->g;
  LLVMValueRef filtered = load(g, g->t_kctx, f->kctx, CG_KCTX_FILTERED, g->t_ptr, "ctx.filtered");
  for (int k = 0; k < f->node->nops; k++) {
    if (f->node->ops[k]->kind != OP_FILTER) continue;
    LLVMValueRef at = index_ptr(g, g->t_i64, filtered, cg_const_i64(g, k));
    LLVMValueRef sum = LLVMBuildAdd(g->b, LLVMBuildLoad2(g->b, g->t_i64, at, ""),
                                    LLVMBuildLoad2(g->b, g->t_i64, f->filtered[k], ""), "");
    LLVMBuildStore(g->b, sum, at);
  }
  store_field(g, g->t_batch, f->out, CG_BATCH_NROWS, LLVMBuildLoad2(g->b, g->t_i64, f->out_n, ""));
}

static void set_noalias(cg_ctx *g, LLVMValueRef fn, unsigned arg) {
  unsigned k = LLVMGetEnumAttributeKindForName("noalias", 7);
  LLVMAddAttributeAtIndex(fn, arg, LLVMCreateEnumAttribute(g->ctx, k, 0));
}

static LLVMValueRef new_kernel(cg_ctx *g, const plan_node *n) {
  char name[64];
  snprintf(name, sizeof name, "%s_stage_%d", g->stem, n->index);
  LLVMValueRef fn = LLVMAddFunction(g->mod, name, g->t_kernel);
  LLVMSetLinkage(fn, LLVMInternalLinkage);
  cg_fn_attrs(g, fn);
  for (unsigned a = 1; a <= 3; a++) set_noalias(g, fn, a);   /* ctx, in and out are distinct */
  return fn;
}

static void site_table(cg_ctx *g, const plan_node *n, cg_fn *f) {
  g->nsites[n->index] = f->nsites;
  if (!f->nsites) return;
  LLVMValueRef *rows = arena_alloc(g->a, f->nsites * sizeof *rows);
  for (int s = 0; s < f->nsites; s++) {
    cg_site *x = &f->sites[s];
    const char *m = x->message;
    rows[s] = LLVMConstNamedStruct(
        g->t_site_desc,
        (LLVMValueRef[]){cg_const_i32(g, x->op), cg_const_i32(g, x->line), cg_const_i32(g, x->col),
                         cg_const_i32(g, x->field), cg_string_ptr(g, m, (int64_t)strlen(m))},
        5);
  }
  LLVMValueRef init = LLVMConstArray2(g->t_site_desc, rows, (uint64_t)f->nsites);
  LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), "sites");
  LLVMSetInitializer(gv, init);
  LLVMSetGlobalConstant(gv, 1);
  LLVMSetLinkage(gv, LLVMPrivateLinkage);
  g->sites[n->index] = gv;
}

LLVMValueRef cg_stage(cg_ctx *g, const plan_node *n) {
  cg_fn F = {0}, *f = &F;
  f->g = g;
  f->node = n;
  f->fn = new_kernel(g, n);
  f->kctx = LLVMGetParam(f->fn, 0);
  f->in = LLVMGetParam(f->fn, 1);
  f->out = LLVMGetParam(f->fn, 2);
  LLVMValueRef start = LLVMGetParam(f->fn, 3);
  int nin = n->in.nfields + 1;
  f->col_valid = arena_alloc(g->a, nin * sizeof(LLVMValueRef));
  f->col_values = arena_alloc(g->a, nin * sizeof(LLVMValueRef));
  f->col_data = arena_alloc(g->a, nin * sizeof(LLVMValueRef));
  f->slots = arena_alloc(g->a, nin * sizeof(cg_slot));
  for (int i = 0; i < n->in.nfields; i++) f->slots[i].in_field = i;
  f->row_in = &n->in;

  f->entry = cg_block(f, "entry");
  LLVMBasicBlockRef loop = cg_block(f, "loop"), body = cg_block(f, "row"),
                    exit = cg_block(f, "done");
  f->next = cg_block(f, "next");
  f->fail = cg_block(f, "fail");
  LLVMPositionBuilderAtEnd(g->b, f->entry);
  f->site_slot = LLVMBuildAlloca(g->b, g->t_i32, "site");
  f->out_n = LLVMBuildAlloca(g->b, g->t_i64, "out_n");
  f->filtered = arena_alloc(g->a, (n->nops + 1) * sizeof(LLVMValueRef));
  for (int k = 0; k < n->nops; k++) {
    f->filtered[k] = LLVMBuildAlloca(g->b, g->t_i64, "nfiltered");
    LLVMBuildStore(g->b, cg_const_i64(g, 0), f->filtered[k]);
  }
  LLVMBuildStore(g->b, load(g, g->t_batch, f->out, CG_BATCH_NROWS, g->t_i64, "out.nrows"), f->out_n);
  LLVMValueRef nrows = load(g, g->t_batch, f->in, CG_BATCH_NROWS, g->t_i64, "in.nrows");
  out_cols oc = out_columns(f);

  LLVMPositionBuilderAtEnd(g->b, loop);
  f->row = LLVMBuildPhi(g->b, g->t_i64, "i");
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, f->row, nrows, ""), body, exit);

  LLVMPositionBuilderAtEnd(g->b, body);
  for (int k = 0; k < n->nops; k++) {
    f->op = k;
    if (n->ops[k]->kind == OP_FILTER) gen_filter(f, n->ops[k], k);
    else if (n->ops[k]->kind == OP_SELECT) gen_select(f, n->ops[k]);
  }
  append_row(f, &oc);
  LLVMBuildBr(g->b, f->next);

  LLVMPositionBuilderAtEnd(g->b, f->next);
  LLVMValueRef i1 = LLVMBuildAdd(g->b, f->row, cg_const_i64(g, 1), "i.next");
  LLVMBuildBr(g->b, loop);
  LLVMAddIncoming(f->row, &start, &f->entry, 1);
  LLVMAddIncoming(f->row, &i1, &f->next, 1);

  LLVMPositionBuilderAtEnd(g->b, exit);
  flush(f);
  LLVMBuildRet(g->b, nrows);

  LLVMPositionBuilderAtEnd(g->b, f->fail);
  flush(f);
  store_field(g, g->t_kctx, f->kctx, CG_KCTX_ERR_SITE, LLVMBuildLoad2(g->b, g->t_i32, f->site_slot, ""));
  LLVMBuildRet(g->b, f->row);

  LLVMPositionBuilderAtEnd(g->b, f->entry);   /* lazily added loads went here: close it */
  LLVMBuildBr(g->b, loop);
  site_table(g, n, f);
  return f->fn;
}
