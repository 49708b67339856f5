/* test_rt_window.c: window and aggregate nodes on small hand-checked inputs, through the
 * program of test_rt_window.h: each kind (tumbling, sliding with pane merges, sessions
 * bridged and merged, count windows with a partial one at EOS, aggregates in key order
 * with nulls and empty strings), late rows dropped and dead-lettered with their counts,
 * the same output for batch sizes 1, 3 and 4096 and a channel of 1, errors in the PREP
 * stage and in the projection under skip / dead_letter / fail, the --stats table, a bad
 * descriptor, and state that is freed: no group is left after the last firing and a long
 * stream keeps only a few groups at a time. */
#include "test_rt_window.h"

#define S(x) ((int64_t)(x) * 1000000)

static void check_out(const result *res, const char *want, const char *name) {
  ok(res->out && strcmp(res->out, want) == 0, "%s", name);
  if (!res->out || strcmp(res->out, want) != 0)
    tap_diag("got:\n%s\nwant:\n%s\nerr: %s", res->out ? res->out : "(null)", want, res->err);
}

/* The same output and status for batch sizes 1, 3 and 4096 and a channel of 1. */
static void check_all_sizes(const char *input, const char *want, const char *name) {
  static const char *rows[] = {"1", "3", "4096", "2"};
  static const char *caps[] = {NULL, NULL, NULL, "1"};
  for (int k = 0; k < 4; k++) {
    result res;
    run(&res, input, rows[k], caps[k]);
    char what[160];
    snprintf(what, sizeof what, "%s (batch %s%s)", name, rows[k], caps[k] ? ", channel 1" : "");
    is_int(res.status, 0, what);
    check_out(&res, want, what);
    is_int(res.live, 0, "no group left after the last firing");
    free(res.out);
  }
}

static const char *tumbling_in =
    "ts,sym,qty,name\n"
    "1970-01-01T00:00:10Z,A,1,x\n"
    "1970-01-01T00:00:20Z,B,2,y\n"
    "1970-01-01T00:00:50Z,A,,b\n"
    "1970-01-01T00:01:10Z,A,4,z\n"
    "1970-01-01T00:00:58Z,B,5,a\n"   /* watermark 65s: its window [0, 60s) has fired */
    "1970-01-01T00:01:30Z,,6,c\n"
    "1970-01-01T00:01:40Z,AB,7,\n"
    "1970-01-01T00:02:10Z,B,8,q\n";
static const char *tumbling_out =
    "A|0|60000000|2|1|b|1\n"
    "B|0|60000000|1|2|y|2\n"
    "A|60000000|120000000|1|4|z|4\n"
    "AB|60000000|120000000|1|7|null|7\n"
    "null|60000000|120000000|1|6|c|6\n"
    "B|120000000|180000000|1|8|q|8\n";

static void test_tumbling(void) {
  setup(PIPE_WIN_TUMBLING, S(60), 0, S(5), 0);
  init_calls = 0;
  check_all_sizes(tumbling_in, tumbling_out, "tumbling: windows by end, then key; null last");
  ok(init_calls > 0, "init runs on new states");
  result res;
  run(&res, tumbling_in, NULL, NULL);
  is_int(res.nstats, 3, "stats: source, window, sink (the PREP stage has no line)");
  is_str(res.stats[1].label, "window (w.pipe:5:5)", "window label");
  is_int(res.stats[1].in, 8, "window in");
  is_int(res.stats[1].out, 6, "window out: rows emitted");
  is_int(res.stats[1].late, 1, "window late");
  is_int(res.stats[0].late, 0, "source late is 0");
  is_int(res.stats[2].in, 6, "sink in");
  ok(res.peak > 0 && res.peak <= 4, "at most 4 groups at once (got %lld)", (long long)res.peak);
  free(res.out);

  nodes[0].watermark_field = -1;   /* no watermark: no clock, everything at EOS */
  run(&res, tumbling_in, "3", NULL);
  check_out(&res,
            "A|0|60000000|2|1|b|1\nB|0|60000000|2|7|a|2\nA|60000000|120000000|1|4|z|4\n"
            "AB|60000000|120000000|1|7|null|7\nnull|60000000|120000000|1|6|c|6\n"
            "B|120000000|180000000|1|8|q|8\n",
            "without a watermark upstream nothing is late");
  free(res.out);
}

