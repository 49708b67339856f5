/* test_rt_delivery.c: a sink's retries and what happens when they run out (delivery.c),
 * through a fake writer that fails on chosen attempts (test_rt_delivery.h). A batch that
 * fails with RT_WRITE_RETRY is written again whole, so every row arrives once and in
 * order; retries stop at `max`; then `fail` fails the run saying how many rows were
 * delivered and `dead_letter` writes every row of the batch there and goes on. A refused
 * batch is not retried, a broken writer fails the run under any policy. The backoff stays
 * in its range, and a stop ends a wait at once. Bad descriptors are refused by pipe_open. */
#include <pthread.h>
#include <stdio.h>

#include "test_rt_delivery.h"

#define MS 1000
#define R RT_WRITE_RETRY

static int rows_are(const fake *f, int64_t first, int64_t n) {
  if (f->nrows != n) return 0;
  for (int64_t i = 0; i < n; i++)
    if (f->rows[i] != first + i) return 0;
  return 1;
}

static void test_retry_then_success(void) {
  int script[] = {R, R, RT_WRITE_OK, R};
  harness *h = harness_new(retry_desc(3, 1 * MS, 2 * MS, PIPE_ON_FAIL), script, 4);
  if (!ok(h != NULL, "a run with a retrying sink")) return;
  is_call(deliver(h, 0, 5), 0, "a batch failing twice is delivered on the third attempt");
  is_int(h->w->attempts, 3, "... after exactly two retries");
  is_call(deliver(h, 5, 4), 0, "the next batch fails once and is delivered");
  is_call(deliver(h, 9, 3), 0, "... and the one after at once");
  ok(rows_are(h->w, 0, 12), "every row arrives once, in order (%d rows)", h->w->nrows);
  is_int(h->sink->dlv.retries, 3, "three retries are counted for --stats");
  is_int(h->sink->rows_in, 12, "the sink counts the rows it delivered");
  is_int(h->r->err.status, 0, "the run has not failed");
  harness_free(h);
}

static void test_exhausted_fail(void) {
  int script[] = {RT_WRITE_OK, R, R, R, R};
  harness *h = harness_new(retry_desc(3, 1 * MS, 1 * MS, PIPE_ON_FAIL), script, 5);
  if (!h) return;
  is_call(deliver(h, 0, 5), 0, "five rows delivered");
  is_call(deliver(h, 5, 5), -1, "a batch failing four times under max = 3 stops the sink");
  ok(h->w_freed, "its writer was aborted");
  is_int(h->r->err.status, 1, "the run fails with status 1");
  ok(strstr(h->r->err.msg, "error: fake.db: attempt 5 failed; gave up after 3 retries; "
                           "5 rows delivered\n  --> d.pipe:7:5: in sink sqlite\n") != NULL,
     "the error says how often it retried and how many rows were delivered: %s",
     line1(h->r->err.msg));
  ok(h->r->cancelled, "the run is cancelled, as for any writer error");
  harness_free(h);
}

static void test_no_retry_clause(void) {
  int script[] = {R};
  harness *h = harness_new((pipe_delivery_desc){0}, script, 1);
  if (!h) return;
  int64_t t0 = mono_us();
  is_call(deliver(h, 0, 2), -1, "without `retry` the first failure is final");
  ok(mono_us() - t0 < 500 * MS, "... at once");
  ok(strstr(h->r->err.msg, "error: fake.db: attempt 1 failed; 0 rows delivered\n") != NULL,
     "no retries to speak of, still the rows delivered: %s", line1(h->r->err.msg));
  harness_free(h);
}

