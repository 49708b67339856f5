/* test_sema_window.c: sema of `window` and `aggregate`: the checked form of every window
 * kind (through ast_dump and field by field), the type of each aggregate over each
 * argument type, shared calls, event time through selects and lets, and the codes of the
 * diagnostics for wrong windows. */
#include "sema_check.h"
#include "tap.h"

static bool has(const char *s) {
  return out && strstr(out, s) != NULL;
}

static const char *HEAD =
    "schema T { ts: timestamp, symbol: string, price: f64, qty: i64, venue: string?, ok: bool }\n"
    "source t: T = csv(\"t.csv\") watermark ts - 5s\n";

/* Checks `t | OPS | sink csv(stdout)` after HEAD. */
static int check_flow(const char *ops) {
  static char text[4096];
  snprintf(text, sizeof text, "%st | %s | sink csv(stdout)\n", HEAD, ops);
  return check(text);
}

/* Operator k of the n-th bare flow. */
static ast_op *flow_op(int n, int k) {
  for (int i = 0; i < P.decls.len; i++) {
    ast_decl *d = P.decls.items[i];
    if (d->kind == DECL_FLOW && n-- == 0) return d->u.flow->ops.items[k];
  }
  return NULL;
}

static char *row_text(const row_type *r) {
  static char buf[1024];
  char t[32];
  size_t n = 0;
  buf[0] = 0;
  for (int i = 0; i < r->nfields; i++)
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s:%s", i ? " " : "", r->fields[i].name,
                          ty_str(r->fields[i].type, t));
  return buf;
}

static ast_expr *item(ast_op *op, int i) {
  return ((ast_sel_item *)op->u.window.aggs.items[i])->value;
}

/* ---- the typed tree of every kind ---- */

static const char every_kind[] =
    "schema T { ts: timestamp, symbol: string, price: f64, qty: i64 }\n"
    "source t: T = csv(\"t.csv\") watermark ts - 5s\n"
    "t | window tumbling 1m by symbol { vwap = sum(price * qty) / sum(qty), n = count() }\n"
    "    on late skip | sink csv(stdout)\n"
    "t | window sliding 10m every 1m by day = trunc(ts, 1d) { m = avg(qty), s = stddev(price) }\n"
    "  | sink csv(stdout)\n"
    "t | select { at = ts, symbol } | window session 30s { f = first(symbol) } | sink csv(stdout)\n"
    "t | window count 100 { } on error skip | aggregate by n = 1 { c = count(), w = max(window_end) }\n"
    "  | sink csv(stdout)\n";

static const char every_kind_dump[] =
    "(schema T\n"
    "  (ts timestamp)\n"
    "  (symbol string)\n"
    "  (price f64)\n"
    "  (qty i64))\n"
    "(source t T (csv \"t.csv\":string) (watermark ts 5s:duration))\n"
    "(flow t\n"
    "  (window tumbling 1m:duration (by (symbol symbol:string))\n"
    "    (vwap (/ sum(price * qty):f64 (widen sum(qty):i64):f64):f64)\n"
    "    (n count():i64) (on-late skip)\n"
    "    (event-time ts)\n"
    "    (calls (sum (* price:f64 (widen qty:i64):f64):f64):f64 (sum qty:i64):i64 (count):i64)\n"
    "    (mid symbol:string window_start:timestamp window_end:timestamp sum(price * qty):f64 "
    "sum(qty):i64 count():i64)\n"
    "    (out symbol:string window_start:timestamp window_end:timestamp vwap:f64 n:i64))\n"
    "  (sink (csv \"-\":string)\n"
    "    (out symbol:string window_start:timestamp window_end:timestamp vwap:f64 n:i64)))\n"
    "(flow t\n"
    "  (window sliding 10m:duration (every 1m:duration) (by (day (call trunc ts:timestamp "
    "1d:duration):timestamp))\n"
    "    (m avg(qty):f64)\n"
    "    (s stddev(price):f64?)\n"
    "    (event-time ts)\n"
    "    (calls (avg qty:i64):f64 (stddev price:f64):f64?)\n"
    "    (mid day:timestamp window_start:timestamp window_end:timestamp avg(qty):f64 "
    "stddev(price):f64?)\n"
    "    (out day:timestamp window_start:timestamp window_end:timestamp m:f64 s:f64?))\n"
    "  (sink (csv \"-\":string)\n"
    "    (out day:timestamp window_start:timestamp window_end:timestamp m:f64 s:f64?)))\n"
    "(flow t\n"
    "  (select\n"
    "    (at ts:timestamp)\n"
    "    (symbol symbol:string)\n"
    "    (out at:timestamp symbol:string))\n"
    "  (window session 30s:duration\n"
    "    (f first(symbol):string)\n"
    "    (event-time at)\n"
    "    (calls (first symbol:string):string)\n"
    "    (mid window_start:timestamp window_end:timestamp first(symbol):string)\n"
    "    (out window_start:timestamp window_end:timestamp f:string))\n"
    "  (sink (csv \"-\":string)\n"
    "    (out window_start:timestamp window_end:timestamp f:string)))\n"
    "(flow t\n"
    "  (window count 100:i64 (on-error skip)\n"
    "    (event-time ts)\n"
    "    (mid window_start:timestamp window_end:timestamp)\n"
    "    (out window_start:timestamp window_end:timestamp))\n"
    "  (aggregate (by (n 1:i64))\n"
    "    (c count():i64)\n"
    "    (w max(window_end):timestamp)\n"
    "    (calls (count):i64 (max window_end:timestamp):timestamp)\n"
    "    (mid n:i64 count():i64 max(window_end):timestamp)\n"
    "    (out n:i64 c:i64 w:timestamp))\n"
    "  (sink (csv \"-\":string)\n"
    "    (out n:i64 c:i64 w:timestamp)))\n";

