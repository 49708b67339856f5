/* test_rt_host_lend.c: foreign columns lent to a pooled batch (rt_batch_lend), as Arrow
 * input is: the batch shows the lent columns, rt_batch_move carries the loan to another
 * batch with the rows, the last release (not an earlier one) calls drop exactly once and
 * gives the batch its own columns back, and the pool reuses that batch with its own
 * memory afterwards. */
#include <stdlib.h>

#include "rt_batch.h"
#include "tap.h"

static const pipe_field_desc fields[] = {{"x", PIPE_T_I64, 0}};
static const pipe_schema_desc schema = {fields, 1, 0};

static int drops;
static void drop(void *arg) {
  drops++;
  free(arg);
}

int main(void) {
  rt_pool *pool = rt_pool_new(&schema, 8);
  pipe_batch *p = rt_batch_get(pool), *b = rt_batch_get(pool);
  pipe_column *own_p = p->cols, *own_b = b->cols;
  static int64_t foreign[3] = {7, 8, 9};
  pipe_column *lent = calloc(1, sizeof *lent);
  lent->values = foreign;
  rt_batch_lend(p, lent, drop, lent);
  p->nrows = 3;
  ok(p->cols == lent, "a lent batch shows the lent columns");
  rt_batch_move(b, p);
  ok(b->cols == lent && b->nrows == 3 && p->nrows == 0, "moving carries the loan and the rows");
  ok(p->cols == own_b, "the other batch gets the empty columns");
  rt_batch_release(p);
  is_int(drops, 0, "releasing the other batch drops nothing");
  rt_batch_retain(b, 1);
  rt_batch_release(b);
  is_int(drops, 0, "an earlier release drops nothing");
  is_int(((int64_t *)b->cols[0].values)[2], 9, "the lent values are still there");
  rt_batch_release(b);
  is_int(drops, 1, "the last release drops the loan once");
  pipe_batch *again = rt_batch_get(pool), *again2 = rt_batch_get(pool);
  ok((again->cols == own_p || again->cols == own_b) && (again2->cols == own_p || again2->cols == own_b),
     "the pool hands its batches out again with their own columns");
  ((int64_t *)again->cols[0].values)[0] = 1;   /* writable: ASan checks it is ours */
  rt_batch_release(again);
  rt_batch_release(again2);
  rt_pool_free(pool);
  is_int(drops, 1, "nothing is dropped twice");
  return tap_done();
}
