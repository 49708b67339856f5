/* sema_fold.c: constant folding and tree copies. A node whose operands are literals is
 * replaced in place by its value, computed with the runtime's own functions (pipe/std.h,
 * pipe/abi.h text forms) so that a folded constant equals what the program would compute.
 * Failures that would be row errors at run time are compile errors here: overflow
 * (E0305), integer division by zero (E0306), a bad timestamp text (E0307). */
#include <math.h>
#include <string.h>
#include "pipe/std.h"
#include "sema_internal.h"

bool sema_is_lit(const ast_expr *e) {
  switch (e->kind) {
  case EXPR_INT: case EXPR_FLOAT: case EXPR_STRING: case EXPR_BOOL: case EXPR_NULL:
  case EXPR_DURATION: case EXPR_TIMESTAMP:
    return true;
  default:
    return false;
  }
}

/* ---- results ---- */

static expr_kind lit_kind(ty_kind k) {
  switch (k) {
  case TY_I64: return EXPR_INT;
  case TY_DURATION: return EXPR_DURATION;
  case TY_TIMESTAMP: return EXPR_TIMESTAMP;
  case TY_F64: return EXPR_FLOAT;
  case TY_STRING: return EXPR_STRING;
  default: return EXPR_BOOL;
  }
}

static void set_int(ast_expr *e, int64_t v) {
  e->kind = lit_kind(e->type.kind);
  e->u.i = v;
}

static void set_f64(ast_expr *e, double v) {
  e->kind = EXPR_FLOAT;
  e->u.f = v;
}

static void set_bool(ast_expr *e, bool v) {
  e->kind = EXPR_BOOL;
  e->u.b = v;
}

static void set_str(sema *s, ast_expr *e, const char *p, int64_t n) {
  e->kind = EXPR_STRING;
  e->u.str.s = arena_strndup(s->a, p, (size_t)n);
  e->u.str.len = n;
}

static void set_null(ast_expr *e) {
  e->kind = EXPR_NULL;
}

/* e takes the place of its operand x (if with a constant condition, ?? with a constant
 * left side). A null literal keeps e's type, which says what the null is. */
static void become(ast_expr *e, const ast_expr *x) {
  ty t = e->type;
  span at = e->at;
  *e = *x;
  e->at = at;
  if (x->kind == EXPR_NULL || x->type.kind == TY_NULL) e->type = t;
}

static void overflow(sema *s, ast_expr *e) {
  diag_error(s->d, sema_span(e), DIAG_E0305, "constant overflows i64");
  e->type = ty_make(TY_ERROR, false);
}

/* ---- operators ---- */

static bool fold_int_arith(sema *s, ast_expr *e, int64_t a, int64_t b) {
  int64_t v = 0;
  bool ovf = false;
  switch (e->u.binary.op) {
  case BIN_ADD: ovf = __builtin_add_overflow(a, b, &v); break;
  case BIN_SUB: ovf = __builtin_sub_overflow(a, b, &v); break;
  case BIN_MUL: ovf = __builtin_mul_overflow(a, b, &v); break;
  case BIN_DIV:
  case BIN_MOD:
    if (b == 0) {
      diag_error(s->d, sema_span(e), DIAG_E0306, "%s by zero in a constant",
                 e->u.binary.op == BIN_DIV ? "division" : "remainder");
      e->type = ty_make(TY_ERROR, false);
      return false;
    }
    ovf = a == INT64_MIN && b == -1;
    if (!ovf) v = e->u.binary.op == BIN_DIV ? a / b : a % b;
    break;
  default: return false;
  }
  if (ovf) {
    overflow(s, e);
    return false;
  }
  set_int(e, v);
  return true;
}

static double fval(const ast_expr *x) {
  return x->kind == EXPR_FLOAT ? x->u.f : (double)x->u.i;
}

