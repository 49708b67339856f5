/* test_rt_batch.c: batches, reference counts, pools, strings and validity (batch.c),
 * and the kernel scratch area (scratch.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rt_batch.h"
#include "rt_internal.h"
#include "tap.h"

static const pipe_field_desc fields[] = {
    {"ok", PIPE_T_BOOL, 0},   {"n", PIPE_T_I64, 0},    {"x", PIPE_T_F64, 1},
    {"s", PIPE_T_STRING, 0},  {"t", PIPE_T_STRING, 1}, {"ts", PIPE_T_TIMESTAMP, 0},
    {"maybe", PIPE_T_BOOL, 1},
};
static const pipe_schema_desc schema = {fields, 7, 0};

static void test_new_batch(void) {
  pipe_batch *b = rt_batch_new(&schema, 10);
  is_int(b->nrows, 0, "new batch is empty");
  ok(b->cap >= 10, "capacity at least as asked");
  is_int(b->ncols, 7, "one column per field");
  is_int(b->refs, 1, "one reference");
  ok(b->cols[0].validity == NULL && b->cols[1].validity == NULL, "non-nullable: no bitmap");
  ok(b->cols[2].validity != NULL && b->cols[4].validity != NULL, "nullable: bitmap");
  ok(b->cols[3].data != NULL && ((int64_t *)b->cols[3].values)[0] == 0, "string offsets[0] = 0");
  ok(b->lines != NULL, "lines array");
  rt_batch_release(b);
}

static void test_strings(void) {
  pipe_batch *b = rt_batch_new(&schema, 4);
  pipe_column *s = &b->cols[3];
  rt_str_append(s, 0, "hello", 5);
  rt_str_append(s, 1, "", 0);
  rt_str_append(s, 2, "world!", 6);
  b->nrows = 3;
  pipe_str v = rt_str_at(s, 0);
  ok(v.len == 5 && memcmp(v.ptr, "hello", 5) == 0, "row 0 reads back");
  is_int(rt_str_at(s, 1).len, 0, "row 1 is empty");
  v = rt_str_at(s, 2);
  ok(v.len == 6 && memcmp(v.ptr, "world!", 6) == 0, "row 2 reads back");
  is_int(s->data_len, 11, "data_len counts bytes");

  /* grow past the initial capacity: earlier rows must survive the realloc */
  int64_t cap0 = s->data_cap;
  char big[5000];
  memset(big, 'x', sizeof big);
  rt_str_append(s, 3, big, (int64_t)sizeof big);
  b->nrows = 4;
  ok(s->data_cap > cap0 && s->data_cap >= s->data_len, "data grew");
  v = rt_str_at(s, 0);
  ok(v.len == 5 && memcmp(v.ptr, "hello", 5) == 0, "row 0 intact after growth");
  v = rt_str_at(s, 3);
  ok(v.len == 5000 && v.ptr[0] == 'x' && v.ptr[4999] == 'x', "big row reads back");

  pipe_rt_col_reserve(s, 100000);
  ok(s->data_cap - s->data_len >= 100000, "col_reserve makes room");
  rt_batch_release(b);
}

static void test_validity(void) {
  pipe_batch *b = rt_batch_new(&schema, 20);
  pipe_column *x = &b->cols[2];
  for (int i = 0; i < 20; i++) rt_set_valid(x, i, i % 3 != 0);
  int right = 1;
  for (int i = 0; i < 20; i++) right &= rt_is_null(x, i) == (i % 3 == 0);
  ok(right, "validity bits read back (LSB first)");
  is_int(x->validity[0], 0xB6, "byte 0 is 10110110: rows 0, 3, 6 null");
  rt_set_valid(x, 3, 1);
  ok(!rt_is_null(x, 3), "set valid again");
  ok(!rt_is_null(&b->cols[1], 5), "non-nullable column is never null");
  rt_set_valid(&b->cols[1], 5, 0);   /* no bitmap: ignored */
  ok(!rt_is_null(&b->cols[1], 5), "clearing a non-nullable column is a no-op");
  rt_batch_release(b);
}

/* Bool values are bit-packed like validity (Arrow): row i is bit i & 7 of byte i >> 3. */
static int on_edge(int i) { return i == 0 || i == 8 || i == 15 || i == 16 || i == 19; }