static void test_late_dead(void) {
  setup(PIPE_WIN_TUMBLING, S(60), 0, S(5), 0);
  wdesc.late.kind = PIPE_ON_DEAD;
  result res;
  run(&res, tumbling_in, "3", NULL);
  is_int(res.status, 0, "late rows to a dead letter: status 0");
  check_out(&res, tumbling_out, "the other rows as before");
  is_int(res.stats[1].late, 1, "counted as late");
  is_int(res.stats[1].dead, 0, "not as dead");
  char *d = slurp(dead_path);
  char want[512];
  snprintf(want, sizeof want,
           "code,error,origin,field,value,pipe,row\n"
           "R0014,\"late row: its window ended at 1970-01-01T00:01:00Z, watermark "
           "1970-01-01T00:01:05Z\",%s:6,ts,1970-01-01T00:00:58Z,w.pipe:5:5,"
           "\"{\"\"sym\"\":\"\"B\"\",\"\"ts\"\":\"\"1970-01-01T00:00:58Z\"\",\"\"qty\"\":5,"
           "\"\"name\"\":\"\"a\"\",\"\"qty2\"\":5}\"\n",
           in_path);
  is_str(d, want, "the dead-letter record of a late row");
  free(d);
  free(res.out);
}

static void test_sliding(void) {
  const char *in = "ts,sym,qty,name\n"
                   "1970-01-01T00:00:01Z,A,1,m\n"
                   "1970-01-01T00:00:06Z,A,2,k\n"
                   "1970-01-01T00:00:07Z,B,3,z\n"
                   "1970-01-01T00:00:12Z,A,4,a\n";
  const char *want = "A|-5000000|5000000|1|1|m|1\n"
                     "A|0|10000000|2|3|k|1\n"
                     "B|0|10000000|1|3|z|3\n"
                     "A|5000000|15000000|2|6|a|2\n"
                     "B|5000000|15000000|1|3|z|3\n"
                     "A|10000000|20000000|1|4|a|4\n";
  setup(PIPE_WIN_SLIDING, S(10), S(5), 0, 0);
  check_all_sizes(in, want, "sliding 10s every 5s, no lag: panes merged per window");
  setup(PIPE_WIN_SLIDING, S(10), S(5), S(100), 0);
  check_all_sizes(in, want, "sliding 10s every 5s, all at EOS");
  result res;
  run(&res, in, NULL, NULL);
  ok(res.peak >= 4 && res.peak <= 8, "4 panes and the windows being built (got %lld)",
     (long long)res.peak);
  free(res.out);
  /* every 4s of 10s: panes of 2s; windows [k*4, k*4 + 10) */
  setup(PIPE_WIN_SLIDING, S(10), S(4), S(100), 0);
  const char *in2 = "ts,sym,qty,name\n1970-01-01T00:00:05Z,A,1,m\n1970-01-01T00:00:09Z,A,2,k\n";
  const char *want2 = "A|-4000000|6000000|1|1|m|1\n"
                      "A|0|10000000|2|3|k|1\n"
                      "A|4000000|14000000|2|3|k|1\n"
                      "A|8000000|18000000|1|2|k|2\n";
  check_all_sizes(in2, want2, "sliding 10s every 4s: panes of 2s");
}

