/* fuzz_text.c: libFuzzer target for the text forms of runtime/src/text.c. The first input
 * byte picks a type, the rest is either text to parse (bool, i64, f64, timestamp,
 * duration) or raw value bytes to format. Properties checked, any failure aborts:
 * - parsers never read past the given length (the text is copied to an exact-size heap
 *   block, so ASan sees an overread);
 * - accepted text formats within PIPE_FMT_MAX bytes (an exact-size heap buffer again),
 *   the formatted text parses back to the identical value (same bits for f64, NaN stays
 *   NaN), and formatting that value again gives the identical text;
 * - every i64, f64 and duration value formats to text that parses back to it; every
 *   timestamp in years 0000..9999 does too;
 * - f64 text from the snprintf-free fast paths equals that of the %.Ng search.
 *
 * Run (from the repository root; a minute or two finds nothing on a correct text.c):
 *   clang-14 -g -O1 -fsanitize=fuzzer,address,undefined -Iruntime/include -Iruntime/src \
 *     tests/fuzz/fuzz_text.c runtime/src/text.c -lm -o /tmp/fuzz_text
 *   mkdir -p /tmp/fuzz_text_corpus && /tmp/fuzz_text /tmp/fuzz_text_corpus -max_total_time=120
 * or with CMake: -DPIPE_FUZZ=ON -DCMAKE_C_COMPILER=clang-14, target fuzz_text.
 */
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipe/abi.h"

#define CHECK(c) \
  do { \
    if (!(c)) abort(); \
  } while (0)

typedef int (*parse_int_fn)(const char *, int64_t, int64_t *);
typedef int (*fmt_int_fn)(int64_t, char *);

static const int64_t ts_min = -62167219200000000LL;  /* 0000-01-01T00:00:00Z */
static const int64_t ts_end = 253402300800000000LL;  /* 10000-01-01T00:00:00Z */

/* Formats v into an exact PIPE_FMT_MAX heap buffer, checks that the text parses back to
 * v and formats again to itself. */
static void int_round_trip(fmt_int_fn fmt, parse_int_fn parse, int64_t v) {
  char *buf = malloc(PIPE_FMT_MAX), *again = malloc(PIPE_FMT_MAX);
  int n = fmt(v, buf);
  CHECK(n > 0 && n <= PIPE_FMT_MAX);
  int64_t back;
  CHECK(parse(buf, n, &back) == 0 && back == v);
  CHECK(fmt(back, again) == n && memcmp(buf, again, (size_t)n) == 0);
  free(buf);
  free(again);
}

static void f64_round_trip(double v) {
  char *buf = malloc(PIPE_FMT_MAX), *again = malloc(PIPE_FMT_MAX);
  int n = pipe_fmt_f64(v, buf);
  CHECK(n > 0 && n <= PIPE_FMT_MAX);
  double back;
  CHECK(pipe_parse_f64(buf, n, &back) == 0);
  CHECK(isnan(v) ? isnan(back) : memcmp(&back, &v, sizeof v) == 0);
  CHECK(pipe_fmt_f64(back, again) == n && memcmp(buf, again, (size_t)n) == 0);
  free(buf);
  free(again);
}

/* The %.Ng search alone, as pipe_fmt_f64 does it for doubles that are not integers: its
 * fast paths (short decimals, the exact 128-bit digits up to 1e15) must print the same. */
static void f64_matches_search(double v) {
  if (!(fabs(v) >= 1e-4 && fabs(v) < 1e15) || v == floor(v)) return;
  char want[40], got[PIPE_FMT_MAX + 1];
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(want, sizeof want, "%.*g", prec, v);
    if (strtod(want, NULL) == v) break;
  }
  got[pipe_fmt_f64(v, got)] = 0;
  CHECK(strcmp(got, want) == 0);
}

static void parse_text(int kind, const char *p, int64_t n) {
  static const parse_int_fn parsers[] = {pipe_parse_bool, pipe_parse_i64, NULL, pipe_parse_ts,
                                         pipe_parse_dur};
  static const fmt_int_fn fmts[] = {NULL, pipe_fmt_i64, NULL, pipe_fmt_ts, pipe_fmt_dur};
  int64_t v;
  if (kind == 2) {
    double d;
    if (pipe_parse_f64(p, n, &d) == 0) {
      f64_round_trip(d);
      f64_matches_search(d);
    }
  } else if (parsers[kind](p, n, &v) == 0) {
    if (kind == 0) CHECK(v == 0 || v == 1);
    else int_round_trip(fmts[kind], parsers[kind], v);
    if (kind == 3) CHECK(v >= ts_min && v < ts_end);
  }
}

static void format_value(int kind, const uint8_t *p, size_t n) {
  int64_t v;
  if (n < sizeof v) return;
  memcpy(&v, p, sizeof v);
  if (kind == 5) int_round_trip(pipe_fmt_i64, pipe_parse_i64, v);
  if (kind == 6) int_round_trip(pipe_fmt_dur, pipe_parse_dur, v);
  if (kind == 7) {
    double d;
    memcpy(&d, p, sizeof d);
    f64_round_trip(d);
    f64_matches_search(d);
  }
  if (kind == 8) {
    /* Map v into the readable range so that most inputs test the round trip. */
    uint64_t span = (uint64_t)(ts_end - ts_min);
    int_round_trip(pipe_fmt_ts, pipe_parse_ts, ts_min + (int64_t)((uint64_t)v % span));
    char *buf = malloc(PIPE_FMT_MAX);
    CHECK(pipe_fmt_ts(v, buf) <= PIPE_FMT_MAX);   /* any value formats within bounds */
    free(buf);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  int kind = data[0] % 9;
  size_t n = size - 1;
  if (kind < 5) {
    char *p = malloc(n ? n : 1);
    memcpy(p, data + 1, n);
    parse_text(kind, p, (int64_t)n);
    free(p);
  } else {
    format_value(kind, data + 1, n);
  }
  return 0;
}
