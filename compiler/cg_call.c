/* cg_call.c: calls in expressions. Builtins lower to LLVM intrinsics (math), inline
 * arithmetic (abs, trunc) or the C functions of pipe/std.h, which take strings as
 * (pointer, length) and return strings through a pipe_str out-parameter (an alloca in the
 * entry block). Conversions that can fail branch to a row error. Extern fns are plain C
 * calls: bool is a byte, i64/timestamp/duration int64_t, f64 double, a string argument a
 * (const char *, int64_t) pair and a string result a pipe_str returned by value.
 * A null argument makes the result null without calling anything. */
#include <string.h>
#include "cg.h"

#define MAX_ARGS 16

typedef struct call {
  const ast_expr *e;
  cg_val a[MAX_ARGS];
  ty t[MAX_ARGS];
  int n;
} call;

LLVMValueRef cg_runtime_fn(cg_ctx *g, const char *name, LLVMTypeRef ret, LLVMTypeRef *args,
                           int nargs) {
  LLVMValueRef fn = LLVMGetNamedFunction(g->mod, name);
  if (!fn) {
    fn = LLVMAddFunction(g->mod, name, LLVMFunctionType(ret, args, (unsigned)nargs, 0));
    unsigned k = LLVMGetEnumAttributeKindForName("nounwind", 8);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(g->ctx, k, 0));
  }
  return fn;
}

static LLVMValueRef call_fn(cg_fn *f, const char *name, LLVMTypeRef ret, LLVMTypeRef *types,
                            LLVMValueRef *args, int n) {
  LLVMValueRef fn = cg_runtime_fn(f->g, name, ret, types, n);
  return LLVMBuildCall2(f->g->b, LLVMGlobalGetValueType(fn), fn, args, (unsigned)n,
                        ret == f->g->t_void ? "" : "call");
}

static LLVMValueRef intrinsic(cg_fn *f, const char *name, LLVMValueRef *args, int n) {
  cg_ctx *g = f->g;
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  LLVMTypeRef t = LLVMTypeOf(args[0]);
  LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, &t, 1);
  return LLVMBuildCall2(g->b, LLVMIntrinsicGetType(g->ctx, id, &t, 1), fn, args, (unsigned)n, "");
}

static cg_val str_result(cg_fn *f, LLVMValueRef out) {
  cg_ctx *g = f->g;
  cg_val r = {NULL, NULL, NULL, -1};
  r.v = LLVMBuildLoad2(g->b, g->t_ptr, LLVMBuildStructGEP2(g->b, g->t_str, out, 0, ""), "s");
  r.len = LLVMBuildLoad2(g->b, g->t_i64, LLVMBuildStructGEP2(g->b, g->t_str, out, 1, ""), "slen");
  return r;
}

static cg_val value(LLVMValueRef v) {
  cg_val r = {v, NULL, NULL, -1};
  return r;
}

/* ---- text ------------------------------------------------------------------------------ */

