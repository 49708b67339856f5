/* fuzz_input.h: what the libFuzzer targets of the front end share: the input as a
 * NUL-terminated source file in a fresh arena (the lexer stops at the first NUL, so an
 * embedded NUL ends the file), and diagnostics sent to /dev/null. */
#ifndef PIPE_FUZZ_INPUT_H
#define PIPE_FUZZ_INPUT_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

/* Arena a (the caller frees it with arena_free), diagnostics in d, data as file `path`. */
static src_file *fuzz_input(arena *a, diag_ctx *d, const uint8_t *data, size_t size,
                            const char *path) {
  static FILE *sink;
  if (!sink) sink = fopen("/dev/null", "w");
  char *text = arena_alloc(a, size + 1);
  memcpy(text, data, size);
  text[size] = 0;
  diag_init(d, sink);
  return src_from_string(a, path, text);
}

#endif
