/* lex.h: what the lexer (lex.re), the parser (parse.y) and their helpers (parse_util.c)
 * share: the parse context, the location type and the tree-building helpers the grammar's
 * actions call. Only gen/lex.c and gen/parse.c see Bison's token numbers; everything else
 * goes through the functions declared here. */
#ifndef PIPE_LEX_H
#define PIPE_LEX_H

#include <stdbool.h>
#include <stdint.h>
#include "ast.h"

/* Bison's location type: the span of the symbol (on its first line) plus where it ends,
 * which an empty rule needs to place itself. */
typedef struct parse_loc {
  span at;
  int end_line, end_col;
} parse_loc;

/* A string literal's bytes after escapes (may contain NUL). */
typedef struct lex_str {
  const char *s;
  int64_t len;
} lex_str;

/* `watermark FIELD - DELAY` of a source; field NULL when absent. */
typedef struct parse_wm {
  const char *field;
  span at;
  ast_expr *delay;
} parse_wm;

/* A policy as written, `skip` or `dead_letter(conn)`, before the clause it belongs to
 * (`on error`, `on late`) decides which words it may be. */
typedef struct parse_pol {
  const char *word;
  span at;
  ast_conn *conn;       /* NULL without parentheses */
} parse_pol;

/* One parse of one file: the lexer's cursor and where the tree goes. */
typedef struct parse_ctx {
  arena *a;
  diag_ctx *d;
  ast_program *prog;
  const src_file *f;
  const char *cur, *lim, *mar, *tok, *line_start;
  const char *ctx;      /* re2c's trailing-context marker (`retry` before `(`) */
  int line;
  int last_line, last_col;  /* where the last token ended: the end of file's location */
  bool resync;          /* after a bad declaration: drop tokens until the next one starts */
  /* Brackets open at the current token, innermost last, so that a syntax error on a later
   * line can point at the one never closed. Deeper nesting than this is not tracked. */
  struct { char ch; span at; } open[32];
  int nopen;
} parse_ctx;

void lex_init(parse_ctx *pc, arena *a, diag_ctx *d, const src_file *f);

/* One token, for tests and tools that lex without parsing. */
typedef struct lex_token {
  int kind;             /* Bison token number; 0 at the end of the file */
  const char *name;     /* "name", "integer", "`|`", "`select`", "end of file" */
  span at;
  int64_t i;            /* integer, duration (microseconds) */
  double f;
  lex_str str;          /* string; name for identifiers */
} lex_token;

/* Lexes the next token into t; returns t->kind (0 at the end). Defined in parse.y. */
int lex_token_next(parse_ctx *pc, lex_token *t);

/* The Bison parser over pc (gen/parse.c). */
int yyparse(parse_ctx *pc);

/* ---- helpers of the lexer (lex_util.c) ---- */
span lex_span(parse_ctx *pc, const char *start, const char *end);
const char *lex_ident(parse_ctx *pc);
bool lex_int(parse_ctx *pc, const char *s, const char *e, int64_t *out);
bool lex_float(parse_ctx *pc, double *out);
bool lex_duration(parse_ctx *pc, int64_t *out);
void lex_bad_number(parse_ctx *pc);
void lex_bad_char(parse_ctx *pc);
void lex_newline(parse_ctx *pc);
/* Decodes the string literal that starts at pc->tok (the opening quote), reporting bad
 * escapes and a missing closing quote; leaves pc->cur after it. */
lex_str lex_string(parse_ctx *pc);

/* ---- helpers of the grammar's actions (parse_util.c; fns and externs: parse_decl.c) ---- */
void parse_loc_merge(parse_loc *cur, const parse_loc *rhs, int n);
void parse_add_decl(parse_ctx *pc, ast_decl *d);
ptrvec parse_vec(parse_ctx *pc, void *first);
ptrvec parse_push(parse_ctx *pc, ptrvec v, void *item);
ast_type parse_type(parse_ctx *pc, span at, const char *name, bool nullable);
ast_field *parse_field(parse_ctx *pc, span at, const char *name, ast_type t);
ast_decl *parse_schema(parse_ctx *pc, span at, const char *name, span name_at, ptrvec fields);
ast_decl *parse_param(parse_ctx *pc, span at, const char *name, span name_at, ast_type t,
                      ast_expr *def);
