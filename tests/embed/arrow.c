/* arrow.c: Arrow C Data Interface arrays built by hand go into arrow.pipe's host source
 * (pipe_host_push_arrow) and come back from its two host sinks (pipe_bind_sink_arrow),
 * for tests/embed_arrow.t. The pushed arrays have nulls, a parent and a child offset,
 * "U" and "u" strings, a bool child at an odd offset and a nullable child without a
 * validity buffer; a third array has timestamps in milliseconds ("tsm:") and durations as
 * month-day-nano intervals ("tin"), which are converted; bad arrays (a wrong format,
 * nulls in a non-nullable field, a missing child, an interval with a month, nanoseconds
 * that are not whole microseconds) must fail with status 2. Every producer release must run exactly once. Sink 1
 * keeps (moves) every array it gets and prints them after pipe_close: they must still be
 * intact. Output: one line per row received, then the release counts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arrow.h"

/* ---- a hand-made producer --------------------------------------------------------- */

typedef struct made {
  struct ArrowArray top, kids[6], *kid_ptrs[6];
  const void *bufs[6][3], *top_bufs[1];
  struct ArrowSchema stop, skids[6], *skid_ptrs[6];
  int released, schema_released;
} made;

static void kid_release(struct ArrowArray *a) { a->release = NULL; }
static void top_release(struct ArrowArray *a) {
  made *m = a->private_data;
  for (int i = 0; i < a->n_children; i++)
    if (a->children[i]->release) a->children[i]->release(a->children[i]);
  a->release = NULL;
  m->released++;
}
static void skid_release(struct ArrowSchema *s) { s->release = NULL; }
static void stop_release(struct ArrowSchema *s) {
  made *m = s->private_data;
  for (int i = 0; i < s->n_children; i++)
    if (s->children[i]->release) s->children[i]->release(s->children[i]);
  s->release = NULL;
  m->schema_released++;
}

static const char *const names[6] = {"id", "name", "score", "ok", "at", "took"};

/* A struct array of `len` rows at parent offset `off`; child k has format fmt[k], child
 * offset koff[k], buffers b[k]. */
static void make(made *m, int64_t len, int64_t off, const char *const *fmt, const int64_t *koff,
                 const void *const b[6][3], const int64_t *nulls) {
  memset(m, 0, sizeof *m);
  for (int k = 0; k < 6; k++) {
    struct ArrowArray *a = &m->kids[k];
    memcpy(m->bufs[k], b[k], sizeof m->bufs[k]);
    a->length = koff[k] + off + len;
    a->offset = koff[k];
    a->null_count = nulls[k];
    a->n_buffers = fmt[k][0] == 'u' || fmt[k][0] == 'U' ? 3 : 2;
    a->buffers = m->bufs[k];
    a->release = kid_release;
    m->kid_ptrs[k] = a;
    struct ArrowSchema *s = &m->skids[k];
    s->format = fmt[k];
    s->name = names[k];
    s->flags = ARROW_FLAG_NULLABLE;
    s->release = skid_release;
    m->skid_ptrs[k] = s;
  }
  m->top = (struct ArrowArray){len, 0, off, 1, 6, m->top_bufs, m->kid_ptrs, NULL, top_release, m};
  m->stop = (struct ArrowSchema){"+s", "", NULL, 0, 6, m->skid_ptrs, NULL, stop_release, m};
}

/* Rows of the first array: physical row 0 is skipped by the parent offset 1. Names have
 * child offset 1 (one more leading junk string). */
static const int64_t ids[] = {-1, 1, 2, 3, 4, 5, 6};
static const int64_t name_offs[] = {0, 4, 8, 11, 14, 14, 17, 20, 23};
static const char name_bytes[] = "junkskipannbobdeeevefay";
static const double scores[] = {0, 1.5, 0, 3.25, 4, 0, 6.5};
static const uint8_t score_valid[] = {0x5a};   /* rows 1 and 4 (bits 2, 5) are null */
/* ok: child offset 8 + parent offset 1, so row i is bit 9 + i: rows 0 and 3 true, row 2 null. */
static const uint8_t ok_vals[] = {0x00, 0x12};
static const uint8_t ok_valid[] = {0x00, 0x76};
static const int64_t ats[] = {0, 1767605400000000, 1767605401000000, 1767605402000000,
                              1767605403000000, 1767605404000000, 1767605405500000};
