/* win_key.c: the keys of a window: the key table, hashing, equality and order.
 *
 * Keys are hashed a whole batch at a time, so the per-row work is a probe of the key
 * table. Hashing and equality come from generated code (pipe_window_desc.hash and .eq:
 * typed per program, see compiler/cg_key.c); when a descriptor has none (hand-written
 * ones in the unit tests), the generic code here does the same job, one pass per key
 * column with the type switch outside the loop. tests/unit/test_cg_key.c checks that
 * both group rows alike. Equality is what grouping needs: same null-ness and value, f64
 * -0.0 equal to 0.0 and NaN equal to NaN (so both hash alike). Order is what the output
 * needs: column by column, nulls last, integers and times signed, f64 numeric with NaN
 * after every number, false before true, strings bytewise with a prefix first. A key
 * copies its strings into its own allocation (pipe_key_val), so it never points into a
 * batch, and is freed when its last group goes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rt_window.h"

#define NULL_HASH 0x6e756c6c6e756c6cULL

static inline uint64_t fmix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

static inline uint64_t step(uint64_t h, uint64_t v) {
  return fmix(h + 0x9e3779b97f4a7c15ULL + v);
}

static uint64_t hash_bytes(const char *p, int64_t n) {
  uint64_t h = (uint64_t)n * 0x9e3779b97f4a7c15ULL;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 29;
  }
  uint64_t t = 0;
  if (i < n) memcpy(&t, p + i, (size_t)(n - i));
  return fmix(h ^ t);
}

/* f64 bits for hashing: every zero alike, every NaN alike. */
static inline uint64_t f64_bits(double f) {
  if (f == 0) return 0;
  if (isnan(f)) return 0x7ff8000000000000ULL;
  uint64_t b;
  memcpy(&b, &f, 8);
  return b;
}

/* One pass per column, the type switch outside the loop; a null hashes as NULL_HASH
 * whatever stale value its row holds. */
#define HASH_LOOP(expr) \
  do { \
    if (!c->validity) \
      for (int64_t i = 0; i < n; i++) h[i] = step(h[i], (expr)); \
    else \
      for (int64_t i = 0; i < n; i++) h[i] = step(h[i], rt_is_null(c, i) ? NULL_HASH : (expr)); \
  } while (0)

static void hash_col(const pipe_column *c, int type, int64_t n, uint64_t *h) {
  const int64_t *iv = (const int64_t *)c->values;
  const double *fv = (const double *)c->values;
  switch (type) {
  case PIPE_T_STRING: HASH_LOOP(hash_bytes(c->data + iv[i], iv[i + 1] - iv[i])); break;
  case PIPE_T_F64: HASH_LOOP(f64_bits(fv[i])); break;
  case PIPE_T_BOOL: HASH_LOOP((uint64_t)rt_bool_get(c, i)); break;
  default: HASH_LOOP((uint64_t)iv[i]); break;
  }
}

void rt_win_hash(const rt_window *w, const pipe_batch *in, uint64_t *h) {
  if (w->d && w->d->hash) {
    w->d->hash(in, h);
    return;
  }
  for (int64_t i = 0; i < in->nrows; i++) h[i] = 0x243f6a8885a308d3ULL;
  for (int c = 0; c < w->nkeys; c++) hash_col(&in->cols[c], w->in->fields[c].type, in->nrows, h);
}

static int val_eq(const rt_kval *k, const pipe_column *c, int type, int64_t i) {
  int null = rt_is_null(c, i);
  if (null != (int)k->null) return 0;
  if (null) return 1;
  switch (type) {
  case PIPE_T_STRING: {
    pipe_str s = rt_str_at(c, i);
    return s.len == k->len && (s.len == 0 || memcmp(s.ptr, k->s, (size_t)s.len) == 0);
  }
  case PIPE_T_F64: {
    double a = ((const double *)c->values)[i], b = k->v.f;
    return a == b || (isnan(a) && isnan(b));
  }
  case PIPE_T_BOOL: return rt_bool_get(c, i) == k->v.i;
  default: return ((const int64_t *)c->values)[i] == k->v.i;
  }
}

static int key_eq(const rt_window *w, const rt_key *k, const pipe_batch *in, int64_t i) {
  if (w->d && w->d->eq) return w->d->eq(in, i, k->vals);
  for (int c = 0; c < w->nkeys; c++)
    if (!val_eq(&k->vals[c], &in->cols[c], w->in->fields[c].type, i)) return 0;
  return 1;
}

