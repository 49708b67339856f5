/* parse_util.c: what the grammar's actions call. Each helper builds one node in the arena
 * from its parts and fills the members ast.h documents for its kind; the words of
 * `on error` and `on late` clauses are checked here (E0310) because the tree keeps only
 * the resolved kind, and so is each delivery clause of a sink given only once (E0316).
 * Locations
 * are merged here too: a symbol's span runs from its first token to the end of its last
 * token on that first line. */
#include "lex.h"

#include <string.h>

void parse_loc_merge(parse_loc *cur, const parse_loc *rhs, int n) {
  if (n == 0) {   /* empty rule: zero width where the previous symbol ended */
    cur->at = (span){rhs[0].at.file, rhs[0].end_line, rhs[0].end_col, 0};
    cur->end_line = rhs[0].end_line;
    cur->end_col = rhs[0].end_col;
    return;
  }
  int first = 1;
  while (first < n && rhs[first].at.len == 0) first++;   /* skip leading empty rules */
  cur->at = rhs[first].at;
  int end = cur->at.col + cur->at.len;
  for (int i = first + 1; i <= n; i++)
    if (rhs[i].at.line == cur->at.line && rhs[i].at.len > 0 &&
        rhs[i].at.col + rhs[i].at.len > end)
      end = rhs[i].at.col + rhs[i].at.len;
  cur->at.len = end - cur->at.col;
  cur->end_line = rhs[n].end_line;
  cur->end_col = rhs[n].end_col;
}

void parse_add_decl(parse_ctx *pc, ast_decl *d) {
  if (d) ptrvec_push(pc->a, &pc->prog->decls, d);
}

/* Lists skip the NULL left by an `error` item. */
ptrvec parse_vec(parse_ctx *pc, void *first) {
  ptrvec v = {0};
  if (first) ptrvec_push(pc->a, &v, first);
  return v;
}

ptrvec parse_push(parse_ctx *pc, ptrvec v, void *item) {
  if (item) ptrvec_push(pc->a, &v, item);
  return v;
}

ast_type parse_type(parse_ctx *pc, span at, const char *name, bool nullable) {
  return (ast_type){at, name, nullable};
}

ast_field *parse_field(parse_ctx *pc, span at, const char *name, ast_type t) {
  ast_field *f = arena_alloc(pc->a, sizeof *f);
  f->at = at;
  f->name = name;
  f->type = t;
  return f;
}

static ast_decl *named(parse_ctx *pc, decl_kind k, span at, const char *name, span name_at) {
  ast_decl *d = ast_decl_new(pc->a, k, at);
  d->name = name;
  d->name_at = name_at;
  return d;
}

ast_decl *parse_schema(parse_ctx *pc, span at, const char *name, span name_at, ptrvec fields) {
  ast_decl *d = named(pc, DECL_SCHEMA, at, name, name_at);
  d->u.schema.fields = fields;
  return d;
}

ast_decl *parse_param(parse_ctx *pc, span at, const char *name, span name_at, ast_type t,
                      ast_expr *def) {
  ast_decl *d = named(pc, DECL_PARAM, at, name, name_at);
  d->u.param.type = t;
  d->u.param.def = def;
  return d;
}

ast_decl *parse_const(parse_ctx *pc, span at, const char *name, span name_at, ast_expr *v) {
  ast_decl *d = named(pc, DECL_CONST, at, name, name_at);
  d->u.cnst.value = v;
  return d;
}

ast_decl *parse_source(parse_ctx *pc, span at, const char *name, span name_at,
                       const char *schema, span schema_at, ast_conn *conn, parse_wm wm,
                       ast_policy *policy) {
  ast_decl *d = named(pc, DECL_SOURCE, at, name, name_at);
  d->u.source.schema_name = schema;
  d->u.source.schema_at = schema_at;
  d->u.source.conn = conn;
  d->u.source.wm_field = wm.field;
  d->u.source.wm_at = wm.at;
  d->u.source.wm_delay = wm.delay;
  d->u.source.policy = policy;
  d->u.source.wm_index = -1;
  return d;
}

ast_decl *parse_let(parse_ctx *pc, span at, const char *name, span name_at, ast_flow *flow) {
  ast_decl *d = named(pc, DECL_LET, at, name, name_at);
  d->u.let.flow = flow;
  return d;
}

