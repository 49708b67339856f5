/* test_std_convert.c: the conversions of stdlib/convert.c: i64 of f64 at the edges of
 * the range and on NaN, parsing conversions from text (they share text.c with the
 * readers), and string() of every type in the writers' text forms. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "pipe/std.h"
#include "rt_internal.h"
#include "tap.h"

static pipe_kctx ctx;

static const char *z(pipe_str s) {
  static char buf[4][64];
  static int next;
  char *b = buf[next++ % 4];
  memcpy(b, s.ptr, (size_t)s.len);
  b[s.len] = 0;
  return b;
}

static void i64_of_f64_is(double v, int64_t want) {
  int64_t got = 0x5a;
  int r = pipe_std_i64_of_f64(v, &got);
  ok(r == 0 && got == want, "i64(%.17g) = %lld (got r=%d %lld)", v, (long long)want, r,
     (long long)got);
}

static void i64_of_f64_fails(double v) {
  int64_t got;
  ok(pipe_std_i64_of_f64(v, &got) == -1, "i64(%.17g) fails", v);
}

static void test_i64_of_f64(void) {
  i64_of_f64_is(0.0, 0);
  i64_of_f64_is(-0.0, 0);
  i64_of_f64_is(2.9, 2);
  i64_of_f64_is(-2.9, -2);
  i64_of_f64_is(0.5, 0);
  i64_of_f64_is(-0.999, 0);
  i64_of_f64_is(1e15, 1000000000000000LL);
  i64_of_f64_is(-9223372036854775808.0, INT64_MIN);
  i64_of_f64_is(9223372036854774784.0, 9223372036854774784LL);  /* largest below 2^63 */
  i64_of_f64_fails(9223372036854775808.0);
  i64_of_f64_fails(-9223372036854777856.0);  /* next double below -2^63 */
  i64_of_f64_fails(1e300);
  i64_of_f64_fails(NAN);
  i64_of_f64_fails(INFINITY);
  i64_of_f64_fails(-INFINITY);
}

static void test_from_text(void) {
  int64_t i;
  double f;
  ok(pipe_std_i64_of_str("-42", 3, &i) == 0 && i == -42, "i64(\"-42\")");
  ok(pipe_std_i64_of_str("4.2", 3, &i) == -1, "i64(\"4.2\") fails");
  ok(pipe_std_i64_of_str("", 0, &i) == -1, "i64(\"\") fails");
  ok(pipe_std_i64_of_str("9223372036854775808", 19, &i) == -1, "i64 overflow fails");
  ok(pipe_std_f64_of_str("2.5", 3, &f) == 0 && f == 2.5, "f64(\"2.5\")");
  ok(pipe_std_f64_of_str("7", 1, &f) == 0 && f == 7.0, "f64(\"7\")");
  ok(pipe_std_f64_of_str("abc", 3, &f) == -1, "f64(\"abc\") fails");
  ok(pipe_std_ts_of_str("2026-01-05T09:31:00Z", 20, &i) == 0 && i == 1767605460000000LL,
     "timestamp(\"2026-01-05T09:31:00Z\")");
  ok(pipe_std_ts_of_str("2026-02-30", 10, &i) == -1, "timestamp(\"2026-02-30\") fails");
  ok(pipe_std_ts_of_str("yesterday", 9, &i) == -1, "timestamp(\"yesterday\") fails");
}

static void test_to_text(void) {
  pipe_str o;
  pipe_std_str_of_i64(&ctx, -1234567890123LL, &o);
  is_str(z(o), "-1234567890123", "string(i64)");
  pipe_std_str_of_i64(&ctx, INT64_MIN, &o);
  is_str(z(o), "-9223372036854775808", "string(i64 min)");
  pipe_std_str_of_f64(&ctx, 0.1, &o);
  is_str(z(o), "0.1", "string(0.1)");
  pipe_std_str_of_f64(&ctx, 3.0, &o);
  is_str(z(o), "3", "string(3.0)");
  pipe_std_str_of_f64(&ctx, -0.0, &o);
  is_str(z(o), "-0", "string(-0.0)");
  pipe_std_str_of_f64(&ctx, NAN, &o);
  is_str(z(o), "nan", "string(nan)");
  pipe_std_str_of_f64(&ctx, -INFINITY, &o);
  is_str(z(o), "-inf", "string(-inf)");
  pipe_std_str_of_bool(1, &o);
  is_str(z(o), "true", "string(true)");
  pipe_std_str_of_bool(0, &o);
  is_str(z(o), "false", "string(false)");
  pipe_std_str_of_ts(&ctx, 1767605460500000LL, &o);
  is_str(z(o), "2026-01-05T09:31:00.5Z", "string(timestamp)");
  pipe_std_str_of_ts(&ctx, -1, &o);
  is_str(z(o), "1969-12-31T23:59:59.999999Z", "string(timestamp before 1970)");
  pipe_std_str_of_dur(&ctx, 5400000000LL, &o);
  is_str(z(o), "90m", "string(duration 1h30m)");
  pipe_std_str_of_dur(&ctx, -250000, &o);
  is_str(z(o), "-250ms", "string(duration -250ms)");
  pipe_std_str_of_dur(&ctx, 0, &o);
  is_str(z(o), "0s", "string(duration 0)");
  /* What string() writes, the matching conversion reads back. */
  int64_t back;
  double fb;
  pipe_std_str_of_ts(&ctx, 1767605460123456LL, &o);
  ok(pipe_std_ts_of_str(o.ptr, o.len, &back) == 0 && back == 1767605460123456LL,
     "timestamp(string(ts)) == ts");
  pipe_std_str_of_f64(&ctx, 1.0 / 3.0, &o);
  ok(pipe_std_f64_of_str(o.ptr, o.len, &fb) == 0 && fb == 1.0 / 3.0, "f64(string(1/3)) == 1/3");
}

int main(void) {
  test_i64_of_f64();
  test_from_text();
  test_to_text();
  rt_scratch_free(&ctx);
  return tap_done();
}
