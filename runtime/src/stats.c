/* stats.c: the --stats table.
 *
 * One line per operator in plan order: a source, each operator fused into a stage, a sink.
 * A stage only counts rows received, rows each operator filtered (the kernel's counters)
 * and rows each operator skipped or dead-lettered; per-operator in and out follow, since
 * an operator's input is its predecessor's output. A window counts rows received, rows
 * emitted and late rows; the PREP operator fused into the stage before it (its keys and
 * arguments) has no line of its own: its input and its skipped and dead rows show on the
 * window's line, so that there in = aggregated + late + skipped + dead. A stage stopped by a failing row counts
 * as received only the rows up to and including it. A sink's out is the rows it
 * delivered, its dead the rows of batches it could not deliver, dead-lettered; its
 * retries follow the table as a note. Every counter belongs to one thread
 * and is read after pthread_join, so none is atomic.
 */
#include <stdio.h>
#include <string.h>

#include "rt_internal.h"

static void set_label(pipe_stat *s, const rt_node *n, int op, int line, int col) {
  const pipe_program_desc *p = n->run->prog;
  char name[96];
  rt_node_label(n, op, 0, name, sizeof name);
  snprintf(s->label, sizeof s->label, "%s (%s:%d:%d)", name, p->file ? p->file : "?", line, col);
}

static void set_row(pipe_stat *s, const rt_node *n, int op, int64_t in, int64_t filtered) {
  int line = n->d->line, col = n->d->col;
  if (n->d->kind == PIPE_NODE_STAGE && op < n->d->nops) {
    line = n->d->ops[op].line;
    col = n->d->ops[op].col;
  }
  set_label(s, n, op, line, col);
  s->in = in;
  s->filtered = filtered;
  s->skipped = n->ops[op].skipped;
  s->dead = n->ops[op].dead;
  s->late = 0;
  /* A row that failed the run (policy fail) is in `in` but in no other column: the error
   * names it. So that line has in = out + filtered + skipped + dead + 1; every other
   * line adds up exactly. */
  s->out = in - filtered - s->skipped - s->dead - n->ops[op].failed;
}

/* The rows operator `op` of stage n received: the previous operator's out. */
static int64_t op_in(const rt_node *n, int op) {
  int64_t in = n->rows_in;
  for (int k = 0; k < op; k++)
    in -= n->filtered[k] + n->ops[k].skipped + n->ops[k].dead + n->ops[k].failed;
  return in;
}

/* The PREP operator of stage n (its last one), or -1. */
static int prep_op(const rt_node *n) {
  const pipe_node_desc *d = n->d;
  if (d->kind != PIPE_NODE_STAGE || d->nops <= 0) return -1;
  return d->ops[d->nops - 1].kind == PIPE_OP_PREP ? d->nops - 1 : -1;
}

/* A window's line takes over its PREP operator's: the rows it received and the rows its
 * key and argument expressions skipped or dead-lettered. */
static void window_row(pipe_stat *s, const rt_node *n) {
  set_label(s, n, 0, n->d->line, n->d->col);
  s->in = n->rows_in;
  s->out = n->rows_out;
  s->filtered = n->filtered[0];
  s->skipped = n->ops[0].skipped;
  s->dead = n->ops[0].dead;
  s->late = n->late;
  const rt_node *up = &n->run->nodes[n->d->input];
  int op = prep_op(up);
  if (op < 0) return;
  s->in = op_in(up, op);
  s->skipped += up->ops[op].skipped;
  s->dead += up->ops[op].dead;
}

/* Fills the rows of node n from index k on (rows beyond max are counted, not written). */
static int node_rows(const rt_node *n, pipe_stat *rows, int k, int max) {
  pipe_stat tmp;
  if (n->d->kind == PIPE_NODE_WINDOW) {
    window_row(k < max ? &rows[k] : &tmp, n);
    return 1;
  }
  if (n->d->kind != PIPE_NODE_STAGE || n->d->nops <= 0) {
    pipe_stat *s = k < max ? &rows[k] : &tmp;
    int64_t filtered = 0;
    if (n->d->kind == PIPE_NODE_STAGE) filtered = n->rows_in - n->rows_out;
    set_row(s, n, 0, n->rows_in, filtered);
    return 1;
  }
  int made = 0;
  for (int op = 0; op < n->d->nops; op++) {
    if (n->d->ops[op].kind == PIPE_OP_PREP) continue;   /* shown on its window's line */
    pipe_stat *s = k + made < max ? &rows[k + made] : &tmp;
    set_row(s, n, op, op_in(n, op), n->filtered[op]);
    made++;
  }
  return made;
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

static int has_window(const pipe_run *r) {
  for (int i = 0; i < r->prog->nnodes; i++)
    if (r->prog->nodes[i].kind == PIPE_NODE_WINDOW) return 1;
  return 0;
}

/* A note per sink that had to retry, open its breaker or give up on a refused batch
 * (delivery.c): the table counts rows, which these do not change. */
static void delivery_notes(const pipe_run *r, FILE *out) {
  for (int i = 0; i < r->prog->nnodes; i++) {
    const rt_node *n = &r->nodes[i];
    const rt_delivery *s = &n->dlv;
    if (n->d->kind != PIPE_NODE_SINK || (!s->retries && !s->opened && !s->refused)) continue;
    pipe_stat st;
    set_label(&st, n, 0, n->d->line, n->d->col);
    fprintf(out, "note: %s:", st.label);
    const char *sep = " ";
    if (s->retries) {
      fprintf(out, "%s%lld retr%s", sep, (long long)s->retries, s->retries == 1 ? "y" : "ies");
      sep = ", ";
    }
    if (s->opened) {
      fprintf(out, "%sbreaker opened %lld time%s", sep, (long long)s->opened,
              s->opened == 1 ? "" : "s");
      sep = ", ";
    }
    if (s->refused)
      fprintf(out, "%s%lld batch%s refused", sep, (long long)s->refused,
              s->refused == 1 ? "" : "es");
    fputc('\n', out);
  }
}

/* The `late` column appears only in programs with a window: elsewhere it is always 0. */
void pipe_print_stats(const pipe_run *r, FILE *out) {
  int n = rt_stats_rows(r, NULL, 0);
  pipe_stat s[n > 0 ? n : 1];
  rt_stats_rows(r, s, n);
  int late = has_window(r);
  int w = 40;   /* the label column widens for long paths so the numbers stay aligned */
  for (int i = 0; i < n; i++)
    if ((int)strlen(s[i].label) > w) w = (int)strlen(s[i].label);
  fprintf(out, "%-*s %10s %10s %10s %10s %10s", w, "operator", "in", "out", "filtered",
          "skipped", "dead");
  fprintf(out, late ? " %10s\n" : "\n", "late");
  for (int i = 0; i < n; i++) {
    fprintf(out, "%-*s %10lld %10lld %10lld %10lld %10lld", w, s[i].label, (long long)s[i].in,
            (long long)s[i].out, (long long)s[i].filtered, (long long)s[i].skipped,
            (long long)s[i].dead);
    if (late) fprintf(out, " %10lld", (long long)s[i].late);
    fputc('\n', out);
  }
  if (r->nodes) delivery_notes(r, out);
}
