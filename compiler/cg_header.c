/* cg_header.c: the C header of `pipec build --emit=obj --header F.h`, for a program that
 * embeds the object. It declares the descriptor `<prefix>_program` and a typed API over
 * pipe/pipe.h, every name starting with the prefix so that two programs can live in one
 * executable: `P_open`, a setter `P_set_NAME` per param, and for each host() source S a
 * row struct `P_S_row` with `P_S_push` (an array of rows), `P_S_flush`, `P_S_end` and
 * `P_S_push_arrow`; for the i-th host() sink `P_sinkI_row`, `P_sinkI_bind` (a typed
 * callback) and `P_sinkI_bind_arrow`. The functions are static inline: they pass a table
 * of offsetof/sizeof to the runtime, which converts between structs and columns
 * (runtime/src/host_rows.c, host_sink.c). Comments say what the untyped API takes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend_extern.h"
#include "cg.h"

/* C and C++ keywords (and stdbool's names) a field may not be called in C: such a
 * member gets a trailing `_`. */
static const char *const keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch",
    "typedef", "union", "unsigned", "void", "volatile", "while", "bool", "true", "false",
    "asm", "catch", "class", "delete", "friend", "mutable", "namespace", "new", "operator",
    "private", "protected", "public", "template", "this", "throw", "try", "typename",
    "virtual", "using", "explicit", "export", "noexcept", "nullptr", "NULL",
};

static const char *member(cg_ctx *g, const char *name) {
  for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++)
    if (strcmp(name, keywords[i]) == 0) return arena_printf(g->a, "%s_", name);
  return name;
}

static const char *c_type(ty t) {
  switch (t.kind) {
  case TY_BOOL: return "bool";
  case TY_F64: return "double";
  case TY_STRING: return "const char *";
  default: return "int64_t";
  }
}

static const char *type_macro(ty t) {
  switch (t.kind) {
  case TY_BOOL: return "PIPE_T_BOOL";
  case TY_F64: return "PIPE_T_F64";
  case TY_STRING: return "PIPE_T_STRING";
  case TY_TIMESTAMP: return "PIPE_T_TIMESTAMP";
  case TY_DURATION: return "PIPE_T_DURATION";
  default: return "PIPE_T_I64";
  }
}

/* ---- the comments describing the untyped API ---------------------------------------- */

/* The pipe_value member a C host fills for a value of type t. */
static const char *value_slot(ty t) {
  switch (t.kind) {
  case TY_F64: return ".f";
  case TY_STRING: return ".s, .slen";
  default: return ".i";
  }
}

static void header_row(FILE *f, const row_type *r, bool slots) {
  char buf[24];
  for (int i = 0; i < r->nfields; i++)
    fprintf(f, " *   [%d] %s: %s%s%s\n", i, r->fields[i].name, ty_str(r->fields[i].type, buf),
            slots ? "  " : "", slots ? value_slot(r->fields[i].type) : "");
}

static const ast_conn *host_conn(const plan_node *n) {
  const ast_conn *c = n->kind == PLAN_SOURCE ? n->source->u.source.conn
                      : n->kind == PLAN_SINK ? n->sink->u.sink.conn : NULL;
  return c && c->kind == CONN_HOST ? c : NULL;
}

static void header_comment(FILE *f, const plan_node *n, int index) {
  if (n->kind == PLAN_SOURCE)
    fprintf(f, "/* host() source `%s` (%d:%d): pipe_host_push(run, \"%s\", row, &err) with\n"
               " * row[] in this order (the pipe_value members to fill; .is_null = 1 for null):\n",
            n->name, n->at.line, n->at.col, n->name);
  else
    fprintf(f, "/* host() sink %d (%d:%d): pipe_bind_sink(run, %d, fn, user); its rows:\n", index,
            n->at.line, n->at.col, index);
  header_row(f, &n->out, n->kind == PLAN_SOURCE);
  fprintf(f, " */\n");
}

/* ---- typed rows ----------------------------------------------------------------------- */

/* Whether the members of a row struct for r are distinct (`x_len` beside a string `x`
 * is not); prints the clash when not. */
static bool members_distinct(cg_ctx *g, const row_type *r, const char *tag) {
  const char **names = arena_alloc(g->a, (size_t)(3 * r->nfields + 1) * sizeof *names);
  int n = 0;
  for (int i = 0; i < r->nfields; i++) {
    const char *m = member(g, r->fields[i].name);
    names[n++] = m;
    if (r->fields[i].type.kind == TY_STRING) names[n++] = arena_printf(g->a, "%s_len", m);
    if (r->fields[i].type.nullable) names[n++] = arena_printf(g->a, "%s_is_null", m);
  }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < i; j++)
      if (strcmp(names[i], names[j]) == 0) {
        fprintf(stderr, "pipec: error: --header: two members of %s_row would be called `%s`; rename a field\n",
                tag, names[i]);
        return false;
      }
  return true;
}

