/* rowerr.c: row errors and the error policies (fail, skip, dead_letter); failing the
 * run itself is run_fail.c. A bad row is a failure only under `fail`; `skip` counts it
 * on its operator, `dead_letter` writes it as a record of the dead-letter schema (code, error, origin, field, value, pipe, row) through the connector's
 * writer, whose lock serialises records from different threads, and counts it. A
 * window's late rows follow the window's `late` policy the same way (skip, or a dead
 * letter "late row: its window ended at ..."), counted as late either way. A batch a
 * sink could not deliver under `on error dead_letter` is written there whole, one
 * record per row (delivery.c decides when). This is the cold path: it may allocate and
 * lock. Every row error has a stable code (rowerr_codes.h), printed as `error[R0001]:`
 * under fail and written as the first column of a dead letter.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rowerr_codes.h"
#include "rt_internal.h"

static const pipe_field_desc dead_fields[] = {
    {"code", PIPE_T_STRING, 0},  {"error", PIPE_T_STRING, 0}, {"origin", PIPE_T_STRING, 0},
    {"field", PIPE_T_STRING, 1}, {"value", PIPE_T_STRING, 1}, {"pipe", PIPE_T_STRING, 0},
    {"row", PIPE_T_STRING, 0},
};
static const pipe_schema_desc dead_schema = {dead_fields, 7, 0};

/* What a row error says, gathered from a reader or a kernel. */
typedef struct rowerr {
  const char *code;        /* "R0001" */
  const char *origin;
  int64_t line;
  const char *field;       /* NULL: no field known */
  pipe_str value;          /* value.ptr NULL: null or unknown */
  const char *message;
  const char *where;       /* "source `trades`", "filter" */
  int32_t pline, pcol;     /* the .pipe position */
  pipe_str row;            /* raw record or JSON object */
} rowerr;

static void fail_row(pipe_run *r, const rowerr *e) {
  rt_buf b = {0};
  rt_buf_printf(&b, "error[%s]: %s:%lld: ", e->code, rt_origin_name(e->origin),
                (long long)e->line);
  if (e->field) {
    rt_buf_printf(&b, "field `%s` = ", e->field);
    if (e->value.ptr) rt_buf_json_str(&b, e->value.ptr, (size_t)e->value.len);
    else rt_buf_printf(&b, "null");
    rt_buf_printf(&b, ": ");
  }
  rt_buf_printf(&b, "%s\n  --> %s:%d:%d: in %s\n", e->message,
                r->prog->file ? r->prog->file : "?", e->pline, e->pcol, e->where);
  rt_buf_putc(&b, 0);
  rt_run_fail_drain(r, 1, b.p);
  rt_buf_free(&b);
}

static void put_str(pipe_batch *b, int col, const char *p, int64_t n) {
  rt_set_valid(&b->cols[col], 0, p != NULL);
  rt_str_append(&b->cols[col], 0, p ? p : "", p ? n : 0);
}

/* A dead-letter connector that cannot be opened or written fails the run. */
static void dead_ioerr(pipe_run *r, const pipe_conn_desc *c, const char *msg, int was_epipe) {
  if (was_epipe && strcmp(rt_conn_path(r, c), "-") == 0) {
    rt_run_stop(r);
    return;
  }
  char text[1024];
  snprintf(text, sizeof text, "error: %s\n  --> %s:%d:%d: in dead_letter\n", msg,
           r->prog->file ? r->prog->file : "?", c->line, c->col);
  rt_run_fail(r, 1, text);
}

/* Writes dead-letter records b to connector `dead` and releases b. 0, or -1 after failing
 * the run on a write error. */
static int put_dead(pipe_run *r, int dead, pipe_batch *b) {
  rt_ioerr ioerr;
  errno = 0;
  int rc = rt_writer_write(r->dead[dead].writer, b, &ioerr);
  int was_epipe = errno == EPIPE;
  rt_batch_release(b);
  if (rc == 0) return 0;
  dead_ioerr(r, r->dead[dead].conn, ioerr.msg, was_epipe);
  return -1;
}

