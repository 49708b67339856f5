/* pg_write.c: the PostgreSQL sink, `postgres(conninfo, table = "t")`.
 *
 * Open connects and checks the table before any row: if it exists, every schema field
 * must be one of its columns (the same name, else the one column whose name matches
 * ignoring case; other columns get their defaults); if it does not, it is created from
 * the schema (bigint, double precision, text, boolean, timestamptz, interval; NOT NULL
 * for non-nullable fields) inside the first transaction, so that a run that never starts
 * leaves no table behind. Each batch is one transaction: BEGIN, COPY ... FROM STDIN in
 * text format (pg_text.c; its escapes are exact, and no value is ever SQL text), COMMIT.
 *
 * A failed batch is rolled back whole (or its connection dropped, which rolls it back)
 * and the write says what may help (rt_write_status, rt_pg_status): RT_WRITE_RETRY when
 * the cause may pass (the next write connects again if the connection was lost),
 * RT_WRITE_REFUSED when the server refused the rows themselves, RT_WRITE_FAILED, after
 * which every write fails, when it will not pass (no permission, the table gone).
 *
 * A COMMIT whose answer is lost with the connection may or may not have happened. The
 * writer keeps that transaction's id (txid_current) and asks the server (txid_status)
 * at once, and if the server is not back yet, before the next write: if the batch was
 * stored, a next write that carries the same rows (the retry of that batch) succeeds
 * without storing them again. While the server cannot tell, the write says
 * RT_WRITE_UNKNOWN: the batch may be retried (never stored twice) but not given up to a
 * dead letter, which could deliver it twice. The rows are recognised by a hash of their COPY text, not by the batch's
 * address: a retry may copy the batch.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rt_batch.h"
#include "rt_pg.h"

typedef struct pg_writer {
  rt_writer base;      /* first: a pg_writer is an rt_writer (see rt_io.h) */
  rt_pg pg;
  const pipe_schema_desc *s;
  char *table;         /* as given, for messages */
  char *copy;          /* COPY "t" ("a", ...) FROM STDIN */
  char *create;        /* CREATE TABLE text while the table is still to be made */
  rt_buf data;         /* one batch in COPY text format */
  int failed;          /* the writer broke (RT_WRITE_FAILED): every call fails with msg */
  rt_ioerr msg;
  char lost_xid[24];   /* the transaction of a COMMIT whose answer was lost, or "" */
  uint64_t lost_hash;  /* ... and the hash and length of the COPY text it sent */
  size_t lost_len;
} pg_writer;

static const rt_writer_ops pg_ops;

static void free_writer(pg_writer *w) {
  rt_pg_close(&w->pg);
  free(w->table);
  free(w->copy);
  free(w->create);
  rt_buf_free(&w->data);
  free(w);
}

rt_writer *rt_pg_writer_open(const char *path, const pipe_conn_desc *conn,
                             const pipe_schema_desc *s, rt_ioerr *err) {
  pg_writer *w = rt_xcalloc(1, sizeof *w);
  w->s = s;
  w->table = strdup(conn->table ? conn->table : "");
  if (rt_pg_connect(&w->pg, path, err) != 0) {
    free_writer(w);
    return NULL;
  }
  if (!w->table[0]) {
    rt_ioerr_set(err, "%s: a postgres sink needs a table", w->pg.name);
    free_writer(w);
    return NULL;
  }
  if (rt_pg_table_sql(&w->pg, w->table, s, &w->copy, &w->create, err) != 0) {
    free_writer(w);
    return NULL;
  }
  rt_writer_init(&w->base, &pg_ops);
  return &w->base;
}

/* Appends the rows of b to w->data in COPY text format. 0, or -1 with err filled for a
 * string PostgreSQL cannot hold. */
static int encode(pg_writer *w, const pipe_batch *b, rt_ioerr *err) {
  char tmp[PIPE_FMT_MAX];
  rt_buf *d = &w->data;
  for (int64_t r = 0; r < b->nrows; r++) {
    for (int32_t i = 0; i < w->s->nfields; i++) {
      const pipe_column *c = &b->cols[i];
      if (i) rt_buf_putc(d, '\t');
      if (rt_is_null(c, r)) {
        rt_buf_put(d, "\\N", 2);
        continue;
      }
      const int64_t *v = c->values;   /* i64, timestamp, duration */
      switch (w->s->fields[i].type) {
      case PIPE_T_I64: rt_buf_put(d, tmp, (size_t)pipe_fmt_i64(v[r], tmp)); break;
      case PIPE_T_F64: rt_pg_put_f64(d, ((const double *)c->values)[r]); break;
      case PIPE_T_BOOL: rt_buf_putc(d, rt_bool_get(c, r) ? 't' : 'f'); break;
      case PIPE_T_TIMESTAMP: rt_pg_put_ts(d, v[r]); break;
      case PIPE_T_DURATION: rt_pg_put_dur(d, v[r]); break;
      default: {
        pipe_str s = rt_str_at(c, r);
        if (rt_pg_put_str(d, s.ptr ? s.ptr : "", (size_t)s.len) == 0) break;
        rt_ioerr_set(err, "%s: %s:%lld: field `%s`: PostgreSQL text cannot hold a NUL byte",
                     w->pg.name, b->origin ? b->origin : "?",
                     (long long)(b->lines ? b->lines[r] : r + 1), w->s->fields[i].name);
        return -1;
      }
      }
    }
    rt_buf_putc(d, '\n');
  }
  return 0;
}

