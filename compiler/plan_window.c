/* plan_window.c: what the plan adds for a window or aggregate operator. Its PREP op is a
 * synthetic select that computes the row the runtime groups: the keys, the event time
 * (windows only) and the arguments of the aggregate calls, in call order
 * (pipe_window_desc). An argument that is a plain input field shares the column of an
 * earlier key, time or argument copying the same field, so `min(price), max(price)`
 * copy price once. Columns have readable names, because dead-letter rows of late rows
 * show them: a key's output name, the event-time field's name, an argument's field name,
 * and for a computed argument the call as written (`sum(qty * price)`, its mid column's
 * name). Names stay distinct, since a select finds an output's item by name; the
 * fallbacks contain a dot or a parenthesis, which no identifier does. An f64 key is
 * computed as `key + 0.0`, so that both zeros group and print as 0. */
#include <string.h>
#include "plan.h"

int plan_ts_col(const ast_op *w) {
  if (w->u.window.kind == WIN_ALL || w->u.window.ts_index < 0) return -1;
  return w->u.window.keys.len;
}

int plan_arg_col(const plan_node *n, int c) { return n->arg_cols[c]; }

typedef struct prep {
  arena *a;
  ast_op *op;
  row_type *out;
  int *copy_of;           /* per column: the input field it copies, or -1 */
} prep;

static bool taken(const prep *p, const char *name) {
  for (int i = 0; i < p->out->nfields; i++)
    if (strcmp(p->out->fields[i].name, name) == 0) return true;
  return false;
}

/* The input field e copies as it is, or -1. */
static int copied_field(const ast_expr *e) {
  return e->kind == EXPR_NAME && e->u.name.ref == REF_FIELD ? e->u.name.index : -1;
}

static int add_col(prep *p, const char *name, const char *fallback, ty t, ast_expr *value,
                   span at) {
  if (taken(p, name)) name = fallback;
  name = arena_intern(p->a, name, strlen(name));
  ast_sel_item *it = arena_alloc(p->a, sizeof *it);
  it->at = at;
  it->kind = copied_field(value) >= 0 ? SEL_FIELD : SEL_EXPR;
  it->name = name;
  it->value = value;
  ptrvec_push(p->a, &p->op->u.select.items, it);
  p->copy_of[p->out->nfields] = copied_field(value);
  p->out->fields[p->out->nfields++] = (row_field){name, t};
  return p->out->nfields - 1;
}

/* A field of the window's input as an expression, for the event-time column. */
static ast_expr *field_ref(arena *a, const ast_op *w, int index) {
  ast_expr *e = ast_expr_new(a, EXPR_NAME, w->at);
  e->u.name.id = w->in.fields[index].name;
  e->u.name.ref = REF_FIELD;
  e->u.name.index = index;
  e->type = w->in.fields[index].type;
  return e;
}

/* The column of a call's argument: an earlier copy of the same field, or a new one. */
static int arg_col(prep *p, const ast_op *w, const ast_agg_call *call, int c) {
  int field = copied_field(call->arg);
  for (int j = 0; field >= 0 && j < p->out->nfields; j++)
    if (p->copy_of[j] == field) return j;
  /* The call's mid column is named as the call is written (`sum(qty * price)`). */
  const row_type *mid = &w->u.window.mid;
  const char *fallback = mid->fields[mid->nfields - w->u.window.calls.len + c].name;
  const char *name = field >= 0 ? w->in.fields[field].name : fallback;
  return add_col(p, name, fallback, call->arg->type, call->arg, call->at);
}

/* An f64 key as the runtime should group it. Grouping takes -0.0 for 0.0, and a group's
 * key is the value of the row that made the key: with both zeros the output would depend
 * on which came first and how long the key lived (batch sizes), so the key column holds
 * v + 0.0, which is 0.0 for either zero (and v for every other value, NaN included). */
static ast_expr *canonical_key(arena *a, ast_expr *v) {
  if (v->type.kind != TY_F64) return v;
  ast_expr *zero = ast_expr_new(a, EXPR_FLOAT, v->at);
  zero->u.f = 0.0;
  zero->type = (ty){TY_F64, false};
  ast_expr *e = ast_expr_new(a, EXPR_BINARY, v->at);
  e->u.binary.op = BIN_ADD;
  e->u.binary.l = v;
  e->u.binary.r = zero;
  e->type = v->type;
  return e;
}

ast_op *plan_prep_op(arena *a, const ast_op *w, int *arg_cols) {
  const ptrvec *keys = &w->u.window.keys, *calls = &w->u.window.calls;
  int cap = keys->len + 1 + calls->len + 1;
  prep p = {.a = a, .op = ast_op_new(a, OP_SELECT, w->at), .copy_of = arena_alloc(a, cap * sizeof(int))};
  p.op->policy = w->policy;
  p.op->in = w->in;
  p.out = &p.op->out;
  p.out->fields = arena_alloc(a, cap * sizeof(row_field));
  for (int k = 0; k < keys->len; k++) {
    ast_sel_item *key = keys->items[k];
    ty t = k < w->out.nfields ? w->out.fields[k].type : key->value->type;
    add_col(&p, key->name, arena_printf(a, "key.%d", k + 1), t, canonical_key(a, key->value),
            key->at);
  }
  int ts = w->u.window.ts_index;
  if (plan_ts_col(w) >= 0) {
    const char *name = w->in.fields[ts].name;
    add_col(&p, name, arena_printf(a, "%s.time", name), w->in.fields[ts].type,
            field_ref(a, w, ts), w->at);
  }
  for (int c = 0; c < calls->len; c++) {
    const ast_agg_call *call = calls->items[c];
    arg_cols[c] = call->arg ? arg_col(&p, w, call, c) : -1;
  }
  return p.op;
}
