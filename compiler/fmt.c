/* fmt.c: placeholder until the formatter lands: prints the text unchanged. */
#include <string.h>
#include "fmt.h"

char *fmt_source(arena *a, const src_file *f, const ast_program *prog, size_t *len) {
  (void)prog;
  char *s = arena_alloc(a, (size_t)f->len + 1);
  memcpy(s, f->text, (size_t)f->len + 1);
  *len = (size_t)f->len;
  return s;
}
