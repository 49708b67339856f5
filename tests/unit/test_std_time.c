/* test_std_time.c: calendar fields of stdlib/time.c, checked against the timestamp parser
 * on fixed dates (leap days, the epoch from both sides, year 0001/9999) and against an
 * independent day-by-day walk over four centuries before and after 1970. */
#include <stdint.h>
#include <string.h>

#include "pipe/std.h"
#include "tap.h"

static int64_t ts(const char *s) {
  int64_t v = 0;
  ok(pipe_parse_ts(s, (int64_t)strlen(s), &v) == 0, "parse %s", s);
  return v;
}

static void fields_are(const char *s, int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi) {
  int64_t v = ts(s);
  ok(pipe_std_year(v) == y && pipe_std_month(v) == mo && pipe_std_day(v) == d &&
         pipe_std_hour(v) == h && pipe_std_minute(v) == mi,
     "%s -> %lld-%lld-%lld %lld:%lld (got %lld-%lld-%lld %lld:%lld)", s, (long long)y,
     (long long)mo, (long long)d, (long long)h, (long long)mi, (long long)pipe_std_year(v),
     (long long)pipe_std_month(v), (long long)pipe_std_day(v), (long long)pipe_std_hour(v),
     (long long)pipe_std_minute(v));
}

/* Walks day by day with month lengths computed here, independently of rt_civil. */
static void test_walk(void) {
  static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t y = 1570, m = 1, d = 1;
  int64_t day = -146097;   /* 400 years of days before 1970-01-01 */
  int bad = 0;
  for (; y < 2370; day++) {
    int64_t v = day * 86400000000LL + 13 * 3600000000LL + 7 * 60000000LL + 5;
    if (pipe_std_year(v) != y || pipe_std_month(v) != m || pipe_std_day(v) != d ||
        pipe_std_hour(v) != 13 || pipe_std_minute(v) != 7)
      if (bad++ < 3) tap_diag("day %lld: want %lld-%lld-%lld", (long long)day, (long long)y,
                              (long long)m, (long long)d);
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int len = m == 2 && leap ? 29 : mdays[m - 1];
    if (++d > len) {
      d = 1;
      if (++m > 12) {
        m = 1;
        y++;
      }
    }
  }
  is_int(bad, 0, "fields of every day 1570..2369 match a day-by-day walk");
  is_int(day, 146097, "the walk crosses 1970 at day 0");
}

int main(void) {
  fields_are("2026-01-05T09:31:00Z", 2026, 1, 5, 9, 31);
  fields_are("1970-01-01T00:00:00Z", 1970, 1, 1, 0, 0);
  fields_are("1969-12-31T23:59:59.999999Z", 1969, 12, 31, 23, 59);
  fields_are("1969-12-31T00:00:00Z", 1969, 12, 31, 0, 0);
  fields_are("2000-02-29T12:00:00Z", 2000, 2, 29, 12, 0);
  fields_are("2024-02-29T23:59:00Z", 2024, 2, 29, 23, 59);
  fields_are("2023-03-01T00:00:00Z", 2023, 3, 1, 0, 0);
  fields_are("1900-03-01T01:02:03Z", 1900, 3, 1, 1, 2);
  fields_are("0001-01-01T00:00:00Z", 1, 1, 1, 0, 0);
  fields_are("0000-02-29T00:00:00Z", 0, 2, 29, 0, 0);
  fields_are("9999-12-31T23:59:59Z", 9999, 12, 31, 23, 59);
  fields_are("2026-01-05T15:01:00+05:30", 2026, 1, 5, 9, 31);
  fields_are("2026-01-01T01:00:00+02:00", 2025, 12, 31, 23, 0);
  is_int(pipe_std_year(INT64_MIN), -290308, "year of INT64_MIN");
  is_int(pipe_std_hour(INT64_MIN), 19, "hour of INT64_MIN");
  is_int(pipe_std_year(INT64_MAX), 294247, "year of INT64_MAX");
  is_int(pipe_std_minute(INT64_MAX), 0, "minute of INT64_MAX");
  is_int(pipe_std_minute(-1), 59, "minute of -1us");
  test_walk();
  return tap_done();
}
