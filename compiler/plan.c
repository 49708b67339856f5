/* plan.c: turns a checked program into the dataflow graph of plan.h. Only flows that reach
 * a sink are planned. Sources come first, in declaration order; then every let and bare
 * flow in declaration order, each after the nodes it reads (topological order). Runs of
 * filter/select become one stage (fusion), also across a let that has a single consumer;
 * a window or aggregate ends the run with its PREP op and becomes a node of its own.
 * Finally projection pushdown walks the graph backwards: a sink or a window needs every
 * field it receives, a stage needs the input fields its operators read, and a source
 * parses only the fields someone needs. */
#include <stdlib.h>
#include <string.h>
#include "plan.h"

/* A map from declarations to ints. Programs are small: linear search is fine. */
typedef struct declmap {
  ast_decl **keys;
  int *vals;
  int n, cap;
} declmap;

typedef struct builder {
  arena *a;
  plan_program *p;
  ptrvec nodes;        /* plan_node* */
  ptrvec *node_ops;    /* per node: ast_op* while building (grown with nodes) */
  int cap_ops;
  declmap out_node;    /* decl -> index of its output node */
  declmap live;        /* lets and sources some planned flow reads -> flows reading it */
} builder;

/* The value for d, or NULL when d is not in m. */
static int *declmap_get(declmap *m, const ast_decl *d) {
  for (int i = 0; i < m->n; i++)
    if (m->keys[i] == d) return &m->vals[i];
  return NULL;
}

static void declmap_put(arena *a, declmap *m, ast_decl *d, int val) {
  if (m->n == m->cap) {
    int cap = m->cap ? m->cap * 2 : 16;
    ast_decl **k = arena_alloc(a, cap * sizeof *k);
    int *v = arena_alloc(a, cap * sizeof *v);
    if (m->n) {
      memcpy(k, m->keys, m->n * sizeof *k);
      memcpy(v, m->vals, m->n * sizeof *v);
    }
    m->keys = k, m->vals = v, m->cap = cap;
  }
  m->keys[m->n] = d;
  m->vals[m->n++] = val;
}

static ast_flow *decl_flow(ast_decl *d) {
  if (d->kind == DECL_LET) return d->u.let.flow;
  if (d->kind == DECL_FLOW) return d->u.flow;
  return NULL;
}

static bool flow_has_sink(const ast_flow *f) {
  for (int i = 0; i < f->ops.len; i++)
    if (((ast_op *)f->ops.items[i])->kind == OP_SINK) return true;
  return false;
}

/* ---- liveness: which sources and lets feed a sink --------------------------------- */

static void mark_live(builder *b, ast_decl *d) {
  int *consumers = declmap_get(&b->live, d);
  if (consumers) {
    (*consumers)++;
    return;
  }
  declmap_put(b->a, &b->live, d, 1);
  if (d->kind == DECL_LET && d->u.let.flow && d->u.let.flow->from_decl)
    mark_live(b, d->u.let.flow->from_decl);
}

static void find_live_decls(builder *b, ast_program *prog) {
  for (int i = 0; i < prog->decls.len; i++) {
    ast_decl *d = prog->decls.items[i];
    ast_flow *f = decl_flow(d);
    if (!f || !flow_has_sink(f) || !f->from_decl) continue;
    /* A let ending in a sink is a root like a bare flow; it is live on its own. */
    if (d->kind == DECL_LET && !declmap_get(&b->live, d)) {
      mark_live(b, d);
      (*declmap_get(&b->live, d))--;
    } else if (d->kind == DECL_FLOW) {
      mark_live(b, f->from_decl);
    }
  }
}

/* ---- nodes ------------------------------------------------------------------------ */

static plan_node *new_node(builder *b, plan_kind k, int input, span at, const char *name) {
  plan_node *n = arena_alloc(b->a, sizeof *n);
  n->kind = k;
  n->index = b->nodes.len;
  n->input = input;
  n->at = at;
  n->name = name;
  ptrvec_push(b->a, &b->nodes, n);
  if (b->nodes.len > b->cap_ops) {
    int cap = b->cap_ops ? b->cap_ops * 2 : 16;
    ptrvec *v = arena_alloc(b->a, cap * sizeof *v);
    if (b->cap_ops) memcpy(v, b->node_ops, b->cap_ops * sizeof *v);
    b->node_ops = v, b->cap_ops = cap;
  }
  return n;
}

