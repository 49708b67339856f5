/* test_rt_text_f64.c: pipe_fmt_f64 against the definition it implements, the shortest
 * `%.Ng` (N = 15, 16, 17) that strtod reads back to the same double (with integers from
 * 2^53 to 1e21 written as their shortest digits padded with zeros, and integers below 2^53
 * in full), computed here the slow way with snprintf and strtod. The fast paths (integers, short decimals, the exact 128-bit digits of
 * rt_fmt_f64_exact) must give byte-identical text for: products of prices and
 * quantities, random bit patterns over the whole double range, random doubles in the
 * exact path's range [1e-4, 1e15), neighbours of powers of ten and of the range's ends,
 * doubles with the smallest mantissa (whose gap below is half the gap above), and
 * decimals exactly halfway between two 15- or 16-digit texts. Each group is one check
 * that counts its mismatches and shows the first few. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipe/abi.h"
#include "rt_text.h"
#include "tap.h"

/* The definition, slowly: docs/stdlib.md and text.c's header comment. */
static int reference(double v, char *out) {
  if (isnan(v)) return sprintf(out, "nan");
  if (isinf(v)) return sprintf(out, v > 0 ? "inf" : "-inf");
  if (v == 0) return sprintf(out, signbit(v) ? "-0" : "0");
  char tmp[40];
  for (int prec = fabs(v) < DBL_MIN ? 1 : DBL_DIG; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*g", prec, v);
    if (prec == 17 || strtod(tmp, NULL) == v) break;
  }
  if (fabs(v) < 9007199254740992.0 && v == trunc(v)) return sprintf(out, "%.0f", v);
  char *e = strchr(tmp, 'e');
  if (fabs(v) < 9007199254740992.0 || fabs(v) >= 1e21 || !e) return sprintf(out, "%s", tmp);
  /* An integer from 2^53 below 1e21: its shortest digits, padded with zeros. */
  int len = 0, digits = 0, exp = atoi(e + 1);
  for (char *c = tmp; c < e; c++)
    if (*c != '.') out[len++] = *c, digits += *c != '-';
  for (; digits <= exp; digits++) out[len++] = '0';
  out[len] = 0;
  return len;
}

static uint64_t state = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void) {   /* xorshift64*: deterministic, no libc rand */
  state ^= state >> 12, state ^= state << 25, state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}
static double from_bits(uint64_t b) {
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

typedef double (*gen_fn)(long i);

static void group(const char *name, gen_fn gen, long count) {
  long bad = 0;
  for (long i = 0; i < count; i++) {
    double v = gen(i);
    char got[64], want[64];
    int n = pipe_fmt_f64(v, got);
    got[n] = 0;
    reference(v, want);
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    if (strcmp(got, want) != 0 && ++bad <= 5)
      tap_diag("%s: %.17g (bits %016llx): got %s, want %s", name, v, (unsigned long long)bits,
               got, want);
  }
  ok(bad == 0, "%s: %ld doubles, %ld written differently", name, count, bad);
}

static double price_times_qty(long i) {
  double price = (double)(next() % 100000) / 100.0, qty = (double)(next() % 10000);
  return (i & 1 ? -1 : 1) * price * qty / (i % 3 == 0 ? 7.0 : 1.0);
}
static double any_bits(long i) {
  (void)i;
  return from_bits(next());
}
static double in_range(long i) {
  (void)i;
  double lo = log(1e-4), hi = log(1e15);
  return exp(lo + (hi - lo) * (double)(next() >> 11) / 9007199254740992.0);
}
static double near_powers(long i) {
  static const double ends[] = {1e-4, 1e-3, 1e-2, 0.1, 1, 10, 1e5, 1e14, 1e15, 1e16, 1e21};
  double base = ends[(i / 41) % (sizeof ends / sizeof *ends)];
  uint64_t b;
  memcpy(&b, &base, sizeof b);
  return from_bits(b + (uint64_t)(i % 41) - 20);
}
static double smallest_mantissa(long i) {
  int e = (int)(i % 200) - 100;
  return ldexp(1.0, e) * (i & 1 ? 1.0 : 1.0000000000000002);
}
/* Decimals with 16 or 17 digits ending in 5, read as doubles: printf's ties. */
static double halfway(long i) {
  char t[40];
  snprintf(t, sizeof t, "%llu.%llu5e%d", (unsigned long long)(next() % 9 + 1),
           (unsigned long long)(next() % 100000000000000ULL), (int)(i % 19) - 4);
  return strtod(t, NULL);
}

int main(void) {
  group("price * qty", price_times_qty, 300000);
  group("random bits", any_bits, 200000);
  group("random in [1e-4, 1e15)", in_range, 300000);
  group("next to powers of ten", near_powers, 41 * 11);
  group("smallest mantissa", smallest_mantissa, 400);
  group("halfway decimals", halfway, 200000);
  char buf[64];
  buf[pipe_fmt_f64(0.1 * 3, buf)] = 0;
  ok(strcmp(buf, "0.30000000000000004") == 0, "0.1 * 3 is 0.30000000000000004 (%s)", buf);
  buf[pipe_fmt_f64(1517.82 * 1.0000000000000002, buf)] = 0;
  ok(strtod(buf, NULL) == 1517.82 * 1.0000000000000002, "a 17-digit text reads back (%s)", buf);
  buf[rt_fmt_f64_exact(999999999999999.9, buf)] = 0;
  ok(rt_fmt_f64_exact(999999999999999.9, buf) == 0 || strtod(buf, NULL) == 999999999999999.9,
     "near 1e15: no text, or one that reads back");
  return tap_done();
}
