/* rt_batch.h: batches and their pools (batch.c).
 *
 * Ownership: rt_batch_get returns a batch with one reference, owned by the caller.
 * rt_batch_retain adds a reference (fan-out: one per extra consumer); rt_batch_release
 * drops one, and the last release returns the batch to its pool, which reuses its memory
 * for the next rt_batch_get. A pool is freed by rt_pool_free once every batch it handed out
 * has been released. The schema must outlive the pool (descriptor tables are static).
 */
#ifndef RT_BATCH_H
#define RT_BATCH_H

#include <stddef.h>

#include "pipe/abi.h"

#define RT_BATCH_ROWS 4096   /* rows per batch from the readers */

typedef struct rt_pool rt_pool;

/* malloc, calloc and realloc that print "out of memory" and abort instead of returning
 * NULL: the runtime has no way to go on without the memory for a batch or a buffer. */
void *rt_xmalloc(size_t n);
void *rt_xcalloc(size_t n, size_t size);
void *rt_xrealloc(void *p, size_t n);

rt_pool *rt_pool_new(const pipe_schema_desc *schema, int64_t cap);
void rt_pool_free(rt_pool *p);
/* A batch with nrows 0, capacity >= the pool's cap, empty string data. */
pipe_batch *rt_batch_get(rt_pool *p);
/* As rt_batch_get, with capacity for at least `cap` rows. */
pipe_batch *rt_batch_get_cap(rt_pool *p, int64_t cap);
void rt_batch_retain(pipe_batch *b, int n);
void rt_batch_release(pipe_batch *b);
/* Lends b (one reference, no rows) the columns `cols` (the same schema; the caller's
 * memory, not changed by anyone) in place of its own, until the last release, which
 * gives b its own columns back and then calls drop(arg) (on the releasing thread). For
 * zero-copy Arrow input (arrow_import.c). */
void rt_batch_lend(pipe_batch *b, pipe_column *cols, void (*drop)(void *), void *arg);
/* Gives `to` the rows, columns, lines and watermarks of `from` (a loan included) and
 * `from` the (empty) ones of `to`. Both have the same schema, so each header stays
 * consistent with its columns; a host source hands pushed batches over this way. */
void rt_batch_move(pipe_batch *to, pipe_batch *from);
/* A batch not from any pool (tests, embedding); released like any other. */
pipe_batch *rt_batch_new(const pipe_schema_desc *schema, int64_t cap);

static inline int rt_is_null(const pipe_column *c, int64_t i) {
  return c->validity && !(c->validity[i >> 3] & (1u << (i & 7)));
}
static inline void rt_set_valid(pipe_column *c, int64_t i, int valid) {
  if (!c->validity) return;
  if (valid) c->validity[i >> 3] |= (uint8_t)(1u << (i & 7));
  else c->validity[i >> 3] &= (uint8_t)~(1u << (i & 7));
}
/* Bool values are bit-packed like the validity bitmap (Arrow boolean layout). Pooled
 * batches keep stale bits, so a writer always sets or clears the bit of its row. */
static inline int rt_bool_get(const pipe_column *c, int64_t i) {
  return (((const uint8_t *)c->values)[i >> 3] >> (i & 7)) & 1;
}
static inline void rt_bool_set(pipe_column *c, int64_t i, int v) {
  uint8_t *byte = &((uint8_t *)c->values)[i >> 3];
  if (v) *byte |= (uint8_t)(1u << (i & 7));
  else *byte &= (uint8_t)~(1u << (i & 7));
}
static inline pipe_str rt_str_at(const pipe_column *c, int64_t i) {
  const int64_t *off = (const int64_t *)c->values;
  pipe_str s = {c->data + off[i], off[i + 1] - off[i]};
  return s;
}
/* Appends string bytes as row i's value (rows are appended in order: i == nrows). */
void rt_str_append(pipe_column *c, int64_t i, const char *p, int64_t n);
/* Row i of c holds no value: zero, and null when the column can be (strings get an empty
 * value, so the offsets stay whole). */
void rt_put_null(pipe_column *c, int type, int64_t i);
/* Takes back the string bytes a reader wrote for row b->nrows before the row failed:
 * every completed row ends each string column at offsets[nrows], so nothing need be saved. */
void rt_batch_undo_row(pipe_batch *b, const pipe_schema_desc *s);

#endif
