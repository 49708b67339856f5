/* sema_ffi.c: calling extern fns at compile time. A const's value must fold to a literal;
 * when it calls an extern fn with constant arguments (directly, or in the body of a fn
 * inlined into it), the C function is called here through libffi with the C signature
 * the generated code uses (docs/language.md, "extern fn"), and the call is replaced by
 * its result. Only consts are folded so: anywhere else a call to an extern stays a call
 * at run time, once per row. The function runs inside pipec: it must be pure, as every
 * extern must, and a crash in it is a crash of the compiler. */
#include <ffi.h>
#include <string.h>
#include "sema_ffi.h"

/* Each parameter is at most three C arguments (string?: pointer, length, is_null); the
 * result adds at most two out-parameters. */
#define MAX_C_ARGS 64

typedef union cval {
  uint8_t b;
  int64_t i;
  double f;
  const void *p;
} cval;

typedef struct ccall {
  ffi_type *types[MAX_C_ARGS];
  void *vals[MAX_C_ARGS];
  cval store[MAX_C_ARGS];
  int n;
  int64_t out_len;     /* a string result's length */
  uint8_t out_null;    /* a nullable result's is_null */
} ccall;

static void push(ccall *c, ffi_type *t, cval v) {
  if (c->n >= MAX_C_ARGS) return;   /* sema_ffi_fold refuses such a call first */
  c->store[c->n] = v;
  c->types[c->n] = t;
  c->vals[c->n] = &c->store[c->n];
  c->n++;
}

/* One argument a (a literal, possibly null) for a parameter of type t. */
static void push_arg(ccall *c, ty t, const ast_expr *a) {
  bool null = a->kind == EXPR_NULL;
  switch (t.kind) {
  case TY_STRING:
    push(c, &ffi_type_pointer, (cval){.p = null ? "" : a->u.str.s});
    push(c, &ffi_type_sint64, (cval){.i = null ? 0 : a->u.str.len});
    break;
  case TY_BOOL: push(c, &ffi_type_uint8, (cval){.b = !null && a->u.b}); break;
  case TY_F64:
    push(c, &ffi_type_double,
         (cval){.f = null ? 0.0 : a->kind == EXPR_FLOAT ? a->u.f : (double)a->u.i});
    break;
  default: push(c, &ffi_type_sint64, (cval){.i = null ? 0 : a->u.i}); break;
  }
  if (t.nullable) push(c, &ffi_type_uint8, (cval){.b = null});
}

static ffi_type *ret_type(ty t) {
  switch (t.kind) {
  case TY_STRING: return &ffi_type_pointer;
  case TY_BOOL: return &ffi_type_uint8;
  case TY_F64: return &ffi_type_double;
  default: return &ffi_type_sint64;
  }
}

/* e, a call of extern d, becomes the literal the C function returned. */
static void set_result(sema *s, ast_expr *e, const ccall *c, ty rt, const void *rv) {
  if (rt.nullable && c->out_null) {
    e->kind = EXPR_NULL;
    return;
  }
  switch (rt.kind) {
  case TY_STRING: {
    const char *p = *(const char *const *)rv;
    int64_t n = p && c->out_len > 0 ? c->out_len : 0;   /* NULL: the empty string */
    e->kind = EXPR_STRING;
    e->u.str.s = arena_strndup(s->a, n ? p : "", (size_t)n);
    e->u.str.len = n;
    break;
  }
  case TY_BOOL:
    e->kind = EXPR_BOOL;
    e->u.b = (*(const ffi_arg *)rv & 0xff) != 0;
    break;
  case TY_F64:
    e->kind = EXPR_FLOAT;
    e->u.f = *(const double *)rv;
    break;
  default:
    e->kind = rt.kind == TY_TIMESTAMP ? EXPR_TIMESTAMP
              : rt.kind == TY_DURATION ? EXPR_DURATION : EXPR_INT;
    e->u.i = *(const int64_t *)rv;
    break;
  }
}