static cg_val text_call(cg_fn *f, call *c) {
  cg_ctx *g = f->g;
  LLVMTypeRef P = g->t_ptr, I = g->t_i64, V = g->t_void;
  cg_val *a = c->a;
  LLVMValueRef out = NULL;
  switch (c->e->u.call.builtin) {
  case BI_LEN:
    return value(call_fn(f, "pipe_std_len", I, (LLVMTypeRef[]){P, I},
                         (LLVMValueRef[]){a[0].v, a[0].len}, 2));
  case BI_CONTAINS: case BI_STARTS_WITH: case BI_ENDS_WITH: {
    builtin b = c->e->u.call.builtin;
    const char *fn = b == BI_CONTAINS ? "pipe_std_contains"
                     : b == BI_STARTS_WITH ? "pipe_std_starts_with" : "pipe_std_ends_with";
    LLVMValueRef r = call_fn(f, fn, g->t_i8, (LLVMTypeRef[]){P, I, P, I},
                             (LLVMValueRef[]){a[0].v, a[0].len, a[1].v, a[1].len}, 4);
    return value(LLVMBuildICmp(g->b, LLVMIntNE, r, LLVMConstInt(g->t_i8, 0, 0), ""));
  }
  default: break;
  }
  out = cg_entry_alloca(f, g->t_str, "sout");
  switch (c->e->u.call.builtin) {
  case BI_LOWER: case BI_UPPER:
    call_fn(f, c->e->u.call.builtin == BI_LOWER ? "pipe_std_lower" : "pipe_std_upper", V,
            (LLVMTypeRef[]){P, P, I, P}, (LLVMValueRef[]){f->kctx, a[0].v, a[0].len, out}, 4);
    break;
  case BI_TRIM:
    call_fn(f, "pipe_std_trim", V, (LLVMTypeRef[]){P, I, P}, (LLVMValueRef[]){a[0].v, a[0].len, out}, 3);
    break;
  case BI_SUBSTR:
    call_fn(f, "pipe_std_substr", V, (LLVMTypeRef[]){P, I, I, I, P},
            (LLVMValueRef[]){a[0].v, a[0].len, a[1].v, a[2].v, out}, 5);
    break;
  default:   /* BI_REPLACE */
    call_fn(f, "pipe_std_replace", V, (LLVMTypeRef[]){P, P, I, P, I, P, I, P},
            (LLVMValueRef[]){f->kctx, a[0].v, a[0].len, a[1].v, a[1].len, a[2].v, a[2].len, out}, 8);
    break;
  }
  return str_result(f, out);
}

/* ---- numbers and time ----------------------------------------------------------------- */

static cg_val math_call(cg_fn *f, call *c) {
  cg_ctx *g = f->g;
  LLVMValueRef x = c->a[0].v;
  switch (c->e->u.call.builtin) {
  case BI_ABS:
    if (LLVMTypeOf(x) == g->t_f64) return value(intrinsic(f, "llvm.fabs", &x, 1));
    return value(LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, x, cg_const_i64(g, 0), ""),
                                 LLVMBuildSub(g->b, cg_const_i64(g, 0), x, ""), x, "abs"));
  case BI_SQRT: return value(intrinsic(f, "llvm.sqrt", &x, 1));
  case BI_LN: return value(intrinsic(f, "llvm.log", &x, 1));
  case BI_EXP: return value(intrinsic(f, "llvm.exp", &x, 1));
  case BI_POW: return value(intrinsic(f, "llvm.pow", (LLVMValueRef[]){x, c->a[1].v}, 2));
  case BI_FLOOR: return value(intrinsic(f, "llvm.floor", &x, 1));
  case BI_CEIL: return value(intrinsic(f, "llvm.ceil", &x, 1));
  default: return value(intrinsic(f, "llvm.round", &x, 1));
  }
}

/* trunc(ts, d): the start of the d-long bucket holding ts (floor division, so that times
 * before the epoch round down too). */
static cg_val trunc_call(cg_fn *f, call *c) {
  cg_ctx *g = f->g;
  LLVMValueRef ts = c->a[0].v, d = c->a[1].v;
  LLVMValueRef bad = LLVMBuildICmp(g->b, LLVMIntSLE, d, cg_const_i64(g, 0), "baddur");
  cg_fail_if(f, bad, c->e->at, c->a[1].field, "invalid duration");
  LLVMValueRef sd = LLVMBuildSelect(g->b, bad, cg_const_i64(g, 1), d, "");
  LLVMValueRef rem = LLVMBuildSRem(g->b, ts, sd, "");
  LLVMValueRef neg = LLVMBuildICmp(g->b, LLVMIntSLT, rem, cg_const_i64(g, 0), "");
  LLVMValueRef m = LLVMBuildSelect(g->b, neg, LLVMBuildAdd(g->b, rem, sd, ""), rem, "floormod");
  return value(LLVMBuildSub(g->b, ts, m, "trunc"));
}

static cg_val time_call(cg_fn *f, call *c) {
  static const char *names[] = {"pipe_std_year", "pipe_std_month", "pipe_std_day",
                                "pipe_std_hour", "pipe_std_minute"};
  int at = (int)c->e->u.call.builtin - (int)BI_YEAR;
  return value(call_fn(f, names[at], f->g->t_i64, &f->g->t_i64, &c->a[0].v, 1));
}

