/* win_keyed.c: the per-key kinds: session windows, count windows and aggregates.
 *
 * Sessions: each key keeps its open sessions in a short list by ascending first event;
 * they are disjoint and at least a gap apart, so a row joins at most the sessions around
 * it. A row at ts joins every open session with first - gap < ts < last + gap; when it
 * bridges several, they are merged into the earliest (in ascending first), after the
 * rows placed so far have been folded in, since their states go away. A row that joins
 * nothing starts [ts, ts], unless that session would already have ended by the clock:
 * then it is late. window_end = last + gap is the group's `end`, kept in the fire heap.
 *
 * Count windows: each key has one open window taking rows until it holds N; then it is
 * full, waits in the fire heap for the clock to pass its last event time, and the next
 * row of the key opens a new window. Rows are never late. At EOS every window fires,
 * full or not. Aggregates: one group per key, all fired at EOS in key order.
 */
#include "rt_window.h"

static int joins(const rt_group *s, int64_t ts, int64_t gap) {
  return rt_sat_add(s->start, -gap) < ts && ts < s->end;
}

static rt_group *session_new(rt_window *w, rt_key *k, int64_t ts, int64_t line) {
  rt_group *g = rt_win_group_new(w, k, RT_G_SESSION, line);
  g->start = ts;
  g->end = rt_sat_add(ts, w->size);
  rt_group **p = &k->sess;
  while (*p && (*p)->start < ts) p = &(*p)->next;
  g->next = *p;
  *p = g;
  rt_win_heap_push(w, g);
  return g;
}

/* Merges the sessions after dst that the row at ts also joins into dst. */
static void bridge(rt_window *w, rt_group *dst, int64_t ts) {
  int flushed = 0;
  while (dst->next && joins(dst->next, ts, w->size)) {
    rt_group *s = dst->next;
    if (!flushed) {   /* rows placed so far in s must reach it before it goes */
      rt_win_flush(w, w->row);
      flushed = 1;
    }
    w->d->merge(rt_group_state(dst), rt_group_state(s));
    if (s->end > dst->end) dst->end = s->end;
    rt_win_group_free(w, s);   /* unlinks s from the key's list and the heap */
  }
}

void *rt_win_session_place(rt_window *w, rt_key *k, int64_t ts, int64_t line,
                           int64_t *late_end) {
  rt_group *s = k->sess;
  while (s && !joins(s, ts, w->size) && rt_sat_add(s->start, -w->size) < ts) s = s->next;
  if (!s || !joins(s, ts, w->size)) {
    int64_t end = rt_sat_add(ts, w->size);
    if (end <= w->clock) {
      *late_end = end;
      return NULL;
    }
    return rt_group_state(session_new(w, k, ts, line));
  }
  bridge(w, s, ts);
  if (ts < s->start) s->start = ts;
  int64_t end = rt_sat_add(ts, w->size);
  if (end > s->end) s->end = end;   /* only grows: the heap catches up lazily */
  return rt_group_state(s);
}

void *rt_win_count_place(rt_window *w, rt_key *k, int64_t ts, int64_t line) {
  rt_group *g = k->cur;
  if (!g || g->rows >= w->size) {
    g = rt_win_group_new(w, k, RT_G_COUNT, line);
    g->start = g->end = ts;
    k->cur = g;
  } else {
    if (ts < g->start) g->start = ts;
    if (ts > g->end) g->end = ts;
  }
  if (++g->rows == w->size) rt_win_heap_push(w, g);   /* full: its end is final now */
  return rt_group_state(g);
}

void *rt_win_all_place(rt_window *w, rt_key *k, int64_t line) {
  if (!k->cur) k->cur = rt_win_group_new(w, k, RT_G_ALL, line);
  return rt_group_state(k->cur);
}

/* Fires every group whose end is at most `to`; at EOS every live group. */
int rt_win_keyed_fire(rt_window *w, int64_t to, int eos) {
  if (eos) {
    for (rt_group *g = w->all; g; g = g->all_next) rt_win_fired_add(w, g);
  } else {
    for (rt_group *g; (g = rt_win_heap_pop(w, to)) != NULL;) rt_win_fired_add(w, g);
  }
  if (to > w->clock) w->clock = to;
  return rt_win_emit_fired(w);
}
