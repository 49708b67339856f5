/* win_pane.c: tumbling and sliding windows, built from panes.
 *
 * A sliding window of length D every S has windows [k*S, k*S + D). Every row goes into
 * exactly one pane [p, p + P) with P = gcd(D, S), so a row costs the same whatever D and
 * S are: a hit on its key's cached pane, or a pane-table probe. A window's state is the
 * merge of its key's panes inside it, in pane order; it is made when the window fires,
 * from aggregates the key keeps over its panes (win_slide.c), in O(1) merges amortised
 * whatever D / P is. A pane is freed once the last window containing it has fired. A
 * tumbling window is the case S = D: one pane per window, emitted as it is, with no
 * merge.
 *
 * Panes with the same start share a slot; slots are kept sorted by start, so the earliest
 * pane tells when the next window with content ends (next_fire) and firing walks windows
 * in order of end without visiting empty stretches of time. A row whose last window
 * (k = floor(ts / S)) has ended by the clock is late; a pane that exists is never late,
 * because its last window has not fired.
 */
#include <string.h>

#include "rt_window.h"

/* The smallest window end k*S + D above x. */
static int64_t end_after(const rt_window *w, int64_t x) {
  return rt_clamp64(rt_floor_to((rt_i128)x - w->size, w->every) + w->every + w->size);
}

/* The end of the last window containing the pane (or time) at p. */
static int64_t last_end(const rt_window *w, int64_t p) {
  return rt_clamp64(rt_floor_to(p, w->every) + w->size);
}

/* Index of the first slot with start >= t. */
static int64_t slot_lower(const rt_window *w, int64_t t) {
  int64_t lo = w->slo, hi = w->slo + w->nslot;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    if (w->slots[mid].start < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

static rt_slot *slot_get(rt_window *w, int64_t start) {
  int64_t i = slot_lower(w, start);
  if (i < w->slo + w->nslot && w->slots[i].start == start) return &w->slots[i];
  if (w->slo + w->nslot == w->slotcap) {
    if (w->slo > 0) {   /* room at the front: slide down instead of growing */
      memmove(w->slots, w->slots + w->slo, (size_t)w->nslot * sizeof *w->slots);
      i -= w->slo;
      w->slo = 0;
    } else {
      w->slotcap = w->slotcap ? w->slotcap * 2 : 16;
      w->slots = rt_xrealloc(w->slots, (size_t)w->slotcap * sizeof *w->slots);
    }
  }
  memmove(&w->slots[i + 1], &w->slots[i], (size_t)(w->slo + w->nslot - i) * sizeof *w->slots);
  w->nslot++;
  w->slots[i].start = start;
  w->slots[i].panes = NULL;
  return &w->slots[i];
}

void *rt_win_pane_place(rt_window *w, rt_key *k, int64_t ts, int64_t line, int64_t *late_end) {
  rt_group *g = k->cur;
  if (g && (uint64_t)ts - (uint64_t)g->start < (uint64_t)w->pane) {
    if (k->sl) rt_win_slide_touch(k->sl, g);
    return rt_group_state(g);
  }
  int64_t ps = rt_clamp64(rt_floor_to(ts, w->pane));
  g = rt_win_pane_find(w, k, ps);
  if (!g) {
    int64_t last = last_end(w, ts);
    if (last <= w->clock) {
      *late_end = last;
      return NULL;
    }
    g = rt_win_group_new(w, k, RT_G_PANE, line);
    g->start = ps;
    g->end = last;
    rt_win_pane_add(w, g);
    rt_slot *s = slot_get(w, ps);
    g->slot_next = s->panes;
    s->panes = g;
    int64_t nf = end_after(w, ps > w->clock ? ps : w->clock);
    if (nf < w->next_fire) w->next_fire = nf;
    if (w->nstates == 2) rt_win_slide_add(w, g);
  } else if (k->sl) {
    rt_win_slide_touch(k->sl, g);
  }
  k->cur = g;
  return rt_group_state(g);
}

/* Tumbling: the window is the front slot; its panes are emitted (and freed) as they are. */
static int fire_tumbling(rt_window *w) {
  rt_group *p = w->slots[w->slo].panes;
  w->slo++;
  w->nslot--;
  for (; p; p = p->slot_next) rt_win_fired_add(w, p);
  return rt_win_emit_fired(w);
}

/* Sliding: per key, a group holding the merge of the key's panes in [we - D, we). */
static int fire_sliding(rt_window *w, int64_t we) {
  /* The keys of the panes in [scan, we) join w->act; the other keys with panes below we
   * are there already. */
  for (int64_t i = slot_lower(w, w->scan); i < w->slo + w->nslot && w->slots[i].start < we; i++)
    for (rt_group *p = w->slots[i].panes; p; p = p->slot_next) rt_win_slide_act(w, p->key->sl);
  if (we > w->scan) w->scan = we;
  rt_win_slide_fire(w, we);
  if (rt_win_emit_fired(w) != 0) return -1;
  /* Panes whose last window was this one are done. */
  while (w->nslot > 0 && last_end(w, w->slots[w->slo].start) <= we) {
    for (rt_group *p = w->slots[w->slo].panes, *next; p; p = next) {
      next = p->slot_next;
      rt_win_group_free(w, p);
    }
    w->slo++;
    w->nslot--;
  }
  return 0;
}

/* Fires, in order of end, every window with content whose end is at most `to` (every
 * window at EOS). Windows ending at or before the clock have fired already. */
int rt_win_pane_fire(rt_window *w, int64_t to, int eos) {
  int64_t done = w->clock;
  while (w->nslot > 0) {
    int64_t front = w->slots[w->slo].start;
    int64_t we = end_after(w, front > done ? front : done);
    if (!eos && we > to) break;
    int rc = w->every == w->size ? fire_tumbling(w) : fire_sliding(w, we);
    if (rc != 0) return -1;
    done = we;
  }
  if (to > w->clock) w->clock = to;
  w->next_fire = INT64_MAX;
  if (w->nslot > 0) {
    int64_t front = w->slots[w->slo].start;
    w->next_fire = end_after(w, front > w->clock ? front : w->clock);
  }
  return 0;
}