static plan_node *node_at(builder *b, int i) { return b->nodes.items[i]; }

static int plan_source(builder *b, ast_decl *d) {
  int *have = declmap_get(&b->out_node, d);
  if (have) return *have;
  plan_node *n = new_node(b, PLAN_SOURCE, -1, d->at, d->name);
  n->source = d;
  if (d->u.source.schema) n->out = d->u.source.schema->u.schema.row;
  n->needed = arena_alloc(b->a, (n->out.nfields ? n->out.nfields : 1) * sizeof(bool));
  declmap_put(b->a, &b->out_node, d, n->index);
  return n->index;
}

static void stage_push(builder *b, plan_node *n, ast_op *op) {
  if (b->node_ops[n->index].len == 0) n->in = op->in;
  ptrvec_push(b->a, &b->node_ops[n->index], op);
  n->out = op->out;
  n->ops = (ast_op **)b->node_ops[n->index].items;
  n->nops = b->node_ops[n->index].len;
}

static int plan_decl(builder *b, ast_decl *d);

/* A window after node `from`: its PREP op ends the stage before it (a stage of its own
 * when `from` is not an open stage). Returns the window's node. */
static int plan_window(builder *b, ast_op *op, int from, bool open, const char *name) {
  if (!open || node_at(b, from)->kind != PLAN_STAGE)
    from = new_node(b, PLAN_STAGE, from, op->at, name ? name : "stage")->index;
  plan_node *st = node_at(b, from);
  int *arg_cols = arena_alloc(b->a, (op->u.window.calls.len + 1) * sizeof(int));
  stage_push(b, st, plan_prep_op(b->a, op, arg_cols));
  st->prep_of = op;
  plan_node *n = new_node(b, PLAN_WINDOW, from, op->at, name ? name : op_kind_name(op->kind));
  n->window = op;
  n->arg_cols = arg_cols;
  n->in = st->out;
  n->out = op->out;
  n->ops = arena_alloc(b->a, sizeof *n->ops);
  n->ops[0] = op;
  n->nops = 1;
  return n->index;
}

/* Plans the ops of f after node `from`; `open` says the stage `from` may take more ops
 * (a let with one consumer). Returns the flow's last node. */
static int plan_ops(builder *b, ast_flow *f, int from, bool open, const char *name) {
  int cur = from;
  for (int i = 0; i < f->ops.len; i++) {
    ast_op *op = f->ops.items[i];
    if (op->kind == OP_FILTER || op->kind == OP_SELECT) {
      if (!open || node_at(b, cur)->kind != PLAN_STAGE)
        cur = new_node(b, PLAN_STAGE, cur, op->at, name ? name : "stage")->index;
      stage_push(b, node_at(b, cur), op);
      open = true;
    } else if (op->kind == OP_SINK) {
      plan_node *n = new_node(b, PLAN_SINK, cur, op->at,
                              op->u.sink.conn ? op->u.sink.conn->name : "sink");
      n->sink = op;
      n->out = op->in;
      cur = n->index;
      open = false;
    } else {
      cur = plan_window(b, op, cur, open, name);
      open = false;
    }
  }
  return cur;
}

/* Whether the output node of d feeds only d's single consumer, so that it may take more
 * ops. A let without ops (`let y = x`) is x's node under another name: it is exclusive
 * only when x's is too, else y's consumer would filter the rows of x's other consumers. */
static bool exclusive(builder *b, const ast_decl *d) {
  if (d->kind != DECL_LET) return false;
  int *consumers = declmap_get(&b->live, d);
  if (!consumers || *consumers != 1) return false;
  const ast_flow *f = d->u.let.flow;
  return f->ops.len > 0 || (f->from_decl && exclusive(b, f->from_decl));
}

static int plan_flow(builder *b, ast_flow *f, const char *name) {
  ast_decl *from = f->from_decl;
  int in = plan_decl(b, from);
  if (in < 0) return -1;
  return plan_ops(b, f, in, exclusive(b, from), name);
}