static void row_struct(cg_ctx *g, FILE *f, const row_type *r, const char *tag) {
  fprintf(f, "typedef struct %s_row {\n", tag);
  for (int i = 0; i < r->nfields; i++) {
    ty t = r->fields[i].type;
    const char *m = member(g, r->fields[i].name);
    const char *ct = c_type(t);
    fprintf(f, "  %s%s%s;\n", ct, ct[strlen(ct) - 1] == '*' ? "" : " ", m);
    if (t.kind == TY_STRING) fprintf(f, "  int64_t %s_len;\n", m);
    if (t.nullable) fprintf(f, "  bool %s_is_null;\n", m);
  }
  if (r->nfields == 0) fprintf(f, "  char unused_;\n");
  fprintf(f, "} %s_row;\n\n", tag);
}

/* `static const pipe_field_layout layout[] = {...};` for the struct tag_row. */
static void layout_table(cg_ctx *g, FILE *f, const row_type *r, const char *tag) {
  fprintf(f, "  static const pipe_field_layout layout[] = {\n");
  for (int i = 0; i < r->nfields; i++) {
    ty t = r->fields[i].type;
    const char *m = member(g, r->fields[i].name);
    fprintf(f, "      {%s, %d, offsetof(%s_row, %s), ", type_macro(t), t.nullable, tag, m);
    if (t.kind == TY_STRING) fprintf(f, "offsetof(%s_row, %s_len), ", tag, m);
    else fprintf(f, "-1, ");
    if (t.nullable) fprintf(f, "offsetof(%s_row, %s_is_null)},\n", tag, m);
    else fprintf(f, "-1},\n");
  }
  if (r->nfields == 0) fprintf(f, "      {0, 0, 0, -1, -1},\n");
  fprintf(f, "  };\n");
}

static void host_source(cg_ctx *g, FILE *f, const plan_node *n, int index) {
  const char *tag = arena_printf(g->a, "%s_%s", g->stem, n->name);
  row_struct(g, f, &n->out, tag);
  fprintf(f, "/* Pushes n rows (copied) into `%s`: 0, or -1 with *err (see pipe_host_push_rows). */\n"
             "static inline int %s_push(pipe_run *r, const %s_row *rows, size_t n, pipe_error *err) {\n",
          n->name, tag, tag);
  layout_table(g, f, &n->out, tag);
  fprintf(f, "  return pipe_host_push_rows(r, %d, rows, n, sizeof(%s_row), layout, %d, err);\n}\n",
          index, tag, n->out.nfields);
  fprintf(f, "static inline int %s_flush(pipe_run *r, pipe_error *err) {\n"
             "  return pipe_host_flush(r, \"%s\", err);\n}\n", tag, n->name);
  fprintf(f, "static inline int %s_end(pipe_run *r, pipe_error *err) {\n"
             "  return pipe_host_end(r, \"%s\", err);\n}\n", tag, n->name);
  fprintf(f, "static inline int %s_push_arrow(pipe_run *r, struct ArrowArray *array,\n"
             "                                struct ArrowSchema *schema, pipe_error *err) {\n"
             "  return pipe_host_push_arrow(r, \"%s\", array, schema, err);\n}\n\n", tag, n->name);
}

static void host_sink(cg_ctx *g, FILE *f, const plan_node *n, int index) {
  const char *tag = arena_printf(g->a, "%s_sink%d", g->stem, index);
  row_struct(g, f, &n->out, tag);
  fprintf(f, "/* Called on the sink's thread with the rows of a batch; strings point into the\n"
             " * batch: rows and strings are valid for the call only. 0 to go on, N fails the run. */\n"
             "typedef int (*%s_fn)(void *user, const %s_row *rows, size_t n);\n", tag, tag);
  fprintf(f, "static inline int %s_call_(void (*fn)(void), void *user, const void *rows, size_t n) {\n"
             "  return ((%s_fn)fn)(user, (const %s_row *)rows, n);\n}\n", tag, tag, tag);
  fprintf(f, "/* Before pipe_start: 0, or -1 (see pipe_bind_sink_rows). */\n"
             "static inline int %s_bind(pipe_run *r, %s_fn fn, void *user) {\n", tag, tag);
  layout_table(g, f, &n->out, tag);
  fprintf(f, "  return pipe_bind_sink_rows(r, %d, %s_call_, (void (*)(void))fn, user, sizeof(%s_row),\n"
             "                             layout, %d);\n}\n", index, tag, tag, n->out.nfields);
  fprintf(f, "static inline int %s_bind_arrow(pipe_run *r, pipe_sink_arrow_fn fn, void *user) {\n"
             "  return pipe_bind_sink_arrow(r, %d, fn, user);\n}\n\n", tag, index);
}

