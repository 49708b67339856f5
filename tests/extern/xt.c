/* xt.c: a C library for tests/extern.t, built by the test with cc -shared -fPIC. One
 * function per way a Pipe type crosses to C and back (docs/language.md, "extern fn"):
 * bool, i64, f64, timestamp and duration by value; a string as (pointer, length) and
 * returned as a pointer plus an int64_t *len out-parameter; a nullable parameter with a
 * trailing bool is_null, a nullable result with a bool *is_null out-parameter. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Returned strings live here until the next call on the same thread. */
static _Thread_local char buf[4096];

static const char *ret(const char *p, int64_t n, int64_t *len) {
  if (n > (int64_t)sizeof buf) n = sizeof buf;
  memcpy(buf, p, (size_t)n);
  *len = n;
  return buf;
}

bool xt_not(bool b) { return !b; }
int64_t xt_add(int64_t a, int64_t b) { return a + b; }
double xt_half(double x) { return x / 2; }
/* timestamp + duration, both int64_t microseconds */
int64_t xt_later(int64_t ts, int64_t dur) { return ts + dur; }
int64_t xt_twice(int64_t dur) { return 2 * dur; }

/* The bytes of a string in hex: NUL bytes and UTF-8 arrive intact, with the length. */
const char *xt_hex(const char *p, int64_t n, int64_t *len) {
  char tmp[4096];
  int64_t k = 0;
  for (int64_t i = 0; i < n && k + 2 < (int64_t)sizeof tmp; i++)
    k += snprintf(tmp + k, sizeof tmp - (size_t)k, "%02x", (unsigned char)p[i]);
  return ret(tmp, k, len);
}

/* "[" s "]": a string both ways, UTF-8 included. */
const char *xt_wrap(const char *p, int64_t n, int64_t *len) {
  char tmp[4096];
  if (n > (int64_t)sizeof tmp - 2) n = sizeof tmp - 2;
  tmp[0] = '[';
  memcpy(tmp + 1, p, (size_t)n);
  tmp[n + 1] = ']';
  return ret(tmp, n + 2, len);
}

/* "a\0b": a returned string with a NUL byte inside. */
const char *xt_nul(int64_t *len) { return ret("a\0b", 3, len); }

/* NULL for a non-null string result: the empty string. */
const char *xt_nullptr(int64_t *len) {
  *len = 99;
  return NULL;
}

/* i64?, f64?, bool?, timestamp? and string? parameters. */
int64_t xt_or(int64_t v, bool is_null, int64_t dflt) { return is_null ? dflt : v; }
double xt_f_or(double v, bool is_null) { return is_null ? -1.5 : v; }
bool xt_b_or(bool v, bool is_null) { return is_null ? true : v; }
int64_t xt_ts_or(int64_t v, bool is_null) { return is_null ? 0 : v; }
const char *xt_name(const char *p, int64_t n, bool is_null, int64_t *len) {
  if (is_null) return ret("<null>", 6, len);
  return xt_wrap(p, n, len);
}

/* Nullable results: null for a negative (or empty) input. */
int64_t xt_pos(int64_t v, bool *is_null) {
  if (v < 0) *is_null = true;
  return v;
}
double xt_sqrt_pos(double v, bool *is_null) {
  *is_null = v < 0;
  return v < 0 ? 0 : v * v;
}
bool xt_even(int64_t v, bool *is_null) {
  *is_null = v < 0;
  return v % 2 == 0;
}
int64_t xt_dur_pos(int64_t d, bool *is_null) {
  *is_null = d < 0;
  return d;
}
const char *xt_nonempty(const char *p, int64_t n, int64_t *len, bool *is_null) {
  if (n == 0) {
    *is_null = true;
    return NULL;
  }
  return xt_wrap(p, n, len);
}
/* string? in, string? out: null stays null */
const char *xt_upper_opt(const char *p, int64_t n, bool is_null, int64_t *len, bool *out_null) {
  if (is_null) {
    *out_null = true;
    return NULL;
  }
  char tmp[4096];
  if (n > (int64_t)sizeof tmp) n = sizeof tmp;
  for (int64_t i = 0; i < n; i++) tmp[i] = (char)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i]);
  return ret(tmp, n, len);
}
