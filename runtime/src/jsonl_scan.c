/* jsonl_scan.c: checks that a line is one JSON object and finds the schema's keys in it.
 *
 * A small recursive-descent parser over one line (RFC 8259, strict): strings must close
 * on the line and hold no raw control characters, escapes are the eight of the RFC plus
 * \uXXXX with surrogates in pairs, numbers follow the JSON grammar (no leading zeros, no
 * `+`, no `.5`, no inf/nan), literals are lower case, nesting is limited to MAX_DEPTH.
 * Values of keys the schema does not name are checked the same way and then forgotten.
 * The members of an object that holds dotted fields (`user` of `user.id`) are looked up
 * like the line's own, one level of keys per object (jsonl_keys.c).
 * Strings must be valid UTF-8 (what the writer can write back unchanged). Columns in messages
 * are 1-based byte offsets into the line.
 */
#include <stdio.h>
#include <string.h>

#include "jsonl_scan.h"

#define MAX_DEPTH 256

typedef struct parser {
  const char *p;
  size_t n, i;
  rt_json_err *e;
  const rt_json_keys *keys;
  rt_json_slot *slots;  /* [keys->nslots] */
  rt_buf *tmp;          /* escaped keys */
} parser;

/* Fails the line with "invalid JSON: WHAT at column (at + 1)". Always -1. */
static int fail(parser *ps, size_t at, const char *what) {
  snprintf(ps->e->msg, sizeof ps->e->msg, "invalid JSON: %s at column %zu", what, at + 1);
  ps->e->field = -1;
  return -1;
}

static void skip_ws(parser *ps) {
  while (ps->i < ps->n) {
    char c = ps->p[ps->i];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
    ps->i++;
  }
}

static int hex4(const char *p, unsigned *out) {
  unsigned v = 0;
  for (int k = 0; k < 4; k++) {
    char c = p[k];
    unsigned d;
    if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
    else return -1;
    v = v * 16 + d;
  }
  *out = v;
  return 0;
}

/* Checks the escape at p[i] == '\\'; returns its length, or -1 after fail(). */
static int check_escape(parser *ps, size_t i) {
  const char *p = ps->p;
  if (i + 1 >= ps->n) return fail(ps, i, "invalid escape");
  switch (p[i + 1]) {
  case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't': return 2;
  case 'u': break;
  default: return fail(ps, i, "invalid escape");
  }
  unsigned u, lo;
  if (i + 6 > ps->n || hex4(p + i + 2, &u) != 0) return fail(ps, i, "invalid \\u escape");
  if (u >= 0xDC00 && u <= 0xDFFF) return fail(ps, i, "lone surrogate");
  if (u < 0xD800 || u > 0xDBFF) return 6;
  if (i + 12 > ps->n || p[i + 6] != '\\' || p[i + 7] != 'u' || hex4(p + i + 8, &lo) != 0 ||
      lo < 0xDC00 || lo > 0xDFFF)
    return fail(ps, i, "lone surrogate");
  return 12;
}

