/* rt_window.h: the state of a window or aggregate node (window.c, win_key.c, win_group.c,
 * win_pane.c, win_keyed.c, win_emit.c).
 *
 * A window node reads the rows its PREP operator made (keys, event time, aggregate
 * arguments: see pipe_window_desc in abi.h) and keeps, per open group, one aggregate
 * state laid out by generated code. The runtime's part is everything that does not
 * depend on the program: the key table (win_key.c: keys copied into our own storage,
 * their order; hashing and equality are generated, with a generic fallback), groups and the fire heap
 * (win_group.c), the per-kind placement of a row and firing (win_pane.c for tumbling and
 * sliding windows, which are built from panes, win_slide.c for the sliding windows'
 * per-key aggregation over them; win_keyed.c for sessions, count windows and
 * aggregates), and the assembly of fired groups into output batches (win_emit.c).
 *
 * Ownership: everything here belongs to the node's thread (rt_window_main), which makes
 * the rt_window on start and frees it, with every open group and key, when it exits.
 * A key lives while a group refers to it (refs), a group until it fires (or, for a pane,
 * until the last window containing it fired), so memory follows open windows x keys and
 * never the length of the stream.
 */
#ifndef RT_WINDOW_H
#define RT_WINDOW_H

#include "rt_internal.h"

/* One key value, copied out of a batch: the pipe_key_val generated `eq` compares rows
 * with (abi.h says which member holds which type). */
typedef pipe_key_val rt_kval;

typedef struct rt_group rt_group;
typedef struct rt_slide rt_slide;

typedef struct rt_key {
  struct rt_key *next;    /* hash chain */
  uint64_t hash;
  int64_t refs;           /* live groups of this key; the key is freed at 0 */
  rt_group *cur;          /* panes: the pane used last (a cache); count: the open window;
                           * aggregate: the group */
  rt_group *sess;         /* sessions: the open sessions, by ascending first event */
  rt_slide *sl;           /* sliding: the key's panes and their aggregation, or NULL */
  rt_kval vals[];         /* [nkeys]; string bytes follow */
} rt_key;

enum { RT_G_PANE = 1, RT_G_TEMP = 2, RT_G_SESSION = 3, RT_G_COUNT = 4, RT_G_ALL = 5 };

/* A group: one aggregate state and what the runtime knows about it. */
struct rt_group {
  rt_key *key;
  rt_group *next;         /* panes: pane table chain; sessions: the key's list */
  rt_group *slot_next;    /* panes: the next pane with the same start */
  rt_group *all_prev, *all_next;   /* every live group, for teardown */
  rt_group *kprev, *knext;         /* sliding panes: the key's panes by start */
  int64_t start, end;     /* window_start and window_end; a pane: its start and the end of
                           * the last window containing it */
  int64_t rows;           /* count windows: rows in it */
  int64_t seq;            /* creation order: the last tie-break of the output order */
  int64_t line;           /* input line of the row that opened it */
  int32_t heap;           /* index in the fire heap, or -1 */
  int16_t role;           /* RT_G_* */
  int16_t retired;        /* fired: in no lookup structure, waiting for `final` */
};

/* The aggregate state of g: right after the header, 16-aligned. A sliding window's
 * groups hold a second state after it (w->sstride bytes on), a pane's suffix aggregate
 * (win_slide.c). */
#define RT_GROUP_HDR ((sizeof(rt_group) + 15) & ~(size_t)15)
static inline void *rt_group_state(rt_group *g) {
  return (char *)g + RT_GROUP_HDR;
}

/* A sliding window's state per key (win_slide.c): the key's panes in order of start,
 * aggregated with two stacks so that a window costs O(1) merges amortised. The panes
 * with start < b0 are the front: each holds in its second state the merge of itself and
 * the front panes after it (a suffix). The panes in [b0, b1) are the back, merged in
 * order into `agg`. A window [ws, we) is then suffix(head) + agg once the back has taken
 * in the panes below we. When the front is empty, the panes below we are flipped into
 * it (suffixes computed from the last down to the first) and the back starts over.
 * Panes still take rows after they have been aggregated (a row behind the watermark
 * counts in the windows that have not fired): such a pane marks its suffixes (fdirty)
 * or the back (bdirty) stale, and they are recomputed before the next window reads
 * them. Made with the key's first pane and freed with its last. */
