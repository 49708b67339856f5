/* test_rt_csv_write.c: the CSV writer: header, quoting, null versus empty string, text
 * forms of values, errors (cannot open, EPIPE), sharing across threads, and a round trip
 * through the CSV reader. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_batch.h"
#include "rt_io.h"
#include "tap.h"

static char tmpdir[] = "/tmp/pipe_csvwrite_XXXXXX";

static char *slurp(const char *path) {
  static char buf[1 << 16];
  FILE *f = fopen(path, "rb");
  size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  if (f) fclose(f);
  buf[n] = 0;
  return buf;
}

static const char *tmp_path(const char *name) {
  static char path[8][256];
  static int k;
  char *p = path[k++ % 8];
  snprintf(p, 256, "%s/%s", tmpdir, name);
  return p;
}

static void set_str(pipe_batch *b, int c, int64_t row, const char *s) {
  if (!s) {
    rt_str_append(&b->cols[c], row, "", 0);
    rt_set_valid(&b->cols[c], row, 0);
    return;
  }
  rt_str_append(&b->cols[c], row, s, (int64_t)strlen(s));
  rt_set_valid(&b->cols[c], row, 1);
}
static void set_i(pipe_batch *b, int c, int64_t row, int64_t v, int null) {
  ((int64_t *)b->cols[c].values)[row] = v;
  rt_set_valid(&b->cols[c], row, !null);
}
static void set_f(pipe_batch *b, int c, int64_t row, double v, int null) {
  ((double *)b->cols[c].values)[row] = v;
  rt_set_valid(&b->cols[c], row, !null);
}
static void set_b(pipe_batch *b, int c, int64_t row, int v, int null) {
  rt_bool_set(&b->cols[c], row, v);
  rt_set_valid(&b->cols[c], row, !null);
}

static const pipe_field_desc all_f[] = {
    {"s", PIPE_T_STRING, 1},    {"i", PIPE_T_I64, 0},       {"f", PIPE_T_F64, 1},
    {"b", PIPE_T_BOOL, 1},      {"t", PIPE_T_TIMESTAMP, 1}, {"d", PIPE_T_DURATION, 1}};
static const pipe_schema_desc all = {all_f, 6, 0};

static pipe_batch *sample(void) {
  pipe_batch *b = rt_batch_new(&all, 8);
  const char *strs[] = {"plain", "a,b", "say \"hi\"", "two\nlines", "cr\rhere", "", NULL};
  const double fs[] = {0.1, 1.5, 3.0, 1e300, -2.5e-7, 1.0 / 3.0, 0};
  for (int r = 0; r < 7; r++) {
    set_str(b, 0, r, strs[r]);
    set_i(b, 1, r, r == 1 ? -9223372036854775807LL - 1 : r * 10, 0);
    set_f(b, 2, r, fs[r], r == 6);
    set_b(b, 3, r, r & 1, r == 6);
    set_i(b, 4, r, 1767605460000000LL + r * 500000, r == 6);
    set_i(b, 5, r, r == 0 ? 0 : r == 1 ? 86400000000LL : r == 2 ? -250000 : 90000000, r == 6);
  }
  b->nrows = 7;
  return b;
}

static const char want_csv[] =
    "s,i,f,b,t,d\n"
    "plain,0,0.1,false,2026-01-05T09:31:00Z,0s\n"
    "\"a,b\",-9223372036854775808,1.5,true,2026-01-05T09:31:00.5Z,1d\n"
    "\"say \"\"hi\"\"\",20,3,false,2026-01-05T09:31:01Z,-250ms\n"
    "\"two\nlines\",30,1e+300,true,2026-01-05T09:31:01.5Z,90s\n"
    "\"cr\rhere\",40,-2.5e-07,false,2026-01-05T09:31:02Z,90s\n"
    "\"\",50,0.3333333333333333,true,2026-01-05T09:31:02.5Z,90s\n"
    ",60,,,,\n";

static void test_csv(void) {
  pipe_conn_desc conn = {PIPE_CONN_CSV, -1, "", 1, ',', 1, 1};
  rt_ioerr err;
  const char *p = tmp_path("all.csv");
  rt_writer *w = rt_writer_open(p, &conn, &all, &err);
  if (!ok(w != NULL, "writer opens")) return;
  pipe_batch *b = sample();
  int rc = rt_writer_write(w, b, &err);
  is_int(rc, 0, "write");
  rc = rt_writer_close(w, &err);
  is_int(rc, 0, "close");
  const char *got = slurp(p);
  ok(strcmp(got, want_csv) == 0, "csv text: quoting, null vs empty, text forms");
  if (strcmp(got, want_csv) != 0) tap_diag("got:\n%s", got);

  /* Round trip: read it back and compare every value. */
  pipe_conn_desc rconn = {PIPE_CONN_CSV, -1, "", 1, ',', 1, 1};
  rt_reader *r = rt_csv_open(p, &rconn, &all, NULL, &err);
  if (!ok(r != NULL, "read back opens")) return;
  pipe_batch *in = rt_batch_new(&all, 16);
  rt_rowerr re;
  int st;
  while ((st = rt_reader_next(r, in, &re, &err)) == RT_READ_BATCH) {}
  is_int(st, RT_READ_EOF, "read back to EOF");
  is_int(in->nrows, 7, "all rows back");
  int same = 1;
  for (int64_t i = 0; i < 7; i++)
    for (int c = 0; c < 6; c++) {
      pipe_column *x = &b->cols[c], *y = &in->cols[c];
      if (rt_is_null(x, i) != rt_is_null(y, i)) same = 0;
      if (rt_is_null(x, i)) continue;
      if (c == 0) {
        pipe_str u = rt_str_at(x, i), v = rt_str_at(y, i);
        if (u.len != v.len || memcmp(u.ptr, v.ptr, (size_t)u.len) != 0) same = 0;
      } else if (c == 2) {
        if (((double *)x->values)[i] != ((double *)y->values)[i]) same = 0;
      } else if (c == 3) {
        if (rt_bool_get(x, i) != rt_bool_get(y, i)) same = 0;
      } else if (((int64_t *)x->values)[i] != ((int64_t *)y->values)[i]) {
        same = 0;
      }
    }
  ok(same, "round trip gives the same values (null and empty string kept apart)");
  rt_reader_close(r);
  rt_batch_release(in);
  rt_batch_release(b);
}