ast_decl *parse_flow_decl(parse_ctx *pc, ast_flow *flow) {
  ast_decl *d = ast_decl_new(pc->a, DECL_FLOW, flow->from_at);
  d->u.flow = flow;
  return d;
}

ast_decl *parse_import(parse_ctx *pc, span at, lex_str path, span path_at) {
  ast_decl *d = ast_decl_new(pc->a, DECL_IMPORT, at);
  d->u.import.path = arena_strndup(pc->a, path.s, (size_t)path.len);
  d->u.import.path_at = path_at;
  return d;
}

ast_flow *parse_flow(parse_ctx *pc, span at, const char *from, ptrvec ops) {
  ast_flow *f = arena_alloc(pc->a, sizeof *f);
  f->at = at;
  f->from = from;
  f->from_at = (span){at.file, at.line, at.col, (int)strlen(from)};
  f->ops = ops;
  return f;
}

ast_op *parse_filter(parse_ctx *pc, span at, ast_expr *cond, ast_policy *policy) {
  ast_op *o = ast_op_new(pc->a, OP_FILTER, at);
  o->u.filter.cond = cond;
  o->policy = policy;
  return o;
}

ast_op *parse_select(parse_ctx *pc, span at, ptrvec items) {
  ast_op *o = ast_op_new(pc->a, OP_SELECT, at);
  o->u.select.items = items;
  return o;
}

ast_op *parse_op_policy(parse_ctx *pc, ast_op *op, ast_policy *policy) {
  op->policy = policy;
  return op;
}

ast_op *parse_window(parse_ctx *pc, span at, const char *kind, span kind_at, ast_expr *size,
                     ast_expr *every, ptrvec keys, ptrvec aggs) {
  ast_op *o = ast_op_new(pc->a, OP_WINDOW, at);
  o->u.window.kind_name = kind;
  o->u.window.kind_at = kind_at;
  o->u.window.size = size;
  o->u.window.every = every;
  o->u.window.keys = keys;
  o->u.window.aggs = aggs;
  o->u.window.ts_index = -1;
  return o;
}

ast_op *parse_aggregate(parse_ctx *pc, span at, ptrvec keys, ptrvec aggs) {
  ast_op *o = ast_op_new(pc->a, OP_AGGREGATE, at);
  o->u.window.keys = keys;
  o->u.window.aggs = aggs;
  o->u.window.ts_index = -1;
  return o;
}

ast_op *parse_sink(parse_ctx *pc, span at, ast_conn *conn) {
  ast_op *o = ast_op_new(pc->a, OP_SINK, at);
  o->u.sink.conn = conn;
  return o;
}

/* `retry(...)` or `breaker(...)` after a sink; sema checks the arguments. */
ast_op *parse_sink_clause(parse_ctx *pc, ast_op *op, const char *word, span word_at,
                          ptrvec args) {
  ast_clause *c = arena_alloc(pc->a, sizeof *c);
  c->at = word_at;
  c->args = args;
  ast_clause **slot = word[0] == 'r' ? &op->u.sink.retry : &op->u.sink.breaker;
  if (!*slot) {
    *slot = c;
    return op;
  }
  diag_error(pc->d, word_at, DIAG_E0316, "`%s` is given twice", word);
  diag_note(pc->d, (*slot)->at, "the first `%s` is here", word);
  return op;
}

ast_sel_item *parse_item(parse_ctx *pc, span at, sel_kind kind, const char *name,
                         ast_expr *value) {
  ast_sel_item *it = arena_alloc(pc->a, sizeof *it);
  it->at = at;
  it->kind = kind;
  it->name = name;
  it->value = value;
  return it;
}

/* A bare field name is SEL_FIELD like a select item; any other unnamed expression stays
 * SEL_EXPR with a NULL name, for sema to ask for one. */
ast_sel_item *parse_key(parse_ctx *pc, span at, const char *name, ast_expr *value) {
  if (!name && value->kind == EXPR_NAME)
    return parse_item(pc, value->at, SEL_FIELD, value->u.name.id, NULL);
  return parse_item(pc, at, SEL_EXPR, name, value);
}

ast_conn *parse_conn(parse_ctx *pc, span at, const char *name, ptrvec args) {
  ast_conn *c = arena_alloc(pc->a, sizeof *c);
  c->at = at;
  c->name = name;
  c->args = args;
  c->path_param = -1;
  c->header = true;
  c->delimiter = ',';
  return c;
}