/* Writes one dead-letter record. 0, or -1 after failing the run on a write error. */
static int write_dead(rt_node *n, int dead, const rowerr *e) {
  pipe_run *r = n->run;
  if (dead < 0 || dead >= r->prog->ndead || !r->dead[dead].writer) {
    fail_row(r, e);   /* a descriptor without its connector: do not lose the row silently */
    return -1;
  }
  if (!n->dead_pool) n->dead_pool = rt_pool_new(&dead_schema, 1);
  pipe_batch *b = rt_batch_get(n->dead_pool);
  char origin[512], pipe[512];
  int on = snprintf(origin, sizeof origin, "%s:%lld", rt_origin_name(e->origin),
                    (long long)e->line);
  int pn = snprintf(pipe, sizeof pipe, "%s:%d:%d", r->prog->file ? r->prog->file : "?",
                    e->pline, e->pcol);
  put_str(b, 0, e->code, (int64_t)strlen(e->code));
  put_str(b, 1, e->message, (int64_t)strlen(e->message));
  put_str(b, 2, origin, on < (int)sizeof origin ? on : (int)sizeof origin - 1);
  put_str(b, 3, e->field, e->field ? (int64_t)strlen(e->field) : 0);
  put_str(b, 4, e->field ? e->value.ptr : NULL, e->value.len);
  put_str(b, 5, pipe, pn < (int)sizeof pipe ? pn : (int)sizeof pipe - 1);
  put_str(b, 6, e->row.ptr ? e->row.ptr : "", e->row.ptr ? e->row.len : 0);
  b->nrows = 1;
  b->lines[0] = e->line;
  b->origin = e->origin;
  return put_dead(r, dead, b);
}

/* The row is counted under exactly one of skipped, dead or failed, so that every stats
 * line adds up (a failed row is the one the error names). */
static int apply(rt_node *n, const pipe_policy_desc *pol, rt_opcount *count, const rowerr *e) {
  switch (pol->kind) {
  case PIPE_ON_SKIP: count->skipped++; return 0;
  case PIPE_ON_DEAD:
    if (write_dead(n, pol->dead, e) != 0) {
      count->failed++;
      return -1;
    }
    count->dead++;
    return 0;
  default:
    fail_row(n->run, e);
    count->failed++;
    return -1;
  }
}

int rt_source_rowerr(rt_node *n, const char *origin, const rt_rowerr *re) {
  const pipe_node_desc *d = n->d;
  char where[160];
  rt_node_label(n, 0, 1, where, sizeof where);
  rowerr e = {0};
  e.origin = origin;
  e.line = re->line;
  if (re->field >= 0 && re->field < d->schema.nfields) {
    e.field = d->schema.fields[re->field].name;
    e.value.ptr = re->value ? re->value : "";
    e.value.len = re->value ? re->value_len : 0;
  }
  e.message = re->msg;
  e.code = rt_rowerr_code(re->msg);
  e.where = where;
  e.pline = d->line;
  e.pcol = d->col;
  e.row.ptr = re->record;
  e.row.len = re->record_len;
  return apply(n, &d->policy, &n->ops[0], &e);
}

/* The text of row `row` of column c, or 0 when it is null. */
static int value_text(const pipe_column *c, int type, int64_t row, char *buf, pipe_str *out) {
  if (rt_is_null(c, row)) return 0;
  int len = 0;
  switch (type) {
  case PIPE_T_STRING: *out = rt_str_at(c, row); return 1;
  case PIPE_T_BOOL:
    len = snprintf(buf, PIPE_FMT_MAX, "%s", rt_bool_get(c, row) ? "true" : "false");
    break;
  case PIPE_T_F64: len = pipe_fmt_f64(((const double *)c->values)[row], buf); break;
  case PIPE_T_TIMESTAMP: len = pipe_fmt_ts(((const int64_t *)c->values)[row], buf); break;
  case PIPE_T_DURATION: len = pipe_fmt_dur(((const int64_t *)c->values)[row], buf); break;
  default: len = pipe_fmt_i64(((const int64_t *)c->values)[row], buf); break;
  }
  out->ptr = buf;
  out->len = len;
  return 1;
}

