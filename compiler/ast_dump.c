/* ast_dump.c: prints the syntax tree as indented S-expressions for `pipec check
 * --dump=ast` and for the parser's tests. Expressions print on one line, `(+ a (* b c))`;
 * once sema has typed an expression its type follows it after a colon, `(+ a:i64 1:i64):i64`.
 * The output is for people and tests, not for reading back. */
#include "ast.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void print_float(FILE *out, double f) {
  char buf[40];
  for (int prec = 15; prec <= 17; prec++) {   /* the shortest text that reads back */
    snprintf(buf, sizeof buf, "%.*g", prec, f);
    if (strtod(buf, NULL) == f) break;
  }
  fputs(buf, out);
  if (!strpbrk(buf, ".eEin")) fputs(".0", out);
}

static void print_duration(FILE *out, int64_t us) {
  static const struct { const char *unit; int64_t us; } units[] = {
      {"d", 86400000000LL}, {"h", 3600000000LL}, {"m", 60000000LL},
      {"s", 1000000LL},     {"ms", 1000LL},      {"us", 1},
  };
  if (us == 0) {
    fputs("0s", out);
    return;
  }
  for (size_t i = 0; i < sizeof units / sizeof *units; i++)
    if (us % units[i].us == 0) {
      fprintf(out, "%" PRId64 "%s", us / units[i].us, units[i].unit);
      return;
    }
}

static void print_string(FILE *out, const char *s, int64_t len) {
  fputc('"', out);
  for (int64_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\t': fputs("\\t", out); break;
    case '\r': fputs("\\r", out); break;
    case 0: fputs("\\0", out); break;
    default:
      if (c < 0x20) fprintf(out, "\\u{%x}", c);
      else fputc(c, out);
    }
  }
  fputc('"', out);
}

static void print_type(FILE *out, ty t) {
  char buf[24];
  if (t.kind != TY_ERROR) fprintf(out, ":%s", ty_str(t, buf));
}

void ast_dump_expr(FILE *out, const ast_expr *e) {
  if (!e) {
    fputs("<none>", out);
    return;
  }
  switch (e->kind) {
  case EXPR_INT: fprintf(out, "%" PRId64, e->u.i); break;
  case EXPR_FLOAT: print_float(out, e->u.f); break;
  case EXPR_STRING: print_string(out, e->u.str.s, e->u.str.len); break;
  case EXPR_BOOL: fputs(e->u.b ? "true" : "false", out); break;
  case EXPR_NULL: fputs("null", out); break;
  case EXPR_DURATION: print_duration(out, e->u.i); break;
  case EXPR_TIMESTAMP: fprintf(out, "(timestamp %" PRId64 ")", e->u.i); break;
  case EXPR_NAME: fputs(e->u.name.id, out); break;
  case EXPR_UNARY:
    fputs(e->u.unary.op == UN_NEG ? "(- " : "(not ", out);
    ast_dump_expr(out, e->u.unary.e);
    fputc(')', out);
    break;
  case EXPR_WIDEN:
    fputs("(widen ", out);
    ast_dump_expr(out, e->u.unary.e);
    fputc(')', out);
    break;
  case EXPR_BINARY:
    fprintf(out, "(%s ", bin_op_name(e->u.binary.op));
    ast_dump_expr(out, e->u.binary.l);
    fputc(' ', out);
    ast_dump_expr(out, e->u.binary.r);
    fputc(')', out);
    break;
  case EXPR_IF:
    fputs("(if ", out);
    ast_dump_expr(out, e->u.cond.c);
    fputc(' ', out);
    ast_dump_expr(out, e->u.cond.t);
    fputc(' ', out);
    ast_dump_expr(out, e->u.cond.e);
    fputc(')', out);
    break;
  case EXPR_CALL:
    fprintf(out, "(call %s", e->u.call.id);
    for (int i = 0; i < e->u.call.args.len; i++) {
      fputc(' ', out);
      ast_dump_expr(out, e->u.call.args.items[i]);
    }
    fputc(')', out);
    break;
  }
  print_type(out, e->type);
}

static void indent(FILE *out, int n) {
  fprintf(out, "\n%*s", 2 * n, "");
}

static void dump_type(FILE *out, ast_type t) {
  fprintf(out, "%s%s", t.name ? t.name : "<none>", t.nullable ? "?" : "");
}

