/* win_slide.c: a sliding window's state per key, aggregated so that firing a window
 * costs O(1) merges amortised instead of one merge per pane in it.
 *
 * Merging the D / P panes of a window from scratch each time it fires makes a long
 * window with a short slide (10m every 10s: 60 panes) cost 60 merges per window and
 * key. Instead each key keeps the two-stack sliding-window aggregation over its panes
 * (see rt_slide in rt_window.h), using only the generated `merge`, which is associative
 * but not commutative in general: every merge keeps the earlier panes on the left, so a
 * window is still its panes merged in pane order (only the grouping differs, which can
 * change the last bits of an f64 sum). Each pane is merged about three times in its
 * life (into the back, into its suffix, the suffix into the one before), and each
 * window twice (front suffix and back).
 *
 * Panes are not frozen once aggregated: a row behind the watermark still goes into a
 * pane whose windows have not all fired, and a new pane can appear among older ones.
 * Such a change marks what holds the pane stale (rt_win_slide_touch), and the next window
 * of the key recomputes it first: the suffixes from that pane down to the first, or the
 * back. In-order streams never pay for this.
 *
 * The keys to fire are found without walking the window's panes: `act` holds every key
 * with a pane below `scan`, the end of the last window fired. Firing a window first puts
 * in the keys of the slots in [scan, we) (each slot is scanned once), then takes each
 * key of act whose first pane is below we: that key has content in the window, because
 * its panes below we - D have been freed. A key whose first pane is at or after we
 * leaves act until the scan reaches it again.
 */
#include <stdlib.h>
#include <string.h>

#include "rt_window.h"

static void *suffix(const rt_window *w, rt_group *p) {
  return (char *)rt_group_state(p) + w->sstride;
}

/* ---- the keys with panes below scan ------------------------------------------------ */

void rt_win_slide_act(rt_window *w, rt_slide *s) {
  if (s->act) return;
  if (w->nact == w->actcap) {
    w->actcap = w->actcap ? w->actcap * 2 : 64;
    w->act = rt_xrealloc(w->act, (size_t)w->actcap * sizeof *w->act);
  }
  w->act[w->nact++] = s;
  s->act = w->nact;
}

/* The order of act does not matter: fired groups are sorted before they go out. */
static void act_remove(rt_window *w, rt_slide *s) {
  if (!s->act) return;
  rt_slide *last = w->act[--w->nact];
  w->act[s->act - 1] = last;
  last->act = s->act;
  s->act = 0;
}

/* ---- a key's rt_slide and its list of panes ------------------------------------------ */

static rt_slide *slide_new(rt_window *w, rt_key *k) {
  rt_slide *s = rt_xcalloc(1, sizeof *s);
  s->key = k;
  s->b0 = s->b1 = INT64_MIN;   /* no front, no back */
  s->next = w->slides;
  if (w->slides) w->slides->prev = s;
  w->slides = s;
  k->sl = s;
  return s;
}

static void slide_free(rt_window *w, rt_slide *s) {
  act_remove(w, s);
  s->key->sl = NULL;
  if (s->agg) rt_win_group_free(w, s->agg);
  if (s->prev) s->prev->next = s->next;
  else w->slides = s->next;
  if (s->next) s->next->prev = s->prev;
  free(s);
}

void rt_win_slide_add(rt_window *w, rt_group *p) {
  rt_key *k = p->key;
  rt_slide *s = k->sl ? k->sl : slide_new(w, k);
  rt_group *q = s->tail;   /* a new pane is nearly always the key's latest */
  while (q && q->start > p->start) q = q->kprev;
  p->kprev = q;
  p->knext = q ? q->knext : s->head;
  if (p->knext) p->knext->kprev = p;
  else s->tail = p;
  if (q) q->knext = p;
  else s->head = p;
  if (p->start < s->b1) rt_win_slide_touch(s, p);   /* among aggregated panes */
  else if (!s->bnext || p->start < s->bnext->start) s->bnext = p;
  if (p->start < w->scan) rt_win_slide_act(w, s);
}

