/* sqlite_read.c: the SQLite source, `sqlite(path, query = "select ...")`.
 *
 * The database is opened read-only and the query prepared when the source opens, so a
 * missing file, a query SQLite rejects, or a schema field the query's result does not
 * have stops the program before any row is read (result columns are matched to fields by
 * name, ignoring case as SQL does; others are ignored). Each result row becomes one row
 * of the batch, typed by the schema, not by SQLite's dynamic typing: INTEGER into i64,
 * timestamp and duration (microseconds), INTEGER 0/1 into bool, REAL or INTEGER into f64,
 * TEXT into string, TEXT in the text forms into timestamp and duration, NULL into a
 * nullable field. Anything else is a row error with the origin `path`, the row number
 * as its line, the field and the value; the raw record of a dead letter is the result
 * row as a JSON object. `:memory:` names an empty in-memory database, for queries that
 * need no table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_batch.h"
#include "rt_sqlite.h"

typedef struct sqlite_reader {
  rt_reader base;      /* first: a sqlite_reader is an rt_reader (see rt_io.h) */
  sqlite3 *db;
  sqlite3_stmt *st;
  const pipe_schema_desc *s;
  uint8_t *needed;     /* [nfields] */
  int *col;            /* [nfields] result column of each field */
  char *path;
  int64_t row;         /* result rows stepped so far: the line of the current one */
  int done;
  rt_buf rec;          /* the failing row as JSON, until the next call */
  rt_buf val;          /* the failing value's text, until the next call */
} sqlite_reader;

static const rt_reader_ops sqlite_read_ops;

static void reader_free(sqlite_reader *r) {
  sqlite3_finalize(r->st);
  sqlite3_close(r->db);
  free(r->needed);
  free(r->col);
  free(r->path);
  rt_buf_free(&r->rec);
  rt_buf_free(&r->val);
  free(r);
}

static void sqlite_close(rt_reader *base) { reader_free((sqlite_reader *)base); }

/* The query, checked: one statement that only reads. 0, or -1 with err filled. */
static int prepare(sqlite_reader *r, const char *query, rt_ioerr *err) {
  const char *tail = NULL;
  if (sqlite3_prepare_v2(r->db, query, -1, &r->st, &tail) != SQLITE_OK) {
    rt_sqlite_err(err, r->path, "query", r->db);
    return -1;
  }
  while (tail && (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';'))
    tail++;
  if (!r->st) rt_ioerr_set(err, "%s: the query is empty", r->path);
  else if (tail && *tail) rt_ioerr_set(err, "%s: the query must be one statement", r->path);
  else if (!sqlite3_stmt_readonly(r->st)) rt_ioerr_set(err, "%s: the query must only read", r->path);
  else return 0;
  return -1;
}

/* "PATH: missing column `qty` (query has: ts, symbol, price)", the list cut if long. */
static void missing_err(sqlite_reader *r, const char *field, rt_ioerr *err) {
  rt_buf list = {0};
  int n = sqlite3_column_count(r->st);
  for (int j = 0; j < n; j++) {
    const char *name = sqlite3_column_name(r->st, j);
    if (list.len + strlen(name) > 300) {
      rt_buf_put(&list, ", ...", j ? 5 : 3);
      break;
    }
    if (j) rt_buf_put(&list, ", ", 2);
    rt_buf_put(&list, name, strlen(name));
  }
  rt_buf_putc(&list, 0);
  rt_ioerr_set(err, "%s: missing column `%s` (query has: %s)", r->path, field, list.p);
  rt_buf_free(&list);
}

/* Maps every schema field to its result column. 0, or -1 with err filled. */
static int match_columns(sqlite_reader *r, rt_ioerr *err) {
  int n = sqlite3_column_count(r->st);
  for (int32_t i = 0; i < r->s->nfields; i++) {
    r->col[i] = -1;
    for (int j = 0; j < n; j++) {
      if (sqlite3_stricmp(sqlite3_column_name(r->st, j), r->s->fields[i].name) != 0) continue;
      if (r->col[i] >= 0) {
        rt_ioerr_set(err, "%s: duplicate column `%s` in the query", r->path, r->s->fields[i].name);
        return -1;
      }
      r->col[i] = j;
    }
    if (r->col[i] < 0) {
      missing_err(r, r->s->fields[i].name, err);
      return -1;
    }
  }
  return 0;
}

