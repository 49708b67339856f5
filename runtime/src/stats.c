/* stats.c: the --stats table.
 *
 * One line per operator in plan order: a source, each operator fused into a stage, a sink.
 * A stage only counts rows received, rows each operator filtered (the kernel's counters)
 * and rows each operator skipped or dead-lettered; per-operator in and out follow, since
 * an operator's input is its predecessor's output. A stage stopped by a failing row counts
 * as received only the rows up to and including it. Every counter belongs to one thread
 * and is read after pthread_join, so none is atomic.
 */
#include <stdio.h>
#include <string.h>

#include "rt_internal.h"

static void set_row(pipe_stat *s, const rt_node *n, int op, int64_t in, int64_t filtered) {
  const pipe_program_desc *p = n->run->prog;
  char name[96];
  int line = n->d->line, col = n->d->col;
  if (n->d->kind == PIPE_NODE_STAGE && op < n->d->nops) {
    line = n->d->ops[op].line;
    col = n->d->ops[op].col;
  }
  rt_node_label(n, op, 0, name, sizeof name);
  snprintf(s->label, sizeof s->label, "%s (%s:%d:%d)", name, p->file ? p->file : "?", line, col);
  s->in = in;
  s->filtered = filtered;
  s->skipped = n->ops[op].skipped;
  s->dead = n->ops[op].dead;
  /* A row that failed the run (policy fail) is in `in` but in no other column: the error
   * names it. So that line has in = out + filtered + skipped + dead + 1; every other
   * line adds up exactly. */
  s->out = in - filtered - s->skipped - s->dead - n->ops[op].failed;
}

/* Fills the rows of node n from index k on (rows beyond max are counted, not written). */
static int node_rows(const rt_node *n, pipe_stat *rows, int k, int max) {
  pipe_stat tmp;
  if (n->d->kind != PIPE_NODE_STAGE || n->d->nops <= 0) {
    pipe_stat *s = k < max ? &rows[k] : &tmp;
    int64_t filtered = 0;
    if (n->d->kind == PIPE_NODE_STAGE) filtered = n->rows_in - n->rows_out;
    set_row(s, n, 0, n->rows_in, filtered);
    return 1;
  }
  int64_t in = n->rows_in;
  for (int op = 0; op < n->d->nops; op++) {
    pipe_stat *s = k + op < max ? &rows[k + op] : &tmp;
    set_row(s, n, op, in, n->filtered[op]);
    in = s->out;
  }
  return n->d->nops;
}

int rt_stats_rows(const pipe_run *r, pipe_stat *rows, int max) {
  int k = 0;
  for (int i = 0; r->nodes && i < r->prog->nnodes; i++)
    k += node_rows(&r->nodes[i], rows, k, max);
  return k;
}

int pipe_get_stats(const pipe_run *r, pipe_stat *rows, int max) {
  return rt_stats_rows(r, rows, max);
}

void pipe_print_stats(const pipe_run *r, FILE *out) {
  int n = rt_stats_rows(r, NULL, 0);
  pipe_stat s[n > 0 ? n : 1];
  rt_stats_rows(r, s, n);
  int w = 40;   /* the label column widens for long paths so the numbers stay aligned */
  for (int i = 0; i < n; i++)
    if ((int)strlen(s[i].label) > w) w = (int)strlen(s[i].label);
  fprintf(out, "%-*s %10s %10s %10s %10s %10s\n", w, "operator", "in", "out", "filtered",
          "skipped", "dead");
  for (int i = 0; i < n; i++)
    fprintf(out, "%-*s %10lld %10lld %10lld %10lld %10lld\n", w, s[i].label, (long long)s[i].in,
            (long long)s[i].out, (long long)s[i].filtered, (long long)s[i].skipped,
            (long long)s[i].dead);
}
