/* sema_window.c: `window KIND [by KEYS] { ... }` and `aggregate [by KEYS] { ... }`.
 * Checks the kind and its constant sizes (E0315), that a window has event time upstream
 * (E0312, saying where to add a watermark), the `on late` clause, the keys against the
 * input row and the items, whose aggregate calls sema_agg.c turns into columns of the
 * window's `mid` row. Fills the checked form ast.h describes: kind, size_v, every_v,
 * ts_index, calls, mid, and the output row [keys..., window_start, window_end (windows
 * only), items...]. */
#include <string.h>
#include "sema_internal.h"

static const char *const kind_names[] = {"tumbling", "sliding", "session", "count"};

/* ---- kind and sizes ---- */

static bool find_kind(sema *s, ast_op *op) {
  const char *name = op->u.window.kind_name;
  for (int k = 0; k < 4; k++)
    if (strcmp(name, kind_names[k]) == 0) {
      op->u.window.kind = (win_kind)(WIN_TUMBLING + k);
      return true;
    }
  diag_error(s->d, op->u.window.kind_at, DIAG_E0315, "unknown window kind `%s`", name);
  const char *near = diag_closest(name, kind_names, 4);
  if (near)
    diag_hint(s->d, "did you mean `%s`?", near);
  else
    diag_hint(s->d, "the kinds are `tumbling SIZE`, `sliding SIZE every STEP`, "
                    "`session GAP` and `count ROWS`");
  return false;
}

/* A window size: a constant of kind `want` greater than zero; returns it, or 0 when it is
 * not (reported). `what` names it in messages. */
static int64_t size_of(sema *s, ast_expr **slot, ty_kind want, const char *what,
                       const char *example) {
  scope sc = {.kind = SCOPE_CONST};
  ast_expr *e = *slot = sema_expr(s, &sc, *slot);
  if (ty_is_err(e->type)) return 0;
  char b[32];
  if (e->type.kind != want) {
    diag_error(s->d, sema_span(e), DIAG_E0315, "%s must be %s, found `%s`", what,
               want == TY_DURATION ? "a duration" : "an `i64` number of rows", ty_str(e->type, b));
    diag_hint(s->d, "for example `%s`", example);
    return 0;
  }
  if (!sema_is_lit(e)) {
    diag_error(s->d, sema_span(e), DIAG_E0305, "%s must be a constant", what);
    diag_hint(s->d, "use literals and consts, e.g. `%s`", example);
    return 0;
  }
  if (e->u.i <= 0) {
    diag_error(s->d, sema_span(e), DIAG_E0315, "%s must be greater than zero", what);
    diag_hint(s->d, "for example `%s`", example);
    return 0;
  }
  return e->u.i;
}

/* A row is in size/every windows, and a window is made of size/gcd(size, every) panes
 * (runtime/src/win_pane.c): past these bounds one row or one window would take the
 * runtime minutes, so they are compile errors rather than a run that seems to hang. */
#define SLIDING_MAX_WINDOWS 10000
#define SLIDING_MAX_PANES 1000000