static void test_dump(void) {
  is_int(check(every_kind), 0, "every window kind checks");
  if (D.errors) tap_diag("%s", out);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ast_dump(f, &P);
  fclose(f);
  is_str(buf, every_kind_dump, "--dump=ast shows the typed tree of every kind");
  free(buf);
}

/* ---- the checked form ---- */

static void test_checked_form(void) {
  is_int(check_flow("window sliding 10m every 1m by venue, day = trunc(ts, 1d) {\n"
                    "  a = sum(qty) * 2 + sum( qty ), b = count(), label = venue ?? \"-\",\n"
                    "  len = window_end - window_start }"),
         0, "a sliding window checks");
  ast_op *w = flow_op(0, 0);
  is_int(w->u.window.kind, WIN_SLIDING, "kind");
  ok(w->u.window.size_v == 600000000 && w->u.window.every_v == 60000000, "sizes in microseconds");
  is_int(w->u.window.ts_index, 0, "event time is field 0 of the input");
  ast_sel_item *k0 = w->u.window.keys.items[0], *k1 = w->u.window.keys.items[1];
  ok(k0->value && k0->value->kind == EXPR_NAME && k0->value->u.name.ref == REF_FIELD &&
     k0->value->u.name.index == 4, "a field key reads its input field");
  ok(k1->value->kind == EXPR_CALL && k1->value->type.kind == TY_TIMESTAMP, "an expression key");
  is_int(w->u.window.calls.len, 2, "sum(qty) written twice is one call");
  ast_agg_call *c0 = w->u.window.calls.items[0];
  ok(c0->fn == AGG_SUM && c0->arg->kind == EXPR_NAME && c0->arg->u.name.index == 3 &&
     c0->type.kind == TY_I64 && !c0->type.nullable, "sum(qty): i64 over input field 3");
  ast_agg_call *c1 = w->u.window.calls.items[1];
  ok(c1->fn == AGG_COUNT && !c1->arg, "count() has no argument");
  is_str(row_text(&w->u.window.mid),
         "venue:string? day:timestamp window_start:timestamp window_end:timestamp sum(qty):i64 "
         "count():i64", "mid: keys, times, one column per call");
  is_str(row_text(&w->out),
         "venue:string? day:timestamp window_start:timestamp window_end:timestamp a:i64 b:i64 "
         "label:string len:duration", "out: keys, times, items");
  ast_expr *a = item(w, 0);   /* (+ (* sum(qty) 2) sum(qty)) */
  ok(a->kind == EXPR_BINARY && a->u.binary.r->kind == EXPR_NAME &&
     a->u.binary.r->u.name.ref == REF_FIELD && a->u.binary.r->u.name.index == 4,
     "a call becomes the name of its mid column");
  ast_expr *label = item(w, 2);
  ok(label->u.binary.l->kind == EXPR_NAME && label->u.binary.l->u.name.index == 0,
     "a key in an item reads its mid column");
  ast_expr *len = item(w, 3);
  ok(len->u.binary.l->u.name.index == 3 && len->u.binary.r->u.name.index == 2,
     "window_end and window_start are mid columns 3 and 2");

  is_int(check_flow("aggregate { }"), 0, "an empty aggregate checks");
  w = flow_op(0, 0);
  ok(w->u.window.kind == WIN_ALL && w->u.window.ts_index == -1 && w->out.nfields == 0 &&
     w->u.window.mid.nfields == 0, "it has no event time, no mid and no output fields");

  is_int(check_flow("window tumbling 1h { n = 1 + 2, tag = \"x\" }"), 0,
         "items without aggregates are allowed");
  w = flow_op(0, 0);
  ok(item(w, 0)->kind == EXPR_INT && item(w, 0)->u.i == 3, "and folded");
  is_int(w->u.window.calls.len, 0, "no calls");
}

