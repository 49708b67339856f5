/* test_rt_window_key.c: the key table of a window on its own (win_key.c): grouping
 * equality (nulls, f64 -0.0 and 0.0, NaN, strings with the same prefix, several key
 * columns of every type), keys that outlive the batch they were copied from, the key
 * order (nulls last, signed integers, NaN after numbers, false before true, strings
 * bytewise with a prefix first), the output order of groups by (end, key, seq), growing
 * the table, and pipe_rt_agg_str_set. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rt_window.h"
#include "tap.h"

static const pipe_field_desc fields[] = {{"s", PIPE_T_STRING, 1},
                                         {"i", PIPE_T_I64, 1},
                                         {"f", PIPE_T_F64, 1},
                                         {"b", PIPE_T_BOOL, 1}};
static const pipe_schema_desc schema = {fields, 4, 0};

typedef struct krow {
  const char *s;   /* NULL: null */
  int i_null;
  int64_t i;
  int f_null;
  double f;
  int b_null, b;
} krow;

static pipe_batch *make_batch(const krow *rows, int n) {
  pipe_batch *b = rt_batch_new(&schema, n);
  for (int r = 0; r < n; r++) {
    const krow *k = &rows[r];
    if (k->s) {
      rt_str_append(&b->cols[0], r, k->s, (int64_t)strlen(k->s));
      rt_set_valid(&b->cols[0], r, 1);
    } else {
      rt_put_null(&b->cols[0], PIPE_T_STRING, r);
    }
    ((int64_t *)b->cols[1].values)[r] = k->i_null ? 12345 : k->i;   /* stale under a null */
    rt_set_valid(&b->cols[1], r, !k->i_null);
    ((double *)b->cols[2].values)[r] = k->f_null ? 6.5 : k->f;
    rt_set_valid(&b->cols[2], r, !k->f_null);
    rt_bool_set(&b->cols[3], r, k->b_null ? 1 : k->b);
    rt_set_valid(&b->cols[3], r, !k->b_null);
  }
  b->nrows = n;
  return b;
}

static void keys_of(rt_window *w, const krow *rows, int n, rt_key **out) {
  pipe_batch *b = make_batch(rows, n);
  uint64_t h[32];
  rt_win_hash(w, b, h);
  for (int r = 0; r < n; r++) out[r] = rt_win_key(w, b, r, h[r]);
  rt_batch_release(b);   /* keys hold copies */
}

static void test_equality(void) {
  rt_window w = {0};
  w.in = &schema;
  w.nkeys = 4;
  const krow rows[] = {
      {"ab", 0, 1, 0, 0.0, 0, 1},      /* 0 */
      {"ab", 0, 1, 0, -0.0, 0, 1},     /* 1: = 0, -0.0 groups with 0.0 */
      {"ab", 0, 1, 0, NAN, 0, 1},      /* 2 */
      {"ab", 0, 1, 0, -NAN, 0, 1},     /* 3: = 2, NaN groups with NaN */
      {"a", 0, 1, 0, 0.0, 0, 1},       /* 4: a prefix is another key */
      {NULL, 0, 1, 0, 0.0, 0, 1},      /* 5: null string */
      {"", 0, 1, 0, 0.0, 0, 1},        /* 6: the empty string is not null */
      {"ab", 1, 0, 0, 0.0, 0, 1},      /* 7: null i64 */
      {"ab", 1, 99, 0, 0.0, 0, 1},     /* 8: = 7 whatever the stale value */
      {"ab", 0, 0, 0, 0.0, 0, 1},      /* 9: i64 0 is not null */
      {"ab", 0, 1, 0, 0.0, 0, 0},      /* 10: false */
      {"ab", 0, 1, 0, 0.0, 1, 0},      /* 11: null bool */
      {"ab", 0, 1, 1, 0.0, 0, 1},      /* 12: null f64 */
      {"ab", 0, 1, 0, 0.0, 0, 1},      /* 13: = 0 */
  };
  rt_key *k[14];
  keys_of(&w, rows, 14, k);
  ok(k[0] == k[1], "-0.0 and 0.0 are one key");
  ok(k[2] == k[3], "NaN and NaN are one key");
  ok(k[0] != k[2], "NaN is not 0.0");
  ok(k[4] != k[0] && k[5] != k[6] && k[6] != k[4], "prefix, null and empty strings differ");
  ok(k[7] == k[8], "nulls are equal whatever value the column holds");
  ok(k[9] != k[7], "0 is not null");
  ok(k[10] != k[0] && k[11] != k[10] && k[12] != k[0], "bool and f64 values and nulls differ");
  ok(k[13] == k[0], "the same row again finds its key");
  is_int(w.nkey, 10, "ten distinct keys");
  ok(k[4]->vals[0].len == 1 && memcmp(k[4]->vals[0].s, "a", 1) == 0, "key strings are copies");
  rt_win_keys_free(&w);
}