/* ---- conversions ---------------------------------------------------------------------- */

/* Calls a pipe_std_*_of_* that returns 0 or -1 and writes *out; -1 is a row error. */
static cg_val fallible(cg_fn *f, call *c, const char *fn, LLVMTypeRef res, const char *msg) {
  cg_ctx *g = f->g;
  LLVMValueRef out = cg_entry_alloca(f, res, "conv");
  LLVMValueRef rc;
  if (c->t[0].kind == TY_STRING)
    rc = call_fn(f, fn, g->t_i32, (LLVMTypeRef[]){g->t_ptr, g->t_i64, g->t_ptr},
                 (LLVMValueRef[]){c->a[0].v, c->a[0].len, out}, 3);
  else
    rc = call_fn(f, fn, g->t_i32, (LLVMTypeRef[]){g->t_f64, g->t_ptr},
                 (LLVMValueRef[]){c->a[0].v, out}, 2);
  cg_fail_if(f, LLVMBuildICmp(g->b, LLVMIntNE, rc, cg_const_i32(g, 0), ""), c->e->at,
             c->a[0].field, msg);
  return value(LLVMBuildLoad2(g->b, res, out, "conv"));
}

static cg_val to_string(cg_fn *f, call *c) {
  cg_ctx *g = f->g;
  LLVMTypeRef P = g->t_ptr, V = g->t_void;
  LLVMValueRef x = c->a[0].v, out = cg_entry_alloca(f, g->t_str, "sout");
  switch (c->t[0].kind) {
  case TY_STRING: return c->a[0];
  case TY_BOOL:
    call_fn(f, "pipe_std_str_of_bool", V, (LLVMTypeRef[]){g->t_i8, P},
            (LLVMValueRef[]){LLVMBuildZExt(g->b, x, g->t_i8, ""), out}, 2);
    break;
  case TY_F64:
    call_fn(f, "pipe_std_str_of_f64", V, (LLVMTypeRef[]){P, g->t_f64, P},
            (LLVMValueRef[]){f->kctx, x, out}, 3);
    break;
  default: {
    const char *fn = c->t[0].kind == TY_TIMESTAMP ? "pipe_std_str_of_ts"
                     : c->t[0].kind == TY_DURATION ? "pipe_std_str_of_dur" : "pipe_std_str_of_i64";
    call_fn(f, fn, V, (LLVMTypeRef[]){P, g->t_i64, P}, (LLVMValueRef[]){f->kctx, x, out}, 3);
  }
  }
  return str_result(f, out);
}

static cg_val convert(cg_fn *f, call *c) {
  cg_ctx *g = f->g;
  LLVMValueRef x = c->a[0].v;
  ty_kind from = c->t[0].kind;
  switch (c->e->u.call.builtin) {
  case BI_I64:
    if (from == TY_F64) return fallible(f, c, "pipe_std_i64_of_f64", g->t_i64, "cannot convert to i64");
    if (from == TY_STRING) return fallible(f, c, "pipe_std_i64_of_str", g->t_i64, "cannot convert to i64");
    if (from == TY_BOOL) return value(LLVMBuildZExt(g->b, x, g->t_i64, ""));
    return c->a[0];
  case BI_F64:
    if (from == TY_STRING) return fallible(f, c, "pipe_std_f64_of_str", g->t_f64, "cannot convert to f64");
    if (from == TY_BOOL) return value(LLVMBuildUIToFP(g->b, x, g->t_f64, ""));
    if (from == TY_F64) return c->a[0];
    return value(LLVMBuildSIToFP(g->b, x, g->t_f64, ""));
  case BI_TIMESTAMP:
    if (from == TY_STRING) return fallible(f, c, "pipe_std_ts_of_str", g->t_i64, "invalid timestamp");
    return c->a[0];
  default: return to_string(f, c);
  }
}

