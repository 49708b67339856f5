/* test_lex.c: the lexer alone: every token kind, literal values, spans, and each lexical
 * error (E0001-E0005) with recovery to the following tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "parse.h"
#include "tap.h"

typedef struct run {
  arena *a;
  diag_ctx d;
  FILE *errf;
  char *err;
  size_t errlen;
  parse_ctx pc;
  lex_token toks[64];
  int ntoks;
  char names[1024];
} run;

/* Lexes text completely; r->names is the token names separated by spaces. */
static run *lex(const char *text) {
  run *r = calloc(1, sizeof *r);
  r->a = arena_new();
  r->errf = open_memstream(&r->err, &r->errlen);
  diag_init(&r->d, r->errf);
  lex_init(&r->pc, r->a, &r->d, src_from_string(r->a, "t.pipe", text));
  size_t len = 0;
  while (r->ntoks < 64 && lex_token_next(&r->pc, &r->toks[r->ntoks]) != 0) {
    len += (size_t)snprintf(r->names + len, sizeof r->names - len, "%s%s", len ? " " : "",
                            r->toks[r->ntoks].name);
    r->ntoks++;
  }
  fflush(r->errf);
  return r;
}

static void done(run *r) {
  fclose(r->errf);
  free(r->err);
  arena_free(r->a);
  free(r);
}

static void test_punctuation(void) {
  run *r = lex("| { } ( ) , : = ? -> + - * / % == != < <= > >= ?? ...");
  is_str(r->names,
         "`|` `{` `}` `(` `)` `,` `:` `=` `?` `->` `+` `-` `*` `/` `%` `==` `!=` `<` `<=` "
         "`>` `>=` `??` `...`",
         "every operator");
  is_int(r->d.errors, 0, "no errors");
  done(r);
  r = lex("a??b->c...d");
  is_str(r->names, "name `??` name `->` name `...` name", "operators without spaces");
  done(r);
}

static void test_keywords(void) {
  run *r = lex("schema param const fn extern source let import filter select window aggregate "
               "sink on error watermark by every if then else and or not true false null");
  is_str(r->names,
         "`schema` `param` `const` `fn` `extern` `source` `let` `import` `filter` `select` "
         "`window` `aggregate` `sink` `on` `error` `watermark` `by` `every` `if` `then` "
         "`else` `and` `or` `not` `true` `false` `null`",
         "every keyword");
  done(r);
  r = lex("fail skip dead_letter tumbling sliding session count schemas _x1 Filter");
  is_str(r->names, "name name name name name name name name name name",
         "contextual words and near-keywords are names");
  is_str(r->toks[8].str.s, "_x1", "identifier text");
  ok(r->toks[0].str.s == arena_intern(r->a, "fail", 4), "identifiers are interned");
  done(r);
}

static void test_dotted(void) {
  run *r = lex("user.id a.b.c order.by filter.x a . b c...d x.1");
  is_str(r->names,
         "dotted name dotted name dotted name dotted name name name name `...` name name "
         "integer",
         "dotted names are one token; spaces, `...` and digits end them");
  is_str(r->toks[1].str.s, "a.b.c", "dotted name text");
  is_int(r->toks[1].at.len, 5, "dotted name span");
  is_str(r->toks[3].str.s, "filter.x", "a keyword may be a part");
  is_int(r->d.errors, 2, "a lone `.` is a bad character");
  done(r);
}

/* `..` (a sink's `backoff = 100ms..10s`) next to `...`, numbers and names; `retry` and
 * `breaker` are words only right before `(`. */
static void test_range(void) {
  run *r = lex("100ms..10s 1..2 1...2 1.5..2 a..b x .. y 1. .");
  is_str(r->names,
         "duration `..` duration integer `..` integer integer `...` integer float `..` integer "
         "name `..` name name `..` name integer",
         "`..` between durations, integers, floats and names; `...` stays one token");
  is_int(r->toks[0].i, 100000, "100ms before `..`");
  is_int(r->toks[2].i, 10000000, "10s after `..`");
  is_int(r->toks[1].at.col, 6, "`..` span: column");
  is_int(r->toks[1].at.len, 2, "`..` span: length");
  is_int(r->d.errors, 2, "a lone `.` is still a bad character (twice)");
  done(r);
  r = lex("retry(max = 1) breaker (x) retry breaker = retry_x( retry\n(");
  is_str(r->names,
         "`retry` `(` name `=` integer `)` `breaker` `(` name `)` name name `=` name `(` name "
         "`(`",
         "`retry`/`breaker` before `(` are clause words, elsewhere names");
  is_str(r->toks[0].str.s, "retry", "the clause word's text");
  is_int(r->toks[0].at.len, 5, "its span is the word alone");
  is_int(r->toks[6].at.len, 7, "... also with blanks before `(`");
  is_int(r->d.errors, 0, "no errors");
  done(r);
}

static void test_numbers(void) {
  run *r = lex("0 42 1_000_000 9223372036854775807 3.14 1e-3 2.5e10 1_0.2_5");
  is_str(r->names, "integer integer integer integer float float float float", "number kinds");
  is_int(r->toks[1].i, 42, "42");
  is_int(r->toks[2].i, 1000000, "underscores");
  ok(r->toks[3].i == INT64_MAX, "INT64_MAX");
  ok(r->toks[4].f == 3.14, "3.14");
  ok(r->toks[5].f == 1e-3, "1e-3");
  ok(r->toks[6].f == 2.5e10, "2.5e10");
  ok(r->toks[7].f == 10.25, "float with underscores");
  is_int(r->d.errors, 0, "no errors");
  done(r);
}

