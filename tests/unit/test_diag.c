/* test_diag.c: the exact diagnostic layout (header, source line, carets, notes, hints),
 * error and warning counts, and the "did you mean" choice of diag_closest. */
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"
#include "tap.h"

static const char text[] =
    "schema T { price: f64 }\n"
    "\tx |\tfilter pirce > 0.0\n"
    "short\n";
static const src_file file = {"p.pipe", text, sizeof text - 1};

static char *out;
static size_t outlen;

static FILE *capture(diag_ctx *d) {
  FILE *f = open_memstream(&out, &outlen);
  diag_init(d, f);
  return f;
}

static void finish(FILE *f) {
  fclose(f);
}

static void test_error(void) {
  diag_ctx d;
  FILE *f = capture(&d);
  diag_error(&d, (span){&file, 2, 13, 5}, DIAG_E0201, "unknown name `%s`", "pirce");
  diag_hint(&d, "did you mean `%s`?", "price");
  fflush(f);
  is_str(out,
         "p.pipe:2:13: error[E0201]: unknown name `pirce`\n"
         "    2 | \tx |\tfilter pirce > 0.0\n"
         "      | \t   \t       ^^^^^\n"
         "   = hint: did you mean `price`?\n",
         "error with tabs in the prefix and a hint");
  is_int(d.errors, 1, "one error counted");
  is_int(d.warnings, 0, "no warnings");
  finish(f);
  free(out);
}

static void test_clip_and_notes(void) {
  diag_ctx d;
  FILE *f = capture(&d);
  diag_error(&d, (span){&file, 3, 3, 10}, DIAG_E0100, "clipped");
  diag_note(&d, (span){&file, 3, 3, 10}, "same span");
  diag_note(&d, (span){&file, 1, 12, 5}, "declared here");
  diag_warning(&d, (span){&file, 3, 6, 0}, DIAG_W0001, "at the end of the line");
  fflush(f);
  is_str(out,
         "p.pipe:3:3: error[E0100]: clipped\n"
         "    3 | short\n"
         "      |   ^^^\n"
         "   = note: same span\n"
         "p.pipe:1:12: note: declared here\n"
         "    1 | schema T { price: f64 }\n"
         "      |            ^^^^^\n"
         "p.pipe:3:6: warning[W0001]: at the end of the line\n"
         "    3 | short\n"
         "      |      ^\n",
         "carets clipped to the line, notes, a warning past the end");
  is_int(d.errors, 1, "warnings are not errors");
  is_int(d.warnings, 1, "one warning counted");
  finish(f);
  free(out);
}

static void test_no_file(void) {
  diag_ctx d;
  FILE *f = capture(&d);
  diag_error(&d, (span){0}, DIAG_E0207, "cannot read `%s`", "x.pipe");
  fflush(f);
  is_str(out, "error[E0207]: cannot read `x.pipe`\n", "a diagnostic without a location");
  is_str(diag_code_name(DIAG_E0310), "E0310", "code names");
  finish(f);
  free(out);
}

static void test_closest(void) {
  const char *names[] = {"price", "qty", "symbol", "venue", "ts"};
  is_str(diag_closest("pirce", names, 5), "price", "transposition is one edit");
  is_str(diag_closest("qtty", names, 5), "qty", "insertion");
  is_str(diag_closest("symbl", names, 5), "symbol", "deletion");
  ok(diag_closest("volume", names, 5) == NULL, "nothing close");
  ok(diag_closest("xy", names, 5) == NULL, "short names need a close match");
  is_str(diag_closest("t", names, 5), "ts", "one edit is always allowed");
  const char *tie[] = {"ab", "ac"};
  is_str(diag_closest("aa", tie, 2), "ab", "ties go to the first");
  ok(diag_closest("x", NULL, 0) == NULL, "no candidates");
}

int main(void) {
  test_error();
  test_clip_and_notes();
  test_no_file();
  test_closest();
  return tap_done();
}
