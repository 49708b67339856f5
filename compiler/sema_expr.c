/* sema_expr.c: types of expressions. Resolves names (fields, fn arguments, params, consts),
 * types operators with the one implicit conversion (i64 widens to f64, made explicit with
 * EXPR_WIDEN), propagates nullability, and folds every node whose operands are literals.
 * A node whose operand is poisoned is poisoned silently. */
#include <string.h>
#include "sema_internal.h"

static ast_expr *poison(ast_expr *e) {
  e->type = ty_make(TY_ERROR, false);
  return e;
}

/* ---- spans ---- */

span sema_span_join(span a, span b) {
  if (!a.file || a.file != b.file || a.line != b.line) return a.file ? a : b;
  int start = a.col < b.col ? a.col : b.col;
  int end = a.col + a.len > b.col + b.len ? a.col + a.len : b.col + b.len;
  a.col = start;
  a.len = end - start;
  return a;
}

span sema_span(const ast_expr *e) {
  span s = e->at;
  switch (e->kind) {
  case EXPR_UNARY:
  case EXPR_WIDEN:
    return sema_span_join(s, sema_span(e->u.unary.e));
  case EXPR_BINARY:
    s = sema_span_join(s, sema_span(e->u.binary.l));
    return sema_span_join(s, sema_span(e->u.binary.r));
  case EXPR_IF:
    s = sema_span_join(s, sema_span(e->u.cond.c));
    s = sema_span_join(s, sema_span(e->u.cond.t));
    return sema_span_join(s, sema_span(e->u.cond.e));
  case EXPR_CALL:
    s = sema_span_join(s, e->u.call.id_at);
    for (int i = 0; i < e->u.call.args.len; i++)
      s = sema_span_join(s, sema_span(e->u.call.args.items[i]));
    return s;
  default:
    return s;
  }
}

/* ---- conversions ---- */

ast_expr *sema_widen(sema *s, ast_expr *e) {
  ast_expr *w = ast_expr_new(s->a, EXPR_WIDEN, e->at);
  w->u.unary.e = e;
  w->type = ty_make(TY_F64, e->type.nullable);
  sema_fold(s, w);
  return w;
}

ast_expr *sema_convert(sema *s, ast_expr *e, ty_kind want) {
  if (e->type.kind == TY_NULL) {
    e->type = ty_make(want, true);
    return e;
  }
  if (e->type.kind == want) return e;
  if (e->type.kind == TY_I64 && want == TY_F64) return sema_widen(s, e);
  return NULL;
}

/* ---- names ---- */

static ast_expr *use_const(sema *s, ast_expr *e, ast_decl *d) {
  if (d->u.cnst.state == ST_BUSY) {
    diag_error(s->d, e->at, DIAG_E0208, "const `%s` is defined in terms of itself", d->name);
    diag_note(s->d, d->name_at, "`%s` is declared here", d->name);
    d->u.cnst.state = ST_POISON;
    return poison(e);
  }
  sema_check_const(s, d);
  d->uses++;
  if (d->u.cnst.state != ST_DONE) return poison(e);
  return sema_clone(s, d->u.cnst.value, NULL, &e->at);
}

static ast_expr *use_param(sema *s, const scope *sc, ast_expr *e, ast_decl *d) {
  if (sc->kind == SCOPE_CONST) {
    diag_error(s->d, e->at, DIAG_E0305, "`%s` is a param, not a constant", d->name);
    diag_hint(s->d, "params are known only when the program runs; use `%s` in the flow "
              "itself, or make it a const", d->name);
    return poison(e);
  }
  d->uses++;
  e->u.name.ref = REF_PARAM;
  e->u.name.index = d->u.param.index;
  e->u.name.decl = d;
  e->type = d->u.param.resolved;
  return e;
}

static bool has_row(const scope *sc) {
  return sc->kind == SCOPE_ROW || sc->kind == SCOPE_AGG;
}

