/* sema_flow.c: lets, bare flows and their operators. Follows the rows from a source (its
 * schema) or a let through each operator, setting op->in and op->out, checks operator
 * expressions against the input row, expands `select { ... }` into one item per output
 * field, and checks the shape of flows: a bare flow ends in a sink, a let does not, and
 * nothing follows a sink. A row that cannot be known (after an error) is NULL: names
 * looked up in it are silently poisoned. Beside the row it follows the row's event time
 * (sema_evt), which windows need (sema_window.c). */
#include <string.h>
#include "sema_internal.h"

static row_type *row_new(sema *s, int cap) {
  row_type *r = arena_alloc(s->a, sizeof *r);
  r->fields = arena_alloc(s->a, sizeof(row_field) * (cap ? cap : 1));
  return r;
}

/* ---- operators ---- */

static void check_filter(sema *s, ast_op *op, const row_type *in) {
  scope sc = {.kind = SCOPE_ROW, .row = in};
  ast_expr *c = op->u.filter.cond = sema_expr(s, &sc, op->u.filter.cond);
  if (ty_is_err(c->type) || c->type.kind == TY_BOOL) return;
  char b[32];
  diag_error(s->d, sema_span(c), DIAG_E0301, "the condition of `filter` must be `bool`, "
             "found `%s`", ty_str(c->type, b));
  if (ty_is_num(c->type.kind)) diag_hint(s->d, "compare it, e.g. `filter x > 0`");
}

ast_expr *sema_field_ref(sema *s, span at, const row_type *r, int i) {
  ast_expr *e = ast_expr_new(s->a, EXPR_NAME, at);
  e->u.name.id = r->fields[i].name;
  e->u.name.ref = REF_FIELD;
  e->u.name.index = i;
  e->type = r->fields[i].type;
  return e;
}

static ast_sel_item *field_item(sema *s, span at, const row_type *in, int i) {
  ast_sel_item *it = arena_alloc(s->a, sizeof *it);
  it->at = at;
  it->kind = SEL_FIELD;
  it->name = in->fields[i].name;
  it->value = sema_field_ref(s, at, in, i);
  return it;
}

/* Adds an output field unless its name is taken (E0206). */
static bool add_out(sema *s, row_type *out, ptrvec *items, ast_sel_item *it) {
  int dup = row_find(out, it->name);
  if (dup >= 0) {
    ast_sel_item *first = items->items[dup];
    span at = it->at;
    if (it->kind != SEL_ALL) at.len = (int)strlen(it->name);
    diag_error(s->d, at, DIAG_E0206, "`%s` is already a field of this select's output",
               it->name);
    diag_note(s->d, first->at, "`%s` first comes from here", it->name);
    diag_hint(s->d, "give it another name: `new_name = ...`");
    return false;
  }
  out->fields[out->nfields].name = it->name;
  out->fields[out->nfields].type = it->value->type;
  out->nfields++;
  ptrvec_push(s->a, items, it);
  return true;
}

static bool select_item(sema *s, ast_sel_item *it, const row_type *in) {
  if (it->kind == SEL_FIELD) {
    int i = row_find(in, it->name);
    if (i < 0) {
      diag_error(s->d, it->at, DIAG_E0203, "unknown field `%s`", it->name);
      ptrvec c = {0};
      for (int k = 0; k < in->nfields; k++) ptrvec_push(s->a, &c, (void *)in->fields[k].name);
      sema_hint_closest(s, it->name, &c);
      return false;
    }
    it->value = field_item(s, it->at, in, i)->value;
    return true;
  }
  scope sc = {.kind = SCOPE_ROW, .row = in};
  ast_expr *e = it->value = sema_expr(s, &sc, it->value);
  if (ty_is_err(e->type)) return false;
  if (e->type.kind == TY_NULL) {
    diag_error(s->d, sema_span(e), DIAG_E0300, "`%s = null` gives the field no type", it->name);
    diag_hint(s->d, "`null` alone has no type; a typed branch gives it one, e.g. `%s = if "
              "false then 0 else null` for an `i64?`", it->name);
    return false;
  }
  return true;
}

