/* lex.re: the tokens of Pipe as re2c rules. Only rules live here; decoding numbers,
 * durations and strings, and reporting their errors, is in lex_util.c. lex_scan returns
 * the next token's Bison number with pc->tok..pc->cur around its text; the wrapper yylex
 * in parse.y turns that into a location. Input is NUL-terminated and may contain NUL
 * bytes, so the end is found by re2c's sentinel-with-bounds-check (`$` rule). */
#include "parse.h"   /* gen/parse.h: Bison's token numbers and YYSTYPE */
#include "lex.h"

int lex_scan(parse_ctx *pc, YYSTYPE *lval) {
  for (;;) {
    pc->tok = pc->cur;
    /*!re2c
      re2c:define:YYCTYPE = "unsigned char";
      re2c:define:YYCURSOR = "pc->cur";
      re2c:define:YYMARKER = "pc->mar";
      re2c:define:YYCTXMARKER = "pc->ctx";
      re2c:define:YYLIMIT = "pc->lim";
      re2c:yyfill:enable = 0;
      re2c:eof = 0;

      id    = [A-Za-z_][A-Za-z0-9_]*;
      dotted = id ("." id)+;
      dec   = [0-9][0-9_]*;
      exp   = [eE] [+-]? dec;
      float = dec "." dec exp? | dec exp;

      $                 { return YYEOF; }
      [ \t\r\v\f]+      { continue; }
      "\n"              { lex_newline(pc); continue; }
      "#" [^\n]*        { continue; }

      "schema"          { return KW_SCHEMA; }
      "param"           { return KW_PARAM; }
      "const"           { return KW_CONST; }
      "fn"              { return KW_FN; }
      "extern"          { return KW_EXTERN; }
      "source"          { return KW_SOURCE; }
      "let"             { return KW_LET; }
      "import"          { return KW_IMPORT; }
      "filter"          { return KW_FILTER; }
      "select"          { return KW_SELECT; }
      "window"          { return KW_WINDOW; }
      "aggregate"       { return KW_AGGREGATE; }
      "sink"            { return KW_SINK; }
      "on"              { return KW_ON; }
      "error"           { return KW_ERROR; }
      "watermark"       { return KW_WATERMARK; }
      "by"              { return KW_BY; }
      "every"           { return KW_EVERY; }
      "if"              { return KW_IF; }
      "then"            { return KW_THEN; }
      "else"            { return KW_ELSE; }
      "and"             { return KW_AND; }
      "or"              { return KW_OR; }
      "not"             { return KW_NOT; }
      "true"            { return KW_TRUE; }
      "false"           { return KW_FALSE; }
      "null"            { return KW_NULL; }
      // The clauses after a sink are words only before their `(`, so that `retry` and
      // `breaker` stay usable as names: a flow statement after `| sink ...` starts with a
      // name too, which one token of lookahead could not tell from a clause.
      "retry" / [ \t]* "("   { lval->id = lex_ident(pc); return KW_RETRY; }
      "breaker" / [ \t]* "(" { lval->id = lex_ident(pc); return KW_BREAKER; }
      id                { lval->id = lex_ident(pc); return IDENT; }
      dotted            { lval->id = lex_ident(pc); return DOTTED; }

      float             { lex_float(pc, &lval->f); return FLOAT; }
      float id          { lex_bad_number(pc); lval->f = 0; return FLOAT; }
      dec               { lex_int(pc, pc->tok, pc->cur, &lval->i); return INT; }
      dec id            { lex_duration(pc, &lval->i); return DURATION; }
      ["]               { lval->str = lex_string(pc); return STRING; }

      "->"              { return ARROW; }
      "??"              { return COALESCE; }
      "..."             { return ELLIPSIS; }
      ".."              { return DOTDOT; }
      "=="              { return EQ; }
      "!="              { return NE; }
      "<="              { return LE; }
      ">="              { return GE; }
      [|{}(),:=?+\-*/%<>] { return (unsigned char)*pc->tok; }

      [\xc0-\xff][\x80-\xbf]* { lex_bad_char(pc); continue; }
      *                 { lex_bad_char(pc); continue; }
    */
  }
}
