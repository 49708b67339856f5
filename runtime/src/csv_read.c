/* csv_read.c: the CSV source: header matching and typed conversion into batches.
 *
 * Records come from the scanner (csv_scan.c). The header, if any, maps file columns to
 * schema fields by name; without one, fields go by position. Each record becomes one row:
 * needed fields are parsed with pipe_parse_* or copied as strings, the others are only
 * scanned and left zero (null when nullable). A record that fails is not added: the row
 * counter moves only after the whole row converted, and string bytes written for it are
 * taken back. Null rules: an unquoted empty field is null when the field is nullable, the
 * empty string for a non-nullable string and `missing value` otherwise; a quoted empty
 * field is the empty string for strings and is treated like an unquoted one for the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv_scan.h"
#include "rt_batch.h"
#include "rt_io.h"

typedef struct csv_reader {
  rt_reader base;      /* first: a csv_reader is an rt_reader (see rt_io.h) */
  rt_csv_scan sc;
  const pipe_schema_desc *s;
  uint8_t *needed;     /* [nfields] */
  char *path;          /* as given */
  int own_fd;
  int done;
  int ncols;           /* fields every record must have */
  int *map;            /* [ncols] schema field of each file column, or -1 */
} csv_reader;


static int find_field(const pipe_schema_desc *s, const char *name, size_t n) {
  for (int32_t i = 0; i < s->nfields; i++)
    if (strlen(s->fields[i].name) == n && memcmp(s->fields[i].name, name, n) == 0) return i;
  return -1;
}

/* "FILE: missing column `qty` (header has: ts, symbol, price)", the list cut if long. */
static void missing_err(csv_reader *r, const char *field, rt_ioerr *err) {
  rt_buf list = {0};
  for (int j = 0; j < r->ncols; j++) {
    const char *p;
    size_t n;
    rt_csv_scan_field(&r->sc, j, &p, &n);
    if (list.len + n > 300) {
      rt_buf_put(&list, ", ...", j ? 5 : 3);
      break;
    }
    if (j) rt_buf_put(&list, ", ", 2);
    rt_buf_put(&list, p, n);
  }
  rt_buf_putc(&list, 0);
  rt_ioerr_set(err, "%s: missing column `%s` (header has: %s)", r->base.origin, field, list.p);
  rt_buf_free(&list);
}

/* Maps the header record's columns to schema fields. 0, or -1 with err filled. */
static int match_header(csv_reader *r, rt_ioerr *err) {
  const pipe_schema_desc *s = r->s;
  r->ncols = r->sc.nf;
  r->sc.empty_is_record = r->ncols == 1;
  r->map = rt_xcalloc((size_t)r->ncols, sizeof *r->map);
  uint8_t *seen = rt_xcalloc((size_t)s->nfields, 1);
  int rc = 0;
  for (int j = 0; j < r->ncols && rc == 0; j++) {
    const char *p;
    size_t n;
    rt_csv_scan_field(&r->sc, j, &p, &n);
    int i = r->map[j] = find_field(s, p, n);
    if (i < 0) continue;
    if (seen[i]) {
      rt_ioerr_set(err, "%s: duplicate column `%s` in the header", r->base.origin, s->fields[i].name);
      rc = -1;
    }
    seen[i] = 1;
  }
  for (int32_t i = 0; i < s->nfields && rc == 0; i++)
    if (!seen[i]) {
      missing_err(r, s->fields[i].name, err);
      rc = -1;
    }
  free(seen);
  return rc;
}

static int read_header(csv_reader *r, rt_ioerr *err) {
  int k = rt_csv_scan_next(&r->sc, 0);
  if (k == -2) {
    rt_ioerr_set(err, "%s: read error: %s", r->base.origin, strerror(errno));
    return -1;
  }
  if (k == -1) {
    rt_ioerr_set(err, "%s: empty file, expected a header row", r->base.origin);
    return -1;
  }
  return match_header(r, err);
}

static const rt_reader_ops csv_ops;

static csv_reader *reader_new(const char *path, const pipe_schema_desc *s, const uint8_t *needed) {
  csv_reader *r = rt_xcalloc(1, sizeof *r);
  r->base.ops = &csv_ops;
  r->s = s;
  r->path = strdup(path);
  r->base.origin = strcmp(path, "-") == 0 ? "<stdin>" : r->path;
  r->needed = rt_xcalloc((size_t)s->nfields, 1);
  for (int32_t i = 0; i < s->nfields; i++) {
    r->needed[i] = needed ? needed[i] != 0 : 1;
  }
  return r;
}

