/* sema_agg.c: aggregate calls (`count() sum min max avg first last stddev`). Inside an
 * item of a window or aggregate (SCOPE_AGG) a call is typed from the table below, its
 * argument checked against the window's input row, and it becomes a column of the
 * window's `mid` row: the call is replaced by the EXPR_NAME of that column, so that the
 * item is an expression over `mid` (ast.h's checked form). Structurally equal calls share
 * one column. Anywhere else, and inside another aggregate's argument, a call is E0313.
 * Outside aggregate calls an item may not use input fields that are not keys (E0314);
 * inside one, an argument sees only the input row, and naming a key or a window bound
 * there says so (E0201). */
#include <string.h>
#include "sema_internal.h"

#define K(k) (1u << (k))
#define K_ALL (K(TY_BOOL) | K(TY_I64) | K(TY_F64) | K(TY_STRING) | K(TY_TIMESTAMP) | \
               K(TY_DURATION))
#define K_NUM (K(TY_I64) | K(TY_F64))

enum { R_SAME = -1 };   /* the result has the argument's kind */

typedef struct agg_sig {
  agg_fn fn;
  unsigned kinds;       /* accepted argument kinds */
  int ret;              /* a ty_kind, or R_SAME */
  const char *takes;    /* the accepted kinds, for messages */
} agg_sig;

static const agg_sig sigs[] = {
  {AGG_COUNT, K_ALL, TY_I64, "any value"},
  {AGG_SUM, K_NUM | K(TY_DURATION), R_SAME, "`i64`, `f64` or `duration`"},
  {AGG_MIN, K_ALL, R_SAME, "any value"},
  {AGG_MAX, K_ALL, R_SAME, "any value"},
  {AGG_AVG, K_NUM, TY_F64, "`i64` or `f64`"},
  {AGG_FIRST, K_ALL, R_SAME, "any value"},
  {AGG_LAST, K_ALL, R_SAME, "any value"},
  {AGG_STDDEV, K_NUM, TY_F64, "`i64` or `f64`"},
};

static const agg_sig *sig_of(agg_fn fn) {
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if (sigs[i].fn == fn) return &sigs[i];
  return &sigs[0];
}

static ast_expr *poison(ast_expr *e) {
  e->type = ty_make(TY_ERROR, false);
  return e;
}

/* ---- misplaced calls (E0313) ---- */

static ast_expr *misplaced(sema *s, const scope *sc, ast_expr *e, agg_fn fn) {
  const char *name = agg_fn_name(fn);
  if (sc->agg) {
    diag_error(s->d, e->at, DIAG_E0313, "`%s` inside the argument of `%s`", name,
               sc->agg->u.call.id);
    diag_hint(s->d, "aggregates do not nest: the argument of `%s` is computed for each row; "
              "combine aggregates outside it instead, e.g. `sum(a) / count()`",
              sc->agg->u.call.id);
    return poison(e);
  }
  if (sc->keys) {
    diag_error(s->d, e->at, DIAG_E0313, "aggregate `%s` in a key", name);
    diag_hint(s->d, "keys are computed for each row, before grouping; put `%s` in the "
              "items between `{ }`", name);
    return poison(e);
  }
  diag_error(s->d, e->at, DIAG_E0313, "aggregate `%s` outside a window", name);
  if (sc->kind == SCOPE_FN)
    diag_hint(s->d, "a fn computes one value from its arguments: call `%s` in a window's "
              "items and pass the result to the fn", name);
  else
    diag_hint(s->d, "aggregates combine the rows of a group: use them in the items of "
              "`window KIND [by KEYS] { ... }` or `aggregate [by KEYS] { ... }`");
  return poison(e);
}

/* ---- types ---- */

/* The call's argument, checked against the window's input; NULL for count() or when
 * wrong (*ok false, reported). */
static ast_expr *check_arg(sema *s, sema_win *w, ast_expr *e, const agg_sig *g, bool *ok) {
  ptrvec *args = &e->u.call.args;
  int n = args->len;
  *ok = false;
  if (n > 1 || (n == 0 && g->fn != AGG_COUNT)) {
    if (g->fn == AGG_COUNT) {
      diag_error(s->d, sema_span(e), DIAG_E0303, "`count` takes 0 or 1 arguments, found %d", n);
      diag_hint(s->d, "`count()` counts the rows of a group, `count(x)` those where `x` is "
                      "not null");
    } else {
      diag_error(s->d, sema_span(e), DIAG_E0303, "`%s` takes 1 argument (%s), found %d",
                 e->u.call.id, g->takes, n);
    }
    return NULL;
  }
  if (n == 0) {
    *ok = true;
    return NULL;
  }
  scope sc = {.kind = SCOPE_ROW, .row = w->in, .agg = e, .win = w};
  ast_expr *a = args->items[0] = sema_expr(s, &sc, args->items[0]);
  if (ty_is_err(a->type)) return NULL;
  char b[32];
  if (a->type.kind == TY_NULL) {
    diag_error(s->d, sema_span(a), DIAG_E0304, "the argument of `%s` cannot be `null`",
               e->u.call.id);
    diag_hint(s->d, "`null` has no type here");
    return NULL;
  }
  if (!(g->kinds & K(a->type.kind))) {
    diag_error(s->d, sema_span(a), DIAG_E0304, "`%s` takes %s, found `%s`", e->u.call.id,
               g->takes, ty_str(a->type, b));
    if (a->type.kind == TY_DURATION)
      diag_hint(s->d, "`i64(d)` gives a duration's microseconds");
    return NULL;
  }
  *ok = true;
  return a;
}

