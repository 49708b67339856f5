/* text.c: the text forms of values (pipe/abi.h), shared by the CSV and JSON readers and
 * writers, --param, string(x), the conversions and the compiler's constant folder. These
 * are hot paths: nothing here allocates on ordinary inputs or depends on the time zone;
 * only f64 uses the C library (strtod, snprintf), which the runtime keeps in the "C"
 * locale (it never calls setlocale). Inputs are borrowed (pointer, length) pairs, never
 * NUL-terminated, and are never read past their length.
 *
 * Forms (docs/stdlib.md has the user-facing reference):
 * - bool: true/false in any case, or 1/0; written true/false.
 * - i64: [+-]digits, no spaces; overflow fails.
 * - f64: [+-] decimal with optional fraction and exponent ("1", "1.", ".5", "2.5e-3"), or
 *   inf, infinity, nan in any case. Out-of-range magnitudes read as strtod reads them
 *   (1e999 is inf, 1e-999 is 0). Written as the shortest %.Ng text (N = 15, 16, 17; from 1
 *   for subnormals) that strtod reads back to the same bits ("0.1", "1e-07", "1e+21"),
 *   except that integers below 1e21 have no exponent ("1000000000000000",
 *   "123456789012345680"); "-0" for negative zero, "inf", "-inf", "nan".
 * - timestamp: RFC 3339 YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM); `t` or a space for
 *   the `T`, `z` for `Z`, a missing zone means UTC, a date alone is midnight UTC. Digits
 *   past the sixth of the fraction are truncated. A second of 60 (leap second) is read as
 *   one second past :59, i.e. the first instant of the next minute. The UTC result must
 *   lie in years 0000..9999. Written as YYYY-MM-DDTHH:MM:SS[.ffffff]Z, fraction only when
 *   non-zero with trailing zeros trimmed. Years outside 0..9999 (reachable only by
 *   arithmetic) are written ISO 8601 expanded style: "-0001-..." or "+10000-...".
 * - duration: [-]N UNIT [N UNIT]... with units d h m s ms us, each unit at most once, in
 *   that order (1h30m, 250ms, 90s, -5m), or a plain 0; overflow fails. Written with the
 *   single largest unit that divides it exactly (1d, 90m, 250ms, 0s, -5m).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipe/abi.h"
#include "rt_civil.h"
#include "rt_text.h"

/* ---- small helpers ---------------------------------------------------------------- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c; }

/* p[0..n) equals the lower-case literal `lit`, ignoring ASCII case. */
static int eq_nocase(const char *p, int64_t n, const char *lit) {
  int64_t i = 0;
  for (; i < n && lit[i]; i++)
    if (lower(p[i]) != lit[i]) return 0;
  return i == n && lit[i] == 0;
}

/* Reads exactly k decimal digits at p into *out; -1 if any is not a digit. */
static int fixed_digits(const char *p, int k, int *out) {
  int v = 0;
  for (int i = 0; i < k; i++) {
    if (!is_digit(p[i])) return -1;
    v = v * 10 + (p[i] - '0');
  }
  *out = v;
  return 0;
}

