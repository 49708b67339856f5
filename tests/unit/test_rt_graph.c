/* test_rt_graph.c: whole programs through pipe_main, with a descriptor written by hand:
 * a CSV source over a temp file, a stage whose C kernel filters on a param and fails on
 * qty == 0 (as a division by zero would), and CSV sinks (one, or two for fan-out). Checks
 * output files, exit statuses under fail / skip / dead_letter for reader and operator
 * errors, the dead-letter file, --stats, set-up errors and many-batch inputs, and the
 * graceful stop under fail: every row before the failing one is written, the stats stay
 * exact, a fan-out with one failing branch ends, and many failures print one error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rt_internal.h"
#include "tap.h"

/* tap.h's is_int evaluates its argument twice: runs go through this. */
#define is_call(expr, want, name) \
  do { \
    long long got_ = (expr); \
    is_int(got_, want, name); \
  } while (0)

static char dir[64], in_path[128], out_path[128], out2_path[128], dead_path[128];

static const pipe_field_desc trade_fields[] = {
    {"sym", PIPE_T_STRING, 0}, {"qty", PIPE_T_I64, 0}, {"price", PIPE_T_F64, 1}};
static const uint8_t all_needed[] = {1, 1, 1};

static pipe_param_desc params[] = {
    {"input", PIPE_T_STRING, 0, NULL},   /* default set to in_path in main */
    {"min_qty", PIPE_T_I64, 0, "10"},
};

/* filter qty >= min_qty (failing on qty == 0, site 0) | select { ... } (a copy, failing on
 * qty == 99, site 1) */
static int64_t kernel(pipe_kctx *ctx, const pipe_batch *in, pipe_batch *out, int64_t start) {
  const int64_t *qty = in->cols[1].values;
  const double *price = in->cols[2].values;
  for (int64_t i = start; i < in->nrows; i++) {
    if (qty[i] == 0) {
      ctx->err_site = 0;
      return i;
    }
    if (qty[i] < ctx->params[1].i) {
      ctx->filtered[0]++;
      continue;
    }
    if (qty[i] == 99) {
      ctx->err_site = 1;
      return i;
    }
    int64_t o = out->nrows++;
    pipe_str s = rt_str_at(&in->cols[0], i);
    rt_str_append(&out->cols[0], o, s.ptr, s.len);
    ((int64_t *)out->cols[1].values)[o] = qty[i];
    ((double *)out->cols[2].values)[o] = price[i];
    rt_set_valid(&out->cols[2], o, !rt_is_null(&in->cols[2], i));
    out->lines[o] = in->lines[i];
  }
  return in->nrows;
}

static pipe_op_desc ops[] = {
    {PIPE_OP_FILTER, 3, 5, {PIPE_ON_FAIL, 0}},
    {PIPE_OP_SELECT, 4, 5, {PIPE_ON_FAIL, 0}},
};
static const pipe_site_desc sites[] = {{0, 3, 12, 1, "division by zero"},
                                        {1, 4, 20, 1, "cannot convert to i64"}};

#define TRADE {trade_fields, 3, 0}
static pipe_node_desc nodes[4] = {
    {PIPE_NODE_SOURCE, -1, "trades", 2, 1, TRADE, {PIPE_CONN_CSV, 0, NULL, 1, ',', 2, 17},
     all_needed, {PIPE_ON_FAIL, 0}, -1, 0, 0, NULL, NULL, 0, 0, NULL, NULL},
    {PIPE_NODE_STAGE, 0, "stage", 3, 5, TRADE, {0, -1, NULL, 0, 0, 0, 0}, NULL,
     {PIPE_ON_FAIL, 0}, -1, 0, 0, kernel, ops, 2, 2, sites, NULL},
    {PIPE_NODE_SINK, 1, "csv", 5, 5, TRADE, {PIPE_CONN_CSV, -1, NULL, 1, ',', 5, 10}, NULL,
     {PIPE_ON_FAIL, 0}, -1, 0, 0, NULL, NULL, 0, 0, NULL, NULL},
    {PIPE_NODE_SINK, 1, "csv", 6, 5, TRADE, {PIPE_CONN_CSV, -1, NULL, 1, ',', 6, 10}, NULL,
     {PIPE_ON_FAIL, 0}, -1, 0, 0, NULL, NULL, 0, 0, NULL, NULL},
};
static pipe_conn_desc dead[] = {{PIPE_CONN_CSV, -1, NULL, 1, ',', 9, 30}};
static pipe_program_desc prog = {PIPE_ABI_VERSION, 3, "t.pipe", nodes, params, 2, 1, dead};

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

