/* test_rt_jsonl_read.c: the JSON-lines reader: every type, null and absent keys, key
 * order, unknown keys, escapes, line ends, blank lines, every row error with its line,
 * projection, long lines, small reads, streaming input and a round trip through the
 * JSON-lines writer. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_batch.h"
#include "rt_io.h"
#include "tap.h"

static char tmpdir[] = "/tmp/pipe_jsonlread_XXXXXX";
static int nfiles;

/* Writes n bytes to a fresh file and returns its path (static storage, one per call). */
static const char *put_file(const char *data, size_t n) {
  static char paths[64][128];
  char *path = paths[nfiles++ % 64];
  snprintf(path, 128, "%s/in%d.jsonl", tmpdir, nfiles);
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, n, f);
  fclose(f);
  return path;
}
#define FILE_OF(lit) put_file(lit, sizeof(lit) - 1)

static const pipe_conn_desc conn = {PIPE_CONN_JSONL, -1, "", 0, 0, 1, 1};

/* Row errors seen by read_all. */
typedef struct seen_err {
  int64_t line;
  int field;
  char msg[256];
  char value[64];
  char record[256];
  int64_t record_len;
} seen_err;
static seen_err errs[64];
static int nerrs;

/* Reads every row of path into a new batch (capacity cap); NULL if open fails. */
static pipe_batch *read_all(const char *path, const pipe_schema_desc *s, const uint8_t *needed,
                            int64_t cap, rt_ioerr *err) {
  rt_reader *r = rt_reader_open(path, &conn, s, needed, err);
  if (!r) return NULL;
  pipe_batch *b = rt_batch_new(s, cap);
  rt_rowerr re;
  nerrs = 0;
  for (;;) {
    int st = rt_reader_next(r, b, &re, err);
    if (st == RT_READ_ROWERR) {
      seen_err *e = &errs[nerrs++ % 64];
      e->line = re.line;
      e->field = re.field;
      e->record_len = re.record_len;
      snprintf(e->msg, sizeof e->msg, "%s", re.msg);
      snprintf(e->value, sizeof e->value, "%.*s", (int)re.value_len, re.value ? re.value : "");
      snprintf(e->record, sizeof e->record, "%.*s", (int)re.record_len, re.record);
      continue;
    }
    if (st == RT_READ_EOF || st == RT_READ_IOERR) break;
    if (b->nrows == b->cap) break;
  }
  rt_reader_close(r);
  return b;
}

static char strbuf[8][256];
static int nstr;
/* Row i of string column c as a C string ("<null>" if null). */
static const char *S(const pipe_batch *b, int c, int64_t i) {
  if (rt_is_null(&b->cols[c], i)) return "<null>";
  pipe_str s = rt_str_at(&b->cols[c], i);
  char *o = strbuf[nstr++ % 8];
  snprintf(o, 256, "%.*s", (int)s.len, s.ptr);
  return o;
}
static int64_t I(const pipe_batch *b, int c, int64_t i) { return ((int64_t *)b->cols[c].values)[i]; }
static double F(const pipe_batch *b, int c, int64_t i) { return ((double *)b->cols[c].values)[i]; }
static int B(const pipe_batch *b, int c, int64_t i) { return rt_bool_get(&b->cols[c], i); }

static const pipe_field_desc all_f[] = {
    {"b", PIPE_T_BOOL, 1},      {"i", PIPE_T_I64, 1},       {"f", PIPE_T_F64, 1},
    {"s", PIPE_T_STRING, 1},    {"t", PIPE_T_TIMESTAMP, 1}, {"d", PIPE_T_DURATION, 1},
    {"n", PIPE_T_STRING, 0}};
static const pipe_schema_desc all = {all_f, 7, 0};

