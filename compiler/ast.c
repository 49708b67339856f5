/* ast.c: constructors and name tables for the syntax tree. The tables expand the X-macro
 * lists of ast.h, so a new kind, operator or builtin is named in exactly one place. The
 * tree printer lives in ast_dump.c. */
#include "ast.h"

#include <stdio.h>
#include <string.h>

static const char *const ty_names[] = {
#define X(e, name) name,
    TY_KINDS(X)
#undef X
};

const char *ty_kind_name(ty_kind k) {
  return k >= 0 && k < (int)(sizeof ty_names / sizeof *ty_names) ? ty_names[k] : "?";
}

const char *ty_str(ty t, char *buf) {
  snprintf(buf, 24, "%s%s", ty_kind_name(t.kind),
           t.nullable && t.kind != TY_NULL && t.kind != TY_ERROR ? "?" : "");
  return buf;
}

int row_find(const row_type *r, const char *name) {
  for (int i = 0; i < r->nfields; i++)
    if (r->fields[i].name == name || strcmp(r->fields[i].name, name) == 0) return i;
  return -1;
}

const char *bin_op_name(bin_op op) {
  static const char *const names[] = {
      [BIN_ADD] = "+",  [BIN_SUB] = "-", [BIN_MUL] = "*",  [BIN_DIV] = "/",
      [BIN_MOD] = "%",  [BIN_EQ] = "==", [BIN_NE] = "!=",  [BIN_LT] = "<",
      [BIN_LE] = "<=",  [BIN_GT] = ">",  [BIN_GE] = ">=",  [BIN_AND] = "and",
      [BIN_OR] = "or",  [BIN_COALESCE] = "??",
  };
  return op >= 0 && op <= BIN_COALESCE ? names[op] : "?";
}

static const char *const builtin_names[] = {
    [BI_NONE] = "<none>",
#define X(e, name) [e] = name,
    BUILTINS(X)
#undef X
};

const char *builtin_name(builtin b) {
  return b >= 0 && b < BI__COUNT ? builtin_names[b] : "?";
}

builtin builtin_lookup(const char *name) {
  for (int b = 1; b < BI__COUNT; b++)
    if (strcmp(builtin_names[b], name) == 0) return (builtin)b;
  return BI_NONE;
}

static const char *const agg_names[] = {
    "",
#define X(e, name) name,
    AGG_FNS(X)
#undef X
};

const char *agg_fn_name(agg_fn a) { return agg_names[a]; }

agg_fn agg_fn_lookup(const char *name) {
  for (int a = 1; a < AGG__COUNT; a++)
    if (strcmp(agg_names[a], name) == 0) return (agg_fn)a;
  return AGG_NONE;
}

static const char *const op_names[] = {
#define X(e, name) name,
    OP_KINDS(X)
#undef X
};

const char *op_kind_name(op_kind k) {
  return k >= 0 && k < (int)(sizeof op_names / sizeof *op_names) ? op_names[k] : "?";
}

static const char *const decl_names[] = {
#define X(e, name) name,
    DECL_KINDS(X)
#undef X
};

const char *decl_kind_name(decl_kind k) {
  return k >= 0 && k < (int)(sizeof decl_names / sizeof *decl_names) ? decl_names[k] : "?";
}

ast_expr *ast_expr_new(arena *a, expr_kind k, span at) {
  ast_expr *e = arena_alloc(a, sizeof *e);
  e->kind = k;
  e->at = at;
  return e;
}

ast_op *ast_op_new(arena *a, op_kind k, span at) {
  ast_op *o = arena_alloc(a, sizeof *o);
  o->kind = k;
  o->at = at;
  return o;
}

ast_decl *ast_decl_new(arena *a, decl_kind k, span at) {
  ast_decl *d = arena_alloc(a, sizeof *d);
  d->kind = k;
  d->at = at;
  if (k == DECL_PARAM) d->u.param.index = -1;
  return d;
}