/* The whole file, or "" if missing; the caller frees. */
static char *slurp(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return strdup("<missing>");
  char *buf = NULL;
  size_t cap = 0, len = 0, n;
  char chunk[4096];
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    buf = realloc(buf, cap = len + n + 1);
    memcpy(buf + len, chunk, n);
    len += n;
  }
  fclose(f);
  if (!buf) return strdup("");
  buf[len] = 0;
  return buf;
}

static char *err_text;

/* Runs pipe_main with args (NULL-terminated), capturing standard error in err_text. */
static int run(const char **args) {
  char *argv[16];
  int argc = 0;
  argv[argc++] = (char *)"prog";
  for (; *args; args++) argv[argc++] = (char *)*args;
  argv[argc] = NULL;
  char errp[160];
  snprintf(errp, sizeof errp, "%s/stderr.txt", dir);
  fflush(stderr);
  int saved = dup(2);
  FILE *ef = freopen(errp, "w", stderr);
  (void)ef;
  unlink(out_path);
  unlink(dead_path);
  int st = pipe_main(argc, argv, &prog);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  free(err_text);
  err_text = slurp(errp);
  return st;
}

static void set_policies(int source, int filter) {
  nodes[0].policy.kind = source;
  ops[0].policy.kind = filter;
}

static const char *data_clean = "sym,qty,price\nA,10,1.5\nB,5,2\nD,20,4.5\nF,30,\n";
static const char *data_bad = "sym,qty,price\nA,10,1.5\nB,5,2\nC,0,3\nD,20,4.5\nE,x,1\nF,30,\n";
static const char *want_out = "sym,qty,price\nA,10,1.5\nD,20,4.5\nF,30,\n";

static void check_output(const char *path, const char *want, const char *name) {
  char *got = slurp(path);
  ok(strcmp(got, want) == 0, "%s", name);
  if (strcmp(got, want) != 0) tap_diag("got:\n%s", got);
  free(got);
}

static void test_clean(void) {
  write_file(in_path, data_clean);
  set_policies(PIPE_ON_FAIL, PIPE_ON_FAIL);
  const char *none[] = {NULL};
  is_call(run(none), 0, "clean input: status 0");
  check_output(out_path, want_out, "filtered rows written");
  is_str(err_text, "", "nothing on standard error");

  const char *lower[] = {"--param", "min_qty=5", NULL};
  is_call(run(lower), 0, "param changes the filter");
  check_output(out_path, "sym,qty,price\nA,10,1.5\nB,5,2\nD,20,4.5\nF,30,\n", "B passes now");
}

static void test_fail(void) {
  write_file(in_path, data_bad);
  set_policies(PIPE_ON_SKIP, PIPE_ON_FAIL);
  const char *none[] = {NULL};
  is_call(run(none), 1, "operator error under fail: status 1");
  char want[512];
  snprintf(want, sizeof want,
           "error[R0011]: %s:4: field `qty` = \"0\": division by zero\n  --> t.pipe:3:12: in filter\n",
           in_path);
  ok(strcmp(err_text, want) == 0, "operator row error text");
  if (strcmp(err_text, want) != 0) tap_diag("got: %s", err_text);

  set_policies(PIPE_ON_FAIL, PIPE_ON_SKIP);
  is_call(run(none), 1, "reader error under fail: status 1");
  snprintf(want, sizeof want,
           "error[R0001]: %s:6: field `qty` = \"x\": invalid i64\n  --> t.pipe:2:1: in source `trades`\n",
           in_path);
  ok(strcmp(err_text, want) == 0, "reader row error text");
  if (strcmp(err_text, want) != 0) tap_diag("got: %s", err_text);
}

