/* win_group.c: groups of a window: their memory, the fire heap and the pane table.
 *
 * A group is one allocation: a header (rt_group) and the aggregate state, zero-filled
 * and then passed to the generated `init` (a sliding window's groups have room for a
 * second state, a pane's suffix: see win_slide.c). Freeing a group frees the strings
 * its states hold (the pipe_agg_str slots at str_offs), takes it out of every structure
 * that refers to it and drops its key when it was the key's last group, so firing a
 * window releases everything it held. Freed groups are kept on a short spare list for the next
 * window: a steady stream reuses the same few blocks instead of calling malloc per window.
 *
 * The heap orders sessions and full count windows by end, so the earliest end (the next
 * time anything can fire) is always at the top. A session's end grows as rows extend
 * it; rather than sift it down on every row, the heap keeps the end it had when it went
 * in (<= its end) and a group popped with a stale end goes back in with its real end.
 * next_fire may then be early, which costs one pop and push, never a wrong firing. The pane table finds a tumbling or
 * sliding pane by (key, start) in O(1) when a row misses its key's cached pane.
 */
#include <stdlib.h>
#include <string.h>

#include "rt_window.h"

#define MAX_SPARE 1024

void pipe_rt_agg_str_set(pipe_agg_str *s, const char *p, int64_t n) {
  if (n < 0) n = 0;
  if (n > s->cap || !s->ptr) {
    int64_t cap = n < 16 ? 16 : n;
    free(s->ptr);
    s->ptr = rt_xmalloc((size_t)cap);
    s->cap = cap;
  }
  if (n) memcpy(s->ptr, p, (size_t)n);
  s->len = n;
}

static rt_group *group_alloc(rt_window *w, rt_key *k, int role, int64_t line) {
  rt_group *g = w->spare;
  if (g) {
    w->spare = g->next;
    w->nspare--;
  } else {
    g = rt_xmalloc(w->gsize);
  }
  memset(g, 0, w->gsize);
  g->key = k;
  k->refs++;
  g->role = role;
  g->line = line;
  g->heap = -1;
  g->seq = w->seq++;
  g->all_next = w->all;
  if (w->all) w->all->all_prev = g;
  w->all = g;
  if (w->d->init) w->d->init(rt_group_state(g));
  w->live++;
  return g;
}

rt_group *rt_win_group_new(rt_window *w, rt_key *k, int role, int64_t line) {
  rt_group *g = group_alloc(w, k, role, line);
  if (++w->open > w->peak) w->peak = w->open;
  return g;
}

rt_group *rt_win_aux_new(rt_window *w, rt_key *k) {
  rt_group *g = group_alloc(w, k, RT_G_TEMP, 0);
  g->retired = 1;   /* in no lookup structure, and not open */
  return g;
}

/* ---- the heap, by (end, seq) ---------------------------------------------------- */

