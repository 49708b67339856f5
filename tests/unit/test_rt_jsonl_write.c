/* test_rt_jsonl_write.c: dotted field names written as nested JSON objects (json_nest.c):
 * shared prefixes at any depth, objects in the order of their first field, nulls inside
 * objects, names that continue another field's name, names with dots that are not dotted
 * names (one key each), one shape for many rows, and the
 * round trip through the JSON-lines reader (nested input at several depths, null and
 * missing parents) back to the same text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_nest.h"
#include "rt_batch.h"
#include "rt_io.h"
#include "tap.h"

/* A schema of nullable i64 fields named by the space-separated words of `names`. */
typedef struct schema {
  char buf[512];
  pipe_field_desc f[32];
  pipe_schema_desc s;
} schema;

static void make_schema(schema *sc, const char *names) {
  snprintf(sc->buf, sizeof sc->buf, "%s", names);
  int n = 0;
  for (char *w = strtok(sc->buf, " "); w; w = strtok(NULL, " "))
    sc->f[n++] = (pipe_field_desc){w, PIPE_T_I64, 1};
  sc->s = (pipe_schema_desc){sc->f, n, 0};
}

/* The object of one row whose field i is i + 1, or null where `nulls` has a 1 at i. */
static const char *row_of(const char *names, const char *nulls) {
  static rt_buf out;
  schema sc;
  make_schema(&sc, names);
  pipe_batch *b = rt_batch_new(&sc.s, 1);
  for (int i = 0; i < sc.s.nfields; i++) {
    ((int64_t *)b->cols[i].values)[0] = i + 1;
    rt_set_valid(&b->cols[i], 0, !(nulls && nulls[i] == '1'));
  }
  b->nrows = 1;
  out.len = 0;
  rt_buf_json_row(&out, b, &sc.s, 0);
  rt_buf_putc(&out, 0);
  rt_batch_release(b);
  return out.p;
}

static void test_shapes(void) {
  is_str(row_of("a b c", NULL), "{\"a\":1,\"b\":2,\"c\":3}", "flat names: flat object");
  is_str(row_of("user.id", NULL), "{\"user\":{\"id\":1}}", "one dotted name");
  is_str(row_of("a.x b a.y", NULL), "{\"a\":{\"x\":1,\"y\":3},\"b\":2}",
         "a.x, b, a.y: one object where a.x is");
  is_str(row_of("t g.p.lat g.city g.p.lon", NULL),
         "{\"t\":1,\"g\":{\"p\":{\"lat\":2,\"lon\":4},\"city\":3}}",
         "two levels, members in order of first appearance");
  is_str(row_of("a.b.c.d.e", NULL), "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}", "five deep");
  is_str(row_of("x.a y.a x.b.c y.b", "0110"),
         "{\"x\":{\"a\":1,\"b\":{\"c\":null}},\"y\":{\"a\":null,\"b\":4}}",
         "nulls inside objects; same part names under other parents");
  is_str(row_of("a.x", "1"), "{\"a\":{\"x\":null}}", "an all-null object is still written");
  is_str(row_of("", NULL), "{}", "no fields: empty object");
  is_str(row_of("order.by order.select", NULL), "{\"order\":{\"by\":1,\"select\":2}}",
         "reserved words as parts");
}

/* A field `u` and fields under it cannot share the key: those keep their whole name. */
static void test_clash(void) {
  is_str(row_of("u u.x v.w", NULL), "{\"u\":1,\"u.x\":2,\"v\":{\"w\":3}}",
         "u then u.x: u.x under its whole name");
  is_str(row_of("u.x u", NULL), "{\"u.x\":1,\"u\":2}", "u.x then u: same, in field order");
  is_str(row_of("k.a k.a.x k.b k.a.y.z", NULL),
         "{\"k\":{\"a\":1,\"b\":3},\"k.a.x\":2,\"k.a.y.z\":4}",
         "k.a is a value: k.a.x, k.a.y.z flat, k.b still in k");
  is_str(row_of("d d", NULL), "{\"d\":1,\"d\":2}", "a name twice (hand-made schema): both written");
  is_str(row_of("e.f e.f", NULL), "{\"e\":{\"f\":1,\"f\":2}}", "a dotted name twice: both written");
}

/* Only dotted names of the language (identifiers joined by dots) are paths: a window's
 * late rows carry computed columns named by their text, dots and all. */