static void test_skip_and_stats(void) {
  write_file(in_path, data_bad);
  set_policies(PIPE_ON_SKIP, PIPE_ON_SKIP);
  const char *stats[] = {"--stats", NULL};
  is_call(run(stats), 0, "skip everywhere: status 0");
  check_output(out_path, want_out, "good rows written");
  char want[1024];
  int n = snprintf(want, sizeof want, "%-40s %10s %10s %10s %10s %10s\n", "operator", "in",
                   "out", "filtered", "skipped", "dead");
  const char *fmt = "%-40s %10lld %10lld %10lld %10lld %10lld\n";
  n += snprintf(want + n, sizeof want - n, fmt, "source trades (t.pipe:2:1)", 6LL, 5LL, 0LL, 1LL, 0LL);
  n += snprintf(want + n, sizeof want - n, fmt, "filter (t.pipe:3:5)", 5LL, 3LL, 1LL, 1LL, 0LL);
  n += snprintf(want + n, sizeof want - n, fmt, "select (t.pipe:4:5)", 3LL, 3LL, 0LL, 0LL, 0LL);
  snprintf(want + n, sizeof want - n, fmt, "sink csv (t.pipe:5:5)", 3LL, 3LL, 0LL, 0LL, 0LL);
  ok(strcmp(err_text, want) == 0, "--stats table");
  if (strcmp(err_text, want) != 0) tap_diag("got:\n%s", err_text);
}

static void test_dead_letter(void) {
  write_file(in_path, data_bad);
  set_policies(PIPE_ON_DEAD, PIPE_ON_DEAD);
  const char *stats[] = {"--stats", NULL};
  is_call(run(stats), 0, "dead letters: status 0");
  check_output(out_path, want_out, "good rows written");
  char *d = slurp(dead_path);
  ok(strncmp(d, "code,error,origin,field,value,pipe,row\n", 39) == 0, "dead-letter header");
  char want[512];
  snprintf(want, sizeof want, "R0011,division by zero,%s:4,qty,0,t.pipe:3:12,\"{\"\"sym\"\":\"\"C\"\"",
           in_path);
  ok(strstr(d, want) != NULL, "operator dead letter: row as JSON");
  snprintf(want, sizeof want, "R0001,invalid i64,%s:6,qty,x,t.pipe:2:1,\"E,x,1", in_path);
  ok(strstr(d, want) != NULL, "reader dead letter: the raw record");
  if (!strstr(d, want)) tap_diag("dead file:\n%s", d);
  free(d);
  ok(strstr(err_text, "source trades (t.pipe:2:1)") && strstr(err_text, "1\n"), "stats printed");
  ok(strstr(err_text, "         6          5          0          0          1\n") != NULL,
     "source counts the dead row");
  ok(strstr(err_text, "         5          3          1          0          1\n") != NULL,
     "filter counts the dead row");
}

static void test_setup_errors(void) {
  set_policies(PIPE_ON_FAIL, PIPE_ON_FAIL);
  char missing[160];
  snprintf(missing, sizeof missing, "input=%s/nope.csv", dir);
  const char *a1[] = {"--param", missing, NULL};
  is_call(run(a1), 1, "missing input file: status 1");
  ok(strncmp(err_text, "error: ", 7) == 0 && strstr(err_text, "nope.csv") &&
         strstr(err_text, "\n  --> t.pipe:2:1: in source `trades`\n"),
     "open error names the file and the source");
  ok(access(out_path, F_OK) != 0, "no output file when a source fails to open");

  write_file(in_path, "sym,price\nA,1\n");
  const char *none[] = {NULL};
  is_call(run(none), 1, "missing column: status 1");
  ok(strstr(err_text, "missing column `qty`") != NULL, "missing column message");
  ok(access(out_path, F_OK) != 0, "no output file on a missing column");

  const char *a2[] = {"--param", "min_qty=abc", NULL};
  is_call(run(a2), 2, "bad param value: status 2");
  const char *a3[] = {"--bogus", NULL};
  is_call(run(a3), 2, "unknown flag: status 2");
}

