/* reader.c: the source side of every connector behind one interface (rt_io.h). A source
 * thread opens, reads and closes an rt_reader without knowing its kind; each kind fills
 * in rt_reader_ops. */
#include <stdarg.h>
#include <stdio.h>

#include "rt_io.h"
#include "rt_pg.h"

void rt_ioerr_set(rt_ioerr *err, const char *fmt, ...) {
  if (!err) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
}

rt_reader *rt_reader_open(const char *path, const pipe_conn_desc *conn,
                          const pipe_schema_desc *s, const uint8_t *needed, rt_ioerr *err) {
  switch (conn->kind) {
  case PIPE_CONN_CSV: return rt_csv_open(path, conn, s, needed, err);
  case PIPE_CONN_JSONL: return rt_jsonl_open(path, conn, s, needed, err);
  case PIPE_CONN_SQLITE: return rt_sqlite_open(path, conn, s, needed, err);
  case PIPE_CONN_POSTGRES: return rt_pg_reader_open(path, conn, s, needed, err);
  default:
    rt_ioerr_set(err, "%s: this connector cannot be read from", path);
    return NULL;
  }
}

int rt_reader_next(rt_reader *r, pipe_batch *out, rt_rowerr *re, rt_ioerr *err) {
  return r->ops->next(r, out, re, err);
}

const char *rt_reader_origin(const rt_reader *r) { return r->origin; }

void rt_reader_close(rt_reader *r) {
  if (r) r->ops->close(r);
}