static void test_not_paths(void) {
  static const pipe_field_desc f[] = {
      {"user.id", PIPE_T_I64, 1}, {"sum(q * 1.5)", PIPE_T_I64, 1}, {"sum(user.id * 2)", PIPE_T_I64, 1},
      {"a..b", PIPE_T_I64, 1},    {"x.1", PIPE_T_I64, 1},          {"y.", PIPE_T_I64, 1},
      {".z", PIPE_T_I64, 1},      {"user.n_2", PIPE_T_I64, 1}};
  static const pipe_schema_desc s = {f, 8, 0};
  pipe_batch *b = rt_batch_new(&s, 1);
  for (int i = 0; i < 8; i++) {
    ((int64_t *)b->cols[i].values)[0] = i;
    rt_set_valid(&b->cols[i], 0, 1);
  }
  b->nrows = 1;
  rt_buf out = {0};
  rt_buf_json_row(&out, b, &s, 0);
  rt_buf_putc(&out, 0);
  is_str(out.p,
         "{\"user\":{\"id\":0,\"n_2\":7},\"sum(q * 1.5)\":1,\"sum(user.id * 2)\":2,"
         "\"a..b\":3,\"x.1\":4,\"y.\":5,\".z\":6}",
         "names that are not dotted names: one key each");
  rt_buf_free(&out);
  rt_batch_release(b);
}

/* One shape renders many rows; a schema on the stack may go away before the shape. */
static void test_shape_reuse(void) {
  schema *sc = malloc(sizeof *sc);
  make_schema(sc, "p.q r p.s");
  pipe_batch *b = rt_batch_new(&sc->s, 3);
  for (int r = 0; r < 3; r++)
    for (int i = 0; i < 3; i++) {
      ((int64_t *)b->cols[i].values)[r] = 10 * r + i;
      rt_set_valid(&b->cols[i], r, (r + i) % 3 != 0);
    }
  b->nrows = 3;
  rt_json_shape sh;
  rt_json_shape_init(&sh, &sc->s);
  is_int(sh.n, 3, "shape: three fields");
  ok(sh.order[0] == 0 && sh.order[1] == 2 && sh.order[2] == 1, "shape: writing order p.q p.s r");
  pipe_field_desc copy[3];
  memcpy(copy, sc->f, sizeof copy);
  pipe_schema_desc s2 = {copy, 3, 0};
  memset(sc, 0, sizeof *sc);   /* names gone: the shape keeps its own text */
  free(sc);
  rt_buf out = {0};
  rt_jsonl_put_shaped(&out, b, &s2, &sh);
  rt_buf_putc(&out, 0);
  is_str(out.p,
         "{\"p\":{\"q\":null,\"s\":2},\"r\":1}\n"
         "{\"p\":{\"q\":10,\"s\":null},\"r\":11}\n"
         "{\"p\":{\"q\":20,\"s\":22},\"r\":null}\n",
         "three rows through one shape");
  rt_buf_free(&out);
  rt_json_shape_free(&sh);
  rt_batch_release(b);
}

static char tmpdir[] = "/tmp/pipe_jsonlwrite_XXXXXX";

static const char *put_file(const char *name, const char *data, size_t n) {
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, n, f);
  fclose(f);
  return path;
}

/* Reads path as JSON lines of s (at most 16 rows); *errs counts row errors. */
static pipe_batch *read_jsonl(const char *path, const pipe_schema_desc *s, int *errs) {
  static const pipe_conn_desc conn = {.kind = PIPE_CONN_JSONL, .path_param = -1,
                                      .path = "", .line = 1, .col = 1};
  rt_ioerr err;
  rt_reader *r = rt_reader_open(path, &conn, s, NULL, &err);
  if (!r) return NULL;
  pipe_batch *b = rt_batch_new(s, 16);
  rt_rowerr re;
  *errs = 0;
  for (;;) {
    int st = rt_reader_next(r, b, &re, &err);
    if (st == RT_READ_ROWERR) (*errs)++;
    else if (st != RT_READ_BATCH || b->nrows == b->cap) break;
  }
  rt_reader_close(r);
  return b;
}

/* JSON lines of `in` read with s and written again. */
static char *through(const char *in, const pipe_schema_desc *s, int *nrows, int *errs) {
  const char *p = put_file("in.jsonl", in, strlen(in));
  pipe_batch *b = read_jsonl(p, s, errs);
  if (!b) return strdup("(open failed)");
  rt_buf out = {0};
  rt_jsonl_put_rows(&out, b, s);
  rt_buf_putc(&out, 0);
  *nrows = (int)b->nrows;
  rt_batch_release(b);
  return out.p;
}