static void test_fanout_and_volume(void) {
  enum { ROWS = 50000 };
  FILE *f = fopen(in_path, "w");
  fputs("sym,qty,price\n", f);
  for (int i = 0; i < ROWS; i++) fprintf(f, "S%d,%d,%d.5\n", i, i % 20 + 1, i);
  fclose(f);
  set_policies(PIPE_ON_FAIL, PIPE_ON_FAIL);
  prog.nnodes = 4;   /* the second sink reads the stage too */
  unlink(out2_path);
  const char *stats[] = {"--stats", NULL};
  is_call(run(stats), 0, "many batches, two sinks: status 0");
  prog.nnodes = 3;
  char *a = slurp(out_path), *b = slurp(out2_path);
  ok(strcmp(a, b) == 0, "both sinks got the same rows");
  long lines = 0;
  for (char *p = a; *p; p++) lines += *p == '\n';
  is_int(lines - 1, ROWS / 20 * 11, "rows with qty >= 10 across many batches");
  ok(strstr(a, "\nS49999,20,49999.5\n") != NULL, "the last row arrived");
  free(a);
  free(b);
}


/* ---- graceful stop under fail ------------------------------------------------------- */

static const char *stats_fmt = "%-40s %10lld %10lld %10lld %10lld %10lld\n";

/* Appends one stats line to buf. */
static void stat_line(char *buf, size_t size, const char *label, long long in, long long out,
                      long long filtered, long long skipped, long long dead) {
  size_t n = strlen(buf);
  snprintf(buf + n, size - n, stats_fmt, label, in, out, filtered, skipped, dead);
}

/* Writes ROWS rows S<i>,<qty>,<i>.5 with qty = i % 20 + 1, except row `bad` whose line is
 * `bad_text` (NULL: no bad row). */
static void write_rows(int rows, int bad, const char *bad_text) {
  FILE *f = fopen(in_path, "w");
  fputs("sym,qty,price\n", f);
  for (int i = 0; i < rows; i++) {
    if (i == bad && bad_text) fprintf(f, "%s\n", bad_text);
    else fprintf(f, "S%d,%d,%d.5\n", i, i % 20 + 1, i);
  }
  fclose(f);
}

/* The output of rows [0, upto) with qty >= min_qty, qty being i % 20 + 1 except 0 for row
 * zero_row; *kept: how many. */
static char *want_rows(int upto, int min_qty, int zero_row, long long *kept) {
  size_t cap = (size_t)upto * 32 + 64, len = 0;
  char *buf = malloc(cap);
  len += (size_t)snprintf(buf, cap, "sym,qty,price\n");
  *kept = 0;
  for (int i = 0; i < upto; i++) {
    int qty = i == zero_row ? 0 : i % 20 + 1;
    if (qty < min_qty) continue;
    len += (size_t)snprintf(buf + len, cap - len, "S%d,%d,%d.5\n", i, qty, i);
    (*kept)++;
  }
  return buf;
}

/* Skips the header and the source line of a stats table; NULL if it is not there. */
static const char *after_source_line(const char *err, long long src[5]) {
  const char *p = strstr(err, "source trades (t.pipe:2:1)");
  if (!p) return NULL;
  if (sscanf(p + strlen("source trades (t.pipe:2:1)"), "%lld %lld %lld %lld %lld", &src[0],
             &src[1], &src[2], &src[3], &src[4]) != 5)
    return NULL;
  const char *nl = strchr(p, '\n');
  return nl ? nl + 1 : NULL;
}

static void test_fail_drains_small(void) {
  write_file(in_path, data_bad);
  set_policies(PIPE_ON_SKIP, PIPE_ON_FAIL);
  const char *stats[] = {"--stats", NULL};
  is_call(run(stats), 1, "fail in the middle of a batch: status 1");
  check_output(out_path, "sym,qty,price\nA,10,1.5\n", "exactly the rows before the failing row");
  char want[2048];
  snprintf(want, sizeof want,
           "error[R0011]: %s:4: field `qty` = \"0\": division by zero\n  --> t.pipe:3:12: in filter\n",
           in_path);
  size_t n = strlen(want);
  snprintf(want + n, sizeof want - n, "%-40s %10s %10s %10s %10s %10s\n", "operator", "in",
           "out", "filtered", "skipped", "dead");
  stat_line(want, sizeof want, "source trades (t.pipe:2:1)", 6, 5, 0, 1, 0);
  stat_line(want, sizeof want, "filter (t.pipe:3:5)", 3, 1, 1, 0, 0);   /* + the failing row */
  stat_line(want, sizeof want, "select (t.pipe:4:5)", 1, 1, 0, 0, 0);
  stat_line(want, sizeof want, "sink csv (t.pipe:5:5)", 1, 1, 0, 0, 0);
  ok(strcmp(err_text, want) == 0, "error once, then the stats table (failing row in filter's in only)");
  if (strcmp(err_text, want) != 0) tap_diag("got:\n%s", err_text);
}