struct rt_slide {
  rt_slide *prev, *next;   /* every live one, for teardown */
  rt_key *key;
  rt_group *head, *tail;   /* the key's panes, ascending start (kprev, knext) */
  rt_group *fdirty;        /* the latest front pane whose suffix is stale, or NULL */
  rt_group *bnext;         /* the first pane at or after b1 (not in agg yet), or NULL */
  rt_group *agg;           /* the back's merge (an uncounted group), or NULL */
  int64_t b0, b1;
  int64_t act;             /* 1 + index in w->act, 0 when not there */
  int bdirty;              /* a pane in [b0, b1) changed: agg is stale */
  int bhas;                /* agg holds at least one pane */
};

/* An entry of the fire heap: the group's end when it went in (<= its end, see
 * win_group.c) and its seq, kept here so that sifting reads no group. */
typedef struct rt_hent {
  int64_t key, seq;
  rt_group *g;
} rt_hent;

/* Panes (tumbling, sliding) with the same start, in ascending order of start. */
typedef struct rt_slot {
  int64_t start;
  rt_group *panes;
} rt_slot;

typedef struct rt_window {
  rt_node *n;
  const pipe_window_desc *d;
  const pipe_schema_desc *in;   /* the PREP rows: keys, event time, arguments */
  int kind;                     /* enum pipe_win_kind */
  int clocked;                  /* the clock follows in->wm (not for aggregates) */
  int nkeys;
  int64_t size, every, pane;    /* panes: window length, slide, pane length (gcd) */
  size_t gsize;                 /* bytes of a group: header and state(s) */
  size_t sstride;               /* bytes of one state, 16-aligned */
  int nstates;                  /* states per group: 2 for sliding windows, else 1 */
  int64_t batch_rows;           /* rows per output batch */
  int64_t clock;                /* C: the largest watermark seen */
  int64_t next_fire;            /* no group fires before C reaches this */
  /* keys (win_key.c) */
  rt_key **ktab;
  uint64_t kmask;
  int64_t nkey;
  /* groups (win_group.c) */
  rt_group *all;                /* every live group */
  rt_group *spare;              /* freed groups kept for reuse (next links them) */
  int64_t nspare;
  int64_t live;                 /* groups allocated: open, or fired and not yet final */
  int64_t open, peak;           /* groups not yet fired, now and at most */
  int64_t seq;
  rt_group **ptab;              /* panes by (key, start) */
  uint64_t pmask;
  int64_t npane;
  rt_hent *heap;                /* sessions and full count windows by end */
  int64_t nheap, heapcap;
  rt_slot *slots;               /* panes by start: slots[slo, slo + nslot) */
  int64_t slo, nslot, slotcap;
  /* sliding windows (win_slide.c) */
  rt_slide *slides;             /* every key's rt_slide */
  rt_slide **act;               /* the keys with a pane below `scan` */
  int64_t nact, actcap;
  int64_t scan;                 /* slots below it have had their keys put in act */
  /* the batch being placed (window.c) */
  const pipe_batch *cur;
  int64_t row;                  /* the row being placed */
  int64_t run;                  /* first row not yet folded into its state */
  int64_t seq0;                 /* arrival number of row 0 of cur */
  uint64_t *hash;               /* [rowcap] key hash of each row */
  void **states;                /* [rowcap] state of each row, NULL when late */
  int64_t rowcap;
  /* firing */
  rt_group **fired;
  int64_t nfired, firedcap;
  rt_group **sortbuf;
  int64_t sortcap;
  /* output (win_emit.c) */
  pipe_batch *mid;
  void **out_states;            /* [batch_rows] */
  rt_group **out_groups;        /* [batch_rows] freed once `final` has read them */
  int64_t nout;
  const char *origin;           /* the input's file, for output rows and their errors */
  int closed;                   /* our outputs are closed (a projection stopped the run) */
} rt_window;

/* window.c */
rt_window *rt_win_new(rt_node *n);
void rt_win_free(rt_window *w);
/* Folds the rows [w->run, end) of the current batch into their states. */
void rt_win_flush(rt_window *w, int64_t end);

/* win_key.c */
/* The key hash of every row of in: the descriptor's `hash`, or the generic one. */
void rt_win_hash(const rt_window *w, const pipe_batch *in, uint64_t *h);
/* The key of row i (hash h), made if new (with refs 0). */
rt_key *rt_win_key(rt_window *w, const pipe_batch *in, int64_t i, uint64_t h);
/* Frees k if no group refers to it. */
void rt_win_key_unused(rt_window *w, rt_key *k);
void rt_win_keys_free(rt_window *w);
/* Key order: column by column, nulls last (see docs/runtime.md). */
int rt_win_key_cmp(const rt_window *w, const rt_key *a, const rt_key *b);
/* Sorts groups by (end, key, seq). */
void rt_win_sort(rt_window *w, rt_group **a, int64_t n);

