/* cg_desc.c: the static tables of pipe/abi.h that tell the runtime what to run: one
 * `const pipe_program_desc <stem>_program` with its nodes, schemas, connectors, needed
 * fields, operators, error sites, windows (pipe_window_desc), sinks' retries and breakers
 * (pipe_delivery_desc), params (defaults rendered to the text form --param takes, with the
 * runtime's own formatters) and dead-letter connectors. For executables it also defines
 * `main`, which hands the program to pipe_main. */
#include <string.h>
#include "cg.h"
#include "pipe/abi.h"

static LLVMValueRef str(cg_ctx *g, const char *s) {
  if (!s) return LLVMConstNull(g->t_ptr);
  return cg_string_ptr(g, s, (int64_t)strlen(s));
}

static LLVMValueRef i32(cg_ctx *g, int64_t v) { return cg_const_i32(g, (int32_t)v); }

/* A private constant array of `t`; a null pointer when empty. */
static LLVMValueRef table(cg_ctx *g, LLVMTypeRef t, LLVMValueRef *rows, int n, const char *name) {
  if (n == 0) return LLVMConstNull(g->t_ptr);
  LLVMValueRef init = LLVMConstArray2(t, rows, (uint64_t)n);
  LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), name);
  LLVMSetInitializer(gv, init);
  LLVMSetGlobalConstant(gv, 1);
  LLVMSetLinkage(gv, LLVMPrivateLinkage);
  return gv;
}

static LLVMValueRef schema(cg_ctx *g, const row_type *r) {
  LLVMValueRef *rows = arena_alloc(g->a, (r->nfields + 1) * sizeof *rows);
  for (int i = 0; i < r->nfields; i++)
    rows[i] = LLVMConstNamedStruct(g->t_field_desc,
                                   (LLVMValueRef[]){str(g, r->fields[i].name),
                                                    i32(g, cg_pipe_type(r->fields[i].type)),
                                                    i32(g, r->fields[i].type.nullable)},
                                   3);
  LLVMValueRef fields = table(g, g->t_field_desc, rows, r->nfields, "fields");
  return LLVMConstNamedStruct(g->t_schema_desc,
                              (LLVMValueRef[]){fields, i32(g, r->nfields), i32(g, 0)}, 3);
}

static LLVMValueRef conn(cg_ctx *g, const ast_conn *c) {
  if (!c) return LLVMConstNull(g->t_conn_desc);
  int kind = c->kind == CONN_CSV ? PIPE_CONN_CSV : c->kind == CONN_JSONL ? PIPE_CONN_JSONL
             : c->kind == CONN_HOST ? PIPE_CONN_HOST : c->kind == CONN_SQLITE ? PIPE_CONN_SQLITE
             : c->kind == CONN_POSTGRES ? PIPE_CONN_POSTGRES : 0;
  return LLVMConstNamedStruct(
      g->t_conn_desc,
      (LLVMValueRef[]){i32(g, kind), i32(g, c->path_param), str(g, c->path), i32(g, c->header),
                       i32(g, (unsigned char)c->delimiter), i32(g, c->at.line), i32(g, c->at.col),
                       str(g, c->table), str(g, c->query)},
      9);
}

static LLVMValueRef policy(cg_ctx *g, const ast_policy *p) {
  int kind = !p ? PIPE_ON_FAIL : p->kind == POLICY_SKIP ? PIPE_ON_SKIP
             : p->kind == POLICY_DEAD ? PIPE_ON_DEAD : PIPE_ON_FAIL;
  int dead = p && p->kind == POLICY_DEAD ? plan_dead_index(g->plan, p->dead) : -1;
  return LLVMConstNamedStruct(g->t_policy_desc, (LLVMValueRef[]){i32(g, kind), i32(g, dead)}, 2);
}

static LLVMValueRef needed(cg_ctx *g, const plan_node *n) {
  if (n->kind != PLAN_SOURCE || !n->out.nfields) return LLVMConstNull(g->t_ptr);
  LLVMValueRef *v = arena_alloc(g->a, n->out.nfields * sizeof *v);
  for (int i = 0; i < n->out.nfields; i++) v[i] = LLVMConstInt(g->t_i8, n->needed[i], 0);
  return table(g, g->t_i8, v, n->out.nfields, "needed");
}