static void test_types(void) {
  rt_ioerr err;
  const char *p = FILE_OF(
      "{\"b\":true,\"i\":-42,\"f\":1e3,\"s\":\"hello\",\"t\":\"1970-01-01T00:00:01Z\","
      "\"d\":\"250ms\",\"n\":\"x\"}\n"
      "{\"n\":\"\",\"d\":\"1h30m\",\"t\":\"2026-01-05T09:31:00+01:00\",\"s\":\"\",\"f\":-0.5,"
      "\"i\":9223372036854775807,\"b\":false}\n"
      "{\"b\":null,\"i\":null,\"f\":null,\"s\":null,\"t\":null,\"d\":null,\"n\":\"y\"}\n"
      "{\"n\":\"z\"}\n"
      " { \"i\" : -9223372036854775808 , \"f\" : 3 , \"n\" : \"w\" } \n"
      "{\"f\":2.5E-3,\"i\":0,\"n\":\"v\",\"t\":\"2026-01-05T09:31:00.123456Z\"}\n");
  pipe_batch *b = read_all(p, &all, NULL, 16, &err);
  if (!ok(b != NULL, "all types open")) return;
  is_int(b->nrows, 6, "six rows");
  is_int(nerrs, 0, "no row errors");
  is_int(B(b, 0, 0), 1, "bool true");
  is_int(B(b, 0, 1), 0, "bool false");
  is_int(I(b, 1, 0), -42, "i64 negative");
  is_int(I(b, 1, 1), INT64_MAX, "i64 max");
  is_int(I(b, 1, 4), INT64_MIN, "i64 min");
  ok(F(b, 2, 0) == 1000.0 && F(b, 2, 1) == -0.5, "f64 values");
  ok(F(b, 2, 4) == 3.0, "f64 from an integer");
  ok(F(b, 2, 5) == 0.0025, "f64 with exponent");
  is_str(S(b, 3, 0), "hello", "string");
  is_str(S(b, 3, 1), "", "empty string is not null");
  is_int(I(b, 4, 0), 1000000, "timestamp");
  is_int(I(b, 4, 1), 1767601860000000LL, "timestamp with offset");
  is_int(I(b, 4, 5), 1767605460123456LL, "timestamp fraction");
  is_int(I(b, 5, 0), 250000, "duration ms");
  is_int(I(b, 5, 1), 5400000000LL, "duration 1h30m");
  is_str(S(b, 6, 1), "", "non-nullable empty string");
  int nulls = 0;
  for (int c = 0; c < 6; c++) nulls += rt_is_null(&b->cols[c], 2);
  is_int(nulls, 6, "JSON null is null");
  nulls = 0;
  for (int c = 0; c < 6; c++) nulls += rt_is_null(&b->cols[c], 3);
  is_int(nulls, 6, "absent keys are null");
  ok(!rt_is_null(&b->cols[1], 0) && !rt_is_null(&b->cols[3], 1), "values are not null");
  is_int(b->lines[4], 5, "spaces around tokens");
  rt_batch_release(b);
}

static const pipe_field_desc two_f[] = {{"a", PIPE_T_STRING, 0}, {"b", PIPE_T_STRING, 1}};
static const pipe_schema_desc two = {two_f, 2, 0};

static void test_escapes_unknown(void) {
  rt_ioerr err;
  const char *p = FILE_OF(
      "{\"a\":\"line\\nbreak \\\"q\\\" back\\\\slash \\/ \\t\\b\\f\\r\",\"b\":\"caf\\u00e9\"}\n"
      "{\"a\":\"\\ud83d\\ude00 \\u20AC \\u0041\",\"b\":\"raw \xc3\xa9\"}\n"
      "{\"x\":{\"y\":[1,2.5,{\"z\":null}],\"w\":\"\\u00e9\"},\"a\":\"A\",\"q\":[],\"r\":{},"
      "\"t\":true,\"f\":false,\"n\":-0.0e+1}\n"
      "{\"\\u0061\":\"escaped key\",\"b\":\"B\"}\n");
  pipe_batch *b = read_all(p, &two, NULL, 16, &err);
  if (!ok(b != NULL, "escapes open")) return;
  is_int(b->nrows, 4, "four rows");
  is_int(nerrs, 0, "no errors");
  is_str(S(b, 0, 0), "line\nbreak \"q\" back\\slash / \t\b\f\r", "simple escapes");
  is_str(S(b, 1, 0), "caf\xc3\xa9", "\\u00e9 is UTF-8");
  is_str(S(b, 0, 1), "\xf0\x9f\x98\x80 \xe2\x82\xac A", "surrogate pair, 3-byte, ASCII");
  is_str(S(b, 1, 1), "raw \xc3\xa9", "raw UTF-8 kept");
  is_str(S(b, 0, 2), "A", "unknown keys with nested values ignored");
  is_str(S(b, 1, 2), "<null>", "absent nullable string");
  is_str(S(b, 0, 3), "escaped key", "a key with escapes matches");
  rt_batch_release(b);

  static const pipe_field_desc z_f[] = {{"z", PIPE_T_STRING, 0}};
  static const pipe_schema_desc z = {z_f, 1, 0};
  p = FILE_OF("{\"z\":\"a\\u0000b\"}\n");
  b = read_all(p, &z, NULL, 4, &err);
  is_int(b->cols[0].data_len, 3, "\\u0000 is one NUL byte");
  ok(memcmp(b->cols[0].data, "a\0b", 3) == 0, "NUL inside a string");
  rt_batch_release(b);
}