static const int64_t tooks[] = {0, 1000000, 250000, 60000000, 0, 5, 3600000000};

/* The second array: "u" strings, "tsu:" timestamps, no parent offset. */
static const int32_t name32_offs[] = {0, 3, 3};
static const char name32_bytes[] = "zed";
static const int64_t ids2[] = {7, 8};
static const double scores2[] = {7.5, 8.5};
static const uint8_t ok2[] = {0x01};
static const int64_t ats2[] = {1767605406000000, 1767605407000000};
static const int64_t tooks2[] = {1, 2};

/* The third array: milliseconds and month-day-nano intervals, converted on the way in. */
typedef struct mdn {
  int32_t months, days;
  int64_t nanos;
} mdn;
static const int64_t ids3[] = {9, 10};
static const int64_t ats3_ms[] = {1767605408250, -1500};
static const mdn tooks3[] = {{0, 1, 5000}, {0, -2, -1000}};
static const mdn tooks_month[] = {{1, 0, 0}, {0, 0, 0}};
static const int64_t tooks_ns[] = {1500, 2000};

/* ---- the sinks -------------------------------------------------------------------- */

static int bit(const void *bits, int64_t i) {
  return (((const uint8_t *)bits)[i >> 3] >> (i & 7)) & 1;
}

static void print_row(const char *who, const struct ArrowArray *a, int64_t i) {
  struct ArrowArray *const *c = a->children;
  const int64_t *off = (const int64_t *)c[1]->buffers[1] + c[1]->offset;
  const char *bytes = c[1]->buffers[2];
  int64_t j = i + c[0]->offset;
  printf("%s: id=%" PRId64 " name=%.*s", who, ((const int64_t *)c[0]->buffers[1])[j],
         (int)(off[i + 1] - off[i]), bytes + off[i]);
  if (c[2]->buffers[0] && !bit(c[2]->buffers[0], i)) printf(" score=null");
  else printf(" score=%g", ((const double *)c[2]->buffers[1])[i]);
  if (c[3]->buffers[0] && !bit(c[3]->buffers[0], i)) printf(" ok=null");
  else printf(" ok=%d", bit(c[3]->buffers[1], i));
  printf(" at=%" PRId64, ((const int64_t *)c[4]->buffers[1])[i]);
  if (c[5]->buffers[0] && !bit(c[5]->buffers[0], i)) printf(" took=null\n");
  else printf(" took=%" PRId64 "\n", ((const int64_t *)c[5]->buffers[1])[i]);
}

static int check_schema(const struct ArrowSchema *s) {
  static const char *const want[6] = {"l", "U", "g", "b", "tsu:UTC", "tDu"};
  if (strcmp(s->format, "+s") != 0 || s->n_children != 6) return 1;
  for (int k = 0; k < 6; k++)
    if (strcmp(s->children[k]->format, want[k]) != 0 || strcmp(s->children[k]->name, names[k]) != 0)
      return 1;
  return 0;
}

static int sink0(void *user, struct ArrowArray *a, struct ArrowSchema *s) {
  (void)user;
  if (check_schema(s)) return 7;
  for (int64_t i = 0; i < a->length; i++) print_row("sink0", a, i);
  return 0;   /* not released: the runtime releases what is left */
}

typedef struct kept {
  struct ArrowArray a[64];
  int n;
} kept;

static int sink1(void *user, struct ArrowArray *a, struct ArrowSchema *s) {
  kept *k = user;
  if (check_schema(s) || k->n == 64) return 8;
  k->a[k->n++] = *a;   /* moved: ours now */
  a->release = NULL;
  s->release(s);       /* released here; the runtime must not release it again */
  return 0;
}

/* ---- the run ---------------------------------------------------------------------- */

static const char *const fmt1[6] = {"l", "U", "g", "b", "tsu:UTC", "tDu"};
static const char *const fmt2[6] = {"l", "u", "g", "b", "tsu:", "tDu"};
static const char *const fmt3[6] = {"l", "u", "g", "b", "tsm:", "tin"};
static const char *const fmt_ns[6] = {"l", "u", "g", "b", "tsm:", "tDn"};

static int push(pipe_run *r, made *m, const char *what) {
  pipe_error err;
  int rc = arrow_recs_push_arrow(r, &m->top, &m->stop, &err);
  if (rc != 0) printf("%s: status %d: %s", what, err.status, err.msg);
  if (m->top.release || m->stop.release) printf("%s: the caller's structs are not marked moved\n", what);
  return rc;
}

