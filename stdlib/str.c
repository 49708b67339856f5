/* str.c: the text built-ins (len, lower, upper, trim, contains, starts_with, ends_with,
 * substr, replace) and the string operators codegen lowers to calls (concat, cmp); see
 * pipe/std.h for the contracts. Generated code calls them once per row, so they neither
 * allocate nor keep state: views point into the argument, built strings go to the kernel's
 * scratch area. Text is UTF-8 but never validated: a byte that does not start a
 * well-formed sequence counts as one code point by itself, so len and substr are total
 * and substr never splits a well-formed character. */
#define _GNU_SOURCE   /* memmem */
#include <string.h>

#include "pipe/std.h"

/* Where empty results point, so that no result is ever a NULL pointer. */
static const char empty[1] = "";

static int is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/* Length in bytes of the code point starting at p[0] (n > 0 bytes available): that of a
 * well-formed UTF-8 sequence (no overlong forms, surrogates or values past U+10FFFF), or
 * 1 for a byte that does not start one. */
static int64_t cp_len(const char *p, int64_t n) {
  unsigned char c = (unsigned char)p[0];
  if (c < 0x80) return 1;
  int64_t len;
  unsigned char lo = 0x80, hi = 0xBF;   /* allowed range of the second byte */
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;           /* overlong */
    if (c == 0xED) hi = 0x9F;           /* surrogates */
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;           /* overlong */
    if (c == 0xF4) hi = 0x8F;           /* past U+10FFFF */
  } else {
    return 1;
  }
  if (n < len) return 1;
  unsigned char c1 = (unsigned char)p[1];
  if (c1 < lo || c1 > hi) return 1;
  for (int64_t i = 2; i < len; i++)
    if (!is_cont((unsigned char)p[i])) return 1;
  return len;
}

/* Byte offset after skipping k code points from p[0] (or n if the text is shorter). */
static int64_t skip_cps(const char *p, int64_t n, int64_t k) {
  int64_t i = 0;
  for (; k > 0 && i < n; k--) i += cp_len(p + i, n - i);
  return i;
}

int64_t pipe_std_len(const char *p, int64_t n) {
  int64_t count = 0;
  for (int64_t i = 0; i < n; count++) {
    /* ASCII runs are the common case: one byte, one code point. */
    if ((unsigned char)p[i] < 0x80) i++;
    else i += cp_len(p + i, n - i);
  }
  return count;
}

/* Copies p[0..n) to scratch, mapping ASCII letters from `first` to `first + 25` by
 * adding `delta`. */
static void map_ascii(pipe_kctx *ctx, const char *p, int64_t n, char first, int delta,
                      pipe_str *out) {
  if (n == 0) {
    out->ptr = empty;
    out->len = 0;
    return;
  }
  char *d = pipe_rt_scratch(ctx, n);
  for (int64_t i = 0; i < n; i++) {
    char c = p[i];
    d[i] = c >= first && c <= first + 25 ? (char)(c + delta) : c;
  }
  out->ptr = d;
  out->len = n;
}

void pipe_std_lower(pipe_kctx *ctx, const char *p, int64_t n, pipe_str *out) {
  map_ascii(ctx, p, n, 'A', 'a' - 'A', out);
}

void pipe_std_upper(pipe_kctx *ctx, const char *p, int64_t n, pipe_str *out) {
  map_ascii(ctx, p, n, 'a', 'A' - 'a', out);
}

/* ASCII white space only: U+00A0 and other Unicode spaces are kept. */
static int is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

void pipe_std_trim(const char *p, int64_t n, pipe_str *out) {
  int64_t b = 0, e = n;
  while (b < e && is_space(p[b])) b++;
  while (e > b && is_space(p[e - 1])) e--;
  out->ptr = n ? p + b : empty;
  out->len = e - b;
}

/* First occurrence of s[0..sn) in h[0..hn) at or after byte `from`, or -1. sn > 0. */
static int64_t find(const char *h, int64_t hn, int64_t from, const char *s, int64_t sn) {
  if (sn > hn - from) return -1;
  const char *hit = memmem(h + from, (size_t)(hn - from), s, (size_t)sn);
  return hit ? hit - h : -1;
}

int8_t pipe_std_contains(const char *h, int64_t hn, const char *s, int64_t sn) {
  return sn == 0 || find(h, hn, 0, s, sn) >= 0;
}

int8_t pipe_std_starts_with(const char *h, int64_t hn, const char *s, int64_t sn) {
  return sn <= hn && (sn == 0 || memcmp(h, s, (size_t)sn) == 0);
}

int8_t pipe_std_ends_with(const char *h, int64_t hn, const char *s, int64_t sn) {
  return sn <= hn && (sn == 0 || memcmp(h + hn - sn, s, (size_t)sn) == 0);
}

void pipe_std_substr(const char *p, int64_t n, int64_t start, int64_t count, pipe_str *out) {
  out->ptr = empty;
  out->len = 0;
  if (start < 0 || count <= 0 || n == 0) return;
  int64_t b = skip_cps(p, n, start);
  int64_t e = b + skip_cps(p + b, n - b, count);
  out->ptr = p + b;
  out->len = e - b;
}

/* Every non-overlapping occurrence of `from`, left to right, becomes `to`. Two passes
 * (count, then copy) so the result takes exactly one scratch allocation; with no
 * occurrence, or an empty `from`, the result is a view of the input. */
void pipe_std_replace(pipe_kctx *ctx, const char *p, int64_t n, const char *from, int64_t fn,
                      const char *to, int64_t tn, pipe_str *out) {
  out->ptr = n ? p : empty;
  out->len = n;
  if (fn == 0) return;
  int64_t hits = 0;
  for (int64_t at = find(p, n, 0, from, fn); at >= 0; at = find(p, n, at + fn, from, fn))
    hits++;
  if (hits == 0) return;
  int64_t len = n + hits * (tn - fn);
  if (len == 0) {
    out->ptr = empty;
    out->len = 0;
    return;
  }
  char *d = pipe_rt_scratch(ctx, len), *o = d;
  int64_t prev = 0;
  for (int64_t at = find(p, n, 0, from, fn); at >= 0; at = find(p, n, at + fn, from, fn)) {
    memcpy(o, p + prev, (size_t)(at - prev));
    o += at - prev;
    if (tn) memcpy(o, to, (size_t)tn);
    o += tn;
    prev = at + fn;
  }
  memcpy(o, p + prev, (size_t)(n - prev));
  out->ptr = d;
  out->len = len;
}

void pipe_std_concat(pipe_kctx *ctx, const char *a, int64_t an, const char *b, int64_t bn,
                     pipe_str *out) {
  /* One side empty: a view of the other, no copy. */
  if (bn == 0 || an == 0) {
    out->ptr = an ? a : bn ? b : empty;
    out->len = an + bn;
    return;
  }
  char *d = pipe_rt_scratch(ctx, an + bn);
  memcpy(d, a, (size_t)an);
  memcpy(d + an, b, (size_t)bn);
  out->ptr = d;
  out->len = an + bn;
}

int32_t pipe_std_cmp(const char *a, int64_t an, const char *b, int64_t bn) {
  int64_t m = an < bn ? an : bn;
  int r = m ? memcmp(a, b, (size_t)m) : 0;
  if (r) return r < 0 ? -1 : 1;
  return an < bn ? -1 : an > bn ? 1 : 0;
}