static void test_line_ends(void) {
  rt_ioerr err;
  const char *p = FILE_OF("\xEF\xBB\xBF{\"a\":\"1\"}\r\n"
                          "\r\n"
                          "   \t \n"
                          "\n"
                          "{\"a\":\"2\",\"b\":\"x\"}\r\n"
                          "{\"a\":\"3\"}");
  pipe_batch *b = read_all(p, &two, NULL, 16, &err);
  if (!ok(b != NULL, "BOM + CRLF opens")) return;
  is_int(b->nrows, 3, "three rows, blank lines skipped, no final newline");
  is_int(nerrs, 0, "blank lines are no errors");
  is_str(S(b, 0, 0), "1", "first row after the BOM");
  is_str(S(b, 1, 1), "x", "CR stripped");
  is_str(S(b, 0, 2), "3", "last line without newline");
  is_int(b->lines[0], 1, "line 1");
  is_int(b->lines[1], 5, "blank lines counted");
  is_int(b->lines[2], 6, "last line number");
  rt_batch_release(b);

  p = FILE_OF("");
  b = read_all(p, &two, NULL, 16, &err);
  ok(b && b->nrows == 0 && nerrs == 0, "empty file: no rows");
  if (b) rt_batch_release(b);
  p = FILE_OF("\n\n\xEF\xBB\xBF\n");
  b = read_all(p, &two, NULL, 16, &err);
  ok(b && b->nrows == 0 && nerrs == 1, "a BOM after the start is not skipped");
  if (b) rt_batch_release(b);

  b = read_all("/nonexistent/x.jsonl", &two, NULL, 16, &err);
  is_str(err.msg, "/nonexistent/x.jsonl: cannot open: No such file or directory",
         "missing file message");
}

static const pipe_field_desc strict_f[] = {
    {"s", PIPE_T_STRING, 0}, {"b", PIPE_T_BOOL, 0},      {"i", PIPE_T_I64, 0},
    {"f", PIPE_T_F64, 0},    {"t", PIPE_T_TIMESTAMP, 0}, {"d", PIPE_T_DURATION, 0}};
static const pipe_schema_desc strict = {strict_f, 6, 0};

#define GOOD "\"b\":true,\"i\":1,\"f\":1.5,\"t\":\"2026-01-05T00:00:00Z\",\"d\":\"1s\""