/* The output node of a source or let, planning it on first use. */
static int plan_decl(builder *b, ast_decl *d) {
  if (!d) return -1;
  int *have = declmap_get(&b->out_node, d);
  if (have) return *have;
  if (d->kind == DECL_SOURCE) return plan_source(b, d);
  if (d->kind != DECL_LET || !d->u.let.flow) return -1;
  int n = plan_flow(b, d->u.let.flow, d->name);
  declmap_put(b->a, &b->out_node, d, n);
  return n;
}

/* ---- projection pushdown ---------------------------------------------------------- */

static void expr_reads(const ast_expr *e, bool *need) {
  if (!e) return;
  switch (e->kind) {
  case EXPR_NAME:
    if (e->u.name.ref == REF_FIELD && e->u.name.index >= 0) need[e->u.name.index] = true;
    break;
  case EXPR_UNARY: case EXPR_WIDEN: expr_reads(e->u.unary.e, need); break;
  case EXPR_BINARY:
    expr_reads(e->u.binary.l, need);
    expr_reads(e->u.binary.r, need);
    break;
  case EXPR_IF:
    expr_reads(e->u.cond.c, need);
    expr_reads(e->u.cond.t, need);
    expr_reads(e->u.cond.e, need);
    break;
  case EXPR_CALL:
    for (int i = 0; i < e->u.call.args.len; i++) expr_reads(e->u.call.args.items[i], need);
    break;
  default: break;
  }
}

/* The input fields op needs, given which of its output fields are needed. */
static void op_needs(const ast_op *op, const bool *out_need, bool *in_need) {
  if (op->kind == OP_FILTER) {
    for (int i = 0; i < op->in.nfields; i++) in_need[i] = out_need[i];
    expr_reads(op->u.filter.cond, in_need);
    return;
  }
  for (int j = 0; j < op->out.nfields; j++) {
    const ast_expr *v = plan_select_value(op, j);
    if (v && v->kind == EXPR_NAME && v->u.name.ref == REF_FIELD) {
      if (out_need[j]) in_need[v->u.name.index] = true;
    } else if (v) {
      expr_reads(v, in_need);   /* computed: evaluated (and may fail) even if unused */
    } else {
      int k = row_find(&op->in, op->out.fields[j].name);   /* `...` passes it through */
      if (k >= 0 && out_need[j]) in_need[k] = true;
    }
  }
}

static const ast_sel_item *find_item(const ast_op *op, const char *name) {
  const ast_sel_item *found = NULL;
  for (int i = 0; i < op->u.select.items.len; i++) {
    const ast_sel_item *it = op->u.select.items.items[i];
    if (it->kind != SEL_ALL && it->name && strcmp(it->name, name) == 0) found = it;
  }
  return found;
}

const ast_expr *plan_select_value(const ast_op *op, int j) {
  const ast_sel_item *it = find_item(op, op->out.fields[j].name);
  return it ? it->value : NULL;
}

/* Which input fields a stage needs, from its own `needed` (its output fields). */
static void stage_needs(arena *a, const plan_node *n, bool *in_need) {
  int w = n->in.nfields;
  for (int k = 0; k < n->nops; k++)
    if (n->ops[k]->in.nfields > w) w = n->ops[k]->in.nfields;
  for (int k = 0; k < n->nops; k++)
    if (n->ops[k]->out.nfields > w) w = n->ops[k]->out.nfields;
  bool *cur = arena_alloc(a, (w + 1) * sizeof(bool));
  bool *prev = arena_alloc(a, (w + 1) * sizeof(bool));
  memcpy(cur, n->needed, n->out.nfields * sizeof(bool));
  for (int k = n->nops - 1; k >= 0; k--) {
    memset(prev, 0, (w + 1) * sizeof(bool));
    op_needs(n->ops[k], cur, prev);
    bool *t = cur; cur = prev; prev = t;
  }
  memcpy(in_need, cur, n->in.nfields * sizeof(bool));
}

