/* arrow_import.c: Arrow C Data Interface struct arrays pushed into a host source
 * (pipe_host_push_arrow), without copying their buffers.
 *
 * The array is moved into an `import` at once (the caller's struct is marked released),
 * so every path, failures included, ends in exactly one call of its release. After the
 * schema and the array are checked against the source's fields, the rows are cut into
 * chunks of at most one batch (4096 rows by default): each chunk is a pipe_column per
 * field that points into the Arrow buffers at the chunk's first row (ArrowArray.offset
 * and the chunk's start are applied by slicing), lent to a batch of the push pool
 * (rt_batch_lend) and sent through the push channel like a filled batch. What cannot be
 * sliced is copied into memory the chunk owns: a bitmap that starts inside a byte, the
 * int32 offsets of "u" strings (widened to Pipe's int64), and an all-valid bitmap for a
 * nullable field whose child has none. Each chunk holds a reference to the import; the
 * last chunk dropped (on whichever thread releases its batch last) releases the array.
 * Lent columns are never written: kernels, windows and sinks only read their input.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rt_host.h"

typedef struct import {
  atomic_int refs;            /* the pushing call + one per chunk in flight */
  struct ArrowArray array;    /* moved from the caller */
} import;

typedef struct chunk {
  import *imp;
  pipe_column *cols;          /* [nfields], lent to a batch */
  void **owned;               /* [2 * nfields] buffers the chunk allocated, or NULL */
  int nowned;
} chunk;

/* How a child's values become a Pipe column: as they are (shared), or converted into
 * memory of the chunk. */
typedef enum conv {
  CONV_NONE,
  CONV_UTF8,   /* "u": int32 offsets widened to int64 */
  CONV_MUL,    /* "tss:", "tsm:", "tDs", "tDm": int64 seconds or milliseconds, * scale */
  CONV_DIV,    /* "tsn:", "tDn": int64 nanoseconds, / 1000 (whole microseconds only) */
  CONV_MDN,    /* "tin": {int32 months, int32 days, int64 nanoseconds}, months 0 only */
} conv;

/* One field's child and how to read it. */
typedef struct field_src {
  const struct ArrowArray *a;
  conv conv;
  int64_t scale;              /* CONV_MUL, CONV_DIV */
} field_src;

/* An interval of Arrow's month_day_nano type ("tin"). */
typedef struct mdn {
  int32_t months, days;
  int64_t nanos;
} mdn;

static void import_drop(import *imp) {
  /* acq_rel: every reader of the buffers is done before the producer frees them. */
  if (atomic_fetch_sub_explicit(&imp->refs, 1, memory_order_acq_rel) != 1) return;
  if (imp->array.release) imp->array.release(&imp->array);
  free(imp);
}

static void chunk_drop(void *arg) {
  chunk *c = arg;
  for (int i = 0; i < c->nowned; i++) free(c->owned[i]);
  free(c->owned);
  free(c->cols);
  import_drop(c->imp);
  free(c);
}

static int bit(const uint8_t *bits, int64_t i) {
  return (bits[i >> 3] >> (i & 7)) & 1;
}

/* ---- checking the schema and the array -------------------------------------------- */

/* The unit letter of a timestamp ("tsX:") or duration ("tDX") format: s, m (milli), u or
 * n, as a conversion to microseconds. 0 when it is no such unit. */
static int unit_conv(char u, field_src *s) {
  switch (u) {
  case 'u': return s->conv = CONV_NONE, 1;
  case 'm': return s->conv = CONV_MUL, s->scale = 1000, 1;
  case 's': return s->conv = CONV_MUL, s->scale = 1000000, 1;
  case 'n': return s->conv = CONV_DIV, s->scale = 1000, 1;
  default: return 0;
  }
}