/* Copies row i's key values, strings after the values. */
static rt_key *key_make(const rt_window *w, const pipe_batch *in, int64_t i, uint64_t h) {
  size_t bytes = sizeof(rt_key) + (size_t)w->nkeys * sizeof(rt_kval);
  for (int c = 0; c < w->nkeys; c++)
    if (w->in->fields[c].type == PIPE_T_STRING && !rt_is_null(&in->cols[c], i))
      bytes += (size_t)rt_str_at(&in->cols[c], i).len;
  rt_key *k = rt_xcalloc(1, bytes);
  char *sp = (char *)&k->vals[w->nkeys];
  k->hash = h;
  for (int c = 0; c < w->nkeys; c++) {
    const pipe_column *col = &in->cols[c];
    rt_kval *v = &k->vals[c];
    v->null = rt_is_null(col, i);
    if (v->null) continue;
    switch (w->in->fields[c].type) {
    case PIPE_T_STRING: {
      pipe_str s = rt_str_at(col, i);
      if (s.len) memcpy(sp, s.ptr, (size_t)s.len);
      v->s = sp;
      v->len = s.len;
      sp += s.len;
      break;
    }
    case PIPE_T_F64: v->v.f = ((const double *)col->values)[i]; break;
    case PIPE_T_BOOL: v->v.i = rt_bool_get(col, i); break;
    default: v->v.i = ((const int64_t *)col->values)[i]; break;
    }
  }
  return k;
}

static void ktab_grow(rt_window *w) {
  uint64_t nb = w->ktab ? (w->kmask + 1) * 2 : 64;
  rt_key **t = rt_xcalloc((size_t)nb, sizeof(rt_key *));
  for (uint64_t b = 0; w->ktab && b <= w->kmask; b++) {
    for (rt_key *k = w->ktab[b], *next; k; k = next) {
      next = k->next;
      k->next = t[k->hash & (nb - 1)];
      t[k->hash & (nb - 1)] = k;
    }
  }
  free(w->ktab);
  w->ktab = t;
  w->kmask = nb - 1;
}

rt_key *rt_win_key(rt_window *w, const pipe_batch *in, int64_t i, uint64_t h) {
  if (w->ktab)
    for (rt_key *k = w->ktab[h & w->kmask]; k; k = k->next)
      if (k->hash == h && key_eq(w, k, in, i)) return k;
  if (!w->ktab || (uint64_t)w->nkey >= w->kmask + 1) ktab_grow(w);
  rt_key *k = key_make(w, in, i, h);
  k->next = w->ktab[h & w->kmask];
  w->ktab[h & w->kmask] = k;
  w->nkey++;
  return k;
}

void rt_win_key_unused(rt_window *w, rt_key *k) {
  if (k->refs > 0) return;
  rt_key **p = &w->ktab[k->hash & w->kmask];
  while (*p != k) p = &(*p)->next;
  *p = k->next;
  w->nkey--;
  free(k);
}

void rt_win_keys_free(rt_window *w) {
  for (uint64_t b = 0; w->ktab && b <= w->kmask; b++) {
    for (rt_key *k = w->ktab[b], *next; k; k = next) {
      next = k->next;
      free(k);
    }
  }
  free(w->ktab);
  w->ktab = NULL;
  w->nkey = 0;
}

static int cmp_val(const rt_kval *a, const rt_kval *b, int type) {
  if (a->null || b->null) return (int)a->null - (int)b->null;   /* nulls last */
  switch (type) {
  case PIPE_T_STRING: {
    int64_t n = a->len < b->len ? a->len : b->len;
    int m = n ? memcmp(a->s, b->s, (size_t)n) : 0;
    if (m) return m < 0 ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
  }
  case PIPE_T_F64: {
    int an = isnan(a->v.f), bn = isnan(b->v.f);
    if (an || bn) return an - bn;                                 /* NaN after numbers */
    return (a->v.f > b->v.f) - (a->v.f < b->v.f);
  }
  default: return (a->v.i > b->v.i) - (a->v.i < b->v.i);
  }
}

int rt_win_key_cmp(const rt_window *w, const rt_key *a, const rt_key *b) {
  if (a == b) return 0;
  for (int c = 0; c < w->nkeys; c++) {
    int r = cmp_val(&a->vals[c], &b->vals[c], w->in->fields[c].type);
    if (r) return r;
  }
  return 0;
}

static int group_cmp(const rt_window *w, const rt_group *a, const rt_group *b) {
  if (a->end != b->end) return a->end < b->end ? -1 : 1;
  int r = rt_win_key_cmp(w, a->key, b->key);
  if (r) return r;
  return (a->seq > b->seq) - (a->seq < b->seq);
}

/* A merge sort: qsort has no context argument in C11, and firing sorts few groups. */
static void msort(const rt_window *w, rt_group **a, rt_group **tmp, int64_t n) {
  if (n < 2) return;
  int64_t h = n / 2, i = 0, j = h, k = 0;
  msort(w, a, tmp, h);
  msort(w, a + h, tmp, n - h);
  while (i < h && j < n) tmp[k++] = group_cmp(w, a[j], a[i]) < 0 ? a[j++] : a[i++];
  while (i < h) tmp[k++] = a[i++];
  while (j < n) tmp[k++] = a[j++];
  memcpy(a, tmp, (size_t)n * sizeof *a);
}

void rt_win_sort(rt_window *w, rt_group **a, int64_t n) {
  if (n > w->sortcap) {
    free(w->sortbuf);
    w->sortcap = n * 2;
    w->sortbuf = rt_xmalloc((size_t)w->sortcap * sizeof *w->sortbuf);
  }
  msort(w, a, w->sortbuf, n);
}
