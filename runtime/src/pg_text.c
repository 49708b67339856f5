/* pg_text.c: values in PostgreSQL's text forms (see rt_pg.h). The writer sends COPY
 * text-format fields, which every compatible column type reads (an existing table may
 * have int4, numeric, varchar or timestamp columns where Pipe has i64, f64, string or
 * timestamp); the reader parses result text, which a session set up by pg_conn.c prints
 * in fixed forms. Timestamps and intervals are converted with integer arithmetic only, so
 * every microsecond survives the round trip; a value beyond the other side's range is
 * refused, never wrapped (PostgreSQL's timestamps reach 294276 AD, Pipe's int64
 * microseconds 294247 AD; before 4713 BC PostgreSQL refuses them).
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "rt_civil.h"
#include "rt_pg.h"

/* ---- writing ------------------------------------------------------------------------ */

/* The fraction of a second, without trailing zeros; nothing when it is 0. */
static void put_fraction(rt_buf *b, int64_t us) {
  if (us == 0) return;
  char f[8];
  int digits = 6;
  while (us % 10 == 0) {
    us /= 10;
    digits--;
  }
  f[0] = '.';
  for (int k = digits; k >= 1; k--, us /= 10) f[k] = (char)('0' + us % 10);
  rt_buf_put(b, f, (size_t)digits + 1);
}

void rt_pg_put_ts(rt_buf *b, int64_t v) {
  int64_t days, us, y;
  int m, d;
  rt_ts_split(v, &days, &us);
  rt_civil_from_days(days, &y, &m, &d);
  bool bc = y <= 0;   /* astronomical year 0 is 1 BC */
  int64_t secs = us / RT_US_PER_SEC;
  rt_buf_printf(b, "%04lld-%02d-%02d %02d:%02d:%02d", (long long)(bc ? 1 - y : y), m, d,
                (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
  put_fraction(b, us % RT_US_PER_SEC);
  rt_buf_put(b, bc ? "+00 BC" : "+00", bc ? 6 : 3);
}

void rt_pg_put_dur(rt_buf *b, int64_t v) {
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;   /* also for INT64_MIN */
  const char *sign = v < 0 ? "-" : "";
  uint64_t days = u / (uint64_t)RT_US_PER_DAY, rest = u % (uint64_t)RT_US_PER_DAY;
  uint64_t secs = rest / (uint64_t)RT_US_PER_SEC;
  rt_buf_printf(b, "%s%llu days %s%02llu:%02llu:%02llu", sign, (unsigned long long)days, sign,
                (unsigned long long)(secs / 3600), (unsigned long long)(secs / 60 % 60),
                (unsigned long long)(secs % 60));
  put_fraction(b, (int64_t)(rest % (uint64_t)RT_US_PER_SEC));
}

void rt_pg_put_f64(rt_buf *b, double v) {
  if (isnan(v)) {
    rt_buf_put(b, "NaN", 3);
  } else if (isinf(v)) {
    rt_buf_put(b, v > 0 ? "Infinity" : "-Infinity", v > 0 ? 8 : 9);
  } else {
    char tmp[PIPE_FMT_MAX];
    rt_buf_put(b, tmp, (size_t)pipe_fmt_f64(v, tmp));
  }
}

int rt_pg_put_str(rt_buf *b, const char *p, size_t n) {
  if (memchr(p, 0, n)) return -1;
  size_t start = 0;
  for (size_t i = 0; i < n; i++) {
    char c = p[i], e = c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : 0;
    if (!e) continue;
    rt_buf_put(b, p + start, i - start);
    rt_buf_putc(b, '\\');
    rt_buf_putc(b, e);
    start = i + 1;
  }
  rt_buf_put(b, p + start, n - start);
  return 0;
}

/* ---- reading ------------------------------------------------------------------------ */

static bool digit(char c) { return c >= '0' && c <= '9'; }

/* Exactly k digits at p[*i]. */
static int digits(const char *p, int64_t n, int64_t *i, int k, int *out) {
  if (n - *i < k) return -1;
  int v = 0;
  for (int j = 0; j < k; j++, (*i)++) {
    if (!digit(p[*i])) return -1;
    v = v * 10 + (p[*i] - '0');
  }
  *out = v;
  return 0;
}

/* `.f{1,9}` at p[*i] (after the dot): microseconds, later digits truncated. */
static int fraction(const char *p, int64_t n, int64_t *i, int64_t *us) {
  int k = 0;
  int64_t f = 0;
  for (; *i < n && digit(p[*i]); (*i)++, k++)
    if (k < 6) f = f * 10 + (p[*i] - '0');
  if (k == 0 || k > 9) return -1;
  for (; k < 6; k++) f *= 10;
  *us = f;
  return 0;
}

/* Z, or ±HH[:MM[:SS]] / ±HHMM: seconds east of UTC. */
static int zone(const char *p, int64_t n, int64_t *i, int64_t *east) {
  if (p[*i] == 'Z' || p[*i] == 'z') {
    (*i)++;
    return 0;
  }
  int sign = p[*i] == '-' ? -1 : 1, h, m = 0, s = 0;
  if (p[*i] != '+' && p[*i] != '-') return -1;
  (*i)++;
  if (digits(p, n, i, 2, &h)) return -1;
  bool colon = *i < n && p[*i] == ':';
  if (*i + colon < n && digit(p[*i + colon])) {
    *i += colon;
    if (digits(p, n, i, 2, &m)) return -1;
    if (colon && *i < n && p[*i] == ':' && (++*i, digits(p, n, i, 2, &s))) return -1;
  }
  if (h > 15 || m > 59 || s > 59) return -1;
  *east = sign * (h * 3600 + m * 60 + s);
  return 0;
}

/* HH:MM:SS[.f][zone] at p[*i]: seconds of the day, microseconds, seconds east. */
static int clock_time(const char *p, int64_t n, int64_t *i, int64_t *secs, int64_t *us,
                      int64_t *east) {
  int h, m, s;
  if (digits(p, n, i, 2, &h) || *i >= n || p[(*i)++] != ':' || digits(p, n, i, 2, &m) ||
      *i >= n || p[(*i)++] != ':' || digits(p, n, i, 2, &s))
    return -1;
  if (h > 24 || m > 59 || s > 60 || (h == 24 && (m || s))) return -1;
  *secs = h * 3600 + m * 60 + s;
  if (*i < n && p[*i] == '.' && (++*i, fraction(p, n, i, us))) return -1;
  if (*i < n && p[*i] != ' ' && zone(p, n, i, east)) return -1;
  return 0;
}

static bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int64_t y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : days[m - 1];
}

int rt_pg_parse_ts(const char *p, int64_t n, int64_t *out) {
  int64_t i = 0, y = 0, secs = 0, us = 0, east = 0;
  int mo, d, nd = 0;
  for (; i < n && digit(p[i]) && nd < 7; i++, nd++) y = y * 10 + (p[i] - '0');
  if (nd < 4 || i >= n || p[i++] != '-' || digits(p, n, &i, 2, &mo) || i >= n ||
      p[i++] != '-' || digits(p, n, &i, 2, &d))
    return -1;
  if (i + 1 < n && (p[i] == ' ' || p[i] == 'T' || p[i] == 't') && digit(p[i + 1])) {
    i++;
    if (clock_time(p, n, &i, &secs, &us, &east)) return -1;
  }
  bool bc = n - i == 3 && memcmp(p + i, " BC", 3) == 0;
  if (i + 3 * bc != n || (bc && y == 0)) return -1;
  if (bc) y = 1 - y;
  if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo)) return -1;
  int64_t day_us, v;
  if (__builtin_mul_overflow(rt_days_from_civil(y, mo, d), RT_US_PER_DAY, &day_us) ||
      __builtin_add_overflow(day_us, (secs - east) * RT_US_PER_SEC + us, &v))
    return -1;
  *out = v;
  return 0;
}

