/* convert.c: the conversion built-ins i64(x), f64(x), timestamp(x) and string(x) where
 * they can fail or build text; the infallible numeric ones (i64 of bool, f64 of i64, ...)
 * are plain casts in generated code. Text forms are those of runtime/src/text.c, so
 * string(x) prints exactly what the CSV and JSON writers print and the parsers accept
 * exactly what the readers accept. */
#include <string.h>

#include "pipe/std.h"

int32_t pipe_std_i64_of_f64(double v, int64_t *out) {
  /* -2^63 and 2^63 are exact doubles; the comparisons are false for NaN. */
  if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0)) return -1;
  *out = (int64_t)v;   /* truncates toward zero */
  return 0;
}

int32_t pipe_std_i64_of_str(const char *p, int64_t n, int64_t *out) {
  return pipe_parse_i64(p, n, out);
}

int32_t pipe_std_f64_of_str(const char *p, int64_t n, double *out) {
  return pipe_parse_f64(p, n, out);
}

int32_t pipe_std_ts_of_str(const char *p, int64_t n, int64_t *out) {
  return pipe_parse_ts(p, n, out);
}

/* Formats into a stack buffer, then copies exactly the bytes used to scratch. */
static void to_scratch(pipe_kctx *ctx, const char *buf, int n, pipe_str *out) {
  char *d = pipe_rt_scratch(ctx, n);
  memcpy(d, buf, (size_t)n);
  out->ptr = d;
  out->len = n;
}

void pipe_std_str_of_i64(pipe_kctx *ctx, int64_t v, pipe_str *out) {
  char buf[PIPE_FMT_MAX];
  to_scratch(ctx, buf, pipe_fmt_i64(v, buf), out);
}

void pipe_std_str_of_f64(pipe_kctx *ctx, double v, pipe_str *out) {
  char buf[PIPE_FMT_MAX];
  to_scratch(ctx, buf, pipe_fmt_f64(v, buf), out);
}

void pipe_std_str_of_bool(int8_t v, pipe_str *out) {
  /* Static text: no scratch needed. */
  out->ptr = v ? "true" : "false";
  out->len = v ? 4 : 5;
}

void pipe_std_str_of_ts(pipe_kctx *ctx, int64_t v, pipe_str *out) {
  char buf[PIPE_FMT_MAX];
  to_scratch(ctx, buf, pipe_fmt_ts(v, buf), out);
}

void pipe_std_str_of_dur(pipe_kctx *ctx, int64_t v, pipe_str *out) {
  char buf[PIPE_FMT_MAX];
  to_scratch(ctx, buf, pipe_fmt_dur(v, buf), out);
}
