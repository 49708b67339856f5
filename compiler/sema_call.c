/* sema_call.c: calls. Aggregate functions (sum, count, ...) go to sema_agg.c before
 * anything else. Built-in functions are typed from the table below (null-propagating: a
 * nullable argument makes the result nullable); calls to a user `fn` are checked against
 * its signature and inlined (its checked body copied with the arguments substituted);
 * calls to an `extern fn` stay calls with call.ext set. */
#include <string.h>
#include "sema_internal.h"

/* Argument kinds beyond the value types: NUM is i64 or f64 (the result has the same
 * kind), FLT is f64 with i64 widened, ANY accepts the kinds in `conv`. */
enum { K_NUM = 100, K_FLT, K_ANY };

typedef struct bi_sig {
  builtin b;
  int nargs;
  int args[3];
  int ret;             /* a ty_kind, or K_NUM: the kind of the first argument */
  unsigned conv;       /* K_ANY: accepted kinds, bits 1 << ty_kind */
  const char *sig;     /* the parameter list for messages */
} bi_sig;

#define B(k) (1u << (k))
static const bi_sig sigs[] = {
  {BI_LEN, 1, {TY_STRING}, TY_I64, 0, "string"},
  {BI_LOWER, 1, {TY_STRING}, TY_STRING, 0, "string"},
  {BI_UPPER, 1, {TY_STRING}, TY_STRING, 0, "string"},
  {BI_TRIM, 1, {TY_STRING}, TY_STRING, 0, "string"},
  {BI_CONTAINS, 2, {TY_STRING, TY_STRING}, TY_BOOL, 0, "string, needle: string"},
  {BI_STARTS_WITH, 2, {TY_STRING, TY_STRING}, TY_BOOL, 0, "string, prefix: string"},
  {BI_ENDS_WITH, 2, {TY_STRING, TY_STRING}, TY_BOOL, 0, "string, suffix: string"},
  {BI_SUBSTR, 3, {TY_STRING, TY_I64, TY_I64}, TY_STRING, 0, "string, start: i64, count: i64"},
  {BI_REPLACE, 3, {TY_STRING, TY_STRING, TY_STRING}, TY_STRING, 0,
   "string, from: string, to: string"},
  {BI_ABS, 1, {K_NUM}, K_NUM, 0, "i64 or f64"},
  {BI_SQRT, 1, {K_FLT}, TY_F64, 0, "f64"},
  {BI_LN, 1, {K_FLT}, TY_F64, 0, "f64"},
  {BI_EXP, 1, {K_FLT}, TY_F64, 0, "f64"},
  {BI_POW, 2, {K_FLT, K_FLT}, TY_F64, 0, "f64, f64"},
  {BI_FLOOR, 1, {K_FLT}, TY_F64, 0, "f64"},
  {BI_CEIL, 1, {K_FLT}, TY_F64, 0, "f64"},
  {BI_ROUND, 1, {K_FLT}, TY_F64, 0, "f64"},
  {BI_YEAR, 1, {TY_TIMESTAMP}, TY_I64, 0, "timestamp"},
  {BI_MONTH, 1, {TY_TIMESTAMP}, TY_I64, 0, "timestamp"},
  {BI_DAY, 1, {TY_TIMESTAMP}, TY_I64, 0, "timestamp"},
  {BI_HOUR, 1, {TY_TIMESTAMP}, TY_I64, 0, "timestamp"},
  {BI_MINUTE, 1, {TY_TIMESTAMP}, TY_I64, 0, "timestamp"},
  {BI_TRUNC, 2, {TY_TIMESTAMP, TY_DURATION}, TY_TIMESTAMP, 0, "timestamp, duration"},
  {BI_I64, 1, {K_ANY}, TY_I64,
   B(TY_BOOL) | B(TY_I64) | B(TY_F64) | B(TY_STRING) | B(TY_TIMESTAMP) | B(TY_DURATION),
   "bool, i64, f64, string, timestamp or duration"},
  {BI_F64, 1, {K_ANY}, TY_F64, B(TY_I64) | B(TY_F64) | B(TY_STRING), "i64, f64 or string"},
  {BI_STRING, 1, {K_ANY}, TY_STRING,
   B(TY_BOOL) | B(TY_I64) | B(TY_F64) | B(TY_STRING) | B(TY_TIMESTAMP) | B(TY_DURATION),
   "any value"},
  {BI_TIMESTAMP, 1, {TY_STRING}, TY_TIMESTAMP, 0, "string"},
};

