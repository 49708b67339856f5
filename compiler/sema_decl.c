/* sema_decl.c: declarations that are not flows: value types as written, schemas (and the
 * row each one emits), params and their defaults, consts (folded to literals), fn and
 * extern fn signatures (their libraries: sema_ffi_lib.c), fn bodies, and sources with their
 * watermark. */
#include <string.h>
#include "sema_ffi.h"

static const char *const scalar_names[] = {"bool", "i64", "f64", "string", "timestamp",
                                           "duration"};
static const ty_kind scalar_kinds[] = {TY_BOOL, TY_I64, TY_F64, TY_STRING, TY_TIMESTAMP,
                                       TY_DURATION};

ty sema_resolve_type(sema *s, const ast_type *t) {
  for (int i = 0; i < 6; i++)
    if (strcmp(t->name, scalar_names[i]) == 0) return ty_make(scalar_kinds[i], t->nullable);
  ast_decl *d = sema_lookup(s, t->name);
  if (d && d->kind == DECL_SCHEMA) {
    diag_error(s->d, t->at, DIAG_E0311, "schema `%s` cannot be used as a value type",
               t->name);
    diag_hint(s->d, "a schema is only the row type of a source; values are bool, i64, f64, "
                    "string, timestamp or duration");
    return ty_make(TY_ERROR, false);
  }
  diag_error(s->d, t->at, DIAG_E0202, "unknown type `%s`", t->name);
  const char *c = diag_closest(t->name, scalar_names, 6);
  if (c) diag_hint(s->d, "did you mean `%s`?", c);
  else diag_hint(s->d, "value types are bool, i64, f64, string, timestamp and duration");
  return ty_make(TY_ERROR, false);
}

/* ---- schemas ---- */

void sema_check_schema(sema *s, ast_decl *d) {
  ptrvec *fs = &d->u.schema.fields;
  row_type *r = &d->u.schema.row;
  r->fields = arena_alloc(s->a, sizeof(row_field) * (fs->len ? fs->len : 1));
  r->nfields = 0;
  for (int i = 0; i < fs->len; i++) {
    ast_field *f = fs->items[i];
    f->resolved = sema_resolve_type(s, &f->type);
    int dup = row_find(r, f->name);
    if (dup >= 0) {
      diag_error(s->d, f->at, DIAG_E0206, "field `%s` appears twice in schema `%s`", f->name,
                 d->name);
      ast_field *first = fs->items[dup];
      diag_note(s->d, first->at, "first declared here");
      continue;
    }
    r->fields[r->nfields].name = f->name;
    r->fields[r->nfields].type = f->resolved;
    r->nfields++;
  }
}

/* ---- params ---- */

void sema_check_param_type(sema *s, ast_decl *d) {
  d->u.param.resolved = sema_resolve_type(s, &d->u.param.type);
}

/* A param's constant default e, converted to its type; NULL after an error. */
static ast_expr *check_default_value(sema *s, ast_decl *d, ast_expr *e) {
  ty want = d->u.param.resolved;
  scope sc = {.kind = SCOPE_CONST};
  e = sema_expr(s, &sc, e);
  if (ty_is_err(e->type)) return NULL;
  char b1[32], b2[32];
  if (e->kind == EXPR_NULL || e->type.kind == TY_NULL) {
    if (!want.nullable) {
      diag_error(s->d, sema_span(e), DIAG_E0302, "param `%s` is `%s`, so its default cannot "
                 "be null", d->name, ty_str(want, b1));
      diag_hint(s->d, "declare it `%s?`, or leave out the default to make it required",
                ty_str(ty_make(want.kind, false), b2));
      return NULL;
    }
    e->type = want;
    return e;
  }
  ast_expr *c = sema_convert(s, e, want.kind);
  if (!c) {
    diag_error(s->d, sema_span(e), DIAG_E0300, "param `%s` is `%s`, but its default is `%s`",
               d->name, ty_str(want, b1), ty_str(e->type, b2));
    return NULL;
  }
  if (!sema_is_lit(c)) {
    diag_error(s->d, sema_span(c), DIAG_E0305, "the default of param `%s` is not a constant",
               d->name);
    diag_hint(s->d, "a default is computed at compile time: use literals and consts, or "
              "env(\"NAME\") to read it from the environment at start-up");
    return NULL;
  }
  return c;
}

/* `env(...)` as written, unless a user fn called env hides the built-in. */
static bool is_env_call(sema *s, const ast_expr *e) {
  if (e->kind != EXPR_CALL || strcmp(e->u.call.id, "env") != 0) return false;
  const ast_decl *d = sema_lookup(s, "env");
  return !d || (d->kind != DECL_FN && d->kind != DECL_EXTERN);
}

