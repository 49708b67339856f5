/* json_nest.c: the JSON object a row is written as, with dotted field names as nested
 * objects (the shape is described in json_nest.h); rt_buf_json_row, the one place rows
 * become JSON, for the JSON-lines writer and dead-letter records alike.
 *
 * The shape comes from a tree of name parts built twice: first from every name, to find
 * the fields whose name continues another field's name (those are written flat, under
 * their whole name); then from the others, in field order, so that an object comes where
 * its first field does. A schema without dots skips both trees.
 */
#include <stdlib.h>
#include <string.h>

#include "json_nest.h"
#include "rt_batch.h"

/* A key of the tree: an object (field < 0, members from `child`) or a field's value. In
 * the first tree a node may be both: a field that other names continue. */
typedef struct node {
  const char *seg;
  size_t len;
  int32_t field, parent, child, last, next;
} node;

typedef struct tree {
  node *v;
  int32_t n, cap;
} tree;

static int32_t add(tree *t, int32_t parent, const char *seg, size_t len, int32_t field) {
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 16;
    t->v = rt_xrealloc(t->v, (size_t)t->cap * sizeof *t->v);
  }
  int32_t i = t->n++;
  t->v[i] = (node){seg, len, field, parent, -1, -1, -1};
  if (parent < 0) return i;
  if (t->v[parent].last >= 0) t->v[t->v[parent].last].next = i;
  else t->v[parent].child = i;
  t->v[parent].last = i;
  return i;
}

/* The member `seg` of `parent` (objects only if objects_only), added if absent. */
static int32_t member(tree *t, int32_t parent, const char *seg, size_t len, int objects_only) {
  for (int32_t c = t->v[parent].child; c >= 0; c = t->v[c].next)
    if (t->v[c].len == len && memcmp(t->v[c].seg, seg, len) == 0 &&
        !(objects_only && t->v[c].field >= 0))
      return c;
  return add(t, parent, seg, len, -1);
}

/* 1 if name is a dotted name of the language: identifiers joined by single dots. Other
 * names with dots (a window's computed columns, "sum(q * 1.5)") are one key each. */
static int is_path(const char *name) {
  int dots = 0, at_start = 1;
  for (const char *p = name; *p; p++) {
    char c = *p;
    int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (c == '.') {
      if (at_start) return 0;
      dots = at_start = 1;
    } else if (alpha || (!at_start && c >= '0' && c <= '9')) {
      at_start = 0;
    } else {
      return 0;
    }
  }
  return dots && !at_start;
}

/* The node of `name`'s last part, the parts before it found or added as objects. In the
 * second tree (second = 1) the last part is always a new node: every field gets its own
 * value, even in a hand-made schema that names a field twice. */
static int32_t put_path(tree *t, const char *name, int32_t field, int second) {
  int32_t at = 0;
  const char *dot;
  while ((dot = strchr(name, '.')) != NULL) {
    at = member(t, at, name, (size_t)(dot - name), second);
    name = dot + 1;
  }
  if (second) return add(t, at, name, strlen(name), field);
  at = member(t, at, name, strlen(name), 0);
  t->v[at].field = field;
  return at;
}

/* flat[i] = 1 for each field whose name continues another field's name (path[i]: the
 * name is a dotted name). */
static void find_flat(tree *t, const pipe_schema_desc *s, const uint8_t *path, uint8_t *flat) {
  int32_t *leaf = rt_xmalloc((size_t)s->nfields * sizeof *leaf);
  for (int32_t i = 0; i < s->nfields; i++) {
    const char *name = s->fields[i].name;
    leaf[i] = path[i] ? put_path(t, name, i, 0) : member(t, 0, name, strlen(name), 0);
    t->v[leaf[i]].field = i;
  }
  for (int32_t i = 0; i < s->nfields; i++)
    for (int32_t p = t->v[leaf[i]].parent; p > 0 && !flat[i]; p = t->v[p].parent)
      flat[i] = t->v[p].field >= 0;
  free(leaf);
}

/* Appends the object `at` to text, noting each value's place in sh. */
static void emit(const tree *t, int32_t at, rt_json_shape *sh, rt_buf *text, int32_t *k) {
  rt_buf_putc(text, '{');
  for (int32_t c = t->v[at].child; c >= 0; c = t->v[c].next) {
    if (c != t->v[at].child) rt_buf_putc(text, ',');
    rt_buf_json_str(text, t->v[c].seg, t->v[c].len);
    rt_buf_putc(text, ':');
    if (t->v[c].field < 0) {
      emit(t, c, sh, text, k);
      continue;
    }
    sh->order[*k] = t->v[c].field;
    sh->off[++*k] = (uint32_t)text->len;
  }
  rt_buf_putc(text, '}');
}

void rt_json_shape_init(rt_json_shape *sh, const pipe_schema_desc *s) {
  int32_t n = s->nfields;
  sh->n = n;
  sh->order = rt_xmalloc((size_t)(n ? n : 1) * sizeof *sh->order);
  sh->off = rt_xcalloc((size_t)n + 2, sizeof *sh->off);
  uint8_t *flat = rt_xcalloc(2 * (size_t)n + 1, 1), *path = flat + n;
  int dotted = 0;
  for (int32_t i = 0; i < n; i++) dotted |= path[i] = (uint8_t)is_path(s->fields[i].name);
  tree t = {0};
  add(&t, -1, "", 0, -1);
  if (dotted) {
    find_flat(&t, s, path, flat);
    t.n = 1;
    t.v[0].child = t.v[0].last = -1;
  }
  for (int32_t i = 0; i < n; i++) {
    const char *name = s->fields[i].name;
    if (!path[i] || flat[i]) add(&t, 0, name, strlen(name), i);
    else put_path(&t, name, i, 1);
  }
  rt_buf text = {0};
  int32_t k = 0;
  emit(&t, 0, sh, &text, &k);
  sh->off[n + 1] = (uint32_t)text.len;
  sh->text = text.p;
  free(t.v);
  free(flat);
}

void rt_json_shape_free(rt_json_shape *sh) {
  free(sh->order);
  free(sh->off);
  free(sh->text);
  memset(sh, 0, sizeof *sh);
}

void rt_json_shape_row(rt_buf *out, const rt_json_shape *sh, const pipe_batch *b,
                       const pipe_schema_desc *s, int64_t row) {
  const uint32_t *off = sh->off;
  for (int32_t k = 0; k < sh->n; k++) {
    int32_t f = sh->order[k];
    rt_buf_put(out, sh->text + off[k], off[k + 1] - off[k]);
    rt_buf_json_value(out, &b->cols[f], &s->fields[f], row);
  }
  rt_buf_put(out, sh->text + off[sh->n], off[sh->n + 1] - off[sh->n]);
}

/* One row on its own (a dead letter): the shape is made and dropped for it. */
void rt_buf_json_row(rt_buf *out, const pipe_batch *b, const pipe_schema_desc *s, int64_t row) {
  rt_json_shape sh;
  rt_json_shape_init(&sh, s);
  rt_json_shape_row(out, &sh, b, s, row);
  rt_json_shape_free(&sh);
}