static const bi_sig *sig_of(builtin b) {
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if (sigs[i].b == b) return &sigs[i];
  return NULL;
}

static ast_expr *poison(ast_expr *e) {
  e->type = ty_make(TY_ERROR, false);
  return e;
}

/* Checks every argument; false if one is poisoned. */
static bool check_args(sema *s, const scope *sc, ast_expr *e) {
  bool ok = true;
  ptrvec *args = &e->u.call.args;
  for (int i = 0; i < args->len; i++) {
    args->items[i] = sema_expr(s, sc, args->items[i]);
    if (ty_is_err(((ast_expr *)args->items[i])->type)) ok = false;
  }
  return ok;
}

static bool count_ok(sema *s, ast_expr *e, int want, const char *sig) {
  int n = e->u.call.args.len;
  if (n == want) return true;
  diag_error(s->d, sema_span(e), DIAG_E0303, "`%s` takes %d argument%s (%s), found %d",
             e->u.call.id, want, want == 1 ? "" : "s", sig, n);
  return false;
}

/* One builtin argument against its kind; returns the converted argument or NULL. */
static ast_expr *builtin_arg(sema *s, ast_expr *call, const bi_sig *g, int i, ast_expr *a) {
  int want = g->args[i];
  ty_kind k = a->type.kind;
  ast_expr *c = NULL;
  if (want == K_NUM) c = ty_is_num(k) ? a : NULL;
  else if (want == K_FLT) c = k == TY_NULL ? NULL : sema_convert(s, a, TY_F64);
  else if (want == K_ANY) c = (g->conv & B(k)) ? a : NULL;
  else if (k != TY_NULL) c = sema_convert(s, a, (ty_kind)want);
  if (c) return c;
  char b[32];
  const char *w = want == K_NUM ? "i64` or `f64" : want == K_FLT ? "f64" :
                  want == K_ANY ? NULL : ty_kind_name((ty_kind)want);
  if (w)
    diag_error(s->d, sema_span(a), DIAG_E0304, "argument %d of `%s` must be `%s`, found `%s`",
               i + 1, call->u.call.id, w, ty_str(a->type, b));
  else
    diag_error(s->d, sema_span(a), DIAG_E0304, "`%s` cannot convert `%s` (it takes %s)",
               call->u.call.id, ty_str(a->type, b), g->sig);
  if (g->b == BI_F64 && k == TY_TIMESTAMP) diag_hint(s->d, "use `f64(i64(x))` for microseconds");
  else if (k == TY_NULL) diag_hint(s->d, "`null` has no type here");
  return NULL;
}

static ast_expr *call_builtin(sema *s, ast_expr *e, builtin b) {
  const bi_sig *g = sig_of(b);
  e->u.call.builtin = b;
  if (!count_ok(s, e, g->nargs, g->sig)) return poison(e);
  bool nullable = false, ok = true;
  for (int i = 0; i < g->nargs; i++) {
    ast_expr *a = builtin_arg(s, e, g, i, e->u.call.args.items[i]);
    if (!a) {
      ok = false;
      continue;
    }
    e->u.call.args.items[i] = a;
    nullable |= a->type.nullable;
  }
  if (!ok) return poison(e);
  ast_expr *first = e->u.call.args.items[0];
  ty_kind r = g->ret == K_NUM ? first->type.kind : (ty_kind)g->ret;
  e->type = ty_make(r, nullable);
  sema_fold(s, e);
  return e;
}

/* Checks arguments against a fn or extern signature; false if one is wrong. */
static bool fn_args(sema *s, ast_expr *e, ast_decl *fn) {
  ptrvec *ps = &fn->u.fn.params;
  ptrvec *args = &e->u.call.args;
  if (args->len != ps->len) {
    char *sig = "";
    char b[32];
    for (int i = 0; i < ps->len; i++) {
      ast_field *f = ps->items[i];
      sig = arena_printf(s->a, "%s%s%s: %s", sig, i ? ", " : "", f->name,
                         ty_str(f->resolved, b));
    }
    count_ok(s, e, ps->len, sig);
    diag_note(s->d, fn->name_at, "`%s` is declared here", fn->name);
    return false;
  }
  bool ok = true;
  for (int i = 0; i < ps->len; i++) {
    ast_field *f = ps->items[i];
    ast_expr *a = args->items[i];
    if (ty_is_err(f->resolved)) {
      ok = false;
      continue;
    }
    char b1[32], b2[32];
    ast_expr *c = sema_convert(s, a, f->resolved.kind);
    if (!c) {
      diag_error(s->d, sema_span(a), DIAG_E0304, "argument `%s` of `%s` must be `%s`, found "
                 "`%s`", f->name, fn->name, ty_str(f->resolved, b1), ty_str(a->type, b2));
      ok = false;
      continue;
    }
    if (c->type.nullable && !f->resolved.nullable) {
      diag_error(s->d, sema_span(a), DIAG_E0302, "argument `%s` of `%s` is `%s`, but this "
                 "value may be null", f->name, fn->name, ty_str(f->resolved, b1));
      diag_hint(s->d, "use `??` to give a default");
      ok = false;
      continue;
    }
    args->items[i] = c;
  }
  return ok;
}