rt_reader *rt_sqlite_open(const char *path, const pipe_conn_desc *conn, const pipe_schema_desc *s,
                          const uint8_t *needed, rt_ioerr *err) {
  if (!conn->query || !conn->query[0]) {
    rt_ioerr_set(err, "%s: a sqlite source needs a query", path);
    return NULL;
  }
  sqlite3 *db = rt_sqlite_db_open(path, SQLITE_OPEN_READONLY, err);
  if (!db) return NULL;
  sqlite_reader *r = rt_xcalloc(1, sizeof *r);
  r->base.ops = &sqlite_read_ops;
  r->db = db;
  r->s = s;
  r->path = strdup(path);
  r->base.origin = r->path;
  r->needed = rt_xcalloc((size_t)s->nfields + 1, 1);
  r->col = rt_xcalloc((size_t)s->nfields + 1, sizeof *r->col);
  for (int32_t i = 0; i < s->nfields; i++) r->needed[i] = needed ? needed[i] != 0 : 1;
  if (prepare(r, conn->query, err) != 0 || match_columns(r, err) != 0) {
    reader_free(r);
    return NULL;
  }
  return &r->base;
}

/* Appends column j's value as JSON (for the record of a dead letter). */
static void json_value(rt_buf *b, sqlite3_stmt *st, int j) {
  char tmp[PIPE_FMT_MAX];
  double d;
  switch (sqlite3_column_type(st, j)) {
  case SQLITE_INTEGER: rt_buf_put(b, tmp, (size_t)pipe_fmt_i64(sqlite3_column_int64(st, j), tmp)); break;
  case SQLITE_FLOAT:
    d = sqlite3_column_double(st, j);
    if (d - d != 0) rt_buf_put(b, "null", 4);   /* inf, nan: as the JSON-lines writer */
    else rt_buf_put(b, tmp, (size_t)pipe_fmt_f64(d, tmp));
    break;
  case SQLITE_TEXT: {
    const char *p = (const char *)sqlite3_column_text(st, j);
    rt_buf_json_str(b, p, (size_t)sqlite3_column_bytes(st, j));
    break;
  }
  case SQLITE_BLOB: rt_buf_put(b, "\"<blob>\"", 8); break;
  default: rt_buf_put(b, "null", 4); break;
  }
}

/* The current result row as a JSON object. */
static void record_json(sqlite_reader *r) {
  rt_buf *b = &r->rec;
  b->len = 0;
  rt_buf_putc(b, '{');
  for (int j = 0; j < sqlite3_column_count(r->st); j++) {
    if (j) rt_buf_putc(b, ',');
    const char *name = sqlite3_column_name(r->st, j);
    rt_buf_json_str(b, name, strlen(name));
    rt_buf_putc(b, ':');
    json_value(b, r->st, j);
  }
  rt_buf_putc(b, '}');
}

/* The text of column j's value for an error message: numbers in their text forms, text
 * as is, a blob as X'..' (cut after 32 bytes). */
static void value_text(rt_buf *b, sqlite3_stmt *st, int j) {
  char tmp[PIPE_FMT_MAX];
  b->len = 0;
  switch (sqlite3_column_type(st, j)) {
  case SQLITE_INTEGER: rt_buf_put(b, tmp, (size_t)pipe_fmt_i64(sqlite3_column_int64(st, j), tmp)); break;
  case SQLITE_FLOAT: rt_buf_put(b, tmp, (size_t)pipe_fmt_f64(sqlite3_column_double(st, j), tmp)); break;
  case SQLITE_TEXT:
    rt_buf_put(b, sqlite3_column_text(st, j), (size_t)sqlite3_column_bytes(st, j));
    break;
  case SQLITE_BLOB: {
    const unsigned char *p = sqlite3_column_blob(st, j);
    int n = sqlite3_column_bytes(st, j);
    rt_buf_put(b, "X'", 2);
    for (int k = 0; k < n && k < 32; k++) rt_buf_printf(b, "%02X", p[k]);
    rt_buf_put(b, n > 32 ? "...'" : "'", n > 32 ? 4 : 1);
    break;
  }
  default: break;
  }
}