static int desc_op_kind(const plan_node *n, int k) {
  const ast_op *op = n->ops[k];
  if (n->kind == PLAN_STAGE && k == n->nops - 1 && n->prep_of) return PIPE_OP_PREP;
  switch (op->kind) {
  case OP_FILTER: return PIPE_OP_FILTER;
  case OP_WINDOW: return PIPE_OP_WINDOW;
  case OP_AGGREGATE: return PIPE_OP_AGGREGATE;
  default: return PIPE_OP_SELECT;
  }
}

/* The ops of a stage or window; a PREP op has the window's span and error policy. */
static LLVMValueRef ops(cg_ctx *g, const plan_node *n) {
  LLVMValueRef *rows = arena_alloc(g->a, (n->nops + 1) * sizeof *rows);
  for (int k = 0; k < n->nops; k++) {
    const ast_op *op = n->ops[k];
    int kind = desc_op_kind(n, k);
    rows[k] = LLVMConstNamedStruct(g->t_op_desc,
                                   (LLVMValueRef[]){i32(g, kind), i32(g, op->at.line),
                                                    i32(g, op->at.col), policy(g, op->policy)},
                                   4);
  }
  return table(g, g->t_op_desc, rows, n->nops, "ops");
}

static LLVMValueRef fn_or_null(cg_ctx *g, LLVMValueRef fn) {
  return fn ? fn : LLVMConstNull(g->t_ptr);
}

/* `on late`: skip (the default) or dead_letter. */
static LLVMValueRef late_policy(cg_ctx *g, const ast_policy *p) {
  if (p && p->kind == POLICY_DEAD) return policy(g, p);
  return LLVMConstNamedStruct(g->t_policy_desc, (LLVMValueRef[]){i32(g, PIPE_ON_SKIP), i32(g, -1)}, 2);
}

static LLVMValueRef window(cg_ctx *g, const plan_node *n) {
  if (n->kind != PLAN_WINDOW) return LLVMConstNull(g->t_ptr);
  static const int kinds[] = {[WIN_ALL] = PIPE_WIN_ALL, [WIN_TUMBLING] = PIPE_WIN_TUMBLING,
                              [WIN_SLIDING] = PIPE_WIN_SLIDING, [WIN_SESSION] = PIPE_WIN_SESSION,
                              [WIN_COUNT] = PIPE_WIN_COUNT};
  const ast_op *w = n->window;
  const cg_win *x = &g->wins[n->index];
  win_kind k = w->u.window.kind;
  LLVMValueRef *offs = arena_alloc(g->a, (x->nstr + 1) * sizeof *offs);
  for (int i = 0; i < x->nstr; i++) offs[i] = i32(g, x->str_offs[i]);
  LLVMValueRef f[18] = {
      i32(g, kinds[k]), i32(g, w->u.window.keys.len), i32(g, plan_ts_col(w)),
      i32(g, w->u.window.calls.len), cg_const_i64(g, k == WIN_ALL ? 0 : w->u.window.size_v),
      cg_const_i64(g, k == WIN_SLIDING ? w->u.window.every_v : 0), i32(g, x->state_size),
      i32(g, x->nstr), table(g, g->t_i32, offs, x->nstr, "str_offs"), schema(g, &w->u.window.mid),
      fn_or_null(g, x->init), fn_or_null(g, x->update), fn_or_null(g, x->merge),
      fn_or_null(g, x->final), fn_or_null(g, x->project), late_policy(g, w->u.window.late),
      fn_or_null(g, x->hash), fn_or_null(g, x->eq)};
  LLVMValueRef init = LLVMConstNamedStruct(g->t_window_desc, f, 18);
  LLVMValueRef gv = LLVMAddGlobal(g->mod, g->t_window_desc, "window");
  LLVMSetInitializer(gv, init);
  LLVMSetGlobalConstant(gv, 1);
  LLVMSetLinkage(gv, LLVMPrivateLinkage);
  return gv;
}

/* A sink's retry, breaker and `on error` (pipe_delivery_desc); zero for other nodes. */
static LLVMValueRef delivery(cg_ctx *g, const plan_node *n) {
  if (n->kind != PLAN_SINK) return LLVMConstNull(g->t_delivery_desc);
  const ast_delivery *d = &n->sink->u.sink.dlv;
  return LLVMConstNamedStruct(
      g->t_delivery_desc,
      (LLVMValueRef[]){i32(g, d->retry_max), i32(g, d->breaker_failures),
                       cg_const_i64(g, d->backoff_min), cg_const_i64(g, d->backoff_max),
                       cg_const_i64(g, d->breaker_reset), policy(g, n->sink->policy)},
      6);
}

