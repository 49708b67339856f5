/* test_sema.c: sema on small programs parsed from strings: types, constant folding,
 * inlining, row types, select expansion, param indexes, connectors, and the number and
 * codes of the diagnostics for wrong programs. */
#include "sema_check.h"
#include "tap.h"

static ast_decl *decl(const char *name) {
  for (int i = 0; i < P.decls.len; i++) {
    ast_decl *d = P.decls.items[i];
    if (d->name && strcmp(d->name, name) == 0) return d;
  }
  return NULL;
}

/* Operator `k` of the n-th bare flow. */
static ast_op *flow_op(int n, int k) {
  for (int i = 0; i < P.decls.len; i++) {
    ast_decl *d = P.decls.items[i];
    if (d->kind == DECL_FLOW && n-- == 0) return d->u.flow->ops.items[k];
  }
  return NULL;
}

static ast_expr *sel(ast_op *op, int i) {
  return ((ast_sel_item *)op->u.select.items.items[i])->value;
}

static ast_expr *const_value(const char *name) {
  ast_decl *d = decl(name);
  return d ? d->u.cnst.value : NULL;
}

static const char *HEAD =
    "schema T { ts: timestamp, symbol: string, price: f64, qty: i64, venue: string? }\n"
    "source t: T = csv(\"t.csv\")\n";

static int check_flow(const char *ops) {
  static char text[4096];
  snprintf(text, sizeof text, "%st | %s | sink csv(stdout)\n", HEAD, ops);
  return check(text);
}

static void test_folding(void) {
  is_int(check("const a = 2 + 3 * 4\nconst sx = \"ab\" + \"cd\"\n"
               "const t = timestamp(\"2026-01-05T09:30:00Z\")\nconst n = len(upper(sx))\n"
               "const f = 1 + 0.5\nconst d = 2m + 30s\nconst c = if a > 10 then \"big\" else \"small\"\n"
               "const z = null ?? 7\nconst i = i64(\"42\") + i64(2.9)\nconst str = string(1.5)\n"
               "schema S { x: i64 }\nsource s: S = csv(stdin)\ns | sink csv(stdout)\n"),
         0, "constant program checks");
  ast_expr *e = const_value("a");
  ok(e && e->kind == EXPR_INT && e->u.i == 14, "2 + 3 * 4 folds to 14");
  e = const_value("sx");
  ok(e && e->kind == EXPR_STRING && e->u.str.len == 4 && memcmp(e->u.str.s, "abcd", 4) == 0,
     "string concatenation folds");
  e = const_value("t");
  ok(e && e->kind == EXPR_TIMESTAMP && e->u.i == 1767605400000000LL, "timestamp() folds");
  e = const_value("n");
  ok(e && e->kind == EXPR_INT && e->u.i == 4, "len(upper(s)) folds to 4");
  e = const_value("f");
  ok(e && e->kind == EXPR_FLOAT && e->u.f == 1.5 && e->type.kind == TY_F64, "1 + 0.5 widens and folds");
  e = const_value("d");
  ok(e && e->kind == EXPR_DURATION && e->u.i == 150000000, "2m + 30s folds to a duration");
  e = const_value("c");
  ok(e && e->kind == EXPR_STRING && e->u.str.len == 3, "if with constant condition folds");
  e = const_value("z");
  ok(e && e->kind == EXPR_INT && e->u.i == 7, "null ?? 7 folds to 7");
  e = const_value("i");
  ok(e && e->kind == EXPR_INT && e->u.i == 44, "i64(\"42\") + i64(2.9) folds to 44");
  e = const_value("str");
  ok(e && e->kind == EXPR_STRING && e->u.str.len == 3 && memcmp(e->u.str.s, "1.5", 3) == 0,
     "string(1.5) folds to \"1.5\"");
}

static void test_params(void) {
  is_int(check("param a: i64 = 1\nschema S { x: f64 }\nparam b: f64 = 3\nconst k = 2\n"
               "param c: string? = null\nparam p: string = \"in.csv\"\n"
               "source s: S = csv(p, header = false, delimiter = \";\")\n"
               "s | filter x > b and x < f64(a) | select { x, c = c ?? \"-\" } | sink csv(stdout)\n"),
         0, "params program checks");
  is_int(decl("a")->u.param.index, 0, "first param index");
  is_int(decl("b")->u.param.index, 1, "second param index");
  is_int(decl("c")->u.param.index, 2, "third param index");
  ast_expr *d = decl("b")->u.param.def;
  ok(d->kind == EXPR_FLOAT && d->u.f == 3.0, "i64 default of an f64 param becomes 3.0");
  ast_conn *c = decl("s")->u.source.conn;
  is_int(c->path_param, 3, "csv(p) takes its path from param 3");
  ok(!c->header && c->delimiter == ';', "csv options are resolved");
  is_int(D.warnings, 0, "no warnings when every param is used");
}

