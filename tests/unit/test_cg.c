/* test_cg.c: plan and code generation end to end in memory. Each case parses, checks and
 * plans a small program, JIT-compiles it, then calls the stage kernel from its descriptor
 * on hand-built batches and checks the rows it appends, its filtered counts and its row
 * errors. Also checks the plan's fusion and projection pushdown and that --emit=llvm
 * writes a module that verifies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/IRReader.h>
#include "cg.h"
#include "parse.h"
#include "rt_batch.h"
#include "sema.h"
#include "tap.h"

void rt_scratch_free(pipe_kctx *ctx);   /* runtime/src/scratch.c */

typedef struct prog {
  arena *a;
  plan_program *plan;
  cg_jit *jit;
  const pipe_program_desc *desc;
  const pipe_node_desc *stage;   /* the first stage */
} prog;

static const char *const HEAD_R =
    "schema R { a: i64, b: f64, s: string, n: i64?, t: timestamp }\n"
    "source r: R = csv(\"r.csv\")\n";
static const char *HEAD;   /* the schema and source prepended to each program */

static plan_program *plan_of(arena *a, const char *body) {
  diag_ctx d;
  diag_init(&d, stderr);
  char *text = arena_printf(a, "%s%s", HEAD, body);
  src_file *f = src_from_string(a, "t.pipe", text);
  ast_program *ap = arena_alloc(a, sizeof *ap);
  if (parse_file(a, &d, ap, f) || sema_check(a, &d, ap)) return NULL;
  return plan_build(a, ap, "t.pipe");
}

static bool compile(prog *p, const char *body) {
  memset(p, 0, sizeof *p);
  p->a = arena_new();
  p->plan = plan_of(p->a, body);
  if (!p->plan) return false;
  backend_opts o = {.emit = EMIT_EXE, .opt_level = 2};
  p->jit = cg_jit_open(p->a, p->plan, &o);
  if (!p->jit) return false;
  p->desc = cg_jit_lookup(p->jit, "t_program");
  if (!p->desc) return false;
  for (int i = 0; i < p->desc->nnodes && !p->stage; i++)
    if (p->desc->nodes[i].kind == PIPE_NODE_STAGE) p->stage = &p->desc->nodes[i];
  return p->stage != NULL;
}

static void done(prog *p) {
  if (p->jit) cg_jit_close(p->jit);
  arena_free(p->a);
}

/* Five rows: a = 0..4, b = a / 2, s = "r<a>", n = a except null for odd a, t = a s. */
static pipe_batch *input(const prog *p) {
  const pipe_schema_desc *s = &p->desc->nodes[p->stage->input].schema;
  pipe_batch *b = rt_batch_new(s, 8);
  for (int64_t i = 0; i < 5; i++) {
    ((int64_t *)b->cols[0].values)[i] = i;
    ((double *)b->cols[1].values)[i] = (double)i / 2;
    char buf[8];
    int n = snprintf(buf, sizeof buf, "r%d", (int)i);
    rt_str_append(&b->cols[2], i, buf, n);
    ((int64_t *)b->cols[3].values)[i] = i % 2 ? 12345 : i;
    rt_set_valid(&b->cols[3], i, i % 2 == 0);
    ((int64_t *)b->cols[4].values)[i] = i * 1000000;
    b->lines[i] = i + 2;
    b->nrows = i + 1;
  }
  return b;
}

typedef struct run {
  pipe_batch *in, *out;
  pipe_kctx ctx;
  int64_t filtered[8];
  int64_t ret;
} run;

static void run_stage(const prog *p, run *r, int64_t start) {
  memset(r, 0, sizeof *r);
  r->in = input(p);
  r->out = rt_batch_new(&p->stage->schema, 8);
  r->ctx.filtered = r->filtered;
  r->ctx.err_site = -1;
  r->ret = p->stage->kernel(&r->ctx, r->in, r->out, start);
}

static void run_free(run *r) {
  rt_batch_release(r->in);
  rt_batch_release(r->out);
  rt_scratch_free(&r->ctx);
}

