/* jsonl_read.c: the JSON-lines source: one JSON object per line, typed into batches.
 *
 * Lines are cut with memchr in a read(2) buffer (1 MiB or more, doubled when a line does
 * not fit, so lines have no size limit); LF or CRLF, a UTF-8 byte-order mark before the
 * first line is skipped, the last line may lack its line end, and a blank line (only
 * spaces, tabs, CRs) is skipped but counted. Each other line must be one JSON object
 * (jsonl_scan.c checks it whole, unneeded and unknown keys included, so a bad line is
 * refused whatever the projection). Keys are matched to schema fields by name in any
 * order; keys the schema does not name are ignored; a schema key twice is the row error
 * `duplicate key`. Values, for needed fields only:
 * - i64: a JSON number that is an integer in range (no fraction or exponent);
 * - f64: any JSON number within the range of a double; bool: true or false;
 * - string: a JSON string (valid UTF-8), escapes decoded straight into the column;
 * - timestamp, duration: a JSON string holding the text form (pipe_parse_ts/_dur);
 * - null or an absent key: null for a nullable field, `missing value` otherwise.
 * A dotted field `user.id` is member `id` of the object under key `user` (`a.b.c`: two
 * objects deep), or the key "user.id" of the line itself (as the writer writes it). An
 * absent or null parent object leaves the field absent; a parent of another kind is the
 * row error "`user` is not an object" for the first field under it, with the parent's
 * JSON text.
 * A value of the wrong JSON kind is `invalid i64` (`invalid f64`, `invalid bool`,
 * `invalid timestamp`, `invalid duration`, `expected string`) with the value's JSON text;
 * a string whose content is not a timestamp or duration reports the text inside the
 * quotes. A line that is not an object is a row error for no field:
 * `invalid JSON: expected ':' at column 17`. As in the CSV reader, a failed row leaves
 * nothing behind: string bytes written for it are taken back.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonl_scan.h"
#include "rt_batch.h"
#include "rt_io.h"

size_t rt_jsonl_block = 1u << 20;
size_t rt_jsonl_max_read = 0;

typedef struct jsonl_reader {
  rt_reader base;      /* first: a jsonl_reader is an rt_reader (see rt_io.h) */
  const pipe_schema_desc *s;
  uint8_t *needed;     /* [nfields] */
  char *path;          /* as given */
  int fd, own_fd;
  int is_reg;          /* a regular file: a short read is not a pause */
  int eof, short_read, bom_done, done;
  char *buf;
  size_t cap, pos, end;  /* unconsumed input is buf[pos, end); the current line starts at pos */
  size_t scan;           /* bytes after pos known to hold no line end */
  int have;              /* a complete line sits at pos */
  size_t len, total;     /* its length without and with its line end */
  int64_t line;          /* its line number */
  rt_json_keys keys;
  rt_json_slot *slots;   /* [keys.nslots] */
  rt_buf tmp;            /* escaped keys, timestamps and durations */
} jsonl_reader;


/* ---- lines -------------------------------------------------------------------------- */

/* Reads more input after moving the unconsumed bytes to the front. 1 data, 0 end, -1
 * error. */
static int fill(jsonl_reader *r) {
  if (r->pos > 0) {
    memmove(r->buf, r->buf + r->pos, r->end - r->pos);
    r->end -= r->pos;
    r->pos = 0;
  }
  if (r->cap - r->end < r->cap / 8 + 1) {
    r->cap *= 2;
    r->buf = realloc(r->buf, r->cap);
    if (!r->buf) abort();
  }
  size_t want = r->cap - r->end;
  if (rt_jsonl_max_read && want > rt_jsonl_max_read) want = rt_jsonl_max_read;
  ssize_t got;
  do got = read(r->fd, r->buf + r->end, want);
  while (got < 0 && errno == EINTR);
  if (got < 0) return -1;
  if (got == 0) {
    r->eof = 1;
    return 0;
  }
  r->end += (size_t)got;
  r->short_read = !r->is_reg && (size_t)got < want;
  return 1;
}

/* Skips a UTF-8 byte-order mark at the start. 1 once decided, 0 if more bytes are needed. */
static int skip_bom(jsonl_reader *r) {
  static const char bom[3] = {'\xEF', '\xBB', '\xBF'};
  size_t n = r->end - r->pos;
  if (memcmp(r->buf + r->pos, bom, n < 3 ? n : 3) != 0 || r->eof) return r->bom_done = 1;
  if (n < 3) return 0;
  r->pos += 3;
  return r->bom_done = 1;
}

/* Consumes the previous line and finds the next. 1: a line at pos; 0: input paused (only
 * if may_pause: the last read was short and no whole line is buffered); -1: end of input;
 * -2: read error (errno set). */