static void test_row_errors(void) {
  rt_ioerr err;
  static const struct {
    const char *line, *msg, *value;
    int field;
  } cases[] = {
      {"{\"s\":\"x\"," GOOD ",\"b\":1}", "duplicate key", "1", 1},
      {"{\"s\":1," GOOD "}", "expected string", "1", 0},
      {"{\"s\":\"x\",\"b\":\"true\",\"i\":1,\"f\":1,\"t\":\"2026-01-05T00:00:00Z\",\"d\":\"1s\"}",
       "invalid bool", "\"true\"", 1},
      {"{\"s\":\"x\",\"b\":true,\"i\":1.0,\"f\":1,\"t\":\"2026-01-05T00:00:00Z\",\"d\":\"1s\"}",
       "invalid i64", "1.0", 2},
      {"{\"s\":\"x\",\"b\":true,\"i\":1e2,\"f\":1,\"t\":\"2026-01-05T00:00:00Z\",\"d\":\"1s\"}",
       "invalid i64", "1e2", 2},
      {"{\"s\":\"x\",\"b\":true,\"i\":9223372036854775808,\"f\":1,\"t\":\"2026-01-05T00:00:00Z\","
       "\"d\":\"1s\"}",
       "invalid i64", "9223372036854775808", 2},
      {"{\"s\":\"x\",\"b\":true,\"i\":\"12\",\"f\":1,\"t\":\"2026-01-05T00:00:00Z\",\"d\":\"1s\"}",
       "invalid i64", "\"12\"", 2},
      {"{\"s\":\"x\",\"b\":true,\"i\":1,\"f\":[1],\"t\":\"2026-01-05T00:00:00Z\",\"d\":\"1s\"}",
       "invalid f64", "[1]", 3},
      {"{\"s\":\"x\",\"b\":true,\"i\":1,\"f\":\"inf\",\"t\":\"2026-01-05T00:00:00Z\",\"d\":\"1s\"}",
       "invalid f64", "\"inf\"", 3},
      {"{\"s\":\"x\",\"b\":true,\"i\":1,\"f\":1,\"t\":\"yesterday\",\"d\":\"1s\"}",
       "invalid timestamp", "yesterday", 4},
      {"{\"s\":\"x\",\"b\":true,\"i\":1,\"f\":1,\"t\":0,\"d\":\"1s\"}", "invalid timestamp", "0", 4},
      {"{\"s\":\"x\",\"b\":true,\"i\":1,\"f\":1,\"t\":\"2026-01-05T00:00:00Z\",\"d\":{\"s\":1}}",
       "invalid duration", "{\"s\":1}", 5},
      {"{\"s\":\"x\",\"b\":true,\"i\":1,\"f\":1,\"t\":\"2026-01-05T00:00:00Z\",\"d\":\"5 parsecs\"}",
       "invalid duration", "5 parsecs", 5},
      {"{\"s\":\"x\",\"b\":true,\"f\":1,\"t\":\"2026-01-05T00:00:00Z\",\"d\":\"1s\"}",
       "missing value", "", 2},
      {"{\"s\":\"x\",\"b\":true,\"i\":null,\"f\":1,\"t\":\"2026-01-05T00:00:00Z\",\"d\":\"1s\"}",
       "missing value", "null", 2},
      {"{\"s\":null," GOOD "}", "missing value", "null", 0},
      {"{\"s\" \"x\"}", "invalid JSON: expected ':' at column 6", "", -1},
      {"[1,2]", "invalid JSON: expected '{' at column 1", "", -1},
      {"{\"s\":\"x\"} x", "invalid JSON: unexpected text after the object at column 11", "", -1},
      {"{\"s\":\"x\"", "invalid JSON: expected ',' or '}' at column 9", "", -1},
      {"{\"s\":\"x", "invalid JSON: unterminated string at column 6", "", -1},
      {"{\"s\":\"a\tb\"}", "invalid JSON: control character in string at column 8", "", -1},
      {"{\"s\":\"\\x\"}", "invalid JSON: invalid escape at column 7", "", -1},
      {"{\"s\":\"\\u12g4\"}", "invalid JSON: invalid \\u escape at column 7", "", -1},
      {"{\"s\":\"\\ud83d\"}", "invalid JSON: lone surrogate at column 7", "", -1},
      {"{\"s\":\"\\ude00\\ud83d\"}", "invalid JSON: lone surrogate at column 7", "", -1},
      {"{\"s\":01}", "invalid JSON: invalid number at column 6", "", -1},
      {"{\"s\":.5}", "invalid JSON: expected a value at column 6", "", -1},
      {"{\"s\":1.}", "invalid JSON: invalid number at column 6", "", -1},
      {"{\"s\":tru}", "invalid JSON: expected a value at column 6", "", -1},
      {"{\"s\":[1,]}", "invalid JSON: expected a value at column 9", "", -1},
      {"{s:1}", "invalid JSON: expected a key at column 2", "", -1},
      {"{\"s\":\"\xc3(\"}", "invalid JSON: invalid UTF-8 at column 7", "", -1},
      {"{\"s\":\"\xed\xa0\x80\"}", "invalid JSON: invalid UTF-8 at column 7", "", -1},
      {"{\"s\":\"x\",\"b\":true,\"i\":1,\"f\":1e999,\"t\":\"2026-01-05T00:00:00Z\",\"d\":\"1s\"}",
       "invalid f64", "1e999", 3},
      {"{\"s\":\"x\",\"b\":true,\"i\":1,\"f\":1,\"t\":\"2026-01-05T00:00:00Z\",\"d\":\"1s\",\"s\":\"y\"}",
       "duplicate key", "\"y\"", 0},
  };
  int ncases = (int)(sizeof cases / sizeof cases[0]);
  rt_buf text = {0};
  rt_buf_put(&text, "{\"s\":\"ok1\"," GOOD "}\n", strlen("{\"s\":\"ok1\"," GOOD "}\n"));
  for (int k = 0; k < ncases; k++) rt_buf_printf(&text, "%s\n", cases[k].line);
  rt_buf_printf(&text, "{\"s\":\"ok2\"," GOOD "}\n");
  const char *p = put_file(text.p, text.len);
  rt_buf_free(&text);
  pipe_batch *b = read_all(p, &strict, NULL, 64, &err);
  if (!ok(b != NULL, "strict schema opens")) return;
  is_int(b->nrows, 2, "only the good rows are in the batch");
  is_str(S(b, 0, 1), "ok2", "failed rows took back their string bytes");
  is_int(b->cols[0].data_len, 6, "string bytes of failed rows rolled back");
  is_int(b->lines[1], ncases + 2, "line of the row after the errors");
  is_int(nerrs, ncases, "one row error per bad line");
  for (int k = 0; k < ncases && k < nerrs; k++) {
    const seen_err *e = &errs[k];
    ok(strcmp(e->msg, cases[k].msg) == 0 && strcmp(e->value, cases[k].value) == 0 &&
           e->field == cases[k].field && e->line == k + 2 &&
           strcmp(e->record, cases[k].line) == 0,
       "%s -> %s", cases[k].line, cases[k].msg);
    if (strcmp(e->msg, cases[k].msg) != 0 || strcmp(e->value, cases[k].value) != 0 ||
        e->field != cases[k].field || e->line != k + 2)
      tap_diag("got line %lld field %d [%s] value [%s]", (long long)e->line, e->field, e->msg,
               e->value);
  }
  rt_batch_release(b);

  char deep[1200];
  int n = sprintf(deep, "{\"x\":");
  for (int k = 0; k < 300; k++) deep[n++] = '[';
  for (int k = 0; k < 300; k++) deep[n++] = ']';
  n += sprintf(deep + n, "}\r\n");
  b = read_all(put_file(deep, (size_t)n), &two, NULL, 4, &err);
  is_int(nerrs, 1, "too deep nesting is a row error");
  is_str(errs[0].msg, "invalid JSON: nesting too deep at column 261", "nesting message");
  is_int(errs[0].record_len, n - 2, "record without CRLF");
  rt_batch_release(b);
}

