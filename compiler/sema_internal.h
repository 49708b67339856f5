/* sema_internal.h: what the sema_*.c files share. One `sema` context per check holds the
 * declaration table; a `scope` says which names an expression may use (fields of a row,
 * the arguments of a fn, params, consts). Checking functions report, poison (TY_ERROR) and
 * return, so callers never stop early; a poisoned operand silences errors about its parent.
 * Declarations are checked lazily with a state (0 new, 1 in progress, 2 done, 3 done but
 * poisoned) so that a reference to an unchecked const, fn or let checks it first and a
 * reference to one in progress is a cycle (E0208). */
#ifndef PIPE_SEMA_INTERNAL_H
#define PIPE_SEMA_INTERNAL_H

#include <stdbool.h>
#include "ast.h"

enum { ST_NEW, ST_BUSY, ST_DONE, ST_POISON };

typedef struct sema {
  arena *a;
  diag_ctx *d;
  ast_program *p;
  ptrvec names;           /* ast_decl* with a name, first declaration of each name */
  ptrvec dups;            /* ast_decl* rejected as declared twice (E0200) */
  ptrvec loaded;          /* char*: real paths of the files parsed so far */
  int nparams;
} sema;

typedef enum scope_kind {
  SCOPE_CONST,  /* const values, param defaults, connector options: consts only */
  SCOPE_FN,     /* a fn body: its arguments, consts, params */
  SCOPE_ROW,    /* an operator: fields of the input row, params, consts */
} scope_kind;

typedef struct scope {
  scope_kind kind;
  const row_type *row;  /* SCOPE_ROW; NULL when the row is unknown (already reported) */
  ast_decl *fn;         /* SCOPE_FN */
} scope;

/* ---- sema.c: declaration table ---- */
ast_decl *sema_lookup(sema *s, const char *name);
/* Whether `name` was declared twice: a use of the wrong kind is then no new mistake. */
bool sema_is_dup(sema *s, const char *name);
/* Candidate names for "did you mean": declarations of the kinds in `mask` (bits 1<<kind). */
void sema_cands_decls(sema *s, ptrvec *out, unsigned mask);
const char *sema_closest(const char *name, ptrvec *cands);
/* Reports "did you mean" as a hint when a close candidate exists. */
void sema_hint_closest(sema *s, const char *name, ptrvec *cands);

/* ---- sema_decl.c: types and declarations ---- */
/* Resolves a written value type; reports E0202/E0311 and returns TY_ERROR when bad. */
ty sema_resolve_type(sema *s, const ast_type *t);
void sema_check_schema(sema *s, ast_decl *d);
void sema_check_param_type(sema *s, ast_decl *d);
void sema_check_param_default(sema *s, ast_decl *d);
void sema_check_const(sema *s, ast_decl *d);
void sema_check_fn_sig(sema *s, ast_decl *d);
void sema_check_fn_body(sema *s, ast_decl *d);
void sema_check_source(sema *s, ast_decl *d);

/* ---- sema_conn.c: connectors and error policies ---- */
typedef enum conn_use { CONN_AS_SOURCE, CONN_AS_SINK, CONN_AS_DEAD } conn_use;
void sema_check_conn(sema *s, ast_conn *c, conn_use use);
void sema_check_policy(sema *s, ast_policy *pol);

/* ---- sema_expr.c: expressions ---- */
ast_expr *sema_expr(sema *s, const scope *sc, ast_expr *e);
/* e converted to base type `want`: i64 widened to f64, `null` given the type (nullable).
 * Returns NULL when the base types differ (nothing reported). */
ast_expr *sema_convert(sema *s, ast_expr *e, ty_kind want);
ast_expr *sema_widen(sema *s, ast_expr *e);
/* The whole extent of e on its first line, for carets under a sub-expression. */
span sema_span(const ast_expr *e);
span sema_span_join(span a, span b);
static inline bool ty_is_err(ty t) { return t.kind == TY_ERROR; }
static inline ty ty_make(ty_kind k, bool nullable) { ty t = { k, nullable }; return t; }
static inline bool ty_is_num(ty_kind k) { return k == TY_I64 || k == TY_F64; }

/* ---- sema_call.c: calls to builtins, fns and externs ---- */
ast_expr *sema_call(sema *s, const scope *sc, ast_expr *e);

/* ---- sema_fold.c: constant folding and tree copies ---- */
bool sema_is_lit(const ast_expr *e);
/* Folds e in place when its operands are literals; reports E0305/E0306/E0307 and poisons
 * e when the constant computation fails. */
void sema_fold(sema *s, ast_expr *e);
/* A deep copy of e. When args is non-NULL, REF_ARG names become copies of args[index]
 * and the copied nodes of e get span `at` (inlining); the result is folded again. */
ast_expr *sema_clone(sema *s, const ast_expr *e, ast_expr **args, const span *at);

/* ---- sema_flow.c: lets, flows and operators ---- */
void sema_check_let(sema *s, ast_decl *d);
void sema_check_flow(sema *s, ast_decl *d);
/* The rows a let emits, or NULL when unknown (poisoned). */
const row_type *sema_let_row(sema *s, ast_decl *d);

#endif