static void test_durations(void) {
  run *r = lex("10us 250ms 5s 1m 2h 1d 1_000ms");
  is_str(r->names, "duration duration duration duration duration duration duration",
         "duration kinds");
  is_int(r->toks[0].i, 10, "10us");
  is_int(r->toks[1].i, 250000, "250ms");
  is_int(r->toks[2].i, 5000000, "5s");
  is_int(r->toks[3].i, 60000000, "1m");
  is_int(r->toks[4].i, 7200000000LL, "2h");
  is_int(r->toks[5].i, 86400000000LL, "1d");
  is_int(r->toks[6].i, 1000000, "1_000ms");
  is_int(r->d.errors, 0, "no errors");
  done(r);
}

static void test_strings(void) {
  run *r = lex("\"a\\n\\t\\r\\\"\\\\\\0b\" \"\\u{1F600}\" \"\" \"caf\xc3\xa9\"");
  is_str(r->names, "string string string string", "string kinds");
  is_int(r->toks[0].str.len, 8, "escaped length");
  ok(memcmp(r->toks[0].str.s, "a\n\t\r\"\\\0b", 8) == 0, "escapes decoded");
  is_int(r->toks[1].str.len, 4, "\\u{1F600} is 4 bytes");
  ok(memcmp(r->toks[1].str.s, "\xf0\x9f\x98\x80", 4) == 0, "\\u{1F600} in UTF-8");
  is_int(r->toks[2].str.len, 0, "empty string");
  is_int(r->toks[3].str.len, 5, "UTF-8 passes through");
  is_int(r->toks[0].at.len, 16, "string span covers the quotes");
  is_int(r->d.errors, 0, "no errors");
  done(r);
}

static void test_spans(void) {
  run *r = lex("schema T {\n  a: i64,\n\tb # note\n}");
  is_str(r->names, "`schema` name `{` name `:` name `,` name `}`", "tokens over lines");
  is_int(r->toks[0].at.line, 1, "schema line");
  is_int(r->toks[0].at.col, 1, "schema col");
  is_int(r->toks[0].at.len, 6, "schema len");
  is_int(r->toks[1].at.col, 8, "T col");
  is_int(r->toks[3].at.line, 2, "a line");
  is_int(r->toks[3].at.col, 3, "a col");
  is_int(r->toks[5].at.col, 6, "i64 col");
  is_int(r->toks[5].at.len, 3, "i64 len");
  is_int(r->toks[7].at.line, 3, "b line");
  is_int(r->toks[7].at.col, 2, "b col after a tab (bytes)");
  is_int(r->toks[8].at.line, 4, "} line after a comment");
  ok(r->toks[0].at.file && strcmp(r->toks[0].at.file->path, "t.pipe") == 0, "span file");
  done(r);
}

static void test_errors(void) {
  run *r = lex("a @ b");
  is_str(r->names, "name name", "E0001: bad character skipped");
  is_int(r->d.errors, 1, "one error");
  ok(strstr(r->err, "t.pipe:1:3: error[E0001]: unexpected character `@`") != NULL, "E0001 text");
  done(r);

  r = lex("x = 9223372036854775808");
  is_int(r->d.errors, 1, "E0004 once");
  ok(strstr(r->err, "error[E0004]: integer literal `9223372036854775808` is out of range"),
     "E0004 text");
  is_str(r->names, "name `=` integer", "overflowing integer is still a token");
  done(r);

  r = lex("5x 1.5s 9999999999999d 3");
  is_int(r->d.errors, 3, "E0005 three times");
  ok(strstr(r->err, "1:2: error[E0005]: invalid duration unit `x` in `5x`") != NULL,
     "bad unit");
  ok(strstr(r->err, "1:4: error[E0005]: invalid number `1.5s`") != NULL, "fractional duration");
  ok(strstr(r->err, "1:9: error[E0005]: duration literal `9999999999999d` is out of range"),
     "duration overflow");
  is_int(r->toks[3].i, 3, "lexing goes on");
  done(r);

  r = lex("\"a\\qb\" \"\\u{110000}\" \"\\u{41\"");
  is_int(r->d.errors, 3, "E0003 three times");
  ok(strstr(r->err, "1:3: error[E0003]: invalid escape sequence `\\q`") != NULL, "\\q");
  ok(strstr(r->err, "error[E0003]: invalid escape sequence `\\u{110000}`") != NULL,
     "code point too large");
  ok(strstr(r->err, "error[E0003]: invalid escape sequence `\\u{41`") != NULL, "unclosed \\u{");
  is_int(r->toks[0].str.len, 2, "bad escape dropped");
  done(r);

  r = lex("x = \"abc\ny \"tail");
  is_str(r->names, "name `=` string name string", "E0002 then the next line");
  is_int(r->d.errors, 2, "unterminated at newline and at end of file");
  ok(strstr(r->err, "t.pipe:1:5: error[E0002]: unterminated string literal") != NULL,
     "E0002 text");
  is_int(r->toks[2].at.len, 4, "unterminated span runs to the end of the line");
  done(r);
}

static void test_eof(void) {
  run *r = lex("a\n\n");
  lex_token t;
  is_int(lex_token_next(&r->pc, &t), 0, "end of file after the tokens");
  is_str(t.name, "end of file", "end token name");
  is_int(t.at.line, 1, "end of file placed after the last token");
  is_int(t.at.col, 2, "end of file column");
  done(r);
}

int main(void) {
  test_punctuation();
  test_keywords();
  test_dotted();
  test_range();
  test_numbers();
  test_durations();
  test_strings();
  test_spans();
  test_errors();
  test_eof();
  return tap_done();
}
