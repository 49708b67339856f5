/* text_f64.c: writing an f64 (pipe_fmt_f64; the forms are in text.c's header comment):
 * the shortest text of at least 15 significant digits, as `%.15g`, `%.16g` or `%.17g`,
 * that reads back to the same double. It is a hot path of every CSV or JSON-lines writer,
 * so the common cases avoid snprintf: integers, short decimals (prices: fmt_f64_fast), and
 * every other double from 1e-4 to 1e15 (a product of prices: rt_fmt_f64_exact), whose
 * digits are computed with 128-bit integers exactly as printf rounds them and checked
 * against the double's rounding interval exactly as strtod reads them. Only the rest
 * (tiny, huge, subnormal) goes through snprintf and strtod. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipe/abi.h"
#include "rt_text.h"

typedef unsigned __int128 u128;

/* Doubles from 2^53 up are integers. Below 1e21 they are written without an exponent, as
 * JavaScript and most JSON libraries do: the shortest digits padded with zeros
 * ("1.2345678901234568e+17" becomes "123456789012345680"). t is %g output of such a value. */
static int expand_integer(const char *t, int n, char *buf) {
  const char *e = memchr(t, 'e', (size_t)n);
  if (!e) {
    memcpy(buf, t, (size_t)n);
    return n;
  }
  int len = 0, digits = 0, exp = atoi(e + 1);
  for (const char *c = t; c < e; c++)
    if (*c != '.') {
      buf[len++] = *c;
      digits += *c >= '0' && *c <= '9';
    }
  for (; digits <= exp; digits++) buf[len++] = '0';
  return len;
}

/* digits (n of them, the value digits * 10^(x + 1 - n)) in fixed notation, trailing
 * fraction zeros and a bare point dropped, as %g prints them. -n < x < n. */
static int put_fixed(const char *digits, int n, int x, char *buf) {
  int len = 0;
  while (n > 1 && n > x + 1 && digits[n - 1] == '0') n--;
  if (x < 0) {
    buf[len++] = '0';
    buf[len++] = '.';
    for (int z = -1; z > x; z--) buf[len++] = '0';
    memcpy(buf + len, digits, (size_t)n);
    return len + n;
  }
  memcpy(buf, digits, (size_t)(x + 1));
  len = x + 1;
  if (n > x + 1) {
    buf[len++] = '.';
    memcpy(buf + len, digits + x + 1, (size_t)(n - x - 1));
    len += n - x - 1;
  }
  return len;
}

/* Decimals with few digits (prices, quantities: "123.45") without snprintf: the fewest
 * fraction digits k <= 6 such that m / 10^k, m < 10^15, is exactly v as the parser computes it
 * (one correctly rounded division, as in text.c's f64_fast). That is the text %.15g would
 * print, since v >= 1e-4 keeps %g out of exponent form and a decimal of at most 15 digits
 * that reads back to v is the one %.15g finds. Returns 0 if v is not such a decimal. */
static int fmt_f64_fast(double v, char *buf) {
  double a = fabs(v);
  if (!(a >= 1e-4 && a < 1e14)) return 0;
  /* Up to 6 fraction digits; longer decimals are cheaper in rt_fmt_f64_exact than in more
   * tries here. */
  for (int k = 1; k <= 6; k++) {
    double scaled = round(a * rt_pow10_exact[k]);
    if (scaled >= 1e15) return 0;
    if (scaled / rt_pow10_exact[k] != a) continue;
    char digits[24];
    int n = rt_put_u64((uint64_t)scaled, digits), len = 0;
    if (v < 0) buf[len++] = '-';
    return len + put_fixed(digits, n, n - 1 - k, buf + len);
  }
  return 0;
}

/* 10^0 .. 10^20: the scales and digit bounds the exact path needs (s <= 20, p <= 17). */
#define P19 10000000000000000000ULL
static const u128 pow10_128[21] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
    1000000000000000000ULL, P19, (u128)P19 * 10,
};


/* The decimal exponent of a (1e-4 <= a < 1e15): 10^x <= a < 10^(x+1). The doubles 1e-1 ..
 * 1e-4 lie above the exact powers, and no double lies between, so comparing with them is
 * exact too. */
