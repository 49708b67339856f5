/* test_rt_chan.c: bounded channels (chan.c): FIFO order, backpressure, close, hangup,
 * cancellation of blocked senders and receivers, and release of queued batches.
 * Blocking is observed through the channel's own counters with a generous deadline, not
 * through sleeps that guess how long a thread needs. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "rt_batch.h"
#include "rt_chan.h"
#include "tap.h"

static const pipe_field_desc fields[] = {{"n", PIPE_T_I64, 0}};
static const pipe_schema_desc schema = {fields, 1, 0};

/* Polls cond(c) every millisecond for up to 10 s. */
static int eventually(int (*cond)(rt_chan *), rt_chan *c) {
  struct timespec ms = {0, 1000000};
  for (int i = 0; i < 10000; i++) {
    if (cond(c)) return 1;
    nanosleep(&ms, NULL);
  }
  return 0;
}
static int one_sender_blocked(rt_chan *c) { return rt_chan_blocked_senders(c) == 1; }
static int one_receiver_blocked(rt_chan *c) { return rt_chan_blocked_receivers(c) == 1; }

static rt_msg wm(int64_t v) {
  rt_msg m = {RT_MSG_WATERMARK, NULL, v};
  return m;
}

static void test_fifo(void) {
  rt_chan *c = rt_chan_new(4);
  for (int i = 0; i < 3; i++) {
    rt_msg m = wm(i * 10);
    rt_chan_send(c, &m);
  }
  is_int(rt_chan_len(c), 3, "three queued");
  /* five rounds of send-one, receive-one wrap around the ring of four */
  int64_t want[] = {0, 10, 20, 100, 101, 102, 103, 104};
  int order = 1, k = 0;
  rt_msg got;
  for (int round = 0; round < 5; round++) {
    rt_msg m = wm(100 + round);
    rt_chan_send(c, &m);
    rt_chan_recv(c, &got);
    order &= got.kind == RT_MSG_WATERMARK && got.watermark == want[k++];
  }
  while (k < 8) {
    rt_chan_recv(c, &got);
    order &= got.watermark == want[k++];
  }
  ok(order, "messages come out in the order they went in, across the ring's wrap");
  is_int(rt_chan_len(c), 0, "drained");
  rt_chan_free(c);
}

typedef struct producer {
  rt_chan *c;
  int n;
  atomic_int sent;
  int rc;
  int err;
} producer;

static void *produce(void *arg) {
  producer *p = arg;
  for (int i = 0; i < p->n; i++) {
    rt_msg m = wm(i);
    p->rc = rt_chan_send(p->c, &m);
    if (p->rc != 0) {
      p->err = errno;
      return NULL;
    }
    atomic_fetch_add(&p->sent, 1);
  }
  return NULL;
}

static void test_backpressure(void) {
  producer p = {rt_chan_new(4), 6, 0, 0, 0};
  pthread_t t;
  pthread_create(&t, NULL, produce, &p);
  ok(eventually(one_sender_blocked, p.c), "producer blocks on a full channel");
  is_int(atomic_load(&p.sent), 4, "exactly the capacity got through");
  is_int(rt_chan_len(p.c), 4, "channel is full");
  rt_msg got;
  int64_t sum = 0;
  for (int i = 0; i < 6; i++) {
    rt_chan_recv(p.c, &got);
    sum += got.watermark;
  }
  pthread_join(t, NULL);
  is_int(atomic_load(&p.sent), 6, "producer finished once the consumer read");
  is_int(sum, 0 + 1 + 2 + 3 + 4 + 5, "every message arrived");
  rt_chan_free(p.c);
}