/* win_group.c */
rt_group *rt_win_group_new(rt_window *w, rt_key *k, int role, int64_t line);
/* A group that is no window (a sliding window's back aggregate): not counted as open,
 * never fired; freed with rt_win_group_free. */
rt_group *rt_win_aux_new(rt_window *w, rt_key *k);
/* Sets a state back to what `init` makes, freeing its strings. */
void rt_win_state_reset(const rt_window *w, void *st);
/* Takes g out of every lookup structure (a fired group waiting for `final`): no row
 * can reach it any more. */
void rt_win_group_retire(rt_window *w, rt_group *g);
void rt_win_group_free(rt_window *w, rt_group *g);
void rt_win_groups_free(rt_window *w);
void rt_win_heap_push(rt_window *w, rt_group *g);
/* The group with the smallest hkey if that is at most `to`, else NULL. */
rt_group *rt_win_heap_pop(rt_window *w, int64_t to);
rt_group *rt_win_pane_find(const rt_window *w, const rt_key *k, int64_t start);
void rt_win_pane_add(rt_window *w, rt_group *g);
void rt_win_fired_add(rt_window *w, rt_group *g);

/* win_pane.c: tumbling and sliding windows */
void *rt_win_pane_place(rt_window *w, rt_key *k, int64_t ts, int64_t line, int64_t *late_end);
int rt_win_pane_fire(rt_window *w, int64_t to, int eos);

/* win_slide.c: a sliding window's per-key aggregation over its panes */
/* A new pane of its key: into the key's list (making its rt_slide). */
void rt_win_slide_add(rt_window *w, rt_group *p);
/* Pane p leaves its key's list (retired); frees the rt_slide with the last. */
void rt_win_slide_remove(rt_window *w, rt_group *p);
/* Puts s in w->act (if not there). */
void rt_win_slide_act(rt_window *w, rt_slide *s);
/* A row is going into pane p: what aggregated p is stale. */
static inline void rt_win_slide_touch(rt_slide *s, rt_group *p) {
  if (p->start >= s->b1) return;
  if (p->start >= s->b0) s->bdirty = 1;
  else if (!s->fdirty || p->start > s->fdirty->start) s->fdirty = p;
}
/* Adds to w->fired, per key with panes in [we - size, we), a group holding the window. */
void rt_win_slide_fire(rt_window *w, int64_t we);
void rt_win_slides_free(rt_window *w);

/* win_keyed.c: sessions, count windows, aggregates */
void *rt_win_session_place(rt_window *w, rt_key *k, int64_t ts, int64_t line,
                           int64_t *late_end);
void *rt_win_count_place(rt_window *w, rt_key *k, int64_t ts, int64_t line);
void *rt_win_all_place(rt_window *w, rt_key *k, int64_t line);
int rt_win_keyed_fire(rt_window *w, int64_t to, int eos);

/* win_emit.c: fired groups -> output rows. rt_win_emit takes g (retired at once, freed
 * after `final`); rows are sent when a batch is full or at rt_win_emit_flush, which the
 * thread calls after each input batch, watermark and EOS. Both return 0, or -1 when the
 * node must stop (a projection failed under `fail`, or nobody is left to send to). */
int rt_win_emit(rt_window *w, rt_group *g);
int rt_win_emit_flush(rt_window *w);
/* Emits the fired groups sorted by (end, key, seq) and empties the list. */
int rt_win_emit_fired(rt_window *w);

/* ---- event-time arithmetic: exact, saturating at the int64 range ---------------- */

__extension__ typedef __int128 rt_i128;

static inline int64_t rt_clamp64(rt_i128 v) {
  return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : (int64_t)v;
}
/* floor(t / m) * m, for m > 0 (also for negative t). */
static inline rt_i128 rt_floor_to(rt_i128 t, int64_t m) {
  rt_i128 q = t / m;
  if (t % m < 0) q--;
  return q * m;
}
static inline int64_t rt_sat_add(int64_t a, int64_t b) {
  return rt_clamp64((rt_i128)a + b);
}

#endif