static int decimal_exponent(double a) {
  static const double below[4] = {1e-1, 1e-2, 1e-3, 1e-4};
  if (a < 1) {
    int x = -1;
    while (x > -4 && a < below[-x - 1]) x--;
    return x;
  }
  int x = 0;
  while (x < 22 && a >= rt_pow10_exact[x + 1]) x++;
  return x;
}

/* a = m * 2^-shift rounded to p significant digits, as printf rounds (to nearest, ties to
 * even): D with p digits and its exponent *x (D * 10^(*x + 1 - p)). 0 when the rounded
 * value needs an exponent in %g (x >= p). */
static uint64_t round_digits(uint64_t m, int shift, int p, int *x) {
  for (int tries = 0; tries < 3; tries++) {
    int s = p - 1 - *x;
    if (s < 0) return 0;
    u128 n = (u128)m * pow10_128[s];
    u128 d = n >> shift, rem = n & (((u128)1 << shift) - 1), half = (u128)1 << (shift - 1);
    if (rem > half || (rem == half && (d & 1))) d++;
    if (d >= pow10_128[p]) (*x)++;           /* 9.99..95 rounds up to 10.0 */
    else if (d < pow10_128[p - 1]) (*x)--;   /* a guess one too high */
    else return *x < p ? (uint64_t)d : 0;
  }
  return 0;
}

/* Whether strtod reads D * 10^-s back to a = m * 2^-shift: D lies in a's rounding interval,
 * half a gap either side (a quarter below when m is the smallest mantissa, where the gap
 * below halves), ends included when m is even (ties go to even). */
static int reads_back(uint64_t d, int s, uint64_t m, int shift) {
  u128 n = (u128)m * pow10_128[s], c = (u128)d << shift, ten = pow10_128[s];
  int below = c < n, even = (m & 1) == 0;
  u128 diff = below ? n - c : c - n;
  u128 lhs = (below && m == (1ULL << 52)) ? 4 * diff : 2 * diff;
  return lhs < ten || (lhs == ten && even);
}

int rt_fmt_f64_exact(double a, char *buf) {
  if (!(a >= 1e-4 && a < 1e15)) return 0;
  uint64_t bits;
  memcpy(&bits, &a, sizeof bits);
  uint64_t m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
  int shift = 1075 - (int)((bits >> 52) & 0x7ff);   /* a = m * 2^-shift, 3 <= shift <= 66 */
  int x0 = decimal_exponent(a);
  for (int p = 15; p <= 17; p++) {
    int x = x0;
    uint64_t d = round_digits(m, shift, p, &x);
    if (!d) return 0;
    if (p < 17 && !reads_back(d, p - 1 - x, m, shift)) continue;
    char digits[24];
    int n = rt_put_u64(d, digits);
    return put_fixed(digits, n, x, buf);
  }
  return 0;
}

int pipe_fmt_f64(double v, char *buf) {
  if (isnan(v)) {
    memcpy(buf, "nan", 3);
    return 3;
  }
  if (isinf(v)) {
    memcpy(buf, v > 0 ? "inf" : "-inf", v > 0 ? 3 : 4);
    return v > 0 ? 3 : 4;
  }
  if (v == 0) {
    memcpy(buf, signbit(v) ? "-0" : "0", signbit(v) ? 2 : 1);
    return signbit(v) ? 2 : 1;
  }
  if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v)
    return pipe_fmt_i64((int64_t)v, buf);
  int n = fmt_f64_fast(v, buf);
  if (n) return n;
  int neg = v < 0;
  if (neg) buf[0] = '-';
  n = rt_fmt_f64_exact(fabs(v), buf + neg);
  if (n) return neg + n;
  /* Every decimal of at most DBL_DIG (15) digits survives a round trip through a normal
   * double, so if a shorter text reads back to v, %.15g finds it (and %g drops the
   * padding zeros). Subnormals have fewer significant bits: search from 1 digit. */
  char tmp[40];
  int len = 0;
  for (int prec = fabs(v) < DBL_MIN ? 1 : DBL_DIG; prec <= 17; prec++) {
    len = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
    if (prec == 17 || strtod(tmp, NULL) == v) break;
  }
  if (fabs(v) >= 9007199254740992.0 && fabs(v) < 1e21)
    return expand_integer(tmp, len, buf);
  memcpy(buf, tmp, (size_t)len);
  return len;
}
