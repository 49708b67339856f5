/* src.c: source files and the front end's entry point. A file is read whole into the
 * arena, NUL-terminated, so that spans can point into it for the life of the compilation;
 * parse_file runs the Bison parser over it. */
#include "parse.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lex.h"

/* The whole of fp, NUL-terminated, as file `path`; NULL with errno on a read error. */
static src_file *src_read(arena *a, FILE *fp, const char *path) {
  size_t cap = 4096, len = 0;
  char *buf = arena_alloc(a, cap);
  for (;;) {
    if (len + 1 >= cap) {   /* keep room for the NUL; old buffers stay in the arena */
      char *bigger = arena_alloc(a, cap * 2);
      memcpy(bigger, buf, len);
      buf = bigger;
      cap *= 2;
    }
    size_t n = fread(buf + len, 1, cap - len - 1, fp);
    len += n;
    if (n == 0) break;
  }
  int err = ferror(fp) ? errno : 0;
  if (err) {
    errno = err ? err : EIO;
    return NULL;
  }
  buf[len] = 0;
  src_file *f = arena_alloc(a, sizeof *f);
  f->path = arena_strndup(a, path, strlen(path));
  f->text = buf;
  f->len = (long)len;
  return f;
}

src_file *src_load(arena *a, const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  src_file *f = src_read(a, fp, path);
  int err = errno;
  fclose(fp);
  errno = err;
  return f;
}

src_file *src_load_stdin(arena *a) {
  return src_read(a, stdin, "<stdin>");
}

src_file *src_from_string(arena *a, const char *path, const char *text) {
  src_file *f = arena_alloc(a, sizeof *f);
  f->path = arena_strndup(a, path, strlen(path));
  f->text = text;
  f->len = (long)strlen(text);
  return f;
}

int parse_file(arena *a, diag_ctx *d, ast_program *p, const src_file *f) {
  int before = d->errors;
  parse_ctx pc;
  lex_init(&pc, a, d, f);
  pc.prog = p;
  ptrvec_push(a, &p->files, (void *)f);
  if (yyparse(&pc) != 0 && d->errors == before)
    diag_error(d, (span){f, 1, 1, 0}, DIAG_E0100, "cannot parse this file");
  return d->errors - before;
}
