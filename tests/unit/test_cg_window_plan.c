/* test_cg_window_plan.c: how windows are planned and described. The PREP op fuses into
 * the stage before a window (or is a stage of its own after a source or a shared let),
 * has readable, distinct column names and the window's span and error policy; projection
 * pushdown counts what it reads; the descriptor carries the window's kind, sizes, columns,
 * late policy and functions; the projection kernel computes items over `mid` (and is
 * absent when mid is the output); `--dump=plan` prints windows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cg.h"
#include "parse.h"
#include "rt_batch.h"
#include "sema.h"
#include "tap.h"

void rt_scratch_free(pipe_kctx *ctx);   /* runtime/src/scratch.c */

static const char *const HEAD =
    "schema E { ts: timestamp, k: string, i: i64, ni: i64?, f: f64, s: string, u: i64 }\n"
    "source e: E = csv(\"e.csv\") watermark ts - 1s\n";

typedef struct prog {
  arena *a;
  plan_program *plan;
  cg_jit *jit;
  const pipe_program_desc *desc;
} prog;

static plan_program *plan_of(arena *a, const char *body) {
  diag_ctx d;
  diag_init(&d, stderr);
  src_file *f = src_from_string(a, "t.pipe", arena_printf(a, "%s%s", HEAD, body));
  ast_program *ap = arena_alloc(a, sizeof *ap);
  if (parse_file(a, &d, ap, f) || sema_check(a, &d, ap)) return NULL;
  return plan_build(a, ap, "t.pipe");
}

static bool compile(prog *p, const char *body) {
  memset(p, 0, sizeof *p);
  p->a = arena_new();
  if (!(p->plan = plan_of(p->a, body))) return false;
  backend_opts o = {.emit = EMIT_EXE, .opt_level = 2};
  p->jit = cg_jit_open(p->a, p->plan, &o);
  return p->jit && (p->desc = cg_jit_lookup(p->jit, "t_program")) != NULL;
}

static void done(prog *p) {
  if (p->jit) cg_jit_close(p->jit);
  arena_free(p->a);
}

static const pipe_node_desc *node_of(const prog *p, int kind, int nth) {
  for (int i = 0; i < p->desc->nnodes; i++)
    if (p->desc->nodes[i].kind == kind && nth-- == 0) return &p->desc->nodes[i];
  return NULL;
}

static char *names(arena *a, const row_type *r) {
  char *s = "";
  for (int i = 0; i < r->nfields; i++) s = arena_printf(a, "%s%s%s", s, i ? " " : "", r->fields[i].name);
  return s;
}

/* ---- plan --------------------------------------------------------------------------- */

