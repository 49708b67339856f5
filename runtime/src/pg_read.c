/* pg_read.c: the PostgreSQL source, `postgres(conninfo, query = "select ...")`.
 *
 * Open connects, begins a READ ONLY transaction (REPEATABLE READ: one snapshot for the
 * whole run) and declares a cursor for the query through the extended protocol, which
 * takes exactly one statement; then it describes the cursor, so that a query the server
 * rejects, one that writes, or a schema field the result lacks stops the program before
 * any row is read (result columns are matched to fields by name, the same or else the one
 * that matches ignoring case; others are ignored). Rows come with FETCH, one batch's worth
 * at a time, so memory stays bounded on any result.
 *
 * Values arrive in PostgreSQL's text forms and are typed by the schema (pg_text.c): what
 * a CSV field of that type would read, and also `t`/`f` for bool, the server's timestamp
 * and date forms for timestamp, intervals for duration, and integer columns as
 * microseconds for timestamp and duration. Anything else is a row error whose origin is
 * `query` and whose line is the row's number in the result; the raw record of a dead
 * letter is the result row as a JSON object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rt_batch.h"
#include "rt_pg.h"

#define CURSOR "pipe_rows"

typedef struct pg_reader {
  rt_reader base;      /* first: a pg_reader is an rt_reader (see rt_io.h) */
  rt_pg pg;
  const pipe_schema_desc *s;
  uint8_t *needed;     /* [nfields] */
  int *col;            /* [nfields] result column of each field */
  PGresult *res;       /* the rows of the last FETCH */
  int at;              /* the next of them */
  int64_t row;         /* result rows read so far: the line of the current one */
  int done;
  rt_buf rec;          /* the failing row as JSON, until the next call */
} pg_reader;

static const rt_reader_ops pg_read_ops;

static void reader_free(pg_reader *r) {
  PQclear(r->res);
  rt_pg_close(&r->pg);
  free(r->needed);
  free(r->col);
  rt_buf_free(&r->rec);
  free(r);
}

static void pg_close(rt_reader *base) { reader_free((pg_reader *)base); }

/* "NAME: missing column `qty` (query has: ts, symbol, price)", the list cut if long. */
static void missing_err(pg_reader *r, const PGresult *d, const char *field, rt_ioerr *err) {
  rt_buf list = {0};
  for (int j = 0; j < PQnfields(d); j++) {
    const char *name = PQfname(d, j);
    if (list.len + strlen(name) > 200) {
      rt_buf_put(&list, ", ...", j ? 5 : 3);
      break;
    }
    if (j) rt_buf_put(&list, ", ", 2);
    rt_buf_put(&list, name, strlen(name));
  }
  rt_buf_putc(&list, 0);
  rt_ioerr_set(err, "%s: missing column `%s` (query has: %s)", r->pg.name, field, list.p);
  rt_buf_free(&list);
}

/* The result column of field `name`: the same name, else the only one that matches
 * ignoring case; -1 if none, -2 if several. */
static int find_column(const PGresult *d, const char *name) {
  int found = -1;
  for (int j = 0; j < PQnfields(d); j++) {
    if (strcmp(PQfname(d, j), name) != 0) continue;
    if (found >= 0) return -2;
    found = j;
  }
  for (int j = 0; found < 0 && j < PQnfields(d); j++) {
    if (strcasecmp(PQfname(d, j), name) != 0) continue;
    if (found != -1) return -2;
    found = j;
  }
  return found;
}

/* Maps every schema field to its result column. 0, or -1 with err filled. */
static int match_columns(pg_reader *r, const PGresult *d, rt_ioerr *err) {
  for (int32_t i = 0; i < r->s->nfields; i++) {
    r->col[i] = find_column(d, r->s->fields[i].name);
    if (r->col[i] == -2) {
      rt_ioerr_set(err, "%s: duplicate column `%s` in the query", r->pg.name,
                   r->s->fields[i].name);
      return -1;
    }
    if (r->col[i] < 0) {
      missing_err(r, d, r->s->fields[i].name, err);
      return -1;
    }
  }
  return 0;
}