static bool poison(ast_expr *e) {
  e->type = ty_make(TY_ERROR, false);
  return false;
}

/* A call of an extern whose arguments are all literals: call it. */
bool sema_ffi_calls = true;

static bool call_extern(sema *s, ast_expr *e) {
  const ast_decl *d = e->u.call.ext;
  if (d->u.fn.lib_bad) return poison(e);   /* E0317 or E0318 said so */
  if (!sema_ffi_calls) {
    diag_error(s->d, e->u.call.id_at, DIAG_E0318, "`%s` is not called at compile time here",
               d->name);
    return poison(e);
  }
  void *fn = sema_ffi_symbol(d);
  if (!fn) {
    diag_error(s->d, e->u.call.id_at, DIAG_E0318, "`%s` is not a function pipec can call "
               "at compile time", d->name);
    diag_hint(s->d, "a const calls its extern fns while compiling; an extern without "
              "`from \"LIB\"` must be in the C library or libm, which pipec links");
    return poison(e);
  }
  ccall c = {0};
  const ptrvec *ps = &d->u.fn.params;
  for (int i = 0; i < ps->len; i++) {
    const ast_field *f = ps->items[i];
    push_arg(&c, f->resolved, e->u.call.args.items[i]);
  }
  ty rt = d->u.fn.resolved_ret;
  if (rt.kind == TY_STRING) push(&c, &ffi_type_pointer, (cval){.p = &c.out_len});
  if (rt.nullable) push(&c, &ffi_type_pointer, (cval){.p = &c.out_null});
  ffi_cif cif;
  if (c.n >= MAX_C_ARGS ||
      ffi_prep_cif(&cif, FFI_DEFAULT_ABI, (unsigned)c.n, ret_type(rt), c.types) != FFI_OK) {
    diag_error(s->d, e->u.call.id_at, DIAG_E0305, "cannot call `%s` at compile time: too "
               "many arguments", d->name);
    return poison(e);
  }
  union { ffi_arg a; double f; int64_t i; void *p; } rv = {0};
  ffi_call(&cif, FFI_FN(fn), &rv, c.vals);
  set_result(s, e, &c, rt, &rv);
  return true;
}

/* Folds e's operands, then e; false when something below is poisoned. Branches that a
 * constant condition (or a non-null left side of `??`) leaves out are not evaluated, so
 * that their extern calls are not made. */
static bool fold(sema *s, ast_expr *e) {
  if (ty_is_err(e->type)) return false;
  bool ok = true;
  switch (e->kind) {
  case EXPR_UNARY: case EXPR_WIDEN: ok = fold(s, e->u.unary.e); break;
  case EXPR_BINARY: {
    ast_expr *l = e->u.binary.l;
    ok = fold(s, l);
    bool skip = e->u.binary.op == BIN_COALESCE && sema_is_lit(l) && l->kind != EXPR_NULL;
    if (ok && !skip) ok = fold(s, e->u.binary.r);
    break;
  }
  case EXPR_IF: {
    ast_expr *c = e->u.cond.c;
    ok = fold(s, c);
    if (ok && sema_is_lit(c)) ok = fold(s, c->kind == EXPR_BOOL && c->u.b ? e->u.cond.t : e->u.cond.e);
    break;
  }
  case EXPR_CALL: {
    bool lits = true;
    for (int i = 0; i < e->u.call.args.len; i++) {
      ast_expr *a = e->u.call.args.items[i];
      ok = fold(s, a) && ok;
      lits = lits && sema_is_lit(a);
    }
    if (ok && lits && e->u.call.ext) return call_extern(s, e);
    break;
  }
  default: return true;
  }
  if (!ok) return poison(e);
  sema_fold(s, e);
  return !ty_is_err(e->type);
}

ast_expr *sema_ffi_fold(sema *s, ast_expr *e) {
  fold(s, e);
  return e;
}
