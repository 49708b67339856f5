/* rt_civil.h: proleptic Gregorian calendar arithmetic on day numbers (text.c), shared by
 * the timestamp text forms and the calendar built-ins (stdlib/time.c). Day 0 is
 * 1970-01-01; negative days are before it. Pure integer arithmetic: no timegm, locale or
 * TZ, valid for every day an int64_t microsecond timestamp can reach. */
#ifndef RT_CIVIL_H
#define RT_CIVIL_H

#include <stdint.h>

#define RT_US_PER_SEC 1000000LL
#define RT_US_PER_MIN 60000000LL
#define RT_US_PER_HOUR 3600000000LL
#define RT_US_PER_DAY 86400000000LL

/* Days since 1970-01-01 of year y (astronomical: 0 is 1 BC), month 1-12, day 1-31. */
int64_t rt_days_from_civil(int64_t y, int m, int d);
/* The date of day z since 1970-01-01. */
void rt_civil_from_days(int64_t z, int64_t *y, int *m, int *d);
/* Splits a timestamp into whole days since the epoch (floor) and microseconds into the
 * day, [0, RT_US_PER_DAY): correct for negative timestamps and for INT64_MIN. */
void rt_ts_split(int64_t ts, int64_t *days, int64_t *us_of_day);

#endif
