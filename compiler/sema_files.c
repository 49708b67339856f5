/* sema_files.c: no two writers of one file (E0404). File sinks write through a temporary
 * file renamed at the end of the run (runtime/src/file_write.c), so two sinks writing the
 * same path would silently keep only one output. Paths are compared as written (the same
 * literal, const or param); dead letters of equal connectors share one writer (plan.c),
 * so only a dead letter that meets a sink, or another connector kind, on the same path
 * is an error. Paths given by two different params can still meet at run time: the
 * runtime refuses that when it opens the sinks. */
#include <string.h>

#include "sema_internal.h"

typedef struct writer {
  const ast_conn *c;
  bool dead;
} writer;

/* A file sink's path: not the standard streams, and not a device (`/dev/null` may take
 * any number of writers, which write it in place). */
static bool is_file(const ast_conn *c) {
  return c && (c->kind == CONN_CSV || c->kind == CONN_JSONL) &&
         (c->path_param >= 0 ||
          (c->path && strcmp(c->path, "-") != 0 && strncmp(c->path, "/dev/", 5) != 0));
}

static bool same_file(const ast_conn *x, const ast_conn *y) {
  if (x->path_param >= 0 || y->path_param >= 0) return x->path_param == y->path_param;
  return strcmp(x->path, y->path) == 0;
}

/* The param a path comes from, for the message. */
static const char *param_name(sema *s, int index) {
  for (int i = 0; i < s->p->decls.len; i++) {
    const ast_decl *d = s->p->decls.items[i];
    if (d->kind == DECL_PARAM && d->u.param.index == index) return d->name;
  }
  return "?";
}

static void add(sema *s, ptrvec *v, const ast_conn *c, bool dead) {
  if (!is_file(c)) return;
  for (int i = 0; i < v->len; i++) {
    const writer *w = v->items[i];
    if (!same_file(w->c, c) || (dead && w->dead && w->c->kind == c->kind)) continue;
    if (c->path_param >= 0)
      diag_error(s->d, c->at, DIAG_E0404, "the file of param `%s` is written twice",
                 param_name(s, c->path_param));
    else
      diag_error(s->d, c->at, DIAG_E0404, "`%s` is written twice", c->path);
    diag_note(s->d, w->c->at, "it is also the %s here", w->dead ? "dead letter" : "sink");
    diag_hint(s->d, "only one of them would keep its rows; give each its own file");
    return;
  }
  writer *w = arena_alloc(s->a, sizeof *w);
  w->c = c;
  w->dead = dead;
  ptrvec_push(s->a, v, w);
}

static void add_policy(sema *s, ptrvec *v, const ast_policy *p) {
  if (p && p->kind == POLICY_DEAD) add(s, v, p->dead, true);
}

static void add_flow(sema *s, ptrvec *v, const ast_flow *f) {
  for (int i = 0; f && i < f->ops.len; i++) {
    const ast_op *op = f->ops.items[i];
    add_policy(s, v, op->policy);
    if (op->kind == OP_SINK) add(s, v, op->u.sink.conn, false);
    if (op->kind == OP_WINDOW) add_policy(s, v, op->u.window.late);
  }
}

void sema_check_files(sema *s) {
  ptrvec v = {0};
  for (int i = 0; i < s->p->decls.len; i++) {
    const ast_decl *d = s->p->decls.items[i];
    if (d->kind == DECL_SOURCE) add_policy(s, &v, d->u.source.policy);
    else if (d->kind == DECL_LET) add_flow(s, &v, d->u.let.flow);
    else if (d->kind == DECL_FLOW) add_flow(s, &v, d->u.flow);
  }
}
