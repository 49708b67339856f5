/* test_rt_csv_read.c: the CSV reader: header matching, RFC 4180 scanning, typed
 * conversion and null rules, row errors, projection, large records and streaming input. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv_scan.h"
#include "rt_batch.h"
#include "rt_io.h"
#include "tap.h"

static char tmpdir[] = "/tmp/pipe_csvread_XXXXXX";
static int nfiles;

/* Writes n bytes to a fresh file and returns its path (static storage, one per call). */
static const char *put_file(const char *data, size_t n) {
  static char paths[64][128];
  char *path = paths[nfiles++ % 64];
  snprintf(path, 128, "%s/in%d.csv", tmpdir, nfiles);
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, n, f);
  fclose(f);
  return path;
}
#define FILE_OF(lit) put_file(lit, sizeof(lit) - 1)

static pipe_conn_desc csv_conn(int header, char delim) {
  pipe_conn_desc c = {PIPE_CONN_CSV, -1, "", header, delim, 1, 1};
  return c;
}

/* Row errors seen by read_all. */
typedef struct seen_err {
  int64_t line;
  int field;
  char msg[256];
  char value[64];
  char record[128];
} seen_err;
static seen_err errs[16];
static int nerrs;

/* Reads every row of path into a new batch (capacity cap); NULL if open fails. */
static pipe_batch *read_all(const char *path, pipe_conn_desc conn, const pipe_schema_desc *s,
                            const uint8_t *needed, int64_t cap, rt_ioerr *err) {
  rt_reader *r = rt_csv_open(path, &conn, s, needed, err);
  if (!r) return NULL;
  pipe_batch *b = rt_batch_new(s, cap);
  rt_rowerr re;
  nerrs = 0;
  for (;;) {
    int st = rt_reader_next(r, b, &re, err);
    if (st == RT_READ_ROWERR) {
      seen_err *e = &errs[nerrs++ % 16];
      e->line = re.line;
      e->field = re.field;
      snprintf(e->msg, sizeof e->msg, "%s", re.msg);
      snprintf(e->value, sizeof e->value, "%.*s", (int)re.value_len, re.value ? re.value : "");
      snprintf(e->record, sizeof e->record, "%.*s", (int)re.record_len, re.record);
      continue;
    }
    if (st == RT_READ_EOF || st == RT_READ_IOERR) break;
    if (b->nrows == b->cap) break;
  }
  ok(strcmp(b->origin, rt_reader_origin(r)) == 0, "batch origin is the reader's");
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

static const pipe_field_desc trade_f[] = {
    {"ts", PIPE_T_TIMESTAMP, 0}, {"symbol", PIPE_T_STRING, 0},
    {"price", PIPE_T_F64, 0},    {"qty", PIPE_T_I64, 0}};
static const pipe_schema_desc trade = {trade_f, 4, 0};

static void test_header(void) {
  rt_ioerr err;
  const char *p = FILE_OF("qty,extra,price,symbol,ts\n"
                          "3,x,1.5,AAPL,2026-01-05T09:31:00Z\n"
                          "7,y,2.25,MSFT,2026-01-05T09:31:00.5Z\n");
  pipe_batch *b = read_all(p, csv_conn(1, ','), &trade, NULL, 16, &err);
  if (!ok(b != NULL, "header in any order opens")) return;
  is_int(b->nrows, 2, "two rows");
  is_str(S(b, 1, 0), "AAPL", "symbol by name");
  is_int(I(b, 3, 1), 7, "qty by name");
  ok(F(b, 2, 1) == 2.25, "price by name");
  is_int(I(b, 0, 0), 1767605460000000LL, "timestamp parsed");
  is_int(I(b, 0, 1), 1767605460500000LL, "timestamp fraction");
  is_int(b->lines[0], 2, "first row on line 2");
  is_int(b->lines[1], 3, "second row on line 3");
  rt_batch_release(b);

  p = FILE_OF("ts,symbol,price\n2026-01-05T09:31:00Z,A,1\n");
  b = read_all(p, csv_conn(1, ','), &trade, NULL, 16, &err);
  ok(b == NULL, "missing column fails");
  char want[512];
  snprintf(want, sizeof want, "%s: missing column `qty` (header has: ts, symbol, price)", p);
  is_str(err.msg, want, "missing column message");

  p = FILE_OF("");
  b = read_all(p, csv_conn(1, ','), &trade, NULL, 16, &err);
  ok(b == NULL, "empty file fails with a header expected");
  snprintf(want, sizeof want, "%s: empty file, expected a header row", p);
  is_str(err.msg, want, "empty file message");

  p = FILE_OF("ts,symbol,price,qty,price\n");
  b = read_all(p, csv_conn(1, ','), &trade, NULL, 16, &err);
  ok(b == NULL, "duplicate header column fails");
  ok(strstr(err.msg, "duplicate column `price`") != NULL, "duplicate message: %s", err.msg);

  p = FILE_OF("ts,symbol,price,qty\n");
  b = read_all(p, csv_conn(1, ','), &trade, NULL, 16, &err);
  ok(b && b->nrows == 0, "header only: no rows");
  if (b) rt_batch_release(b);

  b = read_all("/nonexistent/x.csv", csv_conn(1, ','), &trade, NULL, 16, &err);
  ok(b == NULL && strstr(err.msg, "/nonexistent/x.csv: cannot open") == err.msg,
     "unreadable file: %s", err.msg);
}

static const pipe_field_desc two_f[] = {{"a", PIPE_T_STRING, 0}, {"b", PIPE_T_STRING, 1}};
static const pipe_schema_desc two = {two_f, 2, 0};

static void test_quotes(void) {
  rt_ioerr err;
  const char *p = FILE_OF("a,b\n"
                          "\"x,y\",\"say \"\"hi\"\"\"\n"
                          "\"multi\nline\r\ntext\",z\n"
                          "after,\"\"\n"
                          "\"\",\n"
                          "\"q\"tail,\"\"\"\"\n"
                          "mid\"quote,end\n");
  pipe_batch *b = read_all(p, csv_conn(1, ','), &two, NULL, 16, &err);
  if (!ok(b != NULL, "quoted file opens")) return;
  is_int(b->nrows, 6, "six rows");
  is_str(S(b, 0, 0), "x,y", "delimiter inside quotes");
  is_str(S(b, 1, 0), "say \"hi\"", "doubled quotes");
  ok(strcmp(S(b, 0, 1), "multi\nline\r\ntext") == 0, "line ends inside quotes kept");
  is_int(b->lines[1], 3, "record spanning lines starts on line 3");
  is_int(b->lines[2], 6, "line after an embedded newline is right");
  is_str(S(b, 1, 2), "", "quoted empty is the empty string, not null");
  is_str(S(b, 0, 3), "", "quoted empty, non-nullable");
  is_str(S(b, 1, 3), "<null>", "unquoted empty nullable string is null");
  is_str(S(b, 0, 4), "qtail", "bytes after the closing quote kept");
  is_str(S(b, 1, 4), "\"", "a field of one quote");
  is_str(S(b, 0, 5), "mid\"quote", "quote inside an unquoted field is a byte");
  is_int(b->lines[5], 9, "last line number");
  rt_batch_release(b);
}

static void test_line_ends(void) {
  rt_ioerr err;
  const char *p = FILE_OF("\xEF\xBB\xBF" "a,b\r\n1,2\r\n\"3\",\"4\"\r\n5,");
  pipe_batch *b = read_all(p, csv_conn(1, ','), &two, NULL, 16, &err);
  if (!ok(b != NULL, "BOM + CRLF file opens: %s", b ? "" : err.msg)) return;
  is_int(b->nrows, 3, "three rows, no final newline");
  is_str(S(b, 1, 0), "2", "CR stripped from last field");
  is_str(S(b, 1, 1), "4", "CR stripped after quoted field");
  is_str(S(b, 0, 2), "5", "last record without newline");
  is_str(S(b, 1, 2), "<null>", "trailing empty field at EOF");
  rt_batch_release(b);

  p = FILE_OF("a,b\n1,2\n\n3,4\n\n\n");
  b = read_all(p, csv_conn(1, ','), &two, NULL, 16, &err);
  is_int(b->nrows, 2, "empty line in the middle is a bad row, trailing ones ignored");
  is_int(nerrs, 1, "one row error");
  is_str(errs[0].msg, "expected 2 fields, found 1", "empty line message");
  is_int(errs[0].line, 3, "empty line number");
  is_int(b->lines[1], 4, "row after the empty line");
  rt_batch_release(b);

  static const pipe_field_desc one_f[] = {{"x", PIPE_T_I64, 1}};
  static const pipe_schema_desc one = {one_f, 1, 0};
  p = FILE_OF("x\n1\n\n2\n\n");
  b = read_all(p, csv_conn(1, ','), &one, NULL, 16, &err);
  /* The writer writes a one-column null as an empty line, so the last one counts too. */
  is_int(b->nrows, 4, "one column: every empty line is a null row, the last one too");
  ok(rt_is_null(&b->cols[0], 1), "empty line value is null");
  is_int(I(b, 0, 2), 2, "value after it");
  ok(rt_is_null(&b->cols[0], 3), "the trailing empty line is a null");
  rt_batch_release(b);
}

static const pipe_field_desc all_f[] = {
    {"b", PIPE_T_BOOL, 1},      {"i", PIPE_T_I64, 1},      {"f", PIPE_T_F64, 1},
    {"s", PIPE_T_STRING, 1},    {"t", PIPE_T_TIMESTAMP, 1}, {"d", PIPE_T_DURATION, 1},
    {"n", PIPE_T_STRING, 0}};
static const pipe_schema_desc all = {all_f, 7, 0};

static void test_types(void) {
  rt_ioerr err;
  const char *p = FILE_OF("b,i,f,s,t,d,n\n"
                          "true,-42,1e3,hello,1970-01-01T00:00:01Z,250ms,x\n"
                          "0,9223372036854775807,-0.5,\"\",2026-01-05T09:31:00+01:00,1h30m,\n"
                          ",,,,,,\"\"\n"
                          "\"\",\"\",\"\",\"\",\"\",\"\",y\n");
  pipe_batch *b = read_all(p, csv_conn(1, ','), &all, NULL, 16, &err);
  if (!ok(b != NULL, "all types open")) return;
  is_int(b->nrows, 4, "four rows");
  is_int(nerrs, 0, "no row errors");
  is_int(B(b, 0, 0), 1, "bool true");
  is_int(B(b, 0, 1), 0, "bool 0");
  is_int(I(b, 1, 0), -42, "i64 negative");
  is_int(I(b, 1, 1), INT64_MAX, "i64 max");
  ok(F(b, 2, 0) == 1000.0 && F(b, 2, 1) == -0.5, "f64 values");
  is_str(S(b, 3, 0), "hello", "string");
  is_str(S(b, 3, 1), "", "quoted empty nullable string is empty");
  is_int(I(b, 4, 0), 1000000, "timestamp");
  is_int(I(b, 4, 1), 1767601860000000LL, "timestamp with offset");
  is_int(I(b, 5, 0), 250000, "duration ms");
  is_int(I(b, 5, 1), 5400000000LL, "duration 1h30m");
  is_str(S(b, 6, 1), "", "unquoted empty non-nullable string is empty");
  int nulls = 0;
  for (int c = 0; c < 6; c++) nulls += rt_is_null(&b->cols[c], 2);
  is_int(nulls, 6, "unquoted empties are null");
  nulls = 0;
  for (int c = 0; c < 6; c++) nulls += rt_is_null(&b->cols[c], 3);
  is_int(nulls, 5, "quoted empties: null for non-strings, empty string for strings");
  is_str(S(b, 3, 3), "", "quoted empty string");
  ok(!rt_is_null(&b->cols[1], 0) && !rt_is_null(&b->cols[1], 1), "values are not null");
  rt_batch_release(b);
}

static const pipe_field_desc strict_f[] = {
    {"s", PIPE_T_STRING, 0}, {"b", PIPE_T_BOOL, 0},      {"i", PIPE_T_I64, 0},
    {"f", PIPE_T_F64, 0},    {"t", PIPE_T_TIMESTAMP, 0}, {"d", PIPE_T_DURATION, 0}};
static const pipe_schema_desc strict = {strict_f, 6, 0};

static void test_row_errors(void) {
  rt_ioerr err;
  const char *p = FILE_OF("s,b,i,f,t,d\n"
                          "ok1,true,1,1.5,2026-01-05T00:00:00Z,1s\n"
                          "bad,maybe,1,1,2026-01-05T00:00:00Z,1s\n"
                          "bad,true,1x,1,2026-01-05T00:00:00Z,1s\n"
                          "bad,true,1,abc,2026-01-05T00:00:00Z,1s\n"
                          "bad,true,1,1,yesterday,1s\n"
                          "bad,true,1,1,2026-01-05T00:00:00Z,5 parsecs\n"
                          "bad,true,,1,2026-01-05T00:00:00Z,1s\n"
                          "\"multi\nline\",true,1,1\n"
                          "ok2,false,2,2,2026-01-05T00:00:00Z,2s\n");
  pipe_batch *b = read_all(p, csv_conn(1, ','), &strict, NULL, 16, &err);
  if (!ok(b != NULL, "strict schema opens")) return;
  is_int(b->nrows, 2, "only the good rows are in the batch");
  is_str(S(b, 0, 0), "ok1", "first good row");
  is_str(S(b, 0, 1), "ok2", "second good row: failed rows took back their bytes");
  is_int(b->cols[0].data_len, 6, "string bytes of failed rows rolled back");
  is_int(b->lines[1], 11, "line of the row after the errors");
  is_int(nerrs, 7, "seven row errors");
  static const char *msgs[] = {"invalid bool",      "invalid i64",      "invalid f64",
                               "invalid timestamp", "invalid duration", "missing value",
                               "expected 6 fields, found 4"};
  static const char *vals[] = {"maybe", "1x", "abc", "yesterday", "5 parsecs", "", ""};
  static const int fields[] = {1, 2, 3, 4, 5, 2, -1};
  for (int k = 0; k < 7 && k < nerrs; k++) {
    is_str(errs[k].msg, msgs[k], "row error message");
    is_str(errs[k].value, vals[k], "row error value");
    is_int(errs[k].field, fields[k], "row error field");
    is_int(errs[k].line, 3 + k, "row error line");
  }
  is_str(errs[0].record, "bad,maybe,1,1,2026-01-05T00:00:00Z,1s", "raw record for dead letters");
  ok(strcmp(errs[6].record, "\"multi\nline\",true,1,1") == 0, "raw multi-line record");
  rt_batch_release(b);
}

/* Bools are stored bit-packed (Arrow): row i is bit i & 7 of values[i >> 3]. The batch
 * starts with stale all-ones bytes, as a pooled one may, and a failed row writes its
 * bools before the error, so every row's bit must be cleared as well as set. */
static int b_of(int i) { return i % 3 == 0; }
static int c_of(int i) { return i == 7 || i == 8 || i == 15 || i == 16; }

static void test_bool_bits(void) {
  static const pipe_field_desc f[] = {
      {"b", PIPE_T_BOOL, 1}, {"c", PIPE_T_BOOL, 0}, {"i", PIPE_T_I64, 0}};
  static const pipe_schema_desc s = {f, 3, 0};
  static const char *text[2][2] = {{"false", "0"}, {"true", "1"}};
  char csv[1024];
  int n = snprintf(csv, sizeof csv, "b,c,i\n");
  for (int i = 0; i < 20; i++) {
    if (i == 5) n += snprintf(csv + n, sizeof csv - (size_t)n, "true,1,bad\n");
    n += snprintf(csv + n, sizeof csv - (size_t)n, "%s,%s,%d\n",
                  i == 8 ? "" : text[b_of(i)][i % 2], text[c_of(i)][i % 2 == 0], i);
  }
  rt_ioerr err;
  pipe_conn_desc conn = csv_conn(1, ',');
  rt_reader *r = rt_csv_open(put_file(csv, (size_t)n), &conn, &s, NULL, &err);
  if (!ok(r != NULL, "bool file opens")) return;
  pipe_batch *b = rt_batch_new(&s, 20);
  memset(b->cols[0].values, 0xFF, 3);
  memset(b->cols[1].values, 0xFF, 3);
  rt_rowerr re;
  int st, rowerrs = 0;
  while ((st = rt_reader_next(r, b, &re, &err)) == RT_READ_ROWERR) rowerrs++;
  is_int(rowerrs, 1, "bools: the bad row is a row error");
  is_int(b->nrows, 20, "bools: twenty good rows");
  int right = 1;
  for (int i = 0; i < 20; i++) {
    right &= rt_is_null(&b->cols[0], i) == (i == 8);
    if (i != 8) right &= rt_bool_get(&b->cols[0], i) == b_of(i);
    right &= rt_bool_get(&b->cols[1], i) == c_of(i);
    right &= ((int64_t *)b->cols[2].values)[i] == i;
  }
  ok(right, "bools: every row's bit and null read back");
  const uint8_t *c = b->cols[1].values;
  is_int(c[0], 0x80, "bools: c byte 0 has only row 7");
  is_int(c[1], 0x81, "bools: c byte 1 has rows 8 and 15");
  is_int(c[2] & 0x0F, 0x01, "bools: c byte 2 has row 16");
  is_int(rt_bool_get(&b->cols[0], 5), 0, "bools: the failed row's true was overwritten");
  is_int(b->cols[0].validity[1] & 1, 0, "bools: row 8 null in the bitmap");
  is_int(((uint8_t *)b->cols[0].values)[1] & 1, 0, "bools: a null bool's bit is 0");
  rt_reader_close(r);
  rt_batch_release(b);
}

static void test_projection(void) {
  rt_ioerr err;
  const char *p = FILE_OF("s,b,i,f,t,d\n"
                          "a,garbage,zz,\"q,\"\"x\",never,ever\n"
                          "b,,,,,\n");
  static const uint8_t needed[] = {1, 0, 0, 0, 0, 0};
  pipe_batch *b = read_all(p, csv_conn(1, ','), &strict, needed, 16, &err);
  if (!ok(b != NULL, "projection opens")) return;
  is_int(nerrs, 0, "unneeded garbage is not an error");
  is_int(b->nrows, 2, "both rows read");
  is_str(S(b, 0, 1), "b", "needed column still read");
  is_int(I(b, 2, 0), 0, "unneeded column left zero");
  rt_batch_release(b);

  static const uint8_t need_b[] = {0, 1};
  p = FILE_OF("a,b\nskip,1\n\"sk,ip\",2\n");
  b = read_all(p, csv_conn(1, ','), &two, need_b, 16, &err);
  is_int(b->nrows, 2, "quoted unneeded field still scanned");
  is_str(S(b, 1, 1), "2", "value after a skipped quoted field");
  is_int(b->cols[0].data_len, 0, "unneeded strings are not copied");
  rt_batch_release(b);
}

static void test_no_header_delims(void) {
  rt_ioerr err;
  const char *p = FILE_OF("2026-01-05T09:31:00Z;AAPL;1.5;3\n2026-01-05T09:32:00Z;\"A;B\";2;4\n");
  pipe_batch *b = read_all(p, csv_conn(0, ';'), &trade, NULL, 16, &err);
  if (!ok(b != NULL, "header=false opens")) return;
  is_int(b->nrows, 2, "no header: every line is a row");
  is_int(b->lines[0], 1, "first row on line 1");
  is_str(S(b, 1, 1), "A;B", "semicolon delimiter, quoted");
  is_int(I(b, 3, 1), 4, "fields by position");
  rt_batch_release(b);

  p = FILE_OF("symbol\tqty\tts\tprice\nX,Y\t5\t2026-01-05T09:31:00Z\t0.25\n");
  b = read_all(p, csv_conn(1, '\t'), &trade, NULL, 16, &err);
  if (!ok(b != NULL, "tab delimiter opens")) return;
  is_str(S(b, 1, 0), "X,Y", "comma is plain text with a tab delimiter");
  ok(F(b, 2, 0) == 0.25, "tab price");
  rt_batch_release(b);

  p = FILE_OF("");
  b = read_all(p, csv_conn(0, ','), &trade, NULL, 16, &err);
  ok(b && b->nrows == 0, "empty file without header: no rows");
  if (b) rt_batch_release(b);
}

static void test_big_record(void) {
  size_t big = 3u << 20;
  size_t n = big + 64;
  char *data = malloc(n * 2);
  size_t len = (size_t)sprintf(data, "a,b\nfirst,\"");
  memset(data + len, 'x', big);
  data[len + 100] = '\n';
  data[len + 200] = '"';
  data[len + 201] = '"';
  len += big;
  len += (size_t)sprintf(data + len, "\"\nlast,1\n");
  const char *p = put_file(data, len);
  rt_ioerr err;
  pipe_batch *b = read_all(p, csv_conn(1, ','), &two, NULL, 16, &err);
  if (ok(b != NULL, "big file opens")) {
    is_int(b->nrows, 2, "big record read");
    pipe_str s = rt_str_at(&b->cols[1], 0);
    is_int(s.len, big - 1, "3 MiB field (one doubled quote)");
    is_str(S(b, 0, 1), "last", "row after the big record");
    is_int(b->lines[1], 4, "line after the big record");
    rt_batch_release(b);
  }
  free(data);
}

/* Many rows across several reader blocks and batches. */
static void test_many_rows(void) {
  size_t cap = 12u << 20, len = 0;
  char *data = malloc(cap);
  len += (size_t)sprintf(data, "a,b\n");
  int rows = 300000;
  for (int i = 0; i < rows; i++) len += (size_t)sprintf(data + len, "r%d,\"v%d\"\n", i, i);
  const char *p = put_file(data, len);
  free(data);
  pipe_conn_desc conn = csv_conn(1, ',');
  rt_ioerr err;
  rt_rowerr re;
  rt_reader *r = rt_csv_open(p, &conn, &two, NULL, &err);
  pipe_batch *b = rt_batch_new(&two, RT_BATCH_ROWS);
  int64_t total = 0, bad = 0, batches = 0;
  for (;;) {
    b->nrows = 0;
    b->cols[0].data_len = b->cols[1].data_len = 0;
    int st = rt_reader_next(r, b, &re, &err);
    for (int64_t i = 0; i < b->nrows; i++) {
      char want[32];
      snprintf(want, sizeof want, "v%lld", (long long)(total + i));
      if (strcmp(S(b, 1, i), want) != 0 || b->lines[i] != total + i + 2) bad++;
    }
    total += b->nrows;
    batches++;
    if (st != RT_READ_BATCH) break;
  }
  is_int(total, rows, "every row read across blocks");
  is_int(bad, 0, "values and lines right across blocks");
  ok(batches >= rows / RT_BATCH_ROWS, "full batches");
  rt_batch_release(b);
  rt_reader_close(r);
}

/* Rows (line and JSON text) and row errors of a file, as one string. */
static char *digest(const char *path, const pipe_schema_desc *s) {
  rt_ioerr err;
  rt_buf d = {0};
  pipe_batch *b = read_all(path, csv_conn(1, ','), s, NULL, 64, &err);
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

/* Tiny buffers and one-byte reads cut records everywhere: same rows, lines and errors. */
static void test_small_reads(void) {
  const char *p = FILE_OF("\xEF\xBB\xBF" "a,b\r\n"
                          "\"x,y\",\"say \"\"hi\"\"\"\n"
                          "\"multi\nline\r\ntext\",z\n"
                          "after,\"\"\r\n"
                          "one\n"
                          "\n"
                          "\"\",\n"
                          "\"q\"tail,\"\"\"\"\n"
                          "0123456789012345678901234567890123456789,0123456789012345678901234567\n"
                          "last,\"field\"");
  char *want = digest(p, &two);
  static const size_t blocks[] = {16, 16, 17, 64, 16};
  static const size_t reads[] = {1, 2, 3, 7, 0};
  int same = 1;
  for (int k = 0; k < 5; k++) {
    rt_csv_block = blocks[k];
    rt_csv_max_read = reads[k];
    char *got = digest(p, &two);
    if (strcmp(got, want) != 0) {
      same = 0;
      tap_diag("block %zu read %zu:\n%s\nwant:\n%s", blocks[k], reads[k], got, want);
    }
    free(got);
  }
  rt_csv_block = 1u << 20;
  rt_csv_max_read = 0;
  ok(same, "small buffers and reads give the same rows, lines and errors");
  ok(strstr(want, "12 {\"a\":\"last\",\"b\":\"field\"}") != NULL, "digest has the last row");
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
  put_str(fds[1], "a,b\n1,2\n3,4\n5,");
  pipe_conn_desc conn = csv_conn(1, ',');
  rt_ioerr err;
  rt_rowerr re;
  rt_reader *r = rt_csv_open("-", &conn, &two, NULL, &err);
  if (!ok(r != NULL, "stdin reader opens")) return;
  is_str(rt_reader_origin(r), "<stdin>", "stdin origin");
  pipe_batch *b = rt_batch_new(&two, 64);
  int st = rt_reader_next(r, b, &re, &err);
  is_int(st, RT_READ_BATCH, "a batch before EOF");
  is_int(b->nrows, 2, "complete records of the pipe so far");
  is_str(b->origin, "<stdin>", "batch origin <stdin>");
  put_str(fds[1], "6\n7,8\n");
  close(fds[1]);
  st = rt_reader_next(r, b, &re, &err);
  while (st == RT_READ_BATCH) st = rt_reader_next(r, b, &re, &err);
  is_int(st, RT_READ_EOF, "EOF after the writer closed");
  is_int(b->nrows, 4, "the rest of the rows");
  is_str(S(b, 1, 2), "6", "record completed by the second write");
  is_int(b->lines[3], 5, "line of the last record");
  alarm(0);
  rt_batch_release(b);
  rt_reader_close(r);
  dup2(saved, 0);
  close(saved);
}

int main(void) {
  if (!mkdtemp(tmpdir)) return 1;
  signal(SIGPIPE, SIG_IGN);
  test_header();
  test_quotes();
  test_line_ends();
  test_types();
  test_row_errors();
  test_bool_bits();
  test_projection();
  test_no_header_delims();
  test_big_record();
  test_many_rows();
  test_small_reads();
  test_stream();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) tap_diag("could not remove %s", tmpdir);
  return tap_done();
}
