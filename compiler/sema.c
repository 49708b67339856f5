/* sema.c: the entry of semantic analysis. Expands imports, builds the declaration table
 * (one namespace for every named declaration), then checks the declarations in an order
 * where everything an expression may refer to has its type first: schemas, param and fn
 * signatures, then param defaults, consts and fn bodies, sources, and finally the flows.
 * Consts, fns and lets are also checked on first use, which is how cycles are found. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "sema.h"
#include "sema_internal.h"

/* ---- imports ---- */

/* The real path of `path`, or NULL when it cannot be read. */
static char *real_path(sema *s, const char *path) {
  char buf[PATH_MAX];
  if (!realpath(path, buf)) return NULL;
  return arena_strndup(s->a, buf, strlen(buf));
}

static bool already_loaded(sema *s, const char *real) {
  for (int i = 0; i < s->loaded.len; i++)
    if (strcmp(s->loaded.items[i], real) == 0) return true;
  return false;
}

/* `import "x.pipe"`: relative to the importing file, then the standard library. */
static const char *import_path(sema *s, ast_decl *d, int *err) {
  const char *rel = d->u.import.path;
  const char *from = d->at.file ? d->at.file->path : NULL;
  const char *cand[2];
  int n = 0;
  if (rel[0] == '/' || !from || !strchr(from, '/')) {
    cand[n++] = rel;
  } else {
    int dir = (int)(strrchr(from, '/') - from);
    cand[n++] = arena_printf(s->a, "%.*s/%s", dir, from, rel);
  }
  if (rel[0] != '/') cand[n++] = arena_printf(s->a, "%s/stdlib/%s", PIPE_SOURCE_DIR, rel);
  *err = ENOENT;
  for (int i = 0; i < n; i++) {
    FILE *f = fopen(cand[i], "rb");
    if (f) {
      fclose(f);
      return cand[i];
    }
    if (i == 0) *err = errno;
  }
  return NULL;
}

/* Replaces decls[i] (an import) by the declarations of the imported file. */
static void splice(sema *s, int i, ptrvec *add) {
  ptrvec *v = &s->p->decls;
  ptrvec out = {0};
  for (int k = 0; k < i; k++) ptrvec_push(s->a, &out, v->items[k]);
  for (int k = 0; k < add->len; k++) ptrvec_push(s->a, &out, add->items[k]);
  for (int k = i + 1; k < v->len; k++) ptrvec_push(s->a, &out, v->items[k]);
  *v = out;
}

static void expand_imports(sema *s) {
  for (int i = 0; i < s->p->files.len; i++) {
    const src_file *f = s->p->files.items[i];
    char *r = f->path ? real_path(s, f->path) : NULL;
    if (r) ptrvec_push(s->a, &s->loaded, r);
  }
  for (int i = 0; i < s->p->decls.len;) {
    ast_decl *d = s->p->decls.items[i];
    if (d->kind != DECL_IMPORT) {
      i++;
      continue;
    }
    int err = 0;
    const char *path = import_path(s, d, &err);
    ptrvec none = {0};
    char *real = path ? real_path(s, path) : NULL;
    src_file *f = NULL;
    if (real && already_loaded(s, real)) {
      splice(s, i, &none);
      continue;
    }
    if (path) f = src_load(s->a, path);
    if (!f) {
      diag_error(s->d, d->u.import.path_at, DIAG_E0207, "cannot read `%s`: %s",
                 d->u.import.path, strerror(path ? errno : err));
      diag_hint(s->d, "imports are found beside the importing file, then in the standard "
                      "library (stdlib/)");
      splice(s, i, &none);
      continue;
    }
    if (real) ptrvec_push(s->a, &s->loaded, real);
    ast_program sub = {0};
    parse_file(s->a, s->d, &sub, f);
    for (int k = 0; k < sub.files.len; k++) ptrvec_push(s->a, &s->p->files, sub.files.items[k]);
    splice(s, i, &sub.decls);
  }
}

/* ---- the declaration table ---- */

ast_decl *sema_lookup(sema *s, const char *name) {
  if (!name) return NULL;
  for (int i = 0; i < s->names.len; i++) {
    ast_decl *d = s->names.items[i];
    if (d->name == name || strcmp(d->name, name) == 0) return d;
  }
  return NULL;
}

bool sema_is_dup(sema *s, const char *name) {
  for (int i = 0; i < s->dups.len; i++)
    if (strcmp(((ast_decl *)s->dups.items[i])->name, name) == 0) return true;
  return false;
}

void sema_cands_decls(sema *s, ptrvec *out, unsigned mask) {
  for (int i = 0; i < s->names.len; i++) {
    ast_decl *d = s->names.items[i];
    if (mask & (1u << d->kind)) ptrvec_push(s->a, out, (void *)d->name);
  }
}

