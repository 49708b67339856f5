/* test_parse.c: the parser: every declaration and operator form (through ast_dump),
 * expression precedence (through ast_dump_expr), spans, window keys and `on` clauses,
 * syntax error messages and recovery, so that one run reports several errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "tap.h"

typedef struct run {
  arena *a;
  diag_ctx d;
  FILE *errf;
  char *err;
  size_t errlen;
  ast_program prog;
  int errors;
} run;

static run *parse(const char *text) {
  run *r = calloc(1, sizeof *r);
  r->a = arena_new();
  r->errf = open_memstream(&r->err, &r->errlen);
  diag_init(&r->d, r->errf);
  r->errors = parse_file(r->a, &r->d, &r->prog, src_from_string(r->a, "t.pipe", text));
  fflush(r->errf);
  return r;
}

static void done(run *r) {
  fclose(r->errf);
  free(r->err);
  arena_free(r->a);
  free(r);
}

static char dumped[4096];

static const char *dump(run *r) {
  FILE *f = fmemopen(dumped, sizeof dumped, "w");
  ast_dump(f, &r->prog);
  fclose(f);
  return dumped;
}

/* The dump of `const x = <text>`'s value, or "<errors>". */
static const char *expr(const char *text) {
  char src[512];
  snprintf(src, sizeof src, "const x = %s\n", text);
  run *r = parse(src);
  if (r->errors || r->prog.decls.len != 1) {
    snprintf(dumped, sizeof dumped, "<errors>");
  } else {
    FILE *f = fmemopen(dumped, sizeof dumped, "w");
    ast_decl *d = r->prog.decls.items[0];
    ast_dump_expr(f, d->u.cnst.value);
    fclose(f);
  }
  done(r);
  return dumped;
}

static void test_precedence(void) {
  is_str(expr("1 + 2 * 3"), "(+ 1 (* 2 3))", "* binds tighter than +");
  is_str(expr("a - b - c"), "(- (- a b) c)", "- is left-associative");
  is_str(expr("a % b / c"), "(/ (% a b) c)", "* / % left-associative");
  is_str(expr("-a * b"), "(* (- a) b)", "unary minus binds tighter than *");
  is_str(expr("- -a"), "(- (- a))", "nested unary minus");
  is_str(expr("a ?? b ?? c"), "(?? a (?? b c))", "?? is right-associative");
  is_str(expr("a + b ?? c"), "(?? (+ a b) c)", "+ binds tighter than ??");
  is_str(expr("a ?? b == c"), "(== (?? a b) c)", "?? binds tighter than ==");
  is_str(expr("a < b + 1"), "(< a (+ b 1))", "comparison over arithmetic");
  is_str(expr("not a == b"), "(not (== a b))", "not is below comparisons");
  is_str(expr("not a and b"), "(and (not a) b)", "not above and");
  is_str(expr("a or b and c"), "(or a (and b c))", "and above or");
  is_str(expr("a != b or c >= d and e <= f"), "(or (!= a b) (and (>= c d) (<= e f)))",
         "comparison operators");
  is_str(expr("if a > 0 then b else c or d"), "(if (> a 0) b (or c d))", "if is lowest");
  is_str(expr("if a then if b then 1 else 2 else 3"), "(if a (if b 1 2) 3)", "nested if");
  is_str(expr("f(x, g(y)) + 1"), "(+ (call f x (call g y)) 1)", "calls are postfix");
  is_str(expr("count()"), "(call count)", "call without arguments");
  is_str(expr("(a + b) * c"), "(* (+ a b) c)", "parentheses");
  is_str(expr("\"s\\n\" ?? null"), "(?? \"s\\n\" null)", "string and null literals");
  is_str(expr("1.5 + 2.0e3"), "(+ 1.5 2000.0)", "floats");
  is_str(expr("250ms + 1m + 90s"), "(+ (+ 250ms 1m) 90s)", "durations");
  is_str(expr("true and false"), "(and true false)", "booleans");
  is_str(expr("a < b < c"), "<errors>", "comparisons do not chain");
  is_str(expr("a == b == c"), "<errors>", "== does not chain");
}

