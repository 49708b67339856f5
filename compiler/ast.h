/* ast.h: the syntax tree, built by the parser in the compilation's arena and annotated in
 * place by sema (types, resolved names, row types). Every node carries a span.
 *
 * After sema_check succeeds the tree is in "checked form", which plan and codegen rely on:
 * - every expression has a type other than TY_ERROR;
 * - consts are folded: no EXPR_NAME refers to a const, constant subtrees are literals;
 * - user fns are inlined: no EXPR_CALL names a user `fn`, no EXPR_NAME refers to an
 *   argument; calls left are builtins (call.builtin != BI_NONE) or externs (call.ext);
 * - the one implicit conversion, i64 to f64, is an explicit EXPR_WIDEN node;
 * - every EXPR_NAME is a field of the operator's input row or a param.
 */
#ifndef PIPE_AST_H
#define PIPE_AST_H

#include <stdbool.h>
#include <stdint.h>
#include "arena.h"
#include "diag.h"

/* ---- types ------------------------------------------------------------------------ */

#define TY_KINDS(X) \
  X(TY_ERROR, "<error>")       /* poisoned: silences follow-on errors */ \
  X(TY_NULL, "null")           /* the type of the literal `null` only */ \
  X(TY_BOOL, "bool") \
  X(TY_I64, "i64") \
  X(TY_F64, "f64") \
  X(TY_STRING, "string") \
  X(TY_TIMESTAMP, "timestamp") \
  X(TY_DURATION, "duration")

typedef enum ty_kind {
#define X(e, name) e,
  TY_KINDS(X)
#undef X
} ty_kind;

/* A value type: small, passed by value. */
typedef struct ty {
  ty_kind kind;
  bool nullable;
} ty;

const char *ty_kind_name(ty_kind k);
/* "i64", "string?" ...: into buf (at least 24 bytes), returns buf. */
const char *ty_str(ty t, char *buf);

/* A type as written: `f64`, `string?`, `Trade`. */
typedef struct ast_type {
  span at;
  const char *name;   /* interned */
  bool nullable;
} ast_type;

/* The rows flowing between two operators: named, typed fields. */
typedef struct row_field {
  const char *name;   /* interned */
  ty type;
} row_field;

typedef struct row_type {
  row_field *fields;
  int nfields;
} row_type;

/* Index of `name` in r, or -1. */
int row_find(const row_type *r, const char *name);

/* ---- expressions ------------------------------------------------------------------ */

typedef enum bin_op {
  BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV, BIN_MOD,
  BIN_EQ, BIN_NE, BIN_LT, BIN_LE, BIN_GT, BIN_GE,
  BIN_AND, BIN_OR, BIN_COALESCE,
} bin_op;

typedef enum un_op { UN_NEG, UN_NOT } un_op;

const char *bin_op_name(bin_op op);   /* "+", "==", "and", "??" */

/* Built-in functions (stdlib/). Type rules live in sema_call.c, lowering in cg_call.c. */
#define BUILTINS(X) \
  X(BI_LEN, "len") X(BI_LOWER, "lower") X(BI_UPPER, "upper") X(BI_TRIM, "trim") \
  X(BI_CONTAINS, "contains") X(BI_STARTS_WITH, "starts_with") \
  X(BI_ENDS_WITH, "ends_with") X(BI_SUBSTR, "substr") X(BI_REPLACE, "replace") \
  X(BI_ABS, "abs") X(BI_SQRT, "sqrt") X(BI_LN, "ln") X(BI_EXP, "exp") X(BI_POW, "pow") \
  X(BI_FLOOR, "floor") X(BI_CEIL, "ceil") X(BI_ROUND, "round") \
  X(BI_YEAR, "year") X(BI_MONTH, "month") X(BI_DAY, "day") X(BI_HOUR, "hour") \
  X(BI_MINUTE, "minute") X(BI_TRUNC, "trunc") \
  X(BI_I64, "i64") X(BI_F64, "f64") X(BI_STRING, "string") X(BI_TIMESTAMP, "timestamp")

typedef enum builtin {
  BI_NONE = 0,
#define X(e, name) e,
  BUILTINS(X)
#undef X
  BI__COUNT
} builtin;

