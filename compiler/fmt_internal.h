/* fmt_internal.h: what the formatter's files share. fmt_lex.c cuts the source into tokens,
 * each carrying the comments and line breaks written before it; fmt.c decides where each
 * token goes (which line, which indent, which spacing); fmt_lines.c collects the output
 * lines and renders them, aligning the trailing comments of consecutive lines. */
#ifndef PIPE_FMT_INTERNAL_H
#define PIPE_FMT_INTERNAL_H

#include <stdbool.h>
#include "ast.h"

/* A `#` comment as written, without the line break and the blanks before it. */
typedef struct fmt_comment {
  const char *text;
  int len;
  bool trailing;          /* on the line of the token before it */
  bool blank;             /* an empty line between it and what comes before */
} fmt_comment;

/* What spacing and layout need to know about a token's kind. */
typedef enum fmt_class {
  FC_NAME,                /* a name or a dotted name */
  FC_LIT,                 /* integer, float, duration, string */
  FC_WORD,                /* a keyword */
  FC_PUNCT,               /* an operator or a bracket */
  FC_EOF,                 /* the end of the file: holds the comments after the last token */
} fmt_class;

/* The place of a token in the layout, set by fmt.c. */
typedef enum fmt_role {
  FR_PLAIN,
  FR_DECL,                /* the first token of a declaration */
  FR_PIPE,                /* a flow's `|` */
  FR_OPEN,                /* a block's `{` (schema, select, window, aggregate) */
  FR_ITEM,                /* the first token of a block item */
  FR_COMMA,               /* a comma between two block items */
  FR_TRAIL,               /* a comma after the last block item */
  FR_CLOSE,               /* a block's `}` */
} fmt_role;

typedef struct fmt_tok {
  fmt_class cls;
  fmt_role role;
  bool unary;             /* a `-` that negates (fmt.c) */
  const char *text;       /* the source bytes, printed as they are */
  int len;
  int line, col;
  fmt_comment *comments;  /* the comments between the previous token and this one */
  int ncomments;
  int breaks;             /* line breaks between the last of them (or the previous token)
                           * and this token */
} fmt_tok;

/* The tokens of f, which parsed without errors; the last one is FC_EOF. */
fmt_tok *fmt_lex(arena *a, const src_file *f, int *ntoks);

/* ---- output lines (fmt_lines.c) ---- */

/* A line: indent, code and a trailing comment, or a comment alone (code empty). */
typedef struct fmt_line {
  int indent;
  long code;              /* offset of the code in fmt_out.buf */
  int len;
  const fmt_comment *comment;
  bool blank;             /* an empty line before this one */
} fmt_line;

/* The lines made so far. Code is appended to the last line only, so every line's code
 * is one range of buf; both arrays are sized up front from the input (fmt_out_init). */
typedef struct fmt_out {
  arena *a;
  char *buf;
  long used;
  fmt_line *lines;
  int n;
} fmt_out;

void fmt_out_init(fmt_out *o, arena *a, long code_cap, int line_cap);
/* Starts a line. blank asks for an empty line before it, which is dropped at the start of
 * the file and after a line ending with `{`. */
void fmt_out_line(fmt_out *o, int indent, bool blank);
void fmt_out_text(fmt_out *o, const char *s, int len, bool space);
/* Whether the last line has code and no comment yet, so a trailing comment can go there. */
bool fmt_out_can_trail(const fmt_out *o);
void fmt_out_trail(fmt_out *o, const fmt_comment *c);
/* The text of all lines, trailing comments aligned; NUL-terminated, length in *len. */
char *fmt_out_render(fmt_out *o, size_t *len);

#endif