static void test_fusion(void) {
  arena *a = arena_new();
  plan_program *p = plan_of(a, "e | filter i > 0\n"
                               "  | window tumbling 1m by k { n = count(), t = sum(i) }\n"
                               "  | sink csv(stdout)\n");
  if (ok(p && p->nnodes == 4, "fused: source, stage, window, sink")) {
    const plan_node *st = p->nodes[1], *w = p->nodes[2];
    is_int(st->kind, PLAN_STAGE, "fused: node 1 is a stage");
    is_int(st->nops, 2, "fused: filter and PREP in one stage");
    ok(st->prep_of == w->window, "fused: the stage's last op is the window's PREP");
    is_str(names(a, &st->out), "k ts i", "fused: PREP columns");
    is_int(w->kind, PLAN_WINDOW, "fused: node 2 is the window");
    is_int(w->input, 1, "fused: window reads the stage");
    is_str(names(a, &w->in), "k ts i", "fused: window in is the PREP row");
    is_int(st->ops[1]->at.line, 4, "fused: PREP has the window's line");
    ok(p->nodes[0]->needed[0] && p->nodes[0]->needed[1] && p->nodes[0]->needed[2],
       "pushdown: ts, k, i parsed");
    ok(!p->nodes[0]->needed[3] && !p->nodes[0]->needed[4] && !p->nodes[0]->needed[5],
       "pushdown: ni, f, s not parsed");
  }
  p = plan_of(a, "let x = e | filter i > 0\n"
                 "x | window tumbling 1m { n = count() } | sink csv(stdout)\n"
                 "x | sink csv(stdout)\n");
  if (ok(p && p->nnodes == 6, "shared let: source, stage, PREP stage, window, 2 sinks")) {
    is_int(p->nodes[1]->nops, 1, "shared let: its stage keeps only the filter");
    is_int(p->nodes[2]->nops, 1, "shared let: PREP is a stage of its own");
    ok(p->nodes[2]->prep_of != NULL, "shared let: that stage is a PREP");
    is_str(names(a, &p->nodes[2]->out), "ts", "shared let: no keys, no arguments: the time");
  }
  /* y is x under another name: x's stage feeds y's flow and x's window, so neither y's
   * filter nor the PREP may join it (they did: the window and the sink saw only u > 5). */
  p = plan_of(a, "let x = e | filter i > 0\n"
                 "let y = x\n"
                 "y | filter u > 5 | sink csv(stdout)\n"
                 "x | window tumbling 1m { n = count() } | sink csv(stdout)\n");
  if (ok(p && p->nnodes == 7, "alias let: source, 3 stages, window, 2 sinks")) {
    is_int(p->nodes[1]->nops, 1, "alias let: x's stage keeps only its filter");
    is_int(p->nodes[2]->nops, 1, "alias let: y's filter is a stage of its own");
    is_int(p->nodes[2]->input, 1, "alias let: reading x's stage");
    ok(p->nodes[4]->prep_of && p->nodes[4]->input == 1, "alias let: PREP alone, reads x");
  }
  p = plan_of(a, "let x = e | filter i > 0\n"
                 "let y = x\n"
                 "y | window tumbling 1m { n = count() } | sink csv(stdout)\n");
  if (ok(p && p->nnodes == 4, "alias chain with one consumer: still fused")) {
    is_int(p->nodes[1]->nops, 2, "alias chain: filter and PREP in one stage");
  }
  p = plan_of(a, "e | window count 3 by k { m = sum(i) } | filter m > 1 | sink csv(stdout)\n");
  if (ok(p && p->nnodes == 5, "from a source: source, PREP stage, window, stage, sink")) {
    ok(p->nodes[1]->nops == 1 && p->nodes[1]->prep_of, "from a source: PREP alone");
    is_int(p->nodes[3]->kind, PLAN_STAGE, "from a source: the filter after the window");
    is_int(p->nodes[3]->input, 2, "from a source: reads the window");
  }
  arena_free(a);
}

static void test_prep_names(void) {
  arena *a = arena_new();
  plan_program *p = plan_of(a, "e | window sliding 1m every 10s by k, kk = lower(s) {\n"
                               "    a = sum(i), b = max(i), c = sum(i * 2), d = first(ts),\n"
                               "    e = count(), f = last(k) } | sink csv(stdout)\n");
  if (ok(p && p->nnodes == 4, "names: planned")) {
    const plan_node *w = p->nodes[2];
    is_str(names(a, &p->nodes[1]->out), "k kk ts i sum(i * 2)",
           "names: keys, time, arguments; a computed argument falls back");
    is_int(plan_ts_col(w->window), 2, "names: time after the two keys");
    is_int(plan_arg_col(w, 0), 3, "names: sum(i) reads column 3");
    is_int(plan_arg_col(w, 1), 3, "names: max(i) shares it");
    is_int(plan_arg_col(w, 2), 4, "names: sum(i * 2) has its own");
    is_int(plan_arg_col(w, 3), 2, "names: first(ts) reads the time column");
    is_int(plan_arg_col(w, 4), -1, "names: count() reads none");
    is_int(plan_arg_col(w, 5), 0, "names: last(k) reads the key k");
    ok(p->nodes[0]->needed[5] && !p->nodes[0]->needed[4] && !p->nodes[0]->needed[6],
       "names: s parsed (a key's argument), f and u not");
  }
  p = plan_of(a, "e | window tumbling 1m by i = lower(s) { t = sum(i), n = count(i) }\n"
                 "  | sink csv(stdout)\n");
  if (ok(p && p->nnodes == 4, "clash: planned")) {
    is_str(names(a, &p->nodes[1]->out), "i ts sum(i)", "clash: a key named like a field");
    is_int(plan_arg_col(p->nodes[2], 1), 2, "clash: count(i) shares sum(i)'s column");
  }
  /* An f64 key is `f + 0.0` (one zero per group, tests/run/window_f64_zero_key); an
   * argument reading f must not share it, or min(f) would lose a -0.0. */
  p = plan_of(a, "e | aggregate by f { lo = min(f) } | sink csv(stdout)\n");
  if (ok(p && p->nnodes == 4, "f64 key: planned")) {
    const ast_sel_item *key = p->nodes[1]->ops[0]->u.select.items.items[0];
    ok(key->kind == SEL_EXPR && key->value->kind == EXPR_BINARY &&
       key->value->u.binary.op == BIN_ADD && key->value->u.binary.r->kind == EXPR_FLOAT,
       "f64 key: computed as f + 0.0");
    is_str(names(a, &p->nodes[1]->out), "f min(f)", "f64 key: min(f) has its own column");
    is_int(plan_arg_col(p->nodes[2], 0), 1, "f64 key: min(f) reads column 1");
  }
  p = plan_of(a, "e | aggregate by ts { n = sum(u) } | sink csv(stdout)\n");
  if (ok(p && p->nnodes == 4, "aggregate: planned")) {
    is_str(names(a, &p->nodes[1]->out), "ts u", "aggregate: no event-time column");
    is_int(plan_ts_col(p->nodes[2]->window), -1, "aggregate: ts_col -1");
  }
  arena_free(a);
}

