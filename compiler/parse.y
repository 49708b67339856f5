/* parse.y: the grammar of Pipe. Each action is one call into parse_util.c, which builds
 * the tree in the compilation's arena. Syntax errors are all E0100 and are recovered from
 * at two levels, so that one run reports several of them:
 * - inside brackets (schema fields, fn parameters, select items, window aggregates) an
 *   `error` item skips to the next `,` or closing bracket;
 * - at declaration level `decl: error` drops the lookahead and tells the lexer to skip
 *   tokens until the next declaration keyword or an identifier in column 1 (the start of
 *   a flow statement).
 * The words after `on` (`error`, `late`) and the policies they take are checked by
 * parse_util.c, since `late` is a name and not a keyword.
 * Locations are parse_loc (lex.h): the span of a symbol on its first line. */

%code requires {
#include "lex.h"
}

%code provides {
int lex_scan(parse_ctx *pc, YYSTYPE *lval);
}

%code {
#include <string.h>

#define YYLLOC_DEFAULT(Cur, Rhs, N) parse_loc_merge(&(Cur), (Rhs), (N))
static int yylex(YYSTYPE *lval, YYLTYPE *lloc, parse_ctx *pc);
static void yyerror(const YYLTYPE *lloc, parse_ctx *pc, const char *msg);
static ast_decl *skip_decl(parse_ctx *pc, int *lookahead, const YYLTYPE *lloc);
}

%define api.pure full
%define api.location.type {parse_loc}
%locations
%param {parse_ctx *pc}
%define parse.error custom
%define parse.lac full
%expect 0

%initial-action {
  @$ = (parse_loc){{pc->f, 1, 1, 0}, 1, 1};
}

%union {
  const char *id;
  int64_t i;
  double f;
  lex_str str;
  bin_op bop;
  ast_expr *expr;
  ast_decl *decl;
  ast_op *op;
  ast_flow *flow;
  ast_conn *conn;
  ast_policy *policy;
  ast_sel_item *item;
  ast_field *field;
  ast_arg *arg;
  ast_type type;
  ptrvec vec;
  parse_wm wm;
  parse_pol pol;
}

/* Every semantic value lives in the arena and is freed with it, so no %destructor is
 * needed: values Bison discards during error recovery are simply never linked in. */

%token <id> IDENT "name" DOTTED "dotted name"
%token <i> INT "integer" DURATION "duration"
%token <f> FLOAT "float"
%token <str> STRING "string"
%token KW_SCHEMA "schema" KW_PARAM "param" KW_CONST "const" KW_FN "fn" KW_EXTERN "extern"
       KW_SOURCE "source" KW_LET "let" KW_IMPORT "import" KW_FILTER "filter"
       KW_SELECT "select" KW_WINDOW "window" KW_AGGREGATE "aggregate" KW_SINK "sink"
       KW_ON "on" KW_ERROR "error" KW_WATERMARK "watermark" KW_BY "by" KW_EVERY "every"
       KW_IF "if" KW_THEN "then" KW_ELSE "else" KW_AND "and" KW_OR "or" KW_NOT "not"
       KW_TRUE "true" KW_FALSE "false" KW_NULL "null"
%token <id> KW_RETRY "retry" KW_BREAKER "breaker"   /* only before `(`: see lex.re */
%token ARROW "->" COALESCE "??" ELLIPSIS "..." DOTDOT ".." EQ "==" NE "!=" LE "<=" GE ">="

%type <decl> decl fn_head
%type <type> type
%type <field> field
%type <vec> fields field_list ops items item_list aggs agg_list args arg_list exprs
%type <vec> by keys call_args dargs darg_list
%type <flow> flow let_flow
%type <op> op select window win_op sink
%type <item> item agg key
%type <conn> conn
%type <arg> arg darg
%type <pol> policy
%type <policy> policy_opt
%type <wm> watermark
%type <expr> expr every or and not cmp coal add mul unary postfix primary
%type <id> fname callee
%type <bop> cmp_op

%%

program
  : %empty
  | program decl                                  { parse_add_decl(pc, $2); }
  ;

