/* fmt_lex.c: the formatter's view of a source file. The real lexer (lex.re) finds the
 * tokens, so that the formatter can never disagree with the parser about where one ends;
 * the bytes between two tokens are then only blanks, line breaks and `#` comments, which
 * are collected here with what the layout needs: whether a comment trails code, whether
 * an empty line comes before it, and how many line breaks come before the next token. */
#include <string.h>

#include "fmt_internal.h"
#include "lex.h"

static bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The comments of the gap [p, e) before t; first says whether a token comes before it. */
static void scan_gap(arena *a, fmt_tok *t, const char *p, const char *e, bool first) {
  int n = 0;
  for (const char *q = p; q < e; q++)
    if (*q == '#') {
      n++;
      while (q < e && *q != '\n') q++;
    }
  t->comments = n ? arena_alloc(a, (size_t)n * sizeof *t->comments) : NULL;
  int breaks = 0;
  while (p < e) {
    if (*p == '\n') {
      breaks++;
      p++;
    } else if (*p == '#') {
      const char *q = p;
      while (q < e && *q != '\n') q++;
      const char *end = q;
      while (end > p && is_blank(end[-1])) end--;
      bool trailing = !first && t->ncomments == 0 && breaks == 0;
      t->comments[t->ncomments++] = (fmt_comment){p, (int)(end - p), trailing, breaks >= 2};
      breaks = 0;
      p = q;
    } else {
      p++;   /* a blank: the file parsed, so nothing else can be here */
    }
  }
  t->breaks = breaks;
}

static fmt_class classify(const lex_token *lt, const char *text) {
  if (lt->kind == 0) return FC_EOF;
  if (strcmp(lt->name, "name") == 0 || strcmp(lt->name, "dotted name") == 0) return FC_NAME;
  if (lt->name[0] != '`') return FC_LIT;   /* "integer", "float", "duration", "string" */
  char c = text[0];
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? FC_WORD : FC_PUNCT;
}

fmt_tok *fmt_lex(arena *a, const src_file *f, int *ntoks) {
  parse_ctx pc;
  diag_ctx d;
  diag_init(&d, NULL);
  lex_init(&pc, a, &d, f);
  int n = 0, cap = 64;
  fmt_tok *toks = arena_alloc(a, (size_t)cap * sizeof *toks);
  const char *end = f->text;   /* where the previous token ended */
  for (;;) {
    if (n == cap) {   /* the old array stays in the arena until the compilation ends */
      fmt_tok *bigger = arena_alloc(a, (size_t)cap * 2 * sizeof *toks);
      memcpy(bigger, toks, (size_t)cap * sizeof *toks);
      toks = bigger;
      cap *= 2;
    }
    lex_token lt;
    int kind = lex_token_next(&pc, &lt);
    fmt_tok *t = &toks[n++];
    const char *start = kind ? pc.tok : f->text + f->len;
    t->text = start;
    t->len = kind ? (int)(pc.cur - pc.tok) : 0;
    t->cls = classify(&lt, start);
    t->line = lt.at.line;
    t->col = lt.at.col;
    scan_gap(a, t, end, start, n == 1);
    end = start + t->len;
    if (!kind) break;
  }
  *ntoks = n;
  return toks;
}