/* A kernel's failing row of `in` (rows of `schema`): a stage's input, or a window's
 * assembled rows under its projection. */
int rt_kernel_rowerr(rt_node *n, const pipe_batch *in, const pipe_schema_desc *schema,
                     int64_t row) {
  const pipe_node_desc *d = n->d;
  int32_t s = n->ctx.err_site;
  static const pipe_site_desc unknown = {0, 0, 0, -1, "row error"};
  const pipe_site_desc *site = s >= 0 && s < d->nsites ? &d->sites[s] : &unknown;
  int op = site->op >= 0 && site->op < d->nops ? site->op : 0;
  char where[160], vbuf[PIPE_FMT_MAX];
  rt_node_label(n, op, 1, where, sizeof where);
  rowerr e = {0};
  e.origin = in->origin;
  e.line = in->lines ? in->lines[row] : 0;
  if (site->field >= 0 && site->field < schema->nfields && site->field < in->ncols) {
    e.field = schema->fields[site->field].name;
    value_text(&in->cols[site->field], schema->fields[site->field].type, row, vbuf, &e.value);
  }
  e.message = site->message ? site->message : "row error";
  e.code = rt_rowerr_code(e.message);
  e.where = where;
  e.pline = site->line;
  e.pcol = site->col;
  pipe_policy_desc fail = {PIPE_ON_FAIL, 0};
  const pipe_policy_desc *pol = d->nops > 0 ? &d->ops[op].policy : &fail;
  rt_buf json = {0};
  if (pol->kind == PIPE_ON_DEAD) {
    rt_buf_json_row(&json, in, schema, row);
    e.row.ptr = json.p ? json.p : "";
    e.row.len = (int64_t)json.len;
  }
  int rc = apply(n, pol, &n->ops[op], &e);
  rt_buf_free(&json);
  return rc;
}


int rt_window_late(rt_node *n, const pipe_batch *in, int64_t row, int64_t end, int64_t clock) {
  const pipe_window_desc *w = n->d->window;
  n->late++;   /* a late row is counted as late, also when it is dead-lettered */
  if (w->late.kind != PIPE_ON_DEAD) return 0;
  const pipe_schema_desc *schema = &n->run->prog->nodes[n->d->input].schema;
  int64_t ts = ((const int64_t *)in->cols[w->ts_col].values)[row];
  char ebuf[PIPE_FMT_MAX + 1], cbuf[PIPE_FMT_MAX + 1], tbuf[PIPE_FMT_MAX + 1], msg[192];
  ebuf[pipe_fmt_ts(end, ebuf)] = 0;
  cbuf[pipe_fmt_ts(clock, cbuf)] = 0;
  snprintf(msg, sizeof msg, "late row: its window ended at %s, watermark %s", ebuf, cbuf);
  rowerr e = {0};
  e.origin = in->origin;
  e.line = in->lines ? in->lines[row] : 0;
  e.field = schema->fields[w->ts_col].name;
  e.value.ptr = tbuf;
  e.value.len = pipe_fmt_ts(ts, tbuf);
  e.message = msg;
  e.code = rt_rowerr_code_name(RE_LATE);
  e.where = "window";
  e.pline = n->d->line;
  e.pcol = n->d->col;
  rt_buf json = {0};
  rt_buf_json_row(&json, in, schema, row);
  e.row.ptr = json.p ? json.p : "";
  e.row.len = (int64_t)json.len;
  int rc = write_dead(n, w->late.dead, &e);
  rt_buf_free(&json);
  return rc;
}