/* Whether Arrow format f can fill a field of the type; sets how to read it. */
static int format_fits(int type, const char *f, field_src *s) {
  s->conv = CONV_NONE;
  switch (type) {
  case PIPE_T_BOOL: return strcmp(f, "b") == 0;
  case PIPE_T_I64: return strcmp(f, "l") == 0;
  case PIPE_T_F64: return strcmp(f, "g") == 0;
  case PIPE_T_STRING:
    if (strcmp(f, "u") == 0) s->conv = CONV_UTF8;
    return s->conv == CONV_UTF8 || strcmp(f, "U") == 0;
  /* Arrow: a timestamp with any time zone holds UTC instants (the zone is for display),
   * as Pipe's do; without one it is wall-clock time, taken as UTC. */
  case PIPE_T_TIMESTAMP: return strncmp(f, "ts", 2) == 0 && f[2] && f[3] == ':' && unit_conv(f[2], s);
  case PIPE_T_DURATION:
    if (strcmp(f, "tin") == 0) return s->conv = CONV_MDN, 1;
    return strncmp(f, "tD", 2) == 0 && f[2] && !f[3] && unit_conv(f[2], s);
  default: return 0;
  }
}

static const char *format_want(int type) {
  switch (type) {
  case PIPE_T_BOOL: return "\"b\"";
  case PIPE_T_I64: return "\"l\"";
  case PIPE_T_F64: return "\"g\"";
  case PIPE_T_STRING: return "\"U\" or \"u\"";
  case PIPE_T_TIMESTAMP: return "\"tsu:\" (or tss, tsm, tsn), with or without a time zone";
  default: return "\"tDu\" (or tDs, tDm, tDn), or \"tin\" without months";
  }
}

/* Maps each field to its child (by name): kid[k], and how to read it: src[k]. */
static int match_schema(rt_host *h, const struct ArrowSchema *s, int64_t *kid, field_src *src,
                        pipe_error *err) {
  const pipe_schema_desc *sd = &h->d->schema;
  const char *name = h->d->name;
  if (!s || !s->release || !s->format || strcmp(s->format, "+s") != 0)
    return rt_host_fail(err, 2, "error: host source `%s`: the Arrow schema is not a struct (\"+s\")", name);
  if (s->n_children != sd->nfields)
    return rt_host_fail(err, 2, "error: host source `%s`: the Arrow struct has %lld children, the schema %d fields",
                        name, (long long)s->n_children, sd->nfields);
  for (int k = 0; k < sd->nfields; k++) {
    const pipe_field_desc *f = &sd->fields[k];
    kid[k] = -1;
    for (int64_t c = 0; c < s->n_children; c++)
      if (s->children[c]->name && strcmp(s->children[c]->name, f->name) == 0) kid[k] = c;
    if (kid[k] < 0)
      return rt_host_fail(err, 2, "error: host source `%s`: the Arrow struct has no child `%s`", name, f->name);
    const struct ArrowSchema *c = s->children[kid[k]];
    if (!c->format || !format_fits(f->type, c->format, &src[k]) || c->dictionary)
      return rt_host_fail(err, 2, "error: host source `%s`: Arrow child `%s` has format \"%s\", the field "
                          "needs %s", name, f->name, c->format ? c->format : "", format_want(f->type));
  }
  return 0;
}

static int64_t nulls_in(const uint8_t *bits, int64_t from, int64_t len) {
  int64_t n = 0;
  for (int64_t i = from; i < from + len; i++) n += !bit(bits, i);
  return n;
}

/* Value i of a child read through s, in microseconds; 0 if it has none (a month, a
 * fraction of a microsecond, an overflow). */
static int to_micros(const field_src *s, int64_t i, int64_t *out) {
  const void *v = s->a->buffers[1];
  if (s->conv == CONV_MDN) {
    const mdn *m = (const mdn *)v + i;
    int64_t days;
    return m->months == 0 && m->nanos % 1000 == 0 &&
           !__builtin_mul_overflow((int64_t)m->days, (int64_t)86400000000, &days) &&
           !__builtin_add_overflow(days, m->nanos / 1000, out);
  }
  int64_t x = ((const int64_t *)v)[i];
  if (s->conv == CONV_DIV) return x % s->scale == 0 ? (*out = x / s->scale, 1) : 0;
  return !__builtin_mul_overflow(x, s->scale, out);
}

