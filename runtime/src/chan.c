/* chan.c: bounded single-producer single-consumer channels (see rt_chan.h).
 *
 * A fixed ring of messages guarded by one mutex and two condition variables: `not_full`
 * wakes a blocked sender, `not_empty` a blocked receiver. Messages carry whole batches, so
 * the lock is taken a few times per 4096 rows: cheap next to the work on a batch, and far
 * simpler to reason about than a lock-free queue. Cancellation is state, not a signal:
 * every wait loop re-checks `cancelled` after waking, so a broadcast can never be missed.
 */
#include "rt_chan.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "rt_batch.h"

struct rt_chan {
  pthread_mutex_t mu;
  pthread_cond_t not_full;
  pthread_cond_t not_empty;
  rt_msg *ring;
  int cap;
  int head;            /* index of the oldest message */
  int len;             /* messages queued */
  int closed;          /* producer sent its last message */
  int hungup;          /* consumer stopped reading */
  int cancelled;
  int wait_send;       /* threads blocked in send / recv (introspection) */
  int wait_recv;
};

rt_chan *rt_chan_new(int cap) {
  if (cap < 1) cap = RT_CHAN_CAP;
  rt_chan *c = calloc(1, sizeof *c);
  if (c) c->ring = calloc((size_t)cap, sizeof(rt_msg));
  if (!c || !c->ring) {
    fprintf(stderr, "pipe: out of memory\n");
    abort();
  }
  c->cap = cap;
  pthread_mutex_init(&c->mu, NULL);
  pthread_cond_init(&c->not_full, NULL);
  pthread_cond_init(&c->not_empty, NULL);
  return c;
}

/* Drops every queued message. Called with the lock held; releasing a batch only takes
 * its pool's lock, which never waits on a channel, so there is no lock-order cycle. */
static void drain(rt_chan *c) {
  for (; c->len > 0; c->len--) {
    rt_msg *m = &c->ring[c->head];
    if (m->kind == RT_MSG_BATCH) rt_batch_release(m->batch);
    m->batch = NULL;
    c->head = (c->head + 1) % c->cap;
  }
}

void rt_chan_free(rt_chan *c) {
  if (!c) return;
  drain(c);
  pthread_cond_destroy(&c->not_empty);
  pthread_cond_destroy(&c->not_full);
  pthread_mutex_destroy(&c->mu);
  free(c->ring);
  free(c);
}

static int fail_send(rt_chan *c, const rt_msg *m, int err) {
  pthread_mutex_unlock(&c->mu);
  if (m->kind == RT_MSG_BATCH) rt_batch_release(m->batch);
  errno = err;
  return -1;
}

int rt_chan_send(rt_chan *c, const rt_msg *m) {
  pthread_mutex_lock(&c->mu);
  while (c->len == c->cap && !c->cancelled && !c->hungup) {
    c->wait_send++;
    pthread_cond_wait(&c->not_full, &c->mu);
    c->wait_send--;
  }
  if (c->cancelled) return fail_send(c, m, ECANCELED);
  if (c->hungup || c->closed) return fail_send(c, m, EPIPE);
  c->ring[(c->head + c->len) % c->cap] = *m;
  c->len++;
  pthread_cond_signal(&c->not_empty);
  pthread_mutex_unlock(&c->mu);
  return 0;
}

int rt_chan_recv(rt_chan *c, rt_msg *m) {
  pthread_mutex_lock(&c->mu);
  while (c->len == 0 && !c->closed && !c->cancelled) {
    c->wait_recv++;
    pthread_cond_wait(&c->not_empty, &c->mu);
    c->wait_recv--;
  }
  if (c->cancelled) {
    pthread_mutex_unlock(&c->mu);
    errno = ECANCELED;
    return -1;
  }
  if (c->len == 0) {   /* closed and drained */
    pthread_mutex_unlock(&c->mu);
    m->kind = RT_MSG_EOS;
    m->batch = NULL;
    m->watermark = 0;
    return 0;
  }
  *m = c->ring[c->head];
  c->ring[c->head].batch = NULL;
  c->head = (c->head + 1) % c->cap;
  c->len--;
  pthread_cond_signal(&c->not_full);
  pthread_mutex_unlock(&c->mu);
  return 0;
}

void rt_chan_close(rt_chan *c) {
  pthread_mutex_lock(&c->mu);
  c->closed = 1;
  pthread_cond_broadcast(&c->not_empty);
  pthread_mutex_unlock(&c->mu);
}

void rt_chan_hangup(rt_chan *c) {
  pthread_mutex_lock(&c->mu);
  c->hungup = 1;
  drain(c);
  pthread_cond_broadcast(&c->not_full);
  pthread_mutex_unlock(&c->mu);
}

void rt_chan_cancel(rt_chan *c) {
  pthread_mutex_lock(&c->mu);
  c->cancelled = 1;
  drain(c);
  pthread_cond_broadcast(&c->not_full);
  pthread_cond_broadcast(&c->not_empty);
  pthread_mutex_unlock(&c->mu);
}

static int snapshot(rt_chan *c, const int *field) {
  pthread_mutex_lock(&c->mu);
  int v = *field;
  pthread_mutex_unlock(&c->mu);
  return v;
}

int rt_chan_len(rt_chan *c) { return snapshot(c, &c->len); }
int rt_chan_blocked_senders(rt_chan *c) { return snapshot(c, &c->wait_send); }
int rt_chan_blocked_receivers(rt_chan *c) { return snapshot(c, &c->wait_recv); }