decl
  : "schema" IDENT '{' fields '}'                 { $$ = parse_schema(pc, @1.at, $2, @2.at, $4); }
  | "param" IDENT ':' type                        { $$ = parse_param(pc, @1.at, $2, @2.at, $4, NULL); }
  | "param" IDENT ':' type '=' expr               { $$ = parse_param(pc, @1.at, $2, @2.at, $4, $6); }
  | "const" IDENT '=' expr                        { $$ = parse_const(pc, @1.at, $2, @2.at, $4); }
  | fn_head "->" type '=' expr                    { $$ = parse_fn_finish(pc, $1, $3, $5); }
  | "extern" fn_head "->" type                    { $$ = parse_extern(pc, @1.at, $2, $4); }
  /* `from "LIB"`, the end of an extern fn (parse_decl.c says why it is a rule of its own) */
  | IDENT STRING                                  { $$ = parse_extern_from(pc, $1, @1.at, $2, @2.at); }
  | "source" IDENT ':' IDENT '=' conn watermark policy_opt
      { $$ = parse_source(pc, @1.at, $2, @2.at, $4, @4.at, $6, $7, $8); }
  | "let" IDENT '=' let_flow                      { $$ = parse_let(pc, @1.at, $2, @2.at, $4); }
  | flow                                          { $$ = parse_flow_decl(pc, $1); }
  | "import" STRING                               { $$ = parse_import(pc, @1.at, $2, @2.at); }
  | error                                         { $$ = skip_decl(pc, &yychar, &yylloc); }
  ;

/* A list's closing bracket ends its own rule, so that an error after the list cannot
 * unwind into the list's `error` item and swallow the declarations that follow. */
fn_head
  : "fn" callee '(' fields ')'                    { $$ = parse_fn(pc, @1.at, $2, @2.at, $4); }
  ;

type
  : IDENT                                         { $$ = parse_type(pc, @1.at, $1, false); }
  | IDENT '?'                                     { $$ = parse_type(pc, @$.at, $1, true); }
  ;

fields
  : %empty                                        { $$ = (ptrvec){0}; }
  | field_list
  | field_list ','
  ;

field_list
  : field                                         { $$ = parse_vec(pc, $1); }
  | field_list ',' field                          { $$ = parse_push(pc, $1, $3); }
  ;

field
  : fname ':' type                                { $$ = parse_field(pc, @1.at, $1, $3); }
  | error                                         { $$ = NULL; }
  ;

watermark
  : %empty                                        { $$ = (parse_wm){0}; }
  | "watermark" fname '-' expr                    { $$ = (parse_wm){$2, @2.at, $4}; }
  ;

policy_opt
  : %empty                                        { $$ = NULL; }
  | "on" "error" policy                           { $$ = parse_policy(pc, $3); }
  ;

/* The policy word is checked by whoever knows which clause it is in (`on error`, `on late`). */
policy
  : IDENT                                         { $$ = (parse_pol){$1, @1.at, NULL}; }
  | IDENT '(' conn ')'                            { $$ = (parse_pol){$1, @$.at, $3}; }
  ;

conn
  : IDENT '(' args ')'                            { $$ = parse_conn(pc, @$.at, $1, $3); }
  ;

args
  : %empty                                        { $$ = (ptrvec){0}; }
  | arg_list
  | arg_list ','
  ;

arg_list
  : arg                                           { $$ = parse_vec(pc, $1); }
  | arg_list ',' arg                              { $$ = parse_push(pc, $1, $3); }
  ;

arg
  : expr                                          { $$ = parse_arg(pc, @1.at, NULL, $1); }
  | IDENT '=' expr                                { $$ = parse_arg(pc, @$.at, $1, $3); }
  ;

/* ---- flows ---- */

let_flow
  : IDENT                                         { $$ = parse_flow(pc, @1.at, $1, (ptrvec){0}); }
  | flow
  ;

flow
  : IDENT ops                                     { $$ = parse_flow(pc, @$.at, $1, $2); }
  ;

ops
  : '|' op                                        { $$ = parse_vec(pc, $2); }
  | ops '|' op                                    { $$ = parse_push(pc, $1, $3); }
  ;