static int64_t i64_at(const pipe_batch *b, int col, int64_t row) {
  return ((const int64_t *)b->cols[col].values)[row];
}

static double f64_at(const pipe_batch *b, int col, int64_t row) {
  return ((const double *)b->cols[col].values)[row];
}

static char *str_at(const pipe_batch *b, int col, int64_t row) {
  static char buf[64];
  pipe_str s = rt_str_at(&b->cols[col], row);
  snprintf(buf, sizeof buf, "%.*s", (int)s.len, s.ptr);
  return buf;
}

static void test_filter(void) {
  prog p;
  if (!ok(compile(&p, "r | filter a > 2 or a == 0 | sink csv(stdout)\n"), "filter compiles")) {
    done(&p);
    return;
  }
  run r;
  run_stage(&p, &r, 0);
  is_int(r.ret, 5, "filter: returns nrows");
  is_int(r.out->nrows, 3, "filter: rows kept");
  is_int(i64_at(r.out, 0, 0), 0, "filter: row 0 a");
  is_int(i64_at(r.out, 0, 1), 3, "filter: row 1 a");
  is_int(i64_at(r.out, 0, 2), 4, "filter: row 2 a");
  is_str(str_at(r.out, 2, 1), "r3", "filter: string copied");
  is_int(r.out->lines[1], 5, "filter: line copied");
  ok(rt_is_null(&r.out->cols[3], 1), "filter: null copied");
  ok(!rt_is_null(&r.out->cols[3], 2), "filter: value copied");
  is_int(r.filtered[0], 2, "filter: filtered count");
  run_free(&r);
  /* starting in the middle, appending after rows already there */
  run_stage(&p, &r, 4);
  is_int(r.out->nrows, 1, "filter from start=4: one row");
  run_free(&r);
  done(&p);
}

static void test_select(void) {
  prog p;
  if (!ok(compile(&p, "r | filter n != null | select { a, x = b * a + 1.5, m = n + 1, "
                      "u = s + \"!\", w = a * 2 } | sink csv(stdout)\n"),
          "select compiles")) {
    done(&p);
    return;
  }
  run r;
  run_stage(&p, &r, 0);
  is_int(r.out->nrows, 3, "select: rows (null n filtered)");
  is_int(r.filtered[0], 2, "select: filtered by n != null");
  ok(f64_at(r.out, 1, 2) == 2.0 * 4 + 1.5, "select: f64 with widening (%g)", f64_at(r.out, 1, 2));
  is_int(i64_at(r.out, 2, 1), 3, "select: nullable arithmetic");
  ok(!rt_is_null(&r.out->cols[2], 1), "select: not null");
  is_str(str_at(r.out, 3, 2), "r4!", "select: concatenation");
  is_int(i64_at(r.out, 4, 2), 8, "select: i64 arithmetic");
  run_free(&r);
  done(&p);
}

static void test_nulls(void) {
  prog p;
  if (!ok(compile(&p, "r | select { m = n * 2, k = n ?? -1, e = n == null, "
                      "c = if n > 1 then \"big\" else \"small\" } | sink csv(stdout)\n"),
          "nulls compile")) {
    done(&p);
    return;
  }
  run r;
  run_stage(&p, &r, 0);
  is_int(r.out->nrows, 5, "nulls: all rows");
  ok(rt_is_null(&r.out->cols[0], 1), "nulls: null * 2 is null");
  is_int(i64_at(r.out, 0, 2), 4, "nulls: 2 * 2");
  is_int(i64_at(r.out, 1, 1), -1, "nulls: ?? takes the right side");
  is_int(i64_at(r.out, 1, 4), 4, "nulls: ?? keeps a value");
  is_int(rt_bool_get(&r.out->cols[2], 1), 1, "nulls: null == null");
  is_int(rt_bool_get(&r.out->cols[2], 0), 0, "nulls: 0 == null is false");
  is_str(str_at(r.out, 3, 1), "small", "nulls: null condition takes else");
  is_str(str_at(r.out, 3, 2), "big", "nulls: if then");
  run_free(&r);
  done(&p);
}