/* One component of an ISO 8601 duration at p[*i]: [-+]digits[.digits] and its unit. */
static int component(const char *p, int64_t n, int64_t *i, bool time, int64_t *us) {
  bool neg = *i < n && p[*i] == '-';
  if (*i < n && (p[*i] == '-' || p[*i] == '+')) (*i)++;
  int64_t v = 0, frac = 0;
  int nd = 0;
  for (; *i < n && digit(p[*i]); (*i)++, nd++)
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, p[*i] - '0', &v))
      return -1;
  if (nd == 0) return -1;
  bool has_frac = *i < n && p[*i] == '.';
  if (has_frac && (++*i, fraction(p, n, i, &frac))) return -1;
  if (*i >= n) return -1;
  char u = p[(*i)++];
  int64_t unit = !time ? (u == 'D' ? RT_US_PER_DAY : u == 'W' ? 7 * RT_US_PER_DAY : 0)
                       : (u == 'H' ? RT_US_PER_HOUR : u == 'M' ? RT_US_PER_MIN
                          : u == 'S' ? RT_US_PER_SEC : 0);
  if (!time && (u == 'Y' || u == 'M')) return v == 0 && frac == 0 ? (*us = 0, 0) : -1;
  if (unit == 0 || (has_frac && u != 'S')) return -1;
  if (__builtin_mul_overflow(v, unit, us) || __builtin_add_overflow(*us, frac, us)) return -1;
  if (neg) *us = -*us;
  return 0;
}

int rt_pg_parse_interval(const char *p, int64_t n, int64_t *out) {
  if (n < 3 || p[0] != 'P') return -1;
  int64_t i = 1, total = 0, us;
  bool time = false, any = false;
  while (i < n) {
    if (p[i] == 'T' && !time) {
      time = true;
      i++;
      continue;
    }
    if (component(p, n, &i, time, &us) || __builtin_add_overflow(total, us, &total)) return -1;
    any = true;
  }
  if (!any || p[n - 1] == 'T') return -1;
  *out = total;
  return 0;
}

int rt_pg_parse_bool(const char *p, int64_t n, int *out) {
  if ((n == 1 && p[0] == 't') || (n == 4 && memcmp(p, "true", 4) == 0)) *out = 1;
  else if ((n == 1 && p[0] == 'f') || (n == 5 && memcmp(p, "false", 5) == 0)) *out = 0;
  else return -1;
  return 0;
}
