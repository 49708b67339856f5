/* delivery.c: how a sink delivers a batch under its pipe_delivery_desc (`retry`,
 * `breaker`, `on error` after a database sink).
 *
 * A batch is written whole or not at all (a transaction): a write that fails with
 * RT_WRITE_RETRY left nothing behind and the writer can take the same batch again, so
 * it is retried whole after a jittered exponential backoff, at most retry_max times.
 * Since a writer never reports a committed batch as failed (rt_io.h), no batch is
 * delivered twice; since every batch ends delivered, dead-lettered or failing the run
 * (which says how many rows were delivered), none is lost. The circuit breaker counts
 * consecutive failed writes across batches; at breaker_failures it opens and the sink
 * writes nothing until breaker_reset has passed (the channels behind it fill up and the
 * sources wait: backpressure), then makes one trial write (half-open), whose success
 * closes it and whose failure opens it again. Waiting for it takes the place of the
 * backoff; the trial counts as one of the batch's retries, so a batch's attempts stay
 * bounded however long the sink is down.
 *
 * Every wait is rt_run_sleep on the run's condition variable, so pipe_stop or a failure
 * elsewhere ends it at once. Only the sink's thread touches n->dlv.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rowerr_codes.h"
#include "rt_internal.h"

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the run's wake-up ------------------------------------------------------------- */

void rt_run_wake_init(pipe_run *r) {
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);   /* waits ignore changes of the date */
  pthread_cond_init(&r->wake, &ca);
  pthread_condattr_destroy(&ca);
}

void rt_run_wake_free(pipe_run *r) {
  pthread_cond_destroy(&r->wake);
}

void rt_run_wake(pipe_run *r) {
  pthread_mutex_lock(&r->mu);
  r->cancelled = 1;
  pthread_cond_broadcast(&r->wake);
  pthread_mutex_unlock(&r->mu);
}

int rt_run_sleep(pipe_run *r, int64_t us) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  int64_t ns = until.tv_nsec + (us % 1000000) * 1000;
  until.tv_sec += (time_t)(us / 1000000 + ns / 1000000000);
  until.tv_nsec = (long)(ns % 1000000000);
  pthread_mutex_lock(&r->mu);
  while (!r->cancelled && pthread_cond_timedwait(&r->wake, &r->mu, &until) != ETIMEDOUT) {
  }
  int rc = r->cancelled ? -1 : 0;
  pthread_mutex_unlock(&r->mu);
  return rc;
}

/* ---- backoff and breaker ----------------------------------------------------------- */

static uint64_t next_rand(uint64_t *s) {   /* xorshift64*: jitter, not secrets */
  uint64_t x = *s ? *s : 0x9e3779b97f4a7c15u;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545f4914f6cdd1du;
}

int64_t rt_backoff_us(const pipe_delivery_desc *d, int k, uint64_t *rng) {
  int64_t lo = d->backoff_min, hi = d->backoff_max;
  if (k < 62 && lo <= (hi >> k)) hi = lo << k;   /* min * 2^k, unless that passes max */
  if (hi <= lo) return lo;
  return lo + (int64_t)(next_rand(rng) % (uint64_t)(hi - lo + 1));
}

/* Waits while the breaker is open. 0, or -1 when the run was cancelled meanwhile. */
static int breaker_wait(rt_node *n) {
  int64_t left = n->dlv.open_until ? n->dlv.open_until - now_us() : 0;
  return left > 0 ? rt_run_sleep(n->run, left) : 0;
}

static void write_failed(rt_node *n) {
  const pipe_delivery_desc *d = &n->d->delivery;
  rt_delivery *s = &n->dlv;
  s->fails++;
  if (d->breaker_failures <= 0 || s->fails < d->breaker_failures) return;
  s->open_until = now_us() + d->breaker_reset;   /* also after a failed trial */
  s->opened++;
}

static int breaker_open(const rt_node *n) {
  return n->dlv.open_until && n->dlv.open_until > now_us();
}

/* ---- giving up ----------------------------------------------------------------------- */

/* The rows this sink delivered so far: what it handled minus what it dead-lettered. */
static long long delivered(const rt_node *n) {
  return (long long)(n->rows_in - n->ops[0].dead);
}