/* A failing row deep in a later batch, in operator `op` (0 filter: qty 0; 1 select: 99). */
static void test_fail_drains_big(int op) {
  enum { ROWS = 10000, BAD = 6000 };
  char bad_text[64];
  snprintf(bad_text, sizeof bad_text, "S%d,%d,%d.5", BAD, op == 0 ? 0 : 99, BAD);
  write_rows(ROWS, BAD, bad_text);
  set_policies(PIPE_ON_FAIL, PIPE_ON_FAIL);
  const char *stats[] = {"--stats", NULL};
  is_call(run(stats), 1, op == 0 ? "failing row in filter: status 1" : "failing row in select: status 1");
  long long kept;
  char *want_out_rows = want_rows(BAD, 10, -1, &kept);
  check_output(out_path, want_out_rows, "every row before the failing row, nothing after");
  free(want_out_rows);
  char want[2048];
  snprintf(want, sizeof want, "error[%s]: %s:%d: field `qty` = \"%s\": %s\n  --> t.pipe:%s: in %s\n",
           op == 0 ? "R0011" : "R0013", in_path, BAD + 2, op == 0 ? "0" : "99",
           op == 0 ? "division by zero" : "cannot convert to i64", op == 0 ? "3:12" : "4:20",
           op == 0 ? "filter" : "select");
  ok(strncmp(err_text, want, strlen(want)) == 0, "the error text first");
  if (strncmp(err_text, want, strlen(want)) != 0) tap_diag("got:\n%s", err_text);
  long long src[5];
  const char *rest = after_source_line(err_text, src);
  ok(rest && src[0] == src[1] + src[2] + src[3] + src[4] && src[0] >= BAD + 1,
     "source line adds up (read %lld)", rest ? src[0] : -1LL);
  want[0] = 0;
  long long filtered = BAD - kept;
  if (op == 0) {
    stat_line(want, sizeof want, "filter (t.pipe:3:5)", BAD + 1, kept, filtered, 0, 0);
    stat_line(want, sizeof want, "select (t.pipe:4:5)", kept, kept, 0, 0, 0);
  } else {
    stat_line(want, sizeof want, "filter (t.pipe:3:5)", BAD + 1, kept + 1, filtered, 0, 0);
    stat_line(want, sizeof want, "select (t.pipe:4:5)", kept + 1, kept, 0, 0, 0);
  }
  stat_line(want, sizeof want, "sink csv (t.pipe:5:5)", kept, kept, 0, 0, 0);
  ok(rest && strcmp(rest, want) == 0, "operator lines exact; the failing one is short by the failing row");
  if (!rest || strcmp(rest, want) != 0) tap_diag("got:\n%s", err_text);
}