/* Writes u in decimal; returns the length. */
int rt_put_u64(uint64_t u, char *buf) {
  char tmp[20];
  int n = 0, len = 0;
  do {
    tmp[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  while (n) buf[len++] = tmp[--n];
  return len;
}

/* Writes v as exactly two digits (0 <= v < 100). */
static void put2(int v, char *buf) {
  buf[0] = (char)('0' + v / 10);
  buf[1] = (char)('0' + v % 10);
}

/* |v| as unsigned, defined for INT64_MIN too. */
static uint64_t magnitude(int64_t v) { return v < 0 ? 0 - (uint64_t)v : (uint64_t)v; }

/* The int64_t whose magnitude is u (u <= 2^63 when neg, < 2^63 otherwise). */
static int64_t with_sign(uint64_t u, int neg) {
  if (!neg || u == 0) return (int64_t)u;
  return -(int64_t)(u - 1) - 1;
}

/* ---- bool and i64 ----------------------------------------------------------------- */

int pipe_parse_bool(const char *p, int64_t n, int64_t *out) {
  if (n == 1 && (p[0] == '0' || p[0] == '1')) {
    *out = p[0] - '0';
    return 0;
  }
  if (eq_nocase(p, n, "true")) *out = 1;
  else if (eq_nocase(p, n, "false")) *out = 0;
  else return -1;
  return 0;
}

int pipe_parse_i64(const char *p, int64_t n, int64_t *out) {
  int64_t i = 0;
  int neg = 0;
  if (n > 0 && (p[0] == '+' || p[0] == '-')) {
    neg = p[0] == '-';
    i = 1;
  }
  if (i == n) return -1;
  uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  uint64_t v = 0;
  for (; i < n; i++) {
    if (!is_digit(p[i])) return -1;
    unsigned d = (unsigned)(p[i] - '0');
    if (v > (limit - d) / 10) return -1;
    v = v * 10 + d;
  }
  *out = with_sign(v, neg);
  return 0;
}

int pipe_fmt_i64(int64_t v, char *buf) {
  int len = 0;
  if (v < 0) buf[len++] = '-';
  return len + rt_put_u64(magnitude(v), buf + len);
}

/* ---- f64 -------------------------------------------------------------------------- */

/* Powers of ten that a double holds exactly. */
const double rt_pow10_exact[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* [+-]digits[.digits] whose digits form an integer below 2^53 with at most 22 fraction
 * digits: mantissa and power of ten are both exact doubles, so one IEEE division gives
 * the correctly rounded value, the same bits strtod returns. Returns 0 if the text is
 * not of that shape (the caller then takes the general path). */
static int f64_fast(const char *p, int64_t n, double *out) {
  int64_t i = 0;
  int neg = 0, digits = 0, frac = -1;
  uint64_t m = 0;
  if (n > 0 && (p[0] == '+' || p[0] == '-')) {
    neg = p[0] == '-';
    i = 1;
  }
  for (; i < n; i++) {
    if (p[i] == '.') {
      if (frac >= 0) return 0;
      frac = 0;
      continue;
    }
    if (!is_digit(p[i])) return 0;
    m = m * 10 + (uint64_t)(p[i] - '0');
    if (m >= (1ULL << 53)) return 0;
    digits++;
    if (frac >= 0) frac++;
  }
  if (digits == 0 || frac > 22) return 0;
  double v = (double)m;
  if (frac > 0) v /= rt_pow10_exact[frac];
  *out = neg ? -v : v;
  return 1;
}

/* The decimal grammar we accept, checked before strtod so that its extras (leading
 * spaces, hex floats, nan(...)) are refused. */
static int f64_syntax_ok(const char *p, int64_t n) {
  int64_t i = 0, digits = 0;
  if (n > 0 && (p[0] == '+' || p[0] == '-')) i = 1;
  if (eq_nocase(p + i, n - i, "inf") || eq_nocase(p + i, n - i, "infinity") ||
      eq_nocase(p + i, n - i, "nan"))
    return 1;
  for (; i < n && is_digit(p[i]); i++) digits++;
  if (i < n && p[i] == '.')
    for (i++; i < n && is_digit(p[i]); i++) digits++;
  if (digits == 0) return 0;
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    int64_t exp_digits = 0;
    i++;
    if (i < n && (p[i] == '+' || p[i] == '-')) i++;
    for (; i < n && is_digit(p[i]); i++) exp_digits++;
    if (exp_digits == 0) return 0;
  }
  return i == n;
}

int pipe_parse_f64(const char *p, int64_t n, double *out) {
  if (f64_fast(p, n, out)) return 0;
  if (!f64_syntax_ok(p, n)) return -1;
  /* strtod needs a NUL-terminated copy; texts this long are rare (and valid), so a
   * heap copy for them keeps the stack small. */
  char small[128];
  char *buf = n < (int64_t)sizeof small ? small : malloc((size_t)n + 1);
  if (!buf) return -1;
  memcpy(buf, p, (size_t)n);
  buf[n] = 0;
  char *end;
  double v = strtod(buf, &end);
  int ok = end == buf + n;
  if (buf != small) free(buf);
  if (!ok) return -1;
  *out = v;
  return 0;
}

/* ---- calendar ----------------------------------------------------------------------- */

/* Years are counted from March so that the leap day is the last day of a year; then
 * every 400-year era has the same 146097 days and the day of the era is a polynomial in
 * the year and day of the era, with integer division doing the leap-year rounding. */
int64_t rt_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;                       /* [0, 399] */
  int64_t mar = (m + 9) % 12;                        /* March 0 .. February 11 */
  int64_t doy = (153 * mar + 2) / 5 + d - 1;         /* [0, 365] */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;                /* 719468: 0000-03-01 to 1970-01-01 */
}

void rt_civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;                                    /* [0, 146096] */
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mar = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mar + 2) / 5 + 1);
  *m = (int)(mar < 10 ? mar + 3 : mar - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

void rt_ts_split(int64_t ts, int64_t *days, int64_t *us_of_day) {
  int64_t q = ts / RT_US_PER_DAY, r = ts % RT_US_PER_DAY;
  if (r < 0) {
    r += RT_US_PER_DAY;
    q--;
  }
  *days = q;
  *us_of_day = r;
}

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* ---- timestamps --------------------------------------------------------------------- */

/* Parsed RFC 3339 fields, before the offset is applied. */
typedef struct ts_parts {
  int y, mo, d, h, mi, s;
  int64_t us;        /* fraction, in microseconds */
  int off_min;       /* zone offset east of UTC, minutes */
} ts_parts;

/* `.f{1,9}` at p[*i]: microseconds, later digits truncated. */
static int parse_fraction(const char *p, int64_t n, int64_t *i, int64_t *us) {
  int k = 0;
  int64_t f = 0;
  for ((*i)++; *i < n && is_digit(p[*i]); (*i)++, k++)
    if (k < 6) f = f * 10 + (p[*i] - '0');
  if (k == 0 || k > 9) return -1;
  for (; k < 6; k++) f *= 10;
  *us = f;
  return 0;
}

/* Z, z, +HH:MM or -HH:MM at p[*i]. */
static int parse_zone(const char *p, int64_t n, int64_t *i, int *off_min) {
  char c = p[*i];
  if (c == 'Z' || c == 'z') {
    (*i)++;
    return 0;
  }
  int oh, om;
  if ((c != '+' && c != '-') || n - *i < 6) return -1;
  if (fixed_digits(p + *i + 1, 2, &oh) || p[*i + 3] != ':' ||
      fixed_digits(p + *i + 4, 2, &om) || oh > 23 || om > 59)
    return -1;
  *off_min = (oh * 60 + om) * (c == '-' ? -1 : 1);
  *i += 6;
  return 0;
}

/* HH:MM:SS[.f][zone] after the date and separator (p[11..n)). */
static int parse_time(const char *p, int64_t n, ts_parts *t) {
  if (n < 19) return -1;
  if (p[10] != 'T' && p[10] != 't' && p[10] != ' ') return -1;
  if (fixed_digits(p + 11, 2, &t->h) || p[13] != ':' || fixed_digits(p + 14, 2, &t->mi) ||
      p[16] != ':' || fixed_digits(p + 17, 2, &t->s))
    return -1;
  if (t->h > 23 || t->mi > 59 || t->s > 60) return -1;
  int64_t i = 19;
  if (i < n && p[i] == '.' && parse_fraction(p, n, &i, &t->us)) return -1;
  if (i < n && parse_zone(p, n, &i, &t->off_min)) return -1;
  return i == n ? 0 : -1;
}

int pipe_parse_ts(const char *p, int64_t n, int64_t *out) {
  ts_parts t = {0};
  if (n < 10 || fixed_digits(p, 4, &t.y) || p[4] != '-' || fixed_digits(p + 5, 2, &t.mo) ||
      p[7] != '-' || fixed_digits(p + 8, 2, &t.d))
    return -1;
  if (t.mo < 1 || t.mo > 12 || t.d < 1 || t.d > month_days(t.y, t.mo)) return -1;
  if (n > 10 && parse_time(p, n, &t)) return -1;
  int64_t secs = rt_days_from_civil(t.y, t.mo, t.d) * 86400 + t.h * 3600 + t.mi * 60 + t.s -
                 (int64_t)t.off_min * 60;
  /* The zone or a leap second can move the instant out of 0000..9999, whose text we
   * could not read back. */
  static const int64_t min_secs = -719528LL * 86400;        /* 0000-01-01 */
  static const int64_t max_secs = 2932897LL * 86400;        /* 10000-01-01 */
  if (secs < min_secs || secs >= max_secs) return -1;
  *out = secs * RT_US_PER_SEC + t.us;
  return 0;
}

/* Year in 4 digits, or ISO 8601 expanded with a sign outside 0..9999. */
static int put_year(int64_t y, char *buf) {
  int len = 0;
  if (y < 0) buf[len++] = '-';
  else if (y > 9999) buf[len++] = '+';
  uint64_t u = magnitude(y);
  for (uint64_t w = 1000; w > 1 && u < w; w /= 10) buf[len++] = '0';
  return len + rt_put_u64(u, buf + len);
}

int pipe_fmt_ts(int64_t v, char *buf) {
  int64_t days, us, y;
  int m, d;
  rt_ts_split(v, &days, &us);
  rt_civil_from_days(days, &y, &m, &d);
  int len = put_year(y, buf);
  int secs = (int)(us / RT_US_PER_SEC), frac = (int)(us % RT_US_PER_SEC);
  char *o = buf + len;
  o[0] = '-';
  put2(m, o + 1);
  o[3] = '-';
  put2(d, o + 4);
  o[6] = 'T';
  put2(secs / 3600, o + 7);
  o[9] = ':';
  put2(secs / 60 % 60, o + 10);
  o[12] = ':';
  put2(secs % 60, o + 13);
  len += 15;
  if (frac) {
    buf[len++] = '.';
    int digits = 6;
    while (frac % 10 == 0) {
      frac /= 10;
      digits--;
    }
    for (int k = digits - 1; k >= 0; k--, frac /= 10) buf[len + k] = (char)('0' + frac % 10);
    len += digits;
  }
  buf[len++] = 'Z';
  return len;
}

/* ---- durations ---------------------------------------------------------------------- */

/* Units from the largest; the text must name them in this order. */
static const struct {
  const char *name;
  int len;
  int64_t us;
} units[] = {
    {"d", 1, RT_US_PER_DAY}, {"h", 1, RT_US_PER_HOUR}, {"m", 1, RT_US_PER_MIN},
    {"s", 1, RT_US_PER_SEC}, {"ms", 2, 1000},          {"us", 2, 1},
};
enum { NUNITS = sizeof units / sizeof units[0] };

/* The unit named at p[0..n): index into units, or -1. "ms" wins over "m". */
static int unit_at(const char *p, int64_t n) {
  /* From the smallest, so that the two-letter "ms" is tried before "m". */
  for (int u = NUNITS - 1; u >= 0; u--)
    if (n >= units[u].len && memcmp(p, units[u].name, (size_t)units[u].len) == 0) return u;
  return -1;
}

int pipe_parse_dur(const char *p, int64_t n, int64_t *out) {
  int64_t i = 0;
  int neg = n > 0 && p[0] == '-';
  i = neg;
  if (i == n) return -1;
  if (n - i == 1 && p[i] == '0') {
    *out = 0;
    return 0;
  }
  uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, total = 0;
  int last = -1;
  while (i < n) {
    uint64_t v = 0;
    int64_t start = i;
    for (; i < n && is_digit(p[i]); i++) {
      unsigned d = (unsigned)(p[i] - '0');
      if (v > (limit - d) / 10) return -1;
      v = v * 10 + d;
    }
    int u = i > start ? unit_at(p + i, n - i) : -1;
    if (u <= last) return -1;
    last = u;
    i += units[u].len;
    if (v > limit / (uint64_t)units[u].us) return -1;
    v *= (uint64_t)units[u].us;
    if (v > limit - total) return -1;
    total += v;
  }
  *out = with_sign(total, neg);
  return 0;
}

int pipe_fmt_dur(int64_t v, char *buf) {
  if (v == 0) {
    memcpy(buf, "0s", 2);
    return 2;
  }
  uint64_t mag = magnitude(v);
  int u = 0;
  while (mag % (uint64_t)units[u].us != 0) u++;   /* ends at "us", which divides all */
  int len = 0;
  if (v < 0) buf[len++] = '-';
  len += rt_put_u64(mag / (uint64_t)units[u].us, buf + len);
  memcpy(buf + len, units[u].name, (size_t)units[u].len);
  return len + units[u].len;
}