/* Every non-null value of a converted child fits its field (rows p .. p + len). */
static int check_values(rt_host *h, const pipe_field_desc *f, const field_src *s, int64_t p,
                        int64_t len, pipe_error *err) {
  if (s->conv != CONV_MUL && s->conv != CONV_DIV && s->conv != CONV_MDN) return 0;
  const uint8_t *valid = s->a->buffers[0];
  int64_t us;
  for (int64_t i = p; i < p + len; i++)
    if ((!valid || bit(valid, i)) && !to_micros(s, i, &us))
      return rt_host_fail(err, 2, "error: host source `%s`: field `%s`, row %lld: the Arrow value "
                          "is not a whole number of microseconds%s", h->d->name, f->name,
                          (long long)(i - p), s->conv == CONV_MDN ? " without months" : " in range");
  return 0;
}

/* Whether child a (of field f) can give rows [a->offset + off, + len). */
static int check_child(rt_host *h, const pipe_field_desc *f, const field_src *s, int64_t off,
                       int64_t len, pipe_error *err) {
  const struct ArrowArray *a = s->a;
  const char *name = h->d->name;
  int64_t nbuf = f->type == PIPE_T_STRING ? 3 : 2;
  if (!a || !a->release || a->n_buffers != nbuf || !a->buffers || a->offset < 0 || a->length < off + len ||
      (len > 0 && !a->buffers[1]))
    return rt_host_fail(err, 2, "error: host source `%s`: Arrow child `%s` is malformed (buffers, length "
                        "or offset)", name, f->name);
  int64_t p = a->offset + off;
  if (!f->nullable && a->null_count != 0 && a->buffers[0] && nulls_in(a->buffers[0], p, len) > 0)
    return rt_host_fail(err, 2, "error: host source `%s`: field `%s` is not nullable, the Arrow child has "
                        "nulls", name, f->name);
  return check_values(h, f, s, p, len, err);
}

static int check_array(rt_host *h, const struct ArrowArray *a, const field_src *src, pipe_error *err) {
  const char *name = h->d->name;
  if (a->length < 0 || a->offset < 0 || a->n_children != h->d->schema.nfields || (a->n_children && !a->children))
    return rt_host_fail(err, 2, "error: host source `%s`: the Arrow array does not fit its schema", name);
  if (a->null_count != 0 && a->n_buffers > 0 && a->buffers && a->buffers[0] &&
      nulls_in(a->buffers[0], a->offset, a->length) > 0)
    return rt_host_fail(err, 2, "error: host source `%s`: the Arrow struct has null rows", name);
  for (int k = 0; k < h->d->schema.nfields; k++)
    if (check_child(h, &h->d->schema.fields[k], &src[k], a->offset, a->length, err) != 0) return -1;
  return 0;
}

/* ---- chunks ------------------------------------------------------------------------ */

static void *owned(chunk *c, size_t n) {
  void *p = rt_xmalloc(n);
  c->owned[c->nowned++] = p;
  return p;
}

/* Bits [p, p + len) of bits as a bitmap starting at bit 0: shared when p is byte-aligned. */
static uint8_t *bitmap(chunk *c, const uint8_t *bits, int64_t p, int64_t len) {
  if ((p & 7) == 0) return (uint8_t *)bits + (p >> 3);
  uint8_t *out = owned(c, (size_t)(len + 7) / 8);
  memset(out, 0, (size_t)(len + 7) / 8);
  for (int64_t i = 0; i < len; i++) out[i >> 3] |= (uint8_t)(bit(bits, p + i) << (i & 7));
  return out;
}

static void chunk_column(chunk *c, pipe_column *col, const pipe_field_desc *f, field_src s, int64_t p,
                         int64_t len) {
  const void *const *b = s.a->buffers;
  if (f->nullable && b[0]) col->validity = bitmap(c, b[0], p, len);
  else if (f->nullable) col->validity = memset(owned(c, (size_t)(len + 7) / 8), 0xff, (size_t)(len + 7) / 8);
  switch (f->type) {
  case PIPE_T_BOOL: col->values = bitmap(c, b[1], p, len); break;
  case PIPE_T_STRING: {
    int64_t *offs = (int64_t *)b[1] + p;
    if (s.conv == CONV_UTF8) {
      const int32_t *o32 = (const int32_t *)b[1] + p;
      offs = owned(c, sizeof(int64_t) * (size_t)(len + 1));
      for (int64_t i = 0; i <= len; i++) offs[i] = o32[i];
    }
    col->values = offs;
    col->data = b[2] ? (char *)b[2] : (char *)"";
    col->data_len = col->data_cap = offs[len];
    break;
  }
  default:
    if (s.conv == CONV_NONE) {
      col->values = (int64_t *)b[1] + p;   /* int64 and double: 8 bytes, shared */
      break;
    }
    int64_t *us = owned(c, sizeof(int64_t) * (size_t)(len ? len : 1));
    for (int64_t i = 0; i < len; i++)
      if (!to_micros(&s, p + i, &us[i])) us[i] = 0;   /* a null row (checked before) */
    col->values = us;
    break;
  }
}

