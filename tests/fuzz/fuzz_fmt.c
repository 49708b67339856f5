/* fuzz_fmt.c: libFuzzer target for the formatter (compiler/fmt*.c, `pipec fmt`).
 *
 * Any bytes are a .pipe file. One that parses without errors is formatted, and the result
 * must keep every promise of the formatter, else the target aborts: it parses without
 * errors; formatting it again changes nothing (fmt(fmt(x)) == fmt(x)); it has the tokens
 * of x, as written and in order, except a `,` just before `}` (which the layout adds or
 * drops); it has the comments of x in order, trailing blanks removed; and its parse tree
 * (ast_dump) is that of x. Crashes, sanitizer reports, hangs and leaks are bugs too.
 *
 * Build and run (clang only; from the repository root):
 *   cmake -S . -B build-fuzz -DPIPE_FUZZ=ON -DCMAKE_C_COMPILER=clang-14 -DCMAKE_BUILD_TYPE=Debug
 *   cmake --build build-fuzz --target fuzz_fmt
 *   mkdir -p /tmp/fz
 *   for f in $(git ls-files '*.pipe'); do cp "$f" /tmp/fz/$(echo "$f" | tr / _); done
 *   build-fuzz/fuzz_fmt -max_total_time=300 -max_len=4096 /tmp/fz
 * Or alone, without LLVM (gen/ comes from any CMake build directory, here build):
 *   clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -Icompiler -Ibuild/gen \
 *     tests/fuzz/fuzz_fmt.c compiler/fmt*.c compiler/parse_*.c \
 *     compiler/{arena,ast,ast_dump,diag,src,lex_util}.c \
 *     build/gen/lex.c build/gen/parse.c -lm -o /tmp/fuzz_fmt
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "fuzz_input.h"
#include "lex.h"
#include "parse.h"

/* A list of byte ranges: tokens or comments. */
typedef struct texts {
  const char **s;
  int *len;
  int n, cap;
} texts;

static void push(texts *t, const char *s, int len) {
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 64;
    t->s = realloc(t->s, (size_t)t->cap * sizeof *t->s);
    t->len = realloc(t->len, (size_t)t->cap * sizeof *t->len);
    if (!t->s || !t->len) abort();
  }
  t->s[t->n] = s;
  t->len[t->n++] = len;
}

static void clear(texts *t) {
  free(t->s);
  free(t->len);
}

static bool same(const texts *a, const texts *b) {
  if (a->n != b->n) return false;
  for (int i = 0; i < a->n; i++)
    if (a->len[i] != b->len[i] || memcmp(a->s[i], b->s[i], (size_t)a->len[i]) != 0) return false;
  return true;
}

/* The comments in the gap [p, e) between two tokens. */
static void gap_comments(texts *c, const char *p, const char *e) {
  while (p < e) {
    if (*p != '#') {
      p++;
      continue;
    }
    const char *q = p;
    while (q < e && *q != '\n') q++;
    const char *end = q;
    while (end > p && strchr(" \t\r\v\f", end[-1])) end--;
    push(c, p, (int)(end - p));
    p = q;
  }
}

/* The tokens of f (without a `,` before `}`) and its comments. */
static void lex_all(arena *a, diag_ctx *d, const src_file *f, texts *toks, texts *comments) {
  parse_ctx pc;
  lex_init(&pc, a, d, f);
  lex_token t;
  const char *end = f->text;
  while (lex_token_next(&pc, &t) != 0) {
    gap_comments(comments, end, pc.tok);
    int len = (int)(pc.cur - pc.tok);
    if (len == 1 && *pc.tok == '}' && toks->n > 0 && toks->len[toks->n - 1] == 1 &&
        *toks->s[toks->n - 1] == ',')
      toks->n--;
    push(toks, pc.tok, len);
    end = pc.cur;
  }
  gap_comments(comments, end, f->text + f->len);
}

static char *dump(const ast_program *p) {
  char *s = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&s, &n);
  if (!m) abort();
  ast_dump(m, p);
  fclose(m);
  return s;
}

static void check(bool cond, const char *what) {
  if (cond) return;
  fprintf(stderr, "fuzz_fmt: %s\n", what);
  abort();
}

/* What the layout promises whatever the input: declarations at column 0, each `|` of a
 * flow at column 2, no blank at the end of a line, at most one empty line in a row and
 * none first, one line break at the end of a file that is not empty. */
static void check_layout(arena *a, diag_ctx *d, const src_file *f, const ast_program *p) {
  for (int i = 0; i < p->decls.len; i++)
    check(((const ast_decl *)p->decls.items[i])->at.col == 1, "a declaration is indented");
  parse_ctx pc;
  lex_init(&pc, a, d, f);
  lex_token t;
  while (lex_token_next(&pc, &t) != 0)
    check(t.at.len != 1 || *pc.tok != '|' || t.at.col == 3, "a `|` is not at column 2");
  const char *y = f->text;
  size_t len = (size_t)f->len;
  check(!strstr(y, " \n") && !strstr(y, "\t\n"), "a line ends with a blank");
  check(!strstr(y, "\n\n\n") && y[0] != '\n', "two empty lines, or one at the start");
  check(len == 0 || y[len - 1] == '\n', "no line break at the end");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  arena *a = arena_new();
  diag_ctx d;
  src_file *fx = fuzz_input(a, &d, data, size, "x.pipe");
  ast_program x = {0};
  if (parse_file(a, &d, &x, fx) == 0) {
    size_t ylen, yylen;
    char *y = fmt_source(a, fx, &x, &ylen);
    check(strlen(y) == ylen, "the output holds a NUL byte");
    ast_program yp = {0};
    src_file *fy = src_from_string(a, "y.pipe", y);
    check(parse_file(a, &d, &yp, fy) == 0, "the output does not parse");
    check_layout(a, &d, fy, &yp);
    char *yy = fmt_source(a, fy, &yp, &yylen);
    check(ylen == yylen && memcmp(y, yy, ylen) == 0, "fmt(fmt(x)) != fmt(x)");
    texts xt = {0}, xc = {0}, yt = {0}, yc = {0};
    lex_all(a, &d, fx, &xt, &xc);
    lex_all(a, &d, fy, &yt, &yc);
    check(same(&xt, &yt), "the tokens differ");
    check(same(&xc, &yc), "the comments differ");
    char *dx = dump(&x), *dy = dump(&yp);
    check(strcmp(dx, dy) == 0, "the parse trees differ");
    free(dx);
    free(dy);
    clear(&xt), clear(&xc), clear(&yt), clear(&yc);
  }
  arena_free(a);
  return 0;
}