static void push_down(builder *b) {
  plan_program *p = b->p;
  for (int i = 0; i < p->nnodes; i++) {
    plan_node *n = p->nodes[i];
    if (!n->needed) n->needed = arena_alloc(b->a, (n->out.nfields + 1) * sizeof(bool));
  }
  for (int i = p->nnodes - 1; i >= 0; i--) {
    plan_node *n = p->nodes[i];
    if (n->input < 0) continue;
    plan_node *up = p->nodes[n->input];
    bool *need = arena_alloc(b->a, (up->out.nfields + 1) * sizeof(bool));
    if (n->kind == PLAN_SINK || n->kind == PLAN_WINDOW)
      for (int f = 0; f < up->out.nfields; f++) need[f] = true;
    else if (n->kind == PLAN_STAGE)
      stage_needs(b->a, n, need);
    for (int f = 0; f < up->out.nfields; f++) up->needed[f] |= need[f];
  }
}

/* ---- dead-letter connectors and params -------------------------------------------- */

static bool same_conn(const ast_conn *x, const ast_conn *y) {
  if (x->kind != y->kind || x->path_param != y->path_param) return false;
  if (!x->path || !y->path) return x->path == y->path;
  return strcmp(x->path, y->path) == 0;
}

int plan_dead_index(const plan_program *p, const ast_conn *c) {
  if (!c) return -1;
  for (int i = 0; i < p->ndead; i++)
    if (p->dead[i] == c || same_conn(p->dead[i], c)) return i;
  return -1;
}

static void add_dead(builder *b, ptrvec *v, const ast_policy *pol) {
  if (!pol || pol->kind != POLICY_DEAD || !pol->dead) return;
  b->p->dead = (ast_conn **)v->items;
  b->p->ndead = v->len;
  if (plan_dead_index(b->p, pol->dead) >= 0) return;
  ptrvec_push(b->a, v, pol->dead);
  b->p->dead = (ast_conn **)v->items;
  b->p->ndead = v->len;
}

static void collect_dead(builder *b) {
  ptrvec v = {0};
  plan_program *p = b->p;
  for (int i = 0; i < p->nnodes; i++) {
    plan_node *n = p->nodes[i];
    if (n->kind == PLAN_SOURCE) add_dead(b, &v, n->source->u.source.policy);
    for (int k = 0; k < n->nops; k++) add_dead(b, &v, n->ops[k]->policy);
    if (n->kind == PLAN_WINDOW) add_dead(b, &v, n->window->u.window.late);
    if (n->kind == PLAN_SINK) add_dead(b, &v, n->sink->policy);
  }
}

static void collect_params(builder *b, ast_program *prog) {
  int n = 0;
  for (int i = 0; i < prog->decls.len; i++)
    if (((ast_decl *)prog->decls.items[i])->kind == DECL_PARAM) n++;
  b->p->params = arena_alloc(b->a, (n + 1) * sizeof(ast_decl *));
  b->p->nparams = n;
  int next = 0;
  for (int i = 0; i < prog->decls.len; i++) {
    ast_decl *d = prog->decls.items[i];
    if (d->kind != DECL_PARAM) continue;
    int at = d->u.param.index;
    if (at < 0 || at >= n || b->p->params[at]) at = next;   /* defensive: keep order */
    b->p->params[at] = d;
    next++;
  }
}

plan_program *plan_build(arena *a, ast_program *prog, const char *file) {
  builder b = {.a = a};
  b.p = arena_alloc(a, sizeof *b.p);
  b.p->file = file;
  find_live_decls(&b, prog);
  for (int i = 0; i < prog->decls.len; i++) {
    ast_decl *d = prog->decls.items[i];
    if (d->kind == DECL_SOURCE && declmap_get(&b.live, d)) plan_source(&b, d);
  }
  for (int i = 0; i < prog->decls.len; i++) {
    ast_decl *d = prog->decls.items[i];
    if (d->kind == DECL_LET && declmap_get(&b.live, d)) plan_decl(&b, d);
    else if (d->kind == DECL_FLOW && d->u.flow && flow_has_sink(d->u.flow))
      plan_flow(&b, d->u.flow, NULL);
  }
  b.p->nodes = (plan_node **)b.nodes.items;
  b.p->nnodes = b.nodes.len;
  push_down(&b);
  collect_dead(&b);
  collect_params(&b, prog);
  return b.p;
}
