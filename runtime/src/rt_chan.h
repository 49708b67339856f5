/* rt_chan.h: bounded channels between the threads of a running program (chan.c).
 *
 * A channel is a ring of messages with one producer and one consumer: batches, watermarks
 * and end-of-stream. It is bounded, so a producer that runs ahead of its consumer blocks
 * in rt_chan_send (backpressure) and memory stays bounded whatever the input size.
 *
 * Ownership: a message's batch reference moves with the message. rt_chan_send consumes
 * it whether it succeeds or fails (on failure the channel releases it), so a caller never
 * has to clean up after a failed send. rt_chan_recv hands the reference to the caller.
 * Batches still queued when a channel is cancelled, hung up or freed are released there.
 *
 * Blocking calls can be cancelled and say why they stopped (libdill style): they return
 * -1 with errno ECANCELED after rt_chan_cancel, or EPIPE when sending to a channel whose
 * consumer hung up or which the producer already closed.
 */
#ifndef RT_CHAN_H
#define RT_CHAN_H

#include "pipe/abi.h"

#define RT_CHAN_CAP 4   /* messages a channel holds before its producer blocks */

enum rt_msg_kind { RT_MSG_BATCH = 0, RT_MSG_WATERMARK = 1, RT_MSG_EOS = 2 };

typedef struct rt_msg {
  int kind;             /* enum rt_msg_kind */
  pipe_batch *batch;    /* RT_MSG_BATCH: one reference, owned by whoever holds the message */
  int64_t watermark;    /* RT_MSG_WATERMARK: no later row has an event time below this */
} rt_msg;

typedef struct rt_chan rt_chan;

rt_chan *rt_chan_new(int cap);
/* Frees the channel, releasing queued batches. No thread may be using it. */
void rt_chan_free(rt_chan *c);
/* Queues m, blocking while the channel is full. 0, or -1 with errno ECANCELED (cancelled)
 * or EPIPE (consumer gone, or channel closed). The batch reference is consumed either way. */
int rt_chan_send(rt_chan *c, const rt_msg *m);
/* Takes the oldest message, blocking while the channel is empty. After rt_chan_close and
 * once the queue is drained, every call yields RT_MSG_EOS. 0, or -1 with errno ECANCELED. */
int rt_chan_recv(rt_chan *c, rt_msg *m);
/* Producer: no more messages; the consumer gets EOS after the queued ones. Never blocks. */
void rt_chan_close(rt_chan *c);
/* Consumer: stops reading; queued batches are released and senders get EPIPE. */
void rt_chan_hangup(rt_chan *c);
/* Anyone: wakes both sides; queued batches are released and every blocked or later
 * send/recv returns -1 with ECANCELED. Idempotent and safe from any thread. */
void rt_chan_cancel(rt_chan *c);

/* Introspection for tests and diagnostics (a snapshot; may be stale at once). */
int rt_chan_len(rt_chan *c);
int rt_chan_blocked_senders(rt_chan *c);
int rt_chan_blocked_receivers(rt_chan *c);

#endif