static const char program[] =
    "import \"lib.pipe\"\n"
    "schema Trade {\n"
    "  ts: timestamp,\n"
    "  price: f64,\n"
    "  venue: string?,\n"
    "}\n"
    "schema Empty {}\n"
    "param input: string = \"t.csv\"\n"
    "param limit: i64\n"
    "const k = 2 * 3\n"
    "fn notional(price: f64, qty: i64) -> f64 = price * qty\n"
    "extern fn score(x: f64) -> f64?\n"
    "source trades: Trade = csv(input, header = false, delimiter = \";\") watermark ts - 5s "
    "on error dead_letter(jsonl(\"bad.jsonl\"))\n"
    "source more: Trade = jsonl(stdin) on error skip\n"
    "let clean = trades\n"
    "  | filter price > 0.0 on error fail\n"
    "let same = clean\n"
    "clean\n"
    "  | select { ts, p = price * 2, ..., }\n"
    "  | window tumbling 1m by venue, ts { n = count(), s = sum(price) }\n"
    "  | window sliding 10m every 1m { n = count() }\n"
    "  | window count 100 { n = count() } on error skip\n"
    "  | aggregate by venue { m = max(price), }\n"
    "  | aggregate { n = count() }\n"
    "  | sink csv(stdout)\n";

static const char program_dump[] =
    "(import \"lib.pipe\")\n"
    "(schema Trade\n"
    "  (ts timestamp)\n"
    "  (price f64)\n"
    "  (venue string?))\n"
    "(schema Empty)\n"
    "(param input string \"t.csv\")\n"
    "(param limit i64)\n"
    "(const k (* 2 3))\n"
    "(fn notional (price f64 qty i64) f64\n"
    "  (* price qty))\n"
    "(extern fn score (x f64) f64?)\n"
    "(source trades Trade (csv input header=false delimiter=\";\") (watermark ts 5s) "
    "(on-error dead_letter (jsonl \"bad.jsonl\")))\n"
    "(source more Trade (jsonl stdin) (on-error skip))\n"
    "(let clean (flow trades\n"
    "    (filter (> price 0.0) (on-error fail))))\n"
    "(let same (flow clean))\n"
    "(flow clean\n"
    "  (select\n"
    "    ts\n"
    "    (p (* price 2))\n"
    "    ...)\n"
    "  (window tumbling 1m (by venue ts)\n"
    "    (n (call count))\n"
    "    (s (call sum price)))\n"
    "  (window sliding 10m (every 1m)\n"
    "    (n (call count)))\n"
    "  (window count 100\n"
    "    (n (call count)) (on-error skip))\n"
    "  (aggregate (by venue)\n"
    "    (m (call max price)))\n"
    "  (aggregate\n"
    "    (n (call count)))\n"
    "  (sink (csv stdout)))\n";

static void test_declarations(void) {
  run *r = parse(program);
  is_int(r->errors, 0, "the full program parses");
  if (r->errors) tap_diag("%s", r->err);
  is_int(r->prog.decls.len, 13, "thirteen declarations");
  is_str(dump(r), program_dump, "every declaration and operator form");
  is_int(r->prog.files.len, 1, "the file is recorded");

  ast_decl *d = r->prog.decls.items[1];
  is_int(d->kind, DECL_SCHEMA, "schema kind");
  is_str(d->name, "Trade", "schema name");
  is_int(d->name_at.col, 8, "name span col");
  is_int(d->name_at.len, 5, "name span len");
  ast_field *venue = d->u.schema.fields.items[2];
  ok(venue->type.nullable, "nullable type");
  is_int(venue->type.at.len, 7, "nullable type span covers the ?");

  ast_decl *src = r->prog.decls.items[8];
  is_int(src->kind, DECL_SOURCE, "source kind");
  is_int(src->u.source.policy->kind, POLICY_DEAD, "dead_letter policy");
  is_str(src->u.source.wm_field, "ts", "watermark field");
  is_int(src->u.source.wm_delay->u.i, 5000000, "watermark delay");
  ast_arg *arg = src->u.source.conn->args.items[1];
  is_str(arg->name, "header", "named connector argument");
  ok(((ast_arg *)src->u.source.conn->args.items[0])->name == NULL, "positional argument");

  ast_decl *flow = r->prog.decls.items[12];
  is_int(flow->kind, DECL_FLOW, "bare flow");
  ok(flow->name == NULL, "flows have no name");
  is_int(flow->u.flow->ops.len, 7, "seven operators");
  ast_op *win = flow->u.flow->ops.items[1];
  is_str(win->u.window.kind_name, "tumbling", "window kind");
  is_int(win->at.line, 20, "operator span line");
  is_int(win->at.col, 5, "operator span is its keyword");
  is_int(win->at.len, 6, "operator span length");
  ast_op *agg = flow->u.flow->ops.items[4];
  ok(agg->kind == OP_AGGREGATE && agg->u.window.kind_name == NULL && !agg->u.window.size,
     "aggregate has no window kind or size");
  ast_decl *imp = r->prog.decls.items[0];
  is_str(imp->u.import.path, "lib.pipe", "import path");
  done(r);
}

