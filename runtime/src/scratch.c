/* scratch.c: the scratch area where kernels build strings (pipe_rt_scratch).
 *
 * Pointers handed out must stay valid until the batch ends, so the area never moves: when
 * the current chunk is full a new, larger chunk is started and the old one is kept on a
 * chain until rt_scratch_reset. Each chunk starts with a small header linking to the
 * previous chunk, so the state lives entirely in pipe_kctx (scratch, scratch_len,
 * scratch_cap) and a zeroed context works. Because every new chunk at least doubles, a
 * stage settles on one chunk big enough for its largest batch and then never allocates.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rt_internal.h"

#define MIN_CHUNK 4096

typedef struct chunk {
  struct chunk *prev;
  int64_t cap;   /* keeps the data 16-byte aligned on 64-bit targets */
} chunk;

static chunk *head_of(const pipe_kctx *ctx) {
  return ctx->scratch ? (chunk *)(void *)(ctx->scratch - sizeof(chunk)) : NULL;
}

char *pipe_rt_scratch(pipe_kctx *ctx, int64_t n) {
  if (n < 0) n = 0;
  if (ctx->scratch && ctx->scratch_len + n <= ctx->scratch_cap) {
    char *p = ctx->scratch + ctx->scratch_len;
    ctx->scratch_len += n;
    return p;
  }
  int64_t cap = ctx->scratch_cap * 2;
  if (cap < MIN_CHUNK) cap = MIN_CHUNK;
  while (cap < n) cap *= 2;
  chunk *c = malloc(sizeof(chunk) + (size_t)cap);
  if (!c) {
    fprintf(stderr, "pipe: out of memory (scratch of %lld bytes)\n", (long long)cap);
    abort();
  }
  c->prev = head_of(ctx);
  c->cap = cap;
  ctx->scratch = (char *)(c + 1);
  ctx->scratch_cap = cap;
  ctx->scratch_len = n;
  return ctx->scratch;
}

static void free_chain(chunk *c) {
  while (c) {
    chunk *prev = c->prev;
    free(c);
    c = prev;
  }
}

void rt_scratch_reset(pipe_kctx *ctx) {
  chunk *c = head_of(ctx);
  if (c) {
    free_chain(c->prev);   /* keep only the newest, largest chunk */
    c->prev = NULL;
  }
  ctx->scratch_len = 0;
}

void rt_scratch_free(pipe_kctx *ctx) {
  free_chain(head_of(ctx));
  ctx->scratch = NULL;
  ctx->scratch_len = 0;
  ctx->scratch_cap = 0;
}