static void test_session(void) {
  const char *in = "ts,sym,qty,name\n"
                   "1970-01-01T00:00:10Z,A,2,b\n"
                   "1970-01-01T00:00:00Z,A,1,c\n"
                   "1970-01-01T00:00:05Z,A,3,a\n"   /* bridges [0,0] and [10,10] */
                   "1970-01-01T00:00:30Z,A,4,d\n"
                   "1970-01-01T00:00:03Z,B,5,e\n";
  const char *want = "B|3000000|9000000|1|5|e|5\n"
                     "A|0|16000000|3|6|a|2\n"
                     "A|30000000|36000000|1|4|d|4\n";
  setup(PIPE_WIN_SESSION, S(6), 0, S(100), 0);
  check_all_sizes(in, want, "sessions: a row bridges two, first() by arrival");

  const char *late_in = "ts,sym,qty,name\n"
                        "1970-01-01T00:00:00Z,A,1,a\n"
                        "1970-01-01T00:00:20Z,A,2,b\n"
                        "1970-01-01T00:00:01Z,B,3,c\n"   /* [1,1] would end at 7 <= 20 */
                        "1970-01-01T00:00:03Z,A,4,d\n"   /* [0,0] has fired: late too */
                        "1970-01-01T00:00:17Z,A,5,e\n";  /* joins [20,20] */
  const char *late_want = "A|0|6000000|1|1|a|1\n"
                          "A|17000000|26000000|2|7|b|2\n";
  setup(PIPE_WIN_SESSION, S(6), 0, 0, 0);
  check_all_sizes(late_in, late_want, "sessions: late rows, a row extending backwards");
  result res;
  run(&res, late_in, NULL, NULL);
  is_int(res.stats[1].late, 2, "two late rows");
  is_int(res.stats[1].in, 5, "in = aggregated + late");
  free(res.out);
}

static void test_count(void) {
  const char *in = "ts,sym,qty,name\n"
                   "1970-01-01T00:00:10Z,A,1,n1\n"
                   "1970-01-01T00:00:20Z,B,2,n2\n"
                   "1970-01-01T00:00:05Z,A,3,n3\n"
                   "1970-01-01T00:00:30Z,A,4,n4\n"
                   "1970-01-01T00:00:40Z,B,5,n5\n"
                   "1970-01-01T00:00:12Z,A,6,n6\n"
                   "1970-01-01T00:00:50Z,AB,7,n7\n";
  const char *want = "A|5000000|10000000|2|4|n1|1\n"
                     "B|20000000|40000000|2|7|n2|2\n"
                     "A|12000000|30000000|2|10|n4|4\n"
                     "AB|50000000|50000000|1|7|n7|7\n";
  setup(PIPE_WIN_COUNT, 2, 0, 0, 0);
  check_all_sizes(in, want, "count 2: full windows as the clock passes them, partial at EOS");
  result res;
  run(&res, in, NULL, NULL);
  is_int(res.stats[1].late, 0, "count windows have no late rows");
  free(res.out);
}

static void test_aggregate(void) {
  const char *in = "ts,sym,qty,name\n"
                   "1970-01-01T00:00:10Z,B,1,x\n"
                   "1970-01-01T00:00:20Z,,2,y\n"
                   "1970-01-01T00:00:01Z,\"\",3,z\n"
                   "1970-01-01T00:00:00Z,A,4,w\n"
                   "1970-01-01T00:00:30Z,AB,,v\n"
                   "1970-01-01T00:00:40Z,A,6,\n";
  const char *want = "|1|3|z|3\n"
                     "A|2|10|w|4\n"
                     "AB|1|null|v|null\n"
                     "B|1|1|x|1\n"
                     "null|1|2|y|2\n";
  setup(PIPE_WIN_ALL, 0, 0, 0, 0);
  check_all_sizes(in, want, "aggregate: by key, \"\" first, null last");
  result res;
  run(&res, in, NULL, NULL);
  is_str(res.stats[1].label, "aggregate (w.pipe:5:5)", "aggregate label");
  free(res.out);
}

