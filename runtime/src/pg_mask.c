/* pg_mask.c: keeping passwords out of messages (see rt_pg.h). rt_pg_mask writes a
 * conninfo with its secrets replaced by `***`, for messages that name the connection;
 * rt_pg_scrub cleans a text that came from libpq or the server, which may echo parts of
 * the conninfo (libpq quotes a whole URI it cannot parse, and a token it cannot place).
 *
 * Both follow libpq's own grammar for the two forms of a conninfo: `key = value` pairs
 * separated by spaces (a value may be in single quotes; a backslash escapes the next
 * character), or a `postgresql://` / `postgres://` URI whose `user:password@` and whose
 * `?key=value&...` parameters may hold a password. A key is a secret when it ends in
 * "password", in any case (password, sslpassword): libpq would refuse a misspelt case,
 * but its value is still the user's secret.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rt_pg.h"

#define MASK "***"
#define MAX_SECRETS 16

/* Secret values found in a conninfo, as written and as libpq decodes them. */
typedef struct secrets {
  rt_buf v[MAX_SECRETS];
  int n;
} secrets;

static void keep(secrets *sec, const char *p, size_t n) {
  if (!sec || sec->n == MAX_SECRETS || n == 0) return;
  rt_buf *b = &sec->v[sec->n++];
  *b = (rt_buf){0};
  rt_buf_put(b, p, n);
}

static bool secret_key(const char *k, size_t n) {
  static const char word[] = "password";
  size_t w = sizeof word - 1;
  return n >= w && strncasecmp(k + n - w, word, w) == 0;
}

