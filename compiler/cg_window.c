/* cg_window.c: what a window node runs (pipe_window_desc in pipe/abi.h). The runtime
 * groups rows and decides when groups fire; this file generates what depends on the
 * program:
 *
 *   state    one struct per window: each aggregate call's members (cg_agg in cg.h), all
 *            8 bytes wide and zero when empty, so `init` is never needed
 *   update   one loop over rows [start, end): skip rows without a state (late), else load
 *            each call's argument from its PREP column, test it for null and fold it in
 *   merge    dst combined with src, call by call
 *   final    one loop over fired states, writing each call's result into its column of
 *            `mid` (validity bits, strings appended as a stage kernel appends them)
 *   project  the aggregate items over `mid`, compiled as an ordinary stage kernel with a
 *            synthetic select; none when the output row is `mid` itself
 *
 * The per-call code is in cg_agg.c. */
#include <string.h>
#include "cg.h"

/* ---- the state layout --------------------------------------------------------------- */

typedef struct members {
  LLVMTypeRef *t;
  int n;
} members;

static int member(members *m, LLVMTypeRef t) {
  m->t[m->n] = t;
  return m->n++;
}

/* The member holding a value of kind k: f64, a string slot, or i64 (bool as 0 or 1). */
static LLVMTypeRef value_type(cg_ctx *g, ty_kind k) {
  return k == TY_F64 ? g->t_f64 : k == TY_STRING ? g->t_agg_str : g->t_i64;
}

static void lay_out(cg_ctx *g, cg_agg *a, members *m) {
  a->v = a->has = a->seq = a->n = a->mean = a->m2 = -1;
  switch (a->call->fn) {
  case AGG_COUNT: a->n = member(m, g->t_i64); break;
  case AGG_AVG:
    a->v = member(m, g->t_f64);
    a->n = member(m, g->t_i64);
    break;
  case AGG_STDDEV:
    a->n = member(m, g->t_i64);
    a->mean = member(m, g->t_f64);
    a->m2 = member(m, g->t_f64);
    break;
  case AGG_FIRST: case AGG_LAST:
    a->seq = member(m, g->t_i64);
    /* fall through */
  default:   /* sum, min, max */
    a->v = member(m, value_type(g, a->arg.kind));
    a->has = member(m, g->t_i64);
    break;
  }
}

static cg_state layout(cg_ctx *g, const plan_node *n) {
  const ast_op *w = n->window;
  const ptrvec *calls = &w->u.window.calls;
  int base = w->u.window.mid.nfields - calls->len;   /* the first call's column of mid */
  cg_state s = {0};
  s.naggs = calls->len;
  s.aggs = arena_alloc(g->a, (s.naggs + 1) * sizeof *s.aggs);
  members m = {arena_alloc(g->a, (4 * s.naggs + 1) * sizeof(LLVMTypeRef)), 0};
  for (int c = 0; c < s.naggs; c++) {
    cg_agg *a = &s.aggs[c];
    a->call = calls->items[c];
    a->col = plan_arg_col(n, c);
    a->arg = a->col >= 0 ? n->in.fields[a->col].type : (ty){TY_I64, false};
    a->res = w->u.window.mid.fields[base + c].type;
    lay_out(g, a, &m);
  }
  if (m.n == 0) member(&m, g->t_i64);   /* no calls: still a state of 8 bytes */
  s.t = LLVMStructCreateNamed(g->ctx, arena_printf(g->a, "window_%d_state", n->index));
  LLVMStructSetBody(s.t, m.t, (unsigned)m.n, 0);
  return s;
}

static void describe_state(cg_ctx *g, const cg_state *s, cg_win *w) {
  w->state_size = (int32_t)LLVMABISizeOfType(g->td, s->t);
  w->str_offs = arena_alloc(g->a, (s->naggs + 1) * sizeof *w->str_offs);
  for (int c = 0; c < s->naggs; c++)
    if (s->aggs[c].v >= 0 && s->aggs[c].arg.kind == TY_STRING)   /* min, max, first, last */
      w->str_offs[w->nstr++] = (int32_t)LLVMOffsetOfElement(g->td, s->t, (unsigned)s->aggs[c].v);
}

/* ---- functions ---------------------------------------------------------------------- */

LLVMValueRef cg_win_fn(cg_ctx *g, const plan_node *n, const char *what, LLVMTypeRef ret,
                       LLVMTypeRef *params, int nparams) {
  const char *name = arena_printf(g->a, "%s_window_%d_%s", g->stem, n->index, what);
  LLVMValueRef fn = LLVMAddFunction(g->mod, name, LLVMFunctionType(ret, params, (unsigned)nparams, 0));
  LLVMSetLinkage(fn, LLVMInternalLinkage);
  cg_fn_attrs(g, fn);
  return fn;
}

void cg_win_fn_init(cg_fn *f, cg_ctx *g, const plan_node *n, LLVMValueRef fn) {
  memset(f, 0, sizeof *f);
  f->g = g;
  f->node = n;
  f->fn = fn;
  int nin = n->in.nfields + 1;
  f->col_valid = arena_alloc(g->a, nin * sizeof(LLVMValueRef));
  f->col_values = arena_alloc(g->a, nin * sizeof(LLVMValueRef));
  f->col_data = arena_alloc(g->a, nin * sizeof(LLVMValueRef));
  f->row_in = &n->in;
  f->entry = cg_block(f, "entry");
}