const char *sema_closest(const char *name, ptrvec *cands) {
  if (!cands->len) return NULL;
  return diag_closest(name, (const char *const *)cands->items, cands->len);
}

void sema_hint_closest(sema *s, const char *name, ptrvec *cands) {
  const char *c = sema_closest(name, cands);
  if (c) diag_hint(s->d, "did you mean `%s`?", c);
}

static const char *article(decl_kind k) {
  return k == DECL_EXTERN ? "an" : "a";
}

static void declare(sema *s, ast_decl *d) {
  bool callable = d->kind == DECL_FN || d->kind == DECL_CONST || d->kind == DECL_EXTERN;
  if (callable && (builtin_lookup(d->name) != BI_NONE || agg_fn_lookup(d->name) != AGG_NONE)) {
    diag_error(s->d, d->name_at, DIAG_E0200, "`%s` is a built-in %s", d->name,
               builtin_lookup(d->name) != BI_NONE ? "function" : "aggregate");
    diag_hint(s->d, "choose another name for this %s", decl_kind_name(d->kind));
    return;
  }
  ast_decl *first = sema_lookup(s, d->name);
  if (first) {
    diag_error(s->d, d->name_at, DIAG_E0200, "`%s` is declared twice", d->name);
    diag_note(s->d, first->name_at, "first declared here, as %s %s", article(first->kind),
              decl_kind_name(first->kind));
    ptrvec_push(s->a, &s->dups, d);
    return;
  }
  ptrvec_push(s->a, &s->names, d);
}

static void declare_all(sema *s) {
  for (int i = 0; i < s->p->decls.len; i++) {
    ast_decl *d = s->p->decls.items[i];
    if (d->kind == DECL_PARAM) d->u.param.index = s->nparams++;
    if (d->kind == DECL_SOURCE) d->u.source.wm_index = -1;
    if (d->name) declare(s, d);
  }
}

/* ---- order of checks ---- */

typedef void (*decl_check)(sema *s, ast_decl *d);

static void each(sema *s, decl_kind k, decl_check f) {
  for (int i = 0; i < s->p->decls.len; i++) {
    ast_decl *d = s->p->decls.items[i];
    if (d->kind == k) f(s, d);
  }
}

/* Warnings only for the file the user compiles (an imported module may well declare
 * things a given program does not use), and not about declarations already in error. */
static bool in_main_file(sema *s, ast_decl *d) {
  if (!s->p->files.len) return true;
  return d->at.file == s->p->files.items[0];
}

static void warn_unused(sema *s) {
  for (int i = 0; i < s->p->decls.len; i++) {
    ast_decl *d = s->p->decls.items[i];
    if (d->uses || !in_main_file(s, d) || sema_lookup(s, d->name) != d) continue;
    if (d->kind == DECL_LET && d->u.let.state == ST_DONE) {
      diag_warning(s->d, d->name_at, DIAG_W0001, "let `%s` is never used", d->name);
      diag_hint(s->d, "start a flow from it (`%s | ... | sink ...`) or remove it", d->name);
    } else if (d->kind == DECL_PARAM && !ty_is_err(d->u.param.resolved)) {
      diag_warning(s->d, d->name_at, DIAG_W0002, "param `%s` is never used", d->name);
      diag_hint(s->d, "use it in an expression or a connector path, or remove it");
    } else if (d->kind == DECL_SOURCE && d->u.source.schema) {
      diag_warning(s->d, d->name_at, DIAG_W0003, "source `%s` is never read", d->name);
      diag_hint(s->d, "start a flow from it (`%s | ... | sink ...`) or remove it", d->name);
    }
  }
}

int sema_check(arena *a, diag_ctx *d, ast_program *p) {
  sema s = {.a = a, .d = d, .p = p};
  int before = d->errors;
  expand_imports(&s);
  declare_all(&s);
  each(&s, DECL_SCHEMA, sema_check_schema);
  each(&s, DECL_PARAM, sema_check_param_type);
  each(&s, DECL_FN, sema_check_fn_sig);
  each(&s, DECL_EXTERN, sema_check_fn_sig);
  each(&s, DECL_PARAM, sema_check_param_default);
  each(&s, DECL_CONST, sema_check_const);
  each(&s, DECL_FN, sema_check_fn_body);
  each(&s, DECL_SOURCE, sema_check_source);
  each(&s, DECL_LET, sema_check_let);
  each(&s, DECL_FLOW, sema_check_flow);
  if (d->errors == before) sema_check_files(&s);
  /* After an error, "never used" is usually its echo (the misspelt use), not news. */
  if (d->errors == before) warn_unused(&s);
  return d->errors - before;
}