const char *builtin_name(builtin b);
builtin builtin_lookup(const char *name);   /* BI_NONE if not a builtin */

/* Aggregate functions of `window` and `aggregate` (sema_window.c types them, cg_window.c
 * generates their state, update, merge and finalize). */
#define AGG_FNS(X) \
  X(AGG_COUNT, "count") X(AGG_SUM, "sum") X(AGG_MIN, "min") X(AGG_MAX, "max") \
  X(AGG_AVG, "avg") X(AGG_FIRST, "first") X(AGG_LAST, "last") X(AGG_STDDEV, "stddev")

typedef enum agg_fn {
  AGG_NONE = 0,
#define X(e, name) e,
  AGG_FNS(X)
#undef X
  AGG__COUNT
} agg_fn;

const char *agg_fn_name(agg_fn a);
agg_fn agg_fn_lookup(const char *name);   /* AGG_NONE if not an aggregate */

#define EXPR_KINDS(X) \
  X(EXPR_INT)       /* u.i */ \
  X(EXPR_FLOAT)     /* u.f */ \
  X(EXPR_STRING)    /* u.str: bytes after escapes, may contain NUL */ \
  X(EXPR_BOOL)      /* u.b */ \
  X(EXPR_NULL)      /* no members */ \
  X(EXPR_DURATION)  /* u.i: microseconds */ \
  X(EXPR_TIMESTAMP) /* u.i: microseconds since the epoch (made by folding only) */ \
  X(EXPR_NAME)      /* u.name */ \
  X(EXPR_UNARY)     /* u.unary */ \
  X(EXPR_BINARY)    /* u.binary */ \
  X(EXPR_IF)        /* u.cond */ \
  X(EXPR_CALL)      /* u.call */ \
  X(EXPR_WIDEN)     /* u.unary.e: i64 -> f64, inserted by sema */

typedef enum expr_kind {
#define X(e) e,
  EXPR_KINDS(X)
#undef X
} expr_kind;

/* What an EXPR_NAME refers to, set by sema. */
typedef enum ref_kind {
  REF_NONE,      /* unresolved (before sema, or poisoned) */
  REF_FIELD,     /* name.index: field of the operator's input row */
  REF_PARAM,     /* name.index: param number (declaration order), name.decl: the param */
  REF_CONST,     /* name.decl: the const (folded away in checked form) */
  REF_ARG,       /* name.index: argument of the enclosing fn (inlined away) */
} ref_kind;

struct ast_decl;

typedef struct ast_expr ast_expr;
struct ast_expr {
  expr_kind kind;
  ty type;          /* set by sema */
  span at;
  union {
    int64_t i;
    double f;
    bool b;
    struct { const char *s; int64_t len; } str;
    struct { const char *id; ref_kind ref; int index; struct ast_decl *decl; } name;
    struct { un_op op; ast_expr *e; } unary;
    struct { bin_op op; ast_expr *l, *r; } binary;
    struct { ast_expr *c, *t, *e; } cond;
    struct {
      const char *id;           /* as written */
      span id_at;
      ptrvec args;              /* ast_expr* */
      builtin builtin;          /* sema: BI_NONE unless a builtin */
      struct ast_decl *ext;     /* sema: the extern fn, or NULL */
      struct ast_decl *fn;      /* sema: the user fn before inlining, or NULL */
    } call;
  } u;
};

/* ---- flows ------------------------------------------------------------------------ */

/* `name = value` or `value` inside a connector's parentheses; `name = value..hi` (a
 * range) inside a sink's `retry(...)`. */
typedef struct ast_arg {
  span at;
  const char *name;     /* NULL for positional */
  ast_expr *value;
  ast_expr *hi;         /* a range's upper bound, or NULL */
} ast_arg;

typedef enum conn_kind {
  CONN_UNKNOWN, CONN_CSV, CONN_JSONL, CONN_HOST, CONN_SQLITE, CONN_POSTGRES
} conn_kind;