static const pipe_field_desc ev_f[] = {
    {"id", PIPE_T_I64, 0},       {"user.id", PIPE_T_I64, 1},      {"name", PIPE_T_STRING, 1},
    {"user.tag", PIPE_T_STRING, 1}, {"geo.pos.lat", PIPE_T_F64, 1}, {"geo.city", PIPE_T_STRING, 1},
    {"geo.pos.lon", PIPE_T_F64, 1}, {"a.b.c.d", PIPE_T_BOOL, 1}, {"a.b.t", PIPE_T_TIMESTAMP, 1}};
static const pipe_schema_desc ev = {ev_f, 9, 0};

/* Canonical lines (every field, in the writer's order): read and written, the same text. */
static const char canonical[] =
    "{\"id\":1,\"user\":{\"id\":7,\"tag\":\"x\"},\"name\":\"ann\",\"geo\":{\"pos\":{\"lat\":48.1,"
    "\"lon\":11.5},\"city\":\"Munich\"},\"a\":{\"b\":{\"c\":{\"d\":true},\"t\":\"2026-01-05T09:30:00Z\"}}}\n"
    "{\"id\":2,\"user\":{\"id\":null,\"tag\":null},\"name\":null,\"geo\":{\"pos\":{\"lat\":null,"
    "\"lon\":null},\"city\":null},\"a\":{\"b\":{\"c\":{\"d\":null},\"t\":null}}}\n"
    "{\"id\":3,\"user\":{\"id\":-1,\"tag\":\"q\\\"\\n\"},\"name\":\"\",\"geo\":{\"pos\":{\"lat\":-0.5,"
    "\"lon\":null},\"city\":\"caf\xc3\xa9\"},\"a\":{\"b\":{\"c\":{\"d\":false},\"t\":null}}}\n";

/* Absent and null parents, members out of order, flat whole-name keys: */
static const char loose[] =
    "{\"id\":4}\n"
    "{\"a\":null,\"geo\":{\"city\":\"Oslo\"},\"user\":null,\"id\":5}\n"
    "{\"id\":6,\"a\":{\"b\":{\"c\":{}}},\"geo\":{\"pos\":null},\"user.id\":8,\"geo.pos.lon\":1.5}\n";
/* ... are written canonically: */
static const char loose_out[] =
    "{\"id\":4,\"user\":{\"id\":null,\"tag\":null},\"name\":null,\"geo\":{\"pos\":{\"lat\":null,"
    "\"lon\":null},\"city\":null},\"a\":{\"b\":{\"c\":{\"d\":null},\"t\":null}}}\n"
    "{\"id\":5,\"user\":{\"id\":null,\"tag\":null},\"name\":null,\"geo\":{\"pos\":{\"lat\":null,"
    "\"lon\":null},\"city\":\"Oslo\"},\"a\":{\"b\":{\"c\":{\"d\":null},\"t\":null}}}\n"
    "{\"id\":6,\"user\":{\"id\":8,\"tag\":null},\"name\":null,\"geo\":{\"pos\":{\"lat\":null,"
    "\"lon\":1.5},\"city\":null},\"a\":{\"b\":{\"c\":{\"d\":null},\"t\":null}}}\n";

static void test_round_trip(void) {
  int n = 0, errs = 0;
  char *out = through(canonical, &ev, &n, &errs);
  is_int(n, 3, "canonical: three rows");
  is_int(errs, 0, "canonical: no row errors");
  is_str(out, canonical, "canonical nested lines: read and written, the same text");
  free(out);

  out = through(loose, &ev, &n, &errs);
  is_int(n, 3, "loose: three rows");
  is_int(errs, 0, "loose: no row errors");
  is_str(out, loose_out, "null and absent parents, flat keys: written canonically");
  char *again = through(out, &ev, &n, &errs);
  is_str(again, loose_out, "the canonical form reads back to the same values");
  free(again);
  free(out);
}

int main(void) {
  if (!mkdtemp(tmpdir)) return 1;
  test_shapes();
  test_clash();
  test_not_paths();
  test_shape_reuse();
  test_round_trip();
  char path[160];
  snprintf(path, sizeof path, "%s/in.jsonl", tmpdir);
  unlink(path);
  rmdir(tmpdir);
  return tap_done();
}