static int next_line(jsonl_reader *r, int may_pause) {
  if (r->have) {
    r->pos += r->total;
    r->line++;
    r->have = 0;
    r->scan = 0;
  }
  for (;;) {
    if (r->bom_done || skip_bom(r)) {
      size_t n = r->end - r->pos;
      const char *p = r->buf + r->pos;
      const char *nl = memchr(p + r->scan, '\n', n - r->scan);
      if (nl || (r->eof && n > 0)) {
        r->total = nl ? (size_t)(nl - p) + 1 : n;
        r->len = nl ? (size_t)(nl - p) : n;
        if (r->len && p[r->len - 1] == '\r') r->len--;
        r->have = 1;
        return 1;
      }
      r->scan = n;
      if (r->eof) return -1;
    }
    if (r->eof) return -1;
    if (may_pause && r->short_read) {
      r->short_read = 0;
      return 0;
    }
    if (fill(r) < 0) return -2;
  }
}

/* ---- values ------------------------------------------------------------------------- */

/* Appends string body p[0, n) to row `row` of c, decoding escapes in place. */
static void put_string(pipe_column *c, int64_t row, const char *p, size_t n, int esc) {
  if (!esc) {
    rt_str_append(c, row, p, (int64_t)n);
    return;
  }
  if (c->data_len + (int64_t)n > c->data_cap) pipe_rt_col_reserve(c, (int64_t)n);
  c->data_len += (int64_t)rt_json_unescape(p, n, c->data + c->data_len);
  ((int64_t *)c->values)[row + 1] = c->data_len;
}

/* The text of a string value, decoded if it has escapes (into r->tmp). */
static const char *string_text(jsonl_reader *r, const char *p, size_t n, int esc, size_t *len) {
  if (!esc) {
    *len = n;
    return p;
  }
  r->tmp.len = 0;
  rt_buf_put(&r->tmp, p, n);
  *len = rt_json_unescape(r->tmp.p, n, r->tmp.p);
  return r->tmp.p;
}

static const char *kind_msg(int type) {
  switch (type) {
  case PIPE_T_BOOL: return "invalid bool";
  case PIPE_T_I64: return "invalid i64";
  case PIPE_T_F64: return "invalid f64";
  case PIPE_T_TIMESTAMP: return "invalid timestamp";
  case PIPE_T_DURATION: return "invalid duration";
  case PIPE_T_STRING: return "expected string";
  default: return "unsupported type";
  }
}

/* Converts the value v of line p into row `row` of c. NULL, or the row error's message
 * with [*va, *vb) set to the text to report. */
static const char *put_value(jsonl_reader *r, pipe_column *c, const pipe_field_desc *f,
                             int64_t row, const char *p, const rt_json_slot *v, size_t *va,
                             size_t *vb) {
  int str = v->kind == RT_JSON_STR;
  *va = str ? v->a - 1 : v->a;  /* the JSON text, quotes included */
  *vb = str ? v->b + 1 : v->b;
  if (v->kind == RT_JSON_NONE || v->kind == RT_JSON_NULL) {
    if (!f->nullable) return "missing value";
    rt_put_null(c, f->type, row);
    return NULL;
  }
  const char *s = p + v->a;
  size_t n = v->b - v->a;
  int64_t x = 0;
  switch (f->type) {
  case PIPE_T_STRING:
    if (!str) return kind_msg(f->type);
    put_string(c, row, s, n, v->esc);
    break;
  case PIPE_T_BOOL:
    if (v->kind != RT_JSON_TRUE && v->kind != RT_JSON_FALSE) return kind_msg(f->type);
    rt_bool_set(c, row, v->kind == RT_JSON_TRUE);
    break;
  case PIPE_T_I64:
    if (v->kind != RT_JSON_NUM || pipe_parse_i64(s, (int64_t)n, &x) != 0) return kind_msg(f->type);
    ((int64_t *)c->values)[row] = x;
    break;
  case PIPE_T_F64: {
    /* 1e999 parses as inf, which JSON cannot say (the writer writes null): refused */
    double d;
    if (v->kind != RT_JSON_NUM || pipe_parse_f64(s, (int64_t)n, &d) != 0 || !isfinite(d))
      return kind_msg(f->type);
    ((double *)c->values)[row] = d;
    break;
  }
  case PIPE_T_TIMESTAMP:
  case PIPE_T_DURATION: {
    if (!str) return kind_msg(f->type);
    *va = v->a;  /* a string that is not a timestamp: report what is inside the quotes */
    *vb = v->b;
    size_t len;
    const char *t = string_text(r, s, n, v->esc, &len);
    int rc = f->type == PIPE_T_TIMESTAMP ? pipe_parse_ts(t, (int64_t)len, &x)
                                         : pipe_parse_dur(t, (int64_t)len, &x);
    if (rc != 0) return kind_msg(f->type);
    ((int64_t *)c->values)[row] = x;
    break;
  }
  default: return kind_msg(f->type);
  }
  rt_set_valid(c, row, 1);
  return NULL;
}

