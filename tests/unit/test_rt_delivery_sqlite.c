/* test_rt_delivery_sqlite.c: what the SQLite writer tells a retrying sink. Another
 * connection's lock makes a write fail with RT_WRITE_RETRY after the writer's wait_ms,
 * with nothing of the batch in the table, and the same batch written again afterwards
 * lands once: at BEGIN (another writer), at COMMIT (a reader holding its snapshot: the
 * rows were inserted, the commit could not happen, the transaction is rolled back) and
 * in the first transaction, which also creates the table. A constraint gives
 * RT_WRITE_REFUSED and the writer goes on. Nothing is reported failed once COMMIT went
 * through, so a retried batch is never in the table twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "rt_batch.h"
#include "rt_io.h"
#include "tap.h"

/* tap.h's is_int evaluates its argument twice: calls with effects go through this. */
#define is_call(expr, want, name) \
  do { \
    long long got_ = (expr); \
    is_int(got_, want, name); \
  } while (0)

static char tmpdir[] = "/tmp/pipe_dsqlite_XXXXXX";
static const pipe_field_desc fields[] = {{"n", PIPE_T_I64, 0}};
static const pipe_schema_desc schema = {fields, 1, 0};

static const char *at(const char *name) {
  static char path[4][256];
  static int k;
  char *p = path[k++ % 4];
  snprintf(p, 256, "%s/%s", tmpdir, name);
  return p;
}

static pipe_batch *rows(int64_t first, int64_t n) {
  pipe_batch *b = rt_batch_new(&schema, n);
  for (int64_t i = 0; i < n; i++) ((int64_t *)b->cols[0].values)[i] = first + i;
  b->nrows = n;
  return b;
}

static sqlite3 *db_open(const char *path) {
  sqlite3 *db = NULL;
  sqlite3_open(path, &db);
  return db;
}

/* "count distinct min max" of column n of table t. */
static const char *summary(const char *path) {
  static char out[128];
  sqlite3 *db = db_open(path);
  sqlite3_stmt *st = NULL;
  snprintf(out, sizeof out, "(no table)");
  if (sqlite3_prepare_v2(db, "select count(*), count(distinct n), min(n), max(n) from t", -1,
                         &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    snprintf(out, sizeof out, "%d %d %d %d", sqlite3_column_int(st, 0), sqlite3_column_int(st, 1),
             sqlite3_column_int(st, 2), sqlite3_column_int(st, 3));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

static rt_writer *writer(const char *path) {
  pipe_conn_desc c = {PIPE_CONN_SQLITE, -1, "", 0, 0, 1, 1, "t", NULL};
  rt_ioerr err;
  rt_writer *w = rt_writer_open(path, &c, &schema, &err);
  if (!w) tap_diag("open: %s", err.msg);
  else w->wait_ms = 20;   /* as a sink with retry(backoff = 20ms..) sets it */
  return w;
}

/* Another connection holds `lock` (BEGIN IMMEDIATE: a writer; a SELECT in progress: a
 * reader) while the writer tries; then lets go and the writer tries again. */
static void locked_then_free(const char *name, const char *lock, const char *what) {
  const char *path = at(name);
  sqlite3 *other = db_open(path);
  sqlite3_exec(other, "create table if not exists t (n integer not null)", 0, 0, 0);
  rt_writer *w = writer(path);
  if (!ok(w != NULL, "%s: open", what)) return;
  sqlite3_stmt *rd = NULL;
  if (strcmp(lock, "reader") == 0) {   /* an open read transaction: a SHARED lock */
    sqlite3_exec(other, "begin", 0, 0, 0);
    sqlite3_prepare_v2(other, "select count(*) from t", -1, &rd, NULL);
    sqlite3_step(rd);
  } else {
    sqlite3_exec(other, lock, 0, 0, 0);
  }
  pipe_batch *b = rows(1, 100);
  rt_ioerr err;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int rc = rt_writer_write(w, b, &err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  is_int(rc, RT_WRITE_RETRY, what);
  ok(strstr(err.msg, "database is locked") != NULL, "... because the database is locked: %s",
     err.msg);
  ok(ms < 2000, "... after the writer's wait_ms, not SQLite's 10 s (%.0f ms)", ms);
  sqlite3_finalize(rd);
  sqlite3_exec(other, "rollback", 0, 0, 0);   /* lets go, whichever lock it held */
  is_str(summary(path), "0 0 0 0", "... nothing of the batch is in the table");
  rc = rt_writer_write(w, b, &err);
  is_int(rc, 0, "the same batch written again goes through");
  rc = rt_writer_close(w, &err);
  is_int(rc, 0, "... and the writer commits");
  is_str(summary(path), "100 100 1 100", "... every row is in the table once");
  sqlite3_close(other);
  rt_batch_release(b);
}

/* The first transaction also creates the table: a retry creates it again. */
static void test_create_retried(void) {
  const char *path = at("new.db");
  sqlite3 *other = db_open(path);
  sqlite3_exec(other, "begin immediate", 0, 0, 0);
  rt_writer *w = writer(path);
  if (!ok(w != NULL, "open a database whose table is still to be made")) return;
  pipe_batch *b = rows(1, 10);
  rt_ioerr err;
  is_call(rt_writer_write(w, b, &err), RT_WRITE_RETRY, "a locked database: retry");
  sqlite3_exec(other, "rollback", 0, 0, 0);
  is_str(summary(path), "(no table)", "... the table went with the transaction");
  is_call(rt_writer_write(w, b, &err), 0, "the retry creates the table and writes");
  is_call(rt_writer_close(w, &err), 0, "commit");
  is_str(summary(path), "10 10 1 10", "every row once");
  sqlite3_close(other);
  rt_batch_release(b);
}

static void test_refused(void) {
  const char *path = at("check.db");
  sqlite3 *other = db_open(path);
  sqlite3_exec(other, "create table t (n integer check (n < 100))", 0, 0, 0);
  rt_writer *w = writer(path);
  if (!w) return;
  pipe_batch *bad = rows(95, 10), *good = rows(1, 5);
  rt_ioerr err;
  int rc = rt_writer_write(w, bad, &err);
  is_int(rc, RT_WRITE_REFUSED, "a CHECK constraint refuses the batch");
  ok(strstr(err.msg, "CHECK constraint failed") != NULL, "... saying so: %s", err.msg);
  rc = rt_writer_write(w, good, &err);
  is_int(rc, 0, "the writer goes on");
  rt_writer_close(w, &err);
  is_str(summary(path), "5 5 1 5", "only the good batch is in the table");
  sqlite3_close(other);
  rt_batch_release(bad);
  rt_batch_release(good);
}

int main(void) {
  if (!mkdtemp(tmpdir)) return 1;
  locked_then_free("writer.db", "begin immediate", "another writer's lock: RT_WRITE_RETRY");
  locked_then_free("reader.db", "reader", "a reader blocking the COMMIT: RT_WRITE_RETRY");
  test_create_retried();
  test_refused();
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
  if (system(cmd) != 0) tap_diag("cannot remove %s", tmpdir);
  return tap_done();
}