static void name_cands(sema *s, const scope *sc, ptrvec *c) {
  if (has_row(sc) && sc->row)
    for (int i = 0; i < sc->row->nfields; i++)
      ptrvec_push(s->a, c, (void *)sc->row->fields[i].name);
  if (sc->kind == SCOPE_FN && sc->fn)
    for (int i = 0; i < sc->fn->u.fn.params.len; i++)
      ptrvec_push(s->a, c, (void *)((ast_field *)sc->fn->u.fn.params.items[i])->name);
  unsigned mask = 1u << DECL_CONST;
  if (sc->kind != SCOPE_CONST) mask |= 1u << DECL_PARAM;
  sema_cands_decls(s, c, mask);
}

static ast_expr *unknown_name(sema *s, const scope *sc, ast_expr *e) {
  const char *id = e->u.name.id;
  ast_decl *d = sema_lookup(s, id);
  if (d && sema_is_dup(s, id)) return poison(e);
  if (d) {
    diag_error(s->d, e->at, DIAG_E0201, "`%s` is %s %s, not a value", id,
               d->kind == DECL_EXTERN ? "an" : "a", decl_kind_name(d->kind));
    return poison(e);
  }
  if (sema_agg_arg_name(s, sc, e)) return poison(e);   /* a key or bound of the window */
  diag_error(s->d, e->at, DIAG_E0201, "unknown name `%s`", id);
  ptrvec c = {0};
  name_cands(s, sc, &c);
  const char *m = sema_closest(id, &c);
  if (m) diag_hint(s->d, "did you mean `%s`?", m);
  else if (sc->kind == SCOPE_FN && sc->fn)
    diag_hint(s->d, "a fn body sees its arguments, consts and params, not the fields of a row");
  return poison(e);
}

static ast_expr *check_name(sema *s, const scope *sc, ast_expr *e) {
  const char *id = e->u.name.id;
  if (sc->kind == SCOPE_FN && sc->fn) {
    ptrvec *ps = &sc->fn->u.fn.params;
    for (int i = 0; i < ps->len; i++) {
      ast_field *f = ps->items[i];
      if (strcmp(f->name, id) != 0) continue;
      e->u.name.ref = REF_ARG;
      e->u.name.index = i;
      e->type = f->resolved;
      return e;
    }
  }
  if (has_row(sc) && sc->row) {
    int i = row_find(sc->row, id);
    if (i >= 0) {
      e->u.name.ref = REF_FIELD;
      e->u.name.index = i;
      e->type = sc->row->fields[i].type;
      return e;
    }
  }
  /* An input field hides a param of its name in a row, so it does outside an aggregate. */
  if (sc->kind == SCOPE_AGG && sema_agg_name(s, sc, e)) return poison(e);
  ast_decl *d = sema_lookup(s, id);
  if (d && d->kind == DECL_CONST) return use_const(s, e, d);
  if (d && d->kind == DECL_PARAM) return use_param(s, sc, e, d);
  if (has_row(sc) && !sc->row) return poison(e);   /* unknown row: reported */
  return unknown_name(s, sc, e);
}

/* ---- operators ---- */

static bool bad(const ast_expr *e) {
  return ty_is_err(e->type);
}

static void null_misuse(sema *s, ast_expr *n, const char *what) {
  diag_error(s->d, sema_span(n), DIAG_E0300, "`null` cannot be used %s", what);
  diag_hint(s->d, "`null` fits where a nullable value is expected: `x ?? null`, "
                  "`if c then x else null`, `x == null`");
}

static ast_expr *check_unary(sema *s, const scope *sc, ast_expr *e) {
  ast_expr *x = e->u.unary.e = sema_expr(s, sc, e->u.unary.e);
  if (bad(x)) return poison(e);
  ty_kind k = x->type.kind;
  char b[32];
  if (e->u.unary.op == UN_NOT) {
    if (k != TY_BOOL) {
      diag_error(s->d, sema_span(x), DIAG_E0300, "`not` needs a `bool`, found `%s`",
                 ty_str(x->type, b));
      return poison(e);
    }
  } else if (k != TY_I64 && k != TY_F64 && k != TY_DURATION) {
    diag_error(s->d, sema_span(x), DIAG_E0300, "cannot negate `%s`", ty_str(x->type, b));
    return poison(e);
  }
  e->type = x->type;
  sema_fold(s, e);
  return e;
}