static const char *put_text(pipe_column *c, int type, int64_t row, sqlite3_stmt *st, int j) {
  const char *p = (const char *)sqlite3_column_text(st, j);
  int64_t n = sqlite3_column_bytes(st, j), v;
  switch (type) {
  case PIPE_T_STRING: rt_str_append(c, row, p ? p : "", n); return NULL;
  case PIPE_T_TIMESTAMP:
    if (pipe_parse_ts(p, n, &v) != 0) return "invalid timestamp";
    break;
  case PIPE_T_DURATION:
    if (pipe_parse_dur(p, n, &v) != 0) return "invalid duration";
    break;
  case PIPE_T_I64: return "invalid i64";
  case PIPE_T_F64: return "invalid f64";
  default: return "invalid bool";
  }
  ((int64_t *)c->values)[row] = v;
  return NULL;
}

static const char *put_int(pipe_column *c, int type, int64_t row, int64_t v) {
  switch (type) {
  case PIPE_T_STRING: return "expected string";
  case PIPE_T_F64: ((double *)c->values)[row] = (double)v; return NULL;
  case PIPE_T_BOOL:
    if (v != 0 && v != 1) return "invalid bool";
    rt_bool_set(c, row, (int)v);
    return NULL;
  default: ((int64_t *)c->values)[row] = v; return NULL;   /* i64, timestamp, duration */
  }
}

static const char *bad_kind(int type) {
  switch (type) {
  case PIPE_T_STRING: return "expected string";
  case PIPE_T_I64: return "invalid i64";
  case PIPE_T_F64: return "invalid f64";
  case PIPE_T_TIMESTAMP: return "invalid timestamp";
  case PIPE_T_DURATION: return "invalid duration";
  default: return "invalid bool";
  }
}

/* Converts column j into row `row` of c. NULL, or the row error's message. */
static const char *put_value(pipe_column *c, const pipe_field_desc *f, int64_t row,
                             sqlite3_stmt *st, int j) {
  const char *msg = NULL;
  switch (sqlite3_column_type(st, j)) {
  case SQLITE_NULL:
    if (!f->nullable) return "missing value";
    rt_put_null(c, f->type, row);
    return NULL;
  case SQLITE_INTEGER: msg = put_int(c, f->type, row, sqlite3_column_int64(st, j)); break;
  case SQLITE_FLOAT:
    if (f->type != PIPE_T_F64) return bad_kind(f->type);
    ((double *)c->values)[row] = sqlite3_column_double(st, j);
    break;
  case SQLITE_TEXT: msg = put_text(c, f->type, row, st, j); break;
  default: return bad_kind(f->type);   /* a blob */
  }
  if (!msg) rt_set_valid(c, row, 1);
  return msg;
}

static void row_error(sqlite_reader *r, rt_rowerr *re, int field, const char *msg) {
  record_json(r);
  value_text(&r->val, r->st, r->col[field]);
  re->line = r->row;
  re->field = field;
  snprintf(re->msg, sizeof re->msg, "%s", msg);
  re->value = r->val.p ? r->val.p : "";
  re->value_len = (int64_t)r->val.len;
  re->record = r->rec.p;
  re->record_len = (int64_t)r->rec.len;
}

/* Appends the current result row to out. 0, or -1 with *re filled and out unchanged. */
static int convert(sqlite_reader *r, pipe_batch *out, rt_rowerr *re) {
  int64_t row = out->nrows;
  for (int32_t i = 0; i < r->s->nfields; i++) {
    pipe_column *c = &out->cols[i];
    const pipe_field_desc *f = &r->s->fields[i];
    if (!r->needed[i]) {
      rt_put_null(c, f->type, row);
      continue;
    }
    const char *msg = put_value(c, f, row, r->st, r->col[i]);
    if (msg) {
      rt_batch_undo_row(out, r->s);
      row_error(r, re, i, msg);
      return -1;
    }
  }
  out->lines[row] = r->row;
  out->nrows = row + 1;
  return 0;
}

static int sqlite_next(rt_reader *base, pipe_batch *out, rt_rowerr *re, rt_ioerr *err) {
  sqlite_reader *r = (sqlite_reader *)base;
  out->origin = r->base.origin;
  if (r->done) return RT_READ_EOF;
  while (out->nrows < out->cap) {
    int rc = sqlite3_step(r->st);
    if (rc == SQLITE_DONE) {
      r->done = 1;
      return RT_READ_EOF;
    }
    if (rc != SQLITE_ROW) {
      rt_sqlite_err(err, r->path, "query", r->db);
      return RT_READ_IOERR;
    }
    r->row++;
    if (convert(r, out, re) != 0) return RT_READ_ROWERR;
  }
  return RT_READ_BATCH;
}

static const rt_reader_ops sqlite_read_ops = {sqlite_next, sqlite_close};
