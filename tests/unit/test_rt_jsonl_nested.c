/* test_rt_jsonl_nested.c: dotted field names in the JSON-lines reader: nested objects one
 * and several levels deep, fields sharing a parent, the flat whole-name key, absent and
 * null parents, parents that are not objects, duplicates, projection, schemas whose
 * names clash, and the key tree itself (jsonl_keys.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonl_scan.h"
#include "rt_batch.h"
#include "rt_io.h"
#include "tap.h"

static char tmpdir[] = "/tmp/pipe_jsonlnest_XXXXXX";
static int nfiles;

static const char *put_file(const char *data) {
  static char paths[16][128];
  char *path = paths[nfiles++ % 16];
  snprintf(path, 128, "%s/in%d.jsonl", tmpdir, nfiles);
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, strlen(data), f);
  fclose(f);
  return path;
}

static const pipe_conn_desc conn = {.kind = PIPE_CONN_JSONL, .path_param = -1, .path = "",
                                    .line = 1, .col = 1};

typedef struct seen_err {
  int64_t line;
  int field;
  char msg[256], value[64];
} seen_err;
static seen_err errs[32];
static int nerrs;

static pipe_batch *read_all(const char *path, const pipe_schema_desc *s, const uint8_t *needed,
                            rt_ioerr *err) {
  rt_reader *r = rt_reader_open(path, &conn, s, needed, err);
  if (!r) return NULL;
  pipe_batch *b = rt_batch_new(s, 64);
  rt_rowerr re;
  nerrs = 0;
  for (;;) {
    int st = rt_reader_next(r, b, &re, err);
    if (st == RT_READ_ROWERR) {
      seen_err *e = &errs[nerrs++ % 32];
      e->line = re.line;
      e->field = re.field;
      snprintf(e->msg, sizeof e->msg, "%s", re.msg);
      snprintf(e->value, sizeof e->value, "%.*s", (int)re.value_len, re.value ? re.value : "");
      continue;
    }
    if (st != RT_READ_BATCH || b->nrows == b->cap) break;
  }
  rt_reader_close(r);
  return b;
}

static char strbuf[8][256];
static int nstr;
static const char *S(const pipe_batch *b, int c, int64_t i) {
  if (rt_is_null(&b->cols[c], i)) return "<null>";
  pipe_str s = rt_str_at(&b->cols[c], i);
  char *o = strbuf[nstr++ % 8];
  snprintf(o, 256, "%.*s", (int)s.len, s.ptr);
  return o;
}
/* Row i of i64 column c, or -1 for null. */
static int64_t I(const pipe_batch *b, int c, int64_t i) {
  return rt_is_null(&b->cols[c], i) ? -1 : ((int64_t *)b->cols[c].values)[i];
}

static const pipe_field_desc user_f[] = {{"ts", PIPE_T_I64, 0},
                                         {"user.id", PIPE_T_I64, 0},
                                         {"user.name", PIPE_T_STRING, 1},
                                         {"a.b.c", PIPE_T_I64, 1},
                                         {"a.b.d", PIPE_T_STRING, 1},
                                         {"a.e", PIPE_T_I64, 1}};
static const pipe_schema_desc user = {user_f, 6, 0};