static void dump_fields(FILE *out, const ptrvec *v, int depth) {
  for (int i = 0; i < v->len; i++) {
    const ast_field *f = v->items[i];
    indent(out, depth);
    fprintf(out, "(%s ", f->name);
    dump_type(out, f->type);
    fputc(')', out);
  }
}

static void dump_conn(FILE *out, const ast_conn *c) {
  fprintf(out, "(%s", c->name);
  for (int i = 0; i < c->args.len; i++) {
    const ast_arg *a = c->args.items[i];
    fputc(' ', out);
    if (a->name) fprintf(out, "%s=", a->name);
    ast_dump_expr(out, a->value);
  }
  fputc(')', out);
}

/* A sink's `retry(...)` or `breaker(...)` as written: `(retry max=3 backoff=1ms..2s)`. */
static void dump_clause(FILE *out, const char *word, const ast_clause *c) {
  if (!c) return;
  fprintf(out, " (%s", word);
  for (int i = 0; i < c->args.len; i++) {
    const ast_arg *a = c->args.items[i];
    fputc(' ', out);
    if (a->name) fprintf(out, "%s=", a->name);
    ast_dump_expr(out, a->value);
    if (!a->hi) continue;
    fputs("..", out);
    ast_dump_expr(out, a->hi);
  }
  fputc(')', out);
}

static void dump_policy(FILE *out, const char *clause, const ast_policy *p) {
  if (!p) return;
  static const char *const names[] = {"fail", "skip", "dead_letter"};
  fprintf(out, " (on-%s %s", clause, names[p->kind]);
  if (p->dead) {
    fputc(' ', out);
    dump_conn(out, p->dead);
  }
  fputc(')', out);
}

/* `f`, `...`, `(n expr)`; an unnamed key (an error sema reports) is its expression alone. */
static void dump_item(FILE *out, const ast_sel_item *it) {
  if (it->kind == SEL_ALL) {
    fputs("...", out);
  } else if (it->kind == SEL_FIELD && !it->value) {
    fputs(it->name, out);
  } else if (!it->name) {
    ast_dump_expr(out, it->value);
  } else {
    fprintf(out, "(%s ", it->name);
    ast_dump_expr(out, it->value);
    fputc(')', out);
  }
}

static void dump_items(FILE *out, const ptrvec *v, int depth) {
  for (int i = 0; i < v->len; i++) {
    indent(out, depth);
    dump_item(out, v->items[i]);
  }
}

static void dump_row(FILE *out, const char *what, const row_type *r, int depth) {
  if (r->nfields == 0) return;
  char buf[24];
  indent(out, depth);
  fprintf(out, "(%s", what);
  for (int i = 0; i < r->nfields; i++)
    fprintf(out, " %s:%s", r->fields[i].name, ty_str(r->fields[i].type, buf));
  fputc(')', out);
}

static void dump_window(FILE *out, const ast_op *o, int depth) {
  if (o->kind == OP_WINDOW) {
    fprintf(out, " %s ", o->u.window.kind_name);
    ast_dump_expr(out, o->u.window.size);
    if (o->u.window.every) {
      fputs(" (every ", out);
      ast_dump_expr(out, o->u.window.every);
      fputc(')', out);
    }
  }
  if (o->u.window.keys.len) {
    fputs(" (by", out);
    for (int i = 0; i < o->u.window.keys.len; i++) {
      fputc(' ', out);
      dump_item(out, o->u.window.keys.items[i]);
    }
    fputc(')', out);
  }
  dump_items(out, &o->u.window.aggs, depth + 1);
}

/* What sema adds to a window: its event-time field, its aggregate calls (the columns of
 * `mid` after keys and times) and `mid` itself. Nothing before sema. */
static void dump_window_sema(FILE *out, const ast_op *o, int depth) {
  int ts = o->u.window.ts_index;
  if (ts >= 0 && ts < o->in.nfields) {
    indent(out, depth);
    fprintf(out, "(event-time %s)", o->in.fields[ts].name);
  }
  const ptrvec *calls = &o->u.window.calls;
  if (calls->len) {
    indent(out, depth);
    fputs("(calls", out);
    for (int i = 0; i < calls->len; i++) {
      const ast_agg_call *c = calls->items[i];
      fprintf(out, " (%s", agg_fn_name(c->fn));
      if (c->arg) {
        fputc(' ', out);
        ast_dump_expr(out, c->arg);
      }
      fputc(')', out);
      print_type(out, c->type);
    }
    fputc(')', out);
  }
  dump_row(out, "mid", &o->u.window.mid, depth);
}