/* ---- aggregate types ---- */

typedef struct agg_case {
  const char *call;
  const char *type;   /* the result type, or the diagnostic code */
} agg_case;

static void test_types(void) {
  static const agg_case cases[] = {
    {"count()", "i64"}, {"count(venue)", "i64"}, {"count(ok)", "i64"},
    {"sum(qty)", "i64"}, {"sum(price)", "f64"}, {"sum(ts - ts)", "duration"},
    {"sum(symbol)", "E0304"}, {"sum(ts)", "E0304"}, {"sum(ok)", "E0304"},
    {"min(qty)", "i64"}, {"max(symbol)", "string"}, {"min(ts)", "timestamp"},
    {"max(ok)", "bool"}, {"min(venue)", "string?"}, {"max(ts - ts)", "duration"},
    {"avg(qty)", "f64"}, {"avg(price)", "f64"}, {"avg(symbol)", "E0304"},
    {"avg(ts)", "E0304"}, {"avg(if ok then qty else null)", "f64?"},
    {"first(venue)", "string?"}, {"last(ok)", "bool"}, {"first(ts)", "timestamp"},
    {"stddev(qty)", "f64?"}, {"stddev(price)", "f64?"}, {"stddev(ts)", "E0304"},
    {"sum(null)", "E0304"}, {"count(null)", "E0304"},
    {"count(qty, qty)", "E0303"}, {"sum()", "E0303"}, {"last(qty, ts)", "E0303"},
    {"sum(sum(qty))", "E0313"}, {"sum(pirce)", "E0201"}, {"sum(len(symbol))", "i64"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char ops[256], t[32];
    snprintf(ops, sizeof ops, "aggregate { x = %s }", cases[i].call);
    int e = check_flow(ops);
    const char *got;
    if (e) {
      const char *c = out ? strstr(out, "error[") : NULL;
      got = c ? c + 6 : "?";
      snprintf(t, sizeof t, "%.5s", got);
      got = t;
    } else {
      got = ty_str(flow_op(0, 0)->out.fields[0].type, t);
    }
    is_str(got, cases[i].type, cases[i].call);
  }
}

/* ---- event time ---- */

static void test_event_time(void) {
  is_int(check_flow("filter qty > 0 | select { symbol, when = ts } | filter symbol != \"\" "
                    "| window tumbling 1m { n = count() }"), 0,
         "event time survives a renaming select and filters");
  is_int(flow_op(0, 3)->u.window.ts_index, 1, "it is `when`, field 1");

  char text[1024];
  snprintf(text, sizeof text, "%slet a = t | select { symbol, ts }\nlet b = a | filter true\n"
           "b | window session 1m by symbol { n = count() } | sink csv(stdout)\n", HEAD);
  is_int(check(text), 0, "event time flows through lets");
  is_int(flow_op(0, 0)->u.window.ts_index, 1, "at its new position");

  snprintf(text, sizeof text, "%slet a = t | select { symbol }\nlet b = a\n"
           "b | window count 3 { n = count() } | sink csv(stdout)\n", HEAD);
  is_int(check(text), 1, "a select in a let drops it");
  ok(has("error[E0312]") && has("note: this `select` drops `ts`"), "E0312 names the select");

  is_int(check("schema S { at: timestamp, n: i64 }\nsource s: S = csv(\"s.csv\")\n"
               "s | window tumbling 1m { c = count() } | sink csv(stdout)\n"), 1,
         "a source without a watermark");
  ok(has("note: source `s` declares no watermark") &&
     has("`source s: S = csv(...) watermark at - 5s`"), "E0312 shows the clause to add");

  is_int(check("schema S { at: timestamp, n: i64 }\nsource s: S = csv(\"s.csv\") watermark n - 5s\n"
               "s | window tumbling 1m { c = count() } | sink csv(stdout)\n"), 1,
         "a watermark in error");
  ok(has("E0309") && !has("E0312"), "is not reported again at the window");

  is_int(check_flow("aggregate by symbol { n = count() } | window tumbling 1m { c = count() }"), 1,
         "a window after an aggregate");
  ok(has("note: the rows of this `aggregate` have no event time"), "says why");
  is_int(check_flow("window tumbling 1m { n = count() } | aggregate by n { c = count() }"), 0,
         "an aggregate after a window needs no event time");
}

/* ---- diagnostics ---- */

static void test_errors(void) {
  is_int(check_flow("window tumbling 1m by symbol { p = price, q = sum(qty) + qty }"), 2,
         "two fields outside aggregates");
  ok(has("error[E0314]: field `price`") && has("first(price)"), "E0314 with a hint");
  is_int(check_flow("window tumbling 1m by symbl { n = count(), s = symbl + \"\" }"), 1,
         "an unknown key is reported once");
  ok(has("E0203") && has("did you mean `symbol`?"), "as E0203");
  is_int(check_flow("window tumbling 1m by trunc(ts, 1h) { n = count() }"), 1, "an unnamed key");
  ok(has("E0209"), "is E0209");
  is_int(check_flow("window tumbling 1m by sum(qty) { n = count() }"), 1,
         "an aggregate as a key: one error");
  ok(has("error[E0313]: aggregate `sum` in a key"), "E0313 in a key");
  is_int(check("const c = count()\nfn f(x: i64) -> i64 = sum(x)\n"
               "schema S { x: i64 }\nsource s: S = csv(stdin)\n"
               "s | filter max(x) > 0 | select { y = min(x) } | sink csv(stdout)\n"), 4,
         "aggregates in a const, a fn, a filter and a select");
  is_int(check_flow("window tumbling 1m { n = sum(avg(qty)) }"), 1, "nested aggregates");
  ok(has("`avg` inside the argument of `sum`"), "E0313 names both");
  is_int(check_flow("aggregate { s = summ(qty), w = window_start }"), 2,
         "a misspelt aggregate and window_start in an aggregate");
  ok(has("did you mean `sum`?") && has("`aggregate` has no `window_start`"), "both explained");
  is_int(check_flow("window tumbling 1m by symbol { symbol = count(), n = 1, n = 2 }"), 2,
         "duplicate output names");
  ok(has("E0206"), "are E0206");
  is_int(check_flow("window tumbling -1m every 1s { }"), 2, "negative size; every on tumbling");
  ok(has("E0315"), "are E0315");
  is_int(check_flow("window count 10 { } on late skip"), 1, "on late on a count window");
  ok(has("error[E0310]: a `count` window has no late rows"), "is E0310");
  is_int(check_flow("window tumbling 1m { n = null }"), 1, "an item of no type");
  ok(has("E0300"), "is E0300");
}

static void test_warnings(void) {
  char text[1024];
  snprintf(text, sizeof text, "%sparam k: i64 = 2\nlet w = t | window tumbling 1m { n = count() * k }\n"
           "t | sink csv(stdout)\n", HEAD);
  is_int(check(text), 0, "an unused window let checks");
  is_int(D.warnings, 1, "one warning");
  ok(has("W0001") && !has("W0002"), "the let is unused; the param used in an item is not");
}

int main(void) {
  test_dump();
  test_checked_form();
  test_types();
  test_event_time();
  test_errors();
  test_warnings();
  free(out);
  arena_free(A);
  return tap_done();
}