static void test_dump(void) {
  arena *a = arena_new();
  plan_program *p = plan_of(a, "e | window sliding 1m every 10s by k { t = sum(i) }\n"
                               "  on late dead_letter(csv(\"late.csv\")) | sink csv(stdout)\n");
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  if (p) plan_dump(out, p);
  fclose(out);
  ok(p && strstr(buf, "#2 window window"), "dump: the window node");
  ok(strstr(buf, "      sliding 1m every 10s by k on ts\n") != NULL, "dump: kind, sizes, keys, time");
  ok(strstr(buf, "      call 0: sum(i") != NULL, "dump: calls");
  ok(strstr(buf, "      on late dead_letter 0\n") != NULL, "dump: late policy");
  ok(strstr(buf, "      op 0: prep (") != NULL, "dump: the PREP op");
  ok(strstr(buf, "  dead 0: csv(late.csv)") != NULL, "dump: the late connector is a dead letter");
  if (!ok(strstr(buf, "on late") != NULL, "dump printed")) tap_diag("%s", buf);
  free(buf);
  arena_free(a);
}

/* ---- descriptors -------------------------------------------------------------------- */

static void test_desc(void) {
  prog p;
  if (!ok(compile(&p, "e | filter u > 0\n"
                      "  | window sliding 1m every 15s by k { t = sum(i) } on error skip\n"
                      "    on late dead_letter(csv(\"late.csv\"))\n"
                      "  | sink csv(stdout)\n"),
          "desc: compiles")) {
    done(&p);
    return;
  }
  const pipe_node_desc *st = node_of(&p, PIPE_NODE_STAGE, 0), *n = node_of(&p, PIPE_NODE_WINDOW, 0);
  if (ok(st && n && n->window, "desc: a stage and a window node")) {
    const pipe_window_desc *w = n->window;
    is_int(st->nops, 2, "desc: stage has filter and PREP");
    is_int(st->ops[1].kind, PIPE_OP_PREP, "desc: PREP op kind");
    is_int(st->ops[1].line, 4, "desc: PREP line is the window's");
    is_int(st->ops[1].policy.kind, PIPE_ON_SKIP, "desc: PREP has the window's error policy");
    is_int(n->nops, 1, "desc: window has one op");
    is_int(n->ops[0].kind, PIPE_OP_WINDOW, "desc: it is the window");
    is_int(n->ops[0].policy.kind, PIPE_ON_SKIP, "desc: with its error policy");
    is_int(n->input, st - p.desc->nodes, "desc: window reads the stage");
    is_int(w->kind, PIPE_WIN_SLIDING, "desc: sliding");
    is_int(w->size, 60000000, "desc: size");
    is_int(w->every, 15000000, "desc: every");
    is_int(w->nkeys, 1, "desc: one key");
    is_int(w->ts_col, 1, "desc: time after it");
    is_int(w->ncalls, 1, "desc: one call");
    is_int(w->mid.nfields, 4, "desc: mid is key, start, end, call");
    is_int(w->late.kind, PIPE_ON_DEAD, "desc: late rows to a dead letter");
    is_int(w->late.dead, 0, "desc: the first dead-letter connector");
    is_int(p.desc->ndead, 1, "desc: one dead-letter connector");
    ok(w->update && w->merge && w->final, "desc: update, merge, final");
    ok(w->project == NULL, "desc: no projection when mid is the output");
    ok(n->kernel == NULL, "desc: a window node has no kernel");
    is_str(n->schema.fields[3].name, "t", "desc: the node's schema names the output");
  }
  done(&p);
  if (!ok(compile(&p, "e | aggregate by k { n = count() } | sink csv(stdout)\n"), "agg desc: compiles")) {
    done(&p);
    return;
  }
  n = node_of(&p, PIPE_NODE_WINDOW, 0);
  if (ok(n && n->window, "agg desc: a window node")) {
    is_int(n->ops[0].kind, PIPE_OP_AGGREGATE, "agg desc: op kind");
    is_int(n->window->kind, PIPE_WIN_ALL, "agg desc: kind");
    is_int(n->window->ts_col, -1, "agg desc: no time column");
    is_int(n->window->late.kind, PIPE_ON_SKIP, "agg desc: late policy defaults to skip");
    is_int(n->window->mid.nfields, 2, "agg desc: mid is key, call");
  }
  done(&p);
}

