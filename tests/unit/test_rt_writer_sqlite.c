/* test_rt_writer_sqlite.c: the SQLite writer and reader behind rt_writer and rt_reader.
 * The writer creates its table only with the first commit (an aborted open leaves no
 * database file), checks an existing table's columns, writes each batch as one
 * transaction (a refused row rolls back its whole batch, RT_WRITE_REFUSED, and the writer
 * goes on with the next; test_rt_delivery_sqlite.c has locks and retries) and
 * creates the table of a run without rows. The reader checks its query (one statement,
 * read-only, every field a column) at open, types values by the schema, reports bad ones
 * with the row number, field, value and the row as JSON, goes on after them, and leaves
 * fields nobody needs unconverted. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "rt_batch.h"
#include "rt_io.h"
#include "tap.h"

static char tmpdir[] = "/tmp/pipe_sqlite_XXXXXX";
static const pipe_field_desc fields[] = {
    {"id", PIPE_T_I64, 0}, {"price", PIPE_T_F64, 0}, {"name", PIPE_T_STRING, 1}, {"ok", PIPE_T_BOOL, 0}};
static const pipe_schema_desc schema = {fields, 4, 0};

static const char *at(const char *name) {
  static char path[8][256];
  static int k;
  char *p = path[k++ % 8];
  snprintf(p, 256, "%s/%s", tmpdir, name);
  return p;
}

static pipe_conn_desc table(const char *t) {
  pipe_conn_desc c = {PIPE_CONN_SQLITE, -1, "", 0, 0, 1, 1, t, NULL};
  return c;
}

static pipe_conn_desc query(const char *q) {
  pipe_conn_desc c = {PIPE_CONN_SQLITE, -1, "", 0, 0, 1, 1, NULL, q};
  return c;
}

/* Rows id = first.., price id / 2, name "r<id>" (null for odd ids), ok = id even. */
static pipe_batch *rows(int64_t n, int64_t first) {
  pipe_batch *b = rt_batch_new(&schema, n);
  for (int64_t i = 0; i < n; i++) {
    int64_t id = first + i;
    ((int64_t *)b->cols[0].values)[i] = id;
    ((double *)b->cols[1].values)[i] = (double)id / 2;
    char s[32];
    int len = snprintf(s, sizeof s, "r%lld", (long long)id);
    rt_str_append(&b->cols[2], i, s, len);
    rt_set_valid(&b->cols[2], i, id % 2 == 0);
    rt_bool_set(&b->cols[3], i, id % 2 == 0);
  }
  b->nrows = n;
  return b;
}

/* The first column of the first row of `sql` as text ("" if none). */
static const char *scalar(const char *db, const char *sql) {
  static char out[512];
  out[0] = 0;
  sqlite3 *h;
  if (sqlite3_open(db, &h) == SQLITE_OK) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
      if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(out, sizeof out, "%s", (const char *)sqlite3_column_text(st, 0));
      sqlite3_finalize(st);
    }
  }
  sqlite3_close(h);
  return out;
}

static void exec(const char *db, const char *sql) {
  sqlite3 *h;
  if (sqlite3_open(db, &h) == SQLITE_OK) sqlite3_exec(h, sql, NULL, NULL, NULL);
  sqlite3_close(h);
}

static void test_create_and_write(void) {
  const char *db = at("w.db");
  pipe_conn_desc c = table("t");
  rt_ioerr err;
  rt_writer *w = rt_writer_open(db, &c, &schema, &err);
  if (!ok(w != NULL, "open a sqlite sink on a new database")) return;
  rt_writer_abort(w);
  ok(access(db, F_OK) != 0, "an aborted open leaves no database file");

  w = rt_writer_open(db, &c, &schema, &err);
  pipe_batch *b1 = rows(3, 0), *b2 = rows(2, 3);
  int rc = rt_writer_write(w, b1, &err);
  is_int(rc, 0, "first batch");
  is_str(scalar(db, "select count(*) from t"), "3", "a batch is visible once written: it committed");
  rc = rt_writer_write(w, b2, &err);
  is_int(rc, 0, "second batch");
  rc = rt_writer_close(w, &err);
  is_int(rc, 0, "commit");
  is_str(scalar(db, "select group_concat(id || ':' || price || ':' || quote(name) || ':' || ok, ' ') from t"),
         "0:0.0:'r0':1 1:0.5:NULL:0 2:1.0:'r2':1 3:1.5:NULL:0 4:2.0:'r4':1", "values, nulls and bools");
  is_str(scalar(db, "select sql from sqlite_master where name = 't'"),
         "CREATE TABLE \"t\" (\"id\" INTEGER NOT NULL, \"price\" REAL NOT NULL, \"name\" TEXT, \"ok\" INTEGER NOT NULL)",
         "the table follows the schema");
  rt_batch_release(b1);
  rt_batch_release(b2);

  const char *empty = at("empty.db");
  w = rt_writer_open(empty, &c, &schema, &err);
  rc = rt_writer_close(w, &err);
  is_int(rc, 0, "a run without rows commits");
  is_str(scalar(empty, "select count(*) from sqlite_master where name = 't'"), "1",
         "... and still creates the table");
}

static void test_existing_table(void) {
  const char *db = at("old.db");
  exec(db, "create table t (ID integer, Name text, extra text default 'x')");
  pipe_conn_desc c = table("t");
  rt_ioerr err;
  rt_writer *w = rt_writer_open(db, &c, &schema, &err);
  ok(w == NULL, "a table without a schema column is refused at open");
  char want[400];
  snprintf(want, sizeof want, "%s: table \"t\" has no column \"price\"", db);
  is_str(err.msg, want, "... naming the column");
}