/* The string starting at ps->i (a quote). Sets [*a, *b) to its body and *esc. */
static int scan_string(parser *ps, size_t *a, size_t *b, int *esc) {
  const unsigned char *p = (const unsigned char *)ps->p;
  size_t start = ps->i, i = start + 1, n = ps->n;
  *esc = 0;
  for (;;) {
    while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\') i++;
    if (i == n) return fail(ps, start, "unterminated string");
    if (p[i] == '"') break;
    if (p[i] < 0x20) return fail(ps, i, "control character in string");
    if (p[i] >= 0x80) {
      size_t k = rt_utf8_len(p + i, n - i);
      if (!k) return fail(ps, i, "invalid UTF-8");
      i += k;
      continue;
    }
    int k = check_escape(ps, i);
    if (k < 0) return -1;
    *esc = 1;
    i += (size_t)k;
  }
  *a = start + 1;
  *b = i;
  ps->i = i + 1;
  return 0;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int scan_number(parser *ps) {
  const char *p = ps->p;
  size_t start = ps->i, i = start, n = ps->n;
  if (p[i] == '-') i++;
  if (i == n || !is_digit(p[i])) return fail(ps, start, "invalid number");
  if (p[i] == '0') {
    i++;
    if (i < n && is_digit(p[i])) return fail(ps, start, "invalid number");  /* 01 */
  } else
    while (i < n && is_digit(p[i])) i++;
  if (i < n && p[i] == '.') {
    i++;
    if (i == n || !is_digit(p[i])) return fail(ps, start, "invalid number");
    while (i < n && is_digit(p[i])) i++;
  }
  if (i < n && (p[i] == 'e' || p[i] == 'E')) {
    i++;
    if (i < n && (p[i] == '+' || p[i] == '-')) i++;
    if (i == n || !is_digit(p[i])) return fail(ps, start, "invalid number");
    while (i < n && is_digit(p[i])) i++;
  }
  ps->i = i;
  return 0;
}

static int parse_value(parser *ps, int depth, rt_json_slot *v);

/* A nested object or array at ps->i; its members are checked and dropped. */
static int parse_nested(parser *ps, int depth) {
  char open = ps->p[ps->i], close = open == '{' ? '}' : ']';
  if (depth >= MAX_DEPTH) return fail(ps, ps->i, "nesting too deep");
  ps->i++;
  skip_ws(ps);
  if (ps->i < ps->n && ps->p[ps->i] == close) {
    ps->i++;
    return 0;
  }
  for (;;) {
    rt_json_slot v;
    if (open == '{') {
      size_t a, b;
      int esc;
      if (ps->i == ps->n || ps->p[ps->i] != '"') return fail(ps, ps->i, "expected a key");
      if (scan_string(ps, &a, &b, &esc) != 0) return -1;
      skip_ws(ps);
      if (ps->i == ps->n || ps->p[ps->i] != ':') return fail(ps, ps->i, "expected ':'");
      ps->i++;
      skip_ws(ps);
    }
    if (parse_value(ps, depth + 1, &v) != 0) return -1;
    skip_ws(ps);
    if (ps->i < ps->n && ps->p[ps->i] == ',') {
      ps->i++;
      skip_ws(ps);
      continue;
    }
    if (ps->i < ps->n && ps->p[ps->i] == close) {
      ps->i++;
      return 0;
    }
    return fail(ps, ps->i, open == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

static int literal(parser *ps, const char *word, size_t len) {
  if (ps->n - ps->i < len || memcmp(ps->p + ps->i, word, len) != 0)
    return fail(ps, ps->i, "expected a value");
  ps->i += len;
  return 0;
}

/* The value at ps->i (not blank); fills *v with its kind and text. */
static int parse_value(parser *ps, int depth, rt_json_slot *v) {
  if (ps->i == ps->n) return fail(ps, ps->i, "expected a value");
  size_t start = ps->i;
  int rc;
  v->esc = 0;
  switch (ps->p[start]) {
  case '"':
    v->kind = RT_JSON_STR;
    return scan_string(ps, &v->a, &v->b, &v->esc);
  case '{': v->kind = RT_JSON_OBJ; rc = parse_nested(ps, depth); break;
  case '[': v->kind = RT_JSON_ARR; rc = parse_nested(ps, depth); break;
  case 't': v->kind = RT_JSON_TRUE; rc = literal(ps, "true", 4); break;
  case 'f': v->kind = RT_JSON_FALSE; rc = literal(ps, "false", 5); break;
  case 'n': v->kind = RT_JSON_NULL; rc = literal(ps, "null", 4); break;
  default:
    if (ps->p[start] != '-' && !is_digit(ps->p[start])) return fail(ps, start, "expected a value");
    v->kind = RT_JSON_NUM;
    rc = scan_number(ps);
  }
  v->a = start;
  v->b = ps->i;
  return rc;
}

/* The key of level l named by key body p[a, b), or NULL. *hint is where the next key is
 * looked for first: keys usually come in schema order. */
static const rt_json_key *find_key(const parser *ps, const rt_json_level *l, size_t a,
                                   size_t b, int esc, int *hint) {
  const char *name = ps->p + a;
  size_t len = b - a;
  if (esc) {  /* decoded in place in a copy: decoding never moves bytes forward */
    ps->tmp->len = 0;
    rt_buf_put(ps->tmp, name, len);
    len = rt_json_unescape(ps->tmp->p, len, ps->tmp->p);
    name = ps->tmp->p;
  }
  int h = *hint;
  if (h < l->n && l->key[h].len == len && memcmp(l->key[h].name, name, len) == 0) {
    *hint = h + 1;
    return &l->key[h];
  }
  for (int k = 0; k < l->n; k++)
    if (l->key[k].len == len && memcmp(l->key[k].name, name, len) == 0) {
      *hint = k + 1;
      return &l->key[k];
    }
  return NULL;
}

/* Fails the line for the value v of key k: "duplicate key", or its object is neither an
 * object nor null. The error names k's field, or the first field under k's object. */
static int fail_member(parser *ps, const rt_json_key *k, const rt_json_slot *v, int dup) {
  const rt_json_level *sub = k->sub >= 0 ? &ps->keys->level[k->sub] : NULL;
  if (dup) snprintf(ps->e->msg, sizeof ps->e->msg, "duplicate key");
  else
    snprintf(ps->e->msg, sizeof ps->e->msg, "`%.*s` is not an object", (int)sub->plen,
             sub->path);
  ps->e->field = sub ? sub->field : k->slot;
  ps->e->a = v->kind == RT_JSON_STR ? v->a - 1 : v->a;
  ps->e->b = v->kind == RT_JSON_STR ? v->b + 1 : v->b;
  return -1;
}

static int parse_object(parser *ps, int depth, int lvl);

/* The value at ps->i of a member whose key is k (NULL: not a schema key), at depth. */
static int parse_member(parser *ps, int depth, const rt_json_key *k) {
  rt_json_slot v;
  if (k && k->sub >= 0 && ps->i < ps->n && ps->p[ps->i] == '{') {
    v = (rt_json_slot){ps->i, 0, RT_JSON_OBJ, 0};
    if (parse_object(ps, depth, k->sub) != 0) return -1;
    v.b = ps->i;
  } else if (parse_value(ps, depth, &v) != 0)
    return -1;
  if (!k) return 0;
  if (ps->slots[k->slot].kind != RT_JSON_NONE) return fail_member(ps, k, &v, 1);
  if (k->sub >= 0 && v.kind != RT_JSON_OBJ && v.kind != RT_JSON_NULL)
    return fail_member(ps, k, &v, 0);
  ps->slots[k->slot] = v;
  return 0;
}

/* The object at ps->i (a '{'), at depth, whose keys are looked up in level lvl. */
static int parse_object(parser *ps, int depth, int lvl) {
  const rt_json_level *l = &ps->keys->level[lvl];
  if (depth >= MAX_DEPTH) return fail(ps, ps->i, "nesting too deep");
  ps->i++;
  skip_ws(ps);
  if (ps->i < ps->n && ps->p[ps->i] == '}') {
    ps->i++;
    return 0;
  }
  int hint = 0;
  for (;;) {
    size_t a, b;
    int esc;
    if (ps->i == ps->n || ps->p[ps->i] != '"') return fail(ps, ps->i, "expected a key");
    if (scan_string(ps, &a, &b, &esc) != 0) return -1;
    const rt_json_key *k = find_key(ps, l, a, b, esc, &hint);
    skip_ws(ps);
    if (ps->i == ps->n || ps->p[ps->i] != ':') return fail(ps, ps->i, "expected ':'");
    ps->i++;
    skip_ws(ps);
    if (parse_member(ps, depth + 1, k) != 0) return -1;
    skip_ws(ps);
    if (ps->i < ps->n && ps->p[ps->i] == ',') {
      ps->i++;
      skip_ws(ps);
      continue;
    }
    if (ps->i < ps->n && ps->p[ps->i] == '}') {
      ps->i++;
      return 0;
    }
    return fail(ps, ps->i, "expected ',' or '}'");
  }
}

int rt_json_line(const char *p, size_t n, const rt_json_keys *keys, rt_json_slot *slots,
                 rt_buf *tmp, rt_json_err *e) {
  parser ps = {p, n, 0, e, keys, slots, tmp};
  e->field = -1;
  for (int k = 0; k < keys->nslots; k++) slots[k].kind = RT_JSON_NONE;
  skip_ws(&ps);
  if (ps.i == n) return 0;
  if (p[ps.i] != '{') return fail(&ps, ps.i, "expected '{'");
  if (parse_object(&ps, 0, 0) != 0) return -1;
  skip_ws(&ps);
  if (ps.i != n) return fail(&ps, ps.i, "unexpected text after the object");
  return 1;
}

/* Appends code point u to out as UTF-8; returns the byte count. */
static size_t put_utf8(unsigned u, char *out) {
  if (u < 0x80) {
    out[0] = (char)u;
    return 1;
  }
  if (u < 0x800) {
    out[0] = (char)(0xC0 | (u >> 6));
    out[1] = (char)(0x80 | (u & 0x3F));
    return 2;
  }
  if (u < 0x10000) {
    out[0] = (char)(0xE0 | (u >> 12));
    out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
    out[2] = (char)(0x80 | (u & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (u >> 18));
  out[1] = (char)(0x80 | ((u >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((u >> 6) & 0x3F));
  out[3] = (char)(0x80 | (u & 0x3F));
  return 4;
}

size_t rt_json_unescape(const char *p, size_t n, char *out) {
  size_t i = 0, o = 0;
  while (i < n) {
    const char *bs = memchr(p + i, '\\', n - i);
    size_t run = bs ? (size_t)(bs - (p + i)) : n - i;
    memmove(out + o, p + i, run);
    o += run;
    i += run;
    if (!bs) break;
    char c = p[i + 1];
    i += 2;
    switch (c) {
    case 'b': out[o++] = '\b'; break;
    case 'f': out[o++] = '\f'; break;
    case 'n': out[o++] = '\n'; break;
    case 'r': out[o++] = '\r'; break;
    case 't': out[o++] = '\t'; break;
    case 'u': {
      unsigned u, lo;
      hex4(p + i, &u);
      i += 4;
      if (u >= 0xD800 && u <= 0xDBFF) {
        hex4(p + i + 2, &lo);
        i += 6;
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      }
      o += put_utf8(u, out + o);
      break;
    }
    default: out[o++] = c; break;  /* " \ / */
    }
  }
  return o;
}