static void test_order(void) {
  rt_window w = {0};
  w.in = &schema;
  w.nkeys = 4;
  const krow rows[] = {
      {"b", 0, 1, 0, 0, 0, 0},    {"a", 0, 1, 0, 0, 0, 0},      {"ab", 0, 1, 0, 0, 0, 0},
      {NULL, 0, 1, 0, 0, 0, 0},   {"", 0, 1, 0, 0, 0, 0},       {"a", 0, -5, 0, 0, 0, 0},
      {"a", 1, 0, 0, 0, 0, 0},    {"a", 0, 1, 0, NAN, 0, 0},    {"a", 0, 1, 0, -1e300, 0, 0},
      {"a", 0, 1, 0, INFINITY, 0, 0}, {"a", 0, 1, 1, 0, 0, 0},  {"a", 0, 1, 0, 0, 0, 1},
      {"a", 0, 1, 0, 0, 1, 0},    {"\xff", 0, 1, 0, 0, 0, 0},
  };
  rt_key *k[14];
  keys_of(&w, rows, 14, k);
  ok(rt_win_key_cmp(&w, k[1], k[2]) < 0 && rt_win_key_cmp(&w, k[2], k[0]) < 0,
     "strings: a < ab < b");
  ok(rt_win_key_cmp(&w, k[4], k[1]) < 0, "the empty string first");
  ok(rt_win_key_cmp(&w, k[0], k[13]) < 0, "bytes compare unsigned");
  ok(rt_win_key_cmp(&w, k[13], k[3]) < 0 && rt_win_key_cmp(&w, k[3], k[0]) > 0, "null last");
  ok(rt_win_key_cmp(&w, k[5], k[1]) < 0 && rt_win_key_cmp(&w, k[1], k[6]) < 0,
     "i64: signed, null last");
  ok(rt_win_key_cmp(&w, k[8], k[1]) < 0 && rt_win_key_cmp(&w, k[1], k[9]) < 0 &&
         rt_win_key_cmp(&w, k[9], k[7]) < 0 && rt_win_key_cmp(&w, k[7], k[10]) < 0,
     "f64: numbers, then NaN, then null");
  ok(rt_win_key_cmp(&w, k[1], k[11]) < 0 && rt_win_key_cmp(&w, k[11], k[12]) < 0,
     "bool: false, true, null");
  is_int(rt_win_key_cmp(&w, k[1], k[1]), 0, "a key equals itself");

  rt_group g[4];
  memset(g, 0, sizeof g);
  rt_group *a[4] = {&g[0], &g[1], &g[2], &g[3]};
  g[0] = (rt_group){.key = k[0], .end = 20, .seq = 0};
  g[1] = (rt_group){.key = k[3], .end = 10, .seq = 1};
  g[2] = (rt_group){.key = k[1], .end = 20, .seq = 2};
  g[3] = (rt_group){.key = k[1], .end = 20, .seq = 1};
  rt_win_sort(&w, a, 4);
  ok(a[0] == &g[1] && a[1] == &g[3] && a[2] == &g[2] && a[3] == &g[0],
     "groups by end, then key, then creation");
  free(w.sortbuf);
  rt_win_keys_free(&w);
}

/* Many keys: the table grows and finds every one again; unused keys go. */
static void test_growth(void) {
  static const pipe_field_desc f1[] = {{"i", PIPE_T_I64, 0}};
  static const pipe_schema_desc s1 = {f1, 1, 0};
  rt_window w = {0};
  w.in = &s1;
  w.nkeys = 1;
  enum { N = 5000 };
  pipe_batch *b = rt_batch_new(&s1, N);
  for (int i = 0; i < N; i++) ((int64_t *)b->cols[0].values)[i] = (int64_t)i * 7919 - 100000;
  b->nrows = N;
  uint64_t *h = malloc(sizeof *h * N);
  rt_win_hash(&w, b, h);
  rt_key **k = malloc(sizeof *k * N);
  for (int i = 0; i < N; i++) k[i] = rt_win_key(&w, b, i, h[i]);
  int same = 1;
  for (int i = 0; i < N; i++) same &= rt_win_key(&w, b, i, h[i]) == k[i];
  ok(same, "every key found again after the table grew");
  is_int(w.nkey, N, "N keys");
  for (int i = 0; i < N; i += 2) rt_win_key_unused(&w, k[i]);
  is_int(w.nkey, N / 2, "keys without groups are freed");
  same = 1;
  for (int i = 1; i < N; i += 2) same &= rt_win_key(&w, b, i, h[i]) == k[i];
  ok(same, "the others are still there");
  rt_win_keys_free(&w);
  rt_batch_release(b);
  free(h);
  free(k);
}

static void test_agg_str(void) {
  pipe_agg_str s = {0};
  pipe_rt_agg_str_set(&s, "hello", 5);
  ok(s.len == 5 && memcmp(s.ptr, "hello", 5) == 0, "set");
  char *p = s.ptr;
  pipe_rt_agg_str_set(&s, "hi", 2);
  ok(s.ptr == p && s.len == 2 && memcmp(s.ptr, "hi", 2) == 0, "a shorter value reuses memory");
  char big[100];
  memset(big, 'x', sizeof big);
  pipe_rt_agg_str_set(&s, big, 100);
  ok(s.len == 100 && s.cap >= 100 && memcmp(s.ptr, big, 100) == 0, "a longer value grows");
  pipe_rt_agg_str_set(&s, "", 0);
  is_int(s.len, 0, "the empty string");
  free(s.ptr);
}

int main(void) {
  test_equality();
  test_order();
  test_growth();
  test_agg_str();
  return tap_done();
}