static LLVMValueRef node(cg_ctx *g, const plan_node *n) {
  const ast_decl *src = n->kind == PLAN_SOURCE ? n->source : NULL;
  const ast_conn *c = src ? src->u.source.conn : n->kind == PLAN_SINK ? n->sink->u.sink.conn : NULL;
  static const int kinds[] = {[PLAN_SOURCE] = PIPE_NODE_SOURCE, [PLAN_STAGE] = PIPE_NODE_STAGE,
                              [PLAN_SINK] = PIPE_NODE_SINK, [PLAN_WINDOW] = PIPE_NODE_WINDOW};
  int kind = kinds[n->kind];
  bool has_ops = n->kind == PLAN_STAGE || n->kind == PLAN_WINDOW;
  bool wm = src && src->u.source.wm_field;
  LLVMValueRef f[19] = {
      i32(g, kind), i32(g, n->input), str(g, n->name), i32(g, n->at.line), i32(g, n->at.col),
      schema(g, &n->out), conn(g, c), needed(g, n), policy(g, src ? src->u.source.policy : NULL),
      i32(g, wm ? src->u.source.wm_index : -1), i32(g, 0),
      cg_const_i64(g, wm ? src->u.source.wm_delay_us : 0),
      g->kernels[n->index] ? g->kernels[n->index] : LLVMConstNull(g->t_ptr),
      has_ops ? ops(g, n) : LLVMConstNull(g->t_ptr), i32(g, has_ops ? n->nops : 0),
      i32(g, g->nsites[n->index]),
      g->sites[n->index] ? g->sites[n->index] : LLVMConstNull(g->t_ptr), window(g, n),
      delivery(g, n)};
  return LLVMConstNamedStruct(g->t_node_desc, f, 19);
}

/* A constant default as the text --param would take, or NULL. */
static const char *literal_text(cg_ctx *g, const ast_expr *e) {
  char buf[PIPE_FMT_MAX + 1];
  int n = 0;
  if (!e) return NULL;
  bool neg = false;
  while (e->kind == EXPR_UNARY && e->u.unary.op == UN_NEG) neg = !neg, e = e->u.unary.e;
  switch (e->kind) {
  case EXPR_WIDEN:
    if (e->u.unary.e->kind != EXPR_INT) return NULL;
    n = pipe_fmt_f64((double)(neg ? -e->u.unary.e->u.i : e->u.unary.e->u.i), buf);
    break;
  case EXPR_INT: n = pipe_fmt_i64(neg ? -e->u.i : e->u.i, buf); break;
  case EXPR_FLOAT: n = pipe_fmt_f64(neg ? -e->u.f : e->u.f, buf); break;
  case EXPR_DURATION: n = pipe_fmt_dur(neg ? -e->u.i : e->u.i, buf); break;
  case EXPR_TIMESTAMP: n = pipe_fmt_ts(e->u.i, buf); break;
  case EXPR_BOOL: return e->u.b ? "true" : "false";
  case EXPR_STRING: return arena_strndup(g->a, e->u.str.s, (size_t)e->u.str.len);
  case EXPR_NULL: return "";
  default: return NULL;
  }
  return arena_strndup(g->a, buf, (size_t)n);
}

/* The default of a param as pipe_param_desc.def, or NULL when required. The field, which has
 * no room for anything but text, says "read the environment" with a leading \001 (runtime/src/params.c reads it back):
 *   "\001env\001NAME"             env("NAME"): required when NAME is unset
 *   "\001env\001NAME\001TEXT"      env("NAME") ?? default: TEXT when NAME is unset
 *   "\001lit\001TEXT"             a literal default that itself starts with \001
 * sema allows only [A-Za-z_][A-Za-z0-9_]* as NAME, so the first \001 after it ends it. */