/* A batch that cannot be delivered: status rc (RT_WRITE_RETRY or RT_WRITE_UNKNOWN after
 * `retries` retries, RT_WRITE_REFUSED, or RT_WRITE_FAILED: a broken writer, which fails
 * the run whatever the policy, as does UNKNOWN: that batch may be stored). Only a database says RETRY or REFUSED, and its committed batches stay, so
 * the error counts them; a broken file writer publishes nothing. */
static int give_up(rt_node *n, const pipe_batch *b, int rc, int retries, const char *msg,
                   int was_epipe) {
  char text[768];
  if (rc == RT_WRITE_REFUSED)
    snprintf(text, sizeof text, "%s; not retried: the rows themselves were refused", msg);
  else if ((rc == RT_WRITE_RETRY || rc == RT_WRITE_UNKNOWN) && retries > 0)
    snprintf(text, sizeof text, "%s; gave up after %d retr%s", msg, retries,
             retries == 1 ? "y" : "ies");
  else
    snprintf(text, sizeof text, "%s", msg);
  if (rc == RT_WRITE_REFUSED) n->dlv.refused++;
  /* A batch that may be stored is never dead-lettered: it would be delivered twice. */
  if (rc != RT_WRITE_FAILED && rc != RT_WRITE_UNKNOWN &&
      n->d->delivery.on_error.kind == PIPE_ON_DEAD) {
    int code = rc == RT_WRITE_REFUSED ? RE_REFUSED : RE_UNDELIVERED;
    if (rt_sink_dead(n, b, code, text) != 0) return -1;
    n->rows_in += b->nrows;
    return 0;
  }
  if (rc != RT_WRITE_FAILED) {
    size_t len = strlen(text);
    snprintf(text + len, sizeof text - len, "; %lld row%s delivered", delivered(n),
             delivered(n) == 1 ? "" : "s");
  }
  rt_writer_abort(n->writer);
  n->writer = NULL;
  rt_node_ioerr(n, text, was_epipe);
  return -1;
}

/* ---- a batch ------------------------------------------------------------------------- */

void rt_delivery_start(rt_node *n) {
  const pipe_delivery_desc *d = &n->d->delivery;
  n->dlv.rng = (uint64_t)now_us() ^ ((uint64_t)(n->index + 1) * 0x9e3779b97f4a7c15u);
  /* A lock is waited for by the retries, interruptibly, rather than inside the write. */
  if (n->writer && d->retry_max > 0)
    n->writer->wait_ms = d->backoff_min / 1000 > 0 ? d->backoff_min / 1000 : 1;
}

int rt_deliver(rt_node *n, const pipe_batch *b) {
  const pipe_delivery_desc *d = &n->d->delivery;
  for (int retries = 0;; retries++) {
    if (breaker_wait(n) != 0) return -1;
    rt_ioerr ioerr;
    errno = 0;
    int rc = rt_writer_write(n->writer, b, &ioerr);
    if (rc == RT_WRITE_OK) {
      n->dlv.fails = 0;
      n->dlv.open_until = 0;
      n->rows_in += b->nrows;
      return 0;
    }
    int was_epipe = errno == EPIPE;
    int again = rc == RT_WRITE_RETRY || rc == RT_WRITE_UNKNOWN;
    if (!again && rc != RT_WRITE_REFUSED) rc = RT_WRITE_FAILED;
    if (again) write_failed(n);
    if (!again || retries >= d->retry_max)
      return give_up(n, b, rc, retries, ioerr.msg, was_epipe);
    n->dlv.retries++;
    if (!breaker_open(n) && rt_run_sleep(n->run, rt_backoff_us(d, retries + 1, &n->dlv.rng)) != 0)
      return -1;
  }
}

const char *rt_delivery_check(const pipe_node_desc *d, int ndead) {
  const pipe_delivery_desc *v = &d->delivery;
  if (v->retry_max < 0 || v->breaker_failures < 0) return "negative retry or breaker count";
  if (v->retry_max > 0 && (v->backoff_min <= 0 || v->backoff_max < v->backoff_min))
    return "bad backoff range";
  if (v->breaker_failures > 0 && v->breaker_reset <= 0) return "bad breaker reset";
  if (v->on_error.kind != PIPE_ON_FAIL && v->on_error.kind != PIPE_ON_DEAD)
    return "on error is neither fail nor dead_letter";
  if (v->on_error.kind == PIPE_ON_DEAD && (v->on_error.dead < 0 || v->on_error.dead >= ndead))
    return "dead-letter index out of range";
  return NULL;
}
