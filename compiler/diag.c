/* diag.c: renders diagnostics. Each one is a header `FILE:LINE:COL: error[CODE]: msg`, the
 * source line it points into and a caret underline, then its notes and hints:
 *
 *   FILE:LINE:COL: error[E0201]: unknown name `pirce`
 *      12 |   | filter pirce > 0.0
 *         |            ^^^^^
 *      = hint: did you mean `price`?
 *
 * Tests compare this output byte for byte, so the layout is fixed here and nowhere else.
 * diag_closest chooses the "did you mean" candidate by edit distance. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const code_names[] = {
#define X(e, code, summary) code,
    DIAG_CODES(X)
#undef X
};

/* The span of the diagnostic that notes attach to; one per context would be nicer, but
 * diag_ctx is a shared contract and diagnostics are reported from one thread. */
static span last_at;

void diag_init(diag_ctx *d, FILE *out) {
  memset(d, 0, sizeof *d);
  d->out = out ? out : stderr;
}

const char *diag_code_name(diag_code c) {
  return c >= 0 && c < DIAG__COUNT ? code_names[c] : "E????";
}

/* The text of line `line` of f and its length without the newline, or NULL. */
static const char *line_text(const src_file *f, int line, int *len) {
  if (!f || !f->text || line < 1) return NULL;
  const char *p = f->text, *end = f->text + f->len;
  for (int l = 1; l < line; l++) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) return NULL;
    p = nl + 1;
  }
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  const char *e = nl ? nl : end;
  if (e > p && e[-1] == '\r') e--;
  *len = (int)(e - p);
  return p;
}

/* The quoted source line and the caret line under `at`. */
static void show_source(FILE *out, span at) {
  int len;
  const char *text = line_text(at.file, at.line, &len);
  if (!text) return;
  fprintf(out, " %4d | %.*s\n", at.line, len, text);
  fputs("      | ", out);
  int col = at.col < 1 ? 1 : at.col;
  for (int i = 0; i < col - 1; i++) fputc(i < len && text[i] == '\t' ? '\t' : ' ', out);
  int n = at.len;
  if (col - 1 + n > len) n = len - (col - 1);   /* clip to the end of the line */
  if (n < 1) n = 1;
  for (int i = 0; i < n; i++) fputc('^', out);
  fputc('\n', out);
}

static void header(FILE *out, span at, const char *kind) {
  if (at.file)
    fprintf(out, "%s:%d:%d: %s", at.file->path, at.line, at.col, kind);
  else
    fputs(kind, out);
}

static void report(diag_ctx *d, span at, const char *kind, diag_code code, const char *fmt,
                   va_list ap) {
  header(d->out, at, kind);
  fprintf(d->out, "[%s]: ", diag_code_name(code));
  vfprintf(d->out, fmt, ap);
  fputc('\n', d->out);
  show_source(d->out, at);
  last_at = at;
}

void diag_error(diag_ctx *d, span at, diag_code code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(d, at, "error", code, fmt, ap);
  va_end(ap);
  d->errors++;
}

void diag_warning(diag_ctx *d, span at, diag_code code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  report(d, at, "warning", code, fmt, ap);
  va_end(ap);
  d->warnings++;
}

static int same_span(span a, span b) {
  return a.file == b.file && a.line == b.line && a.col == b.col && a.len == b.len;
}

void diag_note(diag_ctx *d, span at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (!at.file || same_span(at, last_at)) {
    fputs("   = note: ", d->out);
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
  } else {
    header(d->out, at, "note: ");
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    show_source(d->out, at);
  }
  va_end(ap);
}

void diag_hint(diag_ctx *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("   = hint: ", d->out);
  vfprintf(d->out, fmt, ap);
  fputc('\n', d->out);
  va_end(ap);
}

/* Optimal string alignment distance: Levenshtein plus adjacent transpositions, so that
 * `pirce` is one edit from `price`. */
static int edit_distance(const char *a, const char *b) {
  int n = (int)strlen(a), m = (int)strlen(b);
  int *d = malloc((size_t)(n + 1) * (size_t)(m + 1) * sizeof *d);
  if (!d) return n > m ? n : m;
#define D(i, j) d[(i) * (m + 1) + (j)]
  for (int i = 0; i <= n; i++) D(i, 0) = i;
  for (int j = 0; j <= m; j++) D(0, j) = j;
  for (int i = 1; i <= n; i++)
    for (int j = 1; j <= m; j++) {
      int cost = a[i - 1] != b[j - 1];
      int v = D(i - 1, j) + 1;
      if (D(i, j - 1) + 1 < v) v = D(i, j - 1) + 1;
      if (D(i - 1, j - 1) + cost < v) v = D(i - 1, j - 1) + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          D(i - 2, j - 2) + 1 < v)
        v = D(i - 2, j - 2) + 1;
      D(i, j) = v;
    }
  int r = D(n, m);
#undef D
  free(d);
  return r;
}

const char *diag_closest(const char *name, const char *const *cands, int ncands) {
  int limit = (int)strlen(name) / 3;
  if (limit < 1) limit = 1;
  const char *best = NULL;
  int best_d = limit + 1;
  for (int i = 0; i < ncands; i++) {
    if (!cands[i]) continue;
    int dist = edit_distance(name, cands[i]);
    if (dist < best_d) {   /* strict: ties keep the first */
      best = cands[i];
      best_d = dist;
    }
  }
  return best;
}
