/* test_rt_window_ref.c: every window kind against an independent brute-force reference
 * on randomised, out-of-order inputs (jitter within the lag, and some rows beyond it,
 * which are late), also before the epoch (negative times), for batch sizes 1, 3 and 4096
 * and a channel of 1. The reference follows the semantics literally: per row the clock
 * C = max(C, watermark of the row), then every group ending at or before C fires, then
 * the row is placed; after the last row the source's final watermark, then EOS fires
 * everything. Tumbling and sliding windows are computed from the rule "window W gets row
 * r iff r.ts is in W and W.end > C when r arrives" without panes; sessions and count
 * windows are simulated with plain arrays. */
#include "test_rt_window.h"

#define S(x) ((int64_t)(x) * 1000000)
#define MAXROWS 4000

static const char *syms[] = {"", "A", "AB", "B"};   /* in key order; null (-1) last */
static const char *names[] = {"a", "b", "c", "d", "e"};

typedef struct row {
  int64_t ts;
  int sym;               /* index into syms, or -1: null */
  int qty_null;
  int64_t qty;
  int name;              /* index into names, or -1: null */
} row;

static row rows[MAXROWS];
static int nrows;

typedef struct rgroup {
  int64_t ws, we;
  int key, seq, open;
  int nr;
  int r[64];             /* row indexes; `big` once there are more */
  int *big;              /* when more rows than fit in r */
  int bigcap;
} rgroup;

static rgroup *groups;
static int ngroups, groupcap;
static char *ref;        /* the expected output */
static size_t reflen, refcap;
static int64_t ref_late;