static void test_rows(void) {
  is_int(check_flow("filter qty > 10 | select { ..., n = price * qty, v = venue ?? \"x\" }"), 0,
         "select program checks");
  ast_op *f = flow_op(0, 0), *s = flow_op(0, 1);
  is_int(f->in.nfields, 5, "filter sees the schema row");
  is_int(s->out.nfields, 7, "select with ... outputs 5 + 2 fields");
  is_int(s->u.select.items.len, 7, "... is expanded into one item per field");
  ast_expr *e = sel(s, 1);
  ok(e->kind == EXPR_NAME && e->u.name.ref == REF_FIELD && e->u.name.index == 1,
     "expanded item is a field reference");
  e = sel(s, 5);
  ok(e->kind == EXPR_BINARY && e->u.binary.r->kind == EXPR_WIDEN && e->type.kind == TY_F64,
     "price * qty widens qty to f64");
  ok(s->out.fields[6].type.kind == TY_STRING && !s->out.fields[6].type.nullable,
     "venue ?? \"x\" is a non-null string");
  ok(s->out.fields[4].type.nullable, "venue stays nullable");
  is_int(flow_op(0, 2)->in.nfields, 7, "the sink receives the select's row");
}

static void test_inline(void) {
  is_int(check("fn notional(price: f64, qty: i64) -> f64 = price * qty\n"
               "fn twice(x: i64) -> i64 = x * 2\nconst k = twice(21)\n"
               "extern fn score(x: f64) -> f64\n"
               "schema T { price: f64, qty: i64 }\nsource t: T = csv(stdin)\n"
               "t | select { n = notional(price, qty), m = twice(qty + 1), s = score(price), "
               "l = notional(2.0, 3) } | sink csv(stdout)\n"),
         0, "fn program checks");
  ast_expr *k = const_value("k");
  ok(k->kind == EXPR_INT && k->u.i == 42, "twice(21) is inlined and folded in a const");
  ast_op *s = flow_op(0, 0);
  ast_expr *n = sel(s, 0);
  ok(n->kind == EXPR_BINARY && n->u.binary.op == BIN_MUL &&
     n->u.binary.l->kind == EXPR_NAME && n->u.binary.l->u.name.ref == REF_FIELD,
     "notional(price, qty) is inlined as price * qty");
  ast_expr *m = sel(s, 1);
  ok(m->kind == EXPR_BINARY && m->u.binary.l->kind == EXPR_BINARY &&
     m->u.binary.l->u.binary.op == BIN_ADD, "twice(qty + 1) substitutes the argument");
  ast_expr *sc = sel(s, 2);
  ok(sc->kind == EXPR_CALL && sc->u.call.ext == decl("score") && sc->u.call.builtin == BI_NONE,
     "an extern call stays a call");
  ast_expr *l = sel(s, 3);
  ok(l->kind == EXPR_FLOAT && l->u.f == 6.0, "notional(2.0, 3) folds to 6.0");
}

static void test_exprs(void) {
  is_int(check_flow("filter venue == null or venue != \"X\" | "
                    "select { a = len(symbol), b = venue == null, c = if qty > 1 then null else qty, "
                    "d = ts + 5s, e = ts - ts, f = year(timestamp(\"2026-01-05T09:30:00Z\")) }"),
         0, "expression program checks");
  ast_op *s = flow_op(0, 1);
  ast_expr *a = sel(s, 0);
  ok(a->kind == EXPR_CALL && a->u.call.builtin == BI_LEN && a->type.kind == TY_I64,
     "len() is a builtin returning i64");
  ast_expr *b = sel(s, 1);
  ok(b->type.kind == TY_BOOL && !b->type.nullable, "== null is a non-null bool");
  ast_expr *c = sel(s, 2);
  ok(c->type.kind == TY_I64 && c->type.nullable, "if with a null branch is nullable");
  is_int(sel(s, 3)->type.kind, TY_TIMESTAMP, "timestamp + duration is a timestamp");
  is_int(sel(s, 4)->type.kind, TY_DURATION, "timestamp - timestamp is a duration");
  ast_expr *f = sel(s, 5);
  ok(f->kind == EXPR_INT && f->u.i == 2026, "year(timestamp(...)) folds in a flow");
}

static int has(const char *s) {
  return out && strstr(out, s) != NULL;
}