op
  : "filter" expr policy_opt                      { $$ = parse_filter(pc, @1.at, $2, $3); }
  | select policy_opt                             { $$ = parse_op_policy(pc, $1, $2); }
  | win_op
  | sink
  ;

/* `sink CONN` and its delivery clauses, in any order: `retry(...)`, `breaker(...)` and
 * `on error POLICY` (what happens to a batch that cannot be delivered). */
sink
  : "sink" conn                                   { $$ = parse_sink(pc, @1.at, $2); }
  | sink "retry" '(' dargs ')'                    { $$ = parse_sink_clause(pc, $1, "retry", @2.at, $4); }
  | sink "breaker" '(' dargs ')'                  { $$ = parse_sink_clause(pc, $1, "breaker", @2.at, $4); }
  | sink "on" "error" policy                      { $$ = parse_sink_on(pc, $1, @3.at, $4); }
  ;

/* A clause's arguments: those of a connector, or a range `name = lo..hi`. */
dargs
  : %empty                                        { $$ = (ptrvec){0}; }
  | darg_list
  | darg_list ','
  ;

darg_list
  : darg                                          { $$ = parse_vec(pc, $1); }
  | darg_list ',' darg                            { $$ = parse_push(pc, $1, $3); }
  ;

darg
  : arg
  | IDENT '=' expr ".." expr                      { $$ = parse_range_arg(pc, @$.at, $1, $3, $5); }
  ;

select
  : "select" '{' items '}'                        { $$ = parse_select(pc, @1.at, $3); }
  ;

window
  : "window" IDENT expr every by '{' aggs '}'     { $$ = parse_window(pc, @1.at, $2, @2.at, $3, $4, $5, $7); }
  | "aggregate" by '{' aggs '}'                   { $$ = parse_aggregate(pc, @1.at, $2, $4); }
  ;

/* `on error P` and `on late P` after a window, in either order; `late` is a name, not a
 * keyword, so that it stays usable as a field name. */
win_op
  : window
  | win_op "on" "error" policy                    { $$ = parse_win_on(pc, $1, "error", @3.at, $4); }
  | win_op "on" IDENT policy                      { $$ = parse_win_on(pc, $1, $3, @3.at, $4); }
  ;

every
  : %empty                                        { $$ = NULL; }
  | "every" expr                                  { $$ = $2; }
  ;

by
  : %empty                                        { $$ = (ptrvec){0}; }
  | "by" keys                                     { $$ = $2; }
  ;

keys
  : key                                           { $$ = parse_vec(pc, $1); }
  | keys ',' key                                  { $$ = parse_push(pc, $1, $3); }
  ;

/* A bare name keys by that field; any other expression needs a name (sema says so). */
key
  : expr                                          { $$ = parse_key(pc, @1.at, NULL, $1); }
  | fname '=' expr                                { $$ = parse_key(pc, @$.at, $1, $3); }
  ;

items
  : %empty                                        { $$ = (ptrvec){0}; }
  | item_list
  | item_list ','
  ;

item_list
  : item                                          { $$ = parse_vec(pc, $1); }
  | item_list ',' item                            { $$ = parse_push(pc, $1, $3); }
  ;

item
  : fname                                         { $$ = parse_item(pc, @1.at, SEL_FIELD, $1, NULL); }
  | fname '=' expr                                { $$ = parse_item(pc, @$.at, SEL_EXPR, $1, $3); }
  | "..."                                         { $$ = parse_item(pc, @1.at, SEL_ALL, NULL, NULL); }
  | error                                         { $$ = NULL; }
  ;

aggs
  : %empty                                        { $$ = (ptrvec){0}; }
  | agg_list
  | agg_list ','
  ;

agg_list
  : agg                                           { $$ = parse_vec(pc, $1); }
  | agg_list ',' agg                              { $$ = parse_push(pc, $1, $3); }
  ;

agg
  : fname '=' expr                                { $$ = parse_item(pc, @$.at, SEL_EXPR, $1, $3); }
  | error                                         { $$ = NULL; }
  ;

/* ---- expressions, lowest precedence first ---- */

exprs
  : expr                                          { $$ = parse_vec(pc, $1); }
  | exprs ',' expr                                { $$ = parse_push(pc, $1, $3); }
  ;