static const char *default_text(cg_ctx *g, const ast_expr *e) {
  if (!e) return NULL;
  const ast_expr *call = e->kind == EXPR_CALL ? e : NULL, *fb = NULL;
  if (e->kind == EXPR_BINARY && e->u.binary.op == BIN_COALESCE &&
      e->u.binary.l->kind == EXPR_CALL)
    call = e->u.binary.l, fb = e->u.binary.r;
  const char *lit = call ? (fb ? literal_text(g, fb) : NULL) : literal_text(g, e);
  if (!call && (!lit || lit[0] != '\001')) return lit;
  const ast_expr *name = call ? call->u.call.args.items[0] : NULL;
  size_t nlen = name ? (size_t)name->u.str.len : 0, llen = lit ? strlen(lit) : 0;
  char *out = arena_alloc(g->a, nlen + llen + 8);
  if (!name) {
    memcpy(out, "\001lit\001", 5);
    memcpy(out + 5, lit, llen + 1);
    return out;
  }
  memcpy(out, "\001env\001", 5);
  memcpy(out + 5, name->u.str.s, nlen);
  out[5 + nlen] = 0;
  if (fb) {
    out[5 + nlen] = '\001';
    memcpy(out + 6 + nlen, lit ? lit : "", llen + 1);
  }
  return out;
}

static LLVMValueRef params(cg_ctx *g) {
  plan_program *p = g->plan;
  LLVMValueRef *rows = arena_alloc(g->a, (p->nparams + 1) * sizeof *rows);
  for (int i = 0; i < p->nparams; i++) {
    const ast_decl *d = p->params[i];
    rows[i] = LLVMConstNamedStruct(
        g->t_param_desc,
        (LLVMValueRef[]){str(g, d->name), i32(g, cg_pipe_type(d->u.param.resolved)),
                         i32(g, d->u.param.resolved.nullable), str(g, default_text(g, d->u.param.def))},
        4);
  }
  return table(g, g->t_param_desc, rows, p->nparams, "params");
}

static void gen_main(cg_ctx *g, LLVMValueRef prog) {
  LLVMTypeRef pm_t = LLVMFunctionType(g->t_i32, (LLVMTypeRef[]){g->t_i32, g->t_ptr, g->t_ptr}, 3, 0);
  LLVMValueRef pm = LLVMGetNamedFunction(g->mod, "pipe_main");
  if (!pm) pm = LLVMAddFunction(g->mod, "pipe_main", pm_t);
  LLVMTypeRef main_t = LLVMFunctionType(g->t_i32, (LLVMTypeRef[]){g->t_i32, g->t_ptr}, 2, 0);
  LLVMValueRef fn = LLVMAddFunction(g->mod, "main", main_t);
  cg_fn_attrs(g, fn);
  LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(g->ctx, fn, "entry");
  LLVMPositionBuilderAtEnd(g->b, bb);
  LLVMValueRef rc = LLVMBuildCall2(g->b, pm_t, pm,
                                   (LLVMValueRef[]){LLVMGetParam(fn, 0), LLVMGetParam(fn, 1), prog}, 3, "rc");
  LLVMBuildRet(g->b, rc);
}

void cg_descriptors(cg_ctx *g, bool with_main) {
  plan_program *p = g->plan;
  LLVMValueRef *rows = arena_alloc(g->a, (p->nnodes + 1) * sizeof *rows);
  for (int i = 0; i < p->nnodes; i++) rows[i] = node(g, p->nodes[i]);
  LLVMValueRef nodes = table(g, g->t_node_desc, rows, p->nnodes, "nodes");
  LLVMValueRef *dead = arena_alloc(g->a, (p->ndead + 1) * sizeof *dead);
  for (int i = 0; i < p->ndead; i++) dead[i] = conn(g, p->dead[i]);
  LLVMValueRef prog_init = LLVMConstNamedStruct(
      g->t_program_desc,
      (LLVMValueRef[]){i32(g, PIPE_ABI_VERSION), i32(g, p->nnodes), str(g, p->file), nodes,
                       params(g), i32(g, p->nparams), i32(g, p->ndead),
                       table(g, g->t_conn_desc, dead, p->ndead, "dead")},
      8);
  const char *name = arena_printf(g->a, "%s_program", g->stem);
  LLVMValueRef prog = LLVMAddGlobal(g->mod, g->t_program_desc, name);
  LLVMSetInitializer(prog, prog_init);
  LLVMSetGlobalConstant(prog, 1);
  if (with_main) gen_main(g, prog);
}