/* i64 and f64 operands: widen the i64 side. Returns the common kind. */
static ty_kind unify_num(sema *s, ast_expr *e) {
  ast_expr **l = &e->u.binary.l, **r = &e->u.binary.r;
  ty_kind lk = (*l)->type.kind, rk = (*r)->type.kind;
  if (lk == TY_I64 && rk == TY_F64) *l = sema_widen(s, *l);
  if (lk == TY_F64 && rk == TY_I64) *r = sema_widen(s, *r);
  return (*l)->type.kind;
}

static ty_kind arith_result(bin_op op, ty_kind l, ty_kind r) {
  if (ty_is_num(l) && ty_is_num(r)) return l == TY_F64 || r == TY_F64 ? TY_F64 : TY_I64;
  bool add = op == BIN_ADD, sub = op == BIN_SUB;
  if (add && l == TY_STRING && r == TY_STRING) return TY_STRING;
  if ((add || sub) && l == TY_TIMESTAMP && r == TY_DURATION) return TY_TIMESTAMP;
  if (add && l == TY_DURATION && r == TY_TIMESTAMP) return TY_TIMESTAMP;
  if (sub && l == TY_TIMESTAMP && r == TY_TIMESTAMP) return TY_DURATION;
  if ((add || sub) && l == TY_DURATION && r == TY_DURATION) return TY_DURATION;
  if (op == BIN_MUL && ((l == TY_DURATION && r == TY_I64) || (l == TY_I64 && r == TY_DURATION)))
    return TY_DURATION;
  if (op == BIN_DIV && l == TY_DURATION && r == TY_I64) return TY_DURATION;
  return TY_ERROR;
}

static void arith_error(sema *s, ast_expr *e) {
  ast_expr *l = e->u.binary.l, *r = e->u.binary.r;
  char a[32], b[32];
  ty_str(l->type, a);
  ty_str(r->type, b);
  span at = sema_span(e);
  switch (e->u.binary.op) {
  case BIN_ADD: diag_error(s->d, at, DIAG_E0300, "cannot add `%s` and `%s`", a, b); break;
  case BIN_SUB: diag_error(s->d, at, DIAG_E0300, "cannot subtract `%s` from `%s`", b, a); break;
  case BIN_MUL: diag_error(s->d, at, DIAG_E0300, "cannot multiply `%s` by `%s`", a, b); break;
  case BIN_DIV: diag_error(s->d, at, DIAG_E0300, "cannot divide `%s` by `%s`", a, b); break;
  default: diag_error(s->d, at, DIAG_E0300, "cannot compute `%s` %% `%s`", a, b); break;
  }
  ty_kind lk = l->type.kind, rk = r->type.kind;
  bool ls = lk == TY_STRING, rs = rk == TY_STRING;
  if (e->u.binary.op == BIN_ADD && ls != rs && (ls || rs))
    diag_hint(s->d, "convert with `string(...)` to concatenate");
  else if ((ls && ty_is_num(rk)) || (rs && ty_is_num(lk)))
    diag_hint(s->d, "convert with `f64(...)` or `i64(...)`");
  else if ((lk == TY_TIMESTAMP && ty_is_num(rk)) || (rk == TY_TIMESTAMP && ty_is_num(lk)))
    diag_hint(s->d, "add or subtract a duration such as `5s`");
  else if ((lk == TY_DURATION && rk == TY_F64) || (rk == TY_DURATION && lk == TY_F64))
    diag_hint(s->d, "a duration can be multiplied or divided by an `i64`: convert with "
                    "`i64(...)`");
}

static ast_expr *check_arith(sema *s, ast_expr *e) {
  ast_expr *l = e->u.binary.l, *r = e->u.binary.r;
  if (l->type.kind == TY_NULL || r->type.kind == TY_NULL) {
    null_misuse(s, l->type.kind == TY_NULL ? l : r, "in arithmetic");
    return poison(e);
  }
  ty_kind k = arith_result(e->u.binary.op, l->type.kind, r->type.kind);
  if (k == TY_ERROR) {
    arith_error(s, e);
    return poison(e);
  }
  if (ty_is_num(l->type.kind) && ty_is_num(r->type.kind)) unify_num(s, e);
  e->type = ty_make(k, l->type.nullable || r->type.nullable);
  return e;
}

