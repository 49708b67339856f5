/* test_rt_pg.c: what the PostgreSQL connector does without a server. rt_pg_mask hides
 * every password of both conninfo forms (key = value with quotes and escapes, URIs with
 * user:password@ and ?password=) and masks what does not parse; rt_pg_scrub removes the
 * conninfo, its secrets (also decoded) and $PGPASSWORD from a message; the COPY text
 * forms (timestamps across BC and far years, durations to both ends of int64, doubles,
 * escaped strings) and the parsers of the server's result text, with round trips. The
 * server's side of these forms is checked by tests/postgres.t. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_pg.h"
#include "tap.h"

static const char *mask(const char *conninfo) {
  static char out[512];
  rt_buf b = {0};
  rt_pg_mask(&b, conninfo);
  snprintf(out, sizeof out, "%.*s", (int)b.len, b.p ? b.p : "");
  rt_buf_free(&b);
  return out;
}

static const char *scrub(const char *msg, const char *conninfo) {
  static char out[512];
  snprintf(out, sizeof out, "%s", msg);
  rt_pg_scrub(out, sizeof out, conninfo);
  return out;
}

static void test_mask(void) {
  is_str(mask(""), "", "an empty conninfo");
  is_str(mask("host=db dbname=app"), "host=db dbname=app", "no password: unchanged");
  is_str(mask("host=db password=s3cret dbname=app"), "host=db password=*** dbname=app",
         "a bare password");
  is_str(mask("password = 'it\\'s' user=x"), "password = *** user=x",
         "spaces around = and a quoted value with an escaped quote");
  is_str(mask("password='it''s' user=x"), "password=******",
         "'' does not escape a quote (libpq refuses the rest)");
  is_str(mask("password='a b\\' c' port=5"), "password=*** port=5",
         "a quoted value with a space and an escaped quote");
  is_str(mask("password=a\\ b host=h"), "password=*** host=h",
         "a bare value with an escaped space");
  is_str(mask("sslpassword=k PASSWORD=x"), "sslpassword=*** PASSWORD=***",
         "sslpassword, and the key in another case");
  is_str(mask("host=h password="), "host=h password=", "an empty password shows nothing");
  is_str(mask("host=h password='unterminated"), "host=h ***", "an open quote: masked to the end");
  is_str(mask("host=h s3cretword"), "host=h ***", "a word without =: masked to the end");
  is_str(mask("  host=h\tpassword=x  "), "  host=h\tpassword=***  ", "white space is kept");
  is_str(mask("postgresql://u:p%40ss@db:5432/app?sslmode=require"),
         "postgresql://u:***@db:5432/app?sslmode=require", "a URI's user:password@");
  is_str(mask("postgres://u@db/app?password=x&application_name=a"),
         "postgres://u@db/app?password=***&application_name=a", "a URI's password parameter");
  is_str(mask("postgresql://db/app?pass%77ord=x"), "postgresql://db/app?pass%77ord=***",
         "a percent-encoded key");
  is_str(mask("postgresql://u:pw@db,db2:5433/app"), "postgresql://u:***@db,db2:5433/app",
         "several hosts");
  is_str(mask("postgresql://db/x?u=a@b:c"), "postgresql://db/x?u=a@b:c",
         "an @ after the path is not a user");
}

static void test_scrub(void) {
  const char *ci = "postgresql://u:s3cr%65t@db/app";
  is_str(scrub("invalid URI: \"postgresql://u:s3cr%65t@db/app\"", ci),
         "invalid URI: \"postgresql://u:***@db/app\"", "the whole conninfo becomes its mask");
  is_str(scrub("token s3cret and s3cr%65t", ci), "token *** and ***",
         "the secret as written and decoded");
  is_str(scrub("missing \"=\" after \"hunter22\" in connection info string", "host=h hunter22"),
         "missing \"=\" after \"***\" in connection info string", "a misplaced word");
  is_str(scrub("a b c", "password=b"), "a b c", "a one-letter secret is left alone");
  setenv("PGPASSWORD", "envpass99", 1);
  is_str(scrub("FATAL: envpass99 is wrong", "host=h"), "FATAL: *** is wrong", "$PGPASSWORD");
  unsetenv("PGPASSWORD");
  char small[8] = "abcdefg";
  const char *cut = small;
  rt_pg_scrub(small, sizeof small, "password=abcd");
  is_str(cut, "***efg", "the result fits the buffer");
}

static const char *put(void (*fn)(rt_buf *, int64_t), int64_t v) {
  static char out[128];
  rt_buf b = {0};
  fn(&b, v);
  snprintf(out, sizeof out, "%.*s", (int)b.len, b.p);
  rt_buf_free(&b);
  return out;
}

static int64_t ts(const char *s, int *rc) {
  int64_t v = 0;
  *rc = rt_pg_parse_ts(s, (int64_t)strlen(s), &v);
  return v;
}

static int64_t iv(const char *s, int *rc) {
  int64_t v = 0;
  *rc = rt_pg_parse_interval(s, (int64_t)strlen(s), &v);
  return v;
}

static void test_write_forms(void) {
  is_str(put(rt_pg_put_ts, 0), "1970-01-01 00:00:00+00", "the epoch");
  is_str(put(rt_pg_put_ts, 1767605401500000), "2026-01-05 09:30:01.5+00", "a fraction");
  is_str(put(rt_pg_put_ts, -1), "1969-12-31 23:59:59.999999+00", "just before the epoch");
  is_str(put(rt_pg_put_ts, -62135596800000000), "0001-01-01 00:00:00+00", "year 1");
  is_str(put(rt_pg_put_ts, -62135596800000001), "0001-12-31 23:59:59.999999+00 BC",
         "1 BC (astronomical year 0)");
  is_str(put(rt_pg_put_ts, 253402300800000000), "10000-01-01 00:00:00+00", "a five-digit year");
  is_str(put(rt_pg_put_dur, 0), "0 days 00:00:00", "a zero duration");
  is_str(put(rt_pg_put_dur, 5400000250), "0 days 01:30:00.00025", "90 minutes and 250 us");
  is_str(put(rt_pg_put_dur, -90061000001), "-1 days -01:01:01.000001", "a negative duration");
  is_str(put(rt_pg_put_dur, INT64_MAX), "106751991 days 04:00:54.775807", "the longest");
  is_str(put(rt_pg_put_dur, INT64_MIN), "-106751991 days -04:00:54.775808", "the most negative");
  rt_buf b = {0};
  rt_pg_put_f64(&b, 0.1);
  rt_buf_putc(&b, ' ');
  rt_pg_put_f64(&b, 1.0 / 0.0);
  rt_buf_putc(&b, ' ');
  rt_pg_put_f64(&b, -1.0 / 0.0);
  rt_buf_putc(&b, ' ');
  rt_pg_put_f64(&b, 0.0 / 0.0);
  rt_buf_putc(&b, ' ');
  ok(rt_pg_put_str(&b, "a\tb\\c\nd\re", 9) == 0, "a string with every escaped byte");
  rt_buf_putc(&b, 0);
  is_str(b.p, "0.1 Infinity -Infinity NaN a\\tb\\\\c\\nd\\re", "doubles and escapes");
  size_t len = b.len;
  ok(rt_pg_put_str(&b, "a\0b", 3) == -1 && b.len == len, "a NUL byte is refused, nothing appended");
  rt_buf_free(&b);
}

static void test_parse_ts(void) {
  int rc;
  int64_t v = ts("2026-01-05 09:30:01.5+00", &rc);
  ok(rc == 0 && v == 1767605401500000, "the server's timestamptz form");
  v = ts("2026-01-05T09:30:01.5Z", &rc);
  ok(rc == 0 && v == 1767605401500000, "RFC 3339");
  v = ts("2026-01-05 10:30:01.5+01", &rc);
  ok(rc == 0 && v == 1767605401500000, "an offset in hours");
  v = ts("2026-01-05 04:00:01.5-05:30", &rc);
  ok(rc == 0 && v == 1767605401500000, "an offset with minutes");
  v = ts("2026-01-05", &rc);
  ok(rc == 0 && v == 1767571200000000, "a date is its midnight");
  v = ts("0001-12-31 23:59:59.999999+00 BC", &rc);
  ok(rc == 0 && v == -62135596800000001, "BC");
  v = ts("0044-03-15 BC", &rc);
  ok(rc == 0 && v == -63517824000000000, "a BC date");
  v = ts("294247-01-10 04:00:54.775807+00", &rc);
  ok(rc == 0 && v == INT64_MAX, "the last microsecond Pipe holds");
  ts("294247-01-10 04:00:54.775808+00", &rc);
  ok(rc == -1, "one after it is refused");
  const char *bad[] = {"", "infinity", "-infinity", "2026-13-01", "2026-02-29", "26-01-05",
                       "2026-01-05 25:00:00", "2026-01-05 09:30", "2026-01-05 09:30:00 XX",
                       "0000-01-01 BC", "2026-01-05 09:30:00+0", "2026-01-05 BCE"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ts(bad[i], &rc);
    ok(rc == -1, "refused: \"%s\"", bad[i]);
  }
  /* Every form the writer writes reads back. */
  int64_t samples[] = {0, -1, 1, 1767605401500000, -62135596800000001, 253402300800000000,
                       INT64_MAX, -210866803200000000};
  int all = 1;
  for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
    char text[128];
    snprintf(text, sizeof text, "%s", put(rt_pg_put_ts, samples[i]));
    v = ts(text, &rc);
    if (rc != 0 || v != samples[i]) {
      all = 0;
      tap_diag("%s read back as %lld (rc %d)", text, (long long)v, rc);
    }
  }
  ok(all, "timestamps round-trip through their COPY text");
}