static void test_fail_source_drains(void) {
  enum { GOOD = 5000, ROWS = 8000 };
  write_rows(ROWS, GOOD, "Z,x,1");
  set_policies(PIPE_ON_FAIL, PIPE_ON_FAIL);
  const char *stats[] = {"--stats", "--param", "min_qty=1", NULL};
  is_call(run(stats), 1, "bad record after 5000 good ones: status 1");
  long long kept;
  char *w = want_rows(GOOD, 1, -1, &kept);
  check_output(out_path, w, "the good records before it are all written");
  free(w);
  char want[2048];
  snprintf(want, sizeof want,
           "error[R0001]: %s:%d: field `qty` = \"x\": invalid i64\n  --> t.pipe:2:1: in source `trades`\n",
           in_path, GOOD + 2);
  size_t n = strlen(want);
  snprintf(want + n, sizeof want - n, "%-40s %10s %10s %10s %10s %10s\n", "operator", "in",
           "out", "filtered", "skipped", "dead");
  stat_line(want, sizeof want, "source trades (t.pipe:2:1)", GOOD + 1, GOOD, 0, 0, 0);
  stat_line(want, sizeof want, "filter (t.pipe:3:5)", GOOD, GOOD, 0, 0, 0);
  stat_line(want, sizeof want, "select (t.pipe:4:5)", GOOD, GOOD, 0, 0, 0);
  stat_line(want, sizeof want, "sink csv (t.pipe:5:5)", GOOD, GOOD, 0, 0, 0);
  ok(strcmp(err_text, want) == 0, "error text and exact stats for a failing source");
  if (strcmp(err_text, want) != 0) tap_diag("got:\n%s", err_text);
}

/* Fan-out: the source feeds stage A (fails on qty 0) -> sink out, and stage B (a slow copy,
 * never fails) -> sink out2. Both stages sleep per batch so that channels fill up and the
 * source blocks on either of them. */
static void nap(void) {
  struct timespec t = {0, 300000};
  nanosleep(&t, NULL);
}

static int64_t slow_kernel(pipe_kctx *ctx, const pipe_batch *in, pipe_batch *out, int64_t start) {
  if (start == 0) nap();
  return kernel(ctx, in, out, start);
}

static int64_t slow_copy(pipe_kctx *ctx, const pipe_batch *in, pipe_batch *out, int64_t start) {
  (void)ctx;
  nap();
  for (int64_t i = start; i < in->nrows; i++) {
    int64_t o = out->nrows++;
    pipe_str s = rt_str_at(&in->cols[0], i);
    rt_str_append(&out->cols[0], o, s.ptr, s.len);
    ((int64_t *)out->cols[1].values)[o] = ((const int64_t *)in->cols[1].values)[i];
    ((double *)out->cols[2].values)[o] = ((const double *)in->cols[2].values)[i];
    rt_set_valid(&out->cols[2], o, !rt_is_null(&in->cols[2], i));
    out->lines[o] = in->lines[i];
  }
  return in->nrows;
}

static pipe_op_desc copy_ops[] = {{PIPE_OP_SELECT, 7, 5, {PIPE_ON_FAIL, 0}}};
static pipe_node_desc fan_nodes[5];
static pipe_program_desc fan_prog = {PIPE_ABI_VERSION, 5, "t.pipe", fan_nodes, params, 2, 1, dead};

static int run_fan(void) {
  memcpy(&fan_nodes[0], &nodes[0], sizeof nodes[0]);
  memcpy(&fan_nodes[1], &nodes[1], sizeof nodes[1]);
  fan_nodes[1].kernel = slow_kernel;
  memcpy(&fan_nodes[2], &nodes[2], sizeof nodes[2]);
  memcpy(&fan_nodes[3], &nodes[1], sizeof nodes[1]);
  fan_nodes[3].input = 0;
  fan_nodes[3].kernel = slow_copy;
  fan_nodes[3].ops = copy_ops;
  fan_nodes[3].nops = 1;
  fan_nodes[3].nsites = 0;
  fan_nodes[3].sites = NULL;
  memcpy(&fan_nodes[4], &nodes[3], sizeof nodes[3]);
  fan_nodes[4].input = 3;
  pipe_program_desc keep = prog;
  prog = fan_prog;       /* run() goes through `prog` */
  setenv("PIPE_CHAN_CAP", "1", 1);
  unlink(out2_path);
  const char *none[] = {NULL};
  int st = run(none);
  unsetenv("PIPE_CHAN_CAP");
  prog = keep;
  return st;
}