static void param_setter(cg_ctx *g, FILE *f, const ast_decl *d) {
  ty t = d->u.param.resolved;
  const char *slot = t.kind == TY_F64 ? "f" : t.kind == TY_STRING ? "s" : "i";
  fprintf(f, "static inline int %s_set_%s(pipe_run *r, %s%svalue) {\n"
             "  pipe_value v = {0};\n  v.%s = value;\n%s"
             "  return pipe_set_param_value(r, \"%s\", %s, &v);\n}\n",
          g->stem, d->name, c_type(t), t.kind == TY_STRING ? "" : " ", slot,
          t.kind == TY_STRING ? "  v.slen = -1;\n" : "", d->name, type_macro(t));
}

/* Whether every name the typed API declares is distinct; prints the clash when not. */
static bool names_distinct(cg_ctx *g, const plan_program *p) {
  int sinks = 0;
  for (int i = 0; i < p->nnodes; i++) {
    const plan_node *n = p->nodes[i];
    if (!host_conn(n)) continue;
    const char *tag = n->kind == PLAN_SOURCE ? arena_printf(g->a, "%s_%s", g->stem, n->name)
                                             : arena_printf(g->a, "%s_sink%d", g->stem, sinks++);
    if (!members_distinct(g, &n->out, tag)) return false;
  }
  for (int i = 0; i < p->nnodes; i++) {
    const plan_node *n = p->nodes[i];
    int k = 0;
    if (!host_conn(n) || n->kind != PLAN_SOURCE || sscanf(n->name, "sink%d", &k) != 1) continue;
    if (strcmp(n->name, arena_printf(g->a, "sink%d", k)) == 0 && k < sinks) {
      fprintf(stderr, "pipec: error: --header: host() source `%s` has the name of host() sink %d's "
                      "functions; rename the source\n", n->name, k);
      return false;
    }
  }
  return true;
}

static void typed_api(cg_ctx *g, FILE *f, const plan_program *p) {
  fprintf(f, "/* Opens the program (see pipe_open); pipe_close frees the handle. */\n"
             "static inline pipe_run *%s_open(pipe_error *err) {\n"
             "  return pipe_open(&%s_program, err);\n}\n\n", g->stem, g->stem);
  for (int i = 0; i < p->nparams; i++) param_setter(g, f, p->params[i]);
  if (p->nparams) fprintf(f, "\n");
  int sources = 0, sinks = 0;
  for (int i = 0; i < p->nnodes; i++) {
    const plan_node *n = p->nodes[i];
    if (!host_conn(n)) continue;
    header_comment(f, n, n->kind == PLAN_SOURCE ? sources : sinks);
    if (n->kind == PLAN_SOURCE) host_source(g, f, n, sources++);
    else host_sink(g, f, n, sinks++);
  }
}

/* The libraries of the program's `extern fn ... from "LIB"`, which the object calls and
 * the embedding program must link too (pipec links them itself only into executables). */
static void link_externs(cg_ctx *g, FILE *f) {
  const char **links;
  int n = backend_extern_links(g, &links);
  for (int i = 0; i < n; i++)
    fprintf(f, "%s %s", i ? "" : "\n * Also link the libraries of its extern fns:", links[i]);
}

int cg_write_header(cg_ctx *g, const char *path) {
  if (!names_distinct(g, g->plan)) return 1;
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "pipec: error: cannot write %s: %s\n", path, strerror(errno));
    return 1;
  }
  fprintf(f,
          "/* %s: generated by pipec from %s. Do not edit.\n"
          " *\n"
          " * Link the object with libpipert (-lpipert -lsqlite3 -lpq -lpthread -lm).",
          path, g->plan->file);
  link_externs(g, f);
  fprintf(f, "\n * Run the program as a command with pipe_main(argc, argv, &%s_program), or open\n"
          " * it with %s_open and drive it with the typed functions below and pipe/pipe.h\n"
          " * (start, wait, stop, stats; docs/embedding.md). */\n"
          "#ifndef PIPE_GEN_%s_H\n#define PIPE_GEN_%s_H\n\n"
          "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
          "#include \"pipe/abi.h\"\n#include \"pipe/pipe.h\"\n\n"
          "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
          "extern const pipe_program_desc %s_program;\n\n",
          g->stem, g->stem, g->stem, g->stem, g->stem);
  typed_api(g, f, g->plan);
  fprintf(f, "#ifdef __cplusplus\n}\n#endif\n#endif\n");
  if (fclose(f) != 0) {
    fprintf(stderr, "pipec: error: cannot write %s: %s\n", path, strerror(errno));
    return 1;
  }
  return 0;
}