static void fold_f64_arith(ast_expr *e, double a, double b) {
  switch (e->u.binary.op) {
  case BIN_ADD: set_f64(e, a + b); break;
  case BIN_SUB: set_f64(e, a - b); break;
  case BIN_MUL: set_f64(e, a * b); break;
  case BIN_DIV: set_f64(e, a / b); break;
  default: set_f64(e, fmod(a, b)); break;
  }
}

/* <0, 0, >0 comparing two literals of the same kind. */
static int compare(const ast_expr *l, const ast_expr *r) {
  switch (l->kind) {
  case EXPR_FLOAT: return l->u.f < r->u.f ? -1 : l->u.f > r->u.f ? 1 : 0;
  case EXPR_STRING: return pipe_std_cmp(l->u.str.s, l->u.str.len, r->u.str.s, r->u.str.len);
  case EXPR_BOOL: return (int)l->u.b - (int)r->u.b;
  default: return l->u.i < r->u.i ? -1 : l->u.i > r->u.i ? 1 : 0;
  }
}

static void fold_compare(ast_expr *e, const ast_expr *l, const ast_expr *r) {
  bin_op op = e->u.binary.op;
  bool ln = l->kind == EXPR_NULL, rn = r->kind == EXPR_NULL;
  if (ln || rn) {
    if (op == BIN_EQ) set_bool(e, ln && rn);
    else if (op == BIN_NE) set_bool(e, !(ln && rn));
    else set_null(e);
    return;
  }
  /* NaN compares unequal to everything, itself included. */
  bool nan = l->kind == EXPR_FLOAT && (isnan(l->u.f) || isnan(r->u.f));
  int c = compare(l, r);
  switch (op) {
  case BIN_EQ: set_bool(e, !nan && c == 0); break;
  case BIN_NE: set_bool(e, nan || c != 0); break;
  case BIN_LT: set_bool(e, !nan && c < 0); break;
  case BIN_LE: set_bool(e, !nan && c <= 0); break;
  case BIN_GT: set_bool(e, !nan && c > 0); break;
  default: set_bool(e, !nan && c >= 0); break;
  }
}

/* SQL three-valued logic: false and null = false, true or null = true. */
static void fold_logic(ast_expr *e, const ast_expr *l, const ast_expr *r) {
  int a = l->kind == EXPR_NULL ? -1 : l->u.b, b = r->kind == EXPR_NULL ? -1 : r->u.b;
  bool and = e->u.binary.op == BIN_AND;
  if (and && (a == 0 || b == 0)) set_bool(e, false);
  else if (!and && (a == 1 || b == 1)) set_bool(e, true);
  else if (a < 0 || b < 0) set_null(e);
  else set_bool(e, and);
}

static void fold_binary(sema *s, ast_expr *e) {
  ast_expr *l = e->u.binary.l, *r = e->u.binary.r;
  bin_op op = e->u.binary.op;
  if (op == BIN_COALESCE) {
    if (sema_is_lit(l)) become(e, l->kind == EXPR_NULL ? r : l);
    return;
  }
  if (!sema_is_lit(l) || !sema_is_lit(r)) return;
  if (op >= BIN_EQ && op <= BIN_GE) {
    fold_compare(e, l, r);
  } else if (op == BIN_AND || op == BIN_OR) {
    fold_logic(e, l, r);
  } else if (l->kind == EXPR_NULL || r->kind == EXPR_NULL) {
    set_null(e);
  } else if (e->type.kind == TY_STRING) {
    char *p = arena_alloc(s->a, (size_t)(l->u.str.len + r->u.str.len + 1));
    memcpy(p, l->u.str.s, (size_t)l->u.str.len);
    memcpy(p + l->u.str.len, r->u.str.s, (size_t)r->u.str.len);
    e->kind = EXPR_STRING;
    e->u.str.s = p;
    e->u.str.len = l->u.str.len + r->u.str.len;
  } else if (e->type.kind == TY_F64) {
    fold_f64_arith(e, fval(l), fval(r));
  } else {
    fold_int_arith(s, e, l->u.i, r->u.i);
  }
}

