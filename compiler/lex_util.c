/* lex_util.c: the lexer's helpers. lex.re recognises tokens; this file computes their
 * spans, decodes numbers, durations and strings, and reports lexical errors (E0001-E0005).
 * After an error the token is still returned, with value 0 or the bytes decoded so far,
 * so that the parser keeps going and later mistakes are reported too.
 *
 * Design choice: -9223372036854775808 cannot be written as a literal; 9223372036854775808
 * is out of range (E0004) even under unary minus. Write `-9223372036854775807 - 1`. */
#include "lex.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void lex_init(parse_ctx *pc, arena *a, diag_ctx *d, const src_file *f) {
  memset(pc, 0, sizeof *pc);
  pc->a = a;
  pc->d = d;
  pc->f = f;
  pc->cur = pc->tok = pc->line_start = f->text;
  pc->lim = f->text + f->len;
  pc->line = pc->last_line = pc->last_col = 1;
}

span lex_span(parse_ctx *pc, const char *start, const char *end) {
  return (span){pc->f, pc->line, (int)(start - pc->line_start) + 1, (int)(end - start)};
}

static span tok_span(parse_ctx *pc) {
  return lex_span(pc, pc->tok, pc->cur);
}

void lex_newline(parse_ctx *pc) {
  pc->line++;
  pc->line_start = pc->cur;
}

const char *lex_ident(parse_ctx *pc) {
  return arena_intern(pc->a, pc->tok, (size_t)(pc->cur - pc->tok));
}

/* Decimal digits with `_` separators; false on overflow or a trailing `_`. */
static bool digits(const char *s, const char *e, int64_t *out, bool *overflow) {
  uint64_t v = 0;
  *overflow = false;
  for (const char *p = s; p < e; p++) {
    if (*p == '_') continue;
    unsigned d = (unsigned)(*p - '0');
    if (v > ((uint64_t)INT64_MAX - d) / 10) *overflow = true;
    v = v * 10 + d;
  }
  *out = *overflow ? 0 : (int64_t)v;
  return !*overflow && e > s && e[-1] != '_';
}

bool lex_int(parse_ctx *pc, const char *s, const char *e, int64_t *out) {
  bool overflow;
  if (digits(s, e, out, &overflow)) return true;
  *out = 0;
  int n = (int)(e - s);
  if (overflow) {
    diag_error(pc->d, lex_span(pc, s, e), DIAG_E0004, "integer literal `%.*s` is out of range",
               n, s);
    diag_hint(pc->d, "the largest i64 is 9223372036854775807");
  } else {
    diag_error(pc->d, lex_span(pc, s, e), DIAG_E0005, "invalid number `%.*s`", n, s);
    diag_hint(pc->d, "a number cannot end with `_`");
  }
  return false;
}

bool lex_float(parse_ctx *pc, double *out) {
  char buf[128];
  size_t n = 0;
  for (const char *p = pc->tok; p < pc->cur && n + 1 < sizeof buf; p++)
    if (*p != '_') buf[n++] = *p;
  buf[n] = 0;
  *out = strtod(buf, NULL);
  if (isfinite(*out) && pc->cur - pc->tok < (long)sizeof buf) return true;
  diag_error(pc->d, tok_span(pc), DIAG_E0005, "float literal `%.*s` is out of range",
             (int)(pc->cur - pc->tok), pc->tok);
  *out = 0;
  return false;
}

void lex_bad_number(parse_ctx *pc) {
  diag_error(pc->d, tok_span(pc), DIAG_E0005, "invalid number `%.*s`",
             (int)(pc->cur - pc->tok), pc->tok);
}

static const struct {
  const char *unit;
  int64_t us;
} units[] = {
    {"us", 1}, {"ms", 1000}, {"s", 1000000}, {"m", 60000000LL}, {"h", 3600000000LL},
    {"d", 86400000000LL},
};