static void put_str_at(pipe_batch *b, int col, int64_t row, const char *p, int64_t n) {
  rt_set_valid(&b->cols[col], row, p != NULL);
  rt_str_append(&b->cols[col], row, p ? p : "", p ? n : 0);
}

/* Row `row` of `in` (a sink's undelivered batch) as dead-letter record `row` of b. */
static void dead_record(rt_node *n, pipe_batch *b, const pipe_batch *in, int64_t row,
                        const char *code, const char *msg, const char *pipe, int pn) {
  char origin[512];
  int on = snprintf(origin, sizeof origin, "%s:%lld", rt_origin_name(in->origin),
                    (long long)(in->lines ? in->lines[row] : 0));
  rt_buf json = {0};
  rt_buf_json_row(&json, in, &n->d->schema, row);
  put_str_at(b, 0, row, code, (int64_t)strlen(code));
  put_str_at(b, 1, row, msg, (int64_t)strlen(msg));
  put_str_at(b, 2, row, origin, on < (int)sizeof origin ? on : (int)sizeof origin - 1);
  put_str_at(b, 3, row, NULL, 0);
  put_str_at(b, 4, row, NULL, 0);
  put_str_at(b, 5, row, pipe, pn);
  put_str_at(b, 6, row, json.p ? json.p : "", (int64_t)json.len);
  b->lines[row] = in->lines ? in->lines[row] : 0;
  rt_buf_free(&json);
}

int rt_sink_dead(rt_node *n, const pipe_batch *in, int code, const char *msg) {
  pipe_run *r = n->run;
  int dead = n->d->delivery.on_error.dead;
  if (dead < 0 || dead >= r->prog->ndead || !r->dead[dead].writer) {
    rt_node_ioerr(n, msg, 0);   /* a descriptor without its connector: lose nothing silently */
    return -1;
  }
  char pipe[512];
  int pn = snprintf(pipe, sizeof pipe, "%s:%d:%d", r->prog->file ? r->prog->file : "?",
                    n->d->line, n->d->col);
  if (pn >= (int)sizeof pipe) pn = (int)sizeof pipe - 1;
  pipe_batch *b = rt_batch_new(&dead_schema, in->nrows > 0 ? in->nrows : 1);
  for (int64_t i = 0; i < in->nrows; i++) dead_record(n, b, in, i, rt_rowerr_code_name(code), msg, pipe, pn);
  b->nrows = in->nrows;
  b->origin = in->origin;
  if (put_dead(r, dead, b) != 0) return -1;
  n->ops[0].dead += in->nrows;
  return 0;
}

int rt_dead_open(pipe_run *r) {
  for (int i = 0; i < r->prog->ndead; i++) {
    rt_dead *dl = &r->dead[i];
    if (!dl->used) continue;
    rt_ioerr ioerr = {{0}};
    const char *path = rt_conn_path(r, dl->conn);
    dl->writer = rt_writer_open(path, dl->conn, &dead_schema, &ioerr);
    if (!dl->writer) {
      r->err.status = 1;
      snprintf(r->err.msg, sizeof r->err.msg, "error: %s\n  --> %s:%d:%d: in dead_letter\n",
               ioerr.msg, r->prog->file ? r->prog->file : "?", dl->conn->line, dl->conn->col);
      return -1;
    }
  }
  return 0;
}

int rt_dead_close(pipe_run *r) {
  int rc = 0;
  for (int i = 0; i < r->prog->ndead; i++) {
    rt_ioerr ioerr;
    if (r->dead[i].writer && rt_writer_close(r->dead[i].writer, &ioerr) != 0) {
      dead_ioerr(r, r->dead[i].conn, ioerr.msg, 0);
      rc = -1;
    }
    r->dead[i].writer = NULL;
  }
  return rc;
}
