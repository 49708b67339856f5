/* parse_decl.c: the grammar's helpers for fn and extern fn declarations (the others are
 * in parse_util.c). An extern's `from "LIB"` clause is parsed as a declaration of its own,
 * `NAME STRING`, and joined here to the extern just before it: with `from` a plain name
 * (not a keyword), a rule `extern fn ... -> T from "LIB"` would need two tokens of
 * lookahead after T to tell `from "LIB"` from a flow that starts on the next line from a
 * stream named `from`. A name followed by a string starts no other declaration. */
#include "lex.h"

#include <string.h>

/* `fn name(params)`: completed by parse_fn_finish or parse_extern. */
ast_decl *parse_fn(parse_ctx *pc, span at, const char *name, span name_at, ptrvec params) {
  /* parameters share the grammar of schema fields, but a dotted name names fields only */
  for (int i = 0; i < params.len; i++) {
    const ast_field *p = params.items[i];
    if (p && strchr(p->name, '.'))
      diag_error(pc->d, p->at, DIAG_E0100, "unexpected dotted name `%s`, expected name",
                 p->name);
  }
  ast_decl *d = ast_decl_new(pc->a, DECL_FN, at);
  d->name = name;
  d->name_at = name_at;
  d->u.fn.params = params;
  return d;
}

ast_decl *parse_fn_finish(parse_ctx *pc, ast_decl *fn, ast_type ret, ast_expr *body) {
  (void)pc;
  fn->u.fn.ret = ret;
  fn->u.fn.body = body;
  return fn;
}

ast_decl *parse_extern(parse_ctx *pc, span at, ast_decl *fn, ast_type ret) {
  (void)pc;
  fn->kind = DECL_EXTERN;
  fn->at = at;
  fn->u.fn.ret = ret;
  return fn;
}

/* The extern a `from` clause belongs to: the declaration just parsed, if it is an extern
 * without one. */
static ast_decl *last_extern(parse_ctx *pc) {
  ptrvec *ds = &pc->prog->decls;
  ast_decl *d = ds->len ? ds->items[ds->len - 1] : NULL;
  return d && d->kind == DECL_EXTERN && !d->u.fn.lib ? d : NULL;
}

/* `from "LIB"` after an extern fn; adds no declaration of its own (NULL). */
ast_decl *parse_extern_from(parse_ctx *pc, const char *word, span word_at, lex_str lib,
                            span lib_at) {
  ast_decl *d = last_extern(pc);
  if (strcmp(word, "from") != 0) {
    diag_error(pc->d, word_at, DIAG_E0100, "unexpected name `%s` before a string", word);
    if (d) diag_hint(pc->d, "an extern fn names its library with `from \"LIB\"`");
    return NULL;
  }
  if (!d) {
    diag_error(pc->d, word_at, DIAG_E0100, "`from \"LIB\"` can only follow an extern fn");
    diag_hint(pc->d, "write `extern fn name(a: T) -> R from \"LIB\"`");
    return NULL;
  }
  if (lib.len == 0 || memchr(lib.s, 0, (size_t)lib.len)) {
    diag_error(pc->d, lib_at, DIAG_E0100, "the library of an extern fn must be a non-empty "
               "name or path");
    return NULL;
  }
  d->u.fn.lib = arena_strndup(pc->a, lib.s, (size_t)lib.len);
  d->u.fn.lib_at = lib_at;
  return NULL;
}