/* BEGIN, DECLARE and describe. 0, or -1 with err filled. */
static int declare(pg_reader *r, const char *query, rt_ioerr *err) {
  PGresult *b = rt_pg_exec(&r->pg, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
                           PGRES_COMMAND_OK, "cannot begin a transaction", err);
  if (!b) return -1;
  PQclear(b);
  rt_buf sql = {0};
  rt_buf_printf(&sql, "DECLARE " CURSOR " NO SCROLL CURSOR FOR %s", query);
  rt_buf_putc(&sql, 0);
  PGresult *d = PQexecParams(r->pg.conn, sql.p, 0, NULL, NULL, NULL, NULL, 0);
  rt_buf_free(&sql);
  int ok = d && PQresultStatus(d) == PGRES_COMMAND_OK;
  if (!ok) rt_pg_err(err, &r->pg, "query", d);
  PQclear(d);
  if (!ok) return -1;
  d = PQdescribePortal(r->pg.conn, CURSOR);
  ok = d && PQresultStatus(d) == PGRES_COMMAND_OK;
  if (!ok) rt_pg_err(err, &r->pg, "query", d);
  else ok = match_columns(r, d, err) == 0;
  PQclear(d);
  return ok ? 0 : -1;
}

rt_reader *rt_pg_reader_open(const char *path, const pipe_conn_desc *conn,
                             const pipe_schema_desc *s, const uint8_t *needed, rt_ioerr *err) {
  pg_reader *r = rt_xcalloc(1, sizeof *r);
  r->base.ops = &pg_read_ops;
  r->base.origin = "query";
  r->s = s;
  r->needed = rt_xcalloc((size_t)s->nfields + 1, 1);
  r->col = rt_xcalloc((size_t)s->nfields + 1, sizeof *r->col);
  for (int32_t i = 0; i < s->nfields; i++) r->needed[i] = needed ? needed[i] != 0 : 1;
  int rc = rt_pg_connect(&r->pg, path, err);
  if (rc == 0 && (!conn->query || !conn->query[0])) {
    rt_ioerr_set(err, "%s: a postgres source needs a query", r->pg.name);
    rc = -1;
  }
  if (rc != 0 || declare(r, conn->query, err) != 0) {
    reader_free(r);
    return NULL;
  }
  return &r->base;
}

/* ---- values --------------------------------------------------------------------------- */

static int int_column(Oid t) {
  return t == RT_PG_INT8 || t == RT_PG_INT4 || t == RT_PG_INT2 || t == RT_PG_OID;
}

/* Column j of the current row as JSON: numbers and booleans as such (a non-finite number
 * as null, as the JSON-lines writer does), anything else as a string. */
static void json_value(rt_buf *b, const PGresult *res, int row, int j) {
  const char *p = PQgetvalue(res, row, j);
  size_t n = (size_t)PQgetlength(res, row, j);
  Oid t = PQftype(res, j);
  double d;
  if (PQgetisnull(res, row, j)) {
    rt_buf_put(b, "null", 4);
  } else if (t == RT_PG_BOOL) {
    rt_buf_put(b, p[0] == 't' ? "true" : "false", p[0] == 't' ? 4 : 5);
  } else if (int_column(t) || t == RT_PG_FLOAT4 || t == RT_PG_FLOAT8 || t == RT_PG_NUMERIC) {
    if (pipe_parse_f64(p, (int64_t)n, &d) != 0 || d - d != 0) rt_buf_put(b, "null", 4);
    else rt_buf_put(b, p, n);
  } else {
    rt_buf_json_str(b, p, n);
  }
}

static void record_json(pg_reader *r, int row) {
  rt_buf *b = &r->rec;
  b->len = 0;
  rt_buf_putc(b, '{');
  for (int j = 0; j < PQnfields(r->res); j++) {
    if (j) rt_buf_putc(b, ',');
    const char *name = PQfname(r->res, j);
    rt_buf_json_str(b, name, strlen(name));
    rt_buf_putc(b, ':');
    json_value(b, r->res, row, j);
  }
  rt_buf_putc(b, '}');
}

static const char *bad(int type) {
  switch (type) {
  case PIPE_T_I64: return "invalid i64";
  case PIPE_T_F64: return "invalid f64";
  case PIPE_T_TIMESTAMP: return "invalid timestamp";
  case PIPE_T_DURATION: return "invalid duration";
  default: return "invalid bool";
  }
}

/* The text p[0..n) of a column of type t as a value of `type` (not a string) into row
 * `row` of c. 0, or -1. */