static void test_nested(void) {
  rt_ioerr err;
  const char *p = put_file(
      "{\"ts\":1,\"user\":{\"id\":7,\"name\":\"ann\"},\"a\":{\"b\":{\"c\":3,\"d\":\"x\"},\"e\":5}}\n"
      "{\"a\":{\"e\":6,\"b\":{\"d\":\"y\",\"c\":4}},\"user\":{\"name\":\"bob\",\"id\":8},\"ts\":2}\n"
      "{\"ts\":3,\"user\":{\"id\":9,\"extra\":{\"id\":99},\"tags\":[1,{\"id\":2}]}}\n"
      "{\"ts\":4,\"user.id\":10,\"user.name\":\"flat\",\"a.b.c\":11}\n"
      "{\"ts\":5,\"user\":{\"id\":12,\"name\":null},\"a\":null}\n"
      "{\"ts\":6,\"user\":{\"id\":13},\"a\":{\"b\":null,\"e\":null}}\n"
      "{\"ts\":7,\"user\":{\"id\":14},\"a\":{\"b\":{}}}\n"
      "{ \"user\" : { \"\\u0069d\" : 15 } , \"ts\" : 8 , \"other\" : {\"user\":{\"id\":0}} }\n");
  pipe_batch *b = read_all(p, &user, NULL, &err);
  if (!ok(b != NULL, "dotted schema opens")) return;
  is_int(b->nrows, 8, "eight rows");
  is_int(nerrs, 0, "no row errors");
  is_int(I(b, 1, 0), 7, "user.id one level deep");
  is_str(S(b, 2, 0), "ann", "user.name beside it");
  is_int(I(b, 3, 0), 3, "a.b.c two levels deep");
  is_str(S(b, 4, 0), "x", "a.b.d shares a.b");
  is_int(I(b, 5, 0), 5, "a.e shares a");
  ok(I(b, 1, 1) == 8 && I(b, 3, 1) == 4 && I(b, 5, 1) == 6 && I(b, 0, 1) == 2 &&
         strcmp(S(b, 4, 1), "y") == 0 && strcmp(S(b, 2, 1), "bob") == 0,
     "members in any order at every level");
  ok(I(b, 1, 2) == 9 && strcmp(S(b, 2, 2), "<null>") == 0 && I(b, 3, 2) == -1,
     "unknown nested members ignored; absent parent `a`: nulls");
  ok(I(b, 1, 3) == 10 && strcmp(S(b, 2, 3), "flat") == 0 && I(b, 3, 3) == 11,
     "flat whole-name keys");
  ok(I(b, 1, 4) == 12 && strcmp(S(b, 2, 4), "<null>") == 0 && I(b, 3, 4) == -1 &&
         I(b, 5, 4) == -1,
     "null member and null parent: null");
  ok(I(b, 3, 5) == -1 && I(b, 5, 5) == -1, "null parent two levels deep");
  ok(I(b, 1, 6) == 14 && I(b, 3, 6) == -1, "empty nested object: absent members");
  ok(I(b, 1, 7) == 15 && I(b, 0, 7) == 8, "escaped nested key; same names deeper ignored");
  rt_batch_release(b);
}

static void test_errors(void) {
  static const struct {
    const char *line, *msg, *value;
    int field;
  } cases[] = {
      {"{\"ts\":1}", "missing value", "", 1},
      {"{\"ts\":1,\"user\":null}", "missing value", "", 1},
      {"{\"ts\":1,\"user\":{\"name\":\"x\"}}", "missing value", "", 1},
      {"{\"ts\":1,\"user\":{\"id\":null}}", "missing value", "null", 1},
      {"{\"ts\":1,\"user\":5}", "`user` is not an object", "5", 1},
      {"{\"ts\":1,\"user\":\"x\"}", "`user` is not an object", "\"x\"", 1},
      {"{\"ts\":1,\"user\":[{\"id\":1}]}", "`user` is not an object", "[{\"id\":1}]", 1},
      {"{\"ts\":1,\"user\":{\"id\":1},\"a\":{\"b\":true}}", "`a.b` is not an object", "true", 3},
      {"{\"ts\":1,\"user\":{\"id\":1},\"a\":7}", "`a` is not an object", "7", 3},
      {"{\"ts\":1,\"user\":{\"id\":\"7\"}}", "invalid i64", "\"7\"", 1},
      {"{\"ts\":1,\"user\":{\"id\":1,\"id\":2}}", "duplicate key", "2", 1},
      {"{\"ts\":1,\"user\":{\"id\":1},\"user.id\":2}", "duplicate key", "2", 1},
      {"{\"ts\":1,\"user\":{\"id\":1},\"user\":{}}", "duplicate key", "{}", 1},
      {"{\"ts\":1,\"user\":{\"id\":1,}}", "invalid JSON: expected a key at column 24", "", -1},
      {"{\"ts\":1,\"user\":{\"id\" 1}}", "invalid JSON: expected ':' at column 22", "", -1},
  };
  int ncases = (int)(sizeof cases / sizeof cases[0]);
  rt_buf text = {0};
  for (int k = 0; k < ncases; k++) rt_buf_printf(&text, "%s\n", cases[k].line);
  rt_buf_putc(&text, 0);
  rt_ioerr err;
  pipe_batch *b = read_all(put_file(text.p), &user, NULL, &err);
  rt_buf_free(&text);
  if (!ok(b != NULL, "opens")) return;
  is_int(b->nrows, 0, "no good rows");
  is_int(nerrs, ncases, "one error per line");
  for (int k = 0; k < ncases && k < nerrs; k++) {
    const seen_err *e = &errs[k];
    int good = strcmp(e->msg, cases[k].msg) == 0 && strcmp(e->value, cases[k].value) == 0 &&
               e->field == cases[k].field && e->line == k + 1;
    ok(good, "%s -> %s", cases[k].line, cases[k].msg);
    if (!good)
      tap_diag("got line %lld field %d [%s] value [%s]", (long long)e->line, e->field, e->msg,
               e->value);
  }
  rt_batch_release(b);
}