/* Bool columns are bit-packed (Arrow): 20 rows span 3 bytes, with byte boundaries
 * between rows 7/8 and 15/16. Input k = i % 3 != 0, m = null when i % 5 == 0 else
 * i % 2 == 0. Output bytes start all ones or all zeros, as stale bits of a pooled batch
 * would, so every row's bit must be both set and cleared explicitly. */
#define NB 20
static int k_of(int i) { return i % 3 != 0; }

static pipe_batch *bool_input(const prog *p) {
  pipe_batch *b = rt_batch_new(&p->desc->nodes[p->stage->input].schema, NB);
  memset(b->cols[0].values, 0xA5, (NB + 7) / 8);   /* junk the reader overwrites */
  memset(b->cols[1].values, 0x5A, (NB + 7) / 8);
  for (int i = 0; i < NB; i++) {
    rt_bool_set(&b->cols[0], i, k_of(i));
    rt_bool_set(&b->cols[1], i, i % 2 == 0);
    rt_set_valid(&b->cols[1], i, i % 5 != 0);
    ((int64_t *)b->cols[2].values)[i] = i;
    b->lines[i] = i + 2;
  }
  b->nrows = NB;
  return b;
}

static pipe_batch *bool_run(const prog *p, pipe_batch *in, int stale, int64_t *filtered) {
  pipe_batch *out = rt_batch_new(&p->stage->schema, NB);
  for (int j = 0; j < out->ncols; j++) {
    memset(out->cols[j].values, stale, (NB + 7) / 8);
    if (out->cols[j].validity) memset(out->cols[j].validity, stale, (NB + 7) / 8);
  }
  pipe_kctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.filtered = filtered;
  ctx.err_site = -1;
  int64_t ret = p->stage->kernel(&ctx, in, out, 0);
  is_int(ret, NB, "bools: kernel returns nrows");
  rt_scratch_free(&ctx);
  return out;
}