static uint64_t rng;
static uint64_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}
static int64_t rnd_in(int64_t lo, int64_t hi) {   /* [lo, hi] */
  return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static int *rows_of(rgroup *g) {
  return g->big ? g->big : g->r;
}

static void add_row(rgroup *g, int i) {
  if (!g->big && g->nr == 64) {
    g->bigcap = 256;
    g->big = malloc(sizeof(int) * (size_t)g->bigcap);
    memcpy(g->big, g->r, sizeof g->r);
  } else if (g->big && g->nr == g->bigcap) {
    g->bigcap *= 2;
    g->big = realloc(g->big, sizeof(int) * (size_t)g->bigcap);
  }
  rows_of(g)[g->nr++] = i;
}

static int new_group(int64_t ws, int64_t we, int key) {
  if (ngroups == groupcap) {
    groupcap = groupcap ? groupcap * 2 : 256;
    groups = realloc(groups, sizeof *groups * (size_t)groupcap);
  }
  rgroup *g = &groups[ngroups];
  memset(g, 0, sizeof *g);
  g->ws = ws;
  g->we = we;
  g->key = key;
  g->seq = ngroups;
  g->open = 1;
  return ngroups++;
}

static void free_groups(void) {
  for (int i = 0; i < ngroups; i++) free(groups[i].big);
  ngroups = 0;
}

static int key_rank(int key) {
  return key < 0 ? 1000 : key;
}

static int cmp_group(const void *pa, const void *pb) {
  const rgroup *a = *(rgroup *const *)pa, *b = *(rgroup *const *)pb;
  if (a->we != b->we) return a->we < b->we ? -1 : 1;
  if (key_rank(a->key) != key_rank(b->key)) return key_rank(a->key) - key_rank(b->key);
  return a->seq - b->seq;
}

static int cmp_int(const void *a, const void *b) {
  return *(const int *)a - *(const int *)b;
}

static void ref_put(const char *s, size_t n) {
  if (reflen + n + 1 > refcap) {
    refcap = (reflen + n + 1) * 2;
    ref = realloc(ref, refcap);
  }
  memcpy(ref + reflen, s, n);
  reflen += n;
  ref[reflen] = 0;
}

/* Appends g's output line: its aggregates computed from its rows. */
static void emit(rgroup *g, int windowed) {
  int *r = rows_of(g);
  qsort(r, (size_t)g->nr, sizeof *r, cmp_int);
  int64_t total = 0;
  int has_total = 0, lo = -1, first = -1;
  for (int k = 0; k < g->nr; k++) {
    const row *x = &rows[r[k]];
    if (!x->qty_null) {
      total += x->qty;
      has_total = 1;
      if (first < 0) first = r[k];
    }
    if (x->name >= 0 && (lo < 0 || x->name < lo)) lo = x->name;
  }
  char line[256], t[32], f[32];
  int n = snprintf(line, sizeof line, "%s", g->key < 0 ? "null" : syms[g->key]);
  if (windowed) n += snprintf(line + n, sizeof line - (size_t)n, "|%lld|%lld", (long long)g->ws, (long long)g->we);
  snprintf(t, sizeof t, has_total ? "%lld" : "null", (long long)total);
  snprintf(f, sizeof f, first >= 0 ? "%lld" : "null", first >= 0 ? (long long)rows[first].qty : 0LL);
  n += snprintf(line + n, sizeof line - (size_t)n, "|%d|%s|%s|%s\n", g->nr, t,
                lo < 0 ? "null" : names[lo], f);
  ref_put(line, (size_t)n);
}

/* Emits the open groups with we <= c (all with `all`) in (we, key, seq) order; `only_full`
 * restricts to count windows that are full. */
static void ref_fire(int64_t c, int all, int full_n) {
  rgroup **fire = malloc(sizeof *fire * (size_t)(ngroups ? ngroups : 1));
  int nf = 0;
  for (int i = 0; i < ngroups; i++) {
    rgroup *g = &groups[i];
    if (!g->open) continue;
    if (all || (g->we <= c && (full_n == 0 || g->nr == full_n))) fire[nf++] = g;
  }
  qsort(fire, (size_t)nf, sizeof *fire, cmp_group);
  for (int i = 0; i < nf; i++) {
    emit(fire[i], 1);
    fire[i]->open = 0;
  }
  free(fire);
}

static int64_t floor_to(int64_t t, int64_t m) {
  int64_t q = t / m;
  if (t % m < 0) q--;
  return q * m;
}

/* The clock as each row arrives, as the source stamps it; *final: after the last row. */
static void clocks(int64_t lag, int64_t *wm, int64_t *final) {
  int64_t seen = INT64_MIN;
  for (int i = 0; i < nrows; i++) {
    wm[i] = seen == INT64_MIN ? INT64_MIN : seen - lag;
    if (rows[i].ts > seen) seen = rows[i].ts;
  }
  *final = seen - lag;
}

static int find_group(int64_t ws, int key) {
  for (int g = ngroups - 1; g >= 0; g--)
    if (groups[g].ws == ws && groups[g].key == key) return g;
  return -1;
}

static void ref_panes(int64_t size, int64_t every, const int64_t *wm) {
  int64_t c = INT64_MIN;
  for (int i = 0; i < nrows; i++) {
    if (wm[i] > c) c = wm[i];
    int64_t ts = rows[i].ts;
    if (floor_to(ts, every) + size <= c) {
      ref_late++;
      continue;
    }
    for (int64_t ws = floor_to(ts, every); ws > ts - size; ws -= every) {
      if (ws + size <= c) continue;   /* that window fired before the row came */
      int g = find_group(ws, rows[i].sym);
      if (g < 0) g = new_group(ws, ws + size, rows[i].sym);
      add_row(&groups[g], i);
    }
  }
  ref_fire(0, 1, 0);   /* fire order is (we, key): everything fires in that order */
}

static void ref_sessions(int64_t gap, const int64_t *wm, int64_t final) {
  int64_t c = INT64_MIN;
  for (int i = 0; i < nrows; i++) {
    if (wm[i] > c) c = wm[i];
    ref_fire(c, 0, 0);
    int64_t ts = rows[i].ts;
    int into = -1;
    for (int g = 0; g < ngroups; g++) {
      rgroup *s = &groups[g];
      if (!s->open || s->key != rows[i].sym || !(s->ws - gap < ts && ts < s->we)) continue;
      if (into < 0 || s->ws < groups[into].ws) into = g;
    }
    if (into < 0) {
      if (ts + gap <= c) {
        ref_late++;
        continue;
      }
      into = new_group(ts, ts + gap, rows[i].sym);
    }
    rgroup *d = &groups[into];
    for (int g = 0; g < ngroups; g++) {   /* every other session the row bridges */
      rgroup *s = &groups[g];
      if (g == into || !s->open || s->key != rows[i].sym || !(s->ws - gap < ts && ts < s->we)) continue;
      for (int k = 0; k < s->nr; k++) add_row(d, rows_of(s)[k]);
      if (s->ws < d->ws) d->ws = s->ws;
      if (s->we > d->we) d->we = s->we;
      s->open = 0;
    }
    add_row(d, i);
    if (ts < d->ws) d->ws = ts;
    if (ts + gap > d->we) d->we = ts + gap;
  }
  ref_fire(final > c ? final : c, 0, 0);
  ref_fire(0, 1, 0);
}

static void ref_count(int n, const int64_t *wm, int64_t final) {
  int64_t c = INT64_MIN;
  int cur[5] = {-1, -1, -1, -1, -1};   /* per key (sym + 1): the open window */
  for (int i = 0; i < nrows; i++) {
    if (wm[i] > c) c = wm[i];
    ref_fire(c, 0, n);
    int k = rows[i].sym + 1;
    int64_t ts = rows[i].ts;
    if (cur[k] < 0 || groups[cur[k]].nr == n) cur[k] = new_group(ts, ts, rows[i].sym);
    rgroup *g = &groups[cur[k]];
    add_row(g, i);
    if (ts < g->ws) g->ws = ts;
    if (ts > g->we) g->we = ts;
  }
  ref_fire(final > c ? final : c, 0, n);
  ref_fire(0, 1, 0);
}

static void ref_all(void) {
  for (int k = -1; k < 4; k++) {
    int g = -1;
    for (int i = 0; i < nrows; i++) {
      if (rows[i].sym != k) continue;
      if (g < 0) g = new_group(0, 0, k);
      add_row(&groups[g], i);
    }
  }
  for (int k = 0; k <= 4; k++)   /* "" A AB B, then null */
    for (int g = 0; g < ngroups; g++)
      if (groups[g].key == (k == 4 ? -1 : k)) emit(&groups[g], 0);
}

static void reference(int kind, int64_t size, int64_t every, int64_t lag) {
  static int64_t wm[MAXROWS];
  int64_t final;
  reflen = 0;
  ref_put("", 0);
  ref_late = 0;
  clocks(lag, wm, &final);
  switch (kind) {
  case PIPE_WIN_TUMBLING: ref_panes(size, size, wm); break;
  case PIPE_WIN_SLIDING: ref_panes(size, every, wm); break;
  case PIPE_WIN_SESSION: ref_sessions(size, wm, final); break;
  case PIPE_WIN_COUNT: ref_count((int)size, wm, final); break;
  default: ref_all(); break;
  }
  free_groups();
}

/* n rows from `start`, 0 to 2s apart; times up to `lag` back, 1 in 20 up to 3 * lag + 1s. */
static char *generate(int n, int64_t start, int64_t lag) {
  size_t cap = (size_t)n * 64 + 64, len = 0;
  char *csv = malloc(cap);
  len += (size_t)snprintf(csv, cap, "ts,sym,qty,name\n");
  int64_t base = start;
  for (int i = 0; i < n; i++) {
    row *r = &rows[i];
    base += rnd_in(0, S(2));
    int64_t back = rnd() % 20 == 0 ? rnd_in(0, 3 * lag + S(1)) : rnd_in(0, lag);
    r->ts = base - back - (int64_t)(rnd() % 1000);   /* not all on whole seconds */
    r->sym = (int)rnd_in(-1, 3);
    r->qty_null = rnd() % 10 == 0;
    r->qty = rnd_in(0, 20);
    r->name = rnd() % 10 == 0 ? -1 : (int)rnd_in(0, 4);
    char ts[PIPE_FMT_MAX + 1], q[32];
    ts[pipe_fmt_ts(r->ts, ts)] = 0;
    snprintf(q, sizeof q, "%lld", (long long)r->qty);
    const char *sym = r->sym < 0 ? "" : r->sym == 0 ? "\"\"" : syms[r->sym];
    len += (size_t)snprintf(csv + len, cap - len, "%s,%s,%s,%s\n", ts, sym, r->qty_null ? "" : q,
                            r->name < 0 ? "" : names[r->name]);
  }
  nrows = n;
  return csv;
}

/* The first line where a and b differ, for the diagnostics. */
static void show_diff(const char *a, const char *b) {
  int line = 1;
  while (*a && *a == *b) {
    if (*a == '\n') line++;
    a++;
    b++;
  }
  while (line > 1 && a[-1] != '\n') a--, b--;
  tap_diag("first difference at output line %d:\n got: %.80s\nwant: %.80s", line, a, b);
}

typedef struct config {
  const char *name;
  int kind;
  int64_t size, every, lag, start;
} config;

static void check(const config *c, uint64_t seed) {
  rng = seed;
  setup(c->kind, c->size, c->every, c->lag, 0);
  char *csv = generate(c->kind == PIPE_WIN_SESSION ? 1500 : 3000, c->start, c->lag ? c->lag : S(2));
  reference(c->kind, c->size, c->every, c->lag);
  static const char *bs[] = {"1", "3", "4096", "7"};
  static const char *caps[] = {NULL, NULL, NULL, "1"};
  for (int k = 0; k < 4; k++) {
    result res;
    run(&res, csv, bs[k], caps[k]);
    char what[160];
    snprintf(what, sizeof what, "%s, seed %llu, batch %s%s", c->name, (unsigned long long)seed,
             bs[k], caps[k] ? ", channel 1" : "");
    int same = res.status == 0 && strcmp(res.out, ref) == 0;
    ok(same, "%s: output as the reference", what);
    if (!same) {
      tap_diag("status %d %s", res.status, res.err);
      show_diff(res.out, ref);
    }
    ok(res.stats[1].late == ref_late && res.stats[1].in == nrows && res.live == 0,
       "%s: late %lld (want %lld), in %lld, live %lld", what, (long long)res.stats[1].late,
       (long long)ref_late, (long long)res.stats[1].in, (long long)res.live);
    free(res.out);
  }
  free(csv);
}

int main(void) {
  make_dir();
  const config configs[] = {
      {"tumbling 10s lag 5s", PIPE_WIN_TUMBLING, S(10), 0, S(5), S(1000)},
      {"tumbling 7s lag 0, before the epoch", PIPE_WIN_TUMBLING, S(7), 0, 0, -S(3000)},
      {"sliding 10s every 5s lag 5s", PIPE_WIN_SLIDING, S(10), S(5), S(5), S(1000)},
      {"sliding 10s every 4s lag 3s, before the epoch", PIPE_WIN_SLIDING, S(10), S(4), S(3), -S(3000)},
      {"sliding 6s every 6s lag 2s", PIPE_WIN_SLIDING, S(6), S(6), S(2), S(50)},
      {"sliding 9s every 2s lag 0", PIPE_WIN_SLIDING, S(9), S(2), 0, S(50)},
      {"session 3s lag 4s", PIPE_WIN_SESSION, S(3), 0, S(4), S(1000)},
      {"session 1s lag 0, before the epoch", PIPE_WIN_SESSION, S(1), 0, 0, -S(3000)},
      {"session 5s lag 10s", PIPE_WIN_SESSION, S(5), 0, S(10), S(1000)},
      {"count 3 lag 2s", PIPE_WIN_COUNT, 3, 0, S(2), S(1000)},
      {"count 1 lag 0", PIPE_WIN_COUNT, 1, 0, 0, S(1000)},
      {"count 5 lag 6s", PIPE_WIN_COUNT, 5, 0, S(6), -S(100)},
      {"aggregate", PIPE_WIN_ALL, 0, 0, 0, S(1000)},
  };
  for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
    check(&configs[i], 0x9e3779b97f4a7c15ULL + i);
    check(&configs[i], 12345 + i * 7);
  }
  free(ref);
  free(groups);
  remove_dir();
  return tap_done();
}