/* An unneeded dotted field is not converted, but its parent must still be an object. */
static void test_projection(void) {
  static const uint8_t needed[] = {1, 0, 0, 0, 0, 1};
  rt_ioerr err;
  const char *p = put_file("{\"ts\":1,\"user\":{\"id\":\"not a number\"},\"a\":{\"e\":2}}\n"
                           "{\"ts\":2,\"a\":{\"e\":3}}\n"
                           "{\"ts\":3,\"user\":4}\n");
  pipe_batch *b = read_all(p, &user, needed, &err);
  if (!ok(b != NULL, "projection opens")) return;
  ok(b->nrows == 2 && I(b, 0, 0) == 1 && I(b, 5, 0) == 2 && I(b, 5, 1) == 3,
     "unneeded nested values are not converted");
  ok(nerrs == 1 && errs[0].line == 3 && strcmp(errs[0].msg, "`user` is not an object") == 0,
     "a parent that is not an object is still an error");
  rt_batch_release(b);
}

static void test_clash(void) {
  static const pipe_field_desc f1[] = {{"user", PIPE_T_STRING, 1}, {"user.id", PIPE_T_I64, 1}};
  static const pipe_field_desc f2[] = {{"a.b.c", PIPE_T_I64, 1}, {"a.b", PIPE_T_I64, 1}};
  static const pipe_schema_desc s1 = {f1, 2, 0}, s2 = {f2, 2, 0};
  rt_ioerr err;
  const char *p = put_file("{}\n");
  char want[512];
  snprintf(want, sizeof want, "%s: fields `user` and `user.id` cannot both be read: a JSON "
           "key holds a value or an object, not both", p);
  ok(read_all(p, &s1, NULL, &err) == NULL, "`user` and `user.id` refused");
  is_str(err.msg, want, "clash message");
  ok(read_all(p, &s2, NULL, &err) == NULL && strstr(err.msg, "`a.b.c` and `a.b`"),
     "`a.b.c` then `a.b` refused");
}

static void test_keys(void) {
  const char *names[] = {"x", "p.q", "p.r.s", "y", "p.r.t"};
  rt_json_keys k;
  int bad = -1, other = -1;
  if (!ok(rt_json_keys_init(&k, names, 5, &bad, &other) == 0, "keys build")) return;
  is_int(k.nlevels, 3, "levels: the line, p, p.r");
  is_int(k.nslots, 7, "a slot per field and per object");
  const rt_json_level *l0 = &k.level[0];
  ok(l0->n == 6 && strcmp(l0->key[0].name, "x") == 0 && l0->key[1].len == 1 &&
         l0->key[1].sub == 1 && strcmp(l0->key[2].name, "y") == 0 &&
         strcmp(l0->key[3].name, "p.q") == 0 && l0->key[3].slot == 1,
     "line keys: short names in schema order, then whole dotted names");
  ok(k.level[1].n == 2 && k.level[1].key[1].sub == 2 && k.level[1].field == 1 &&
         k.level[1].plen == 1,
     "level p: q and r");
  ok(k.level[2].n == 2 && k.level[2].key[0].slot == 2 && k.level[2].key[1].slot == 4 &&
         k.level[2].plen == 3 && strncmp(k.level[2].path, "p.r", 3) == 0,
     "level p.r: s and t");
  rt_json_keys_free(&k);
}

int main(void) {
  if (!mkdtemp(tmpdir)) return 1;
  test_nested();
  test_errors();
  test_projection();
  test_clash();
  test_keys();
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0) tap_diag("could not remove %s", tmpdir);
  return tap_done();
}