/* FNV-1a: tells the retry of a batch from another batch. */
static uint64_t hash(const rt_buf *b) {
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < b->len; i++) h = (h ^ (unsigned char)b->p[i]) * 1099511628211ULL;
  return h;
}

/* Runs sql: RT_WRITE_OK with the result in *out (if out is not NULL), or the status of
 * the failure with err filled. */
static int run(pg_writer *w, const char *sql, ExecStatusType want, const char *what,
               rt_ioerr *err, PGresult **out) {
  PGresult *r = PQexec(w->pg.conn, sql);
  if (r && PQresultStatus(r) == want) {
    if (out) *out = r;
    else PQclear(r);
    return RT_WRITE_OK;
  }
  int st = rt_pg_status(&w->pg, r);
  rt_pg_err(err, &w->pg, what, r);
  PQclear(r);
  return st;
}

/* Ends a failed transaction: ROLLBACK, or if that cannot be done, drops the connection
 * (the server then rolls back; the next write connects again). Returns status. */
static int rollback(pg_writer *w, int status) {
  if (w->pg.conn && PQstatus(w->pg.conn) == CONNECTION_OK) {
    PGresult *r = PQexec(w->pg.conn, "ROLLBACK");
    int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (ok) return status;
  }
  if (w->pg.conn) PQfinish(w->pg.conn);
  w->pg.conn = NULL;
  return status;
}

/* Inside the open transaction: COPY w->data. RT_WRITE_OK, or the failure's status. */
static int copy_rows(pg_writer *w, rt_ioerr *err) {
  PGconn *conn = w->pg.conn;
  int st = run(w, w->copy, PGRES_COPY_IN, "cannot write", err, NULL);
  if (st != RT_WRITE_OK) return st;
  int sent = 1;
  for (size_t at = 0; sent && at < w->data.len; at += 1 << 20) {
    size_t n = w->data.len - at < (1 << 20) ? w->data.len - at : 1 << 20;
    sent = PQputCopyData(conn, w->data.p + at, (int)n) == 1;
  }
  sent = PQputCopyEnd(conn, sent ? NULL : "pipe: the data could not be sent") == 1 && sent;
  PGresult *r = PQgetResult(conn);
  if (!sent || !r || PQresultStatus(r) != PGRES_COMMAND_OK) {
    st = rt_pg_status(&w->pg, r);
    rt_pg_err(err, &w->pg, "cannot write", r);
    if (st == RT_WRITE_OK) st = RT_WRITE_RETRY;
  }
  PQclear(r);
  while ((r = PQgetResult(conn))) PQclear(r);
  return st;
}

/* Whether the transaction of the lost COMMIT committed: 1 yes, 0 no, -1 not known yet
 * (err filled: no connection, or the server cannot tell). */
static int lost_status(pg_writer *w, rt_ioerr *err) {
  if (rt_pg_reconnect(&w->pg, err) != 0) return -1;
  const char *params[1] = {w->lost_xid};
  for (int tries = 0; tries < 500; tries++) {
    PGresult *r = PQexecParams(w->pg.conn, "SELECT pg_catalog.txid_status($1::bigint)", 1,
                               NULL, params, NULL, NULL, 0);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
      rt_pg_err(err, &w->pg, "cannot learn whether the last batch was committed", r);
      PQclear(r);
      return -1;
    }
    const char *st = PQgetisnull(r, 0, 0) ? "unknown" : PQgetvalue(r, 0, 0);
    int out = strcmp(st, "committed") == 0 ? 1 : strcmp(st, "aborted") == 0 ? 0 : -1;
    int busy = strcmp(st, "in progress") == 0;
    PQclear(r);
    if (!busy) {
      if (out < 0)
        rt_ioerr_set(err, "%s: the server cannot tell whether the last batch was committed",
                     w->pg.name);
      return out;
    }
    usleep(10000);   /* the old session is still finishing that COMMIT */
  }
  rt_ioerr_set(err, "%s: the last batch's COMMIT is still in progress", w->pg.name);
  return -1;
}

/* COMMIT. When its answer is lost with the connection, remembers the transaction and
 * asks the server at once; if it cannot tell yet, the next write asks again. */
