/* plan_graph_label.c: the text inside each node of `pipec graph`, one line per thing the
 * node does, in the words of the program: a source's connector, watermark and error
 * policy; a stage's filters and selects (a select on one line when it is short, else one
 * item per line); a window's kind, sizes, keys and aggregate items; a sink's connector and
 * delivery clauses. A policy other than the default `fail` is named on its operator's
 * line; where a dead letter goes is the edge's business (plan_graph.c). */
#include "plan_graph.h"

#include <stdlib.h>
#include <string.h>

/* A select longer than this is written one item per line. */
#define SELECT_WIDTH 48

/* `on error skip`, `on late dead_letter`, after sep; nothing for fail, the default. */
static void policy_text(FILE *f, const char *sep, const char *word, const ast_policy *pol) {
  if (!pol || pol->kind == POLICY_FAIL) return;
  fprintf(f, "%son %s %s", sep, word, pol->kind == POLICY_SKIP ? "skip" : "dead_letter");
}

/* A let's name, when the node was planned for one (plan.c names the others by kind). */
static const char *let_name(const plan_node *n, const char *kind) {
  return n->name && strcmp(n->name, kind) != 0 ? n->name : NULL;
}

static void source_text(FILE *f, const plan_program *p, const plan_node *n) {
  const ast_decl *d = n->source;
  fprintf(f, "source %s: %s\n", d->name, d->u.source.schema_name);
  plan_graph_conn(f, p, d->u.source.conn, GRAPH_READ);
  if (d->u.source.wm_field) {
    fprintf(f, "\nwatermark %s - ", d->u.source.wm_field);
    plan_graph_dur(f, d->u.source.wm_delay_us);
  }
  policy_text(f, "\n", "error", d->u.source.policy);
}

/* `f`, `n = e` or `...`; a key written as a bare expression is shown as written. */
static void item_text(FILE *f, const ast_sel_item *it) {
  if (it->kind == SEL_ALL) {
    fputs("...", f);
  } else if (it->kind == SEL_FIELD && it->name) {
    fputs(it->name, f);
  } else {
    if (it->name) fprintf(f, "%s = ", it->name);
    plan_graph_expr(f, it->value, GRAPH_EXPR_MAX);
  }
}

static void items_text(FILE *f, const ptrvec *items, const char *sep) {
  for (int i = 0; i < items->len; i++) {
    if (i) fputs(sep, f);
    item_text(f, items->items[i]);
  }
}

static void select_text(FILE *f, const ast_op *op) {
  const ptrvec *items = &op->u.select.items;
  char *one = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&one, &n);
  if (!m) abort();   /* out of memory, as arena_alloc */
  fputs(items->len ? "select { " : "select {", m);
  items_text(m, items, ", ");
  fputs(items->len ? " }" : "}", m);
  fclose(m);
  if (n <= SELECT_WIDTH) {
    fwrite(one, 1, n, f);
  } else {
    fputs("select {\n  ", f);
    items_text(f, items, ",\n  ");
    fputs(",\n}", f);
  }
  free(one);
  policy_text(f, " ", "error", op->policy);
}

static void stage_text(FILE *f, const plan_node *n) {
  const char *let = let_name(n, "stage");
  if (let) fprintf(f, "let %s", let);
  else fputs("stage", f);
  for (int k = 0; k < n->nops; k++) {
    const ast_op *op = n->ops[k];
    if (k == n->nops - 1 && n->prep_of) break;   /* the window's PREP op */
    fputc('\n', f);
    if (op->kind == OP_SELECT) {
      select_text(f, op);
      continue;
    }
    fputs("filter ", f);
    plan_graph_expr(f, op->u.filter.cond, GRAPH_EXPR_MAX);
    policy_text(f, " ", "error", op->policy);
  }
}

/* `window tumbling 1m by symbol`, `window count 100`, `aggregate by day = trunc(ts, 1d)`. */
static void window_kind(FILE *f, const ast_op *w) {
  win_kind k = w->u.window.kind;
  if (w->kind == OP_AGGREGATE || k == WIN_ALL) {
    fputs("aggregate", f);
  } else {
    fprintf(f, "window %s ", w->u.window.kind_name ? w->u.window.kind_name : "?");
    if (k == WIN_COUNT) fprintf(f, "%lld", (long long)w->u.window.size_v);
    else plan_graph_dur(f, w->u.window.size_v);
    if (k == WIN_SLIDING) {
      fputs(" every ", f);
      plan_graph_dur(f, w->u.window.every_v);
    }
  }
  if (w->u.window.keys.len) {
    fputs(" by ", f);
    items_text(f, &w->u.window.keys, ", ");
  }
}

static void window_text(FILE *f, const plan_node *n) {
  const ast_op *w = n->window;
  const char *let = let_name(n, op_kind_name(w->kind));
  if (let) fprintf(f, "let %s\n", let);
  window_kind(f, w);
  for (int i = 0; i < w->u.window.aggs.len; i++) {
    fputc('\n', f);
    item_text(f, w->u.window.aggs.items[i]);
  }
  policy_text(f, "\n", "error", w->policy);
  policy_text(f, "\n", "late", w->u.window.late);
}

static void sink_text(FILE *f, const plan_program *p, const plan_node *n) {
  const ast_op *op = n->sink;
  const ast_delivery *d = &op->u.sink.dlv;
  fputs("sink ", f);
  if (op->u.sink.conn) plan_graph_conn(f, p, op->u.sink.conn, GRAPH_WRITE);
  if (op->u.sink.retry) {
    fprintf(f, "\nretry(max = %d, backoff = ", d->retry_max);
    plan_graph_dur(f, d->backoff_min);
    fputs("..", f);
    plan_graph_dur(f, d->backoff_max);
    fputc(')', f);
  }
  if (op->u.sink.breaker) {
    fprintf(f, "\nbreaker(failures = %d, reset = ", d->breaker_failures);
    plan_graph_dur(f, d->breaker_reset);
    fputc(')', f);
  }
  policy_text(f, "\n", "error", op->policy);
}

void plan_graph_node_text(FILE *out, const plan_program *p, const plan_node *n) {
  switch (n->kind) {
  case PLAN_SOURCE: source_text(out, p, n); break;
  case PLAN_STAGE: stage_text(out, n); break;
  case PLAN_WINDOW: window_text(out, n); break;
  case PLAN_SINK: sink_text(out, p, n); break;
  }
}

void plan_graph_dead_text(FILE *out, const plan_program *p, int i) {
  fputs("dead letters\n", out);
  plan_graph_conn(out, p, p->dead[i], GRAPH_WRITE);
}
