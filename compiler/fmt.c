/* fmt.c: `pipec fmt`, the layout. Every token of the file is printed as written, in order,
 * and every comment is kept; what changes is where lines break, how they are indented and
 * the spaces between tokens (docs/language.md, "Layout"). The parse tree tells where each
 * declaration starts; the rest of the structure is in the tokens themselves: only flows
 * use `|`, and every `{` opens a block of comma-separated items.
 *
 * Line breaks are of two kinds. Structural ones are the layout's own: before a
 * declaration, before each `| op`, around each item of a multi-line block. Any other break
 * is the author's and is kept as a continuation line, indented two more than the line it
 * continues, except a break before `{`, before a block's `,` or before the `}` of a block
 * kept on one line, which would only make the layout unstable. A comment ends its line, so
 * what follows it always starts a new one. */
#include <string.h>

#include "fmt.h"
#include "fmt_internal.h"

/* A block between `{` and `}`, as the layout prints it. */
typedef struct block {
  bool open;              /* the current token is inside it */
  bool multi;             /* one item per line (else all on the `{` line) */
  bool empty;             /* no items */
  bool trailing;          /* the author wrote a comma after the last item */
  int item, close;        /* indents of the items and of `}` when multi */
} block;

typedef struct layout {
  fmt_out out;
  const fmt_tok *prev;    /* the last token printed */
  int indent;             /* of the structural line being continued */
  bool must_break;        /* a comment ended the line */
  block blk;
} layout;

static bool is(const fmt_tok *t, const char *s) {
  return t->len == (int)strlen(s) && memcmp(t->text, s, (size_t)t->len) == 0;
}

/* ---- the roles of tokens ---- */

/* Whether a `-` after p subtracts, p being the end of an operand. */
static bool ends_operand(const fmt_tok *p) {
  return p->cls == FC_NAME || p->cls == FC_LIT || is(p, ")") || is(p, "true") ||
         is(p, "false") || is(p, "null");
}

/* The role of toks[i] inside a block (at bracket depth 0 there); FR_PLAIN elsewhere. */
static fmt_role block_role(const fmt_tok *toks, int i) {
  const fmt_tok *t = &toks[i];
  if (is(t, "}")) return FR_CLOSE;
  if (is(t, ",")) return is(&toks[i + 1], "}") ? FR_TRAIL : FR_COMMA;
  fmt_role before = toks[i - 1].role;
  return before == FR_OPEN || before == FR_COMMA ? FR_ITEM : FR_PLAIN;
}

/* Sets role and unary of every token. Declarations start where the parser says (their
 * first token), in the order of prog->decls, which is the order of the file. */
static void mark(fmt_tok *toks, int n, const ast_program *prog) {
  int d = 0, depth = 0;
  bool in_block = false;
  for (int i = 0; i < n; i++) {
    fmt_tok *t = &toks[i];
    const ast_decl *decl = d < prog->decls.len ? prog->decls.items[d] : NULL;
    t->unary = is(t, "-") && (i == 0 || !ends_operand(&toks[i - 1]));
    if (decl && t->line == decl->at.line && t->col == decl->at.col) {
      t->role = FR_DECL;
      d++;
      depth = 0;
      in_block = false;
    } else if (in_block && depth == 0) {
      t->role = block_role(toks, i);
      in_block = t->role != FR_CLOSE;
    } else if (depth == 0 && is(t, "|")) {
      t->role = FR_PIPE;
    }
    if (is(t, "{") && !in_block) {
      t->role = FR_OPEN;
      in_block = true;
    }
    depth += is(t, "(") - is(t, ")");
  }
}

/* ---- spacing and line breaks ---- */

static bool space_before(const fmt_tok *p, const fmt_tok *t) {
  if (is(t, ",") || is(t, ":") || is(t, ")") || is(t, "?") || is(p, "(")) return false;
  if (is(p, "..") || is(t, "..") || p->unary) return false;
  if (is(t, "(") && (p->cls == FC_NAME || is(p, "retry") || is(p, "breaker"))) return false;
  return !(is(p, "{") && is(t, "}"));
}

static bool multi(const layout *l) {
  return l->blk.open && l->blk.multi;
}

/* The indent of t if it starts a line. */
static int indent_of(const layout *l, const fmt_tok *t) {
  if (t->role == FR_DECL) return 0;
  if (t->role == FR_PIPE) return 2;
  if (multi(l) && t->role == FR_ITEM) return l->blk.item;
  if (multi(l) && t->role == FR_CLOSE) return l->blk.close;
  return l->indent + 2;
}