static void test_options(void) {
  static const pipe_field_desc f[] = {{"a;b", PIPE_T_STRING, 0}, {"n", PIPE_T_I64, 0}};
  static const pipe_schema_desc s = {f, 2, 0};
  pipe_batch *b = rt_batch_new(&s, 4);
  set_str(b, 0, 0, "x;y");
  set_i(b, 1, 0, 1, 0);
  set_str(b, 0, 1, "p,q");
  set_i(b, 1, 1, 2, 0);
  b->nrows = 2;
  rt_ioerr err;
  pipe_conn_desc semi = {PIPE_CONN_CSV, -1, "", 1, ';', 1, 1};
  const char *p = tmp_path("semi.csv");
  rt_writer *w = rt_writer_open(p, &semi, &s, &err);
  rt_writer_write(w, b, &err);
  rt_writer_close(w, &err);
  is_str(slurp(p), "\"a;b\";n\n\"x;y\";1\np,q;2\n", "semicolon: quote the delimiter only");

  pipe_conn_desc nohdr = {PIPE_CONN_CSV, -1, "", 0, '\t', 1, 1};
  p = tmp_path("tab.csv");
  w = rt_writer_open(p, &nohdr, &s, &err);
  rt_writer_write(w, b, &err);
  rt_writer_write(w, b, &err);
  rt_writer_close(w, &err);
  is_str(slurp(p), "x;y\t1\np,q\t2\nx;y\t1\np,q\t2\n", "no header, tab delimiter, two batches");

  p = tmp_path("empty.csv");
  w = rt_writer_open(p, &semi, &s, &err);
  rt_writer_close(w, &err);
  is_str(slurp(p), "\"a;b\";n\n", "header even without rows");

  w = rt_writer_open("/nonexistent/dir/out.csv", &semi, &s, &err);
  ok(w == NULL, "cannot open fails");
  is_str(err.msg, "/nonexistent/dir/out.csv: cannot open for writing: No such file or directory",
         "cannot open message");
  rt_batch_release(b);
}

static void test_epipe(void) {
  static const pipe_field_desc f[] = {{"n", PIPE_T_I64, 0}};
  static const pipe_schema_desc s = {f, 1, 0};
  int fds[2];
  if (pipe(fds) != 0) return;
  close(fds[0]);
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fds[1]);
  pipe_conn_desc conn = {PIPE_CONN_CSV, -1, "", 1, ',', 1, 1};
  rt_ioerr err;
  rt_writer *w = rt_writer_open(path, &conn, &s, &err);
  close(fds[1]);
  if (!ok(w != NULL, "writer on a pipe opens")) return;
  pipe_batch *b = rt_batch_new(&s, 4);
  set_i(b, 0, 0, 1, 0);
  b->nrows = 1;
  errno = 0;
  int rc = rt_writer_write(w, b, &err);
  int e = errno;
  is_int(rc, -1, "write to a closed pipe fails");
  is_int(e, EPIPE, "errno is EPIPE");
  ok(strstr(err.msg, "write error") != NULL, "message: %s", err.msg);
  errno = 0;
  rc = rt_writer_close(w, &err);
  is_int(rc, -1, "close reports the failure too");
  rt_batch_release(b);
}

typedef struct job {
  rt_writer *w;
  pipe_batch *b;
} job;

static void *writer_thread(void *arg) {
  job *j = arg;
  rt_ioerr err;
  for (int i = 0; i < 200; i++) rt_writer_write(j->w, j->b, &err);
  return NULL;
}

static void test_threads(void) {
  static const pipe_field_desc f[] = {{"s", PIPE_T_STRING, 0}};
  static const pipe_schema_desc s = {f, 1, 0};
  pipe_batch *b = rt_batch_new(&s, 64);
  for (int i = 0; i < 50; i++) set_str(b, 0, i, "0123456789012345678901234567890123456789");
  b->nrows = 50;
  pipe_conn_desc conn = {PIPE_CONN_CSV, -1, "", 0, ',', 1, 1};
  rt_ioerr err;
  const char *p = tmp_path("threads.csv");
  rt_writer *w = rt_writer_open(p, &conn, &s, &err);
  pthread_t t[4];
  job j = {w, b};
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, writer_thread, &j);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  int rc = rt_writer_close(w, &err);
  is_int(rc, 0, "shared writer closes");
  FILE *in = fopen(p, "r");
  char line[128];
  int n = 0, bad = 0;
  while (fgets(line, sizeof line, in)) {
    n++;
    if (strcmp(line, "0123456789012345678901234567890123456789\n") != 0) bad++;
  }
  fclose(in);
  is_int(n, 4 * 200 * 50, "every line written once");
  is_int(bad, 0, "no interleaved lines");
  rt_batch_release(b);
}

int main(void) {
  if (!mkdtemp(tmpdir)) return 1;
  signal(SIGPIPE, SIG_IGN);
  test_csv();
  test_options();
  test_epipe();
  test_threads();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) tap_diag("could not remove %s", tmpdir);
  return tap_done();
}