expr
  : "if" expr "then" expr "else" expr             { $$ = parse_if(pc, @$.at, $2, $4, $6); }
  | or
  ;

or
  : or "or" and                                   { $$ = parse_binary(pc, @$.at, BIN_OR, $1, $3); }
  | and
  ;

and
  : and "and" not                                 { $$ = parse_binary(pc, @$.at, BIN_AND, $1, $3); }
  | not
  ;

not
  : "not" not                                     { $$ = parse_unary(pc, @$.at, UN_NOT, $2); }
  | cmp
  ;

/* Comparisons do not chain: `a < b < c` is a syntax error. */
cmp
  : coal cmp_op coal                              { $$ = parse_binary(pc, @$.at, $2, $1, $3); }
  | coal
  ;

cmp_op
  : "=="  { $$ = BIN_EQ; }
  | "!="  { $$ = BIN_NE; }
  | '<'   { $$ = BIN_LT; }
  | "<="  { $$ = BIN_LE; }
  | '>'   { $$ = BIN_GT; }
  | ">="  { $$ = BIN_GE; }
  ;

coal
  : add "??" coal                                 { $$ = parse_binary(pc, @$.at, BIN_COALESCE, $1, $3); }
  | add
  ;

add
  : add '+' mul                                   { $$ = parse_binary(pc, @$.at, BIN_ADD, $1, $3); }
  | add '-' mul                                   { $$ = parse_binary(pc, @$.at, BIN_SUB, $1, $3); }
  | mul
  ;

mul
  : mul '*' unary                                 { $$ = parse_binary(pc, @$.at, BIN_MUL, $1, $3); }
  | mul '/' unary                                 { $$ = parse_binary(pc, @$.at, BIN_DIV, $1, $3); }
  | mul '%' unary                                 { $$ = parse_binary(pc, @$.at, BIN_MOD, $1, $3); }
  | unary
  ;

unary
  : '-' unary                                     { $$ = parse_unary(pc, @$.at, UN_NEG, $2); }
  | postfix
  ;

postfix
  : callee '(' call_args ')'                      { $$ = parse_call(pc, @$.at, $1, @1.at, $3); }
  | primary
  ;

call_args
  : %empty                                        { $$ = (ptrvec){0}; }
  | exprs
  | exprs ','
  ;

primary
  : INT                                           { $$ = parse_int(pc, @1.at, $1); }
  | FLOAT                                         { $$ = parse_float(pc, @1.at, $1); }
  | STRING                                        { $$ = parse_string(pc, @1.at, $1); }
  | DURATION                                      { $$ = parse_duration(pc, @1.at, $1); }
  | "true"                                        { $$ = parse_bool(pc, @1.at, true); }
  | "false"                                       { $$ = parse_bool(pc, @1.at, false); }
  | "null"                                        { $$ = parse_null(pc, @1.at); }
  | fname                                         { $$ = parse_name(pc, @1.at, $1); }
  | '(' expr ')'                                  { $$ = $2; }
  ;

/* The name of a function, also `retry` and `breaker`, which are words only after a sink. */
callee
  : IDENT
  | "retry"
  | "breaker"
  ;

/* A field's name: a name, or a dotted name (`user.id`), which names fields only. */
fname
  : IDENT
  | DOTTED
  ;

%%

/* ---- the lexer's wrapper ---- */

static parse_loc token_loc(parse_ctx *pc, int tok) {
  parse_loc l;
  if (tok == YYEOF)   /* just after the last token, so the caret lands on a real line */
    l.at = (span){pc->f, pc->last_line, pc->last_col, 1};
  else
    l.at = lex_span(pc, pc->tok, pc->cur);
  l.end_line = l.at.line;
  l.end_col = l.at.col + (tok == YYEOF ? 0 : l.at.len);
  return l;
}

static bool decl_start(int tok, const parse_loc *l) {
  switch (tok) {
  case YYEOF: case KW_SCHEMA: case KW_PARAM: case KW_CONST: case KW_FN: case KW_EXTERN:
  case KW_SOURCE: case KW_LET: case KW_IMPORT:
    return true;
  case IDENT:
    return l->at.col == 1;
  default:
    return false;
  }
}