static void test_exhausted_dead_letter(void) {
  int script[] = {R, R, R, RT_WRITE_OK};
  harness *h = harness_new(retry_desc(2, 1 * MS, 1 * MS, PIPE_ON_DEAD), script, 4);
  if (!ok(h && h->dead, "a sink with `on error dead_letter` opens its connector")) return;
  is_call(deliver(h, 0, 3), 0, "an undeliverable batch under dead_letter: the sink goes on");
  is_int(h->dead->nrows, 3, "every row of the batch is a dead letter");
  const char *one = "R0015 fake.db: attempt 3 failed; gave up after 2 retries;";
  ok(strncmp(h->dead->text, one, strlen(one)) == 0, "each says why: %.80s", h->dead->text);
  is_call(deliver(h, 3, 2), 0, "the next batch is delivered");
  ok(rows_are(h->w, 3, 2), "... only it reached the sink");
  is_int(h->sink->ops[0].dead, 3, "dead rows are counted");
  is_int(h->sink->rows_in, 5, "... within the rows the sink handled");
  is_int(h->r->err.status, 0, "the run goes on");
  pipe_stat st[4];
  int n = pipe_get_stats(h->r, st, 4);
  if (is_int(n, 2, "two stats lines"))
    ok(st[1].in == 5 && st[1].out == 2 && st[1].dead == 3, "sink line: in 5, out 2, dead 3");
  harness_free(h);
}

/* A batch whose COMMIT's answer was lost may be stored: retried, never dead-lettered. */
static void test_unknown_not_dead_lettered(void) {
  int script[] = {RT_WRITE_UNKNOWN, RT_WRITE_OK};
  harness *h = harness_new(retry_desc(2, 1 * MS, 1 * MS, PIPE_ON_DEAD), script, 2);
  if (!h) return;
  is_call(deliver(h, 0, 2), 0, "an unknown outcome is retried like a retry");
  is_int(h->w->attempts, 2, "... once, then it is delivered");
  harness_free(h);
  int lost[] = {RT_WRITE_UNKNOWN, RT_WRITE_UNKNOWN, RT_WRITE_UNKNOWN};
  h = harness_new(retry_desc(2, 1 * MS, 1 * MS, PIPE_ON_DEAD), lost, 3);
  if (!h) return;
  is_call(deliver(h, 0, 2), -1, "retries run out on an unknown outcome: the run fails");
  is_int(h->dead->nrows, 0, "... and the batch, which may be stored, is not dead-lettered");
  ok(strstr(h->r->err.msg, "gave up after 2 retries") != NULL, "... saying so: %s",
     line1(h->r->err.msg));
  harness_free(h);
}

static void test_refused_and_broken(void) {
  int script[] = {RT_WRITE_REFUSED, RT_WRITE_OK};
  harness *h = harness_new(retry_desc(5, 1 * MS, 1 * MS, PIPE_ON_DEAD), script, 2);
  if (!h) return;
  is_call(deliver(h, 0, 2), 0, "a refused batch is dead-lettered");
  is_int(h->w->attempts, 1, "... without a retry");
  ok(strncmp(h->dead->text, "R0016 fake.db: attempt 1 failed; not retried: the rows themselves "
             "were refused;", 79) == 0,
     "... saying so: %.90s", h->dead->text);
  is_int(h->sink->dlv.refused, 1, "refused batches are counted");
  harness_free(h);
  int broken[] = {RT_WRITE_FAILED};
  h = harness_new(retry_desc(5, 1 * MS, 1 * MS, PIPE_ON_DEAD), broken, 1);
  if (!h) return;
  is_call(deliver(h, 0, 2), -1, "a broken writer fails the run even under dead_letter");
  is_int(h->dead->nrows, 0, "... nothing is dead-lettered");
  ok(strstr(h->r->err.msg, "error: fake.db: attempt 1 failed\n") != NULL,
     "... and the error is the writer's own: %s", line1(h->r->err.msg));
  harness_free(h);
}

static void test_backoff_range(void) {
  pipe_delivery_desc d = retry_desc(5, 100 * MS, 10000 * MS, PIPE_ON_FAIL);
  uint64_t rng = 42;
  int bad = 0, top = 0;
  int64_t hi_seen = 0;
  for (int k = 1; k <= 70; k++) {
    int64_t cap = k < 7 ? (100 * MS) << k : 10000 * MS;
    for (int i = 0; i < 200; i++) {
      int64_t w = rt_backoff_us(&d, k, &rng);
      bad += w < 100 * MS || w > cap;
      top += k == 1 && w > 150 * MS;
      if (k == 70 && w > hi_seen) hi_seen = w;
    }
  }
  is_int(bad, 0, "retry k waits within [min, min(max, min * 2^k)], also for large k");
  ok(top > 20 && top < 180, "the wait is jittered (%d of 200 first waits above 150ms)", top);
  ok(hi_seen > 9000 * MS, "late waits reach towards max (%lld us)", (long long)hi_seen);
  d = retry_desc(5, 7 * MS, 7 * MS, PIPE_ON_FAIL);
  is_call(rt_backoff_us(&d, 3, &rng), 7 * MS, "backoff = A..A always waits A");
}