/* A dotted name names a field: in a schema, an expression, a select item, a key, an
 * aggregate and a watermark; anywhere else it is a syntax error. */
static void test_dotted(void) {
  run *r = parse("schema S { user.id: i64, a.b.c: f64? }\n"
                 "source s: S = csv(\"x\") watermark a.b.c - 1s\n"
                 "s | filter user.id > 0 | select { user.id, x.y = a.b.c * 2.0 }\n"
                 "  | window tumbling 1m by user.id, k.k = user.id { n.n = count() }\n"
                 "  | sink csv(stdout)\n");
  is_int(r->errors, 0, "dotted names in every field position");
  if (r->errors) tap_diag("%s", r->err);
  ast_decl *d = r->prog.decls.items[0];
  is_str(((ast_field *)d->u.schema.fields.items[1])->name, "a.b.c", "schema field name");
  is_str(((ast_decl *)r->prog.decls.items[1])->u.source.wm_field, "a.b.c", "watermark field");
  done(r);
  static const char *bad[] = {
      "schema a.b { x: i64 }",
      "param p.q: i64",
      "fn f(a.b: i64) -> i64 = 1",
      "schema S { x: i64 }\nsource s: S = csv(\"x\")\ns | select { y = str.upper(x) }",
      "schema S { x: i64 }\nsource s: S = csv(\"x\")\ns.t | sink csv(stdout)",
  };
  for (int k = 0; k < 5; k++) {
    r = parse(bad[k]);
    ok(r->errors == 1 && strstr(r->err, "error[E0100]: unexpected"), "refused: %s", bad[k]);
    if (r->errors != 1) tap_diag("%s", r->err);
    done(r);
  }
}

static void test_spans(void) {
  run *r = parse("const x =   price * qty + 1\n"
                 "const y = a +\n"
                 "    b\n");
  is_int(r->errors, 0, "spans program parses");
  ast_expr *e = ((ast_decl *)r->prog.decls.items[0])->u.cnst.value;
  is_int(e->at.col, 13, "binary expression starts at its left operand");
  is_int(e->at.len, 15, "and covers the whole expression");
  is_int(e->u.binary.l->at.len, 11, "inner product span");
  ast_expr *m = ((ast_decl *)r->prog.decls.items[1])->u.cnst.value;
  is_int(m->at.line, 2, "multi-line expression starts on its first line");
  is_int(m->at.len, 3, "and its span stops at the end of that line's tokens");
  done(r);
}

static void test_errors(void) {
  run *r = parse("const x = 1 +\n");
  is_int(r->errors, 1, "one error at end of file");
  is_str(r->err,
         "t.pipe:1:14: error[E0100]: unexpected end of file, expected expression\n"
         "    1 | const x = 1 +\n"
         "      |              ^\n",
         "end of file message");
  done(r);

  r = parse("schema T { a: i64 b: f64 }\n");
  ok(strstr(r->err, "1:19: error[E0100]: unexpected name `b`, expected `}`, `?` or `,`"),
     "expected list");
  done(r);

  r = parse("clean | select { a } | }\n");
  ok(strstr(r->err, "error[E0100]: unexpected `}`, expected `filter`, `select`, `window`, "
                    "`aggregate` or `sink`"),
     "expected operator");
  done(r);

  r = parse("clean | filter a > > 1\n");
  ok(strstr(r->err, "unexpected `>`, expected expression"), "expected expression");
  done(r);

  r = parse("clean\n");
  is_int(r->errors, 1, "a bare flow needs an operator");
  ok(strstr(r->err, "unexpected end of file, expected `|`"), "missing operator message");
  done(r);

  r = parse("clean | filter x on error explode | sink csv(stdout)\n");
  is_int(r->errors, 1, "unknown policy");
  ok(strstr(r->err, "error[E0310]: unknown error policy `explode`"), "E0310");
  done(r);

  r = parse("clean | filter x on error skip(csv(\"a\")) | filter y on error dead_letter "
            "| filter z on error skp\n");
  is_int(r->errors, 3, "three policy errors");
  ok(strstr(r->err, "`skip` takes no connector"), "skip with connector");
  ok(strstr(r->err, "`dead_letter` needs a connector"), "dead_letter without connector");
  ok(strstr(r->err, "did you mean `skip`?"), "policy suggestion");
  done(r);
}