/* Returns the output row, or NULL when it cannot be known. */
static row_type *check_select(sema *s, ast_op *op, const row_type *in) {
  ptrvec *items = &op->u.select.items;
  if (!in) {
    scope sc = {.kind = SCOPE_ROW, .row = NULL};
    for (int i = 0; i < items->len; i++) {
      ast_sel_item *it = items->items[i];
      if (it->kind == SEL_EXPR) it->value = sema_expr(s, &sc, it->value);
    }
    return NULL;
  }
  int cap = 0;
  for (int i = 0; i < items->len; i++)
    cap += ((ast_sel_item *)items->items[i])->kind == SEL_ALL ? in->nfields : 1;
  row_type *out = row_new(s, cap);
  ptrvec done = {0};
  bool ok = true;
  for (int i = 0; i < items->len; i++) {
    ast_sel_item *it = items->items[i];
    if (it->kind == SEL_ALL) {
      for (int k = 0; k < in->nfields; k++)
        ok &= add_out(s, out, &done, field_item(s, it->at, in, k));
    } else if (select_item(s, it, in)) {
      ok &= add_out(s, out, &done, it);
    } else {
      ok = false;
    }
  }
  op->u.select.items = done;
  return ok ? out : NULL;
}

static void check_sink(sema *s, ast_op *op) {
  if (op->u.sink.conn) sema_check_conn(s, op->u.sink.conn, CONN_AS_SINK);
  sema_check_delivery(s, op);
}

/* One operator; returns its output row (NULL: unknown). */
static const row_type *check_op(sema *s, ast_op *op, const row_type *in, const sema_evt *ev) {
  static const row_type empty;
  op->in = in ? *in : empty;
  if (op->policy) sema_check_policy(s, op->policy);
  const row_type *out = in;
  switch (op->kind) {
  case OP_FILTER: check_filter(s, op, in); break;
  case OP_SELECT: out = check_select(s, op, in); break;
  case OP_SINK: check_sink(s, op); break;
  case OP_WINDOW:
  case OP_AGGREGATE: out = sema_check_window(s, op, in, ev); break;
  }
  op->out = out ? *out : empty;
  return out;
}

/* ---- event time ---- */

/* The output field of a checked select that copies input field i, or -1. */
static int select_copy(const ast_op *op, int i) {
  const ptrvec *items = &op->u.select.items;
  for (int k = 0; k < items->len; k++) {
    const ast_expr *v = ((ast_sel_item *)items->items[k])->value;
    if (v && v->kind == EXPR_NAME && v->u.name.ref == REF_FIELD && v->u.name.index == i)
      return k;
  }
  return -1;
}

/* The event time after a checked operator: a filter keeps it, a select keeps it when it
 * copies the field (under any name), a window's rows have none. */
static void evt_step(const ast_op *op, sema_evt *ev) {
  switch (op->kind) {
  case OP_FILTER:
  case OP_SINK:
    return;
  case OP_SELECT:
    if (ev->index < 0) return;
    ev->index = select_copy(op, ev->index);
    if (ev->index < 0) ev->lost = (ast_op *)op;
    return;
  case OP_WINDOW:
  case OP_AGGREGATE:
    ev->index = -1;
    ev->lost = (ast_op *)op;
    return;
  }
}

/* A source's rows have event time when it declares a watermark; a watermark in error
 * (E0309) leaves it unknown. */
static sema_evt source_evt(ast_decl *d) {
  sema_evt ev = {.index = d->u.source.wm_index, .known = true, .source = d};
  if (d->u.source.wm_field && ev.index < 0) ev.known = false;
  if (!d->u.source.schema) ev.known = false;
  return ev;
}

/* The event time of the rows of a checked let (or a source). */
static sema_evt decl_evt(ast_decl *d) {
  if (d->kind == DECL_SOURCE) return source_evt(d);
  sema_evt ev = {.index = -1};
  if (d->kind != DECL_LET || d->u.let.state != ST_DONE) return ev;
  ast_flow *f = d->u.let.flow;
  ev = decl_evt(f->from_decl);
  for (int i = 0; i < f->ops.len; i++) evt_step(f->ops.items[i], &ev);
  return ev;
}

/* ---- flows ---- */

static const row_type *source_row(ast_decl *d) {
  ast_decl *sch = d->u.source.schema;
  return sch ? &sch->u.schema.row : NULL;
}

