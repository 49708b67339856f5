/* plan_graph_text.c: the program's own words in the labels of `pipec graph`. An
 * expression is shown as written, cut from its file by span rather than printed from the
 * tree: the tree is in checked form (consts folded, fns inlined, i64 widened), which is
 * not what the reader wrote. A span covers its first line only, so the text runs to the end
 * of the last token any node of the expression covers, and on to the `)` that closes a `(`
 * it opened; comments are dropped and blanks squeezed so that it fits on one line.
 * Connectors are rebuilt from what sema resolved (path, param, options), so that a const
 * path shows its value and `"-"` shows as `stdin`/`stdout`. */
#include "plan_graph.h"

#include <stdlib.h>
#include <string.h>
#include "pipe/abi.h"

/* ---- shortening ------------------------------------------------------------------- */

/* s[0..n), or its first max bytes (cut at a UTF-8 character boundary) and an ellipsis. */
static void put_short(FILE *out, const char *s, size_t n, int max) {
  if (max < 2) max = 2;
  if (n <= (size_t)max) {
    fwrite(s, 1, n, out);
    return;
  }
  size_t cut = (size_t)max - 1;
  while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
  while (cut > 0 && s[cut - 1] == ' ') cut--;
  size_t slashes = 0;   /* keep whole escapes: `"a\…` would read as an escaped `…` */
  while (slashes < cut && s[cut - 1 - slashes] == '\\') slashes++;
  cut -= slashes % 2;
  fwrite(s, 1, cut, out);
  fputs("\u2026", out);
}

/* Text written by fn(f, arg) into a memory stream, then shortened to max bytes. */
typedef void (*text_fn)(FILE *f, const void *arg);

static void short_text(FILE *out, text_fn fn, const void *arg, int max) {
  char *s = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&s, &n);
  if (!f) {
    fputs("\u2026", out);
    return;
  }
  fn(f, arg);
  fclose(f);
  put_short(out, s, n, max);
  free(s);
}

/* ---- expressions as written ------------------------------------------------------- */

/* The first byte of line `line` (1-based) of f, or NULL past its end. */
static const char *line_at(const src_file *f, int line) {
  const char *p = f->text;
  for (int l = 1; l < line; l++) {
    p = memchr(p, '\n', (size_t)(f->text + f->len - p));
    if (!p) return NULL;
    p++;
  }
  return p;
}

/* Moves (*line, *col) to the end of e's furthest span in file f. */
static void far_end(const ast_expr *e, const src_file *f, int *line, int *col) {
  if (!e) return;
  int end = e->at.col + e->at.len;
  if (e->at.file == f && e->at.len > 0 &&
      (e->at.line > *line || (e->at.line == *line && end > *col)))
    *line = e->at.line, *col = end;
  switch (e->kind) {
  case EXPR_UNARY: case EXPR_WIDEN: far_end(e->u.unary.e, f, line, col); break;
  case EXPR_BINARY:
    far_end(e->u.binary.l, f, line, col);
    far_end(e->u.binary.r, f, line, col);
    break;
  case EXPR_IF:
    far_end(e->u.cond.c, f, line, col);
    far_end(e->u.cond.t, f, line, col);
    far_end(e->u.cond.e, f, line, col);
    break;
  case EXPR_CALL:
    for (int i = 0; i < e->u.call.args.len; i++) far_end(e->u.call.args.items[i], f, line, col);
    break;
  default: break;
  }
}

/* Copies a string literal from p (its opening quote) through its closing quote. */
static const char *copy_string(FILE *out, const char *p, const char *lim) {
  fputc(*p++, out);
  while (p < lim && *p != '\n') {
    char c = *p++;
    fputc(c, out);
    if (c == '"') break;
    if (c == '\\' && p < lim && *p != '\n') fputc(*p++, out);
  }
  return p;
}

static bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Copies the text from p up to end, and on while a `(` it opened is unclosed. A line
 * break inside parentheses leaves no space after `(` or before `)` and `,`. */