int main(void) {
  static made m[9];
  const int64_t koff1[6] = {0, 1, 0, 8, 0, 0}, koff0[6] = {0};
  const int64_t nulls1[6] = {0, 0, -1, 1, 0, 0}, nulls0[6] = {0};
  const void *b1[6][3] = {{NULL, ids}, {NULL, name_offs, name_bytes}, {score_valid, scores},
                          {ok_valid, ok_vals}, {NULL, ats}, {NULL, tooks}};
  const void *b2[6][3] = {{NULL, ids2}, {NULL, name32_offs, name32_bytes}, {NULL, scores2},
                          {NULL, ok2}, {NULL, ats2}, {NULL, tooks2}};
  make(&m[0], 6, 1, fmt1, koff1, b1, nulls1);
  make(&m[1], 2, 0, fmt2, koff0, b2, nulls0);
  const char *bad_fmt[6] = {"i", "U", "g", "b", "tsu:UTC", "tDu"};
  make(&m[2], 6, 1, bad_fmt, koff1, b1, nulls1);
  const uint8_t id_nulls[] = {0xfd};   /* row 1 of the ids is null */
  const void *b3[6][3] = {{id_nulls, ids}, {NULL, name_offs, name_bytes}, {score_valid, scores},
                          {ok_valid, ok_vals}, {NULL, ats}, {NULL, tooks}};
  const int64_t nulls3[6] = {1, 0, -1, 1, 0, 0};
  make(&m[3], 6, 1, fmt1, koff1, b3, nulls3);
  make(&m[4], 6, 1, fmt1, koff1, b1, nulls1);
  m[4].skids[5].name = "took_us";   /* no child `took` */
  make(&m[5], 0, 0, fmt1, koff0, b1, nulls0);   /* empty */
  const void *b6[6][3] = {{NULL, ids3}, {NULL, name32_offs, name32_bytes}, {NULL, scores2},
                          {NULL, ok2}, {NULL, ats3_ms}, {NULL, tooks3}};
  make(&m[6], 2, 0, fmt3, koff0, b6, nulls0);
  const void *b7[6][3] = {{NULL, ids3}, {NULL, name32_offs, name32_bytes}, {NULL, scores2},
                          {NULL, ok2}, {NULL, ats3_ms}, {NULL, tooks_month}};
  make(&m[7], 2, 0, fmt3, koff0, b7, nulls0);
  const void *b8[6][3] = {{NULL, ids3}, {NULL, name32_offs, name32_bytes}, {NULL, scores2},
                          {NULL, ok2}, {NULL, ats3_ms}, {NULL, tooks_ns}};
  make(&m[8], 2, 0, fmt_ns, koff0, b8, nulls0);

  pipe_error err;
  pipe_run *r = arrow_open(&err);
  kept k = {0};
  if (!r || arrow_sink0_bind_arrow(r, sink0, NULL) != 0 || arrow_sink1_bind_arrow(r, sink1, &k) != 0 ||
      pipe_start(r) != 0) {
    fprintf(stderr, "%s", r ? pipe_get_error(r)->msg : err.msg);
    return 1;
  }
  push(r, &m[2], "bad format");
  push(r, &m[3], "nulls in id");
  push(r, &m[4], "missing child");
  push(r, &m[7], "an interval of a month");
  push(r, &m[8], "1500 nanoseconds");
  push(r, &m[0], "first");
  push(r, &m[5], "empty");
  push(r, &m[1], "second");
  push(r, &m[6], "third");
  arrow_recs_end(r, NULL);
  int status = pipe_wait(r);
  printf("status %d\n%s", status, pipe_get_error(r)->msg);
  pipe_close(r);
  for (int i = 0; i < 9; i++) printf("array %d: released %d, schema released %d\n", i, m[i].released, m[i].schema_released);
  /* Sink 1's arrays outlive the run: still intact, then released (the first array's
   * buffers with them). */
  for (int i = 0; i < k.n; i++) {
    for (int64_t j = 0; j < k.a[i].length; j++) print_row("kept", &k.a[i], j);
    k.a[i].release(&k.a[i]);
  }
  printf("after the kept arrays: array 0 released %d, array 1 released %d, array 6 released %d\n",
         m[0].released, m[1].released, m[6].released);
  return 0;
}
