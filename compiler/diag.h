/* diag.h: diagnostics. Every diagnostic takes a span first and carries a stable code from
 * diag_codes.h. Output (standard error, or a buffer for tests):
 *
 *   FILE:LINE:COL: error[E0201]: unknown name `pirce`
 *      12 |   | filter pirce > 0.0
 *         |            ^^^^^
 *      = hint: did you mean `price`?
 *
 * Errors and warnings are counted; the driver stops after a phase that reported errors. */
#ifndef PIPE_DIAG_H
#define PIPE_DIAG_H

#include <stdio.h>
#include "diag_codes.h"

typedef enum diag_code {
#define X(e, code, summary) DIAG_##e,
  DIAG_CODES(X)
#undef X
  DIAG__COUNT
} diag_code;

/* A source file loaded into memory; spans point into it. */
typedef struct src_file {
  const char *path;   /* as given on the command line or in `import` */
  const char *text;   /* NUL-terminated */
  long len;
} src_file;

/* A half-open range of one file: start line/column (1-based, columns in bytes) and length
 * in bytes on the start line (at least 1 for the caret). */
typedef struct span {
  const src_file *file;
  int line, col;
  int len;
} span;

typedef struct diag_ctx {
  FILE *out;          /* standard error unless a test redirects it */
  int errors, warnings;
  int color;          /* reserved; output is plain text */
} diag_ctx;

void diag_init(diag_ctx *d, FILE *out);
/* Reports an error. The message uses printf format. */
void diag_error(diag_ctx *d, span at, diag_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void diag_warning(diag_ctx *d, span at, diag_code code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Notes and hints attach to the diagnostic just reported. */
void diag_note(diag_ctx *d, span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void diag_hint(diag_ctx *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *diag_code_name(diag_code c);

/* "did you mean": the candidate closest to `name` by edit distance, or NULL when none is
 * close enough to suggest. */
const char *diag_closest(const char *name, const char *const *cands, int ncands);

#endif