static const char *bad_in = "ts,sym,qty,name\n"
                            "1970-01-01T00:00:10Z,A,1,x\n"
                            "1970-01-01T00:00:20Z,B,-1,y\n"   /* PREP fails */
                            "1970-01-01T00:00:30Z,C,-5,z\n"
                            "1970-01-01T00:00:40Z,C,5,z\n"    /* C's total is 0 */
                            "1970-01-01T00:00:50Z,D,2,w\n";

static void test_prep_errors(void) {
  setup(PIPE_WIN_TUMBLING, S(60), 0, S(5), 0);
  prep_ops[0].policy.kind = PIPE_ON_SKIP;
  result res;
  run(&res, bad_in, NULL, NULL);
  is_int(res.status, 0, "PREP error under skip: status 0");
  check_out(&res, "A|0|60000000|1|1|x|1\nC|0|60000000|2|0|z|-5\nD|0|60000000|1|2|w|2\n",
            "the skipped row is in no window");
  is_int(res.nstats, 3, "the PREP op has no stats line");
  is_int(res.stats[1].in, 5, "window in counts the PREP's input");
  is_int(res.stats[1].skipped, 1, "window skipped counts the PREP's");
  free(res.out);

  prep_ops[0].policy.kind = PIPE_ON_FAIL;
  run(&res, bad_in, NULL, NULL);
  is_int(res.status, 1, "PREP error under fail: status 1");
  char want[512];
  snprintf(want, sizeof want,
           "error[R0011]: %s:3: field `qty` = \"-1\": division by zero\n  --> w.pipe:5:30: in window\n",
           in_path);
  is_str(res.err, want, "the error names the window");
  check_out(&res, "A|0|60000000|1|1|x|1\n", "the rows before it are aggregated and emitted");
  free(res.out);
}

static void test_projection_errors(void) {
  const char *data = "ts,sym,qty,name\n"
                     "1970-01-01T00:00:10Z,A,1,x\n"
                     "1970-01-01T00:00:30Z,C,-5,z\n"
                     "1970-01-01T00:00:40Z,C,5,z\n"
                     "1970-01-01T00:00:50Z,D,2,w\n";
  setup(PIPE_WIN_TUMBLING, S(60), 0, S(5), 1);
  win_ops[0].policy.kind = PIPE_ON_SKIP;
  result res;
  run(&res, data, NULL, NULL);
  is_int(res.status, 0, "projection error under skip: status 0");
  check_out(&res, "A|0|60000000|1|100\nD|0|60000000|1|50\n", "projected, C skipped");
  is_int(res.stats[1].out, 2, "window out: rows sent");
  is_int(res.stats[1].skipped, 1, "window skipped: the projection's");
  free(res.out);

  win_ops[0].policy.kind = PIPE_ON_DEAD;
  run(&res, data, "1", NULL);
  is_int(res.status, 0, "projection error to a dead letter: status 0");
  is_int(res.stats[1].dead, 1, "counted as dead");
  char *d = slurp(dead_path);
  char want[512];
  snprintf(want, sizeof want,
           "division by zero,%s:3,total,0,w.pipe:6:13,\"{\"\"sym\"\":\"\"C\"\",\"\"window_start\"\":"
           "\"\"1970-01-01T00:00:00Z\"\",\"\"window_end\"\":\"\"1970-01-01T00:01:00Z\"\",\"\"n\"\":2,"
           "\"\"total\"\":0,\"\"lo\"\":\"\"z\"\",\"\"first\"\":-5}\"\n",
           in_path);
  ok(strstr(d, want) != NULL, "the dead letter names the row that opened the group");
  if (!strstr(d, want)) tap_diag("dead file:\n%s\nwant:\n%s", d, want);
  free(d);
  free(res.out);

  win_ops[0].policy.kind = PIPE_ON_FAIL;
  run(&res, data, NULL, NULL);
  is_int(res.status, 1, "projection error under fail: status 1");
  snprintf(want, sizeof want,
           "error[R0011]: %s:3: field `total` = \"0\": division by zero\n  --> w.pipe:6:13: in window\n",
           in_path);
  is_str(res.err, want, "the error text");
  check_out(&res, "A|0|60000000|1|100\n", "the rows before the failing one are sent");
  free(res.out);
}