/* ---- rows --------------------------------------------------------------------------- */

static void row_error(jsonl_reader *r, rt_rowerr *re, int field, const char *value, size_t n,
                      const char *msg) {
  re->line = r->line;
  re->field = field;
  re->value = value;
  re->value_len = (int64_t)n;
  re->record = r->buf + r->pos;
  re->record_len = (int64_t)r->len;
  snprintf(re->msg, sizeof re->msg, "%s", msg);
}

/* Appends the current line to out. 1: a row; 0: a blank line; -1: *re filled, out
 * unchanged. */
static int convert(jsonl_reader *r, pipe_batch *out, rt_rowerr *re) {
  const char *p = r->buf + r->pos;
  rt_json_err je;
  int k = rt_json_line(p, r->len, &r->keys, r->slots, &r->tmp, &je);
  if (k == 0) return 0;
  if (k < 0) {
    if (je.field >= 0) row_error(r, re, je.field, p + je.a, je.b - je.a, je.msg);
    else row_error(r, re, -1, NULL, 0, je.msg);
    return -1;
  }
  int64_t row = out->nrows;
  for (int32_t i = 0; i < r->s->nfields; i++) {
    pipe_column *c = &out->cols[i];
    const pipe_field_desc *f = &r->s->fields[i];
    if (!r->needed[i]) {
      rt_put_null(c, f->type, row);
      continue;
    }
    size_t va, vb;
    const char *msg = put_value(r, c, f, row, p, &r->slots[i], &va, &vb);
    if (msg) {
      rt_batch_undo_row(out, r->s);
      if (r->slots[i].kind == RT_JSON_NONE) row_error(r, re, i, NULL, 0, msg);
      else row_error(r, re, i, p + va, vb - va, msg);
      return -1;
    }
  }
  out->lines[row] = r->line;
  out->nrows = row + 1;
  return 1;
}

static int jsonl_next(rt_reader *base, pipe_batch *out, rt_rowerr *re, rt_ioerr *err) {
  jsonl_reader *r = (jsonl_reader *)base;
  out->origin = r->base.origin;
  if (r->done) return RT_READ_EOF;
  while (out->nrows < out->cap) {
    int k = next_line(r, out->nrows > 0);
    if (k == 0) return RT_READ_BATCH;
    if (k == -1) {
      r->done = 1;
      return RT_READ_EOF;
    }
    if (k == -2) {
      rt_ioerr_set(err, "%s: read error: %s", r->base.origin, strerror(errno));
      return RT_READ_IOERR;
    }
    if (convert(r, out, re) < 0) return RT_READ_ROWERR;
  }
  return RT_READ_BATCH;
}

static void jsonl_close(rt_reader *base) {
  jsonl_reader *r = (jsonl_reader *)base;
  if (r->own_fd) close(r->fd);
  free(r->buf);
  free(r->path);
  free(r->needed);
  rt_json_keys_free(&r->keys);
  free(r->slots);
  rt_buf_free(&r->tmp);
  free(r);
}

static const rt_reader_ops jsonl_ops = {jsonl_next, jsonl_close};

rt_reader *rt_jsonl_open(const char *path, const pipe_conn_desc *conn,
                         const pipe_schema_desc *s, const uint8_t *needed, rt_ioerr *err) {
  (void)conn;
  int is_std = strcmp(path, "-") == 0;
  int fd = is_std ? 0 : open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    rt_ioerr_set(err, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  jsonl_reader *r = rt_xcalloc(1, sizeof *r);
  r->base.ops = &jsonl_ops;
  r->s = s;
  r->path = strdup(path);
  if (!r->path) abort();
  r->base.origin = is_std ? "<stdin>" : r->path;
  r->fd = fd;
  r->own_fd = !is_std;
  struct stat st;
  r->is_reg = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  r->cap = rt_jsonl_block > 16 ? rt_jsonl_block : 16;
  r->buf = rt_xcalloc(r->cap, 1);
  r->line = 1;
  size_t nf = (size_t)s->nfields;
  r->needed = rt_xcalloc(nf, 1);
  const char **names = rt_xcalloc(nf + 1, sizeof *names);
  for (int32_t i = 0; i < s->nfields; i++) {
    r->needed[i] = needed ? needed[i] != 0 : 1;
    names[i] = s->fields[i].name;
  }
  int bad, other;
  int rc = rt_json_keys_init(&r->keys, names, s->nfields, &bad, &other);
  free(names);
  if (rc != 0) {
    rt_ioerr_set(err, "%s: fields `%s` and `%s` cannot both be read: a JSON key holds a "
                 "value or an object, not both", path, s->fields[other].name,
                 s->fields[bad].name);
    jsonl_close(&r->base);
    return NULL;
  }
  r->slots = rt_xcalloc((size_t)r->keys.nslots + 1, sizeof *r->slots);
  return &r->base;
}