static bool structural(const layout *l, const fmt_tok *t) {
  return t->role == FR_DECL || t->role == FR_PIPE ||
         (multi(l) && (t->role == FR_ITEM || t->role == FR_CLOSE));
}

static bool starts_line(const layout *l, const fmt_tok *t) {
  if (!l->prev || structural(l, t) || l->must_break) return true;
  if (t->breaks == 0 || is(t, "{")) return false;
  return !(l->blk.open && t->role == FR_CLOSE);
}

/* ---- blocks ---- */

/* Called at the `{` toks[i]: one item per line in a schema, when the author broke the
 * line after `{`, or when a comment is inside; else on one line. */
static block open_block(const fmt_tok *toks, int i, bool schema) {
  block b = {.open = true, .item = schema ? 2 : 6, .close = schema ? 0 : 4};
  bool comments = false;
  int j = i + 1;
  for (;; j++) {
    comments |= toks[j].ncomments > 0;
    if (toks[j].role == FR_CLOSE || toks[j].cls == FC_EOF) break;
  }
  b.empty = j == i + 1;
  b.trailing = toks[j - 1].role == FR_TRAIL;
  b.multi = comments || (!b.empty && (schema || toks[i + 1].breaks > 0));
  return b;
}

/* In a multi-line block the comma after an item, written or not, goes right after it,
 * before any comment between them. */
static void item_comma(layout *l, const fmt_tok *t) {
  if (!multi(l)) return;
  bool comma = t->role == FR_COMMA || t->role == FR_TRAIL;
  if (comma || (t->role == FR_CLOSE && !l->blk.empty && !l->blk.trailing))
    fmt_out_text(&l->out, ",", 1, false);
}

/* ---- the layout ---- */

static void comments(layout *l, const fmt_tok *t) {
  int indent = t->cls == FC_EOF ? 0 : indent_of(l, t);
  if (multi(l) && (t->role == FR_CLOSE || t->role == FR_COMMA || t->role == FR_TRAIL))
    indent = l->blk.item;   /* a comment at the end of a block belongs to its items */
  for (int k = 0; k < t->ncomments; k++) {
    const fmt_comment *c = &t->comments[k];
    if (c->trailing && fmt_out_can_trail(&l->out)) {
      fmt_out_trail(&l->out, c);
    } else {
      fmt_out_line(&l->out, indent, c->blank);
      fmt_out_trail(&l->out, c);
    }
    l->must_break = true;
  }
}

/* Prints t, the i-th token, unless the layout drops or has already printed it. */
static void token(layout *l, const fmt_tok *toks, int i, bool schema) {
  const fmt_tok *t = &toks[i];
  bool comma = t->role == FR_COMMA || t->role == FR_TRAIL;
  if ((multi(l) && comma) || (l->blk.open && !l->blk.multi && t->role == FR_TRAIL)) return;
  if (starts_line(l, t)) {
    bool before_close = multi(l) && t->role == FR_CLOSE;
    fmt_out_line(&l->out, indent_of(l, t), t->breaks >= 2 && !before_close);
    if (structural(l, t)) l->indent = t->role == FR_PIPE ? 4 : indent_of(l, t);
  }
  fmt_out_text(&l->out, t->text, t->len, l->prev && space_before(l->prev, t));
  l->prev = t;
  l->must_break = false;
  if (t->role == FR_OPEN) l->blk = open_block(toks, i, schema);
  if (t->role == FR_CLOSE) l->blk.open = false;
}

char *fmt_source(arena *a, const src_file *f, const ast_program *prog, size_t *len) {
  int n, ncomments = 0;
  fmt_tok *toks = fmt_lex(a, f, &n);
  mark(toks, n, prog);
  for (int i = 0; i < n; i++) ncomments += toks[i].ncomments;
  layout l = {0};
  /* Code is the tokens, a space before each and a comma per block item at most. */
  fmt_out_init(&l.out, a, f->len + 2L * n + 1, n + ncomments + 1);
  bool schema = false;
  for (int i = 0; i < n; i++) {
    const fmt_tok *t = &toks[i];
    if (t->role == FR_DECL) schema = is(t, "schema");
    item_comma(&l, t);
    comments(&l, t);
    if (t->cls != FC_EOF) token(&l, toks, i, schema);
  }
  return fmt_out_render(&l.out, len);
}