static ast_expr *call_fn(sema *s, ast_expr *e, ast_decl *fn) {
  fn->uses++;
  e->u.call.fn = fn;
  if (fn->u.fn.state == ST_BUSY) {
    diag_error(s->d, e->u.call.id_at, DIAG_E0208, "`%s` calls itself", fn->name);
    diag_note(s->d, fn->name_at, "`%s` is declared here", fn->name);
    diag_hint(s->d, "fns are inlined, so they cannot be recursive");
    return poison(e);
  }
  sema_check_fn_body(s, fn);
  if (!fn_args(s, e, fn) || fn->u.fn.state != ST_DONE) return poison(e);
  /* The body was converted to the return type when it was checked. */
  return sema_clone(s, fn->u.fn.body, (ast_expr **)e->u.call.args.items, &e->at);
}

static ast_expr *call_extern(sema *s, ast_expr *e, ast_decl *fn) {
  fn->uses++;
  e->u.call.ext = fn;
  if (!fn_args(s, e, fn) || ty_is_err(fn->u.fn.resolved_ret)) return poison(e);
  e->type = fn->u.fn.resolved_ret;
  return e;
}

static ast_expr *unknown_fn(sema *s, const scope *sc, ast_expr *e, ast_decl *d) {
  const char *id = e->u.call.id;
  if (d && sema_is_dup(s, id)) return poison(e);
  if (d) {
    diag_error(s->d, e->u.call.id_at, DIAG_E0204, "`%s` is %s %s, not a function", id,
               d->kind == DECL_EXTERN ? "an" : "a", decl_kind_name(d->kind));
    return poison(e);
  }
  diag_error(s->d, e->u.call.id_at, DIAG_E0204, "unknown function `%s`", id);
  ptrvec c = {0};
  for (int b = 1; b < BI__COUNT; b++) ptrvec_push(s->a, &c, (void *)builtin_name(b));
  if (sc->kind == SCOPE_AGG)
    for (int a = 1; a < AGG__COUNT; a++) ptrvec_push(s->a, &c, (void *)agg_fn_name(a));
  sema_cands_decls(s, &c, (1u << DECL_FN) | (1u << DECL_EXTERN));
  sema_hint_closest(s, id, &c);
  return poison(e);
}

ast_expr *sema_call(sema *s, const scope *sc, ast_expr *e) {
  agg_fn a = agg_fn_lookup(e->u.call.id);   /* aggregates come first: their own scope */
  if (a != AGG_NONE) return sema_agg_call(s, sc, e, a);
  builtin b = builtin_lookup(e->u.call.id);
  ast_decl *d = sema_lookup(s, e->u.call.id);
  bool known = b != BI_NONE || (d && (d->kind == DECL_FN || d->kind == DECL_EXTERN));
  /* In a window's items a misspelt aggregate's argument would only be E0314. */
  if (!known && sc->kind == SCOPE_AGG) return unknown_fn(s, sc, e, d);
  if (!check_args(s, sc, e)) return poison(e);
  if (b != BI_NONE) return call_builtin(s, e, b);
  if (d && d->kind == DECL_FN) return call_fn(s, e, d);
  if (d && d->kind == DECL_EXTERN) return call_extern(s, e, d);
  if (!d && strcmp(e->u.call.id, "env") == 0) {
    /* sema_decl reads env("NAME") as a param default before it gets here */
    diag_error(s->d, e->u.call.id_at, DIAG_E0204, "`env` can only be the default of a param");
    diag_hint(s->d, "the environment is read once, when the program starts: "
              "param password: string = env(\"PGPASSWORD\")");
    return poison(e);
  }
  return unknown_fn(s, sc, e, d);
}