/* ---- dispatch ------------------------------------------------------------------------- */

static cg_val builtin_body(cg_fn *f, void *arg) {
  call *c = arg;
  cg_val r;
  switch (c->e->u.call.builtin) {
  case BI_LEN: case BI_LOWER: case BI_UPPER: case BI_TRIM: case BI_CONTAINS:
  case BI_STARTS_WITH: case BI_ENDS_WITH: case BI_SUBSTR: case BI_REPLACE:
    r = text_call(f, c);
    break;
  case BI_YEAR: case BI_MONTH: case BI_DAY: case BI_HOUR: case BI_MINUTE:
    r = time_call(f, c);
    break;
  case BI_TRUNC: r = trunc_call(f, c); break;
  case BI_I64: case BI_F64: case BI_STRING: case BI_TIMESTAMP: r = convert(f, c); break;
  default: r = math_call(f, c); break;
  }
  /* floor/ceil/round typed as i64 by sema: convert, failing on NaN or out of range. */
  if (c->e->type.kind == TY_I64 && LLVMTypeOf(r.v) == f->g->t_f64) {
    call c2 = *c;
    c2.a[0] = r;
    c2.t[0] = (ty){TY_F64, false};
    r = fallible(f, &c2, "pipe_std_i64_of_f64", f->g->t_i64, "cannot convert to i64");
  }
  r.null = NULL;
  r.field = -1;
  return r;
}

static LLVMTypeRef c_type(cg_ctx *g, ty t) {
  if (t.kind == TY_BOOL) return g->t_i8;
  return cg_value_type(g, t);
}

static cg_val extern_body(cg_fn *f, void *arg) {
  cg_ctx *g = f->g;
  call *c = arg;
  const ast_decl *d = c->e->u.call.ext;
  LLVMTypeRef types[2 * MAX_ARGS];
  LLVMValueRef vals[2 * MAX_ARGS];
  int n = 0;
  for (int i = 0; i < c->n; i++) {
    const ast_field *p = d->u.fn.params.items[i];
    ty t = p->resolved;
    types[n] = c_type(g, t);
    vals[n++] = t.kind == TY_BOOL ? LLVMBuildZExt(g->b, c->a[i].v, g->t_i8, "") : c->a[i].v;
    if (t.kind == TY_STRING) types[n] = g->t_i64, vals[n++] = c->a[i].len;
  }
  ty rt = d->u.fn.resolved_ret;
  LLVMTypeRef ret = rt.kind == TY_STRING ? g->t_str : c_type(g, rt);
  LLVMValueRef r = call_fn(f, d->name, ret, types, vals, n);
  cg_val out = {r, NULL, NULL, -1};
  if (rt.kind == TY_BOOL) out.v = LLVMBuildICmp(g->b, LLVMIntNE, r, LLVMConstInt(g->t_i8, 0, 0), "");
  if (rt.kind == TY_STRING) {
    out.v = LLVMBuildExtractValue(g->b, r, 0, "s");
    out.len = LLVMBuildExtractValue(g->b, r, 1, "slen");
  }
  return out;
}

cg_val cg_call(cg_fn *f, const ast_expr *e) {
  call *c = arena_alloc(f->g->a, sizeof *c);
  c->e = e;
  c->n = e->u.call.args.len < MAX_ARGS ? e->u.call.args.len : MAX_ARGS;
  LLVMValueRef anynull = NULL;
  for (int i = 0; i < c->n; i++) {
    const ast_expr *a = e->u.call.args.items[i];
    c->a[i] = cg_expr(f, a);
    c->t[i] = a->type;
    if (a->type.kind == TY_NULL) return cg_zero(f, e->type);
    if (c->a[i].null)
      anynull = anynull ? LLVMBuildOr(f->g->b, anynull, c->a[i].null, "") : c->a[i].null;
  }
  cg_val (*body)(cg_fn *, void *) = e->u.call.builtin != BI_NONE ? builtin_body : extern_body;
  ty t = e->type;
  t.nullable = false;
  return cg_guard(f, anynull, t, body, c);
}