static bool comparable(ty_kind k, bool ordered) {
  if (k == TY_BOOL) return !ordered;
  return k == TY_I64 || k == TY_F64 || k == TY_STRING || k == TY_TIMESTAMP ||
         k == TY_DURATION;
}

static ast_expr *check_compare(sema *s, ast_expr *e) {
  bin_op op = e->u.binary.op;
  bool ordered = op != BIN_EQ && op != BIN_NE;
  ast_expr *l = e->u.binary.l, *r = e->u.binary.r;
  char a[32], b[32];
  if (!ordered && (l->type.kind == TY_NULL || r->type.kind == TY_NULL)) {
    ast_expr *n = l->type.kind == TY_NULL ? l : r, *o = n == l ? r : l;
    n->type = ty_make(o->type.kind == TY_NULL ? TY_BOOL : o->type.kind, true);
    e->type = ty_make(TY_BOOL, false);
    return e;
  }
  if (l->type.kind == TY_NULL || r->type.kind == TY_NULL) {
    null_misuse(s, l->type.kind == TY_NULL ? l : r, "in an ordering comparison");
    return poison(e);
  }
  if (ty_is_num(l->type.kind) && ty_is_num(r->type.kind)) unify_num(s, e);
  l = e->u.binary.l;
  r = e->u.binary.r;
  if (l->type.kind != r->type.kind || !comparable(l->type.kind, ordered)) {
    diag_error(s->d, sema_span(e), DIAG_E0300, "cannot compare `%s` with `%s` using `%s`",
               ty_str(l->type, a), ty_str(r->type, b), bin_op_name(op));
    if (l->type.kind == TY_STRING || r->type.kind == TY_STRING)
      diag_hint(s->d, "convert with `string(...)`, `i64(...)` or `f64(...)` first");
    return poison(e);
  }
  /* == and != are null-safe: null == null is true, null == value is false. */
  e->type = ty_make(TY_BOOL, ordered && (l->type.nullable || r->type.nullable));
  return e;
}

static ast_expr *check_logic(sema *s, ast_expr *e) {
  ast_expr *l = e->u.binary.l, *r = e->u.binary.r;
  char a[32];
  ast_expr *sides[2] = {l, r};
  bool ok = true;
  for (int i = 0; i < 2; i++) {
    if (sides[i]->type.kind == TY_BOOL) continue;
    ok = false;
    if (bad(sides[i])) continue;
    diag_error(s->d, sema_span(sides[i]), DIAG_E0300, "`%s` needs `bool` operands, found `%s`",
               bin_op_name(e->u.binary.op), ty_str(sides[i]->type, a));
    if (ty_is_num(sides[i]->type.kind)) diag_hint(s->d, "compare it, e.g. `x > 0`");
  }
  if (!ok) return poison(e);
  e->type = ty_make(TY_BOOL, l->type.nullable || r->type.nullable);
  return e;
}

static ast_expr *check_coalesce(sema *s, ast_expr *e) {
  ast_expr *l = e->u.binary.l, *r = e->u.binary.r;
  char a[32], b[32];
  if (l->type.kind == TY_NULL && r->type.kind == TY_NULL) {
    null_misuse(s, e, "on both sides of `??`");
    return poison(e);
  }
  if (l->type.kind == TY_NULL) {
    l->type = ty_make(r->type.kind, true);
  } else if (r->type.kind == TY_NULL) {
    r->type = ty_make(l->type.kind, true);
  } else if (ty_is_num(l->type.kind) && ty_is_num(r->type.kind)) {
    unify_num(s, e);
  }
  l = e->u.binary.l;
  r = e->u.binary.r;
  if (l->type.kind != r->type.kind) {
    diag_error(s->d, sema_span(r), DIAG_E0300, "the default after `??` is `%s`, but the value "
               "is `%s`", ty_str(r->type, b), ty_str(l->type, a));
    return poison(e);
  }
  e->type = ty_make(l->type.kind, r->type.nullable);
  return e;
}

