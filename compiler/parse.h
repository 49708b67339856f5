/* parse.h: the front end's entry points. The lexer (lex.re) and parser (parse.y) turn a
 * loaded file into declarations in the compilation's arena, reporting every syntax error
 * they can recover from. */
#ifndef PIPE_PARSE_H
#define PIPE_PARSE_H

#include "ast.h"

/* Reads `path` into the arena; NULL (with errno set) if it cannot be read. */
src_file *src_load(arena *a, const char *path);
/* Standard input as the file "<stdin>" (`pipec fmt -`, `pipec check -`). */
src_file *src_load_stdin(arena *a);
/* A file held in memory (tests, fuzzing). `text` must stay alive and be NUL-terminated. */
src_file *src_from_string(arena *a, const char *path, const char *text);

/* Parses f and appends its declarations to p->decls (and f to p->files). Returns the
 * number of errors reported. */
int parse_file(arena *a, diag_ctx *d, ast_program *p, const src_file *f);

#endif