ast_arg *parse_arg(parse_ctx *pc, span at, const char *name, ast_expr *value) {
  ast_arg *a = arena_alloc(pc->a, sizeof *a);
  a->at = at;
  a->name = name;
  a->value = value;
  return a;
}

ast_arg *parse_range_arg(parse_ctx *pc, span at, const char *name, ast_expr *lo, ast_expr *hi) {
  ast_arg *a = parse_arg(pc, at, name, lo);
  a->hi = hi;
  return a;
}

/* `fail`, `skip` or `dead_letter(conn)`; anything else is E0310 and reads as `fail`. */
ast_policy *parse_policy(parse_ctx *pc, parse_pol w) {
  static const char *const words[] = {"fail", "skip", "dead_letter"};
  ast_policy *p = arena_alloc(pc->a, sizeof *p);
  p->at = w.at;
  p->kind = POLICY_FAIL;
  const char *word = w.word;
  if (strcmp(word, "dead_letter") == 0 && w.conn) {
    p->kind = POLICY_DEAD;
    p->dead = w.conn;
  } else if (strcmp(word, "dead_letter") == 0) {
    diag_error(pc->d, w.at, DIAG_E0310, "`dead_letter` needs a connector");
    diag_hint(pc->d, "write `dead_letter(csv(\"rejected.csv\"))`");
  } else if ((strcmp(word, "fail") == 0 || strcmp(word, "skip") == 0) && w.conn) {
    diag_error(pc->d, w.at, DIAG_E0310, "`%s` takes no connector", word);
  } else if (strcmp(word, "fail") == 0 || strcmp(word, "skip") == 0) {
    p->kind = word[0] == 's' ? POLICY_SKIP : POLICY_FAIL;
  } else {
    diag_error(pc->d, w.at, DIAG_E0310, "unknown error policy `%s`", word);
    const char *near = diag_closest(word, words, 3);
    if (near)
      diag_hint(pc->d, "did you mean `%s`?", near);
    else
      diag_hint(pc->d, "the policies are `fail`, `skip` and `dead_letter(connector)`");
  }
  return p;
}

/* `skip` or `dead_letter(conn)` for late rows. A late row is a normal event of event
 * time, not a failure, so `fail` is refused (E0310); a wrong word reads as `skip`. */
static ast_policy *late_policy(parse_ctx *pc, parse_pol w) {
  static const char *const words[] = {"skip", "dead_letter"};
  ast_policy *p = arena_alloc(pc->a, sizeof *p);
  p->at = w.at;
  p->kind = POLICY_SKIP;
  bool dead = strcmp(w.word, "dead_letter") == 0, skip = strcmp(w.word, "skip") == 0;
  if (dead && w.conn) {
    p->kind = POLICY_DEAD;
    p->dead = w.conn;
  } else if (dead) {
    diag_error(pc->d, w.at, DIAG_E0310, "`dead_letter` needs a connector");
    diag_hint(pc->d, "write `on late dead_letter(csv(\"late.csv\"))`");
  } else if (skip && w.conn) {
    diag_error(pc->d, w.at, DIAG_E0310, "`skip` takes no connector");
  } else if (strcmp(w.word, "fail") == 0) {
    diag_error(pc->d, w.at, DIAG_E0310, "`fail` is not a policy for late rows");
    diag_hint(pc->d, "late rows are counted and dropped (`on late skip`, the default) or "
                     "written with `on late dead_letter(connector)`; a longer watermark delay "
                     "on the source admits later rows");
  } else if (!skip) {
    diag_error(pc->d, w.at, DIAG_E0310, "unknown late policy `%s`", w.word);
    const char *near = diag_closest(w.word, words, 2);
    if (near)
      diag_hint(pc->d, "did you mean `%s`?", near);
    else
      diag_hint(pc->d, "the late policies are `skip` and `dead_letter(connector)`");
  }
  return p;
}

/* A clause given twice keeps the first (E0310). */
static void set_clause(parse_ctx *pc, ast_policy **slot, ast_policy *p, const char *word,
                       span word_at) {
  if (!*slot) {
    *slot = p;
    return;
  }
  diag_error(pc->d, word_at, DIAG_E0310, "`on %s` is given twice", word);
  diag_note(pc->d, (*slot)->at, "the first `on %s` is here", word);
}