static void dump_op(FILE *out, const ast_op *o, int depth) {
  indent(out, depth);
  fprintf(out, "(%s", op_kind_name(o->kind));
  switch (o->kind) {
  case OP_FILTER:
    fputc(' ', out);
    ast_dump_expr(out, o->u.filter.cond);
    break;
  case OP_SELECT: dump_items(out, &o->u.select.items, depth + 1); break;
  case OP_WINDOW:
  case OP_AGGREGATE: dump_window(out, o, depth); break;
  case OP_SINK:
    fputc(' ', out);
    dump_conn(out, o->u.sink.conn);
    dump_clause(out, "retry", o->u.sink.retry);
    dump_clause(out, "breaker", o->u.sink.breaker);
    break;
  }
  dump_policy(out, "error", o->policy);
  if (o->kind == OP_WINDOW || o->kind == OP_AGGREGATE) {
    dump_policy(out, "late", o->u.window.late);
    dump_window_sema(out, o, depth + 1);
  }
  dump_row(out, "out", &o->out, depth + 1);
  fputc(')', out);
}

static void dump_flow(FILE *out, const ast_flow *f, int depth) {
  fprintf(out, "(flow %s", f->from);
  for (int i = 0; i < f->ops.len; i++) dump_op(out, f->ops.items[i], depth + 1);
  fputc(')', out);
}

static void dump_fn(FILE *out, const ast_decl *d) {
  fprintf(out, "(%s %s (", decl_kind_name(d->kind), d->name);
  for (int i = 0; i < d->u.fn.params.len; i++) {
    const ast_field *f = d->u.fn.params.items[i];
    fprintf(out, "%s%s ", i ? " " : "", f->name);
    dump_type(out, f->type);
  }
  fputs(") ", out);
  dump_type(out, d->u.fn.ret);
  if (d->kind == DECL_EXTERN && d->u.fn.lib) {
    fputs(" (from ", out);
    print_string(out, d->u.fn.lib, (int64_t)strlen(d->u.fn.lib));
    fputc(')', out);
  }
  if (d->u.fn.body) {
    indent(out, 1);
    ast_dump_expr(out, d->u.fn.body);
  }
  fputc(')', out);
}

static void dump_source(FILE *out, const ast_decl *d) {
  fprintf(out, "(source %s %s ", d->name, d->u.source.schema_name);
  dump_conn(out, d->u.source.conn);
  if (d->u.source.wm_field) {
    fprintf(out, " (watermark %s ", d->u.source.wm_field);
    ast_dump_expr(out, d->u.source.wm_delay);
    fputc(')', out);
  }
  dump_policy(out, "error", d->u.source.policy);
  fputc(')', out);
}

static void dump_decl(FILE *out, const ast_decl *d) {
  switch (d->kind) {
  case DECL_SCHEMA:
    fprintf(out, "(schema %s", d->name);
    dump_fields(out, &d->u.schema.fields, 1);
    fputc(')', out);
    break;
  case DECL_PARAM:
    fprintf(out, "(param %s ", d->name);
    dump_type(out, d->u.param.type);
    if (d->u.param.def) {
      fputc(' ', out);
      ast_dump_expr(out, d->u.param.def);
    }
    fputc(')', out);
    break;
  case DECL_CONST:
    fprintf(out, "(const %s ", d->name);
    ast_dump_expr(out, d->u.cnst.value);
    fputc(')', out);
    break;
  case DECL_FN:
  case DECL_EXTERN: dump_fn(out, d); break;
  case DECL_SOURCE: dump_source(out, d); break;
  case DECL_LET:
    fprintf(out, "(let %s ", d->name);
    dump_flow(out, d->u.let.flow, 1);
    fputc(')', out);
    break;
  case DECL_FLOW: dump_flow(out, d->u.flow, 0); break;
  case DECL_IMPORT:
    fputs("(import ", out);
    print_string(out, d->u.import.path, (int64_t)strlen(d->u.import.path));
    fputc(')', out);
    break;
  }
  fputc('\n', out);
}

void ast_dump(FILE *out, const ast_program *p) {
  for (int i = 0; i < p->decls.len; i++) dump_decl(out, p->decls.items[i]);
}