static void copy_text(FILE *out, const char *p, const char *end, const char *lim) {
  int depth = 0;
  bool space = false;
  char last = '(';
  while (p < lim && (p < end || depth > 0)) {
    char c = *p;
    if (c == '#') {
      while (p < lim && *p != '\n') p++;
      continue;
    }
    if (blank(c)) {
      space = last != '(';
      p++;
      continue;
    }
    if (c == ')' && --depth < 0) break;
    if (space && c != ')' && c != ',') fputc(' ', out);
    space = false, last = c;
    if (c == '"') {
      p = copy_string(out, p, lim);
      continue;
    }
    if (c == '(') depth++;
    fputc(c, out);
    p++;
  }
}

static void expr_text(FILE *out, const void *arg) {
  const ast_expr *e = arg;
  const src_file *f = e->at.file;
  int line = e->at.line, col = e->at.col + e->at.len;
  far_end(e, f, &line, &col);
  const char *start = line_at(f, e->at.line), *stop = line_at(f, line);
  const char *lim = f->text + f->len;
  if (!start || !stop || start + e->at.col - 1 > lim || stop + col - 1 > lim) {
    fputs("\u2026", out);
    return;
  }
  copy_text(out, start + e->at.col - 1, stop + col - 1, lim);
}

void plan_graph_expr(FILE *out, const ast_expr *e, int max) {
  if (!e || !e->at.file || !e->at.file->text || e->at.len <= 0 || e->at.line < 1 ||
      e->at.col < 1) {
    fputs("\u2026", out);   /* made by the compiler: nothing was written */
    return;
  }
  short_text(out, expr_text, e, max);
}

/* ---- literals and connectors ------------------------------------------------------ */

typedef struct bytes {
  const char *s;
  size_t len;
} bytes;

/* The escapes of the lexer (lex_util.c), so that the text reads back as the same string. */
static void string_body(FILE *out, const void *arg) {
  const bytes *b = arg;
  for (size_t i = 0; i < b->len; i++) {
    unsigned char c = (unsigned char)b->s[i];
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c == '\n') fputs("\\n", out);
    else if (c == '\t') fputs("\\t", out);
    else if (c < 0x20 || c == 0x7f) fprintf(out, "\\u{%X}", c);
    else fputc(c, out);
  }
}

void plan_graph_string(FILE *out, const char *s, size_t len, int max) {
  bytes b = {s, len};
  fputc('"', out);
  short_text(out, string_body, &b, max);
  fputc('"', out);
}

void plan_graph_dur(FILE *out, int64_t us) {
  char buf[PIPE_FMT_MAX + 1];
  int n = pipe_fmt_dur(us, buf);
  fwrite(buf, 1, (size_t)n, out);
}

/* The path argument. A postgres conninfo may hold a password, and a picture is shown to
 * others: only a param's name is shown for it. */
static void conn_path(FILE *out, const plan_program *p, const ast_conn *c, graph_role r) {
  bool secret = c->kind == CONN_POSTGRES;
  if (c->path_param >= 0 && c->path_param < p->nparams) {
    const ast_decl *d = p->params[c->path_param];
    fprintf(out, "param %s", d->name);
    if (d->u.param.def && !secret) {
      fputs(" = ", out);
      plan_graph_expr(out, d->u.param.def, 36);
    }
  } else if (c->path && strcmp(c->path, "-") == 0 && c->kind != CONN_POSTGRES) {
    fputs(r == GRAPH_READ ? "stdin" : "stdout", out);
  } else if (c->path && secret) {
    fputs("\"\u2026\"", out);
  } else if (c->path) {
    plan_graph_string(out, c->path, strlen(c->path), 36);
  }
}

void plan_graph_conn(FILE *out, const plan_program *p, const ast_conn *c, graph_role r) {
  fprintf(out, "%s(", c->name ? c->name : "?");
  conn_path(out, p, c, r);
  const char *sep = c->path || c->path_param >= 0 ? ", " : "";
  if (c->kind == CONN_CSV && !c->header) {
    fprintf(out, "%sheader = false", sep);
    sep = ", ";
  }
  if (c->kind == CONN_CSV && c->delimiter != ',') {
    fprintf(out, "%sdelimiter = ", sep);
    plan_graph_string(out, &c->delimiter, 1, 8);
    sep = ", ";
  }
  if (c->table) {
    fprintf(out, "%stable = ", sep);
    plan_graph_string(out, c->table, strlen(c->table), 24);
    sep = ", ";
  }
  if (c->query) {
    fprintf(out, "%squery = ", sep);
    plan_graph_string(out, c->query, strlen(c->query), 28);
  }
  fputc(')', out);
}