static void track_bracket(parse_ctx *pc, int tok, span at) {
  if (tok == '(' || tok == '{') {
    if (pc->nopen < (int)(sizeof pc->open / sizeof pc->open[0]))
      pc->open[pc->nopen].ch = (char)tok, pc->open[pc->nopen].at = at;
    pc->nopen++;
  } else if ((tok == ')' || tok == '}') && pc->nopen > 0) {
    pc->nopen--;
  }
}

static int yylex(YYSTYPE *lval, YYLTYPE *lloc, parse_ctx *pc) {
  for (;;) {
    int tok = lex_scan(pc, lval);
    *lloc = token_loc(pc, tok);
    if (pc->resync && !decl_start(tok, lloc)) continue;
    if (pc->resync) pc->nopen = 0;   /* recovery starts a new declaration afresh */
    pc->resync = false;
    track_bracket(pc, tok, lloc->at);
    if (tok != YYEOF) {
      pc->last_line = lloc->end_line;
      pc->last_col = lloc->end_col;
    }
    return tok;
  }
}

/* `decl: error`: drop a lookahead that cannot start a declaration and let the lexer skip
 * to one that can. */
static ast_decl *skip_decl(parse_ctx *pc, int *lookahead, const YYLTYPE *lloc) {
  if (*lookahead == YYEMPTY) {
    pc->resync = true;
  } else if (!decl_start(*lookahead, lloc)) {
    *lookahead = YYEMPTY;
    pc->resync = true;
  }
  return NULL;
}

/* ---- syntax error messages ---- */

static bool is_literal(yysymbol_kind_t s) {
  return s == YYSYMBOL_IDENT || s == YYSYMBOL_DOTTED || s == YYSYMBOL_INT || s == YYSYMBOL_FLOAT ||
         s == YYSYMBOL_STRING || s == YYSYMBOL_DURATION;
}

/* How a token is named in messages: "name", "end of file", "`|`", "`select`". */
static const char *sym_text(yysymbol_kind_t s, char *buf, size_t n) {
  const char *name = yysymbol_name(s);
  size_t len = strlen(name);
  if (is_literal(s) || s == YYSYMBOL_YYEOF || s == YYSYMBOL_YYerror || s == YYSYMBOL_YYUNDEF)
    snprintf(buf, n, "%s", name);
  else if (len >= 2 && (name[0] == '"' || name[0] == '\''))   /* 'x' character tokens */
    snprintf(buf, n, "`%.*s`", (int)len - 2, name + 1);
  else
    snprintf(buf, n, "`%s`", name);
  return buf;
}

static bool starts_expr(yysymbol_kind_t s) {
  if (is_literal(s) || s == YYSYMBOL_KW_TRUE || s == YYSYMBOL_KW_FALSE ||
      s == YYSYMBOL_KW_NULL || s == YYSYMBOL_KW_NOT || s == YYSYMBOL_KW_IF ||
      s == YYSYMBOL_KW_RETRY || s == YYSYMBOL_KW_BREAKER)   /* calls: see `callee` */
    return true;
  const char *name = yysymbol_name(s);
  return strcmp(name, "'('") == 0 || strcmp(name, "'-'") == 0;
}

static bool starts_decl(yysymbol_kind_t s) {
  return s == YYSYMBOL_KW_SCHEMA || s == YYSYMBOL_KW_PARAM || s == YYSYMBOL_KW_CONST ||
         s == YYSYMBOL_KW_FN || s == YYSYMBOL_KW_EXTERN || s == YYSYMBOL_KW_SOURCE ||
         s == YYSYMBOL_KW_LET || s == YYSYMBOL_KW_IMPORT || s == YYSYMBOL_IDENT;
}

/* ", expected `,` or `}`" into buf, grouping expression and declaration starters; empty
 * when too many tokens would fit to be worth listing. */