/* ---- projection --------------------------------------------------------------------- */

static void test_project(void) {
  prog p;
  if (!ok(compile(&p, "e | window tumbling 1m by k { r = sum(i) / count(ni), n = count(),\n"
                      "    w = window_end - window_start, big = max(f) > 2.0 } | sink csv(stdout)\n"),
          "project: compiles")) {
    done(&p);
    return;
  }
  const pipe_node_desc *n = node_of(&p, PIPE_NODE_WINDOW, 0);
  const pipe_window_desc *w = n ? n->window : NULL;
  if (!ok(w && w->project, "project: a projection kernel")) {
    done(&p);
    return;
  }
  is_int(w->mid.nfields, 7, "project: mid is k, start, end and four calls");
  pipe_batch *mid = rt_batch_new(&w->mid, 4);
  static const int64_t sums[3] = {10, 7, 5}, cnis[3] = {4, 0, 2}, cnts[3] = {5, 1, 2};
  static const double maxf[3] = {3.5, 1, 2};
  for (int r = 0; r < 3; r++) {
    rt_str_append(&mid->cols[0], r, r == 1 ? "bb" : "a", r == 1 ? 2 : 1);
    ((int64_t *)mid->cols[1].values)[r] = 60000000 * r;
    ((int64_t *)mid->cols[2].values)[r] = 60000000 * (r + 1);
    /* calls in order of appearance: sum(i), count(ni), count(), max(f) */
    ((int64_t *)mid->cols[3].values)[r] = sums[r];
    ((int64_t *)mid->cols[4].values)[r] = cnis[r];
    ((int64_t *)mid->cols[5].values)[r] = cnts[r];
    ((double *)mid->cols[6].values)[r] = maxf[r];
    rt_set_valid(&mid->cols[6], r, 1);
    mid->lines[r] = 0;
    mid->wm[r] = 0;
    mid->nrows = r + 1;
  }
  pipe_batch *out = rt_batch_new(&n->schema, 4);
  pipe_kctx ctx;
  int64_t filtered[4] = {0};
  memset(&ctx, 0, sizeof ctx);
  ctx.filtered = filtered;
  int64_t ret = w->project(&ctx, mid, out, 0);
  is_int(ret, 1, "project: row 1 fails (division by zero)");
  if (ok(ctx.err_site >= 0 && ctx.err_site < n->nsites, "project: a site of the window node")) {
    is_str(n->sites[ctx.err_site].message, "division by zero", "project: its message");
    is_int(n->sites[ctx.err_site].op, 0, "project: the window's op");
  }
  is_int(out->nrows, 1, "project: one row before it");
  pipe_str k = rt_str_at(&out->cols[0], 0);
  ok(k.len == 1 && k.ptr[0] == 'a', "project: key copied");
  is_int(((int64_t *)out->cols[3].values)[0], 2, "project: sum(i) / count(ni)");
  is_int(((int64_t *)out->cols[4].values)[0], 5, "project: count()");
  is_int(((int64_t *)out->cols[5].values)[0], 60000000, "project: window_end - window_start");
  is_int(rt_bool_get(&out->cols[6], 0), 1, "project: max(f) > 2.0");
  ret = w->project(&ctx, mid, out, 2);
  is_int(ret, 3, "project: goes on after the failing row");
  is_int(out->nrows, 2, "project: two rows");
  is_int(rt_bool_get(&out->cols[6], 1), 0, "project: 2.0 > 2.0 is false");
  rt_batch_release(mid);
  rt_batch_release(out);
  rt_scratch_free(&ctx);
  done(&p);
}

int main(void) {
  test_fusion();
  test_prep_names();
  test_dump();
  test_desc();
  test_project();
  return tap_done();
}