static ty result_type(const agg_sig *g, const ast_expr *arg) {
  if (g->fn == AGG_COUNT) return ty_make(TY_I64, false);
  if (g->fn == AGG_STDDEV) return ty_make(TY_F64, true);   /* null below two values */
  ty_kind k = g->ret == R_SAME ? arg->type.kind : (ty_kind)g->ret;
  return ty_make(k, arg->type.nullable);   /* null only when every value is */
}

/* ---- sharing columns ---- */

static bool same_expr(const ast_expr *a, const ast_expr *b);

static bool same_args(const ptrvec *a, const ptrvec *b) {
  if (a->len != b->len) return false;
  for (int i = 0; i < a->len; i++)
    if (!same_expr(a->items[i], b->items[i])) return false;
  return true;
}

/* Whether two checked expressions compute the same value on every row. */
static bool same_expr(const ast_expr *a, const ast_expr *b) {
  if (!a || !b) return a == b;
  if (a->kind != b->kind || a->type.kind != b->type.kind ||
      a->type.nullable != b->type.nullable)
    return false;
  switch (a->kind) {
  case EXPR_INT: case EXPR_DURATION: case EXPR_TIMESTAMP: return a->u.i == b->u.i;
  case EXPR_FLOAT: return memcmp(&a->u.f, &b->u.f, sizeof a->u.f) == 0;
  case EXPR_STRING:
    return a->u.str.len == b->u.str.len &&
           memcmp(a->u.str.s, b->u.str.s, (size_t)a->u.str.len) == 0;
  case EXPR_BOOL: return a->u.b == b->u.b;
  case EXPR_NULL: return true;
  case EXPR_NAME: return a->u.name.ref == b->u.name.ref && a->u.name.index == b->u.name.index;
  case EXPR_UNARY:
    return a->u.unary.op == b->u.unary.op && same_expr(a->u.unary.e, b->u.unary.e);
  case EXPR_WIDEN: return same_expr(a->u.unary.e, b->u.unary.e);
  case EXPR_BINARY:
    return a->u.binary.op == b->u.binary.op && same_expr(a->u.binary.l, b->u.binary.l) &&
           same_expr(a->u.binary.r, b->u.binary.r);
  case EXPR_IF:
    return same_expr(a->u.cond.c, b->u.cond.c) && same_expr(a->u.cond.t, b->u.cond.t) &&
           same_expr(a->u.cond.e, b->u.cond.e);
  case EXPR_CALL:
    return a->u.call.builtin == b->u.call.builtin && a->u.call.ext == b->u.call.ext &&
           same_args(&a->u.call.args, &b->u.call.args);
  }
  return false;
}

/* The column's name: the call as written (`sum(qty)`), which no field name can be, so a
 * row error in the items shows readable names; made unique with `#2`, `#3` ... */
static const char *column_name(sema *s, sema_win *w, const ast_expr *e) {
  const char *text = NULL;
  const src_file *f = e->at.file;
  if (f && f->text) {
    const char *p = f->text;
    for (int l = 1; l < e->at.line && p; l++) {
      p = strchr(p, '\n');
      if (p) p++;
    }
    if (p && e->at.col >= 1 && e->at.len > 0 && p[e->at.col - 1 + e->at.len - 1] == ')')
      text = arena_strndup(s->a, p + e->at.col - 1, (size_t)e->at.len);
  }
  if (!text) text = arena_printf(s->a, "%s(...)", e->u.call.id);
  const char *name = text;
  for (int k = 2; row_find(w->mid, name) >= 0; k++) name = arena_printf(s->a, "%s#%d", text, k);
  return arena_intern(s->a, name, strlen(name));
}

/* The mid column of the call (fn, arg): an existing one, or a new one. */
static int call_column(sema *s, sema_win *w, ast_expr *e, agg_fn fn, ast_expr *arg, ty t) {
  ptrvec *calls = &w->op->u.window.calls;
  for (int i = 0; i < calls->len; i++) {
    ast_agg_call *c = calls->items[i];
    if (c->fn == fn && same_expr(c->arg, arg)) return w->nfixed + i;
  }
  ast_agg_call *c = arena_alloc(s->a, sizeof *c);
  c->at = e->at;
  c->fn = fn;
  c->arg = arg;
  c->type = t;
  ptrvec_push(s->a, calls, c);
  sema_win_add(s, w, column_name(s, w, e), t);
  return w->mid->nfields - 1;
}