ast_decl *parse_const(parse_ctx *pc, span at, const char *name, span name_at, ast_expr *v);
ast_decl *parse_fn(parse_ctx *pc, span at, const char *name, span name_at, ptrvec params);
ast_decl *parse_fn_finish(parse_ctx *pc, ast_decl *fn, ast_type ret, ast_expr *body);
ast_decl *parse_extern(parse_ctx *pc, span at, ast_decl *fn, ast_type ret);
ast_decl *parse_extern_from(parse_ctx *pc, const char *word, span word_at, lex_str lib,
                            span lib_at);
ast_decl *parse_source(parse_ctx *pc, span at, const char *name, span name_at,
                       const char *schema, span schema_at, ast_conn *conn, parse_wm wm,
                       ast_policy *policy);
ast_decl *parse_let(parse_ctx *pc, span at, const char *name, span name_at, ast_flow *flow);
ast_decl *parse_flow_decl(parse_ctx *pc, ast_flow *flow);
ast_decl *parse_import(parse_ctx *pc, span at, lex_str path, span path_at);
ast_flow *parse_flow(parse_ctx *pc, span at, const char *from, ptrvec ops);
ast_op *parse_filter(parse_ctx *pc, span at, ast_expr *cond, ast_policy *policy);
ast_op *parse_select(parse_ctx *pc, span at, ptrvec items);
ast_op *parse_window(parse_ctx *pc, span at, const char *kind, span kind_at, ast_expr *size,
                     ast_expr *every, ptrvec keys, ptrvec aggs);
ast_op *parse_op_policy(parse_ctx *pc, ast_op *op, ast_policy *policy);
ast_op *parse_aggregate(parse_ctx *pc, span at, ptrvec keys, ptrvec aggs);
/* `on WORD POLICY` after a window or aggregate: WORD is `error` or `late`. */
ast_op *parse_win_on(parse_ctx *pc, ast_op *op, const char *word, span word_at, parse_pol p);
/* A key of `by`: `name = expr`, or an expression alone (name NULL). */
ast_sel_item *parse_key(parse_ctx *pc, span at, const char *name, ast_expr *value);
ast_op *parse_sink(parse_ctx *pc, span at, ast_conn *conn);
/* `retry(args)` or `breaker(args)` (word "retry" or "breaker") after a sink. */
ast_op *parse_sink_clause(parse_ctx *pc, ast_op *op, const char *word, span word_at,
                          ptrvec args);
/* `on error POLICY` after a sink: fail or dead_letter(conn). */
ast_op *parse_sink_on(parse_ctx *pc, ast_op *op, span word_at, parse_pol p);
ast_sel_item *parse_item(parse_ctx *pc, span at, sel_kind kind, const char *name,
                         ast_expr *value);
ast_conn *parse_conn(parse_ctx *pc, span at, const char *name, ptrvec args);
ast_arg *parse_arg(parse_ctx *pc, span at, const char *name, ast_expr *value);
/* `name = lo..hi` in a sink's clause. */
ast_arg *parse_range_arg(parse_ctx *pc, span at, const char *name, ast_expr *lo, ast_expr *hi);
/* The policy of `on error`: fail, skip or dead_letter(conn). */
ast_policy *parse_policy(parse_ctx *pc, parse_pol p);
ast_expr *parse_int(parse_ctx *pc, span at, int64_t v);
ast_expr *parse_duration(parse_ctx *pc, span at, int64_t us);
ast_expr *parse_float(parse_ctx *pc, span at, double v);
ast_expr *parse_string(parse_ctx *pc, span at, lex_str s);
ast_expr *parse_bool(parse_ctx *pc, span at, bool b);
ast_expr *parse_null(parse_ctx *pc, span at);
ast_expr *parse_name(parse_ctx *pc, span at, const char *id);
ast_expr *parse_unary(parse_ctx *pc, span at, un_op op, ast_expr *e);
ast_expr *parse_binary(parse_ctx *pc, span at, bin_op op, ast_expr *l, ast_expr *r);
ast_expr *parse_if(parse_ctx *pc, span at, ast_expr *c, ast_expr *t, ast_expr *e);
ast_expr *parse_call(parse_ctx *pc, span at, const char *id, span id_at, ptrvec args);

#endif
