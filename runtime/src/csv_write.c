/* csv_write.c: renders rows as CSV text (RFC 4180) for the CSV writer.
 *
 * A field is quoted only when it holds the delimiter, a quote, CR or LF; an empty string
 * is written `""` so that it reads back as the empty string and not as null, which is an
 * empty field. Lines end with "\n". Values use the shared text forms (pipe_fmt_*).
 */
#include <string.h>

#include "rt_batch.h"
#include "rt_io.h"

static int needs_quotes(const char *p, size_t n, char delim) {
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (c == delim || c == '"' || c == '\n' || c == '\r') return 1;
  }
  return 0;
}

static void put_text(rt_buf *out, const char *p, size_t n, char delim) {
  if (n == 0) {
    rt_buf_put(out, "\"\"", 2);
    return;
  }
  if (!needs_quotes(p, n, delim)) {
    rt_buf_put(out, p, n);
    return;
  }
  rt_buf_putc(out, '"');
  const char *end = p + n;
  while (p < end) {
    const char *q = memchr(p, '"', (size_t)(end - p));
    if (!q) {
      rt_buf_put(out, p, (size_t)(end - p));
      break;
    }
    rt_buf_put(out, p, (size_t)(q - p + 1));
    rt_buf_putc(out, '"');  /* a quote inside a quoted field is doubled */
    p = q + 1;
  }
  rt_buf_putc(out, '"');
}

static void put_value(rt_buf *out, const pipe_column *c, int type, int64_t row, char delim) {
  char tmp[PIPE_FMT_MAX];
  int n = 0;
  if (rt_is_null(c, row)) return;
  switch (type) {
  case PIPE_T_BOOL:
    if (rt_bool_get(c, row)) rt_buf_put(out, "true", 4);
    else rt_buf_put(out, "false", 5);
    return;
  case PIPE_T_STRING: {
    pipe_str s = rt_str_at(c, row);
    put_text(out, s.ptr, (size_t)s.len, delim);
    return;
  }
  case PIPE_T_I64: n = pipe_fmt_i64(((const int64_t *)c->values)[row], tmp); break;
  case PIPE_T_F64: n = pipe_fmt_f64(((const double *)c->values)[row], tmp); break;
  case PIPE_T_TIMESTAMP: n = pipe_fmt_ts(((const int64_t *)c->values)[row], tmp); break;
  case PIPE_T_DURATION: n = pipe_fmt_dur(((const int64_t *)c->values)[row], tmp); break;
  default: return;
  }
  rt_buf_put(out, tmp, (size_t)n);
}

void rt_csv_put_header(rt_buf *out, const pipe_schema_desc *s, char delim) {
  for (int32_t i = 0; i < s->nfields; i++) {
    if (i) rt_buf_putc(out, delim);
    put_text(out, s->fields[i].name, strlen(s->fields[i].name), delim);
  }
  rt_buf_putc(out, '\n');
}

void rt_csv_put_rows(rt_buf *out, const pipe_batch *b, const pipe_schema_desc *s, char delim) {
  for (int64_t r = 0; r < b->nrows; r++) {
    for (int32_t i = 0; i < s->nfields; i++) {
      if (i) rt_buf_putc(out, delim);
      put_value(out, &b->cols[i], s->fields[i].type, r, delim);
    }
    rt_buf_putc(out, '\n');
  }
}
