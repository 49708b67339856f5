/* fmt.h: `pipec fmt`, the formatter. It prints a parsed file in the canonical layout
 * (docs/language.md, "Layout"): declarations from column 0, one `| op` per line, blocks one
 * item per line or on one line as written, spacing by token pairs. Tokens are copied from
 * the source as written (literals keep their spelling, parentheses stay) and every comment
 * is kept, so formatting never changes what a program means. fmt(fmt(x)) == fmt(x).
 * A line break the author wrote elsewhere is kept as a continuation line; no line is
 * wrapped for width. fmt.c lays the tokens out, fmt_lex.c finds them and the comments
 * between them, fmt_lines.c renders the lines (fmt_internal.h). */
#ifndef PIPE_FMT_H
#define PIPE_FMT_H

#include <stddef.h>
#include "ast.h"

/* The text of f in the canonical layout, NUL-terminated, in arena a; its length in *len.
 * prog is what parse_file made of f, without errors (imports not expanded). */
char *fmt_source(arena *a, const src_file *f, const ast_program *prog, size_t *len);

#endif