static void test_fanout_one_branch_fails(int bad) {
  enum { ROWS = 100000 };
  char bad_text[64];
  snprintf(bad_text, sizeof bad_text, "S%d,0,%d.5", bad, bad);
  write_rows(ROWS, bad, bad_text);
  set_policies(PIPE_ON_FAIL, PIPE_ON_FAIL);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  is_call(run_fan(), 1, "fan-out, a failing row in one branch: status 1");
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  ok(secs < 20, "terminates (%.2fs)", secs);
  long long kept;
  char *w = want_rows(bad, 10, -1, &kept);
  check_output(out_path, w, "failing branch: exactly the rows before the failing row");
  free(w);
  char *exp = want_rows(ROWS, 0, bad, &kept);   /* stage B copies every row */
  char *got = slurp(out2_path);
  size_t glen = strlen(got);
  ok(glen > 14 && glen <= strlen(exp) && strncmp(got, exp, glen) == 0 && got[glen - 1] == '\n',
     "other branch: a prefix of its full output, in whole rows (%zu bytes)", glen);
  long lines = 0;
  for (char *p = got; *p; p++) lines += *p == '\n';
  ok(lines - 1 >= (bad / 4096 + 1) * 4096 || glen == strlen(exp),
     "other branch got at least every batch up to the failing one (%ld rows)", lines - 1);
  is_int(strncmp(err_text, "error[R", 7) == 0 && !strstr(err_text + 1, "error"), 1,
         "one error printed");
  free(exp);
  free(got);
}


/* Six stages read the source and all fail on the same row while the source fails on the
 * next record: whichever error comes first is the one printed, once. */
static pipe_node_desc many_nodes[8];
static pipe_program_desc many_prog = {PIPE_ABI_VERSION, 8, "t.pipe", many_nodes, params, 2, 1,
                                      dead};

static void test_many_failures(void) {
  memcpy(&many_nodes[0], &nodes[0], sizeof nodes[0]);
  for (int i = 1; i <= 6; i++) memcpy(&many_nodes[i], &nodes[1], sizeof nodes[1]);
  memcpy(&many_nodes[7], &nodes[2], sizeof nodes[2]);
  write_file(in_path, "sym,qty,price\nA,10,1\nB,0,1\nC,x,1\n");
  set_policies(PIPE_ON_FAIL, PIPE_ON_FAIL);
  char stage_err[512], source_err[512];
  snprintf(stage_err, sizeof stage_err,
           "error[R0011]: %s:3: field `qty` = \"0\": division by zero\n  --> t.pipe:3:12: in filter\n",
           in_path);
  snprintf(source_err, sizeof source_err,
           "error[R0001]: %s:4: field `qty` = \"x\": invalid i64\n  --> t.pipe:2:1: in source `trades`\n",
           in_path);
  pipe_program_desc keep = prog;
  prog = many_prog;
  int bad_status = 0, bad_err = 0, bad_out = 0;
  for (int k = 0; k < 30; k++) {
    const char *none[] = {NULL};
    bad_status += run(none) != 1;
    bad_err += strcmp(err_text, stage_err) != 0 && strcmp(err_text, source_err) != 0;
    char *got = slurp(out_path);
    bad_out += strcmp(got, "sym,qty,price\nA,10,1\n") != 0;
    free(got);
  }
  prog = keep;
  is_int(bad_status, 0, "seven failures at once, 30 runs: status 1 every time");
  is_int(bad_err, 0, "exactly one error text printed every time");
  if (bad_err) tap_diag("last:\n%s", err_text);
  is_int(bad_out, 0, "the row before the failures written every time");
}

/* A source alone, its output channel attached by hand so the test reads what it sends. */
static const pipe_field_desc tick_fields[] = {{"ts", PIPE_T_TIMESTAMP, 0}, {"v", PIPE_T_I64, 0}};
static const uint8_t tick_needed[] = {1, 1};
static pipe_node_desc tick_nodes[] = {
    {PIPE_NODE_SOURCE, -1, "ticks", 1, 1, {tick_fields, 2, 0},
     {PIPE_CONN_CSV, -1, NULL, 1, ',', 1, 1}, tick_needed, {PIPE_ON_FAIL, 0}, 0, 0,
     5000000 /* 5s */, NULL, NULL, 0, 0, NULL, NULL},
};
static const pipe_program_desc tick_prog = {PIPE_ABI_VERSION, 1, "w.pipe", tick_nodes, NULL,
                                            0, 0, NULL};