ast_expr *sema_agg_call(sema *s, const scope *sc, ast_expr *e, agg_fn fn) {
  if (sc->kind != SCOPE_AGG) return misplaced(s, sc, e, fn);
  sema_win *w = sc->win;
  const agg_sig *g = sig_of(fn);
  bool ok;
  ast_expr *arg = check_arg(s, w, e, g, &ok);
  if (!ok || !w->in) return poison(e);
  ty t = result_type(g, arg);
  int col = call_column(s, w, e, fn, arg, t);
  ast_expr *n = ast_expr_new(s->a, EXPR_NAME, e->at);
  n->u.name.id = w->mid->fields[col].name;
  n->u.name.ref = REF_FIELD;
  n->u.name.index = col;
  n->type = t;
  return n;
}

/* ---- fields outside aggregates (E0314) ---- */

/* The key that is a plain copy of input field i (`by sym = symbol`), or NULL. */
static const ast_sel_item *key_of_field(const sema_win *w, int i) {
  const ptrvec *keys = &w->op->u.window.keys;
  for (int k = 0; k < keys->len; k++) {
    const ast_sel_item *it = keys->items[k];
    const ast_expr *v = it->value;
    if (it->name && v && v->kind == EXPR_NAME && v->u.name.ref == REF_FIELD &&
        v->u.name.index == i)
      return it;
  }
  return NULL;
}

static bool window_time(sema *s, const sema_win *w, ast_expr *e) {
  const char *id = e->u.name.id;
  if (w->op->kind != OP_AGGREGATE ||
      (strcmp(id, "window_start") != 0 && strcmp(id, "window_end") != 0))
    return false;
  diag_error(s->d, e->at, DIAG_E0201, "`aggregate` has no `%s`", id);
  diag_hint(s->d, "`aggregate` groups the whole input; `window_start` and `window_end` are "
                  "the bounds of a `window`");
  return true;
}

bool sema_agg_name(sema *s, const scope *sc, ast_expr *e) {
  sema_win *w = sc->win;
  if (!w || !w->in) return false;
  const char *id = e->u.name.id;
  int i = row_find(w->in, id);
  if (i < 0) return window_time(s, w, e);
  diag_error(s->d, e->at, DIAG_E0314, "field `%s` is used outside an aggregate", id);
  const ast_sel_item *key = key_of_field(w, i);
  if (key)
    diag_hint(s->d, "`%s` is the key `%s` here: write `%s`", id, key->name, key->name);
  else
    diag_hint(s->d, "an output row stands for a group of rows: wrap `%s` in an aggregate "
              "such as `first(%s)`, or add it to `by`", id, id);
  return true;
}

/* ---- keys and bounds inside an argument (E0201) ---- */

/* The key of w named id, or NULL. */
static const ast_sel_item *key_named(const sema_win *w, const char *id) {
  const ptrvec *keys = &w->op->u.window.keys;
  for (int k = 0; k < keys->len; k++) {
    const ast_sel_item *it = keys->items[k];
    if (it->name && strcmp(it->name, id) == 0) return it;
  }
  return NULL;
}

bool sema_agg_arg_name(sema *s, const scope *sc, ast_expr *e) {
  const sema_win *w = sc->win;
  if (!sc->agg || !w) return false;
  const char *id = e->u.name.id, *fn = sc->agg->u.call.id;
  const ast_sel_item *key = key_named(w, id);
  if (key) {
    diag_error(s->d, e->at, DIAG_E0201, "key `%s` inside the argument of `%s`", id, fn);
    diag_note(s->d, key->at, "the key `%s` is defined here", id);
    const ast_expr *v = key->value;
    if (v && v->kind == EXPR_NAME && v->u.name.ref == REF_FIELD)
      diag_hint(s->d, "the argument is computed from each input row, where the key is `%s`: "
                "write `%s(%s)`", v->u.name.id, fn, v->u.name.id);
    else
      diag_hint(s->d, "the argument is computed from each input row, before grouping: repeat "
                "the key's expression there, or use `%s` outside the aggregate", id);
    return true;
  }
  if (strcmp(id, "window_start") != 0 && strcmp(id, "window_end") != 0) return false;
  if (w->op->kind == OP_AGGREGATE) return window_time(s, w, e);
  diag_error(s->d, e->at, DIAG_E0201, "`%s` inside the argument of `%s`", id, fn);
  diag_hint(s->d, "`%s` is one value for the whole window, not a field of its rows: use it "
            "outside the aggregate, e.g. `%s - min(%s)`", id, id,
            w->in && w->op->u.window.ts_index >= 0 ?
            w->in->fields[w->op->u.window.ts_index].name : "ts");
  return true;
}