typedef struct waiter {
  harness *h;
  int rc;
  int64_t took;
} waiter;

static void *deliver_thread(void *arg) {
  waiter *w = arg;
  int64_t t0 = mono_us();
  w->rc = deliver(w->h, 0, 1);
  w->took = mono_us() - t0;
  return NULL;
}

/* A stop during a 10-second wait (a backoff or an open breaker) ends it at once. */
static void test_cancel(pipe_delivery_desc d, const char *what) {
  int script[] = {R, R, R, R};
  harness *h = harness_new(d, script, 4);
  if (!h) return;
  waiter w = {h, 0, 0};
  pthread_t t;
  pthread_create(&t, NULL, deliver_thread, &w);
  while (__atomic_load_n(&h->w->attempts, __ATOMIC_SEQ_CST) < 1) rt_run_sleep(h->r, 1 * MS);
  rt_run_sleep(h->r, 50 * MS);
  pipe_stop(h->r);
  pthread_join(t, NULL);
  is_int(w.rc, -1, what);
  ok(w.took < 2000 * MS, "... promptly (%lld ms)", (long long)(w.took / MS));
  is_int(h->w->attempts, 1, "... without another attempt");
  is_call(rt_run_sleep(h->r, 10000 * MS), -1, "a cancelled run does not sleep at all");
  harness_free(h);
}

static void test_bad_descriptors(void) {
  struct { pipe_delivery_desc d; const char *why; } bad[] = {
      {{-1, 0, 1, 1, 0, {0, 0}}, "negative retry or breaker count"},
      {{2, 0, 0, 5, 0, {0, 0}}, "bad backoff range"},
      {{2, 0, 9, 5, 0, {0, 0}}, "bad backoff range"},
      {{0, 3, 0, 0, 0, {0, 0}}, "bad breaker reset"},
      {{0, 0, 0, 0, 0, {PIPE_ON_SKIP, 0}}, "on error is neither fail nor dead_letter"},
      {{0, 0, 0, 0, 0, {PIPE_ON_DEAD, 4}}, "dead-letter index out of range"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pipe_schema_desc s = {n_fields, 1, 0};
    pipe_node_desc nodes[2] = {{PIPE_NODE_SOURCE, -1, "s", 1, 1, s, {PIPE_CONN_CSV, -1, "x"}},
                               {PIPE_NODE_SINK, 0, "sqlite", 2, 1, s, {PIPE_CONN_SQLITE, -1, "y"}}};
    nodes[1].delivery = bad[i].d;
    pipe_program_desc p = {PIPE_ABI_VERSION, 2, "b.pipe", nodes, NULL, 0, 1, &dead_conn};
    pipe_error err;
    pipe_run *r = pipe_open(&p, &err);
    ok(!r && strstr(err.msg, bad[i].why), "pipe_open refuses: %s (%s)", bad[i].why,
       line1(err.msg));
    pipe_close(r);
  }
}

int main(void) {
  test_retry_then_success();
  test_exhausted_fail();
  test_no_retry_clause();
  test_exhausted_dead_letter();
  test_refused_and_broken();
  test_unknown_not_dead_lettered();
  test_backoff_range();
  test_cancel(retry_desc(5, 10000 * MS, 10000 * MS, PIPE_ON_FAIL),
              "a stop during a backoff ends the delivery");
  pipe_delivery_desc br = {5, 1, 1 * MS, 1 * MS, 10000 * MS, {PIPE_ON_FAIL, 0}};
  test_cancel(br, "a stop while the breaker is open ends the delivery");
  test_bad_descriptors();
  return tap_done();
}
