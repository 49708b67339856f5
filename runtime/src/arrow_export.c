/* arrow_export.c: a batch as an Arrow C Data Interface struct array, without copying
 * (pipe_bind_sink_arrow's callbacks get these).
 *
 * Pipe batches are the Arrow layout (pipe/abi.h): each column's validity bitmap, values
 * (bit-packed bools, int64, double, or int64 string offsets: "U", large utf8) and string
 * bytes become the child's buffers as they are. The export holds one reference to the
 * batch, so its pool cannot reuse it before the export is released. One allocation
 * carries the parent and child structs; it is counted once for the parent and once per
 * child, because the Arrow specification lets a consumer move a child out and release it
 * on its own: the last release, on whichever thread, drops the batch and frees it. The
 * schema is built the same way, with copies of the field names.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rt_host.h"

typedef struct export_array {
  atomic_int refs;            /* parent + children not yet released */
  pipe_batch *batch;          /* one reference, dropped with the last release */
  int64_t n;
  struct ArrowArray *kids;    /* [n] */
  struct ArrowArray **kid_ptrs;
  const void **bufs;          /* [3 * n + 1]: the parent's (NULL validity), then 3 per child */
} export_array;

static void drop_array(export_array *e) {
  /* acq_rel: whoever frees must see every other holder's reads finished. */
  if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) != 1) return;
  rt_batch_release(e->batch);
  free(e->kids);
  free(e->kid_ptrs);
  free(e->bufs);
  free(e);
}

static void release_child(struct ArrowArray *a) {
  export_array *e = a->private_data;
  a->release = NULL;
  drop_array(e);
}

static void release_parent(struct ArrowArray *a) {
  export_array *e = a->private_data;
  for (int64_t i = 0; i < a->n_children; i++)   /* children not moved out go with it */
    if (a->children[i]->release) a->children[i]->release(a->children[i]);
  a->release = NULL;
  drop_array(e);
}

static int64_t count_nulls(const pipe_column *c, int64_t n) {
  if (!c->validity) return 0;
  int64_t nulls = 0;
  for (int64_t i = 0; i < n; i++) nulls += rt_is_null(c, i);
  return nulls;
}

static void export_child(export_array *e, int64_t k, const pipe_column *c, int type) {
  struct ArrowArray *a = &e->kids[k];
  const void **b = &e->bufs[1 + 3 * k];
  b[0] = c->validity;
  b[1] = c->values;
  b[2] = c->data;
  memset(a, 0, sizeof *a);
  a->length = e->batch->nrows;
  a->null_count = count_nulls(c, a->length);
  a->n_buffers = type == PIPE_T_STRING ? 3 : 2;
  a->buffers = b;
  a->release = release_child;
  a->private_data = e;
  e->kid_ptrs[k] = a;
}

static void export_array_of(pipe_batch *b, const pipe_schema_desc *s, struct ArrowArray *out) {
  export_array *e = rt_xcalloc(1, sizeof *e);
  int64_t n = s->nfields;
  rt_batch_retain(b, 1);
  e->batch = b;
  e->n = n;
  e->kids = rt_xcalloc((size_t)(n ? n : 1), sizeof *e->kids);
  e->kid_ptrs = rt_xcalloc((size_t)(n ? n : 1), sizeof *e->kid_ptrs);
  e->bufs = rt_xcalloc((size_t)(3 * n + 1), sizeof *e->bufs);
  atomic_init(&e->refs, (int)n + 1);
  for (int64_t k = 0; k < n; k++) export_child(e, k, &b->cols[k], s->fields[k].type);
  memset(out, 0, sizeof *out);
  out->length = b->nrows;
  out->n_buffers = 1;
  out->buffers = e->bufs;
  out->n_children = n;
  out->children = e->kid_ptrs;
  out->release = release_parent;
  out->private_data = e;
}

/* ---- the schema ------------------------------------------------------------------ */

typedef struct export_schema {
  atomic_int refs;
  struct ArrowSchema *kids;
  struct ArrowSchema **kid_ptrs;
  char **names;
  int64_t n;
} export_schema;

static void drop_schema(export_schema *e) {
  if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) != 1) return;
  for (int64_t k = 0; k < e->n; k++) free(e->names[k]);
  free(e->names);
  free(e->kids);
  free(e->kid_ptrs);
  free(e);
}

static void release_child_schema(struct ArrowSchema *s) {
  export_schema *e = s->private_data;
  s->release = NULL;
  drop_schema(e);
}

static void release_parent_schema(struct ArrowSchema *s) {
  export_schema *e = s->private_data;
  for (int64_t i = 0; i < s->n_children; i++)
    if (s->children[i]->release) s->children[i]->release(s->children[i]);
  s->release = NULL;
  drop_schema(e);
}

static const char *format_of(int type) {
  switch (type) {
  case PIPE_T_BOOL: return "b";
  case PIPE_T_F64: return "g";
  case PIPE_T_STRING: return "U";
  case PIPE_T_TIMESTAMP: return "tsu:UTC";
  case PIPE_T_DURATION: return "tDu";
  default: return "l";
  }
}

static void export_schema_of(const pipe_schema_desc *s, struct ArrowSchema *out) {
  export_schema *e = rt_xcalloc(1, sizeof *e);
  int64_t n = s->nfields;
  e->n = n;
  e->kids = rt_xcalloc((size_t)(n ? n : 1), sizeof *e->kids);
  e->kid_ptrs = rt_xcalloc((size_t)(n ? n : 1), sizeof *e->kid_ptrs);
  e->names = rt_xcalloc((size_t)(n ? n : 1), sizeof *e->names);
  atomic_init(&e->refs, (int)n + 1);
  for (int64_t k = 0; k < n; k++) {
    const pipe_field_desc *f = &s->fields[k];
    size_t len = strlen(f->name);
    e->names[k] = memcpy(rt_xmalloc(len + 1), f->name, len + 1);
    struct ArrowSchema *c = &e->kids[k];
    memset(c, 0, sizeof *c);
    c->format = format_of(f->type);
    c->name = e->names[k];
    c->flags = f->nullable ? ARROW_FLAG_NULLABLE : 0;
    c->release = release_child_schema;
    c->private_data = e;
    e->kid_ptrs[k] = c;
  }
  memset(out, 0, sizeof *out);
  out->format = "+s";
  out->name = "";
  out->n_children = n;
  out->children = e->kid_ptrs;
  out->release = release_parent_schema;
  out->private_data = e;
}

void rt_arrow_export(pipe_batch *b, const pipe_schema_desc *s, struct ArrowArray *array,
                     struct ArrowSchema *schema) {
  export_array_of(b, s, array);
  export_schema_of(s, schema);
}
