/* sema_check.h: the harness the sema unit tests share (test_sema.c, test_sema_window.c):
 * check() parses and checks a program given as a string, keeping its tree in P, its
 * arena in A and its diagnostics in `out` until the next call. Header-only: each test is
 * its own executable. */
#ifndef PIPE_TEST_SEMA_CHECK_H
#define PIPE_TEST_SEMA_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "sema.h"

static arena *A;
static ast_program P;
static diag_ctx D;
static char *out;
static size_t outlen;

/* Parses and checks text; returns the number of errors. The diagnostics are in `out`. */
static int check(const char *text) {
  free(out);
  out = NULL;
  if (A) arena_free(A);
  A = arena_new();
  memset(&P, 0, sizeof P);
  FILE *mem = open_memstream(&out, &outlen);
  diag_init(&D, mem);
  src_file *f = src_from_string(A, "t.pipe", text);
  int e = parse_file(A, &D, &P, f);
  if (!e) e = sema_check(A, &D, &P);
  fclose(mem);
  return e;
}

#endif