static int before(const rt_hent *a, const rt_hent *b) {
  return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static void heap_set(rt_window *w, int64_t i, rt_hent e) {
  w->heap[i] = e;
  e.g->heap = (int32_t)i;
}

static void sift_up(rt_window *w, int64_t i) {
  rt_hent e = w->heap[i];
  while (i > 0 && before(&e, &w->heap[(i - 1) / 2])) {
    heap_set(w, i, w->heap[(i - 1) / 2]);
    i = (i - 1) / 2;
  }
  heap_set(w, i, e);
}

static void sift_down(rt_window *w, int64_t i) {
  rt_hent e = w->heap[i];
  for (;;) {
    int64_t c = 2 * i + 1;
    if (c >= w->nheap) break;
    if (c + 1 < w->nheap && before(&w->heap[c + 1], &w->heap[c])) c++;
    if (!before(&w->heap[c], &e)) break;
    heap_set(w, i, w->heap[c]);
    i = c;
  }
  heap_set(w, i, e);
}

static void heap_top_changed(rt_window *w) {
  w->next_fire = w->nheap ? w->heap[0].key : INT64_MAX;
}

void rt_win_heap_push(rt_window *w, rt_group *g) {
  if (w->nheap == w->heapcap) {
    w->heapcap = w->heapcap ? w->heapcap * 2 : 64;
    w->heap = rt_xrealloc(w->heap, (size_t)w->heapcap * sizeof *w->heap);
  }
  w->heap[w->nheap] = (rt_hent){g->end, g->seq, g};
  sift_up(w, w->nheap++);
  heap_top_changed(w);
}

static void heap_remove(rt_window *w, rt_group *g) {
  int64_t i = g->heap;
  rt_hent last = w->heap[--w->nheap];
  g->heap = -1;
  if (last.g != g) {
    heap_set(w, i, last);
    sift_up(w, i);
    sift_down(w, last.g->heap);
  }
  heap_top_changed(w);
}

rt_group *rt_win_heap_pop(rt_window *w, int64_t to) {
  while (w->nheap > 0 && w->heap[0].key <= to) {
    rt_group *g = w->heap[0].g;
    heap_remove(w, g);
    if (g->end <= to) return g;
    rt_win_heap_push(w, g);   /* it grew since it went in: back with its real end */
  }
  return NULL;
}

/* ---- the pane table ------------------------------------------------------------- */

static uint64_t pane_hash(const rt_key *k, int64_t start) {
  uint64_t h = k->hash ^ ((uint64_t)start * 0x9e3779b97f4a7c15ULL);
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ULL;
  return h ^ (h >> 32);
}

rt_group *rt_win_pane_find(const rt_window *w, const rt_key *k, int64_t start) {
  if (!w->ptab) return NULL;
  for (rt_group *g = w->ptab[pane_hash(k, start) & w->pmask]; g; g = g->next)
    if (g->key == k && g->start == start) return g;
  return NULL;
}

static void ptab_grow(rt_window *w) {
  uint64_t nb = w->ptab ? (w->pmask + 1) * 2 : 64;
  rt_group **t = rt_xcalloc((size_t)nb, sizeof *t);
  for (uint64_t b = 0; w->ptab && b <= w->pmask; b++) {
    for (rt_group *g = w->ptab[b], *next; g; g = next) {
      next = g->next;
      uint64_t i = pane_hash(g->key, g->start) & (nb - 1);
      g->next = t[i];
      t[i] = g;
    }
  }
  free(w->ptab);
  w->ptab = t;
  w->pmask = nb - 1;
}

void rt_win_pane_add(rt_window *w, rt_group *g) {
  if (!w->ptab || (uint64_t)w->npane >= w->pmask + 1) ptab_grow(w);
  uint64_t i = pane_hash(g->key, g->start) & w->pmask;
  g->next = w->ptab[i];
  w->ptab[i] = g;
  w->npane++;
}

static void pane_remove(rt_window *w, rt_group *g) {
  rt_group **p = &w->ptab[pane_hash(g->key, g->start) & w->pmask];
  while (*p != g) p = &(*p)->next;
  *p = g->next;
  w->npane--;
}

static void session_unlink(rt_group *g) {
  rt_group **p = &g->key->sess;
  while (*p && *p != g) p = &(*p)->next;
  if (*p) *p = g->next;
}

/* ---- freeing ---------------------------------------------------------------------- */

static void state_free_strings(const rt_window *w, char *st) {
  for (int32_t i = 0; i < w->d->nstr; i++) {
    pipe_agg_str *s = (pipe_agg_str *)(void *)(st + w->d->str_offs[i]);
    free(s->ptr);
  }
}

static void free_strings(rt_window *w, rt_group *g) {
  for (int i = 0; i < w->nstates; i++)
    state_free_strings(w, (char *)rt_group_state(g) + (size_t)i * w->sstride);
}

void rt_win_state_reset(const rt_window *w, void *st) {
  state_free_strings(w, st);
  memset(st, 0, (size_t)w->d->state_size);
  if (w->d->init) w->d->init(st);
}

void rt_win_group_retire(rt_window *w, rt_group *g) {
  if (g->retired) return;
  g->retired = 1;
  w->open--;
  if (g->heap >= 0) heap_remove(w, g);
  if (g->role == RT_G_PANE) {
    pane_remove(w, g);
    if (g->key->sl) rt_win_slide_remove(w, g);
  }
  if (g->role == RT_G_SESSION) session_unlink(g);
  if (g->key->cur == g) g->key->cur = NULL;
  g->role = RT_G_TEMP;
}

void rt_win_group_free(rt_window *w, rt_group *g) {
  rt_key *k = g->key;
  free_strings(w, g);
  rt_win_group_retire(w, g);
  if (g->all_prev) g->all_prev->all_next = g->all_next;
  else w->all = g->all_next;
  if (g->all_next) g->all_next->all_prev = g->all_prev;
  k->refs--;
  rt_win_key_unused(w, k);
  w->live--;
  if (w->nspare < MAX_SPARE) {
    g->next = w->spare;
    w->spare = g;
    w->nspare++;
  } else {
    free(g);
  }
}

/* Teardown: every live group and every spare block, without the bookkeeping. */
void rt_win_groups_free(rt_window *w) {
  for (rt_group *g = w->all, *next; g; g = next) {
    next = g->all_next;
    free_strings(w, g);
    free(g);
  }
  for (rt_group *g = w->spare, *next; g; g = next) {
    next = g->next;
    free(g);
  }
  w->all = w->spare = NULL;
  free(w->ptab);
  free(w->heap);
  w->ptab = NULL;
  w->heap = NULL;
}

void rt_win_fired_add(rt_window *w, rt_group *g) {
  if (w->nfired == w->firedcap) {
    w->firedcap = w->firedcap ? w->firedcap * 2 : 64;
    w->fired = rt_xrealloc(w->fired, (size_t)w->firedcap * sizeof *w->fired);
  }
  w->fired[w->nfired++] = g;
}
