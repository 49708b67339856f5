/* typed.c: typed.pipe through the typed functions of its generated header (typed.h), for
 * tests/embed_typed.t: every param set by its typed setter, rows pushed as an array of
 * structs (with nulls, empty strings, a field named `int`), received as structs. Then the
 * misuses a typed push can still make: a string with ptr NULL and len > 0 (status 2, no
 * row taken), a layout that does not match (status 2), a param set with the wrong type.
 * Output: one line per row received, then the misuse lines.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "typed.h"

static int on_rows(void *user, const typed_sink0_row *rows, size_t n) {
  int *calls = user;
  ++*calls;
  for (size_t i = 0; i < n; i++) {
    const typed_sink0_row *r = &rows[i];
    printf("%.*s label=%.*s score=%g n=%" PRId64 " ok=%s at=%" PRId64 " took=%" PRId64 " note=%.*s int=%" PRId64 "\n",
           (int)r->name_len, r->name, (int)r->label_len, r->label, r->score, r->n,
           r->ok_is_null ? "null" : r->ok ? "true" : "false", r->at, r->took,
           r->note_is_null ? 4 : (int)r->note_len, r->note_is_null ? "null" : r->note, r->int_);
  }
  return 0;
}

#define T0 1767605400000000   /* 2026-01-05T09:30:00Z */

int main(void) {
  pipe_error err;
  pipe_run *r = typed_open(&err);
  int calls = 0;
  if (!r || typed_set_min_n(r, 2) || typed_set_scale(r, 0.5) || typed_set_label(r, "x y") ||
      typed_set_since(r, T0) || typed_set_max_took(r, 90000000) || typed_set_strict(r, false) ||
      typed_sink0_bind(r, on_rows, &calls) || pipe_start(r)) {
    fprintf(stderr, "%s", r ? pipe_get_error(r)->msg : err.msg);
    return 1;
  }
  typed_rows_row rows[] = {
      {.name = "ann", .name_len = 3, .score = 3.0, .n = 5, .ok = true, .at = T0, .took = 1000000,
       .note = "hi", .note_len = 2, .int_ = 7},
      {.name = "bob", .name_len = 3, .score_is_null = true, .n = 1, .at = T0, .note_is_null = true,
       .int_ = 8},   /* n < min_n */
      {.name = "", .score_is_null = true, .n = 2, .ok_is_null = true, .at = T0 + 1, .took = 90000000,
       .note = "", .int_ = -1},   /* nulls and empty strings */
      {.name = "dee", .name_len = 3, .score = 10.0, .n = 3, .at = T0 - 1, .note = "x", .note_len = 1},
      {.name = "eve", .name_len = 3, .score = 1.25, .n = 9, .ok = true, .at = T0 + 2, .took = 90000001,
       .note_is_null = true},   /* too early, too long */
  };
  if (typed_rows_push(r, rows, 5, &err) != 0) printf("push: %s", err.msg);
  typed_rows_row bad = rows[0];
  bad.note = NULL;
  bad.note_len = 3;
  if (typed_rows_push(r, &bad, 1, &err) != 0) printf("status %d: %s", err.status, err.msg);
  static const pipe_field_layout wrong[1] = {{PIPE_T_I64, 0, 0, -1, -1}};
  if (pipe_host_push_rows(r, 0, rows, 1, sizeof *rows, wrong, 1, &err) != 0)
    printf("status %d: %s", err.status, err.msg);
  if (pipe_host_push_rows(r, 1, rows, 1, sizeof *rows, wrong, 1, &err) != 0)
    printf("status %d: %s", err.status, err.msg);
  typed_rows_end(r, NULL);
  int status = pipe_wait(r);
  printf("status %d, %s\n", status, calls > 0 ? "called" : "never called");
  pipe_close(r);

  r = typed_open(&err);
  pipe_value v = {0};
  if (pipe_set_param_value(r, "min_n", PIPE_T_F64, &v) != 0) printf("%s", pipe_get_error(r)->msg);
  pipe_close(r);
  return 0;
}