static void test_errors(void) {
  is_int(check_flow("filter pirce > 0.0"), 1, "unknown field: one error");
  ok(has("error[E0201]") && has("did you mean `price`?"), "E0201 with a suggestion");
  is_int(check_flow("filter (pirce + 1) > \"x\" and qty"), 2,
         "a poisoned operand silences its parents; independent errors are all reported");
  is_int(check_flow("select { a = symbol + qty, b = len(1), c = substr(symbol, 1) }"), 3,
         "three independent errors in one select");
  ok(has("E0300") && has("E0304") && has("E0303"), "E0300, E0304 and E0303 reported");
  is_int(check("fn f(n: i64) -> i64 = g(n)\nfn g(n: i64) -> i64 = f(n)\n"
               "schema S { x: i64 }\nsource s: S = csv(stdin)\ns | sink csv(stdout)\n"),
         1, "mutual recursion: one error");
  ok(has("E0208"), "recursion is E0208");
  is_int(check("const big = 9223372036854775807 * 2\nschema S { x: i64 }\n"
               "source s: S = csv(stdin)\ns | sink csv(stdout)\n"),
         1, "constant overflow is an error");
  is_int(check("param unused: i64 = 1\nschema S { x: i64 }\nsource s: S = csv(stdin)\n"
               "let l = s | filter x > 0\ns | sink csv(stdout)\n"),
         0, "unused param and let are not errors");
  is_int(D.warnings, 2, "but two warnings");
  ok(has("W0001") && has("W0002"), "W0001 and W0002");
  is_int(check("schema S { x: i64 }\nsource s: S = csv(stdin)\ns | filter x > 0\n"), 1,
         "a flow without a sink");
  ok(has("E0400"), "E0400");
  is_int(check("schema S { x: i64 }\nsource s: S = csv(stdin)\n"
               "s | sink csv(stdout)\nlet l = s | sink csv(stdout)\n"),
         1, "a let that ends in a sink");
  ok(has("E0403"), "E0403");
  is_int(check("schema S { ts: timestamp }\nsource s: S = csv(stdin) watermark ts - 5s\n"
               "s | sink csv(stdout)\n"), 0, "watermark program checks");
  is_int(decl("s")->u.source.wm_index, 0, "watermark field index");
  is_int(decl("s")->u.source.wm_delay_us, 5000000, "watermark delay in microseconds");
  is_str(decl("s")->u.source.conn->path, "-", "stdin is the path -");
}

static void test_more(void) {
  is_int(check("const r = replace(\"a-b-c\", \"-\", \"+-\")\nconst u = substr(\"h\\u{e9}llo\", 1, 3)\n"
               "const tr = trim(\"  x \")\nconst neg = -(2 - 5)\nconst cmp = \"abc\" < \"abd\"\n"
               "schema S { x: i64 }\nsource s: S = csv(\"-\")\nlet a = s\nlet b = a | select { y = x * 2 }\n"
               "b | sink jsonl(stdout)\n"),
         0, "more constants check");
  ast_expr *e = const_value("r");
  ok(e && e->kind == EXPR_STRING && e->u.str.len == 7 && memcmp(e->u.str.s, "a+-b+-c", 7) == 0,
     "replace folds");
  e = const_value("u");
  ok(e && e->kind == EXPR_STRING && e->u.str.len == 4 && memcmp(e->u.str.s, "\xc3\xa9ll", 4) == 0,
     "substr counts code points");
  e = const_value("tr");
  ok(e && e->kind == EXPR_STRING && e->u.str.len == 1, "trim folds");
  e = const_value("neg");
  ok(e && e->kind == EXPR_INT && e->u.i == 3, "unary minus folds");
  e = const_value("cmp");
  ok(e && e->kind == EXPR_BOOL && e->u.b, "string comparison folds");
  ast_decl *b = decl("b");
  ok(b->u.let.flow->from_decl == decl("a"), "let b reads let a");
  ast_op *sink = flow_op(0, 0);
  is_int(sink->in.nfields, 1, "the sink after let b sees one field");
  ast_arg *arg = sink->u.sink.conn->args.items[0];
  ok(arg->value->kind == EXPR_STRING && sink->u.sink.conn->kind == CONN_JSONL,
     "stdout becomes the path \"-\"");

  is_int(check("import \"no/such/file.pipe\"\nschema S { x: i64 }\nsource s: S = csv(stdin)\n"
               "s | sink csv(stdout)\n"), 1, "a missing import");
  ok(has("E0207"), "is E0207");
  is_int(check("fn lower(s: string) -> string = s\nschema S { x: i64 }\nsource s: S = csv(stdin)\n"
               "s | select { x, x } | sink csv(stdout)\n"), 2, "builtin name and duplicate output");
  ok(has("E0200") && has("E0206"), "are E0200 and E0206");
  is_int(check("param in: string = \"a.csv\"\nschema S { x: i64 }\nsource s: S = csv(in) on error skip\n"
               "s | sink csv(stdout)\n"), 0, "a param used as a path");
  is_int(D.warnings, 0, "counts as used");
  is_int(check("schema S { x: i64 }\nsource s: S = host()\ns | sink host()\n"), 0,
         "host source and sink check");
  is_int(check("schema S { x: i64 }\nsource s: S = jsonl(\"x.jsonl\")\n"
               "s | filter x > 0 on error dead_letter(host()) | sink csv(stdout)\n"), 1,
         "a jsonl source checks; a dead letter to host() does not");
  ok(has("E0310"), "is E0310");
}

int main(void) {
  test_folding();
  test_params();
  test_rows();
  test_inline();
  test_exprs();
  test_errors();
  test_more();
  free(out);
  arena_free(A);
  return tap_done();
}