/* Bools are bit-packed; pooled batches keep stale bits, so each row's bit is written. */
static void test_bool_bits(void) {
  static const pipe_field_desc f[] = {{"c", PIPE_T_BOOL, 0}};
  static const pipe_schema_desc s = {f, 1, 0};
  char text[1024];
  int n = 0;
  for (int i = 0; i < 20; i++)
    n += sprintf(text + n, "{\"c\":%s}\n", i == 7 || i == 15 ? "true" : "false");
  rt_ioerr err;
  rt_reader *r = rt_reader_open(put_file(text, (size_t)n), &conn, &s, NULL, &err);
  pipe_batch *b = rt_batch_new(&s, 20);
  memset(b->cols[0].values, 0xFF, 3);
  rt_rowerr re;
  while (rt_reader_next(r, b, &re, &err) == RT_READ_BATCH && b->nrows < 20) {}
  const uint8_t *c = b->cols[0].values;
  ok(b->nrows == 20 && c[0] == 0x80 && c[1] == 0x80 && (c[2] & 0x0F) == 0, "bool bits");
  rt_reader_close(r);
  rt_batch_release(b);
}

static void test_projection(void) {
  rt_ioerr err;
  const char *p = FILE_OF("{\"s\":\"a\",\"b\":\"garbage\",\"i\":\"zz\",\"f\":[],\"t\":0}\n"
                          "{\"s\":\"b\",\"b\":1,\"i\":{},\"f\":null,\"d\":false}\n"
                          "{\"s\":\"c\",\"b\":01}\n"
                          "{\"s\":\"d\",\"i\":1,\"i\":2}\n");
  static const uint8_t needed[] = {1, 0, 0, 0, 0, 0};
  pipe_batch *b = read_all(p, &strict, needed, 16, &err);
  if (!ok(b != NULL, "projection opens")) return;
  is_int(b->nrows, 2, "unneeded fields are not converted");
  is_str(S(b, 0, 1), "b", "needed column still read");
  is_int(I(b, 2, 0), 0, "unneeded column left zero");
  is_int(nerrs, 2, "bad JSON and duplicate keys are errors even in unneeded fields");
  is_int(errs[0].line, 3, "syntax error line");
  is_str(errs[1].msg, "duplicate key", "duplicate in an unneeded field");
  rt_batch_release(b);

  static const uint8_t need_b[] = {0, 1};
  p = FILE_OF("{\"a\":\"skip\\n\",\"b\":\"1\"}\n{\"a\":\"x\",\"b\":\"2\"}\n");
  b = read_all(p, &two, need_b, 16, &err);
  is_int(b->nrows, 2, "two rows");
  is_str(S(b, 1, 1), "2", "needed value");
  is_int(b->cols[0].data_len, 0, "unneeded strings are not copied");
  rt_batch_release(b);
}