static bool env_name_ok(const char *p, int64_t n) {
  if (n == 0 || (p[0] >= '0' && p[0] <= '9')) return false;
  for (int64_t i = 0; i < n; i++)
    if (!(p[i] == '_' || (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
          (p[i] >= '0' && p[i] <= '9')))
      return false;
  return true;
}

/* env("NAME") in a param default: its one argument must be a string literal that is an
 * environment variable's name. The call stays in the tree (typed string) for cg_desc,
 * which stores it as "read NAME at start-up"; its text is parsed as the param's type then,
 * like --param. */
static bool check_env_call(sema *s, ast_decl *d, ast_expr *e) {
  if (e->u.call.args.len != 1) {
    diag_error(s->d, sema_span(e), DIAG_E0303, "`env` takes 1 argument (name: string), "
               "found %d", e->u.call.args.len);
    return false;
  }
  ast_expr *a = e->u.call.args.items[0];   /* as written: the name must be in the program */
  if (a->kind != EXPR_STRING || !env_name_ok(a->u.str.s, a->u.str.len)) {
    diag_error(s->d, sema_span(a), DIAG_E0304, "the argument of `env` in the default of "
               "param `%s` must be a string literal naming an environment variable", d->name);
    diag_hint(s->d, "write the name itself: env(\"PGPASSWORD\")");
    return false;
  }
  e->type = ty_make(TY_STRING, false);
  return true;
}

void sema_check_param_default(sema *s, ast_decl *d) {
  ast_expr *e = d->u.param.def;
  if (!e || ty_is_err(d->u.param.resolved)) return;
  /* env("NAME") or env("NAME") ?? FALLBACK: read when the program starts. */
  bool coal = e->kind == EXPR_BINARY && e->u.binary.op == BIN_COALESCE &&
              is_env_call(s, e->u.binary.l);
  if (coal || is_env_call(s, e)) {
    ast_expr *call = coal ? e->u.binary.l : e;
    bool ok = check_env_call(s, d, call);
    if (coal) {
      ast_expr *fb = check_default_value(s, d, e->u.binary.r);
      if (fb) e->u.binary.r = fb;
      ok = ok && fb;
    }
    if (ok) e->type = d->u.param.resolved;
    return;
  }
  ast_expr *c = check_default_value(s, d, e);
  if (c) d->u.param.def = c;
}

/* ---- consts ---- */

void sema_check_const(sema *s, ast_decl *d) {
  if (d->u.cnst.state != ST_NEW) return;
  d->u.cnst.state = ST_BUSY;
  scope sc = {.kind = SCOPE_CONST};
  ast_expr *e = sema_expr(s, &sc, d->u.cnst.value);
  d->u.cnst.value = e;
  d->u.cnst.state = ST_POISON;
  if (!ty_is_err(e->type)) e = d->u.cnst.value = sema_ffi_fold(s, e);   /* extern calls */
  if (ty_is_err(e->type)) return;
  if (e->type.kind == TY_NULL) {
    diag_error(s->d, sema_span(e), DIAG_E0300, "const `%s` cannot be just `null`", d->name);
    diag_hint(s->d, "a const needs a value that has a type");
    e->type = ty_make(TY_ERROR, false);
    return;
  }
  if (!sema_is_lit(e)) {
    diag_error(s->d, sema_span(e), DIAG_E0305, "the value of const `%s` cannot be computed at "
               "compile time", d->name);
    diag_hint(s->d, "a const may use literals, other consts, and built-in functions, fns and "
              "extern fns called with constant arguments");
    e->type = ty_make(TY_ERROR, false);
    return;
  }
  d->u.cnst.state = ST_DONE;
}

/* ---- fns and extern fns ---- */

void sema_check_fn_sig(sema *s, ast_decl *d) {
  ptrvec *ps = &d->u.fn.params;
  for (int i = 0; i < ps->len; i++) {
    ast_field *f = ps->items[i];
    f->resolved = sema_resolve_type(s, &f->type);
    for (int k = 0; k < i; k++) {
      ast_field *g = ps->items[k];
      if (strcmp(g->name, f->name) == 0) {
        diag_error(s->d, f->at, DIAG_E0200, "parameter `%s` of `%s` is declared twice",
                   f->name, d->name);
        diag_note(s->d, g->at, "first declared here");
        break;
      }
    }
  }
  d->u.fn.resolved_ret = sema_resolve_type(s, &d->u.fn.ret);
  /* every value type crosses to C (docs/language.md, extern fn); schemas are E0311 above */
  if (d->kind != DECL_EXTERN) return;
  if (ps->len > 16) {   /* cg_call.c's MAX_ARGS */
    diag_error(s->d, d->name_at, DIAG_E0303, "extern fn `%s` has %d parameters; an extern fn "
               "takes at most 16", d->name, ps->len);
    d->u.fn.resolved_ret = ty_make(TY_ERROR, false);
  }
  sema_ffi_check_extern(s, d);
}

void sema_check_fn_body(sema *s, ast_decl *d) {
  if (d->u.fn.state != ST_NEW || !d->u.fn.body) return;
  d->u.fn.state = ST_BUSY;
  scope sc = {.kind = SCOPE_FN, .fn = d};
  ast_expr *e = sema_expr(s, &sc, d->u.fn.body);
  d->u.fn.body = e;
  d->u.fn.state = ST_POISON;
  ty ret = d->u.fn.resolved_ret;
  if (ty_is_err(e->type) || ty_is_err(ret)) {
    e->type = ty_make(TY_ERROR, false);
    return;
  }
  char b1[32], b2[32];
  ast_expr *c = sema_convert(s, e, ret.kind);
  if (!c) {
    diag_error(s->d, sema_span(e), DIAG_E0300, "`%s` returns `%s`, but its body is `%s`",
               d->name, ty_str(ret, b1), ty_str(e->type, b2));
    e->type = ty_make(TY_ERROR, false);
    return;
  }
  if (c->type.nullable && !ret.nullable) {
    diag_error(s->d, sema_span(e), DIAG_E0302, "`%s` returns `%s`, but its body may be null",
               d->name, ty_str(ret, b1));
    diag_hint(s->d, "use `??` to give a default, or declare the return type `%s?`", b1);
    e->type = ty_make(TY_ERROR, false);
    return;
  }
  if (c->kind == EXPR_NULL) c->type = ret;
  d->u.fn.body = c;
  d->u.fn.state = ST_DONE;
}

/* ---- sources ---- */

static void check_watermark(sema *s, ast_decl *d, const row_type *row) {
  const char *f = d->u.source.wm_field;
  int idx = row_find(row, f);
  char b[32];
  if (idx < 0) {
    diag_error(s->d, d->u.source.wm_at, DIAG_E0309, "`%s` is not a field of `%s`", f,
               d->u.source.schema_name);
    ptrvec c = {0};
    for (int i = 0; i < row->nfields; i++)
      if (row->fields[i].type.kind == TY_TIMESTAMP)
        ptrvec_push(s->a, &c, (void *)row->fields[i].name);
    sema_hint_closest(s, f, &c);
  } else if (row->fields[idx].type.kind != TY_TIMESTAMP || row->fields[idx].type.nullable) {
    if (!ty_is_err(row->fields[idx].type)) {
      diag_error(s->d, d->u.source.wm_at, DIAG_E0309, "the watermark field `%s` is `%s`; it "
                 "must be a `timestamp`", f, ty_str(row->fields[idx].type, b));
      diag_hint(s->d, "a watermark follows the event time of a non-null timestamp field");
    }
  } else {
    d->u.source.wm_index = idx;
  }
  ast_expr *e = d->u.source.wm_delay;
  if (!e) return;
  scope sc = {.kind = SCOPE_CONST};
  e = d->u.source.wm_delay = sema_expr(s, &sc, e);
  if (ty_is_err(e->type)) return;
  if (e->kind != EXPR_DURATION || e->u.i < 0) {
    diag_error(s->d, sema_span(e), DIAG_E0309, "the watermark delay must be a constant "
               "non-negative duration, found `%s`", ty_str(e->type, b));
    diag_hint(s->d, "for example `watermark %s - 5s`", f);
    return;
  }
  d->u.source.wm_delay_us = e->u.i;
}

void sema_check_source(sema *s, ast_decl *d) {
  d->u.source.wm_index = -1;
  const char *sn = d->u.source.schema_name;
  ast_decl *sch = sema_lookup(s, sn);
  if (!sch || sch->kind != DECL_SCHEMA) {
    if (sch && sema_is_dup(s, sn)) {
      /* declared twice: reported */
    } else if (sch) {
      diag_error(s->d, d->u.source.schema_at, DIAG_E0202, "`%s` is %s %s, not a schema", sn,
                 sch->kind == DECL_EXTERN ? "an" : "a", decl_kind_name(sch->kind));
    } else {
      diag_error(s->d, d->u.source.schema_at, DIAG_E0202, "unknown schema `%s`", sn);
      ptrvec c = {0};
      sema_cands_decls(s, &c, 1u << DECL_SCHEMA);
      sema_hint_closest(s, sn, &c);
    }
  } else {
    sch->uses++;
    d->u.source.schema = sch;
  }
  if (d->u.source.conn) sema_check_conn(s, d->u.source.conn, CONN_AS_SOURCE);
  if (d->u.source.policy) sema_check_policy(s, d->u.source.policy);
  if (d->u.source.wm_field && d->u.source.schema)
    check_watermark(s, d, &d->u.source.schema->u.schema.row);
}
