/* sqlite_write.c: the SQLite sink, `sqlite(path, table = "t")`.
 *
 * Open checks the table before any row: if it exists, every schema field must be one of
 * its columns (matched ignoring case, as SQL does; other columns get their defaults); if
 * it does not, it is created from the schema (i64, timestamp, duration: INTEGER; f64:
 * REAL; string: TEXT; bool: INTEGER 0/1; NOT NULL for non-nullable fields) inside the
 * first transaction, so that a run that never starts leaves no table (nor a new empty
 * database file) behind. Each batch is one transaction (BEGIN IMMEDIATE, a prepared
 * INSERT per row, COMMIT): a killed process leaves whole batches only, and a failed
 * batch is rolled back whole. Values are bound, never formatted into SQL; timestamps and
 * durations are integer microseconds. A run without rows still creates the table.
 *
 * A failed batch says whether it may be retried (rt_write_status): a lock or an I/O
 * error may pass (RT_WRITE_RETRY), a constraint refuses the rows themselves
 * (RT_WRITE_REFUSED); either way the transaction was rolled back and the writer goes on.
 * Anything else, or a transaction that could not be rolled back, breaks the writer.
 * Nothing can fail once COMMIT has succeeded, so a committed batch is never reported as
 * failed, and so never written twice.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_batch.h"
#include "rt_sqlite.h"

typedef struct sqlite_writer {
  rt_writer base;      /* first: a sqlite_writer is an rt_writer (see rt_io.h) */
  sqlite3 *db;
  sqlite3_stmt *ins;   /* the INSERT, prepared once the table exists */
  const pipe_schema_desc *s;
  char *path;
  char *table;
  char *create;        /* CREATE TABLE text while the table is still to be made */
  int new_file;        /* the database file did not exist before open */
  int committed;       /* a transaction went through */
  int failed;          /* the writer broke: every later call fails with `msg` */
  rt_ioerr msg;
} sqlite_writer;

static const rt_writer_ops sqlite_ops;

static const char *sql_type(int type) {
  switch (type) {
  case PIPE_T_F64: return "REAL";
  case PIPE_T_STRING: return "TEXT";
  default: return "INTEGER";   /* i64, timestamp, duration (microseconds), bool (0/1) */
  }
}

static char *create_sql(const char *table, const pipe_schema_desc *s) {
  rt_buf b = {0};
  rt_buf_printf(&b, "CREATE TABLE ");
  rt_sqlite_quote(&b, table);
  rt_buf_printf(&b, " (");
  for (int32_t i = 0; i < s->nfields; i++) {
    if (i) rt_buf_printf(&b, ", ");
    rt_sqlite_quote(&b, s->fields[i].name);
    rt_buf_printf(&b, " %s%s", sql_type(s->fields[i].type), s->fields[i].nullable ? "" : " NOT NULL");
  }
  rt_buf_printf(&b, ")");
  rt_buf_putc(&b, 0);
  return b.p;
}

static int prepare_insert(sqlite_writer *w) {
  rt_buf b = {0};
  rt_buf_printf(&b, "INSERT INTO ");
  rt_sqlite_quote(&b, w->table);
  rt_buf_printf(&b, " (");
  for (int32_t i = 0; i < w->s->nfields; i++) {
    if (i) rt_buf_printf(&b, ", ");
    rt_sqlite_quote(&b, w->s->fields[i].name);
  }
  rt_buf_printf(&b, ") VALUES (");
  for (int32_t i = 0; i < w->s->nfields; i++) rt_buf_printf(&b, i ? ", ?" : "?");
  rt_buf_printf(&b, ")");
  int rc = sqlite3_prepare_v2(w->db, b.p, (int)b.len, &w->ins, NULL);
  rt_buf_free(&b);
  return rc;
}

/* The table's columns against the schema. 0 when every field is a column or the table
 * is missing (w->create set then); -1 with err filled. */