static int parse(int type, Oid t, const char *p, int64_t n, pipe_column *c, int64_t row) {
  int b;
  if (type == PIPE_T_F64) return pipe_parse_f64(p, n, &((double *)c->values)[row]);
  if (type == PIPE_T_BOOL) {
    if (rt_pg_parse_bool(p, n, &b) != 0) return -1;
    rt_bool_set(c, row, b);
    return 0;
  }
  int64_t *v = &((int64_t *)c->values)[row];   /* i64, timestamp, duration */
  if (type == PIPE_T_I64 || int_column(t)) return pipe_parse_i64(p, n, v);
  if (type == PIPE_T_TIMESTAMP) return rt_pg_parse_ts(p, n, v);
  if (t == RT_PG_INTERVAL) return rt_pg_parse_interval(p, n, v);
  return pipe_parse_dur(p, n, v) == 0 ? 0 : rt_pg_parse_interval(p, n, v);
}

/* Converts field i of result row `row` into row `at` of c. NULL, or the error. */
static const char *put_value(pg_reader *r, int32_t i, int row, pipe_column *c, int64_t at) {
  const pipe_field_desc *f = &r->s->fields[i];
  int j = r->col[i];
  if (PQgetisnull(r->res, row, j)) {
    if (!f->nullable) return "missing value";
    rt_put_null(c, f->type, at);
    return NULL;
  }
  const char *p = PQgetvalue(r->res, row, j);
  int64_t n = PQgetlength(r->res, row, j);
  if (f->type == PIPE_T_STRING) rt_str_append(c, at, p, n);
  else if (parse(f->type, PQftype(r->res, j), p, n, c, at) != 0) return bad(f->type);
  rt_set_valid(c, at, 1);
  return NULL;
}

static void row_error(pg_reader *r, int row, int32_t field, const char *msg, rt_rowerr *re) {
  record_json(r, row);
  int j = r->col[field];
  re->line = r->row;
  re->field = field;
  snprintf(re->msg, sizeof re->msg, "%s", msg);
  re->value = PQgetvalue(r->res, row, j);
  re->value_len = PQgetlength(r->res, row, j);
  re->record = r->rec.p;
  re->record_len = (int64_t)r->rec.len;
}

/* Appends result row `row` to out. 0, or -1 with *re filled and out unchanged. */
static int convert(pg_reader *r, int row, pipe_batch *out, rt_rowerr *re) {
  int64_t at = out->nrows;
  for (int32_t i = 0; i < r->s->nfields; i++) {
    pipe_column *c = &out->cols[i];
    if (!r->needed[i]) {
      rt_put_null(c, r->s->fields[i].type, at);
      continue;
    }
    const char *msg = put_value(r, i, row, c, at);
    if (msg) {
      rt_batch_undo_row(out, r->s);
      row_error(r, row, i, msg, re);
      return -1;
    }
  }
  out->lines[at] = r->row;
  out->nrows = at + 1;
  return 0;
}

/* The next rows of the cursor, as many as a batch holds. 0, 1 at the end, -1 on an
 * error (err filled). */
static int fetch(pg_reader *r, int64_t cap, rt_ioerr *err) {
  char sql[64];
  snprintf(sql, sizeof sql, "FETCH FORWARD %lld FROM " CURSOR, (long long)(cap > 0 ? cap : 1));
  PQclear(r->res);
  r->at = 0;
  r->res = rt_pg_exec(&r->pg, sql, PGRES_TUPLES_OK, "query", err);
  if (!r->res) return -1;
  if (PQntuples(r->res) > 0) return 0;
  /* The end: release the snapshot now rather than when the run ends. */
  PQclear(PQexec(r->pg.conn, "COMMIT"));
  return 1;
}

static int pg_next(rt_reader *base, pipe_batch *out, rt_rowerr *re, rt_ioerr *err) {
  pg_reader *r = (pg_reader *)base;
  out->origin = r->base.origin;
  while (!r->done && out->nrows < out->cap) {
    if (!r->res || r->at >= PQntuples(r->res)) {
      int rc = fetch(r, out->cap, err);
      if (rc < 0) return RT_READ_IOERR;
      if (rc > 0) {
        r->done = 1;
        break;
      }
    }
    r->row++;
    if (convert(r, r->at++, out, re) != 0) return RT_READ_ROWERR;
  }
  return r->done ? RT_READ_EOF : RT_READ_BATCH;
}

static const rt_reader_ops pg_read_ops = {pg_next, pg_close};