/* A line far longer than the read block, and many rows across blocks and batches. */
static void test_big(void) {
  size_t big = 3u << 20;
  char *data = malloc(big + 256);
  size_t len = (size_t)sprintf(data, "{\"b\":\"first\",\"a\":\"");
  memset(data + len, 'x', big);
  memcpy(data + len + 100, "\\n\\u00e9", 8);
  len += big;
  len += (size_t)sprintf(data + len, "\"}\n{\"a\":\"last\"}\n");
  rt_ioerr err;
  pipe_batch *b = read_all(put_file(data, len), &two, NULL, 16, &err);
  free(data);
  if (ok(b != NULL, "big file opens")) {
    is_int(b->nrows, 2, "big line read");
    is_int(rt_str_at(&b->cols[0], 0).len, big - 8 + 3, "3 MiB string decoded");
    is_str(S(b, 0, 1), "last", "row after the big line");
    is_int(b->lines[1], 2, "line after the big line");
    rt_batch_release(b);
  }

  size_t cap = 16u << 20;
  data = malloc(cap);
  len = 0;
  int rows = 200000;
  for (int i = 0; i < rows; i++)
    len += (size_t)sprintf(data + len, "{\"b\":\"v%d\",\"a\":\"r\\t%d\"}\n", i, i);
  const char *p = put_file(data, len);
  free(data);
  rt_rowerr re;
  rt_reader *r = rt_reader_open(p, &conn, &two, NULL, &err);
  b = rt_batch_new(&two, RT_BATCH_ROWS);
  int64_t total = 0, bad = 0;
  for (;;) {
    b->nrows = 0;
    b->cols[0].data_len = b->cols[1].data_len = 0;
    int st = rt_reader_next(r, b, &re, &err);
    for (int64_t i = 0; i < b->nrows; i++) {
      char want[32];
      snprintf(want, sizeof want, "v%lld", (long long)(total + i));
      if (strcmp(S(b, 1, i), want) != 0 || b->lines[i] != total + i + 1) bad++;
    }
    total += b->nrows;
    if (st != RT_READ_BATCH) break;
  }
  is_int(total, rows, "every row read across blocks");
  is_int(bad, 0, "values and lines right across blocks");
  rt_batch_release(b);
  rt_reader_close(r);
}