/* `fail` or `dead_letter(conn)` for a batch a sink cannot deliver. `skip` would drop
 * rows that were never written, so it is refused (E0310) and reads as `fail`. */
static ast_policy *sink_policy(parse_ctx *pc, parse_pol w) {
  if (strcmp(w.word, "skip") == 0 && !w.conn) {
    ast_policy *p = arena_alloc(pc->a, sizeof *p);
    p->at = w.at;
    p->kind = POLICY_FAIL;
    diag_error(pc->d, w.at, DIAG_E0310, "`skip` is not a policy for a sink");
    diag_hint(pc->d, "a batch the sink cannot deliver stops the run (`on error fail`, the "
                     "default) or is written with `on error dead_letter(connector)`");
    return p;
  }
  return parse_policy(pc, w);
}

ast_op *parse_sink_on(parse_ctx *pc, ast_op *op, span word_at, parse_pol p) {
  set_clause(pc, &op->policy, sink_policy(pc, p), "error", word_at);
  return op;
}

ast_op *parse_win_on(parse_ctx *pc, ast_op *op, const char *word, span word_at, parse_pol p) {
  static const char *const words[] = {"error", "late"};
  if (strcmp(word, "error") == 0) {
    set_clause(pc, &op->policy, parse_policy(pc, p), word, word_at);
  } else if (strcmp(word, "late") == 0) {
    set_clause(pc, &op->u.window.late, late_policy(pc, p), word, word_at);
  } else {
    diag_error(pc->d, word_at, DIAG_E0100, "unexpected name `%s`, expected `error` or `late`",
               word);
    const char *near = diag_closest(word, words, 2);
    if (near) diag_hint(pc->d, "did you mean `on %s`?", near);
  }
  return op;
}

static ast_expr *lit(parse_ctx *pc, expr_kind k, span at) {
  return ast_expr_new(pc->a, k, at);
}

ast_expr *parse_int(parse_ctx *pc, span at, int64_t v) {
  ast_expr *e = lit(pc, EXPR_INT, at);
  e->u.i = v;
  return e;
}

ast_expr *parse_duration(parse_ctx *pc, span at, int64_t us) {
  ast_expr *e = lit(pc, EXPR_DURATION, at);
  e->u.i = us;
  return e;
}

ast_expr *parse_float(parse_ctx *pc, span at, double v) {
  ast_expr *e = lit(pc, EXPR_FLOAT, at);
  e->u.f = v;
  return e;
}

ast_expr *parse_string(parse_ctx *pc, span at, lex_str s) {
  ast_expr *e = lit(pc, EXPR_STRING, at);
  e->u.str.s = s.s;
  e->u.str.len = s.len;
  return e;
}

ast_expr *parse_bool(parse_ctx *pc, span at, bool b) {
  ast_expr *e = lit(pc, EXPR_BOOL, at);
  e->u.b = b;
  return e;
}

ast_expr *parse_null(parse_ctx *pc, span at) {
  return lit(pc, EXPR_NULL, at);
}

ast_expr *parse_name(parse_ctx *pc, span at, const char *id) {
  ast_expr *e = lit(pc, EXPR_NAME, at);
  e->u.name.id = id;
  e->u.name.index = -1;
  return e;
}

ast_expr *parse_unary(parse_ctx *pc, span at, un_op op, ast_expr *x) {
  ast_expr *e = lit(pc, EXPR_UNARY, at);
  e->u.unary.op = op;
  e->u.unary.e = x;
  return e;
}

ast_expr *parse_binary(parse_ctx *pc, span at, bin_op op, ast_expr *l, ast_expr *r) {
  ast_expr *e = lit(pc, EXPR_BINARY, at);
  e->u.binary.op = op;
  e->u.binary.l = l;
  e->u.binary.r = r;
  return e;
}

ast_expr *parse_if(parse_ctx *pc, span at, ast_expr *c, ast_expr *t, ast_expr *x) {
  ast_expr *e = lit(pc, EXPR_IF, at);
  e->u.cond.c = c;
  e->u.cond.t = t;
  e->u.cond.e = x;
  return e;
}

ast_expr *parse_call(parse_ctx *pc, span at, const char *id, span id_at, ptrvec args) {
  ast_expr *e = lit(pc, EXPR_CALL, at);
  e->u.call.id = id;
  e->u.call.id_at = id_at;
  e->u.call.args = args;
  return e;
}