static void fold_unary(sema *s, ast_expr *e) {
  ast_expr *x = e->u.unary.e;
  if (!sema_is_lit(x)) return;
  if (x->kind == EXPR_NULL) set_null(e);
  else if (e->kind == EXPR_WIDEN) set_f64(e, (double)x->u.i);
  else if (e->u.unary.op == UN_NOT) set_bool(e, !x->u.b);
  else if (x->kind == EXPR_FLOAT) set_f64(e, -x->u.f);
  else if (x->u.i == INT64_MIN) overflow(s, e);
  else set_int(e, -x->u.i);
}

static void fold_if(ast_expr *e) {
  ast_expr *c = e->u.cond.c;
  if (!sema_is_lit(c)) return;
  become(e, c->kind == EXPR_BOOL && c->u.b ? e->u.cond.t : e->u.cond.e);
}

/* ---- builtins ---- */

static void map_ascii(sema *s, ast_expr *e, const ast_expr *a, bool up) {
  char *p = arena_strndup(s->a, a->u.str.s, (size_t)a->u.str.len);
  for (int64_t i = 0; i < a->u.str.len; i++) {
    if (up && p[i] >= 'a' && p[i] <= 'z') p[i] = (char)(p[i] - 32);
    if (!up && p[i] >= 'A' && p[i] <= 'Z') p[i] = (char)(p[i] + 32);
  }
  e->kind = EXPR_STRING;
  e->u.str.s = p;
  e->u.str.len = a->u.str.len;
}

static void conv_error(sema *s, ast_expr *e, const ast_expr *a, const char *to) {
  if (e->u.call.builtin == BI_TIMESTAMP) {
    diag_error(s->d, sema_span(a), DIAG_E0307, "invalid timestamp \"%.*s\"",
               (int)a->u.str.len, a->u.str.s);
    diag_hint(s->d, "write RFC 3339 in UTC, e.g. `timestamp(\"2026-01-05T09:30:00Z\")`");
  } else if (a->kind == EXPR_STRING) {
    diag_error(s->d, sema_span(e), DIAG_E0305, "cannot convert \"%.*s\" to %s",
               (int)a->u.str.len, a->u.str.s, to);
  } else {
    diag_error(s->d, sema_span(e), DIAG_E0305, "cannot convert %g to %s", a->u.f, to);
  }
  e->type = ty_make(TY_ERROR, false);
}

static void fold_string_of(sema *s, ast_expr *e, const ast_expr *a) {
  char buf[PIPE_FMT_MAX];
  int n;
  switch (a->kind) {
  case EXPR_STRING: set_str(s, e, a->u.str.s, a->u.str.len); return;
  case EXPR_BOOL: set_str(s, e, a->u.b ? "true" : "false", a->u.b ? 4 : 5); return;
  case EXPR_FLOAT: n = pipe_fmt_f64(a->u.f, buf); break;
  case EXPR_TIMESTAMP: n = pipe_fmt_ts(a->u.i, buf); break;
  case EXPR_DURATION: n = pipe_fmt_dur(a->u.i, buf); break;
  default: n = pipe_fmt_i64(a->u.i, buf); break;
  }
  set_str(s, e, buf, n);
}

static void fold_conv(sema *s, ast_expr *e, const ast_expr *a) {
  int64_t i;
  double f;
  switch (e->u.call.builtin) {
  case BI_I64:
    if (a->kind == EXPR_BOOL) set_int(e, a->u.b);
    else if (a->kind == EXPR_FLOAT && pipe_std_i64_of_f64(a->u.f, &i) != 0)
      conv_error(s, e, a, "i64");
    else if (a->kind == EXPR_FLOAT) set_int(e, i);
    else if (a->kind == EXPR_STRING && pipe_std_i64_of_str(a->u.str.s, a->u.str.len, &i) != 0)
      conv_error(s, e, a, "i64");
    else if (a->kind == EXPR_STRING) set_int(e, i);
    else set_int(e, a->u.i);
    break;
  case BI_F64:
    if (a->kind == EXPR_STRING && pipe_std_f64_of_str(a->u.str.s, a->u.str.len, &f) != 0)
      conv_error(s, e, a, "f64");
    else if (a->kind == EXPR_STRING) set_f64(e, f);
    else set_f64(e, fval(a));
    break;
  case BI_TIMESTAMP:
    if (pipe_std_ts_of_str(a->u.str.s, a->u.str.len, &i) != 0) conv_error(s, e, a, "timestamp");
    else set_int(e, i);
    break;
  default:
    fold_string_of(s, e, a);
    break;
  }
}