/* A loop `for (f->row = from; f->row < to; f->row++)`: returns the block after it, with
 * the builder in the body; loop_end() closes the body. */
typedef struct loop { LLVMBasicBlockRef head, next, exit; } loop;

static loop loop_open(cg_fn *f, LLVMValueRef from, LLVMValueRef to) {
  cg_ctx *g = f->g;
  loop l = {cg_block(f, "loop"), cg_block(f, "next"), cg_block(f, "done")};
  LLVMBasicBlockRef body = cg_block(f, "body");
  LLVMPositionBuilderAtEnd(g->b, l.head);
  f->row = LLVMBuildPhi(g->b, g->t_i64, "i");
  LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, f->row, to, ""), body, l.exit);
  LLVMAddIncoming(f->row, &from, &f->entry, 1);
  LLVMPositionBuilderAtEnd(g->b, body);
  return l;
}

static void loop_close(cg_fn *f, loop l) {
  cg_ctx *g = f->g;
  LLVMBuildBr(g->b, l.next);
  LLVMPositionBuilderAtEnd(g->b, l.next);
  LLVMValueRef i1 = LLVMBuildAdd(g->b, f->row, cg_const_i64(g, 1), "");
  LLVMBuildBr(g->b, l.head);
  LLVMAddIncoming(f->row, &i1, &l.next, 1);
  LLVMPositionBuilderAtEnd(g->b, f->entry);   /* lazily added loads went here: close it */
  LLVMBuildBr(g->b, l.head);
  LLVMPositionBuilderAtEnd(g->b, l.exit);
  LLVMBuildRetVoid(g->b);
}

static LLVMValueRef state_at(cg_fn *f, LLVMValueRef states, LLVMValueRef i) {
  cg_ctx *g = f->g;
  return LLVMBuildLoad2(g->b, g->t_ptr, LLVMBuildGEP2(g->b, g->t_ptr, states, &i, 1, ""), "state");
}

/* void update(const pipe_batch *in, void *const *states, i64 start, i64 end, i64 seq0) */
static LLVMValueRef gen_update(cg_ctx *g, const plan_node *n, const cg_state *s) {
  LLVMTypeRef P = g->t_ptr, I = g->t_i64;
  cg_fn F, *f = &F;
  cg_win_fn_init(f, g, n, cg_win_fn(g, n, "update", g->t_void, (LLVMTypeRef[]){P, P, I, I, I}, 5));
  f->in = LLVMGetParam(f->fn, 0);
  LLVMValueRef states = LLVMGetParam(f->fn, 1);
  loop l = loop_open(f, LLVMGetParam(f->fn, 2), LLVMGetParam(f->fn, 3));
  LLVMValueRef st = state_at(f, states, f->row);
  LLVMBasicBlockRef fold = cg_block(f, "fold");
  LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, st, "late"), l.next, fold);
  LLVMPositionBuilderAtEnd(g->b, fold);
  LLVMValueRef seq = LLVMBuildAdd(g->b, LLVMGetParam(f->fn, 4), f->row, "seq");
  for (int c = 0; c < s->naggs; c++) cg_agg_update(f, s, &s->aggs[c], st, seq);
  loop_close(f, l);
  return f->fn;
}

/* void merge(void *dst, const void *src) */
static LLVMValueRef gen_merge(cg_ctx *g, const plan_node *n, const cg_state *s) {
  cg_fn F, *f = &F;
  cg_win_fn_init(f, g, n, cg_win_fn(g, n, "merge", g->t_void, (LLVMTypeRef[]){g->t_ptr, g->t_ptr}, 2));
  LLVMPositionBuilderAtEnd(g->b, f->entry);
  for (int c = 0; c < s->naggs; c++)
    cg_agg_merge(f, s, &s->aggs[c], LLVMGetParam(f->fn, 0), LLVMGetParam(f->fn, 1));
  LLVMBuildRetVoid(g->b);
  return f->fn;
}

typedef struct out_col { LLVMValueRef col, values, validity; } out_col;