/* Rows (line and JSON text) and row errors of a file, as one string. */
static char *digest(const char *path, const pipe_schema_desc *s) {
  rt_ioerr err;
  rt_buf d = {0};
  pipe_batch *b = read_all(path, s, NULL, 64, &err);
  if (!b) return strdup(err.msg);
  for (int64_t i = 0; i < b->nrows; i++) {
    rt_buf_printf(&d, "%lld ", (long long)b->lines[i]);
    rt_buf_json_row(&d, b, s, i);
    rt_buf_putc(&d, '\n');
  }
  for (int k = 0; k < nerrs; k++)
    rt_buf_printf(&d, "%lld %d %s [%s] [%s]\n", (long long)errs[k].line, errs[k].field,
                  errs[k].msg, errs[k].value, errs[k].record);
  rt_buf_putc(&d, 0);
  rt_batch_release(b);
  return d.p;
}

/* Tiny buffers and one-byte reads cut lines everywhere: same rows, lines and errors. */
static void test_small_reads(void) {
  const char *p = FILE_OF("\xEF\xBB\xBF{\"a\":\"x\\u00e9\",\"b\":\"say \\\"hi\\\"\"}\r\n"
                          "\n"
                          "{\"b\":null,\"a\":\"0123456789012345678901234567890123456789\"}\n"
                          "{\"a\":bad}\r\n"
                          "  \r\n"
                          "{\"a\":\"last\",\"b\":\"field\"}");
  char *want = digest(p, &two);
  static const size_t blocks[] = {16, 16, 17, 64, 16};
  static const size_t reads[] = {1, 2, 3, 7, 0};
  int same = 1;
  for (int k = 0; k < 5; k++) {
    rt_jsonl_block = blocks[k];
    rt_jsonl_max_read = reads[k];
    char *got = digest(p, &two);
    if (strcmp(got, want) != 0) {
      same = 0;
      tap_diag("block %zu read %zu:\n%s\nwant:\n%s", blocks[k], reads[k], got, want);
    }
    free(got);
  }
  rt_jsonl_block = 1u << 20;
  rt_jsonl_max_read = 0;
  ok(same, "small buffers and reads give the same rows, lines and errors");
  ok(strstr(want, "6 {\"a\":\"last\",\"b\":\"field\"}") != NULL, "digest has the last row");
  ok(strstr(want, "4 -1 invalid JSON: expected a value at column 6 [] [{\"a\":bad}]") != NULL,
     "digest has the error: %s", want);
  free(want);
}

static void put_str(int fd, const char *s) {
  ssize_t n = write(fd, s, strlen(s));
  (void)n;
}

static void test_stream(void) {
  int fds[2];
  if (pipe(fds) != 0) return;
  int saved = dup(0);
  dup2(fds[0], 0);
  close(fds[0]);
  alarm(20);  /* a reader that waits for EOF would hang here: fail instead */
  put_str(fds[1], "{\"a\":\"1\"}\n{\"a\":\"2\"}\n{\"a\":");
  rt_ioerr err;
  rt_rowerr re;
  rt_reader *r = rt_reader_open("-", &conn, &two, NULL, &err);
  if (!ok(r != NULL, "stdin reader opens")) return;
  is_str(rt_reader_origin(r), "<stdin>", "stdin origin");
  pipe_batch *b = rt_batch_new(&two, 64);
  int st = rt_reader_next(r, b, &re, &err);
  is_int(st, RT_READ_BATCH, "a batch before EOF");
  is_int(b->nrows, 2, "complete lines of the pipe so far");
  is_str(b->origin, "<stdin>", "batch origin <stdin>");
  put_str(fds[1], "\"3\"}\n{\"a\":\"4\"}\n");
  close(fds[1]);
  st = rt_reader_next(r, b, &re, &err);
  while (st == RT_READ_BATCH) st = rt_reader_next(r, b, &re, &err);
  is_int(st, RT_READ_EOF, "EOF after the writer closed");
  is_int(b->nrows, 4, "the rest of the rows");
  is_str(S(b, 0, 2), "3", "line completed by the second write");
  is_int(b->lines[3], 4, "line of the last row");
  alarm(0);
  rt_batch_release(b);
  rt_reader_close(r);
  dup2(saved, 0);
  close(saved);
}