static chunk *chunk_new(import *imp, const pipe_schema_desc *sd, const field_src *src, int64_t start,
                        int64_t len) {
  chunk *c = rt_xcalloc(1, sizeof *c);
  int n = sd->nfields;
  c->imp = imp;
  c->cols = rt_xcalloc((size_t)(n ? n : 1), sizeof *c->cols);
  c->owned = rt_xcalloc((size_t)(2 * n + 1), sizeof *c->owned);
  for (int k = 0; k < n; k++)
    chunk_column(c, &c->cols[k], &sd->fields[k], src[k], src[k].a->offset + imp->array.offset + start, len);
  atomic_fetch_add_explicit(&imp->refs, 1, memory_order_relaxed);   /* the caller holds one */
  return c;
}

/* Sends the rows of imp chunk by chunk. Called with h->mu held. */
static int send_chunks(rt_host *h, import *imp, const field_src *src, pipe_error *err) {
  int64_t rows = imp->array.length;
  for (int64_t start = 0; start < rows;) {
    if (rt_run_stopping(h->run)) return rt_host_stopped(h, err);
    pipe_batch *b = rt_batch_get(h->pool);
    int64_t len = rows - start < b->cap ? rows - start : b->cap;
    chunk *c = chunk_new(imp, &h->d->schema, src, start, len);
    rt_batch_lend(b, c->cols, chunk_drop, c);
    for (int64_t i = 0; i < len; i++) b->lines[i] = ++h->ordinal;
    b->nrows = len;
    if (rt_host_send(h, b, err) != 0) return -1;
    start += len;
  }
  return 0;
}

/* Takes what the caller gave: the array into a new import (counted once, for this call),
 * the schema released after the check. */
static int push(pipe_run *r, const char *source, import *imp, struct ArrowSchema *schema, pipe_error *err) {
  rt_host *h = rt_host_find(r, source, err);
  if (!h) return -1;
  int n = h->d->schema.nfields;
  int64_t kid[n > 0 ? n : 1];
  field_src src[n > 0 ? n : 1];
  memset(src, 0, sizeof src);
  if (match_schema(h, schema, kid, src, err) != 0) return -1;
  if (imp->array.n_children == n && (n == 0 || imp->array.children))
    for (int k = 0; k < n; k++) src[k].a = imp->array.children[kid[k]];
  if (check_array(h, &imp->array, src, err) != 0) return -1;
  pthread_mutex_lock(&h->mu);
  int rc = rt_host_closed(h, err);
  if (rc == 0) rc = rt_host_send_cur(h, err);   /* rows pushed before go first */
  if (rc == 0) rc = send_chunks(h, imp, src, err);
  pthread_mutex_unlock(&h->mu);
  return rc;
}

int pipe_host_push_arrow(pipe_run *r, const char *source, struct ArrowArray *array,
                         struct ArrowSchema *schema, pipe_error *err) {
  int rc;
  if (!array || !array->release) {
    rc = rt_host_fail(err, 2, "error: host source `%s`: no Arrow array (NULL or released)",
                      source ? source : "(null)");
  } else {
    import *imp = rt_xcalloc(1, sizeof *imp);
    atomic_init(&imp->refs, 1);
    imp->array = *array;
    array->release = NULL;   /* moved: the caller's struct is released */
    rc = push(r, source, imp, schema, err);
    import_drop(imp);
  }
  if (schema && schema->release) schema->release(schema);
  return rc;
}