/* void final(void *const *states, i64 n, pipe_batch *out, i64 row0, i32 col) */
static LLVMValueRef gen_final(cg_ctx *g, const plan_node *n, const cg_state *s) {
  LLVMTypeRef P = g->t_ptr, I = g->t_i64;
  cg_fn F, *f = &F;
  cg_win_fn_init(f, g, n, cg_win_fn(g, n, "final", g->t_void, (LLVMTypeRef[]){P, I, P, I, g->t_i32}, 5));
  LLVMValueRef states = LLVMGetParam(f->fn, 0), out = LLVMGetParam(f->fn, 2);
  LLVMPositionBuilderAtEnd(g->b, f->entry);
  LLVMValueRef cols = LLVMBuildLoad2(g->b, P, LLVMBuildStructGEP2(g->b, g->t_batch, out, CG_BATCH_COLS, ""),
                                     "out.cols");
  LLVMValueRef col0 = LLVMBuildSExt(g->b, LLVMGetParam(f->fn, 4), I, "col");
  out_col *oc = arena_alloc(g->a, (s->naggs + 1) * sizeof *oc);
  for (int c = 0; c < s->naggs; c++) {
    LLVMValueRef j = LLVMBuildAdd(g->b, col0, cg_const_i64(g, c), "");
    oc[c].col = LLVMBuildGEP2(g->b, g->t_column, cols, &j, 1, "");
    oc[c].values = LLVMBuildLoad2(g->b, P, LLVMBuildStructGEP2(g->b, g->t_column, oc[c].col, CG_COL_VALUES, ""),
                                  "values");
    oc[c].validity = LLVMBuildLoad2(
        g->b, P, LLVMBuildStructGEP2(g->b, g->t_column, oc[c].col, CG_COL_VALIDITY, ""), "validity");
  }
  loop l = loop_open(f, cg_const_i64(g, 0), LLVMGetParam(f->fn, 1));
  LLVMValueRef st = state_at(f, states, f->row);
  LLVMValueRef row = LLVMBuildAdd(g->b, LLVMGetParam(f->fn, 3), f->row, "row");
  for (int c = 0; c < s->naggs; c++) {
    const cg_agg *a = &s->aggs[c];
    cg_val v = cg_agg_final(f, s, a, st);
    if (!a->res.nullable) v.null = NULL;
    cg_store_value(f, oc[c].col, oc[c].values, oc[c].validity, a->res, v, row);
  }
  loop_close(f, l);
  return f->fn;
}

/* ---- the projection ----------------------------------------------------------------- */

static ast_expr *mid_ref(cg_ctx *g, const ast_op *w, int j) {
  ast_expr *e = ast_expr_new(g->a, EXPR_NAME, w->at);
  e->u.name.id = w->u.window.mid.fields[j].name;
  e->u.name.ref = REF_FIELD;
  e->u.name.index = j;
  e->type = w->u.window.mid.fields[j].type;
  return e;
}

static bool same_ty(ty a, ty b) { return a.kind == b.kind && a.nullable == b.nullable; }

/* Whether mid's rows are already the output rows: each aggregate item is its own call, in
 * call order. Names do not matter (mid names calls by their text, `sum(qty)`): a batch
 * has none, and the node's schema names the output. */
static bool out_is_mid(const ast_op *w) {
  const row_type *mid = &w->u.window.mid, *out = &w->out;
  int base = mid->nfields - w->u.window.calls.len;
  if (out->nfields != mid->nfields || w->u.window.aggs.len != w->u.window.calls.len) return false;
  for (int j = 0; j < out->nfields; j++) {
    if (!same_ty(out->fields[j].type, mid->fields[j].type)) return false;
    if (j < base) continue;
    const ast_expr *v = ((const ast_sel_item *)w->u.window.aggs.items[j - base])->value;
    if (!v || v->kind != EXPR_NAME || v->u.name.ref != REF_FIELD || v->u.name.index != j) return false;
  }
  return true;
}

/* A select over mid: the keys and window bounds by name, then the aggregate items. */
static ast_op *project_op(cg_ctx *g, const ast_op *w) {
  ast_op *sel = ast_op_new(g->a, OP_SELECT, w->at);
  sel->policy = w->policy;
  sel->in = w->u.window.mid;
  sel->out = w->out;
  int base = w->u.window.mid.nfields - w->u.window.calls.len;
  for (int j = 0; j < base; j++) {
    ast_sel_item *it = arena_alloc(g->a, sizeof *it);
    it->at = w->at;
    it->kind = SEL_FIELD;
    it->name = w->u.window.mid.fields[j].name;
    it->value = mid_ref(g, w, j);
    ptrvec_push(g->a, &sel->u.select.items, it);
  }
  for (int i = 0; i < w->u.window.aggs.len; i++)
    ptrvec_push(g->a, &sel->u.select.items, w->u.window.aggs.items[i]);
  return sel;
}

/* The projection's kernel, as a stage with the window's index: its sites become the
 * window node's. */
static LLVMValueRef gen_project(cg_ctx *g, const plan_node *n) {
  const ast_op *w = n->window;
  if (out_is_mid(w)) return NULL;
  plan_node *st = arena_alloc(g->a, sizeof *st);
  *st = *n;
  st->kind = PLAN_STAGE;
  st->in = w->u.window.mid;
  st->ops = arena_alloc(g->a, sizeof *st->ops);
  st->ops[0] = project_op(g, w);
  st->nops = 1;
  st->window = NULL;
  return cg_stage(g, st);
}

void cg_window(cg_ctx *g, const plan_node *n) {
  cg_win *w = &g->wins[n->index];
  cg_state s = layout(g, n);
  describe_state(g, &s, w);
  w->init = NULL;   /* every member starts at zero */
  w->update = gen_update(g, n, &s);
  w->merge = gen_merge(g, n, &s);
  w->final = gen_final(g, n, &s);
  w->project = gen_project(g, n);
  w->hash = cg_key_hash(g, n);
  w->eq = cg_key_eq(g, n);
}
