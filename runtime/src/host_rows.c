/* host_rows.c: pushing arrays of typed row structs into a host source
 * (pipe_host_push_rows, what the generated header's P_S_push calls).
 *
 * This is the hot path of an embedding program, so it works column by column: for each
 * run of rows that fits in the batch being filled, one tight loop per field reads the
 * field at its offset in every struct (stride apart) and writes the column, and a string
 * column reserves its bytes once per run. The whole array is checked before any row is
 * taken, so a misuse takes nothing. Rows get their ordinals as `line`, as single pushes do.
 */
#include <string.h>

#include "rt_host.h"

/* Whether layout[nfields] describes the schema's fields; fills err when not. */
static int check_layout(rt_host *h, const pipe_field_layout *l, int nfields, size_t stride,
                        pipe_error *err) {
  const pipe_schema_desc *s = &h->d->schema;
  if (nfields != s->nfields || (nfields > 0 && !l))
    return rt_host_fail(err, 2, "error: host source `%s`: the row layout has %d fields, the schema %d "
                        "(a header from another version of the program?)", h->d->name, nfields, s->nfields);
  for (int k = 0; k < nfields; k++) {
    const pipe_field_desc *f = &s->fields[k];
    int bad = l[k].type != f->type || (l[k].nullable != 0) != (f->nullable != 0) ||
              l[k].offset < 0 || (size_t)l[k].offset >= stride ||
              (f->type == PIPE_T_STRING && l[k].len_offset < 0) || (f->nullable && l[k].null_offset < 0);
    if (bad)
      return rt_host_fail(err, 2, "error: host source `%s`: the row layout of field `%s` does not match "
                          "the schema (a header from another version of the program?)", h->d->name, f->name);
  }
  return 0;
}

#define AT(base, i, stride, off, T) (*(const T *)((base) + (size_t)(i) * (stride) + (size_t)(off)))

/* Whether every string of rows[0, n) is usable (len >= 0, ptr set when len > 0). */
static int check_strings(rt_host *h, const char *rows, size_t n, size_t stride,
                         const pipe_field_layout *l, pipe_error *err) {
  for (int k = 0; k < h->d->schema.nfields; k++) {
    if (l[k].type != PIPE_T_STRING) continue;
    for (size_t i = 0; i < n; i++) {
      const char *p = AT(rows, i, stride, l[k].offset, char *);
      int64_t len = AT(rows, i, stride, l[k].len_offset, int64_t);
      int null = l[k].null_offset >= 0 && AT(rows, i, stride, l[k].null_offset, bool);
      if (!null && (len < 0 || (!p && len > 0)))
        return rt_host_fail(err, 2, "error: host source `%s`: row %zu, field `%s` has no string "
                            "(ptr NULL or len < 0)", h->d->name, i, h->d->schema.fields[k].name);
    }
  }
  return 0;
}

static void put_nulls(pipe_column *c, const char *rows, size_t n, size_t stride, int64_t off, int64_t o) {
  uint8_t *v = c->validity;
  for (size_t i = 0; i < n; i++) {
    int64_t j = o + (int64_t)i;
    int valid = !AT(rows, i, stride, off, bool);
    v[j >> 3] = (uint8_t)((v[j >> 3] & ~(1u << (j & 7))) | ((unsigned)valid << (j & 7)));
  }
}

static void put_strings(pipe_column *c, const char *rows, size_t n, size_t stride,
                        const pipe_field_layout *l, int64_t o) {
  int64_t bytes = 0;
  for (size_t i = 0; i < n; i++) {
    int null = l->null_offset >= 0 && AT(rows, i, stride, l->null_offset, bool);
    bytes += null ? 0 : AT(rows, i, stride, l->len_offset, int64_t);
  }
  if (c->data_len + bytes > c->data_cap) pipe_rt_col_reserve(c, bytes);
  int64_t *offs = (int64_t *)c->values;
  int64_t at = c->data_len;
  for (size_t i = 0; i < n; i++) {
    int null = l->null_offset >= 0 && AT(rows, i, stride, l->null_offset, bool);
    int64_t len = null ? 0 : AT(rows, i, stride, l->len_offset, int64_t);
    if (len) memcpy(c->data + at, AT(rows, i, stride, l->offset, char *), (size_t)len);
    at += len;
    offs[o + (int64_t)i + 1] = at;
  }
  c->data_len = at;
}

static void put_column(pipe_column *c, const char *rows, size_t n, size_t stride,
                       const pipe_field_layout *l, int64_t o) {
  if (l->null_offset >= 0 && c->validity) put_nulls(c, rows, n, stride, l->null_offset, o);
  switch (l->type) {
  case PIPE_T_STRING: put_strings(c, rows, n, stride, l, o); break;
  case PIPE_T_F64: {
    double *v = (double *)c->values + o;
    for (size_t i = 0; i < n; i++) v[i] = AT(rows, i, stride, l->offset, double);
    break;
  }
  case PIPE_T_BOOL:
    for (size_t i = 0; i < n; i++) rt_bool_set(c, o + (int64_t)i, AT(rows, i, stride, l->offset, bool));
    break;
  default: {
    int64_t *v = (int64_t *)c->values + o;
    for (size_t i = 0; i < n; i++) v[i] = AT(rows, i, stride, l->offset, int64_t);
    break;
  }
  }
}

/* Appends rows[0, n) batch by batch. Called with h->mu held. */
static int push_rows(rt_host *h, const char *rows, size_t n, size_t stride,
                     const pipe_field_layout *l, pipe_error *err) {
  while (n > 0) {
    pipe_batch *b = rt_host_cur(h, err);
    if (!b) return -1;
    size_t take = (size_t)(b->cap - b->nrows);
    if (take > n) take = n;
    for (int k = 0; k < h->d->schema.nfields; k++) put_column(&b->cols[k], rows, take, stride, &l[k], b->nrows);
    for (size_t i = 0; i < take; i++) b->lines[b->nrows + (int64_t)i] = ++h->ordinal;
    b->nrows += (int64_t)take;
    rows += take * stride;
    n -= take;
    if (b->nrows >= b->cap && rt_host_send_cur(h, err) != 0) return -1;
  }
  return 0;
}

int pipe_host_push_rows(pipe_run *r, int source, const void *rows, size_t n, size_t stride,
                        const pipe_field_layout *layout, int nfields, pipe_error *err) {
  rt_host *h = rt_host_nth(r, source, err);
  if (!h || check_layout(h, layout, nfields, stride, err) != 0) return -1;
  if (n > 0 && !rows) return rt_host_fail(err, 2, "error: host source `%s`: no rows", h->d->name);
  if (check_strings(h, rows, n, stride, layout, err) != 0) return -1;
  pthread_mutex_lock(&h->mu);
  int rc = rt_host_closed(h, err) != 0 ? -1 : push_rows(h, rows, n, stride, layout, err);
  pthread_mutex_unlock(&h->mu);
  return rc;
}