static void test_failed_batch(void) {
  const char *db = at("fail.db");
  pipe_conn_desc c = table("t");
  rt_ioerr err;
  rt_writer *w = rt_writer_open(db, &c, &schema, &err);
  pipe_batch *good = rows(2, 0), *bad = rows(3, 10);
  ((double *)bad->cols[1].values)[2] = NAN;   /* SQLite stores NaN as NULL: NOT NULL fails */
  int rc = rt_writer_write(w, good, &err);
  rc = rt_writer_write(w, bad, &err);
  is_int(rc, RT_WRITE_REFUSED, "a refused row fails the batch as refused");
  ok(strstr(err.msg, "NOT NULL constraint failed: t.price") != NULL, "message: %s", err.msg);
  is_str(scalar(db, "select group_concat(id) from t"), "0,1", "the whole batch is rolled back");
  rc = rt_writer_write(w, good, &err);
  is_int(rc, 0, "the writer goes on with the next batch");
  rc = rt_writer_close(w, &err);
  is_int(rc, 0, "and commits");
  is_str(scalar(db, "select count(*) from t"), "4", "what was committed stays, once");
  rt_batch_release(good);
  rt_batch_release(bad);
}

static void test_read(void) {
  const char *db = at("r.db");
  exec(db, "create table m (id integer, price, name text, ok integer);"
           "insert into m values (1, 2, 'a', 1), (2, 'x', 'b', 0), (3, 3.5, null, 0), (4, 4, 'd', 7)");
  pipe_conn_desc c = query("select * from m order by id");
  rt_ioerr err;
  rt_reader *r = rt_reader_open(db, &c, &schema, NULL, &err);
  if (!ok(r != NULL, "open a query source")) return;
  is_str(rt_reader_origin(r), db, "rows come from the database's path");
  pipe_batch *b = rt_batch_new(&schema, 16);
  rt_rowerr re;
  int st = rt_reader_next(r, b, &re, &err);
  is_int(st, RT_READ_ROWERR, "a TEXT where the schema has f64 is a row error");
  is_int(b->nrows, 1, "the row before it is in the batch");
  is_int(re.line, 2, "its line is the row number");
  is_int(re.field, 1, "the field");
  is_str(re.msg, "invalid f64", "the message");
  ok(re.value_len == 1 && re.value[0] == 'x', "the value");
  ok(re.record_len > 0 && strncmp(re.record, "{\"id\":2,\"price\":\"x\",\"name\":\"b\",\"ok\":0}",
                                  (size_t)re.record_len) == 0, "the row as JSON");
  st = rt_reader_next(r, b, &re, &err);
  is_int(st, RT_READ_ROWERR, "reading goes on: 7 is no bool");
  is_int(re.line, 4, "... in row 4");
  is_int(b->nrows, 2, "row 3 came before it, its INTEGER 2 ... REAL 3.5 read as f64");
  ok(rt_is_null(&b->cols[2], 1), "NULL into a nullable string is null");
  st = rt_reader_next(r, b, &re, &err);
  is_int(st, RT_READ_EOF, "then the end");
  is_int(b->lines[1], 3, "each row keeps its row number");
  rt_reader_close(r);

  uint8_t needed[] = {1, 0, 1, 1};
  r = rt_reader_open(db, &c, &schema, needed, &err);
  b->nrows = 0;
  st = rt_reader_next(r, b, &re, &err);
  is_int(st, RT_READ_ROWERR, "with price unneeded, only the bool is wrong");
  is_int(re.line, 4, "... in row 4");
  rt_reader_close(r);
  rt_batch_release(b);
}

static void test_read_errors(void) {
  const char *db = at("r.db");
  rt_ioerr err;
  char want[400];
  pipe_conn_desc c = query("select id, name from m");
  ok(rt_reader_open(db, &c, &schema, NULL, &err) == NULL, "a missing column fails at open");
  snprintf(want, sizeof want, "%s: missing column `price` (query has: id, name)", db);
  is_str(err.msg, want, "... naming it and what the query has");
  c = query("select * from m; select 1");
  ok(rt_reader_open(db, &c, &schema, NULL, &err) == NULL, "two statements are refused");
  c = query("delete from m");
  ok(rt_reader_open(db, &c, &schema, NULL, &err) == NULL, "a query that writes is refused");
  is_str(scalar(db, "select count(*) from m"), "4", "... and did not run");
  c = query("select * from nosuch");
  ok(rt_reader_open(db, &c, &schema, NULL, &err) == NULL, "SQLite's own errors come at open");
  snprintf(want, sizeof want, "%s: query: no such table: nosuch", db);
  is_str(err.msg, want, "... in its words");
  c = query("select 1");
  ok(rt_reader_open(at("none.db"), &c, &schema, NULL, &err) == NULL, "a missing database");
  ok(strstr(err.msg, "none.db: cannot open: No such file or directory") != NULL, "%s", err.msg);
  ok(access(at("none.db"), F_OK) != 0, "... is not created by reading it");
  ok(rt_reader_open("-", &c, &schema, NULL, &err) == NULL, "no database on standard input");
}

int main(void) {
  if (!mkdtemp(tmpdir)) return 1;
  test_create_and_write();
  test_existing_table();
  test_failed_batch();
  test_read();
  test_read_errors();
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) tap_diag("could not remove %s", tmpdir);
  return tap_done();
}