static pipe_run *open_ticks(rt_chan **out) {
  pipe_run *r = pipe_open(&tick_prog, NULL);
  *out = rt_chan_new(2);
  r->nodes[0].outs[0] = *out;
  r->nodes[0].nouts = 1;
  r->chans[r->nchans++] = *out;   /* so that pipe_stop cancels it */
  return r;
}

static void test_source_watermarks(void) {
  enum { ROWS = 10000 };
  const int64_t t0 = 1767605400000000LL;   /* 2026-01-05T09:30:00Z */
  char path[160];
  snprintf(path, sizeof path, "%s/ticks.csv", dir);
  FILE *f = fopen(path, "w");
  fputs("ts,v\n", f);
  for (int i = 0; i < ROWS; i++) {
    char ts[PIPE_FMT_MAX + 1];
    ts[pipe_fmt_ts(t0 + (int64_t)i * 1000000, ts)] = 0;
    fprintf(f, "%s,%d\n", ts, i);
  }
  fclose(f);
  tick_nodes[0].conn.path = path;

  rt_chan *c;
  pipe_run *r = open_ticks(&c);
  ok(pipe_start(r) == 0, "source starts");
  int64_t rows = 0, max_ts = INT64_MIN, last_wm = INT64_MIN;
  int batches = 0, wms = 0, wm_right = 1, eos = 0;
  rt_msg m;
  while (!eos && rt_chan_recv(c, &m) == 0) {
    if (m.kind == RT_MSG_BATCH) {
      batches++;
      rows += m.batch->nrows;
      const int64_t *ts = m.batch->cols[0].values;
      for (int64_t i = 0; i < m.batch->nrows; i++)
        if (ts[i] > max_ts) max_ts = ts[i];
      rt_batch_release(m.batch);
    } else if (m.kind == RT_MSG_WATERMARK) {
      wms++;
      wm_right &= m.watermark == max_ts - 5000000 && m.watermark > last_wm;
      last_wm = m.watermark;
    } else {
      eos = 1;
    }
  }
  is_call(pipe_wait(r), 0, "source run: status 0");
  is_int(rows, ROWS, "every row arrived");
  ok(batches >= 3, "several batches (%d)", batches);
  is_int(wms, batches, "a watermark after each batch (event time advanced each time)");
  ok(wm_right, "watermark = max event time so far - delay, increasing");
  is_int(last_wm, t0 + (ROWS - 1) * 1000000LL - 5000000, "last watermark");
  ok(eos, "EOS at the end");
  pipe_close(r);
  rt_chan_free(c);   /* attached by hand: the run does not own it */

  /* Nobody reads: the source blocks on the full channel until pipe_stop cancels it. */
  r = open_ticks(&c);
  pipe_start(r);
  while (rt_chan_blocked_senders(c) == 0) {
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
  }
  pipe_stop(r);
  is_call(pipe_wait(r), 0, "a stopped run returns status 0");
  pipe_close(r);
  rt_chan_free(c);
  ok(1, "a source blocked by backpressure is cancelled (the test would hang otherwise)");
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/test_rt_graph.XXXXXX");
  if (!mkdtemp(dir)) return 1;
  snprintf(in_path, sizeof in_path, "%s/in.csv", dir);
  snprintf(out_path, sizeof out_path, "%s/out.csv", dir);
  snprintf(out2_path, sizeof out2_path, "%s/out2.csv", dir);
  snprintf(dead_path, sizeof dead_path, "%s/dead.csv", dir);
  params[0].def = in_path;
  nodes[2].conn.path = out_path;
  nodes[3].conn.path = out2_path;
  dead[0].path = dead_path;

  test_clean();
  test_fail();
  test_skip_and_stats();
  test_dead_letter();
  test_setup_errors();
  test_fanout_and_volume();
  test_fail_drains_small();
  test_fail_drains_big(0);
  test_fail_drains_big(1);
  test_fail_source_drains();
  test_fanout_one_branch_fails(50);
  test_fanout_one_branch_fails(50000);
  test_many_failures();
  test_source_watermarks();

  free(err_text);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) tap_diag("could not remove %s", dir);
  return tap_done();
}