static void test_parse_interval(void) {
  int rc;
  int64_t v = iv("PT0S", &rc);
  ok(rc == 0 && v == 0, "zero");
  v = iv("P1DT2H3M4.5S", &rc);
  ok(rc == 0 && v == 93784500000, "days, hours, minutes, seconds with a fraction");
  v = iv("P-1DT-1H-1M-1.000001S", &rc);
  ok(rc == 0 && v == -90061000001, "negative components");
  v = iv("PT-0.25S", &rc);
  ok(rc == 0 && v == -250000, "a negative fraction");
  v = iv("P106751991DT4H54.775807S", &rc);
  ok(rc == 0 && v == INT64_MAX, "the longest");
  v = iv("P-106751991DT-4H-54.775808S", &rc);
  ok(rc == 0 && v == INT64_MIN, "the most negative");
  v = iv("P0Y0M2W", &rc);
  ok(rc == 0 && v == 14 * 86400000000LL, "weeks; zero years and months");
  const char *bad[] = {"", "P", "PT", "P1M", "P1Y", "P1D2", "PT1.5H", "1 day", "P1DT",
                       "P106751991DT4H54.775808S", "PT1X"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    iv(bad[i], &rc);
    ok(rc == -1, "refused: \"%s\"", bad[i]);
  }
  int b = -1;
  ok(rt_pg_parse_bool("t", 1, &b) == 0 && b == 1 && rt_pg_parse_bool("false", 5, &b) == 0 &&
         b == 0 && rt_pg_parse_bool("yes", 3, &b) == -1,
     "bool: t, false; not yes");
}

int main(void) {
  test_mask();
  test_scrub();
  test_write_forms();
  test_parse_ts();
  test_parse_interval();
  return tap_done();
}
