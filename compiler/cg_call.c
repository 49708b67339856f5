/* cg_call.c: calls in expressions. Builtins lower to LLVM intrinsics (math), inline
 * arithmetic (abs, trunc) or the C functions of pipe/std.h, which take strings as
 * (pointer, length) and return strings through a pipe_str out-parameter (an alloca in the
 * entry block). Conversions that can fail branch to a row error. A null argument of a
 * builtin makes the result null without calling anything.
 * Extern fns are C calls with the x86-64 SysV mapping of docs/language.md ("extern fn"):
 * bool a byte the caller zero-extends, i64/timestamp/duration int64_t, f64 double, a string
 * (const char *, int64_t), a nullable value one more bool is_null; a string result is
 * returned as const char * with its length through an int64_t * out-parameter, a nullable
 * result's null flag through a bool * one. Nulls are passed to C, never short-circuited. */
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

/* ---- extern fns ------------------------------------------------------------------------ */

/* The C arguments of one extern call (docs/language.md, "extern fn", has the mapping). */
typedef struct cargs {
  LLVMTypeRef t[3 * MAX_ARGS + 2];
  LLVMValueRef v[3 * MAX_ARGS + 2];
  bool zext[3 * MAX_ARGS + 2];   /* a C bool: the caller extends it, as C compilers do */
  int n;
} cargs;

static void push_carg(cargs *c, LLVMTypeRef t, LLVMValueRef v, bool zext) {
  c->t[c->n] = t;
  c->v[c->n] = v;
  c->zext[c->n++] = zext;
}

static LLVMValueRef c_bool(cg_ctx *g, LLVMValueRef i1) {
  return LLVMBuildZExt(g->b, i1, g->t_i8, "");
}

/* v, or zero when isnull (so that C never sees an undefined value). */
static LLVMValueRef or_zero(cg_ctx *g, LLVMValueRef isnull, LLVMValueRef v) {
  return isnull ? LLVMBuildSelect(g->b, isnull, LLVMConstNull(LLVMTypeOf(v)), v, "") : v;
}

/* A T parameter is one C argument (a string two: pointer, length); a T? one adds a bool
 * is_null. A null value is passed as zeros (a NULL pointer and length 0 for a string). */
static void extern_arg(cg_fn *f, cargs *c, ty t, cg_val a) {
  cg_ctx *g = f->g;
  if (t.kind == TY_STRING) {
    push_carg(c, g->t_ptr, or_zero(g, a.null, a.v), false);
    push_carg(c, g->t_i64, or_zero(g, a.null, a.len), false);
  } else if (t.kind == TY_BOOL) {
    push_carg(c, g->t_i8, c_bool(g, or_zero(g, a.null, a.v)), true);
  } else {
    push_carg(c, cg_value_type(g, t), or_zero(g, a.null, a.v), false);
  }
  if (t.nullable)
    push_carg(c, g->t_i8, c_bool(g, a.null ? a.null : LLVMConstInt(g->t_i1, 0, 0)), true);
}

/* Records a `from` library in the module's named metadata "pipe.extern" as {symbol,
 * linker argument, shared object}: backend.c links it and loads it for the JIT. */
static void note_library(cg_ctx *g, const ast_decl *d) {
  const char *strs[3] = {d->name, d->u.fn.lib_link, d->u.fn.lib_file};
  LLVMMetadataRef md[3];
  for (int i = 0; i < 3; i++) md[i] = LLVMMDStringInContext2(g->ctx, strs[i], strlen(strs[i]));
  LLVMAddNamedMetadataOperand(g->mod, "pipe.extern",
                              LLVMMetadataAsValue(g->ctx, LLVMMDNodeInContext2(g->ctx, md, 3)));
}

static LLVMValueRef extern_decl(cg_ctx *g, const ast_decl *d, LLVMTypeRef ret, cargs *c,
                                bool ret_zext) {
  LLVMValueRef fn = LLVMGetNamedFunction(g->mod, d->name);
  if (fn) return fn;
  fn = cg_runtime_fn(g, d->name, ret, c->t, c->n);
  LLVMAttributeRef zext = LLVMCreateEnumAttribute(g->ctx, LLVMGetEnumAttributeKindForName("zeroext", 7), 0);
  for (int i = 0; i < c->n; i++)
    if (c->zext[i]) LLVMAddAttributeAtIndex(fn, (LLVMAttributeIndex)(i + 1), zext);
  if (ret_zext) LLVMAddAttributeAtIndex(fn, LLVMAttributeReturnIndex, zext);
  if (d->u.fn.lib_link) note_library(g, d);
  return fn;
}

