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

static const char *HEAD =
    "schema R { a: i64, b: f64, s: string, n: i64?, t: timestamp }\n"
    "source r: R = csv(\"r.csv\")\n";

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
  is_int(((uint8_t *)r.out->cols[2].values)[1], 1, "nulls: null == null");
  is_int(((uint8_t *)r.out->cols[2].values)[0], 0, "nulls: 0 == null is false");
  is_str(str_at(r.out, 3, 1), "small", "nulls: null condition takes else");
  is_str(str_at(r.out, 3, 2), "big", "nulls: if then");
  run_free(&r);
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
  test_plan();
  test_filter();
  test_select();
  test_nulls();
  test_div_zero();
  test_conversion_site();
  test_emit_llvm();
  return tap_done();
}
