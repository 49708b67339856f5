/* test_rt_json.c: JSON text: string escapes, invalid UTF-8, rows (rt_buf_json_row) and
 * the JSON-lines writer; also the rt_buf basics they stand on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_batch.h"
#include "rt_io.h"
#include "tap.h"

static const char *json(const char *s, size_t n) {
  static rt_buf b;
  b.len = 0;
  rt_buf_json_str(&b, s, n);
  rt_buf_putc(&b, 0);
  return b.p;
}
#define J(lit) json(lit, sizeof(lit) - 1)

static void test_strings(void) {
  is_str(J("plain"), "\"plain\"", "plain");
  is_str(J(""), "\"\"", "empty");
  is_str(J("a\"b\\c"), "\"a\\\"b\\\\c\"", "quote and backslash");
  is_str(J("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"", "short escapes");
  is_str(J("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"", "control chars as \\u00XX");
  is_str(J("nul\0byte"), "\"nul\\u0000byte\"", "NUL byte");
  is_str(J("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"",
         "valid UTF-8 kept");
  is_str(J("a\xFFz"), "\"a\xEF\xBF\xBDz\"", "invalid byte replaced");
  is_str(J("\xC0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"", "overlong form replaced byte by byte");
  is_str(J("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"", "surrogate replaced");
  is_str(J("end\xE2\x82"), "\"end\xEF\xBF\xBD\xEF\xBF\xBD\"", "truncated sequence replaced");
  is_str(J("\xF4\x90\x80\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"",
         "above U+10FFFF replaced");
}

static void test_buf(void) {
  rt_buf b = {0};
  for (int i = 0; i < 1000; i++) rt_buf_printf(&b, "%d,", i);
  ok(b.len > 3000 && memcmp(b.p, "0,1,2,", 6) == 0, "printf grows the buffer");
  size_t len = b.len;
  rt_buf_printf(&b, "%s", "");
  is_int(b.len, len, "empty printf adds nothing");
  rt_buf_free(&b);
  ok(b.p == NULL && b.len == 0, "free resets");
}

static const pipe_field_desc trade_f[] = {
    {"ts", PIPE_T_TIMESTAMP, 0}, {"symbol", PIPE_T_STRING, 0}, {"price", PIPE_T_F64, 0},
    {"qty", PIPE_T_I64, 0},      {"venue", PIPE_T_STRING, 1},  {"ok", PIPE_T_BOOL, 1},
    {"lag", PIPE_T_DURATION, 1}};
static const pipe_schema_desc trade = {trade_f, 7, 0};

static pipe_batch *sample(void) {
  pipe_batch *b = rt_batch_new(&trade, 4);
  for (int r = 0; r < 3; r++) {
    ((int64_t *)b->cols[0].values)[r] = 1767605460000000LL + r * 123456;
    rt_str_append(&b->cols[1], r, r == 1 ? "A\"B\n" : "AAPL", r == 1 ? 4 : 4);
    ((double *)b->cols[2].values)[r] = r == 0 ? 1.5 : r == 1 ? INFINITY : NAN;
    ((int64_t *)b->cols[3].values)[r] = 3 - r * 5;
    rt_str_append(&b->cols[4], r, "XNYS", r == 0 ? 0 : 4);
    rt_set_valid(&b->cols[4], r, r != 0);
    rt_bool_set(&b->cols[5], r, r == 1);
    rt_set_valid(&b->cols[5], r, r != 2);
    ((int64_t *)b->cols[6].values)[r] = 5000000;
    rt_set_valid(&b->cols[6], r, r == 2);
  }
  b->nrows = 3;
  return b;
}

static const char want[] =
    "{\"ts\":\"2026-01-05T09:31:00Z\",\"symbol\":\"AAPL\",\"price\":1.5,\"qty\":3,"
    "\"venue\":null,\"ok\":false,\"lag\":null}\n"
    "{\"ts\":\"2026-01-05T09:31:00.123456Z\",\"symbol\":\"A\\\"B\\n\",\"price\":null,\"qty\":-2,"
    "\"venue\":\"XNYS\",\"ok\":true,\"lag\":null}\n"
    "{\"ts\":\"2026-01-05T09:31:00.246912Z\",\"symbol\":\"AAPL\",\"price\":null,\"qty\":-7,"
    "\"venue\":\"XNYS\",\"ok\":null,\"lag\":\"5s\"}\n";

static void test_rows(void) {
  pipe_batch *b = sample();
  rt_buf out = {0};
  rt_buf_json_row(&out, b, &trade, 0);
  rt_buf_putc(&out, 0);
  is_str(out.p,
         "{\"ts\":\"2026-01-05T09:31:00Z\",\"symbol\":\"AAPL\",\"price\":1.5,\"qty\":3,"
         "\"venue\":null,\"ok\":false,\"lag\":null}",
         "one row as a JSON object");
  rt_buf_free(&out);

  char path[] = "/tmp/pipe_json_XXXXXX";
  int fd = mkstemp(path);
  if (fd >= 0) close(fd);
  pipe_conn_desc conn = {PIPE_CONN_JSONL, -1, "", 1, ',', 1, 1};
  rt_ioerr err;
  rt_writer *w = rt_writer_open(path, &conn, &trade, &err);
  if (ok(w != NULL, "jsonl writer opens")) {
    int rc = rt_writer_write(w, b, &err);
    is_int(rc, 0, "jsonl write");
    rc = rt_writer_close(w, &err);
    is_int(rc, 0, "jsonl close");
    static char got[4096];
    FILE *f = fopen(path, "rb");
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    got[n] = 0;
    ok(strcmp(got, want) == 0, "jsonl file: no header, schema order, escapes, nulls");
    if (strcmp(got, want) != 0) tap_diag("got:\n%s", got);
  }
  unlink(path);
  rt_batch_release(b);
}

int main(void) {
  test_strings();
  test_buf();
  test_rows();
  return tap_done();
}
