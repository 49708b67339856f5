/* plan_dump.c: `pipec check --dump=plan`. One paragraph per node: its kind, name, span and
 * input; the rows it reads and emits (fields no one downstream reads marked "unread");
 * a stage's operators (the PREP op of a window by that name); a window's kind, sizes,
 * keys, event time, aggregate calls with the PREP column each reads, and late policy.
 * Then the dead-letter connectors. For people and tests, not for reading back. */
#include "plan.h"
#include "pipe/abi.h"

static void dump_span(FILE *out, int64_t v, bool rows) {
  char buf[PIPE_FMT_MAX + 1];
  if (rows) {
    fprintf(out, "%lld", (long long)v);
    return;
  }
  int n = pipe_fmt_dur(v, buf);
  fprintf(out, "%.*s", n, buf);
}

static void dump_kind(FILE *out, const ast_op *w) {
  const char *names[] = {"aggregate", "tumbling", "sliding", "session", "count"};
  win_kind k = w->u.window.kind;
  fprintf(out, "      %s", names[k]);
  if (k != WIN_ALL) {
    fputc(' ', out);
    dump_span(out, w->u.window.size_v, k == WIN_COUNT);
  }
  if (k == WIN_SLIDING) {
    fputs(" every ", out);
    dump_span(out, w->u.window.every_v, false);
  }
  for (int i = 0; i < w->u.window.keys.len; i++) {
    const ast_sel_item *key = w->u.window.keys.items[i];
    fprintf(out, "%s%s", i ? ", " : " by ", key->name);
    if (key->kind == SEL_EXPR) {
      fputs(" = ", out);
      ast_dump_expr(out, key->value);
    }
  }
  if (plan_ts_col(w) >= 0) fprintf(out, " on %s", w->in.fields[w->u.window.ts_index].name);
  fputc('\n', out);
}

static void dump_window(FILE *out, const plan_program *p, const plan_node *n) {
  const ast_op *w = n->window;
  char buf[32];
  dump_kind(out, w);
  for (int c = 0; c < w->u.window.calls.len; c++) {
    const ast_agg_call *call = w->u.window.calls.items[c];
    fprintf(out, "      call %d: %s(", c, agg_fn_name(call->fn));
    if (call->arg) ast_dump_expr(out, call->arg);
    fprintf(out, "): %s", ty_str(call->type, buf));
    if (call->arg) fprintf(out, " <- in %d", plan_arg_col(n, c));
    fputc('\n', out);
  }
  const ast_policy *late = w->u.window.late;
  if (w->u.window.kind == WIN_ALL) return;
  if (late && late->kind == POLICY_DEAD)
    fprintf(out, "      on late dead_letter %d\n", plan_dead_index(p, late->dead));
  else
    fputs("      on late skip\n", out);
}

static const char *kind_name(plan_kind k) {
  static const char *const names[] = {"source", "stage", "sink", "window"};
  return names[k];
}

static void dump_row(FILE *out, const row_type *r, const bool *needed) {
  char buf[32];
  fputc('{', out);
  for (int i = 0; i < r->nfields; i++)
    fprintf(out, "%s%s: %s%s", i ? ", " : " ", r->fields[i].name, ty_str(r->fields[i].type, buf),
            needed && !needed[i] ? " (unread)" : "");
  fputs(r->nfields ? " }" : "}", out);
}

void plan_dump(FILE *out, const plan_program *p) {
  fprintf(out, "plan %s: %d nodes, %d params, %d dead-letter connectors\n", p->file, p->nnodes,
          p->nparams, p->ndead);
  for (int i = 0; i < p->nnodes; i++) {
    const plan_node *n = p->nodes[i];
    fprintf(out, "  #%d %s %s (%d:%d)", n->index, kind_name(n->kind), n->name ? n->name : "",
            n->at.line, n->at.col);
    if (n->input >= 0) fprintf(out, " <- #%d", n->input);
    fputc('\n', out);
    if (n->kind == PLAN_STAGE || n->kind == PLAN_WINDOW) {
      fputs("      in  ", out);
      dump_row(out, &n->in, NULL);
      fputc('\n', out);
    }
    if (n->kind == PLAN_STAGE) {
      for (int k = 0; k < n->nops; k++) {
        bool prep = k == n->nops - 1 && n->prep_of;
        fprintf(out, "      op %d: %s (%d:%d)\n", k, prep ? "prep" : op_kind_name(n->ops[k]->kind),
                n->ops[k]->at.line, n->ops[k]->at.col);
      }
    }
    if (n->kind == PLAN_WINDOW) dump_window(out, p, n);
    fputs(n->kind == PLAN_SINK ? "      in  " : "      out ", out);
    dump_row(out, &n->out, n->kind == PLAN_SINK ? NULL : n->needed);
    fputc('\n', out);
  }
  for (int i = 0; i < p->ndead; i++)
    fprintf(out, "  dead %d: %s(%s)\n", i, p->dead[i]->name ? p->dead[i]->name : "?",
            p->dead[i]->path ? p->dead[i]->path : "<param>");
}