void rt_win_slide_remove(rt_window *w, rt_group *p) {
  rt_slide *s = p->key->sl;
  if (p->start < s->b0) {   /* the suffixes before p held it (none: panes go first to last) */
    if (s->fdirty == p) s->fdirty = p->kprev;
    else if (p->kprev) rt_win_slide_touch(s, p->kprev);
  } else if (p->start < s->b1) {
    s->bdirty = 1;
  }
  if (s->bnext == p) s->bnext = p->knext;
  if (p->kprev) p->kprev->knext = p->knext;
  else s->head = p->knext;
  if (p->knext) p->knext->kprev = p->kprev;
  else s->tail = p->kprev;
  p->kprev = p->knext = NULL;
  if (!s->head) slide_free(w, s);
}

void rt_win_slides_free(rt_window *w) {
  for (rt_slide *s = w->slides, *next; s; s = next) {
    next = s->next;
    free(s);
  }
  w->slides = NULL;
  free(w->act);
  w->act = NULL;
  w->nact = 0;
}

/* ---- the two stacks ------------------------------------------------------------------ */

/* suffix(p) = p + suffix(next) when next is in the front, for p and the panes before it. */
static void suffixes_from(rt_window *w, rt_slide *s, rt_group *last) {
  for (rt_group *p = last; p; p = p->kprev) {
    void *st = suffix(w, p);
    rt_win_state_reset(w, st);
    w->d->merge(st, rt_group_state(p));
    if (p->knext && p->knext->start < s->b0) w->d->merge(st, suffix(w, p->knext));
  }
}

static void back_add(rt_window *w, rt_slide *s, rt_group *p) {
  if (!s->agg) s->agg = rt_win_aux_new(w, s->key);
  else if (!s->bhas) rt_win_state_reset(w, rt_group_state(s->agg));
  w->d->merge(rt_group_state(s->agg), rt_group_state(p));
  s->bhas = 1;
}

/* The front is empty: the panes below we become it, and the back starts over at we. */
static void flip(rt_window *w, rt_slide *s, int64_t we) {
  rt_group *last = s->head;
  while (last->knext && last->knext->start < we) last = last->knext;
  s->b0 = s->b1 = we;
  suffixes_from(w, s, last);
  s->fdirty = NULL;
  s->bdirty = 0;
  s->bhas = 0;
  s->bnext = last->knext;
}

/* The back again from its panes, [b0, b1), after one of them changed. */
static void back_redo(rt_window *w, rt_slide *s) {
  rt_group *first = NULL;
  for (rt_group *p = s->tail; p && p->start >= s->b0; p = p->kprev) first = p;
  s->bhas = 0;
  for (rt_group *p = first; p && p->start < s->b1; p = p->knext) back_add(w, s, p);
  s->bdirty = 0;
}

/* The state of the window [ws, we) of s's key, which has a pane in it. */
static rt_group *window_of(rt_window *w, rt_slide *s, int64_t ws, int64_t we) {
  if (s->head->start >= s->b0) {
    flip(w, s, we);
  } else {
    if (s->fdirty) suffixes_from(w, s, s->fdirty);
    s->fdirty = NULL;
    if (s->bdirty) back_redo(w, s);
    rt_group *p = s->bnext;
    for (; p && p->start < we; p = p->knext) back_add(w, s, p);
    s->bnext = p;
    s->b1 = we;
  }
  rt_group *g = rt_win_group_new(w, s->key, RT_G_TEMP, s->head->line);
  g->start = ws;
  g->end = we;
  w->d->merge(rt_group_state(g), suffix(w, s->head));
  if (s->bhas) w->d->merge(rt_group_state(g), rt_group_state(s->agg));
  return g;
}

void rt_win_slide_fire(rt_window *w, int64_t we) {
  int64_t ws = rt_sat_add(we, -w->size);
  for (int64_t i = 0; i < w->nact;) {
    rt_slide *s = w->act[i];
    if (s->head->start >= we) {
      act_remove(w, s);   /* moves the last one here */
      continue;
    }
    rt_win_fired_add(w, window_of(w, s, ws, we));
    i++;
  }
}