static int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = (char)tolower((unsigned char)c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Appends p[0..n) as libpq reads it: %XX escapes decoded (a URI) or backslash escapes
 * (a key = value pair). */
static void decode(rt_buf *d, const char *p, size_t n, bool uri) {
  for (size_t i = 0; i < n; i++) {
    if (uri && p[i] == '%' && i + 2 < n && hex(p[i + 1]) >= 0 && hex(p[i + 2]) >= 0) {
      rt_buf_putc(d, (char)(hex(p[i + 1]) * 16 + hex(p[i + 2])));
      i += 2;
    } else if (!uri && p[i] == '\\' && i + 1 < n) {
      rt_buf_putc(d, p[++i]);
    } else {
      rt_buf_putc(d, p[i]);
    }
  }
}

/* Keeps p[0..n) and, if it differs, its decoded form. */
static void keep_decoded(secrets *sec, const char *p, size_t n, bool uri) {
  keep(sec, p, n);
  rt_buf d = {0};
  decode(&d, p, n, uri);
  if (d.len != n || memcmp(d.p, p, n) != 0) keep(sec, d.p, d.len);
  rt_buf_free(&d);
}

/* A URI's `?a=1&password=x` parameters, from just after the `?`. */
static void walk_params(const char *p, rt_buf *out, secrets *sec) {
  while (*p) {
    size_t k = strcspn(p, "=&");
    rt_buf key = {0};
    decode(&key, p, k, true);
    bool secret = secret_key(key.p ? key.p : "", key.len);
    rt_buf_free(&key);
    rt_buf_put(out, p, k);
    p += k;
    if (*p == '=') {
      rt_buf_putc(out, *p++);
      size_t v = strcspn(p, "&");
      if (secret) keep_decoded(sec, p, v, true);
      if (secret && v) rt_buf_put(out, MASK, 3);
      else rt_buf_put(out, p, v);
      p += v;
    }
    if (*p == '&') rt_buf_putc(out, *p++);
  }
}

/* scheme://[user[:password]@]hosts[/dbname][?params], from just after the `//`: libpq
 * takes the credentials up to the first `@` that comes before any `/`. */
static void walk_uri(const char *p, rt_buf *out, secrets *sec) {
  size_t auth = strcspn(p, "@/");
  if (p[auth] == '@') {
    const char *colon = memchr(p, ':', auth);
    if (colon) {
      size_t user = (size_t)(colon - p) + 1;
      rt_buf_put(out, p, user);
      keep_decoded(sec, colon + 1, auth - user, true);
      rt_buf_put(out, MASK, 3);
    } else {
      rt_buf_put(out, p, auth);
    }
    p += auth;
  }
  const char *q = strchr(p, '?');
  if (!q) {
    rt_buf_put(out, p, strlen(p));
    return;
  }
  rt_buf_put(out, p, (size_t)(q - p) + 1);
  walk_params(q + 1, out, sec);
}

/* The end of a value starting at p: a quoted one after its closing quote, NULL if it
 * has none; a bare one at the next space. */
static const char *value_end(const char *p) {
  if (*p != '\'') {
    while (*p && !isspace((unsigned char)*p)) p += p[0] == '\\' && p[1] ? 2 : 1;
    return p;
  }
  for (p++; *p && *p != '\''; p += p[0] == '\\' && p[1] ? 2 : 1) {}
  return *p ? p + 1 : NULL;
}

/* key = value pairs. What does not parse (a key without `=`, an open quote) is masked
 * to the end: libpq will refuse it, and it may be a password typed in the wrong place. */
static void walk_pairs(const char *p, rt_buf *out, secrets *sec) {
  for (;;) {
    const char *ws = p;
    while (isspace((unsigned char)*p)) p++;
    rt_buf_put(out, ws, (size_t)(p - ws));
    if (!*p) return;
    const char *key = p;
    while (*p && *p != '=' && !isspace((unsigned char)*p)) p++;
    size_t klen = (size_t)(p - key);
    while (isspace((unsigned char)*p)) p++;
    const char *end = *p == '=' ? p + 1 + strspn(p + 1, " \t\n\r\f\v") : NULL;
    const char *vend = end ? value_end(end) : NULL;
    if (!vend) {
      keep(sec, key, strlen(key));
      rt_buf_put(out, MASK, 3);
      return;
    }
    rt_buf_put(out, key, (size_t)(end - key));
    if (secret_key(key, klen) && vend > end) {
      bool quoted = *end == '\'';
      keep_decoded(sec, end + quoted, (size_t)(vend - end) - 2 * quoted, false);
      rt_buf_put(out, MASK, 3);
    } else {
      rt_buf_put(out, end, (size_t)(vend - end));
    }
    p = vend;
  }
}

static void walk(const char *conninfo, rt_buf *out, secrets *sec) {
  static const char *const schemes[] = {"postgresql://", "postgres://"};
  for (int i = 0; i < 2; i++) {
    size_t n = strlen(schemes[i]);
    if (strncmp(conninfo, schemes[i], n) == 0) {
      rt_buf_put(out, conninfo, n);
      walk_uri(conninfo + n, out, sec);
      return;
    }
  }
  walk_pairs(conninfo, out, sec);
}

void rt_pg_mask(rt_buf *out, const char *conninfo) {
  walk(conninfo ? conninfo : "", out, NULL);
}

/* The first `what` (n >= 1 bytes) in p[0..len), or NULL. */
static const char *find(const char *p, size_t len, const char *what, size_t n) {
  for (const char *end = p + len; (size_t)(end - p) >= n; p++) {
    p = memchr(p, what[0], (size_t)(end - p) - n + 1);
    if (!p) return NULL;
    if (memcmp(p, what, n) == 0) return p;
  }
  return NULL;
}

/* Replaces every `what` in b by `with`. */
static void replace_all(rt_buf *b, const char *what, size_t n, const char *with) {
  if (n == 0 || b->len < n) return;
  rt_buf r = {0};
  const char *p = b->p, *end = b->p + b->len, *hit;
  while ((hit = find(p, (size_t)(end - p), what, n))) {
    rt_buf_put(&r, p, (size_t)(hit - p));
    rt_buf_put(&r, with, strlen(with));
    p = hit + n;
  }
  rt_buf_put(&r, p, (size_t)(end - p));
  rt_buf_free(b);
  *b = r;
}

void rt_pg_scrub(char *msg, size_t size, const char *conninfo) {
  if (!msg || size == 0) return;
  conninfo = conninfo ? conninfo : "";
  rt_buf masked = {0}, text = {0};
  secrets sec = {.n = 0};
  walk(conninfo, &masked, &sec);
  const char *env = getenv("PGPASSWORD");
  if (env) keep(&sec, env, strlen(env));
  rt_buf_put(&text, msg, strlen(msg));
  rt_buf_putc(&masked, 0);
  if (sec.n > 0 && *conninfo) replace_all(&text, conninfo, strlen(conninfo), masked.p);
  for (int i = 0; i < sec.n; i++) {
    if (sec.v[i].len >= RT_PG_SECRET_MIN) replace_all(&text, sec.v[i].p, sec.v[i].len, MASK);
    rt_buf_free(&sec.v[i]);
  }
  size_t n = text.len < size - 1 ? text.len : size - 1;
  if (n) memcpy(msg, text.p, n);
  msg[n] = 0;
  rt_buf_free(&text);
  rt_buf_free(&masked);
}