/* An alloca of the entry block set to zero before this call: an out-parameter. */
static LLVMValueRef out_param(cg_fn *f, cargs *c, LLVMTypeRef t, const char *name) {
  LLVMValueRef p = cg_entry_alloca(f, t, name);
  LLVMBuildStore(f->g->b, LLVMConstNull(t), p);
  push_carg(c, f->g->t_ptr, p, false);
  return p;
}

/* A returned string is copied at once into the kernel's scratch memory: the C side owns
 * its bytes only until its next call. A NULL pointer (or a negative length) is the empty
 * string, and a null result has no bytes. */
static cg_val copy_string(cg_fn *f, LLVMValueRef p, LLVMValueRef lenp, LLVMValueRef isnull) {
  cg_ctx *g = f->g;
  LLVMValueRef n = LLVMBuildLoad2(g->b, g->t_i64, lenp, "xlen"), zero = cg_const_i64(g, 0);
  LLVMValueRef empty = LLVMBuildOr(g->b, LLVMBuildIsNull(g->b, p, ""),
                                   LLVMBuildICmp(g->b, LLVMIntSLT, n, zero, ""), "");
  if (isnull) empty = LLVMBuildOr(g->b, empty, isnull, "");
  n = LLVMBuildSelect(g->b, empty, zero, n, "");
  LLVMTypeRef P = g->t_ptr, I = g->t_i64;
  LLVMValueRef dst = call_fn(f, "pipe_rt_scratch", P, (LLVMTypeRef[]){P, I},
                             (LLVMValueRef[]){f->kctx, n}, 2);
  LLVMBuildMemCpy(g->b, dst, 1, p, 1, n);
  cg_val r = {dst, isnull, n, -1};
  return r;
}

static cg_val extern_call(cg_fn *f, call *c) {
  cg_ctx *g = f->g;
  const ast_decl *d = c->e->u.call.ext;
  cargs ca = {.n = 0};
  for (int i = 0; i < c->n; i++) {
    const ast_field *p = d->u.fn.params.items[i];
    extern_arg(f, &ca, p->resolved, c->a[i]);
  }
  ty rt = d->u.fn.resolved_ret;
  LLVMValueRef lenp = rt.kind == TY_STRING ? out_param(f, &ca, g->t_i64, "xlenp") : NULL;
  LLVMValueRef nullp = rt.nullable ? out_param(f, &ca, g->t_i8, "xnullp") : NULL;
  LLVMTypeRef ret = rt.kind == TY_STRING ? g->t_ptr
                    : rt.kind == TY_BOOL ? g->t_i8 : cg_value_type(g, rt);
  LLVMValueRef fn = extern_decl(g, d, ret, &ca, rt.kind == TY_BOOL);
  LLVMValueRef r = LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn, ca.v, (unsigned)ca.n, "x");
  LLVMValueRef isnull = nullp ? LLVMBuildICmp(g->b, LLVMIntNE, LLVMBuildLoad2(g->b, g->t_i8, nullp, ""),
                                              LLVMConstInt(g->t_i8, 0, 0), "xnull")
                              : NULL;
  if (rt.kind == TY_STRING) return copy_string(f, r, lenp, isnull);
  if (rt.kind == TY_BOOL) r = LLVMBuildICmp(g->b, LLVMIntNE, r, LLVMConstInt(g->t_i8, 0, 0), "");
  cg_val out = {r, isnull, NULL, -1};
  return out;
}

cg_val cg_call(cg_fn *f, const ast_expr *e) {
  call *c = arena_alloc(f->g->a, sizeof *c);
  c->e = e;
  c->n = e->u.call.args.len < MAX_ARGS ? e->u.call.args.len : MAX_ARGS;
  if (e->u.call.ext) {   /* nulls cross to C: no guard */
    for (int i = 0; i < c->n; i++) c->a[i] = cg_expr(f, e->u.call.args.items[i]);
    return extern_call(f, c);
  }
  LLVMValueRef anynull = NULL;
  for (int i = 0; i < c->n; i++) {
    const ast_expr *a = e->u.call.args.items[i];
    c->a[i] = cg_expr(f, a);
    c->t[i] = a->type;
    if (a->type.kind == TY_NULL) return cg_zero(f, e->type);
    if (c->a[i].null)
      anynull = anynull ? LLVMBuildOr(f->g->b, anynull, c->a[i].null, "") : c->a[i].null;
  }
  ty t = e->type;
  t.nullable = false;
  return cg_guard(f, anynull, t, builtin_body, c);
}
