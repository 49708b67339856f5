/* test_rt_text.c: the text forms of runtime/src/text.c (parse and format of bool, i64,
 * f64, timestamp, duration) and the calendar arithmetic behind them: edge cases, every
 * documented rejection, and round trips (every day of 0000..9999, 100k random doubles). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipe/abi.h"
#include "rt_civil.h"
#include "tap.h"

/* ---- helpers: NUL-terminated wrappers over the (pointer, length) API ---------------- */

/* Parses a copy of s placed at the end of a heap block, so that ASan catches any read
 * past the length. */
static int parse_with(int (*fn)(const char *, int64_t, int64_t *), const char *s, int64_t *v) {
  size_t n = strlen(s);
  char *p = malloc(n ? n : 1);
  memcpy(p, s, n);
  int r = fn(p, (int64_t)n, v);
  free(p);
  return r;
}

static int pf(const char *s, double *v) {
  size_t n = strlen(s);
  char *p = malloc(n ? n : 1);
  memcpy(p, s, n);
  int r = pipe_parse_f64(p, (int64_t)n, v);
  free(p);
  return r;
}

static char fbuf[PIPE_FMT_MAX + 1];

static const char *fi(int64_t v) { fbuf[pipe_fmt_i64(v, fbuf)] = 0; return fbuf; }
static const char *ff(double v) { fbuf[pipe_fmt_f64(v, fbuf)] = 0; return fbuf; }
static const char *fts(int64_t v) { fbuf[pipe_fmt_ts(v, fbuf)] = 0; return fbuf; }
static const char *fdur(int64_t v) { fbuf[pipe_fmt_dur(v, fbuf)] = 0; return fbuf; }

static void parses(int (*fn)(const char *, int64_t, int64_t *), const char *s, int64_t want,
                   const char *what) {
  int64_t v = 0x5a5a;
  int r = parse_with(fn, s, &v);
  ok(r == 0 && v == want, "%s \"%s\" -> %lld (got r=%d v=%lld)", what, s, (long long)want, r,
     (long long)v);
}

static void rejects(int (*fn)(const char *, int64_t, int64_t *), const char *s,
                    const char *what) {
  int64_t v;
  ok(parse_with(fn, s, &v) == -1, "%s rejects \"%s\"", what, s);
}

/* ---- bool, i64 ----------------------------------------------------------------------- */

static void test_bool(void) {
  parses(pipe_parse_bool, "true", 1, "bool");
  parses(pipe_parse_bool, "TRUE", 1, "bool");
  parses(pipe_parse_bool, "False", 0, "bool");
  parses(pipe_parse_bool, "1", 1, "bool");
  parses(pipe_parse_bool, "0", 0, "bool");
  const char *bad[] = {"", "t", "yes", "2", "01", " true", "true ", "truex", "fals"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) rejects(pipe_parse_bool, bad[i], "bool");
}

static void test_i64(void) {
  parses(pipe_parse_i64, "0", 0, "i64");
  parses(pipe_parse_i64, "-0", 0, "i64");
  parses(pipe_parse_i64, "+42", 42, "i64");
  parses(pipe_parse_i64, "-17", -17, "i64");
  parses(pipe_parse_i64, "007", 7, "i64");
  parses(pipe_parse_i64, "9223372036854775807", INT64_MAX, "i64");
  parses(pipe_parse_i64, "-9223372036854775808", INT64_MIN, "i64");
  const char *bad[] = {"",     "-",     "+",     " 1",   "1 ",  "1.0", "1e3", "0x10",
                       "--1",  "1_000", "9223372036854775808", "-9223372036854775809",
                       "99999999999999999999", "12a"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) rejects(pipe_parse_i64, bad[i], "i64");
  is_str(fi(0), "0", "fmt i64 0");
  is_str(fi(-5), "-5", "fmt i64 -5");
  is_str(fi(INT64_MAX), "9223372036854775807", "fmt i64 max");
  is_str(fi(INT64_MIN), "-9223372036854775808", "fmt i64 min");
}

/* ---- f64 ----------------------------------------------------------------------------- */

static void f64_is(const char *s, double want) {
  double v = 12345;
  int r = pf(s, &v);
  ok(r == 0 && memcmp(&v, &want, sizeof v) == 0, "f64 \"%s\" -> %.17g (got r=%d %.17g)", s,
     want, r, v);
}