static void test_bools(void) {
  HEAD = "schema R { k: bool, m: bool?, a: i64 }\nsource r: R = csv(\"r.csv\")\n";
  prog p;
  bool built = compile(&p, "r | select { k, m, nk = not k, big = a >= 8, "
                           "mm = if m then false else true } | sink csv(stdout)\n");
  HEAD = HEAD_R;
  if (!ok(built, "bool select compiles")) {
    done(&p);
    return;
  }
  pipe_batch *in = bool_input(&p);
  is_int(((uint8_t *)in->cols[0].values)[0], 0xB6, "bools: byte 0 of k is 10110110");
  for (int stale = 0; stale <= 0xFF; stale += 0xFF) {
    int64_t filtered[4] = {0};
    pipe_batch *out = bool_run(&p, in, stale, filtered);
    is_int(out->nrows, NB, "bools: all rows");
    int k = 1, m = 1, nk = 1, big = 1, mm = 1;
    for (int i = 0; i < NB; i++) {
      k &= rt_bool_get(&out->cols[0], i) == k_of(i);
      m &= rt_is_null(&out->cols[1], i) == (i % 5 == 0);
      if (i % 5) m &= rt_bool_get(&out->cols[1], i) == (i % 2 == 0);
      nk &= rt_bool_get(&out->cols[2], i) == !k_of(i);
      big &= rt_bool_get(&out->cols[3], i) == (i >= 8);
      mm &= rt_bool_get(&out->cols[4], i) == !(i % 5 && i % 2 == 0);
    }
    ok(k, "bools: bool copied bit by bit (stale %#x)", stale);
    ok(m, "bools: nullable bool copied with its nulls (stale %#x)", stale);
    ok(nk, "bools: not k (stale %#x)", stale);
    ok(big, "bools: comparison stored as bits (stale %#x)", stale);
    ok(mm, "bools: if on a nullable bool (stale %#x)", stale);
    const uint8_t *bb = out->cols[3].values;
    is_int(bb[0], 0x00, "bools: a >= 8 byte 0 (rows 0..7 false)");
    is_int(bb[1], 0xFF, "bools: a >= 8 byte 1 (rows 8..15 true)");
    is_int(bb[2] & 0x0F, 0x0F, "bools: a >= 8 byte 2 (rows 16..19 true)");
    is_int(rt_bool_get(&out->cols[0], 15), k_of(15), "bools: row 15 (last bit of byte 1)");
    is_int(rt_bool_get(&out->cols[0], 16), k_of(16), "bools: row 16 (first bit of byte 2)");
    rt_batch_release(out);
  }
  rt_batch_release(in);
  done(&p);

  /* filter on bool columns: the output row n differs from the input row i */
  HEAD = "schema R { k: bool, m: bool?, a: i64 }\nsource r: R = csv(\"r.csv\")\n";
  built = compile(&p, "r | filter k | filter not m | select { a, k, m } | sink csv(stdout)\n");
  HEAD = HEAD_R;
  if (!ok(built, "bool filter compiles")) {
    done(&p);
    return;
  }
  in = bool_input(&p);
  for (int stale = 0; stale <= 0xFF; stale += 0xFF) {
    int64_t filtered[4] = {0};
    pipe_batch *out = bool_run(&p, in, stale, filtered);
    /* kept: k true (i % 3 != 0) and m false (i odd, i % 5 != 0): 1 7 11 13 17 19 */
    static const int64_t want[] = {1, 7, 11, 13, 17, 19};
    is_int(out->nrows, 6, "bool filter: rows kept");
    int right = out->nrows == 6;
    for (int n = 0; right && n < 6; n++)
      right = ((int64_t *)out->cols[0].values)[n] == want[n] && rt_bool_get(&out->cols[1], n) &&
              !rt_is_null(&out->cols[2], n) && !rt_bool_get(&out->cols[2], n);
    ok(right, "bool filter: kept rows and their bools (stale %#x)", stale);
    is_int(((uint8_t *)out->cols[1].values)[0] & 0x3F, 0x3F, "bool filter: k bits 0..5 set");
    is_int(((uint8_t *)out->cols[2].values)[0] & 0x3F, 0x00, "bool filter: m bits 0..5 clear");
    is_int(filtered[0], 7, "bool filter: k false on 7 rows");
    is_int(filtered[1], 7, "bool filter: m true or null on 7 rows");
    rt_batch_release(out);
  }
  rt_batch_release(in);
  done(&p);
}

static void test_div_zero(void) {
  prog p;
  if (!ok(compile(&p, "r | filter a >= 0\n  | select { a, q = 10 / (a - 2) } | sink csv(stdout)\n"),
          "division compiles")) {
    done(&p);
    return;
  }
  run r;
  run_stage(&p, &r, 0);
  is_int(r.ret, 2, "div: returns the failing row");
  is_int(r.out->nrows, 2, "div: rows before it are out");
  ok(r.ctx.err_site >= 0 && r.ctx.err_site < p.stage->nsites, "div: err_site in range");
  if (r.ctx.err_site >= 0 && r.ctx.err_site < p.stage->nsites) {
    const pipe_site_desc *s = &p.stage->sites[r.ctx.err_site];
    is_str(s->message, "division by zero", "div: message");
    is_int(s->op, 1, "div: site op is the select");
    is_int(s->line, 4, "div: site line");
  }
  is_int(i64_at(r.out, 1, 1), -10, "div: 10 / -1");
  run_free(&r);
  run_stage(&p, &r, 3);
  is_int(r.ret, 5, "div: goes on after the failing row");
  is_int(i64_at(r.out, 1, 0), 10, "div: 10 / 1");
  run_free(&r);
  done(&p);
}