static int64_t gcd64(int64_t a, int64_t b) {
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

static bool sliding_bounded(sema *s, ast_op *op, int64_t size, int64_t every) {
  span at = sema_span_join(op->u.window.kind_at, sema_span(op->u.window.every));
  if (size / every > SLIDING_MAX_WINDOWS) {
    diag_error(s->d, at, DIAG_E0315, "every row would be in %lld windows (at most %d)",
               (long long)(size / every), SLIDING_MAX_WINDOWS);
    diag_hint(s->d, "make the step longer, or the window shorter");
    return false;
  }
  if (size / gcd64(size, every) > SLIDING_MAX_PANES) {
    diag_error(s->d, at, DIAG_E0315, "every window would be made of %lld panes (at most %d)",
               (long long)(size / gcd64(size, every)), SLIDING_MAX_PANES);
    diag_hint(s->d, "windows are cut into panes of the greatest common divisor of the size "
                    "and the step; choose a step that divides the size, like `every 1m`");
    return false;
  }
  return true;
}

static void check_every(sema *s, ast_op *op) {
  ast_expr *every = op->u.window.every;
  win_kind k = op->u.window.kind;
  if (k != WIN_SLIDING) {
    if (!every) return;
    diag_error(s->d, sema_span(every), DIAG_E0315, "`every` is only for `sliding` windows");
    diag_hint(s->d, "`sliding 10m every 1m` makes overlapping windows; a `%s` window needs "
              "no `every`", kind_names[k - WIN_TUMBLING]);
    return;
  }
  if (!every) {
    diag_error(s->d, op->u.window.kind_at, DIAG_E0315, "a `sliding` window needs `every`");
    diag_hint(s->d, "say how far each window starts after the previous one, e.g. "
                    "`sliding 10m every 1m`");
    return;
  }
  int64_t v = size_of(s, &op->u.window.every, TY_DURATION, "the step after `every`",
                      "sliding 10m every 1m");
  if (v > 0 && op->u.window.size_v > 0 && v > op->u.window.size_v) {
    diag_error(s->d, sema_span(op->u.window.every), DIAG_E0315, "the step after `every` is "
               "longer than the window");
    diag_hint(s->d, "windows would leave rows between them out; the step can be at most the "
                    "size (equal to it, the windows tumble)");
    return;
  }
  if (v > 0 && op->u.window.size_v > 0 && !sliding_bounded(s, op, op->u.window.size_v, v)) return;
  op->u.window.every_v = v;
}

static void check_kind(sema *s, ast_op *op) {
  op->u.window.size_v = op->u.window.every_v = 0;
  if (op->kind == OP_AGGREGATE) {
    op->u.window.kind = WIN_ALL;
    return;
  }
  if (!find_kind(s, op)) return;
  win_kind k = op->u.window.kind;
  ast_expr **size = &op->u.window.size;
  if (k == WIN_COUNT)
    op->u.window.size_v = size_of(s, size, TY_I64, "the size of a `count` window", "count 100");
  else if (k == WIN_SESSION)
    op->u.window.size_v = size_of(s, size, TY_DURATION, "the gap of a `session` window",
                                  "session 30m");
  else
    op->u.window.size_v = size_of(s, size, TY_DURATION, k == WIN_TUMBLING ?
                                  "the size of a `tumbling` window" :
                                  "the size of a `sliding` window",
                                  k == WIN_TUMBLING ? "tumbling 1m" : "sliding 10m every 1m");
  check_every(s, op);
}

/* ---- event time and lateness ---- */

/* The first non-null timestamp field of a source's schema, or NULL. */
static const char *timestamp_field(const ast_decl *src) {
  const row_type *r = &src->u.source.schema->u.schema.row;
  for (int i = 0; i < r->nfields; i++)
    if (r->fields[i].type.kind == TY_TIMESTAMP && !r->fields[i].type.nullable)
      return r->fields[i].name;
  return NULL;
}

/* E0312, with a note on where the event time was lost or should come from. */
static void no_watermark(sema *s, ast_op *op, const sema_evt *ev) {
  diag_error(s->d, sema_span_join(op->at, op->u.window.kind_at), DIAG_E0312,
             "no watermark reaches this window");
  const ast_op *lost = ev->lost;
  ast_decl *src = ev->source;
  if (lost && lost->kind == OP_SELECT) {
    const char *f = src->u.source.wm_field;
    diag_note(s->d, lost->at, "this `select` drops `%s`, the event time of source `%s`", f,
              src->name);
    diag_hint(s->d, "keep the field: `select { %s, ... }`", f);
  } else if (lost) {
    diag_note(s->d, lost->at, "the rows of this `%s` have no event time",
              op_kind_name(lost->kind));
    diag_hint(s->d, "a window's rows carry no watermark; group them further with "
                    "`aggregate`");
  } else if (src) {
    const char *f = timestamp_field(src);
    diag_note(s->d, src->name_at, "source `%s` declares no watermark", src->name);
    if (f)
      diag_hint(s->d, "declare one: `source %s: %s = %s(...) watermark %s - 5s` (rows may "
                "arrive up to 5s out of order)", src->name, src->u.source.schema_name,
                src->u.source.conn ? src->u.source.conn->name : "csv", f);
    else
      diag_hint(s->d, "a watermark follows a non-null `timestamp` field, and schema `%s` "
                "has none", src->u.source.schema_name);
  }
}

static void check_late(sema *s, ast_op *op) {
  ast_policy *p = op->u.window.late;
  if (!p) return;
  if (op->kind == OP_AGGREGATE || op->u.window.kind == WIN_COUNT) {
    diag_error(s->d, p->at, DIAG_E0310, "%s has no late rows",
               op->kind == OP_AGGREGATE ? "`aggregate`" : "a `count` window");
    diag_hint(s->d, "`on late` is for `tumbling`, `sliding` and `session` windows, whose rows "
                    "may come after their window has been emitted");
    return;
  }
  sema_check_policy(s, p);
}

/* ---- output rows ---- */

void sema_win_add(sema *s, sema_win *w, const char *name, ty t) {
  row_type *m = w->mid;
  if (m->nfields == w->cap) {
    int cap = w->cap ? 2 * w->cap : 8;
    row_field *f = arena_alloc(s->a, sizeof *f * (size_t)cap);
    if (m->nfields) memcpy(f, m->fields, sizeof *f * (size_t)m->nfields);
    m->fields = f;   /* the old array stays valid in the arena: scope rows may point at it */
    w->cap = cap;
  }
  m->fields[m->nfields].name = name;
  m->fields[m->nfields].type = t;
  m->nfields++;
}

static bool is_time_name(const ast_op *op, const char *name) {
  return op->kind == OP_WINDOW && name &&
         (strcmp(name, "window_start") == 0 || strcmp(name, "window_end") == 0);
}

/* The output row under construction and where each field comes from, for E0206. */
typedef struct out_row {
  row_type row;
  span *from;
} out_row;

static bool out_add(sema *s, ast_op *op, out_row *o, const char *name, ty t, span at) {
  int dup = row_find(&o->row, name);
  if (dup >= 0) {
    span nat = at;
    nat.len = (int)strlen(name);
    diag_error(s->d, nat, DIAG_E0206, "`%s` is already a field of this %s's output", name,
               op_kind_name(op->kind));
    if (is_time_name(op, name))
      diag_note(s->d, o->from[dup], "every window adds `%s` to its output", name);
    else
      diag_note(s->d, o->from[dup], "`%s` first comes from here", name);
    diag_hint(s->d, "give it another name: `new_name = ...`");
    return false;
  }
  o->row.fields[o->row.nfields].name = name;
  o->row.fields[o->row.nfields].type = t;
  o->from[o->row.nfields++] = at;
  return true;
}

/* ---- keys ---- */

static bool key_field(sema *s, sema_win *w, ast_sel_item *k) {
  int i = row_find(w->in, k->name);
  if (i < 0) {
    diag_error(s->d, k->at, DIAG_E0203, "unknown field `%s`", k->name);
    ptrvec c = {0};
    for (int f = 0; f < w->in->nfields; f++) ptrvec_push(s->a, &c, (void *)w->in->fields[f].name);
    sema_hint_closest(s, k->name, &c);
    return false;
  }
  k->value = sema_field_ref(s, k->at, w->in, i);
  return true;
}

static bool key_expr(sema *s, sema_win *w, ast_sel_item *k) {
  scope sc = {.kind = SCOPE_ROW, .row = w->in, .keys = true};
  ast_expr *e = k->value = sema_expr(s, &sc, k->value);
  if (!k->name && !ty_is_err(e->type)) {   /* a wrong key is fixed first, maybe away */
    diag_error(s->d, sema_span(e), DIAG_E0209, "this key needs a name");
    diag_hint(s->d, "a key that is not a field is written `NAME = EXPR`, e.g. `by day = "
                    "trunc(ts, 1d)`; the name is its field in the output");
    return false;
  }
  if (ty_is_err(e->type)) return false;
  if (e->type.kind == TY_NULL) {
    diag_error(s->d, sema_span(e), DIAG_E0300, "key `%s = null` has no type", k->name);
    return false;
  }
  return true;
}

/* Keys go to `mid` and the output; a key in error still names a column (poisoned), so
 * that the items using it say nothing more. */
static bool check_keys(sema *s, sema_win *w, out_row *o) {
  ptrvec *keys = &w->op->u.window.keys;
  bool ok = true;
  for (int i = 0; i < keys->len; i++) {
    ast_sel_item *k = keys->items[i];
    bool good = k->kind == SEL_FIELD ? (w->in ? key_field(s, w, k) : false) : key_expr(s, w, k);
    if (!k->name) {
      ok = false;
      continue;
    }
    ty t = good ? k->value->type : ty_make(TY_ERROR, false);
    if (is_time_name(w->op, k->name)) {
      diag_error(s->d, k->at, DIAG_E0206, "`%s` is a field every window adds to its output",
                 k->name);
      diag_hint(s->d, "give the key another name: `by other_name = ...`");
      good = false;
    } else if (row_find(w->mid, k->name) < 0) {
      sema_win_add(s, w, k->name, t);
    }
    ok &= good && out_add(s, w->op, o, k->name, t, k->at);
  }
  return ok;
}

/* ---- items ---- */

static bool check_item(sema *s, sema_win *w, const row_type *vis, ast_sel_item *it) {
  scope sc = {.kind = SCOPE_AGG, .row = w->in ? vis : NULL, .win = w};
  ast_expr *e = it->value = sema_expr(s, &sc, it->value);
  if (ty_is_err(e->type)) return false;
  if (e->type.kind == TY_NULL) {
    diag_error(s->d, sema_span(e), DIAG_E0300, "`%s = null` gives the field no type", it->name);
    return false;
  }
  return true;
}

static bool check_items(sema *s, sema_win *w, out_row *o) {
  ptrvec *items = &w->op->u.window.aggs;
  row_type vis = {w->mid->fields, w->nfixed};   /* keys and times, not the calls */
  bool ok = true;
  for (int i = 0; i < items->len; i++) {
    ast_sel_item *it = items->items[i];
    if (!check_item(s, w, &vis, it)) {
      ok = false;
      continue;
    }
    ok &= out_add(s, w->op, o, it->name, it->value->type, it->at);
  }
  return ok;
}

const row_type *sema_check_window(sema *s, ast_op *op, const row_type *in,
                                  const sema_evt *ev) {
  check_kind(s, op);
  op->u.window.ts_index = -1;
  if (op->kind == OP_WINDOW && in && ev->known) {
    if (ev->index >= 0) op->u.window.ts_index = ev->index;
    else no_watermark(s, op, ev);
  }
  check_late(s, op);
  op->u.window.calls = (ptrvec){0};
  op->u.window.mid = (row_type){0};
  sema_win w = {.op = op, .in = in, .mid = &op->u.window.mid};
  int cap = op->u.window.keys.len + 2 + op->u.window.aggs.len;
  out_row o = {{arena_alloc(s->a, sizeof(row_field) * (size_t)cap), 0},
               arena_alloc(s->a, sizeof(span) * (size_t)cap)};
  bool ok = check_keys(s, &w, &o);
  if (op->kind == OP_WINDOW) {
    ty ts = ty_make(TY_TIMESTAMP, false);
    const char *names[2] = {arena_intern(s->a, "window_start", 12),
                            arena_intern(s->a, "window_end", 10)};
    for (int i = 0; i < 2; i++) {
      sema_win_add(s, &w, names[i], ts);
      out_add(s, op, &o, names[i], ts, op->at);
    }
  }
  w.nfixed = w.mid->nfields;
  ok &= check_items(s, &w, &o);
  if (!ok || !in) return NULL;
  row_type *out = arena_alloc(s->a, sizeof *out);
  *out = o.row;
  return out;
}