static void expected_text(const yypcontext_t *ctx, char *buf, size_t n) {
  yysymbol_kind_t exp[YYNTOKENS];
  int nexp = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
  bool has_expr = false, has_decl = false, has_pipe = false;
  for (int i = 0; i < nexp; i++) {
    has_expr |= exp[i] == YYSYMBOL_INT;
    has_decl |= exp[i] == YYSYMBOL_KW_SCHEMA;
    has_pipe |= strcmp(yysymbol_name(exp[i]), "'|'") == 0;
  }
  /* After a name that starts a declaration, a string would only be the `from "LIB"` of an
   * extern fn (the rule `IDENT STRING`): not worth suggesting where a flow wants `|`. */
  int kept = 0;
  for (int i = 0; i < nexp; i++)
    if (!has_pipe || exp[i] != YYSYMBOL_STRING) exp[kept++] = exp[i];
  nexp = nexp < 0 ? nexp : kept;
  const char *items[8];
  char names[8][32];
  int k = 0;
  if (has_expr) items[k++] = "expression";
  if (has_decl) items[k++] = "declaration";
  for (int i = 0; i < nexp && k < 8; i++) {
    if ((has_expr && starts_expr(exp[i])) || (has_decl && starts_decl(exp[i]))) continue;
    items[k] = sym_text(exp[i], names[k], sizeof names[k]);
    k++;
  }
  buf[0] = 0;
  if (nexp <= 0 || k == 0 || k > 5) return;
  size_t len = (size_t)snprintf(buf, n, ", expected ");
  for (int i = 0; i < k && len < n; i++)
    len += (size_t)snprintf(buf + len, n - len, "%s%s", i == 0 ? "" : i == k - 1 ? " or " : ", ",
                            items[i]);
}

/* A syntax error at the end of the file, or at the start of a line that begins in
 * column 1 (where declarations begin) on a later line than the innermost open bracket, is
 * most often that bracket left unclosed: say where it was opened. */
static void note_unclosed(parse_ctx *pc, yysymbol_kind_t la, span at) {
  int top = pc->nopen - 1;
  if (top < 0 || top >= (int)(sizeof pc->open / sizeof pc->open[0])) return;
  if (la != YYSYMBOL_YYEOF && (at.col != 1 || pc->open[top].at.line >= at.line)) return;
  char close = pc->open[top].ch == '(' ? ')' : '}';
  diag_note(pc->d, pc->open[top].at, "this `%c` is not closed; is a `%c` missing?",
            pc->open[top].ch, close);
  pc->nopen = 0;   /* said once: later errors are not about it */
}

static int yyreport_syntax_error(const yypcontext_t *ctx, parse_ctx *pc) {
  yysymbol_kind_t la = yypcontext_token(ctx);
  const YYLTYPE *loc = yypcontext_location(ctx);
  char what[48], expected[256];
  sym_text(la, what, sizeof what);
  expected_text(ctx, expected, sizeof expected);
  if (is_literal(la)) {
    int n = (int)(pc->cur - pc->tok);
    diag_error(pc->d, loc->at, DIAG_E0100, "unexpected %s `%.*s%s`%s", what, n > 32 ? 32 : n,
               pc->tok, n > 32 ? "..." : "", expected);
  } else {
    diag_error(pc->d, loc->at, DIAG_E0100, "unexpected %s%s", what, expected);
  }
  note_unclosed(pc, la, loc->at);
  return 0;
}

static void yyerror(const YYLTYPE *lloc, parse_ctx *pc, const char *msg) {
  diag_error(pc->d, lloc->at, DIAG_E0100, "%s", msg);
}

/* ---- tokens for tests and tools ---- */

int lex_token_next(parse_ctx *pc, lex_token *t) {
  YYSTYPE v;
  YYLTYPE l;
  char buf[48];
  memset(t, 0, sizeof *t);
  memset(&v, 0, sizeof v);
  t->kind = yylex(&v, &l, pc);
  t->at = l.at;
  sym_text(YYTRANSLATE(t->kind), buf, sizeof buf);
  t->name = arena_intern(pc->a, buf, strlen(buf));
  switch (t->kind) {
  case IDENT: case DOTTED: case KW_RETRY: case KW_BREAKER:
    t->str = (lex_str){v.id, (int64_t)strlen(v.id)};
    break;
  case INT: case DURATION: t->i = v.i; break;
  case FLOAT: t->f = v.f; break;
  case STRING: t->str = v.str; break;
  default: break;
  }
  return t->kind;
}