static void test_print_stats(void) {
  setup(PIPE_WIN_TUMBLING, S(60), 0, S(5), 0);
  write_file(in_path, tumbling_in);
  pipe_error err;
  pipe_run *r = pipe_open(&prog, &err);
  result res;
  memset(&res, 0, sizeof res);
  pipe_set_param(r, "input", in_path);
  pipe_bind_sink(r, 0, on_rows, &res);
  if (pipe_start(r) == 0) pipe_wait(r);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  pipe_print_stats(r, f);
  fclose(f);
  pipe_close(r);
  ok(strstr(text, "skipped       dead       late\n") != NULL, "--stats has a late column");
  ok(strstr(text, "window (w.pipe:5:5)                               8          6          0"
                  "          0          0          1\n") != NULL,
     "the window's line");
  if (!strstr(text, "window (w.pipe:5:5)")) tap_diag("%s", text);
  free(text);
  free(res.out);
}

static void test_bad_desc(void) {
  setup(PIPE_WIN_TUMBLING, S(60), 0, S(5), 0);
  pipe_error err;
  wdesc.ts_col = 2;
  ok(pipe_open(&prog, &err) == NULL && strstr(err.msg, "invalid program descriptor"),
     "an event-time column in the wrong place is refused");
  wdesc.ts_col = 1;
  wdesc.kind = PIPE_WIN_SLIDING;
  wdesc.every = S(61);
  ok(pipe_open(&prog, &err) == NULL && strstr(err.msg, "bad size or slide"),
     "a slide longer than the window is refused");
  wdesc.every = 0;
  wdesc.kind = PIPE_WIN_TUMBLING;
  wdesc.late.kind = PIPE_ON_FAIL;
  ok(pipe_open(&prog, &err) == NULL && strstr(err.msg, "late policy"), "late policy checked");
  wdesc.late.kind = PIPE_ON_SKIP;
  pipe_run *r = pipe_open(&prog, &err);
  ok(r != NULL, "the repaired descriptor opens");
  pipe_close(r);
}

/* 200k rows, 3 keys, one-second windows, lag 2s: only a few groups are ever open. */
static void test_bounded(void) {
  enum { ROWS = 200000 };
  setup(PIPE_WIN_TUMBLING, S(1), 0, S(2), 0);
  size_t cap = (size_t)ROWS * 40 + 64, len = 0;
  char *in = malloc(cap);
  len += (size_t)snprintf(in, cap, "ts,sym,qty,name\n");
  const char *syms[] = {"A", "B", "C"};
  for (int i = 0; i < ROWS; i++) {
    char ts[PIPE_FMT_MAX + 1];
    int64_t t = (int64_t)i * 10000 - (i % 7) * 150000;   /* 10ms apart, up to 0.9s out of order */
    ts[pipe_fmt_ts(t, ts)] = 0;
    len += (size_t)snprintf(in + len, cap - len, "%s,%s,1,x\n", ts, syms[i % 3]);
  }
  result res;
  run(&res, in, NULL, NULL);
  is_int(res.status, 0, "long stream: status 0");
  is_int(res.stats[1].late, 0, "no late row");
  ok(res.stats[1].out >= 3 * (ROWS / 100) - 3, "a window per key and second (got %lld)",
     (long long)res.stats[1].out);
  ok(res.peak <= 3 * 5, "at most a few windows per key at once (got %lld)", (long long)res.peak);
  is_int(res.live, 0, "every group freed");
  free(res.out);
  free(in);
}

int main(void) {
  make_dir();
  test_tumbling();
  test_late_dead();
  test_sliding();
  test_session();
  test_count();
  test_aggregate();
  test_prep_errors();
  test_projection_errors();
  test_print_stats();
  test_bad_desc();
  test_bounded();
  remove_dir();
  return tap_done();
}