rt_reader *rt_csv_open(const char *path, const pipe_conn_desc *conn, const pipe_schema_desc *s,
                       const uint8_t *needed, rt_ioerr *err) {
  int is_std = strcmp(path, "-") == 0;
  int fd = is_std ? 0 : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    rt_ioerr_set(err, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  csv_reader *r = reader_new(path, s, needed);
  r->own_fd = !is_std;
  rt_csv_scan_init(&r->sc, fd, conn->delimiter ? (char)conn->delimiter : ',');
  if (conn->header) {
    if (read_header(r, err) != 0) {
      rt_reader_close(&r->base);
      return NULL;
    }
    return &r->base;
  }
  r->ncols = s->nfields;
  r->sc.empty_is_record = r->ncols == 1;
  r->map = rt_xcalloc((size_t)r->ncols, sizeof *r->map);
  for (int j = 0; j < r->ncols; j++) r->map[j] = j;
  return &r->base;
}

static void csv_close(rt_reader *base) {
  csv_reader *r = (csv_reader *)base;
  if (r->own_fd) close(r->sc.fd);
  rt_csv_scan_free(&r->sc);
  free(r->path);
  free(r->needed);
  free(r->map);
  free(r);
}

/* Converts field text into row `row` of c. NULL, or the row error's message. */
static const char *put_value(pipe_column *c, const pipe_field_desc *f, int64_t row,
                             const char *p, size_t n, int quoted) {
  int64_t v = 0;
  if (n == 0) {
    if (f->type == PIPE_T_STRING && (quoted || !f->nullable)) {
      rt_str_append(c, row, p, 0);
      rt_set_valid(c, row, 1);
      return NULL;
    }
    if (!f->nullable) return "missing value";
    rt_put_null(c, f->type, row);
    return NULL;
  }
  switch (f->type) {
  case PIPE_T_STRING: rt_str_append(c, row, p, (int64_t)n); break;
  case PIPE_T_BOOL:
    if (pipe_parse_bool(p, (int64_t)n, &v) != 0) return "invalid bool";
    rt_bool_set(c, row, v != 0);
    break;
  case PIPE_T_I64:
    if (pipe_parse_i64(p, (int64_t)n, &v) != 0) return "invalid i64";
    ((int64_t *)c->values)[row] = v;
    break;
  case PIPE_T_F64:
    if (pipe_parse_f64(p, (int64_t)n, &((double *)c->values)[row]) != 0) return "invalid f64";
    break;
  case PIPE_T_TIMESTAMP:
    if (pipe_parse_ts(p, (int64_t)n, &v) != 0) return "invalid timestamp";
    ((int64_t *)c->values)[row] = v;
    break;
  case PIPE_T_DURATION:
    if (pipe_parse_dur(p, (int64_t)n, &v) != 0) return "invalid duration";
    ((int64_t *)c->values)[row] = v;
    break;
  default: return "unsupported type";
  }
  rt_set_valid(c, row, 1);
  return NULL;
}

static void row_error(csv_reader *r, rt_rowerr *re, int field, const char *value, size_t n) {
  re->line = r->sc.line;
  re->field = field;
  re->value = value;
  re->value_len = (int64_t)n;
  re->record = rt_csv_scan_rec(&r->sc);
  re->record_len = (int64_t)r->sc.rec_len;
}

/* Appends the current record to out. 0, or -1 with *re filled and out unchanged. */
static int convert(csv_reader *r, pipe_batch *out, rt_rowerr *re) {
  rt_csv_scan *sc = &r->sc;
  int64_t row = out->nrows;
  if (sc->nf != r->ncols) {
    row_error(r, re, -1, NULL, 0);
    snprintf(re->msg, sizeof re->msg, "expected %d fields, found %d", r->ncols, sc->nf);
    return -1;
  }
  for (int j = 0; j < r->ncols; j++) {
    int i = r->map[j];
    if (i < 0) continue;
    pipe_column *c = &out->cols[i];
    const pipe_field_desc *f = &r->s->fields[i];
    if (!r->needed[i]) {
      rt_put_null(c, f->type, row);
      continue;
    }
    const char *p;
    size_t n;
    rt_csv_scan_field(sc, j, &p, &n);
    const char *msg = put_value(c, f, row, p, n, sc->f[j].quoted);
    if (msg) {
      rt_batch_undo_row(out, r->s);
      row_error(r, re, i, p, n);
      snprintf(re->msg, sizeof re->msg, "%s", msg);
      return -1;
    }
  }
  out->lines[row] = sc->line;
  out->nrows = row + 1;
  return 0;
}

static int csv_next(rt_reader *base, pipe_batch *out, rt_rowerr *re, rt_ioerr *err) {
  csv_reader *r = (csv_reader *)base;
  out->origin = r->base.origin;
  if (r->done) return RT_READ_EOF;
  while (out->nrows < out->cap) {
    int k = rt_csv_scan_next(&r->sc, out->nrows > 0);
    if (k == 0) return RT_READ_BATCH;
    if (k == -1) {
      r->done = 1;
      return RT_READ_EOF;
    }
    if (k == -2) {
      rt_ioerr_set(err, "%s: read error: %s", r->base.origin, strerror(errno));
      return RT_READ_IOERR;
    }
    if (convert(r, out, re) != 0) return RT_READ_ROWERR;
  }
  return RT_READ_BATCH;
}

static const rt_reader_ops csv_ops = {csv_next, csv_close};