static int check_table(sqlite_writer *w, rt_ioerr *err) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(w->db, "SELECT name FROM pragma_table_info(?1)", -1, &st, NULL) !=
      SQLITE_OK) {
    rt_sqlite_err(err, w->path, "cannot read the database", w->db);
    return -1;
  }
  sqlite3_bind_text(st, 1, w->table, -1, SQLITE_STATIC);
  uint8_t *seen = rt_xcalloc((size_t)w->s->nfields + 1, 1);
  int rc, ncols = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    ncols++;
    for (int32_t i = 0; name && i < w->s->nfields; i++)
      if (sqlite3_stricmp(name, w->s->fields[i].name) == 0) seen[i] = 1;
  }
  int out = 0;
  if (rc != SQLITE_DONE) {
    rt_sqlite_err(err, w->path, "cannot read the database", w->db);
    out = -1;
  } else if (ncols == 0) {
    w->create = create_sql(w->table, w->s);
  } else {
    for (int32_t i = 0; i < w->s->nfields && out == 0; i++)
      if (!seen[i]) {
        rt_ioerr_set(err, "%s: table \"%s\" has no column \"%s\"", w->path, w->table,
                     w->s->fields[i].name);
        out = -1;
      }
  }
  free(seen);
  sqlite3_finalize(st);
  return out;
}

static void free_writer(sqlite_writer *w) {
  sqlite3_finalize(w->ins);
  sqlite3_close(w->db);
  free(w->path);
  free(w->table);
  free(w->create);
  free(w);
}

/* Discards a database file this writer created when nothing was committed to it. */
static void drop_new_file(sqlite_writer *w) {
  struct stat st;
  if (w->new_file && !w->committed && stat(w->path, &st) == 0 && st.st_size == 0)
    unlink(w->path);
}

rt_writer *rt_sqlite_writer_open(const char *path, const pipe_conn_desc *conn,
                                 const pipe_schema_desc *s, rt_ioerr *err) {
  if (!conn->table || !conn->table[0]) {
    rt_ioerr_set(err, "%s: a sqlite sink needs a table", path);
    return NULL;
  }
  struct stat st;
  int existed = strcmp(path, "-") == 0 || stat(path, &st) == 0;
  sqlite3 *db = rt_sqlite_db_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err);
  if (!db) return NULL;
  sqlite_writer *w = rt_xcalloc(1, sizeof *w);
  w->db = db;
  w->s = s;
  w->path = strdup(path);
  w->table = strdup(conn->table);
  w->new_file = !existed;
  int rc = check_table(w, err);
  if (rc == 0 && !w->create && prepare_insert(w) != SQLITE_OK) {
    rt_sqlite_err(err, path, "cannot write", db);
    rc = -1;
  }
  if (rc != 0) {
    drop_new_file(w);
    free_writer(w);
    return NULL;
  }
  rt_writer_init(&w->base, &sqlite_ops);
  return &w->base;
}

/* Binds row r of b to the INSERT's parameters. */
static void bind_row(sqlite3_stmt *st, const pipe_batch *b, const pipe_schema_desc *s, int64_t r) {
  for (int32_t i = 0; i < s->nfields; i++) {
    const pipe_column *c = &b->cols[i];
    int k = i + 1;
    if (rt_is_null(c, r)) {
      sqlite3_bind_null(st, k);
      continue;
    }
    switch (s->fields[i].type) {
    case PIPE_T_BOOL: sqlite3_bind_int(st, k, rt_bool_get(c, r)); break;
    case PIPE_T_F64: sqlite3_bind_double(st, k, ((const double *)c->values)[r]); break;
    case PIPE_T_STRING: {
      pipe_str v = rt_str_at(c, r);   /* a NULL pointer would bind SQL NULL */
      sqlite3_bind_text64(st, k, v.ptr ? v.ptr : "", (sqlite3_uint64)v.len, SQLITE_STATIC,
                          SQLITE_UTF8);
      break;
    }
    default: sqlite3_bind_int64(st, k, ((const int64_t *)c->values)[r]); break;
    }
  }
}

/* Inside the open transaction: the table if still missing, then every row. */
static int insert_rows(sqlite_writer *w, const pipe_batch *b, const char **what) {
  if (w->create) {
    *what = "cannot create the table";
    if (rt_sqlite_exec(w->db, w->create) != SQLITE_OK) return -1;
    *what = "cannot write";
    if (!w->ins && prepare_insert(w) != SQLITE_OK) return -1;
  }
  *what = "cannot write";
  for (int64_t r = 0; b && r < b->nrows; r++) {
    bind_row(w->ins, b, w->s, r);
    int rc = sqlite3_step(w->ins);
    sqlite3_reset(w->ins);
    if (rc != SQLITE_DONE) return -1;
  }
  return 0;
}