static void test_recovery(void) {
  run *r = parse("schema T { a: , b: i64 }\n"
                 "param x i64\n"
                 "const y = 1 +\n"
                 "const z = 2\n"
                 "clean | select { a = , c } | sink csv(stdout)\n");
  is_int(r->errors, 4, "four syntax errors reported");
  is_int(r->prog.decls.len, 3, "the good declarations survive");
  ast_decl *t = r->prog.decls.items[0];
  is_int(t->u.schema.fields.len, 1, "schema keeps its good field");
  ast_decl *z = r->prog.decls.items[1];
  is_str(z->name, "z", "declaration after the errors");
  ast_decl *f = r->prog.decls.items[2];
  ast_op *sel = f->u.flow->ops.items[0];
  is_int(sel->u.select.items.len, 1, "select keeps its good item");
  is_int(f->u.flow->ops.len, 2, "the flow goes on after the bad item");
  done(r);

  r = parse("param a: = 1\n"
            "fn f(x i64) -> i64 = x\n"
            "source s: T = csv(\"x\") watermark - 5s\n"
            "let ok = s | filter true\n");
  is_int(r->errors, 3, "a file with three syntax errors reports three");
  is_int(r->prog.decls.len, 2, "and keeps the fn (recovered inside its parameters) and the let");
  done(r);

  r = parse("fn f(a: i64) i64 = 1\n"
            "x | select { a } on error skp\n"
            "x | select { a b } | sink csv(stdout)\n");
  is_int(r->errors, 3, "an error after a closed list does not unwind into the list");
  done(r);

  r = parse("schema T { a: i64 }}\n}}} const c = 1\n");
  is_int(r->errors, 1, "stray braces: one error, then silence until a declaration");
  is_int(r->prog.decls.len, 2, "both declarations kept");
  done(r);
}

static void test_windows(void) {
  run *r = parse("s | window tumbling 1m by k, day = trunc(ts, 1d), (m), n + 1 { c = count() }\n"
                 "    on late dead_letter(csv(\"late.csv\")) on error skip\n"
                 "  | window session 5s { } on error fail on late skip\n"
                 "  | aggregate by k { c = count() } on error dead_letter(jsonl(\"e.jsonl\"))\n"
                 "  | sink csv(stdout)\n");
  is_int(r->errors, 0, "window keys and on clauses parse");
  if (r->errors) tap_diag("%s", r->err);
  is_str(dump(r),
         "(flow s\n"
         "  (window tumbling 1m (by k (day (call trunc ts 1d)) m (+ n 1))\n"
         "    (c (call count)) (on-error skip) (on-late dead_letter (csv \"late.csv\")))\n"
         "  (window session 5s (on-error fail) (on-late skip))\n"
         "  (aggregate (by k)\n"
         "    (c (call count)) (on-error dead_letter (jsonl \"e.jsonl\")))\n"
         "  (sink (csv stdout)))\n",
         "keys as items, policies in either order");
  ast_flow *f = ((ast_decl *)r->prog.decls.items[0])->u.flow;
  ast_op *w = f->ops.items[0];
  ast_sel_item *k0 = w->u.window.keys.items[0], *k1 = w->u.window.keys.items[1];
  ast_sel_item *k2 = w->u.window.keys.items[2], *k3 = w->u.window.keys.items[3];
  ok(k0->kind == SEL_FIELD && strcmp(k0->name, "k") == 0 && !k0->value, "a bare name is a field key");
  ok(k1->kind == SEL_EXPR && strcmp(k1->name, "day") == 0 && k1->value, "a named key");
  ok(k2->kind == SEL_FIELD && strcmp(k2->name, "m") == 0, "a parenthesized name is a field key");
  ok(k3->kind == SEL_EXPR && !k3->name, "an unnamed expression waits for sema");
  is_int(k0->at.col, 27, "a field key's span is its name");
  ok(w->u.window.late && w->u.window.late->kind == POLICY_DEAD, "on late dead_letter");
  ok(w->policy && w->policy->kind == POLICY_SKIP, "on error after on late");
  ast_op *a = f->ops.items[2];
  ok(a->kind == OP_AGGREGATE && a->policy && a->policy->kind == POLICY_DEAD && !a->u.window.late,
     "aggregate takes on error");
  done(r);

  r = parse("s | window tumbling 1m { } on late fail on late skip on error skip on error fail\n"
            "  | window count 5 { } on lat skip on late dead_letter | sink csv(stdout)\n");
  is_int(r->errors, 5, "five errors in on clauses");
  ok(strstr(r->err, "error[E0310]: `fail` is not a policy for late rows"), "on late fail");
  ok(strstr(r->err, "error[E0310]: `on late` is given twice"), "on late twice");
  ok(strstr(r->err, "error[E0310]: `on error` is given twice"), "on error twice");
  ok(strstr(r->err, "error[E0100]: unexpected name `lat`, expected `error` or `late`") &&
     strstr(r->err, "did you mean `on late`?"), "a misspelt clause");
  ok(strstr(r->err, "error[E0310]: `dead_letter` needs a connector"), "late dead_letter alone");
  ast_op *w2 = ((ast_decl *)r->prog.decls.items[0])->u.flow->ops.items[0];
  ok(w2->u.window.late && w2->u.window.late->kind == POLICY_SKIP && w2->policy->kind == POLICY_SKIP,
     "the first clause of each kind is kept; a refused `fail` reads as skip");
  done(r);

  r = parse("s | select { a } on late skip | sink csv(stdout)\n");
  ok(strstr(r->err, "unexpected name `late`, expected `error`"), "on late is for windows only");
  done(r);
}

