/* two.c: two programs in one executable (tests/embed_typed.t): typed.pipe built twice,
 * with --prefix one and --prefix two, and arrow.pipe under its own name. All three
 * headers are included in this one file and all three objects linked; the two typed
 * programs run at the same time with different params, each from its own thread, and
 * each must see only its own rows.
 */
#include <pthread.h>
#include <stdio.h>

#include "arrow.h"
#include "one.h"
#include "two.h"

typedef struct count {
  int64_t rows, sum;
} count;

static int on_one(void *user, const one_sink0_row *rows, size_t n) {
  count *c = user;
  for (size_t i = 0; i < n; i++) c->rows++, c->sum += rows[i].n;
  return 0;
}

static int on_two(void *user, const two_sink0_row *rows, size_t n) {
  count *c = user;
  for (size_t i = 0; i < n; i++) c->rows++, c->sum += rows[i].n;
  return 0;
}

/* Pushes 10,000 rows with n = 0..9999 into program one, then ends it. */
static void *feed_one(void *arg) {
  static one_rows_row rows[10000];
  for (int i = 0; i < 10000; i++) rows[i] = (one_rows_row){.name = "a", .name_len = 1, .n = i, .note = ""};
  one_rows_push(arg, rows, 10000, NULL);
  one_rows_end(arg, NULL);
  return NULL;
}

static void *feed_two(void *arg) {
  static two_rows_row rows[10000];
  for (int i = 0; i < 10000; i++) rows[i] = (two_rows_row){.name = "b", .name_len = 1, .n = i, .note = ""};
  two_rows_push(arg, rows, 10000, NULL);
  two_rows_end(arg, NULL);
  return NULL;
}

int main(void) {
  pipe_error err;
  pipe_run *r1 = one_open(&err), *r2 = two_open(&err), *r3 = arrow_open(&err);
  count c1 = {0, 0}, c2 = {0, 0};
  if (!r1 || !r2 || !r3) return 1;
  one_set_since(r1, 0);
  two_set_since(r2, 0);
  one_set_min_n(r1, 5000);    /* one keeps n >= 5000, two n >= 9000 */
  two_set_min_n(r2, 9000);
  one_sink0_bind(r1, on_one, &c1);
  two_sink0_bind(r2, on_two, &c2);
  if (pipe_start(r1) || pipe_start(r2)) return 1;
  pthread_t t1, t2;
  pthread_create(&t1, NULL, feed_one, r1);
  pthread_create(&t2, NULL, feed_two, r2);
  pthread_join(t1, NULL);
  pthread_join(t2, NULL);
  int s1 = pipe_wait(r1), s2 = pipe_wait(r2);
  printf("one: status %d, %lld rows, sum %lld\n", s1, (long long)c1.rows, (long long)c1.sum);
  printf("two: status %d, %lld rows, sum %lld\n", s2, (long long)c2.rows, (long long)c2.sum);
  printf("arrow: %d host sources, %d host sinks\n", pipe_host_sources(r3), pipe_host_sinks(r3));
  pipe_close(r1);
  pipe_close(r2);
  pipe_close(r3);
  return 0;
}
