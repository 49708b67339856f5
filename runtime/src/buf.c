/* buf.c: growable byte buffers and the JSON text of strings and values.
 *
 * rt_buf is what every writer renders into before a write(2). The JSON text of a value
 * here is what json_nest.c puts between the keys of a row's object, for the JSON-lines
 * writer and the dead-letter records alike. Out of memory aborts the process, as batch
 * memory does: a half-written output is worse than a clear stop.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_batch.h"
#include "json_nest.h"
#include "rt_io.h"

static void grow(rt_buf *b, size_t extra) {
  if (b->cap - b->len >= extra) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < extra) cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p) {
    fputs("pipe: out of memory\n", stderr);
    abort();
  }
  b->p = p;
  b->cap = cap;
}

void rt_buf_put(rt_buf *b, const void *p, size_t n) {
  if (!n) return;
  grow(b, n);
  memcpy(b->p + b->len, p, n);
  b->len += n;
}

void rt_buf_putc(rt_buf *b, char c) {
  if (b->len == b->cap) grow(b, 1);
  b->p[b->len++] = c;
}

void rt_buf_printf(rt_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b->p ? b->p + b->len : NULL, b->cap - b->len, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= b->cap - b->len) {
    grow(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
  }
  b->len += (size_t)n;
}

void rt_buf_free(rt_buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 if it is not one:
 * overlong forms, surrogates and code points above U+10FFFF are invalid. */
size_t rt_utf8_len(const unsigned char *p, size_t n) {
  unsigned c = p[0];
  size_t len;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else return 0;
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < len; i++)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return len;
}

/* 1 for ASCII bytes that go into a JSON string as they are. */
static int json_plain(unsigned char c) {
  return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

static void json_escape(rt_buf *b, unsigned char c) {
  static const char hex[] = "0123456789abcdef";
  char e[6] = {'\\', 0, 0, 0, 0, 0};
  switch (c) {
  case '"': e[1] = '"'; break;
  case '\\': e[1] = '\\'; break;
  case '\n': e[1] = 'n'; break;
  case '\r': e[1] = 'r'; break;
  case '\t': e[1] = 't'; break;
  case '\b': e[1] = 'b'; break;
  case '\f': e[1] = 'f'; break;
  default:
    memcpy(e, "\\u00", 4);
    e[4] = hex[c >> 4];
    e[5] = hex[c & 15];
    rt_buf_put(b, e, 6);
    return;
  }
  rt_buf_put(b, e, 2);
}

void rt_buf_json_str(rt_buf *b, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  rt_buf_putc(b, '"');
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && json_plain(p[j])) j++;
    rt_buf_put(b, p + i, j - i);
    if (j == n) break;
    if (p[j] < 0x80) {
      json_escape(b, p[j]);
      i = j + 1;
      continue;
    }
    size_t len = rt_utf8_len(p + j, n - j);
    if (len) rt_buf_put(b, p + j, len);
    else rt_buf_put(b, "\xEF\xBF\xBD", 3);  /* U+FFFD for each invalid byte */
    i = j + (len ? len : 1);
  }
  rt_buf_putc(b, '"');
}

void rt_buf_json_value(rt_buf *out, const pipe_column *c, const pipe_field_desc *f,
                       int64_t row) {
  char tmp[PIPE_FMT_MAX];
  int n;
  if (rt_is_null(c, row)) {
    rt_buf_put(out, "null", 4);
    return;
  }
  switch (f->type) {
  case PIPE_T_BOOL:
    if (rt_bool_get(c, row)) rt_buf_put(out, "true", 4);
    else rt_buf_put(out, "false", 5);
    return;
  case PIPE_T_I64:
    n = pipe_fmt_i64(((const int64_t *)c->values)[row], tmp);
    rt_buf_put(out, tmp, (size_t)n);
    return;
  case PIPE_T_F64: {
    double v = ((const double *)c->values)[row];
    if (!isfinite(v)) {
      rt_buf_put(out, "null", 4);
      return;
    }
    n = pipe_fmt_f64(v, tmp);
    rt_buf_put(out, tmp, (size_t)n);
    return;
  }
  case PIPE_T_STRING: {
    pipe_str s = rt_str_at(c, row);
    rt_buf_json_str(out, s.ptr, (size_t)s.len);
    return;
  }
  case PIPE_T_TIMESTAMP:
    n = pipe_fmt_ts(((const int64_t *)c->values)[row], tmp);
    rt_buf_json_str(out, tmp, (size_t)n);
    return;
  case PIPE_T_DURATION:
    n = pipe_fmt_dur(((const int64_t *)c->values)[row], tmp);
    rt_buf_json_str(out, tmp, (size_t)n);
    return;
  default:
    rt_buf_put(out, "null", 4);
  }
}