/* `retry(...)`, `breaker(...)` and `on error` after a sink, in any order. */
static void test_sink_clauses(void) {
  run *r = parse("s | sink sqlite(\"o.db\", table = \"t\") retry(max = 3, backoff = 1ms..2s)\n"
                 "    on error dead_letter(csv(\"d.csv\")) breaker(failures = 2, reset = 5s)\n"
                 "s | sink sqlite(\"p.db\", table = \"t\") breaker() retry()\n"
                 "retry | sink csv(stdout)\n"
                 "fn retry(x: i64) -> i64 = breaker(x)\n");
  is_int(r->errors, 0, "sink clauses parse; `retry` stays a name and a fn name");
  if (r->errors) tap_diag("%s", r->err);
  is_str(dump(r),
         "(flow s\n"
         "  (sink (sqlite \"o.db\" table=\"t\") (retry max=3 backoff=1ms..2s) "
         "(breaker failures=2 reset=5s) (on-error dead_letter (csv \"d.csv\"))))\n"
         "(flow s\n"
         "  (sink (sqlite \"p.db\" table=\"t\") (retry) (breaker)))\n"
         "(flow retry\n"
         "  (sink (csv stdout)))\n"
         "(fn retry (x i64) i64\n"
         "  (call breaker x))\n",
         "clauses in any order; a range is one argument");
  ast_op *k = ((ast_decl *)r->prog.decls.items[0])->u.flow->ops.items[0];
  ast_arg *backoff = k->u.sink.retry->args.items[1];
  ok(backoff->value && backoff->hi && backoff->hi->u.i == 2000000, "the range's bounds");
  is_int(k->u.sink.retry->at.col, 38, "a clause's span is its word");
  done(r);

  r = parse("s | sink sqlite(\"o.db\", table = \"t\") retry() retry(max = 1) breaker() breaker()\n"
            "    on error skip on error fail\n"
            "s | sink csv(stdout) on late skip\n"
            "s | filter x retry(max = 1) | sink csv(stdout)\n"
            "s | sink csv(stdout) retry(backoff = 1s..)\n");
  ok(strstr(r->err, "error[E0316]: `retry` is given twice"), "retry twice");
  ok(strstr(r->err, "error[E0316]: `breaker` is given twice"), "breaker twice");
  ok(strstr(r->err, "error[E0310]: `skip` is not a policy for a sink"), "on error skip");
  ok(strstr(r->err, "error[E0310]: `on error` is given twice"), "on error twice");
  ok(strstr(r->err, "3:25: error[E0100]: unexpected name `late`, expected `error`"),
     "on late is not for sinks");
  ok(strstr(r->err, "4:14: error[E0100]: unexpected `retry`"), "clauses only after a sink");
  ok(strstr(r->err, "5:42: error[E0100]: unexpected `)`, expected expression"),
     "a range needs both ends");
  done(r);
}

int main(void) {
  test_precedence();
  test_sink_clauses();
  test_declarations();
  test_windows();
  test_dotted();
  test_spans();
  test_errors();
  test_recovery();
  return tap_done();
}