static void test_close(void) {
  rt_chan *c = rt_chan_new(4);
  rt_msg a = wm(1), b = wm(2), got;
  rt_chan_send(c, &a);
  rt_chan_send(c, &b);
  rt_chan_close(c);
  rt_chan_recv(c, &got);
  ok(got.kind == RT_MSG_WATERMARK && got.watermark == 1, "queued message 1 after close");
  rt_chan_recv(c, &got);
  ok(got.kind == RT_MSG_WATERMARK && got.watermark == 2, "queued message 2 after close");
  is_int(rt_chan_recv(c, &got), 0, "recv after drain succeeds");
  is_int(got.kind, RT_MSG_EOS, "... with EOS");
  rt_chan_recv(c, &got);
  is_int(got.kind, RT_MSG_EOS, "EOS again");
  errno = 0;
  is_int(rt_chan_send(c, &a), -1, "send after close fails");
  is_int(errno, EPIPE, "... with EPIPE");
  rt_chan_free(c);
}

typedef struct receiver {
  rt_chan *c;
  int rc;
  int err;
} receiver;

static void *receive(void *arg) {
  receiver *r = arg;
  rt_msg m;
  r->rc = rt_chan_recv(r->c, &m);
  r->err = errno;
  return NULL;
}

static void test_cancel_receiver(void) {
  receiver r = {rt_chan_new(4), 0, 0};
  pthread_t t;
  pthread_create(&t, NULL, receive, &r);
  ok(eventually(one_receiver_blocked, r.c), "receiver blocks on an empty channel");
  rt_chan_cancel(r.c);
  pthread_join(t, NULL);
  is_int(r.rc, -1, "cancelled recv returns -1");
  is_int(r.err, ECANCELED, "... with ECANCELED");
  rt_msg m;
  errno = 0;
  ok(rt_chan_recv(r.c, &m) == -1 && errno == ECANCELED, "later recv is cancelled too");
  rt_chan_free(r.c);
}

static void test_cancel_sender(void) {
  producer p = {rt_chan_new(2), 10, 0, 0, 0};
  pthread_t t;
  pthread_create(&t, NULL, produce, &p);
  ok(eventually(one_sender_blocked, p.c), "sender blocks on a full channel");
  rt_chan_cancel(p.c);
  pthread_join(t, NULL);
  is_int(p.rc, -1, "cancelled send returns -1");
  is_int(p.err, ECANCELED, "... with ECANCELED");
  is_int(rt_chan_len(p.c), 0, "cancel empties the queue");
  rt_chan_free(p.c);
}

static void test_batches_released(void) {
  rt_pool *pool = rt_pool_new(&schema, 16);
  pipe_batch *b = rt_batch_get(pool);
  rt_chan *c = rt_chan_new(4);
  rt_batch_retain(b, 3);
  for (int i = 0; i < 3; i++) {
    rt_msg m = {RT_MSG_BATCH, b, 0};
    rt_chan_send(c, &m);
  }
  is_int(b->refs, 4, "three references queued, one held");
  rt_chan_cancel(c);
  is_int(b->refs, 1, "cancel released the queued references");
  rt_msg m = {RT_MSG_BATCH, b, 0};
  rt_batch_retain(b, 1);
  errno = 0;
  ok(rt_chan_send(c, &m) == -1 && errno == ECANCELED, "send to a cancelled channel fails");
  is_int(b->refs, 1, "a failed send consumes its reference");

  rt_chan *h = rt_chan_new(4);
  rt_batch_retain(b, 2);
  rt_msg m2 = {RT_MSG_BATCH, b, 0};
  rt_chan_send(h, &m2);
  rt_chan_hangup(h);
  is_int(b->refs, 2, "hangup released the queued reference");
  errno = 0;
  ok(rt_chan_send(h, &m2) == -1 && errno == EPIPE, "send after hangup fails with EPIPE");
  is_int(b->refs, 1, "... and consumes its reference");

  rt_chan *f = rt_chan_new(4);
  rt_batch_retain(b, 1);
  rt_chan_send(f, &m2);
  rt_chan_free(f);
  is_int(b->refs, 1, "free releases what is queued");

  rt_chan_free(c);
  rt_chan_free(h);
  rt_batch_release(b);
  rt_pool_free(pool);
}

int main(void) {
  test_fifo();
  test_backpressure();
  test_close();
  test_cancel_receiver();
  test_cancel_sender();
  test_batches_released();
  return tap_done();
}