static int commit(pg_writer *w, const char *xid, rt_ioerr *err) {
  PGresult *r = PQexec(w->pg.conn, "COMMIT");
  if (r && PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0) {
    PQclear(r);
    return RT_WRITE_OK;
  }
  int st = rt_pg_status(&w->pg, r), gone = rt_pg_gone(&w->pg, r);
  rt_pg_err(err, &w->pg, "cannot commit", r);
  PQclear(r);
  /* An error on a live connection (a deferred constraint, a serialization failure)
   * rolled the transaction back. A connection that went, even with a FATAL error, may
   * have gone after the commit record was written. */
  if (!gone) return rollback(w, st);
  PQfinish(w->pg.conn);
  w->pg.conn = NULL;
  snprintf(w->lost_xid, sizeof w->lost_xid, "%s", xid);
  w->lost_hash = hash(&w->data);
  w->lost_len = w->data.len;
  rt_ioerr later;
  int known = lost_status(w, &later);
  if (known >= 0) w->lost_xid[0] = 0;
  if (known == 1) return RT_WRITE_OK;
  if (known < 0) {
    size_t len = strlen(err->msg);
    snprintf(err->msg + len, sizeof err->msg - len, "; whether the batch was stored is "
             "checked before it is written again");
    return RT_WRITE_UNKNOWN;
  }
  return RT_WRITE_RETRY;
}

/* One transaction: the table if still missing, the rows in w->data (none: rows == 0).
 * RT_WRITE_OK, or the failure's status with err filled. */
static int transaction(pg_writer *w, int rows, rt_ioerr *err) {
  if (rt_pg_reconnect(&w->pg, err) != 0) return RT_WRITE_RETRY;
  PGresult *x = NULL;
  int st = run(w, "BEGIN; SELECT pg_catalog.txid_current()", PGRES_TUPLES_OK,
               "cannot begin a transaction", err, &x);
  if (st != RT_WRITE_OK) return rollback(w, st);
  char xid[24];
  snprintf(xid, sizeof xid, "%s", PQgetvalue(x, 0, 0));
  PQclear(x);
  if (w->base.wait_ms > 0) {   /* a lock is waited for by the sink's retries */
    char sql[64];
    snprintf(sql, sizeof sql, "SET LOCAL lock_timeout = %lld", (long long)w->base.wait_ms);
    st = run(w, sql, PGRES_COMMAND_OK, "cannot begin a transaction", err, NULL);
  }
  if (st == RT_WRITE_OK && w->create)
    st = run(w, w->create, PGRES_COMMAND_OK, "cannot create the table", err, NULL);
  if (st == RT_WRITE_OK && rows) st = copy_rows(w, err);
  if (st != RT_WRITE_OK) return rollback(w, st);
  st = commit(w, xid, err);
  if (st == RT_WRITE_OK) {
    free(w->create);
    w->create = NULL;
  }
  return st;
}

static int pg_write(rt_writer *base, const pipe_batch *b, rt_ioerr *err) {
  pg_writer *w = (pg_writer *)base;
  int st = RT_WRITE_OK;
  if (w->failed) {
    *err = w->msg;
    st = RT_WRITE_FAILED;
  } else if (b->nrows > 0) {
    w->data.len = 0;
    st = encode(w, b, err) != 0 ? RT_WRITE_REFUSED : RT_WRITE_OK;
  }
  if (st == RT_WRITE_OK && b->nrows > 0 && w->lost_xid[0]) {
    int known = lost_status(w, err);
    int same = hash(&w->data) == w->lost_hash && w->data.len == w->lost_len;
    if (known >= 0) w->lost_xid[0] = 0;
    if (known < 0) st = RT_WRITE_UNKNOWN;   /* still unknown: giving it up could duplicate */
    else if (known == 1 && same) return RT_WRITE_OK;   /* stored by the lost COMMIT */
  }
  if (st == RT_WRITE_OK && b->nrows > 0) st = transaction(w, 1, err);
  if (st == RT_WRITE_FAILED && !w->failed) {
    w->failed = 1;
    w->msg = *err;
  }
  if (st != RT_WRITE_OK) errno = EIO;
  return st;
}

/* Every batch is committed already; what is left is the table of a run without rows. */
static int pg_commit(rt_writer *base, rt_ioerr *err) {
  pg_writer *w = (pg_writer *)base;
  int rc = 0;
  if (w->failed) {
    *err = w->msg;
    rc = -1;
  } else if (w->create) {
    w->data.len = 0;
    rc = transaction(w, 0, err) == RT_WRITE_OK ? 0 : -1;
  }
  free_writer(w);
  return rc;
}

/* Nothing is open between writes: closing the connection discards nothing committed. */
static void pg_abort(rt_writer *base) { free_writer((pg_writer *)base); }

static const rt_writer_ops pg_ops = {pg_write, pg_commit, pg_abort};