static void test_conversion_site(void) {
  prog p;
  if (!ok(compile(&p, "r | select { v = i64(s) } | sink csv(stdout)\n"), "conversion compiles")) {
    done(&p);
    return;
  }
  run r;
  run_stage(&p, &r, 0);
  is_int(r.ret, 0, "conv: first row fails");
  if (r.ctx.err_site >= 0 && r.ctx.err_site < p.stage->nsites) {
    is_str(p.stage->sites[r.ctx.err_site].message, "cannot convert to i64", "conv: message");
    is_int(p.stage->sites[r.ctx.err_site].field, 2, "conv: field is s");
  } else {
    ok(0, "conv: err_site in range");
  }
  run_free(&r);
  done(&p);
}

static void test_plan(void) {
  arena *a = arena_new();
  plan_program *p = plan_of(a, "let big = r | filter a > 1\n"
                                "big | select { a, x = b } | sink csv(stdout)\n");
  if (ok(p != NULL, "plan: fused across a let")) {
    is_int(p->nnodes, 3, "plan: source, one stage, sink");
    if (p->nnodes == 3) {
      is_int(p->nodes[1]->nops, 2, "plan: filter and select in one stage");
      ok(p->nodes[0]->needed[0] && p->nodes[0]->needed[1], "plan: a and b needed");
      ok(!p->nodes[0]->needed[2] && !p->nodes[0]->needed[3] && !p->nodes[0]->needed[4],
         "plan: s, n, t not parsed");
    }
  }
  p = plan_of(a, "let big = r | filter a > 1\n"
                 "big | select { s } | sink csv(stdout)\n"
                 "big | select { n } | sink csv(stdout)\n");
  if (ok(p != NULL, "plan: fan-out")) {
    is_int(p->nnodes, 6, "plan: source, stage, 2 x (stage, sink)");
    if (p->nnodes == 6) {
      is_int(p->nodes[1]->nops, 1, "plan: the let's stage keeps its filter");
      is_int(p->nodes[2]->input, 1, "plan: first consumer reads the let");
      is_int(p->nodes[4]->input, 1, "plan: second consumer reads the let");
      ok(p->nodes[0]->needed[0] && p->nodes[0]->needed[2] && p->nodes[0]->needed[3] &&
             !p->nodes[0]->needed[1] && !p->nodes[0]->needed[4],
         "plan: needed a, s, n only");
      ok(!p->nodes[1]->needed[1], "plan: the stage leaves b empty");
    }
  }
  arena_free(a);
}

static void test_emit_llvm(void) {
  arena *a = arena_new();
  plan_program *p = plan_of(a, "param k: i64 = 3\n"
                               "r | filter a > k and contains(s, \"x\")\n"
                               "  | select { a, d = trunc(t, 1m), y = string(b) } | sink csv(stdout)\n");
  char path[] = "/tmp/test_cg_XXXXXX";
  int fd = mkstemp(path);
  if (fd >= 0) close(fd);
  backend_opts o = {.emit = EMIT_LLVM, .out = path, .opt_level = 2};
  if (ok(p && fd >= 0 && backend_build(a, p, &o) == 0, "emit llvm")) {
    LLVMContextRef ctx = LLVMContextCreate();
    LLVMMemoryBufferRef buf = NULL;
    char *msg = NULL;
    LLVMModuleRef m = NULL;
    if (!LLVMCreateMemoryBufferWithContentsOfFile(path, &buf, &msg) &&
        !LLVMParseIRInContext(ctx, buf, &m, &msg)) {
      ok(!LLVMVerifyModule(m, LLVMReturnStatusAction, &msg), "emitted IR verifies");
      ok(LLVMGetNamedGlobal(m, "t_program") != NULL, "t_program defined");
      LLVMDisposeModule(m);
    } else {
      ok(0, "emitted IR parses: %s", msg ? msg : "?");
    }
    LLVMDisposeMessage(msg);
    LLVMContextDispose(ctx);
  }
  unlink(path);
  arena_free(a);
}

int main(void) {
  HEAD = HEAD_R;
  test_plan();
  test_filter();
  test_select();
  test_nulls();
  test_bools();
  test_div_zero();
  test_conversion_site();
  test_emit_llvm();
  return tap_done();
}
