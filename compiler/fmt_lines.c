/* fmt_lines.c: the formatter's output, line by line. fmt.c starts lines and appends code
 * and comments; rendering then aligns the trailing comments of each run of consecutive
 * lines to one column, two spaces after the longest code of the run, so that adding a
 * comment to one line of a schema lines up with its neighbours, and ends the file with
 * exactly one line break. */
#include <string.h>

#include "fmt_internal.h"

void fmt_out_init(fmt_out *o, arena *a, long code_cap, int line_cap) {
  o->a = a;
  o->buf = arena_alloc(a, (size_t)code_cap);
  o->used = 0;
  o->lines = arena_alloc(a, (size_t)line_cap * sizeof *o->lines);
  o->n = 0;
}

static fmt_line *last(const fmt_out *o) {
  return o->n ? &o->lines[o->n - 1] : NULL;
}

void fmt_out_line(fmt_out *o, int indent, bool blank) {
  const fmt_line *prev = last(o);
  if (!prev || (prev->len > 0 && o->buf[prev->code + prev->len - 1] == '{')) blank = false;
  o->lines[o->n++] = (fmt_line){indent, o->used, 0, NULL, blank};
}

void fmt_out_text(fmt_out *o, const char *s, int len, bool space) {
  fmt_line *l = last(o);
  if (space && l->len > 0) {
    o->buf[o->used++] = ' ';
    l->len++;
  }
  memcpy(o->buf + o->used, s, (size_t)len);
  o->used += len;
  l->len += len;
}

bool fmt_out_can_trail(const fmt_out *o) {
  const fmt_line *l = last(o);
  return l && l->len > 0 && !l->comment;
}

void fmt_out_trail(fmt_out *o, const fmt_comment *c) {
  last(o)->comment = c;
}

/* Columns of a line's code: UTF-8 continuation bytes take none. */
static int width(const fmt_out *o, const fmt_line *l) {
  int w = l->indent;
  for (int i = 0; i < l->len; i++) w += ((unsigned char)o->buf[l->code + i] & 0xc0) != 0x80;
  return w;
}

static bool trails(const fmt_line *l) {
  return l->len > 0 && l->comment;
}

/* The column of each trailing comment (0 for lines without one) into col. */
static void align(const fmt_out *o, int *col) {
  for (int i = 0; i < o->n;) {
    if (!trails(&o->lines[i])) {
      col[i++] = 0;
      continue;
    }
    int j = i, max = 0;
    for (; j < o->n && trails(&o->lines[j]) && (j == i || !o->lines[j].blank); j++)
      if (width(o, &o->lines[j]) > max) max = width(o, &o->lines[j]);
    for (; i < j; i++) col[i] = max + 2;
  }
}

/* Writes line l into out (when out is not NULL); returns its length in bytes. */
static size_t put_line(const fmt_out *o, const fmt_line *l, int col, char *out) {
  size_t n = 0;
  int pad = l->len > 0 ? col - width(o, l) : 0;
  if (l->blank) {
    if (out) out[n] = '\n';
    n++;
  }
  if (out) memset(out + n, ' ', (size_t)l->indent);
  n += (size_t)l->indent;
  if (out) memcpy(out + n, o->buf + l->code, (size_t)l->len);
  n += (size_t)l->len;
  if (l->comment) {
    if (l->len > 0) {
      if (out) memset(out + n, ' ', (size_t)pad);
      n += (size_t)pad;
    }
    if (out) memcpy(out + n, l->comment->text, (size_t)l->comment->len);
    n += (size_t)l->comment->len;
  }
  if (out) out[n] = '\n';
  return n + 1;
}

char *fmt_out_render(fmt_out *o, size_t *len) {
  int *col = arena_alloc(o->a, (size_t)(o->n + 1) * sizeof *col);
  align(o, col);
  size_t n = 0;
  for (int i = 0; i < o->n; i++) n += put_line(o, &o->lines[i], col[i], NULL);
  char *text = arena_alloc(o->a, n + 1);
  size_t at = 0;
  for (int i = 0; i < o->n; i++) at += put_line(o, &o->lines[i], col[i], text + at);
  text[at] = 0;
  *len = at;
  return text;
}
