/* test_rt_delivery_breaker.c: the circuit breaker of a sink (delivery.c), with short
 * durations and the fake writer of test_rt_delivery.h, which notes when each attempt
 * came. After `failures` consecutive failed writes the breaker opens: no attempt until
 * `reset` has passed, then one trial (half-open) whose failure opens it again and whose
 * success closes it, so the next batch is written at once. The count runs across batches
 * and a delivered batch clears it; waiting for the breaker replaces the backoff and the
 * trial counts as a retry. Timings are checked from below (a wait is at least `reset`),
 * and from above only loosely, so that a slow machine does not fail them. */
#include <stdio.h>

#include "test_rt_delivery.h"

#define MS 1000
#define R RT_WRITE_RETRY
#define RESET (120 * MS)

static int64_t gap(const fake *f, int a, int b) {
  return f->at_us[b] - f->at_us[a];
}

/* One batch: two quick failures open the breaker; trials at +reset fail and succeed. */
static void test_open_half_open_close(void) {
  int script[] = {R, R, R, RT_WRITE_OK};
  pipe_delivery_desc d = {5, 2, 1 * MS, 1 * MS, RESET, {PIPE_ON_FAIL, 0}};
  harness *h = harness_new(d, script, 4);
  if (!ok(h != NULL, "a run with a breaker")) return;
  is_call(deliver(h, 0, 3), 0, "the batch is delivered in the end");
  fake *f = h->w;
  is_int(f->attempts, 4, "four attempts");
  ok(gap(f, 0, 1) < RESET / 2, "the first retry follows the backoff (%lld us)",
     (long long)gap(f, 0, 1));
  ok(gap(f, 1, 2) >= RESET - 1 * MS, "after two failures the breaker is open for `reset` "
     "(%lld us)", (long long)gap(f, 1, 2));
  ok(gap(f, 2, 3) >= RESET - 1 * MS, "a failed trial opens it again (%lld us)",
     (long long)gap(f, 2, 3));
  is_int(h->sink->dlv.opened, 2, "it opened twice");
  is_int(h->sink->dlv.retries, 3, "the trials count as retries");
  is_call(deliver(h, 3, 2), 0, "a successful trial closes it:");
  ok(gap(f, 3, 4) < RESET / 2, "... the next batch is written at once (%lld us)",
     (long long)gap(f, 3, 4));
  is_int(f->nrows, 5, "each row once");
  harness_free(h);
}

/* Without retries, under dead_letter: the count runs across batches. */
static void test_across_batches(void) {
  int script[] = {R, R, R, RT_WRITE_OK, R, RT_WRITE_OK};
  pipe_delivery_desc d = {0, 2, 0, 0, RESET, {PIPE_ON_DEAD, 0}};
  harness *h = harness_new(d, script, 6);
  if (!h) return;
  fake *f = h->w;
  int rc = 0;
  for (int i = 0; i < 4; i++) rc |= deliver(h, i, 1);   /* in order: one batch each */
  is_call(rc, 0, "four batches: three dead-lettered, one delivered");
  ok(gap(f, 0, 1) < RESET / 2, "one failed batch leaves the breaker closed");
  ok(gap(f, 1, 2) >= RESET - 1 * MS, "the second opens it: the third batch waits (%lld us)",
     (long long)gap(f, 1, 2));
  ok(gap(f, 2, 3) >= RESET - 1 * MS, "its failed trial keeps it open for the fourth");
  is_int(h->dead->nrows, 3, "three rows are dead letters");
  ok(f->nrows == 1 && f->rows[0] == 3, "the fourth row was delivered");
  is_call(deliver(h, 4, 1), 0, "after a delivered batch a failure ...");
  is_call(deliver(h, 5, 1), 0, "... starts the count afresh");
  ok(gap(f, 4, 5) < RESET / 2, "so the breaker stayed closed (%lld us)", (long long)gap(f, 4, 5));
  is_int(h->sink->dlv.opened, 2, "it opened twice");
  harness_free(h);
}

/* The breaker makes a batch wait, but never beyond its retries. */
static void test_bounded(void) {
  int script[] = {R, R, R, R, R, R, R, R};
  pipe_delivery_desc d = {2, 1, 1 * MS, 1 * MS, 30 * MS, {PIPE_ON_FAIL, 0}};
  harness *h = harness_new(d, script, 8);
  if (!h) return;
  int64_t t0 = mono_us();
  is_call(deliver(h, 0, 1), -1, "with the sink down, max = 2 still ends the batch");
  ok(mono_us() - t0 >= 60 * MS - 1 * MS, "... after two breaker waits");
  ok(strstr(h->r->err.msg, "gave up after 2 retries; 0 rows delivered"), "%s",
     line1(h->r->err.msg));
  harness_free(h);
}

int main(void) {
  test_open_half_open_close();
  test_across_batches();
  test_bounded();
  return tap_done();
}