static void test_f64_parse(void) {
  f64_is("0", 0.0);
  f64_is("-0", -0.0);
  f64_is("-0.0", -0.0);
  f64_is("1", 1.0);
  f64_is("123.45", 123.45);
  f64_is("+2.5", 2.5);
  f64_is("1.", 1.0);
  f64_is(".5", 0.5);
  f64_is("0.1", 0.1);
  f64_is("1e3", 1000.0);
  f64_is("1E-3", 0.001);
  f64_is("2.5e+10", 2.5e10);
  f64_is("9007199254740993", 9007199254740992.0);  /* beyond the fast path: rounds to even */
  f64_is("0.30000000000000004", 0.30000000000000004);
  f64_is("123456789012345678901234567890", 123456789012345678901234567890.0);
  f64_is("1.7976931348623157e308", DBL_MAX);
  f64_is("5e-324", 5e-324);
  f64_is("1e999", INFINITY);
  f64_is("inf", INFINITY);
  f64_is("-Inf", -INFINITY);
  f64_is("INFINITY", INFINITY);
  double v;
  ok(pf("nan", &v) == 0 && isnan(v), "f64 nan");
  ok(pf("NaN", &v) == 0 && isnan(v), "f64 NaN");
  /* a long but valid text goes through the heap copy */
  char longtxt[400];
  memset(longtxt, '0', sizeof longtxt - 1);
  longtxt[0] = '1';
  longtxt[1] = '.';
  longtxt[sizeof longtxt - 1] = 0;
  f64_is(longtxt, 1.0);
  const char *bad[] = {"",     ".",   "-",    "e5",    "1e",   "1e+",  " 1", "1 ",  "0x1p3",
                       "nan(1)", "infx", "1.2.3", "--1", "1,5", "1e5.0", "in", "+-1", "1d"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    ok(pf(bad[i], &v) == -1, "f64 rejects \"%s\"", bad[i]);
}

static void test_f64_fmt(void) {
  is_str(ff(0.0), "0", "fmt 0");
  is_str(ff(-0.0), "-0", "fmt -0");
  is_str(ff(1.0), "1", "fmt 1");
  is_str(ff(-3.0), "-3", "fmt -3");
  is_str(ff(0.1), "0.1", "fmt 0.1");
  is_str(ff(0.1 + 0.2), "0.30000000000000004", "fmt 0.1+0.2");
  is_str(ff(123.45), "123.45", "fmt 123.45");
  is_str(ff(1e15), "1000000000000000", "fmt 1e15 (integer fast path)");
  is_str(ff(9007199254740991.0), "9007199254740991", "fmt 2^53-1");
  is_str(ff(9007199254740992.0), "9007199254740992", "fmt 2^53");
  is_str(ff(1e21), "1e+21", "fmt 1e21");
  is_str(ff(5e-324), "5e-324", "fmt denorm min (shortest)");
  is_str(ff(1.7976931348623157e308), "1.7976931348623157e+308", "fmt DBL_MAX");
  is_str(ff(123456789012345680.0), "123456789012345680", "fmt 123456789012345680");
  is_str(ff(-23757327241607880.0), "-23757327241607880", "fmt -23757327241607880");
  is_str(ff(1e20), "100000000000000000000", "fmt 1e20 (integer below 1e21)");
  is_str(ff(999999999999999868928.0), "999999999999999900000", "fmt largest double below 1e21");
  is_str(ff(1.5e300), "1.5e+300", "fmt 1.5e300");
  is_str(ff(2.2250738585072014e-308), "2.2250738585072014e-308", "fmt DBL_MIN");
  is_str(ff(1e-7), "1e-07", "fmt 1e-7");
  is_str(ff(0.5), "0.5", "fmt 0.5");
  is_str(ff(-2.5), "-2.5", "fmt -2.5");
  is_str(ff(INFINITY), "inf", "fmt inf");
  is_str(ff(-INFINITY), "-inf", "fmt -inf");
  is_str(ff(NAN), "nan", "fmt nan");
  is_str(ff(-NAN), "nan", "fmt -nan");
}

/* xorshift64*: a fixed-seed generator, so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1dULL;
}

/* The %.Ng search without the snprintf-free fast path, for 1e-4 <= |v| < 1e14. */
static int reference_fmt(double v, char *out) {
  if (v == floor(v) && fabs(v) < 9007199254740992.0)
    return snprintf(out, 40, "%lld", (long long)v);
  int n = 0;
  for (int prec = 15; prec <= 17; prec++) {
    n = snprintf(out, 40, "%.*g", prec, v);
    if (strtod(out, NULL) == v) break;
  }
  return n;
}

/* Short decimals take a fast path; it must print what the general path prints. */
static void test_f64_fast_path(void) {
  int differ = 0;
  for (int i = 0; i < 200000; i++) {
    double v;
    int64_t m = (int64_t)(rng() % 2000000000000000ULL) - 1000000000000000LL;
    int digits = (int)(rng() % 16);
    if (i % 3 == 0) m %= 100000;                      /* short ones, like prices */
    v = (double)m / pow(10, digits);
    if (i % 5 == 0) v = v * 1.0000001;                /* not short: general path */
    if (!(fabs(v) >= 1e-4 && fabs(v) < 1e14)) continue;
    char got[PIPE_FMT_MAX + 1], want[40];
    got[pipe_fmt_f64(v, got)] = 0;
    reference_fmt(v, want);
    if (strcmp(got, want) && differ++ < 5)
      tap_diag("%.17g: fast \"%s\" general \"%s\"", v, got, want);
  }
  is_int(differ, 0, "fast decimal formatting agrees with the %.Ng search");
  is_str(ff(0.0001), "0.0001", "fmt 0.0001");
  is_str(ff(0.00012), "0.00012", "fmt 0.00012");
  is_str(ff(-0.05), "-0.05", "fmt -0.05");
  is_str(ff(99999999999999.9), "99999999999999.9", "fmt 99999999999999.9");
  is_str(ff(0.00009), "9e-05", "fmt 0.00009 (exponent form below 1e-4)");
}

static void test_f64_round_trip(void) {
  int fails = 0, longer = 0;
  for (int i = 0; i < 100000; i++) {
    uint64_t bits = rng();
    double v;
    if (i % 4 == 0) v = (double)(int64_t)(rng() % 2000001) / 1000.0 - 1000.0;  /* decimals */
    else memcpy(&v, &bits, sizeof v);                                         /* any bits */
    if (isnan(v)) continue;
    char buf[PIPE_FMT_MAX + 1];
    int n = pipe_fmt_f64(v, buf);
    double back;
    if (n > PIPE_FMT_MAX || pipe_parse_f64(buf, n, &back) || memcmp(&back, &v, sizeof v)) {
      if (fails++ < 5) tap_diag("round trip failed for %.17g (bits %016llx)", v,
                                (unsigned long long)bits);
    }
    /* never longer than %.17g, except integers written out below 1e21 */
    char ref[40];
    if (n > snprintf(ref, sizeof ref, "%.17g", v) && !(fabs(v) < 1e21 && v == floor(v))) longer++;
  }
  is_int(fails, 0, "100k random doubles round-trip through fmt and parse");
  is_int(longer, 0, "formatted text never longer than %.17g");
}

/* ---- timestamps ---------------------------------------------------------------------- */

static void ts_is(const char *s, int64_t want) { parses(pipe_parse_ts, s, want, "ts"); }

static void test_ts_parse(void) {
  ts_is("1970-01-01T00:00:00Z", 0);
  ts_is("1970-01-01", 0);
  ts_is("2026-01-05T09:31:00Z", 1767605460000000LL);
  ts_is("2026-01-05 09:31:00", 1767605460000000LL);
  ts_is("2026-01-05t09:31:00z", 1767605460000000LL);
  ts_is("2026-01-05T15:01:00+05:30", 1767605460000000LL);
  ts_is("2026-01-05T04:31:00-05:00", 1767605460000000LL);
  ts_is("2026-01-05T09:31:00.5Z", 1767605460500000LL);
  ts_is("2026-01-05T09:31:00.123456Z", 1767605460123456LL);
  ts_is("2026-01-05T09:31:00.123456789Z", 1767605460123456LL);
  ts_is("2026-01-05T09:31:00.000001", 1767605460000001LL);
  ts_is("1969-12-31T23:59:59.999999Z", -1);
  ts_is("1969-12-31T23:59:59Z", -1000000);
  ts_is("2000-02-29T00:00:00Z", 951782400000000LL);   /* leap: divisible by 400 */
  ts_is("2024-02-29", 1709164800000000LL);
  ts_is("0000-01-01T00:00:00Z", -62167219200000000LL);
  ts_is("0001-01-01T00:00:00Z", -62135596800000000LL);
  ts_is("9999-12-31T23:59:59.999999Z", 253402300799999999LL);
  ts_is("2016-12-31T23:59:60Z", 1483228800000000LL);  /* leap second: next minute */
  ts_is("2026-01-05T09:31:00+00:00", 1767605460000000LL);
  ts_is("2026-01-05T09:31:00-00:00", 1767605460000000LL);
  const char *bad[] = {
      "", "2026", "2026-01-05T", "2026-1-05", "2026-01-5", "26-01-05", "2026/01/05",
      "2026-02-30", "2026-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10",
      "2026-01-00", "2026-01-32", "2026-01-05T24:00:00Z", "2026-01-05T23:60:00Z",
      "2026-01-05T23:59:61Z", "2026-01-05T09:31Z", "2026-01-05T09:31:00.Z",
      "2026-01-05T09:31:00.1234567890Z", "2026-01-05T09:31:00+0530",
      "2026-01-05T09:31:00+05", "2026-01-05T09:31:00+24:00", "2026-01-05T09:31:00+05:60",
      "2026-01-05T09:31:00ZZ", "2026-01-05T09:31:00 Z", "2026-01-05X09:31:00Z",
      " 2026-01-05", "2026-01-05 ", "2026-01-05T09:31:00Q", "+2026-01-05", "-001-01-01",
      "0000-01-01T00:00:00+00:01", "9999-12-31T23:59:60Z", "9999-12-31T23:00:00-01:00",
      "2026-01-05T9:31:00Z", "2026-01-05T09:31:0aZ"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) rejects(pipe_parse_ts, bad[i], "ts");
}

static void test_ts_fmt(void) {
  is_str(fts(0), "1970-01-01T00:00:00Z", "fmt epoch");
  is_str(fts(1767605460000000LL), "2026-01-05T09:31:00Z", "fmt 2026");
  is_str(fts(1767605460500000LL), "2026-01-05T09:31:00.5Z", "fmt .5");
  is_str(fts(1767605460120000LL), "2026-01-05T09:31:00.12Z", "fmt .12");
  is_str(fts(1767605460000001LL), "2026-01-05T09:31:00.000001Z", "fmt .000001");
  is_str(fts(1767605460123456LL), "2026-01-05T09:31:00.123456Z", "fmt .123456");
  is_str(fts(-1), "1969-12-31T23:59:59.999999Z", "fmt -1us");
  is_str(fts(-86400000000LL), "1969-12-31T00:00:00Z", "fmt -1 day");
  is_str(fts(951782400000000LL), "2000-02-29T00:00:00Z", "fmt leap day 2000");
  is_str(fts(-62135596800000000LL), "0001-01-01T00:00:00Z", "fmt year 1");
  is_str(fts(-62167219200000000LL), "0000-01-01T00:00:00Z", "fmt year 0");
  is_str(fts(-62167219200000001LL), "-0001-12-31T23:59:59.999999Z", "fmt year -1");
  is_str(fts(253402300799999999LL), "9999-12-31T23:59:59.999999Z", "fmt year 9999");
  is_str(fts(253402300800000000LL), "+10000-01-01T00:00:00Z", "fmt year 10000");
  is_str(fts(INT64_MAX), "+294247-01-10T04:00:54.775807Z", "fmt INT64_MAX");
  is_str(fts(INT64_MIN), "-290308-12-21T19:59:05.224192Z", "fmt INT64_MIN");
}

/* Every day from 0000-01-01 to 9999-12-31 formats and reads back, in order. */
static void test_ts_every_day(void) {
  int fails = 0;
  int64_t first = rt_days_from_civil(0, 1, 1), last = rt_days_from_civil(9999, 12, 31);
  is_int(first, -719528, "days_from_civil(0000-01-01)");
  is_int(rt_days_from_civil(10000, 1, 1), 2932897, "days_from_civil(10000-01-01)");
  int64_t py = 0;
  int pm = 1, pd = 0;
  for (int64_t z = first; z <= last; z++) {
    int64_t y, back;
    int m, d;
    rt_civil_from_days(z, &y, &m, &d);
    int next = (y == py && m == pm && d == pd + 1) || (y == py && m == pm + 1 && d == 1) ||
               (y == py + 1 && m == 1 && d == 1 && pm == 12);
    char buf[PIPE_FMT_MAX];
    int64_t ts = z * RT_US_PER_DAY + 12345;
    int n = pipe_fmt_ts(ts, buf);
    if (!next || rt_days_from_civil(y, m, d) != z || pipe_parse_ts(buf, n, &back) || back != ts)
      if (fails++ < 5) tap_diag("day %lld: %lld-%d-%d", (long long)z, (long long)y, m, d);
    py = y, pm = m, pd = d;
  }
  is_int(fails, 0, "every day of 0000..9999 is consecutive and round-trips");
}

/* ---- durations ----------------------------------------------------------------------- */

static void dur_is(const char *s, int64_t want) { parses(pipe_parse_dur, s, want, "dur"); }

static void test_dur(void) {
  dur_is("0", 0);
  dur_is("-0", 0);
  dur_is("0s", 0);
  dur_is("1d", 86400000000LL);
  dur_is("2h", 7200000000LL);
  dur_is("5m", 300000000LL);
  dur_is("90s", 90000000LL);
  dur_is("250ms", 250000LL);
  dur_is("10us", 10LL);
  dur_is("1h30m", 5400000000LL);
  dur_is("1d2h3m4s5ms6us", 93784005006LL);
  dur_is("1m5s", 65000000LL);
  dur_is("-5m", -300000000LL);
  dur_is("-1h30m", -5400000000LL);
  dur_is("9223372036854775807us", INT64_MAX);
  dur_is("-9223372036854775808us", INT64_MIN);
  dur_is("106751991d4h54s775ms807us", INT64_MAX);
  dur_is("106751d23h47m16s854ms775us", 9223372036854775LL);
  const char *bad[] = {"",     "-",    "5",     "s",      "1x",    "1 s",  " 1s",  "1s ",
                       "+1s",  "1.5s", "30m1h", "1s1s",   "1ms1s", "1M",   "1S",   "--1s",
                       "1h-30m", "9223372036854775808us", "-9223372036854775809us",
                       "106751992d", "106751991d4h54s775ms808us", "1d99999999999999999999h", "00"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) rejects(pipe_parse_dur, bad[i], "dur");
  is_str(fdur(0), "0s", "fmt 0s");
  is_str(fdur(86400000000LL), "1d", "fmt 1d");
  is_str(fdur(7200000000LL), "2h", "fmt 2h");
  is_str(fdur(5400000000LL), "90m", "fmt 90m");
  is_str(fdur(300000000LL), "5m", "fmt 5m");
  is_str(fdur(30000000LL), "30s", "fmt 30s");
  is_str(fdur(90000000LL), "90s", "fmt 90s");
  is_str(fdur(250000LL), "250ms", "fmt 250ms");
  is_str(fdur(1500LL), "1500us", "fmt 1500us");
  is_str(fdur(10LL), "10us", "fmt 10us");
  is_str(fdur(-300000000LL), "-5m", "fmt -5m");
  is_str(fdur(172800000000LL), "2d", "fmt 2d");
  is_str(fdur(INT64_MAX), "9223372036854775807us", "fmt max");
  is_str(fdur(INT64_MIN), "-9223372036854775808us", "fmt min");
  int fails = 0;
  for (int i = 0; i < 100000; i++) {
    int64_t v = (int64_t)rng();
    if (i % 2) v = (v % 1000) * (int64_t[]){1, 1000, 1000000, 60000000, 3600000000LL}[i % 5];
    char buf[PIPE_FMT_MAX];
    int64_t back;
    int n = pipe_fmt_dur(v, buf);
    if (pipe_parse_dur(buf, n, &back) || back != v) fails++;
  }
  is_int(fails, 0, "100k durations round-trip");
}

int main(void) {
  test_bool();
  test_i64();
  test_f64_parse();
  test_f64_fmt();
  test_f64_round_trip();
  test_f64_fast_path();
  test_ts_parse();
  test_ts_fmt();
  test_ts_every_day();
  test_dur();
  return tap_done();
}