static ast_expr *check_binary(sema *s, const scope *sc, ast_expr *e) {
  e->u.binary.l = sema_expr(s, sc, e->u.binary.l);
  e->u.binary.r = sema_expr(s, sc, e->u.binary.r);
  bin_op op = e->u.binary.op;
  /* Each side of and/or must be bool on its own, so one bad side does not hide the other. */
  if (op == BIN_AND || op == BIN_OR) {
    e = check_logic(s, e);
    if (!bad(e)) sema_fold(s, e);
    return e;
  }
  if (bad(e->u.binary.l) || bad(e->u.binary.r)) return poison(e);
  switch (op) {
  case BIN_ADD: case BIN_SUB: case BIN_MUL: case BIN_DIV: case BIN_MOD:
    e = check_arith(s, e);
    break;
  case BIN_EQ: case BIN_NE: case BIN_LT: case BIN_LE: case BIN_GT: case BIN_GE:
    e = check_compare(s, e);
    break;
  case BIN_AND: case BIN_OR:
    e = check_logic(s, e);
    break;
  case BIN_COALESCE:
    e = check_coalesce(s, e);
    break;
  }
  if (!bad(e)) sema_fold(s, e);
  return e;
}

static ast_expr *check_if(sema *s, const scope *sc, ast_expr *e) {
  ast_expr *c = e->u.cond.c = sema_expr(s, sc, e->u.cond.c);
  ast_expr *t = e->u.cond.t = sema_expr(s, sc, e->u.cond.t);
  ast_expr *f = e->u.cond.e = sema_expr(s, sc, e->u.cond.e);
  if (bad(c) || bad(t) || bad(f)) return poison(e);
  char a[32], b[32];
  if (c->type.kind != TY_BOOL) {
    diag_error(s->d, sema_span(c), DIAG_E0301, "the condition of `if` must be `bool`, found "
               "`%s`", ty_str(c->type, a));
    return poison(e);
  }
  if (t->type.kind == TY_NULL && f->type.kind == TY_NULL) {
    null_misuse(s, e, "in both branches of `if`");
    return poison(e);
  }
  if (t->type.kind == TY_NULL) t->type = ty_make(f->type.kind, true);
  if (f->type.kind == TY_NULL) f->type = ty_make(t->type.kind, true);
  if (t->type.kind == TY_I64 && f->type.kind == TY_F64) t = e->u.cond.t = sema_widen(s, t);
  if (t->type.kind == TY_F64 && f->type.kind == TY_I64) f = e->u.cond.e = sema_widen(s, f);
  if (t->type.kind != f->type.kind) {
    diag_error(s->d, sema_span(f), DIAG_E0300, "the branches of `if` differ: `then` is `%s`, "
               "`else` is `%s`", ty_str(t->type, a), ty_str(f->type, b));
    return poison(e);
  }
  e->type = ty_make(t->type.kind, t->type.nullable || f->type.nullable);
  sema_fold(s, e);
  return e;
}

ast_expr *sema_expr(sema *s, const scope *sc, ast_expr *e) {
  switch (e->kind) {
  case EXPR_INT: e->type = ty_make(TY_I64, false); return e;
  case EXPR_FLOAT: e->type = ty_make(TY_F64, false); return e;
  case EXPR_STRING: e->type = ty_make(TY_STRING, false); return e;
  case EXPR_BOOL: e->type = ty_make(TY_BOOL, false); return e;
  case EXPR_NULL: e->type = ty_make(TY_NULL, true); return e;
  case EXPR_DURATION: e->type = ty_make(TY_DURATION, false); return e;
  case EXPR_TIMESTAMP: e->type = ty_make(TY_TIMESTAMP, false); return e;
  case EXPR_NAME: return check_name(s, sc, e);
  case EXPR_UNARY: return check_unary(s, sc, e);
  case EXPR_BINARY: return check_binary(s, sc, e);
  case EXPR_IF: return check_if(s, sc, e);
  case EXPR_CALL: return sema_call(s, sc, e);
  case EXPR_WIDEN:
    e->u.unary.e = sema_expr(s, sc, e->u.unary.e);
    e->type = ty_make(TY_F64, e->u.unary.e->type.nullable);
    return e;
  }
  return poison(e);
}