/* Written by the JSON-lines writer, read back: the same values, bit for bit. */
static void test_round_trip(void) {
  pipe_batch *b = rt_batch_new(&all, 8);
  static const char *strs[] = {"plain", "", "tab\tquote\"back\\slash\nnl\r\x01",
                               "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac", "x"};
  static const double fs[] = {0.1, -0.0, 1e300, 5e-324, 123456789012345680.0};
  for (int64_t i = 0; i < 5; i++) {
    pipe_column *c = b->cols;
    rt_bool_set(&c[0], i, i & 1);
    rt_set_valid(&c[0], i, i != 2);
    ((int64_t *)c[1].values)[i] = i == 3 ? INT64_MIN : i * 1000 - 7;
    rt_set_valid(&c[1], i, i != 4);
    ((double *)c[2].values)[i] = fs[i];
    rt_set_valid(&c[2], i, 1);
    rt_str_append(&c[3], i, strs[i], (int64_t)strlen(strs[i]));
    rt_set_valid(&c[3], i, i != 1);
    ((int64_t *)c[4].values)[i] = 1767605460123456LL + i * 500000;
    rt_set_valid(&c[4], i, 1);
    ((int64_t *)c[5].values)[i] = i == 0 ? -90000000LL : i * 250000;
    rt_set_valid(&c[5], i, 1);
    rt_str_append(&c[6], i, strs[4 - i], (int64_t)strlen(strs[4 - i]));
    b->nrows = i + 1;
  }
  rt_buf out = {0};
  rt_jsonl_put_rows(&out, b, &all);
  const char *p = put_file(out.p, out.len);
  rt_ioerr err;
  pipe_batch *back = read_all(p, &all, NULL, 8, &err);
  is_int(back->nrows, 5, "round trip: five rows");
  is_int(nerrs, 0, "round trip: no errors");
  rt_buf again = {0};
  rt_jsonl_put_rows(&again, back, &all);
  ok(again.len == out.len && memcmp(again.p, out.p, out.len) == 0,
     "round trip: written again identically");
  int same = 1;
  for (int64_t i = 0; i < 5; i++)
    for (int c = 0; c < 7; c++) {
      const pipe_column *x = &b->cols[c], *y = &back->cols[c];
      if (rt_is_null(x, i) != rt_is_null(y, i)) same = 0;
      if (rt_is_null(x, i)) continue;
      if (all_f[c].type == PIPE_T_STRING) {
        pipe_str u = rt_str_at(x, i), v = rt_str_at(y, i);
        same &= u.len == v.len && memcmp(u.ptr, v.ptr, (size_t)u.len) == 0;
      } else if (all_f[c].type == PIPE_T_BOOL) {
        same &= rt_bool_get(x, i) == rt_bool_get(y, i);
      } else {
        same &= memcmp((const char *)x->values + 8 * i, (const char *)y->values + 8 * i, 8) == 0;
      }
    }
  ok(same, "round trip: every value the same bits");
  rt_buf_free(&out);
  rt_buf_free(&again);
  rt_batch_release(b);
  rt_batch_release(back);
}

int main(void) {
  if (!mkdtemp(tmpdir)) return 1;
  signal(SIGPIPE, SIG_IGN);
  test_types();
  test_escapes_unknown();
  test_line_ends();
  test_row_errors();
  test_bool_bits();
  test_projection();
  test_big();
  test_small_reads();
  test_stream();
  test_round_trip();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) tap_diag("could not remove %s", tmpdir);
  return tap_done();
}