/* `csv("x.csv", header = false)`. Sema fills the resolved fields. */
typedef struct ast_conn {
  span at;
  const char *name;
  ptrvec args;            /* ast_arg* */
  conn_kind kind;         /* sema */
  const char *path;       /* sema: literal or const path ("-" for std streams), or NULL */
  int path_param;         /* sema: param index when the path is a param, else -1 */
  bool header;            /* sema: csv header row (default true) */
  char delimiter;         /* sema: csv delimiter (default ',') */
  const char *table;      /* sema: sqlite sink: the table to write, or NULL */
  const char *query;      /* sema: sqlite source: the SELECT to read, or NULL */
} ast_conn;

typedef enum policy_kind { POLICY_FAIL, POLICY_SKIP, POLICY_DEAD } policy_kind;

/* `on error fail | skip | dead_letter(conn)` */
typedef struct ast_policy {
  span at;
  policy_kind kind;
  ast_conn *dead;         /* POLICY_DEAD only */
} ast_policy;

/* `retry(max = 5, backoff = 100ms..10s)` or `breaker(failures = 5, reset = 30s)` after a
 * sink, as written. */
typedef struct ast_clause {
  span at;                /* the clause's word */
  ptrvec args;            /* ast_arg* */
} ast_clause;

/* A sink's delivery clauses, checked by sema (sema_delivery.c), defaults filled in. */
typedef struct ast_delivery {
  int retry_max;          /* retries of a batch whose write failed; 0: no retry clause */
  int64_t backoff_min;    /* microseconds: the wait before a retry is in [min, max] */
  int64_t backoff_max;
  int breaker_failures;   /* consecutive failed writes that open the breaker; 0: none */
  int64_t breaker_reset;  /* microseconds the breaker stays open */
} ast_delivery;

typedef enum sel_kind { SEL_FIELD, SEL_EXPR, SEL_ALL } sel_kind;

/* One item of `select { ... }`, one aggregate of a window or one key of `by`:
 * `f`, `n = e`, `...` (select only). */
typedef struct ast_sel_item {
  span at;
  sel_kind kind;
  const char *name;       /* SEL_FIELD, SEL_EXPR */
  ast_expr *value;        /* SEL_EXPR; SEL_FIELD after sema (an EXPR_NAME) */
} ast_sel_item;

#define OP_KINDS(X) \
  X(OP_FILTER, "filter")       /* u.filter */ \
  X(OP_SELECT, "select")       /* u.select */ \
  X(OP_WINDOW, "window")       /* u.window */ \
  X(OP_AGGREGATE, "aggregate") /* u.window: kind WIN_ALL, kind_name NULL, size/every NULL */ \
  X(OP_SINK, "sink")           /* u.sink */

typedef enum win_kind { WIN_ALL, WIN_TUMBLING, WIN_SLIDING, WIN_SESSION, WIN_COUNT } win_kind;

/* One aggregate call of a window, e.g. `sum(qty)`: sema collects them in u.window.calls. */
typedef struct ast_agg_call {
  span at;
  agg_fn fn;
  ast_expr *arg;          /* checked against op->in; NULL for count() */
  ty type;                /* the result: e.g. sum(i64) is i64, avg is f64? if arg is */
} ast_agg_call;

typedef enum op_kind {
#define X(e, name) e,
  OP_KINDS(X)
#undef X
} op_kind;

const char *op_kind_name(op_kind k);

typedef struct ast_op {
  op_kind kind;
  span at;                /* the operator keyword */
  ast_policy *policy;     /* `on error ...` after the operator, or NULL (fail) */
  row_type in, out;       /* sema: rows entering and leaving the operator */
  union {
    struct { ast_expr *cond; } filter;
    struct { ptrvec items; } select;             /* ast_sel_item* */
    /* Checked form: keys are SEL_FIELD/SEL_EXPR items whose values read op->in; each
     * aggregate item's value is an expression over `mid`, in which every aggregate call
     * became the EXPR_NAME of its column and every key the EXPR_NAME of its column.
     * op->out is [keys..., window_start, window_end (windows only), aggs...]. */
    struct {
      const char *kind_name; span kind_at;       /* tumbling, sliding, session, count */
      ast_expr *size, *every;
      ptrvec keys;                               /* ast_sel_item* */
      ptrvec aggs;                               /* ast_sel_item* */
      ast_policy *late;                          /* `on late ...` (skip or dead_letter), or NULL */
      win_kind kind;                             /* sema */
      int64_t size_v, every_v;                   /* sema: microseconds, or rows for count */
      int ts_index;                              /* sema: event-time field of op->in, or -1 */
      ptrvec calls;                              /* sema: ast_agg_call*, in mid column order */
      row_type mid;                              /* sema: [keys..., window_start, window_end
                                                  * (windows only), one field per call] */
    } window;
    /* op->policy is `on error` (fail or dead_letter): what happens to a batch that
     * cannot be delivered. */
    struct {
      ast_conn *conn;
      ast_clause *retry, *breaker;               /* as written, or NULL */
      ast_delivery dlv;                          /* sema */
    } sink;
  } u;
} ast_op;