static void fold_math(sema *s, ast_expr *e, ast_expr **a) {
  double x = fval(a[0]);
  switch (e->u.call.builtin) {
  case BI_ABS:
    if (a[0]->kind == EXPR_FLOAT) set_f64(e, fabs(x));
    else if (a[0]->u.i == INT64_MIN) overflow(s, e);
    else set_int(e, a[0]->u.i < 0 ? -a[0]->u.i : a[0]->u.i);
    break;
  case BI_SQRT: set_f64(e, sqrt(x)); break;
  case BI_LN: set_f64(e, log(x)); break;
  case BI_EXP: set_f64(e, exp(x)); break;
  case BI_POW: set_f64(e, pow(x, fval(a[1]))); break;
  case BI_FLOOR: set_f64(e, floor(x)); break;
  case BI_CEIL: set_f64(e, ceil(x)); break;
  default: set_f64(e, round(x)); break;
  }
}

/* replace(s, from, to): every non-overlapping `from`, left to right, as pipe_std_replace
 * does (which builds its result in run-time scratch memory, so it cannot be called here). */
static void fold_replace(sema *s, ast_expr *e, ast_expr **a) {
  const char *p = a[0]->u.str.s, *from = a[1]->u.str.s, *to = a[2]->u.str.s;
  int64_t n = a[0]->u.str.len, fn = a[1]->u.str.len, tn = a[2]->u.str.len;
  if (fn == 0) {
    set_str(s, e, p, n);
    return;
  }
  int64_t hits = 0;
  for (int64_t i = 0; i + fn <= n;) {
    if (memcmp(p + i, from, (size_t)fn) == 0) {
      hits++;
      i += fn;
    } else {
      i++;
    }
  }
  int64_t len = n + hits * (tn - fn), o = 0;
  char *out = arena_alloc(s->a, (size_t)len + 1);
  for (int64_t i = 0; i < n;) {
    if (i + fn <= n && memcmp(p + i, from, (size_t)fn) == 0) {
      memcpy(out + o, to, (size_t)tn);
      o += tn;
      i += fn;
    } else {
      out[o++] = p[i++];
    }
  }
  e->kind = EXPR_STRING;
  e->u.str.s = out;
  e->u.str.len = len;
}

static void fold_text(sema *s, ast_expr *e, ast_expr **a) {
  const char *p = a[0]->u.str.s;
  int64_t n = a[0]->u.str.len;
  pipe_str out;
  switch (e->u.call.builtin) {
  case BI_LEN: set_int(e, pipe_std_len(p, n)); break;
  case BI_LOWER: map_ascii(s, e, a[0], false); break;
  case BI_UPPER: map_ascii(s, e, a[0], true); break;
  case BI_TRIM: pipe_std_trim(p, n, &out); set_str(s, e, out.ptr, out.len); break;
  case BI_CONTAINS: set_bool(e, pipe_std_contains(p, n, a[1]->u.str.s, a[1]->u.str.len)); break;
  case BI_STARTS_WITH:
    set_bool(e, pipe_std_starts_with(p, n, a[1]->u.str.s, a[1]->u.str.len));
    break;
  case BI_ENDS_WITH: set_bool(e, pipe_std_ends_with(p, n, a[1]->u.str.s, a[1]->u.str.len)); break;
  case BI_SUBSTR:
    pipe_std_substr(p, n, a[1]->u.i, a[2]->u.i, &out);
    set_str(s, e, out.ptr, out.len);
    break;
  default: fold_replace(s, e, a); break;
  }
}

