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
  SCOPE_AGG,    /* an item of a window: its keys and window times (row), params, consts,
                 * and aggregate calls, whose arguments see the fields of the input */
} scope_kind;

/* One window or aggregate being checked (sema_window.c). Its `mid` row grows by one
 * column per distinct aggregate call (sema_agg.c) after the `nfixed` keys and times. */
typedef struct sema_win {
  ast_op *op;
  const row_type *in;   /* NULL when unknown (already reported) */
  row_type *mid;        /* &op->u.window.mid */
  int cap;              /* fields allocated in mid */
  int nfixed;           /* keys, window_start, window_end (windows only) */
} sema_win;

typedef struct scope {
  scope_kind kind;
  const row_type *row;  /* SCOPE_ROW, SCOPE_AGG; NULL when unknown (already reported) */
  ast_decl *fn;         /* SCOPE_FN */
  sema_win *win;        /* SCOPE_AGG, and the SCOPE_ROW of an aggregate's argument */
  const ast_expr *agg;  /* SCOPE_ROW of an aggregate's argument: that call (no nesting) */
  bool keys;            /* SCOPE_ROW of a window's keys (no aggregates either) */
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

/* ---- sema_delivery.c: a sink's retry, breaker and `on error` (after its connector) ---- */
void sema_check_delivery(sema *s, ast_op *op);

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

/* ---- sema_window.c: windows and aggregates ---- */
/* The event time of the rows at one point of a flow, and why there is none. */
typedef struct sema_evt {
  int index;            /* the event-time field of the row, or -1 */
  bool known;           /* false after an error upstream: nothing more to report */
  ast_decl *source;     /* the source the rows come from, or NULL */
  ast_op *lost;         /* the select that dropped the event-time field, or the window
                         * whose rows have none; NULL when the source has no watermark */
} sema_evt;

/* Checks a window or aggregate whose rows `in` (NULL: unknown) have event time `ev`;
 * returns its output row (NULL: unknown). */
const row_type *sema_check_window(sema *s, ast_op *op, const row_type *in,
                                  const sema_evt *ev);
/* Appends a column to the window's `mid` row. */
void sema_win_add(sema *s, sema_win *w, const char *name, ty t);

/* ---- sema_agg.c: aggregate calls ---- */
/* A call to an aggregate function: in SCOPE_AGG it is checked, added to the window's
 * calls and replaced by the name of its column of `mid`; anywhere else it is E0313. */
ast_expr *sema_agg_call(sema *s, const scope *sc, ast_expr *e, agg_fn fn);
/* In SCOPE_AGG, for a name that is not a key or window time: whether it is a mistake
 * peculiar to windows, reported here: a field of the input outside any aggregate (E0314,
 * it has no single value per group), or the times of a window in an `aggregate`. */
bool sema_agg_name(sema *s, const scope *sc, ast_expr *e);
/* An unknown name in an aggregate's argument that is a key or bound of its window:
 * reported (E0201, saying why); false when it is none of these. */
bool sema_agg_arg_name(sema *s, const scope *sc, ast_expr *e);

/* ---- sema_flow.c: lets, flows and operators ---- */
/* An EXPR_NAME of field i of row r. */
ast_expr *sema_field_ref(sema *s, span at, const row_type *r, int i);
void sema_check_let(sema *s, ast_decl *d);
void sema_check_flow(sema *s, ast_decl *d);
/* sema_files.c: two writers of one file (E0404), after every flow is checked. */
void sema_check_files(sema *s);
/* The rows a let emits, or NULL when unknown (poisoned). */
const row_type *sema_let_row(sema *s, ast_decl *d);

#endif