/* The rows of the stream a flow starts from (NULL: unknown, reported). */
static const row_type *flow_input(sema *s, ast_flow *f) {
  ast_decl *d = sema_lookup(s, f->from);
  if (!d || (d->kind != DECL_SOURCE && d->kind != DECL_LET)) {
    if (d && sema_is_dup(s, f->from)) return NULL;
    if (d) {
      diag_error(s->d, f->from_at, DIAG_E0201, "`%s` is %s %s, not a source or let", f->from,
                 d->kind == DECL_EXTERN ? "an" : "a", decl_kind_name(d->kind));
    } else {
      diag_error(s->d, f->from_at, DIAG_E0201, "unknown stream `%s`", f->from);
      ptrvec c = {0};
      sema_cands_decls(s, &c, (1u << DECL_SOURCE) | (1u << DECL_LET));
      sema_hint_closest(s, f->from, &c);
    }
    return NULL;
  }
  d->uses++;
  f->from_decl = d;
  if (d->kind == DECL_SOURCE) return source_row(d);
  if (d->u.let.state == ST_BUSY) {
    diag_error(s->d, f->from_at, DIAG_E0208, "let `%s` is defined in terms of itself", d->name);
    diag_note(s->d, d->name_at, "`%s` is declared here", d->name);
    d->u.let.state = ST_POISON;
    return NULL;
  }
  sema_check_let(s, d);
  return sema_let_row(s, d);
}

static bool is_sink(const ast_flow *f, int i) {
  return ((ast_op *)f->ops.items[i])->kind == OP_SINK;
}

/* Checks the operators; returns the row after the last one (NULL: unknown). */
static const row_type *check_ops(sema *s, ast_flow *f, const row_type *row) {
  sema_evt ev = {.index = -1};
  if (row) ev = decl_evt(f->from_decl);
  for (int i = 0; i < f->ops.len; i++) {
    ast_op *op = f->ops.items[i];
    if (i > 0 && is_sink(f, i - 1)) {
      diag_error(s->d, op->at, DIAG_E0401, "`%s` after a sink", op_kind_name(op->kind));
      diag_hint(s->d, "a sink ends a flow; to send the rows on as well, name the stream with "
                      "`let` and start one flow per destination");
      return NULL;
    }
    row = check_op(s, op, row, &ev);
    evt_step(op, &ev);
    if (!row) ev.known = false;   /* reported: nothing more to say about event time */
  }
  return row;
}

static bool has_sink(const ast_flow *f) {
  for (int i = 0; i < f->ops.len; i++)
    if (is_sink(f, i)) return true;
  return false;
}

void sema_check_let(sema *s, ast_decl *d) {
  if (d->u.let.state != ST_NEW) return;
  d->u.let.state = ST_BUSY;
  ast_flow *f = d->u.let.flow;
  const row_type *row = flow_input(s, f);
  bool ok = row != NULL;
  row = check_ops(s, f, row);
  if (has_sink(f)) {
    for (int i = 0; i < f->ops.len; i++) {
      if (!is_sink(f, i)) continue;
      diag_error(s->d, ((ast_op *)f->ops.items[i])->at, DIAG_E0403, "let `%s` ends in a sink, "
                 "so it is not a stream", d->name);
      diag_hint(s->d, "move the sink to a flow that starts from `%s`, or drop `let %s =`",
                d->name, d->name);
      break;
    }
    ok = false;
  }
  if (d->u.let.state == ST_BUSY) d->u.let.state = ok && row ? ST_DONE : ST_POISON;
}

const row_type *sema_let_row(sema *s, ast_decl *d) {
  if (d->u.let.state != ST_DONE) return NULL;
  ast_flow *f = d->u.let.flow;
  if (f->ops.len) return &((ast_op *)f->ops.items[f->ops.len - 1])->out;
  ast_decl *from = f->from_decl;
  return from->kind == DECL_SOURCE ? source_row(from) : sema_let_row(s, from);
}

void sema_check_flow(sema *s, ast_decl *d) {
  ast_flow *f = d->u.flow;
  const row_type *row = flow_input(s, f);
  check_ops(s, f, row);
  if (!has_sink(f)) {
    diag_error(s->d, f->from_at, DIAG_E0400, "this flow never reaches a sink");
    diag_hint(s->d, "end it with `| sink csv(stdout)`, or name it with `let NAME = ...`");
  }
}