static void test_bools(void) {
  pipe_batch *b = rt_batch_new(&schema, 20);
  pipe_column *ok_col = &b->cols[0], *maybe = &b->cols[6];
  memset(ok_col->values, 0, 3);   /* 20 rows take exactly 3 bytes (ASan flags a 4th) */
  for (int i = 0; i < 20; i++) rt_bool_set(ok_col, i, on_edge(i));
  const uint8_t *v = ok_col->values;
  is_int(v[0], 0x01, "row 0 is bit 0 of byte 0");
  is_int(v[1], 0x81, "rows 8 and 15 are bits 0 and 7 of byte 1");
  is_int(v[2], 0x09, "rows 16 and 19 are bits 0 and 3 of byte 2");
  int right = 1;
  for (int i = 0; i < 20; i++) right &= rt_bool_get(ok_col, i) == on_edge(i);
  ok(right, "bools read back");
  rt_bool_set(ok_col, 15, 0);
  rt_bool_set(ok_col, 14, 1);
  is_int(v[1], 0x41, "clearing and setting touch only their own bit");
  rt_bool_set(ok_col, 14, 7);   /* any non-zero is true */
  is_int(rt_bool_get(ok_col, 14), 1, "non-zero sets the bit to 1");

  /* a nullable bool: null rows have a validity bit of 0, their value bit is ignored */
  for (int i = 0; i < 20; i++) {
    rt_bool_set(maybe, i, i % 2);
    rt_set_valid(maybe, i, i != 8);
  }
  ok(rt_is_null(maybe, 8) && !rt_is_null(maybe, 9) && !rt_is_null(maybe, 7), "null bool at row 8");
  is_int(rt_bool_get(maybe, 9), 1, "bool next to the null");
  is_int(((uint8_t *)maybe->values)[1], 0xAA, "odd rows of byte 1 set");
  is_int(maybe->validity[1], 0xFE, "row 8 null in the bitmap");
  rt_batch_release(b);
}

static void test_refcount_and_pool(void) {
  rt_pool *p = rt_pool_new(&schema, 8);
  pipe_batch *a = rt_batch_get(p);
  ok(a->cap >= 8 && a->pool == p, "pool batch");
  rt_batch_retain(a, 2);
  is_int(a->refs, 3, "retain adds");
  rt_batch_release(a);
  rt_batch_release(a);
  is_int(a->refs, 1, "release drops");

  /* dirty it, give it back, get it again: same memory, reset */
  rt_str_append(&a->cols[3], 0, "abc", 3);
  rt_set_valid(&a->cols[2], 0, 1);
  memset(a->cols[0].values, 0xFF, 1);   /* stale bools: rows 0..7 true */
  a->nrows = 1;
  char *data = a->cols[3].data;
  pipe_batch *old = a;
  rt_batch_release(a);
  pipe_batch *b = rt_batch_get(p);
  ok(b == old, "released batch is reused");
  ok(b->cols[3].data == data, "string buffer kept");
  is_int(b->nrows, 0, "reused batch is empty");
  is_int(b->cols[3].data_len, 0, "string data reset");
  is_int(((int64_t *)b->cols[3].values)[0], 0, "offsets[0] reset");
  ok(rt_is_null(&b->cols[2], 0), "validity reset");
  /* bool bits are not reset (a writer sets or clears each row's bit), so a stale 1
   * must be cleared by rt_bool_set(.., 0) without touching its neighbours */
  rt_bool_set(&b->cols[0], 2, 0);
  rt_bool_set(&b->cols[0], 3, 1);
  is_int(((uint8_t *)b->cols[0].values)[0], 0xFB, "stale bools: clear row 2, keep the rest");
  is_int(rt_bool_get(&b->cols[0], 2), 0, "stale bools: row 2 reads false");
  is_int(b->refs, 1, "reused batch has one reference");

  pipe_batch *c = rt_batch_get(p);
  ok(c != b, "second live batch is distinct");
  pipe_batch *big = rt_batch_get_cap(p, 100);
  ok(big->cap >= 100, "get_cap grows capacity");
  rt_batch_release(big);
  rt_batch_release(c);
  pipe_batch *again = rt_batch_get_cap(p, 50);
  ok(again->cap >= 50, "get_cap from the free list has room");
  for (int i = 0; i < again->cap; i++) again->lines[i] = i;   /* ASan: the whole array exists */
  ((int64_t *)again->cols[1].values)[again->cap - 1] = 7;
  rt_bool_set(&again->cols[0], again->cap - 1, 1);   /* bools: ceil(cap / 8) bytes */
  ((int64_t *)again->cols[3].values)[again->cap] = 0;
  ok(1, "capacity is real");

  /* freeing the pool with batches out defers until the last release */
  rt_pool_free(p);
  rt_batch_release(again);
  rt_batch_release(b);
  ok(1, "pool freed after the last release (ASan checks)");
}

static void test_scratch(void) {
  pipe_kctx ctx;
  memset(&ctx, 0, sizeof ctx);
  char *a = pipe_rt_scratch(&ctx, 10);
  memcpy(a, "0123456789", 10);
  char *b = pipe_rt_scratch(&ctx, 100000);   /* forces a new chunk */
  memset(b, 'y', 100000);
  ok(memcmp(a, "0123456789", 10) == 0, "earlier scratch survives a new chunk");
  rt_scratch_reset(&ctx);
  is_int(ctx.scratch_len, 0, "reset empties");
  ok(ctx.scratch_cap >= 100000, "reset keeps the big chunk");
  char *c = pipe_rt_scratch(&ctx, 50000);
  ok(c == ctx.scratch, "after reset the chunk is reused from its start");
  rt_scratch_free(&ctx);
  ok(ctx.scratch == NULL, "free");
}

int main(void) {
  test_new_batch();
  test_strings();
  test_validity();
  test_bools();
  test_refcount_and_pool();
  test_scratch();
  return tap_done();
}