/* What a failed statement's primary result code says about its batch. */
static int status_of(int code) {
  switch (code & 0xff) {
  case SQLITE_BUSY: case SQLITE_LOCKED: case SQLITE_IOERR: case SQLITE_FULL:
  case SQLITE_CANTOPEN: case SQLITE_PROTOCOL: case SQLITE_NOMEM:
    return RT_WRITE_RETRY;
  case SQLITE_CONSTRAINT: case SQLITE_MISMATCH: case SQLITE_TOOBIG: case SQLITE_RANGE:
    return RT_WRITE_REFUSED;
  default:
    return RT_WRITE_FAILED;
  }
}

/* A transaction failed at `what`: rolled back whole (SQLite may have done it already). */
static int failure(sqlite_writer *w, const char *what, rt_ioerr *err) {
  int status = status_of(sqlite3_errcode(w->db));
  rt_sqlite_err(err, w->path, what, w->db);   /* before ROLLBACK replaces the message */
  if (!sqlite3_get_autocommit(w->db)) rt_sqlite_exec(w->db, "ROLLBACK");
  if (!sqlite3_get_autocommit(w->db)) status = RT_WRITE_FAILED;   /* still open: broken */
  if (w->create) {   /* the table went with the transaction: its INSERT is made anew */
    sqlite3_finalize(w->ins);
    w->ins = NULL;
  }
  if (status == RT_WRITE_FAILED) {
    w->failed = 1;
    w->msg = *err;
  }
  return status;
}

/* One transaction: BEGIN IMMEDIATE, the rows of b (NULL: none), COMMIT. */
static int transaction(sqlite_writer *w, const pipe_batch *b, rt_ioerr *err) {
  if (w->base.wait_ms > 0)
    sqlite3_busy_timeout(w->db, (int)(w->base.wait_ms < RT_SQLITE_BUSY_MS ? w->base.wait_ms
                                                                         : RT_SQLITE_BUSY_MS));
  const char *what = "cannot begin a transaction";
  int ok = rt_sqlite_exec(w->db, "BEGIN IMMEDIATE") == SQLITE_OK && insert_rows(w, b, &what) == 0;
  if (ok) {
    what = "cannot commit";
    ok = rt_sqlite_exec(w->db, "COMMIT") == SQLITE_OK;
  }
  if (!ok) return failure(w, what, err);
  w->committed = 1;
  free(w->create);
  w->create = NULL;
  return 0;
}

static int sqlite_write(rt_writer *base, const pipe_batch *b, rt_ioerr *err) {
  sqlite_writer *w = (sqlite_writer *)base;
  if (w->failed) {
    rt_ioerr_set(err, "%s", w->msg.msg);
    return RT_WRITE_FAILED;
  }
  if (b->nrows == 0) return 0;
  return transaction(w, b, err);
}

static void sqlite_abort(rt_writer *base) {
  sqlite_writer *w = (sqlite_writer *)base;
  if (!sqlite3_get_autocommit(w->db)) rt_sqlite_exec(w->db, "ROLLBACK");
  sqlite3_finalize(w->ins);
  w->ins = NULL;
  sqlite3_close(w->db);
  w->db = NULL;
  drop_new_file(w);
  free_writer(w);
}

/* Every batch is committed already; what is left is the table of a run without rows. */
static int sqlite_commit(rt_writer *base, rt_ioerr *err) {
  sqlite_writer *w = (sqlite_writer *)base;
  int rc = 0;
  if (w->failed) {
    rt_ioerr_set(err, "%s", w->msg.msg);
    rc = -1;
  } else if (w->create) {
    rc = transaction(w, NULL, err) == 0 ? 0 : -1;
  }
  free_writer(w);
  return rc;
}

static const rt_writer_ops sqlite_ops = {sqlite_write, sqlite_commit, sqlite_abort};
