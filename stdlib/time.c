/* time.c: calendar fields of a timestamp (year, month, day, hour, minute), in UTC on the
 * proleptic Gregorian calendar. Timestamps before 1970 are split with floor division, so
 * 1969-12-31T23:59:59Z is hour 23 of day 31, not hour -1 of day 1. trunc(ts, d) needs no
 * call: codegen lowers it to a floor division (see docs/stdlib.md). */
#include "pipe/std.h"
#include "rt_civil.h"

/* The date of ts. */
static void date_of(int64_t ts, int64_t *y, int *m, int *d) {
  int64_t days, us;
  rt_ts_split(ts, &days, &us);
  rt_civil_from_days(days, y, m, d);
}

int64_t pipe_std_year(int64_t ts) {
  int64_t y;
  int m, d;
  date_of(ts, &y, &m, &d);
  return y;
}

int64_t pipe_std_month(int64_t ts) {
  int64_t y;
  int m, d;
  date_of(ts, &y, &m, &d);
  return m;
}

int64_t pipe_std_day(int64_t ts) {
  int64_t y;
  int m, d;
  date_of(ts, &y, &m, &d);
  return d;
}

int64_t pipe_std_hour(int64_t ts) {
  int64_t days, us;
  rt_ts_split(ts, &days, &us);
  return us / RT_US_PER_HOUR;
}

int64_t pipe_std_minute(int64_t ts) {
  int64_t days, us;
  rt_ts_split(ts, &days, &us);
  return us / RT_US_PER_MIN % 60;
}