static void fold_time(ast_expr *e, ast_expr **a) {
  int64_t t = a[0]->u.i;
  switch (e->u.call.builtin) {
  case BI_YEAR: set_int(e, pipe_std_year(t)); break;
  case BI_MONTH: set_int(e, pipe_std_month(t)); break;
  case BI_DAY: set_int(e, pipe_std_day(t)); break;
  case BI_HOUR: set_int(e, pipe_std_hour(t)); break;
  case BI_MINUTE: set_int(e, pipe_std_minute(t)); break;
  default: break;   /* trunc is lowered inline by codegen: left to run time */
  }
}

static void fold_call(sema *s, ast_expr *e) {
  if (e->u.call.builtin == BI_NONE) return;
  ast_expr **a = (ast_expr **)e->u.call.args.items;
  for (int i = 0; i < e->u.call.args.len; i++)
    if (!sema_is_lit(a[i])) return;
  for (int i = 0; i < e->u.call.args.len; i++)
    if (a[i]->kind == EXPR_NULL) {
      set_null(e);
      return;
    }
  switch (e->u.call.builtin) {
  case BI_I64: case BI_F64: case BI_STRING: case BI_TIMESTAMP: fold_conv(s, e, a[0]); break;
  case BI_ABS: case BI_SQRT: case BI_LN: case BI_EXP: case BI_POW: case BI_FLOOR:
  case BI_CEIL: case BI_ROUND:
    fold_math(s, e, a);
    break;
  case BI_YEAR: case BI_MONTH: case BI_DAY: case BI_HOUR: case BI_MINUTE: case BI_TRUNC:
    fold_time(e, a);
    break;
  default: fold_text(s, e, a); break;
  }
}

void sema_fold(sema *s, ast_expr *e) {
  if (ty_is_err(e->type)) return;
  switch (e->kind) {
  case EXPR_UNARY: case EXPR_WIDEN: fold_unary(s, e); break;
  case EXPR_BINARY: fold_binary(s, e); break;
  case EXPR_IF: fold_if(e); break;
  case EXPR_CALL: fold_call(s, e); break;
  default: break;
  }
}

/* ---- copies ---- */

typedef struct cloner {
  sema *s;
  ast_expr **args;
  const span *at;
} cloner;

static ast_expr *copy(cloner *c, const ast_expr *e) {
  if (c->args && e->kind == EXPR_NAME && e->u.name.ref == REF_ARG) {
    cloner plain = {c->s, NULL, NULL};
    return copy(&plain, c->args[e->u.name.index]);
  }
  ast_expr *n = ast_expr_new(c->s->a, e->kind, e->at);
  *n = *e;
  if (c->at) n->at = *c->at;
  switch (e->kind) {
  case EXPR_UNARY: case EXPR_WIDEN: n->u.unary.e = copy(c, e->u.unary.e); break;
  case EXPR_BINARY:
    n->u.binary.l = copy(c, e->u.binary.l);
    n->u.binary.r = copy(c, e->u.binary.r);
    break;
  case EXPR_IF:
    n->u.cond.c = copy(c, e->u.cond.c);
    n->u.cond.t = copy(c, e->u.cond.t);
    n->u.cond.e = copy(c, e->u.cond.e);
    break;
  case EXPR_CALL: {
    ptrvec args = {0};
    for (int i = 0; i < e->u.call.args.len; i++)
      ptrvec_push(c->s->a, &args, copy(c, e->u.call.args.items[i]));
    n->u.call.args = args;
    if (c->at) n->u.call.id_at = *c->at;
    break;
  }
  default: break;
  }
  if (c->args) sema_fold(c->s, n);
  return n;
}

ast_expr *sema_clone(sema *s, const ast_expr *e, ast_expr **args, const span *at) {
  cloner c = {s, args, at};
  return copy(&c, e);
}