/* `name | op | op ...`: a stream and the operators applied to it. */
typedef struct ast_flow {
  span at;
  const char *from;       /* source or let name */
  span from_at;
  ptrvec ops;             /* ast_op* */
  struct ast_decl *from_decl;  /* sema: the source or let */
} ast_flow;

/* ---- declarations ----------------------------------------------------------------- */

typedef struct ast_field {      /* schema field or fn parameter */
  span at;
  const char *name;
  ast_type type;
  ty resolved;                  /* sema */
} ast_field;

#define DECL_KINDS(X) \
  X(DECL_SCHEMA, "schema")  /* u.schema */ \
  X(DECL_PARAM, "param")    /* u.param */ \
  X(DECL_CONST, "const")    /* u.cnst */ \
  X(DECL_FN, "fn")          /* u.fn */ \
  X(DECL_EXTERN, "extern fn") /* u.fn, body NULL */ \
  X(DECL_SOURCE, "source")  /* u.source */ \
  X(DECL_LET, "let")        /* u.let */ \
  X(DECL_FLOW, "flow")      /* u.flow: a bare flow statement; name NULL */ \
  X(DECL_IMPORT, "import")  /* u.import */

typedef enum decl_kind {
#define X(e, name) e,
  DECL_KINDS(X)
#undef X
} decl_kind;

const char *decl_kind_name(decl_kind k);

typedef struct ast_decl ast_decl;
struct ast_decl {
  decl_kind kind;
  span at;                /* the whole declaration's first token */
  const char *name;       /* interned; NULL for flows and imports */
  span name_at;
  int uses;               /* sema: references to this declaration */
  union {
    struct { ptrvec fields; row_type row; } schema;          /* ast_field*; row: sema */
    struct { ast_type type; ast_expr *def; ty resolved; int index; } param;
    struct { ast_expr *value; int state; } cnst;             /* state: sema's cycle check */
    struct {
      ptrvec params; ast_type ret; ast_expr *body; ty resolved_ret; int state;
      /* DECL_EXTERN: `from "LIB"` as written (NULL: none) and what sema found for it */
      const char *lib; span lib_at;
      const char *lib_file;   /* sema: the shared object dlopen loads (absolute path) */
      const char *lib_link;   /* sema: what the linker gets: "-lNAME", or lib_file */
      bool lib_bad;           /* sema: the library or the symbol is missing (reported) */
    } fn;
    struct {
      const char *schema_name; span schema_at;
      ast_conn *conn;
      const char *wm_field; span wm_at; ast_expr *wm_delay;  /* wm_field NULL: none */
      ast_policy *policy;
      ast_decl *schema;                                      /* sema */
      int wm_index; int64_t wm_delay_us;                     /* sema */
    } source;
    struct { ast_flow *flow; int state; } let;
    ast_flow *flow;
    struct { const char *path; span path_at; } import;
  } u;
};

typedef struct ast_program {
  ptrvec decls;           /* ast_decl*, imports expanded in place by sema */
  ptrvec files;           /* src_file* loaded for this compilation */
} ast_program;

/* Constructors used by the parser; all allocate in the arena and zero the rest. */
ast_expr *ast_expr_new(arena *a, expr_kind k, span at);
ast_op *ast_op_new(arena *a, op_kind k, span at);
ast_decl *ast_decl_new(arena *a, decl_kind k, span at);

/* Prints the tree (`pipec check --dump=ast`), with types once sema has run. */
void ast_dump(FILE *out, const ast_program *p);
void ast_dump_expr(FILE *out, const ast_expr *e);

#endif