bool lex_duration(parse_ctx *pc, int64_t *out) {
  const char *u = pc->tok;
  while (u < pc->cur && (isdigit((unsigned char)*u) || *u == '_')) u++;
  int ulen = (int)(pc->cur - u), tlen = (int)(pc->cur - pc->tok);
  *out = 0;
  for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
    if ((int)strlen(units[i].unit) != ulen || memcmp(units[i].unit, u, (size_t)ulen) != 0)
      continue;
    int64_t n;
    bool overflow;
    if (!digits(pc->tok, u, &n, &overflow) || __builtin_mul_overflow(n, units[i].us, out)) {
      *out = 0;
      diag_error(pc->d, tok_span(pc), DIAG_E0005, "duration literal `%.*s` is %s", tlen,
                 pc->tok, overflow || u[-1] != '_' ? "out of range" : "invalid");
      return false;
    }
    return true;
  }
  diag_error(pc->d, lex_span(pc, u, pc->cur), DIAG_E0005,
             "invalid duration unit `%.*s` in `%.*s`", ulen, u, tlen, pc->tok);
  diag_hint(pc->d, "units are us, ms, s, m, h, d");
  return false;
}

void lex_bad_char(parse_ctx *pc) {
  unsigned char c = (unsigned char)*pc->tok;
  int n = (int)(pc->cur - pc->tok);
  if (c >= 0x80 && n > 1)
    diag_error(pc->d, tok_span(pc), DIAG_E0001, "unexpected character `%.*s`", n, pc->tok);
  else if (c >= 0x80)
    diag_error(pc->d, tok_span(pc), DIAG_E0001, "unexpected byte 0x%02X", c);
  else if (c < 0x20 || c == 0x7f)
    diag_error(pc->d, tok_span(pc), DIAG_E0001, "unexpected character U+%04X", c);
  else
    diag_error(pc->d, tok_span(pc), DIAG_E0001, "unexpected character `%c`", c);
}

static int utf8_encode(char *out, unsigned long cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* `\u{HEX}` with pc->cur after the `u`; appends the code point to out. */
static int unicode_escape(parse_ctx *pc, const char *esc, char *out) {
  const char *p = pc->cur;
  unsigned long cp = 0;
  int nd = 0;
  if (p < pc->lim && *p == '{') {
    for (p++; p < pc->lim && isxdigit((unsigned char)*p) && nd < 7; p++, nd++)
      cp = cp * 16 + (unsigned long)(isdigit((unsigned char)*p) ? *p - '0'
                                                                 : (tolower(*p) - 'a' + 10));
  }
  bool closed = p < pc->lim && *p == '}';
  if (closed) p++;
  pc->cur = p;
  if (!closed || nd == 0 || nd > 6 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    diag_error(pc->d, lex_span(pc, esc, p), DIAG_E0003, "invalid escape sequence `%.*s`",
               (int)(p - esc), esc);
    diag_hint(pc->d, "write a Unicode scalar value as `\\u{1F600}`");
    return 0;
  }
  return utf8_encode(out, cp);
}

/* One escape with pc->cur after the backslash; returns the bytes written to out. */
static int escape(parse_ctx *pc, char *out) {
  const char *esc = pc->cur - 1;
  char c = *pc->cur++;
  switch (c) {
  case 'n': *out = '\n'; return 1;
  case 't': *out = '\t'; return 1;
  case 'r': *out = '\r'; return 1;
  case '"': *out = '"'; return 1;
  case '\\': *out = '\\'; return 1;
  case '0': *out = 0; return 1;
  case 'u': return unicode_escape(pc, esc, out);
  }
  diag_error(pc->d, lex_span(pc, esc, pc->cur), DIAG_E0003, "invalid escape sequence `\\%c`", c);
  diag_hint(pc->d, "escapes are \\n \\t \\r \\\" \\\\ \\0 and \\u{HEX}");
  return 0;
}

lex_str lex_string(parse_ctx *pc) {
  const char *end = pc->cur;
  while (end < pc->lim && *end != '\n') end++;
  char *buf = arena_alloc(pc->a, (size_t)(end - pc->cur) + 1);
  int64_t n = 0;
  for (;;) {
    if (pc->cur >= pc->lim || *pc->cur == '\n' ||
        (*pc->cur == '\\' && (pc->cur + 1 >= pc->lim || pc->cur[1] == '\n'))) {
      if (pc->cur < pc->lim && *pc->cur == '\\') pc->cur++;
      diag_error(pc->d, tok_span(pc), DIAG_E0002, "unterminated string literal");
      diag_hint(pc->d, "a string ends on the line it starts; write a newline as `\\n`");
      break;
    }
    char c = *pc->cur++;
    if (c == '"') break;
    if (c == '\\')
      n += escape(pc, buf + n);
    else
      buf[n++] = c;
  }
  return (lex_str){buf, n};
}
